package scp

import (
	"bytes"
	"context"
	"errors"
	"io"
	"testing"
)

// FuzzDecodeBody checks that any body either fails cleanly or reads back the same after
// being written again.
func FuzzDecodeBody(f *testing.F) {
	f.Add([]byte("a,__mv_a,b\r\n\"x\ny\",$x$;$y$$$,1\r\n"))
	f.Add([]byte("test\r\ndata\r\n测试\r\n"))
	f.Fuzz(func(t *testing.T, body []byte) {
		recs, err := DecodeBody(body, 1000)
		if err != nil {
			if !errors.Is(err, ErrMalformed) && !errors.Is(err, ErrLimit) {
				t.Fatalf("untyped error %v", err)
			}
			return
		}
		again, err := DecodeBody(AppendBody(nil, recs), 1000)
		if err != nil {
			t.Fatalf("re-encoded body does not read: %v", err)
		}
		if len(again) != len(recs) {
			t.Fatalf("%d records, then %d", len(recs), len(again))
		}
		for i := range recs {
			a, b := recs[i].Fields(), again[i].Fields()
			if len(a) != len(b) {
				t.Fatalf("record %d: %d fields, then %d", i, len(a), len(b))
			}
			for j := range a {
				if a[j].Name != b[j].Name || a[j].Value.Text() != b[j].Value.Text() || len(a[j].Value.List()) != len(b[j].Value.List()) {
					t.Fatalf("record %d field %d: %q=%q, then %q=%q", i, j, a[j].Name, a[j].Value.Text(), b[j].Name, b[j].Value.Text())
				}
			}
		}
	})
}

// FuzzRun feeds any byte stream to Run: it must end with nil or an error, and what it wrote
// must be well-formed chunks.
func FuzzRun(f *testing.F) {
	f.Add(input("x,y\r\na,1\r\n"))
	f.Add([]byte("chunked 1.0,2,0\n{}"))
	f.Fuzz(func(t *testing.T, in []byte) {
		var out bytes.Buffer
		_ = Run(context.Background(), bytes.NewReader(in), &out, &echo{}, WithMaxBody(1<<16), WithMaxRecords(1000))
		d := NewDecoder(&out)
		for {
			c, err := d.Next()
			if errors.Is(err, io.EOF) {
				return
			}
			if err != nil {
				t.Fatalf("reply does not read: %v", err)
			}
			if _, err := DecodeBody(c.Body, 0); err != nil {
				t.Fatalf("reply body does not read: %v", err)
			}
		}
	})
}
