package scp

import (
	"bytes"
	"context"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/hunchsec/hunch/record"
)

const getinfo = `{"action":"getinfo","preview":false,"searchinfo":{"args":["field=x"],"command":"t"}}`

func input(chunks ...string) []byte {
	b := AppendChunk(nil, []byte(getinfo), nil)
	for _, body := range chunks {
		b = AppendChunk(b, []byte(`{"action":"execute","finished":false}`), []byte(body))
	}
	return AppendChunk(b, []byte(`{"action":"execute","finished":true}`), nil)
}

// replies decodes a reply stream into metadata strings and records per chunk.
func replies(t *testing.T, b []byte) ([]string, [][]record.Record) {
	t.Helper()
	var metas []string
	var recs [][]record.Record
	d := NewDecoder(bytes.NewReader(b))
	for {
		c, err := d.Next()
		if errors.Is(err, io.EOF) {
			return metas, recs
		}
		if err != nil {
			t.Fatal(err)
		}
		rs, err := DecodeBody(c.Body, 0)
		if err != nil {
			t.Fatal(err)
		}
		metas = append(metas, string(c.Metadata))
		recs = append(recs, rs)
	}
}

func TestParseHeader(t *testing.T) {
	tests := []struct {
		in         string
		meta, body int
		ok         bool
	}{
		{"chunked 1.0,20,0", 20, 0, true},
		{"chunked  1.0 , 3 , 48108", 3, 48108, true},
		{"chunked\t1.0,0,0", 0, 0, true},
		{"chunked 2.0,1,1", 0, 0, false},
		{"chunked 1.0,1", 0, 0, false},
		{"chunked 1.0,1,2,3", 0, 0, false},
		{"chunked 1.0,-1,2", 0, 0, false},
		{"chunked 1.0,+1,2", 0, 0, false},
		{"chunked1.0,1,2", 0, 0, false},
		{"chunked 1.0,a,2", 0, 0, false},
		{"chunked 1.0,1,99999999999999999999", 0, 0, false},
		{"hello", 0, 0, false},
	}
	for _, tc := range tests {
		m, b, err := parseHeader([]byte(tc.in))
		if (err == nil) != tc.ok || m != tc.meta || b != tc.body {
			t.Errorf("parseHeader(%q) = %d, %d, %v", tc.in, m, b, err)
		}
		if err != nil && !errors.Is(err, ErrMalformed) {
			t.Errorf("parseHeader(%q): %v is not ErrMalformed", tc.in, err)
		}
	}
}

func TestDecodeBody(t *testing.T) {
	tests := []struct {
		name, body string
		want       []record.Record
		err        error
	}{
		{"plain", "a,b\r\n1,2\r\n,\r\n", []record.Record{
			record.New(record.Field{Name: "a", Value: record.String("1")}, record.Field{Name: "b", Value: record.String("2")}),
			record.New(record.Field{Name: "a", Value: record.String("")}, record.Field{Name: "b", Value: record.String("")}),
		}, nil},
		{"lf line ends and quotes", "\"a\",b\n\"x,\"\"y\"\"\nz\",2\n", []record.Record{
			record.New(record.Field{Name: "a", Value: record.String("x,\"y\"\nz")}, record.Field{Name: "b", Value: record.String("2")}),
		}, nil},
		{"multi-value", "a,__mv_a,b\r\n\"x\ny\",$x$;$y$$$;$$,1\r\none,$one$,2\r\nplain,,3\r\n", []record.Record{
			record.New(record.Field{Name: "a", Value: record.Strings("x", "y$", "")}, record.Field{Name: "b", Value: record.String("1")}),
			record.New(record.Field{Name: "a", Value: record.String("one")}, record.Field{Name: "b", Value: record.String("2")}),
			record.New(record.Field{Name: "a", Value: record.String("plain")}, record.Field{Name: "b", Value: record.String("3")}),
		}, nil},
		{"mv before its field", "__mv_a,a\r\n$p$;$q$,\"p\nq\"\r\n", []record.Record{
			record.New(record.Field{Name: "a", Value: record.Strings("p", "q")}),
		}, nil},
		{"short row", "a,b\r\n1\r\n", []record.Record{
			record.New(record.Field{Name: "a", Value: record.String("1")}, record.Field{Name: "b", Value: record.String("")}),
		}, nil},
		{"header only", "a,b\r\n", nil, nil},
		{"long row", "a\r\n1,2\r\n", nil, ErrMalformed},
		{"bad mv", "a,__mv_a\r\n1,$1\r\n", nil, ErrMalformed},
		{"bad mv separator", "a,__mv_a\r\n1,$1$,$2$\r\n", nil, ErrMalformed},
		{"unterminated quote", "a\r\n\"abc\r\n", nil, ErrMalformed},
		{"stray quote", "a\r\nab\"c\r\n", nil, ErrMalformed},
		{"text after quote", "a\r\n\"ab\"c\r\n", nil, ErrMalformed},
		{"empty name", "a,\r\n1,2\r\n", nil, ErrMalformed},
		{"not utf-8", "a\r\n\xff\r\n", nil, ErrMalformed},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := DecodeBody([]byte(tc.body), 0)
			if !errors.Is(err, tc.err) || (err != nil) != (tc.err != nil) {
				t.Fatalf("err = %v, want %v", err, tc.err)
			}
			if len(got) != len(tc.want) {
				t.Fatalf("%d records, want %d: %v", len(got), len(tc.want), got)
			}
			for i := range got {
				if !got[i].Equal(tc.want[i]) {
					t.Errorf("record %d = %v, want %v", i, got[i], tc.want[i])
				}
			}
		})
	}
}

func TestAppendBody(t *testing.T) {
	when := time.Date(2017, 7, 22, 23, 19, 48, 650_000_000, time.UTC)
	obj := record.New(record.Field{Name: "k", Value: record.Int(1)})
	recs := []record.Record{
		record.New(record.Field{Name: "_time", Value: record.Time(when)}, record.Field{Name: "ips", Value: record.Strings("1.2.3.4", "a$b")},
			record.Field{Name: "n", Value: record.Float(1.5)}),
		record.New(record.Field{Name: "extra", Value: record.Object(obj)}, record.Field{Name: "ips", Value: record.Strings("only")},
			record.Field{Name: "b", Value: record.Bool(true)}, record.Field{Name: "empty", Value: record.List()}),
		record.New(record.Field{Name: "_time", Value: record.Time(time.Unix(-1, 750_000_000))}, record.Field{Name: "q", Value: record.String("a,\"b\"")}),
	}
	want := "_time,__mv__time,ips,__mv_ips,n,__mv_n,extra,__mv_extra,b,__mv_b,empty,__mv_empty,q,__mv_q\r\n" +
		"1500765588.65,,\"1.2.3.4\na$b\",$1.2.3.4$;$a$$b$,1.5,,,,,,,,,\r\n" +
		",,only,,,,\"{\"\"k\"\":1}\",,true,,,,,\r\n" +
		"-0.25,,,,,,,,,,,,\"a,\"\"b\"\"\",\r\n"
	if got := string(AppendBody(nil, recs)); got != want {
		t.Errorf("body\n got %q\nwant %q", got, want)
	}
	// What is written reads back (lists stay lists, everything else as text).
	back, err := DecodeBody([]byte(want), 0)
	if err != nil {
		t.Fatal(err)
	}
	if v, _ := back[0].Get("ips"); len(v.List()) != 2 || v.List()[1].Text() != "a$b" {
		t.Errorf("ips read back as %v", v)
	}
	if len(AppendBody(nil, nil)) != 0 {
		t.Error("no records wrote a body")
	}
}

// upper uppercases field x and may fail or warn.
type upper struct {
	failInfo, failProcess error
	warn                  []Message
	calls                 int
}

func (u *upper) GetInfo(context.Context, Info) (Config, error) {
	return Config{Type: TypeStreaming, RequiredFields: []string{"x"}}, u.failInfo
}

func (u *upper) Process(_ context.Context, batch []record.Record) ([]record.Record, error) {
	u.calls++
	if u.failProcess != nil {
		return nil, u.failProcess
	}
	for i := range batch {
		v, _ := batch[i].Get("x")
		batch[i].Set("x", record.String(strings.ToUpper(v.Text())))
	}
	return batch, nil
}

func (u *upper) TakeMessages() []Message {
	m := u.warn
	u.warn = nil
	return m
}

func TestRunExchange(t *testing.T) {
	cmd := &upper{warn: []Message{{LevelWarn, "careful"}}}
	var out bytes.Buffer
	if err := Run(context.Background(), bytes.NewReader(input("x,y\r\na,1\r\n", "x\r\nb\r\n")), &out, cmd); err != nil {
		t.Fatal(err)
	}
	metas, recs := replies(t, out.Bytes())
	want := []string{
		`{"required_fields":["x"],"type":"streaming"}`,
		`{"inspector":{"messages":[["WARN","careful"]]},"finished":false}`,
		`{"finished":false}`,
		`{"finished":true}`,
	}
	if strings.Join(metas, "\n") != strings.Join(want, "\n") {
		t.Errorf("metadata\n got %q\nwant %q", metas, want)
	}
	if len(recs[1]) != 1 || recs[1][0].Fields()[0].Value.Text() != "A" || len(recs[2]) != 1 || recs[2][0].Fields()[0].Value.Text() != "B" || len(recs[3]) != 0 {
		t.Errorf("records %v", recs)
	}
	if cmd.calls != 3 {
		t.Errorf("Process called %d times, want 3", cmd.calls)
	}
}

func TestRunErrors(t *testing.T) {
	big := strings.Repeat("x", 100)
	tests := []struct {
		name  string
		in    []byte
		cmd   *upper
		opts  []Option
		err   error
		inMsg string
	}{
		{"empty input", nil, &upper{}, nil, ErrMalformed, "no getinfo"},
		{"garbage", []byte("hello\n"), &upper{}, nil, ErrMalformed, "bad transport header"},
		{"execute first", AppendChunk(nil, []byte(`{"action":"execute"}`), nil), &upper{}, nil, ErrMalformed, "want getinfo"},
		{"bad json", AppendChunk(nil, []byte(`{"action":`), nil), &upper{}, nil, ErrMalformed, "metadata"},
		{"getinfo fails", input(), &upper{failInfo: errors.New("no such field")}, nil, nil, "no such field"},
		{"process fails", input("x\r\na\r\n"), &upper{failProcess: errors.New("boom")}, nil, nil, "boom"},
		{"bad body", input("x\r\n\"a\r\n"), &upper{}, nil, ErrMalformed, "unterminated"},
		{"truncated", input("x\r\na\r\n")[:len(getinfo)+40], &upper{}, nil, ErrTruncated, "cut short"},
		{"metadata limit", input(), &upper{}, []Option{WithMaxMetadata(20)}, ErrLimit, "metadata of"},
		{"body limit", input("x\r\n" + big + "\r\n"), &upper{}, []Option{WithMaxBody(50)}, ErrLimit, "body of 105 bytes"},
		{"records limit", input("x\r\na\r\nb\r\nc\r\n"), &upper{}, []Option{WithMaxRecords(2)}, ErrLimit, "more than 2 records"},
		{"chunk size limit", input("x\r\n" + big + "\r\n"), &upper{}, []Option{WithMaxChunkSize(60)}, ErrLimit, "does not fit in maxchunksize 60"},
		{"header too long", []byte("chunked 1.0," + strings.Repeat("1", 200) + "\n"), &upper{}, nil, ErrMalformed, "longer than"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var out bytes.Buffer
			err := Run(context.Background(), bytes.NewReader(tc.in), &out, tc.cmd, tc.opts...)
			if err == nil || (tc.err != nil && !errors.Is(err, tc.err)) {
				t.Fatalf("err = %v, want %v", err, tc.err)
			}
			metas, _ := replies(t, out.Bytes())
			last := metas[len(metas)-1]
			if !strings.Contains(last, `"inspector":{"messages":[["ERROR","hunch: `) || !strings.Contains(last, tc.inMsg) || !strings.HasSuffix(last, `"finished":true}`) {
				t.Errorf("last reply %s, want an ERROR message with %q and finished", last, tc.inMsg)
			}
		})
	}
}

func TestMaxChunkSizeSplits(t *testing.T) {
	rows := "x\r\n" + strings.Repeat("abcdefghij\r\n", 20)
	for _, size := range []int{0, 130, 200, 1000} {
		var out bytes.Buffer
		cmd := &upper{warn: []Message{{LevelInfo, "hi"}}}
		if err := Run(context.Background(), bytes.NewReader(input(rows)), &out, cmd, WithMaxChunkSize(size)); err != nil {
			t.Fatalf("size %d: %v", size, err)
		}
		d := NewDecoder(bytes.NewReader(out.Bytes()))
		n, pieces := 0, 0
		var metas []string
		for {
			c, err := d.Next()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			if size > 0 && len(c.Metadata)+len(c.Body) > size {
				t.Errorf("size %d: chunk of %d bytes", size, len(c.Metadata)+len(c.Body))
			}
			rs, err := DecodeBody(c.Body, 0)
			if err != nil {
				t.Fatal(err)
			}
			n += len(rs)
			if len(rs) > 0 {
				pieces++
			}
			metas = append(metas, string(c.Metadata))
		}
		if n != 20 {
			t.Errorf("size %d: %d records, want 20", size, n)
		}
		switch {
		case size == 0 || size == 1000:
			if pieces != 1 {
				t.Errorf("size %d: %d pieces, want 1", size, pieces)
			}
		case pieces < 2:
			t.Errorf("size %d: %d pieces, want a split", size, pieces)
		}
		if size == 130 {
			if !strings.HasPrefix(metas[1], `{"inspector":{"messages":[["INFO","hi"]]},"finished":false,"partial":true}`) || metas[2] != `{"finished":false,"partial":true}` {
				t.Errorf("split metadata %q", metas)
			}
			if last := metas[len(metas)-2]; last != `{"finished":false}` {
				t.Errorf("last piece of the reply %q, want finished false without partial", last)
			}
		}
	}
}

func TestRunCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	var out bytes.Buffer
	go func() { done <- Run(ctx, pr, &out, &upper{}) }()
	in := input("x\r\na\r\n")
	go pw.Write(in[:len(in)-50]) // getinfo and part of the first execute; the pipe stays open
	time.Sleep(20 * time.Millisecond)
	cancel()
	pw.CloseWithError(context.Canceled)
	select {
	case err := <-done:
		if err == nil {
			t.Fatal("Run returned nil after cancellation")
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not return after cancellation")
	}
}

func TestTextUnmarshal(t *testing.T) {
	var si SearchInfo
	if err := jsonUnmarshal(`{"earliest_time":1433261372.5,"latest_time":null}`, &si); err != nil || si.EarliestTime != "1433261372.5" || si.LatestTime != "" {
		t.Errorf("got %+v, %v", si, err)
	}
	if err := jsonUnmarshal(`{"earliest_time":{}}`, &si); err == nil {
		t.Error("object accepted as time")
	}
}
