package record

import (
	"bytes"
	"testing"
)

// TestWriteEncodedMatchesWrite: records rendered by a writer's Encoder and handed over in runs
// of any length give the same bytes as writing them one by one.
func TestWriteEncodedMatchesWrite(t *testing.T) {
	recs := sampleRecords()
	tests := []struct {
		name string
		f    OutFormat
		opts WriteOptions
		runs []int // lengths of the runs handed to WriteEncoded, in order
	}{
		{"ndjson one by one", OutNDJSON, WriteOptions{}, []int{1, 1, 1, 1, 1}},
		{"ndjson all at once", OutNDJSON, WriteOptions{}, []int{5}},
		{"ndjson empty runs", OutNDJSON, WriteOptions{}, []int{0, 2, 0, 3, 0}},
		{"ndjson columns", OutNDJSON, WriteOptions{Columns: []string{"pid", "host", "missing"}}, []int{2, 3}},
		{"json one by one", OutJSON, WriteOptions{}, []int{1, 1, 1, 1, 1}},
		{"json first run of three", OutJSON, WriteOptions{}, []int{3, 2}},
		{"json empty first run", OutJSON, WriteOptions{}, []int{0, 1, 4}},
		{"json columns", OutJSON, WriteOptions{Columns: []string{"host"}}, []int{5}},
		{"json nothing", OutJSON, WriteOptions{}, []int{0}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			total := 0
			for _, n := range tt.runs {
				total += n
			}
			want := writeAll(t, tt.f, tt.opts, recs[:total])

			var buf bytes.Buffer
			w, err := NewWriter(&buf, tt.f, tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			ew, ok := w.(EncodingWriter)
			if !ok {
				t.Fatalf("%s writer is not an EncodingWriter", tt.f)
			}
			enc := ew.Encoder()
			i := 0
			for _, n := range tt.runs {
				var b []byte
				for _, r := range recs[i : i+n] {
					b = enc.AppendRecord(b, r)
				}
				i += n
				if err := ew.WriteEncoded(b, n); err != nil {
					t.Fatal(err)
				}
			}
			if err := w.Close(); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(buf.Bytes(), want) {
				t.Errorf("got:\n%s\nwant:\n%s", buf.Bytes(), want)
			}
		})
	}
}

// TestEncodingWriterFormats: only the formats that render each record on its own offer an Encoder.
func TestEncodingWriterFormats(t *testing.T) {
	tests := []struct {
		f    OutFormat
		want bool
	}{
		{OutNDJSON, true},
		{OutJSON, true},
		{OutCSV, false},
		{OutTable, false},
	}
	for _, tt := range tests {
		w, err := NewWriter(&bytes.Buffer{}, tt.f, WriteOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := w.(EncodingWriter); ok != tt.want {
			t.Errorf("%s: EncodingWriter = %v, want %v", tt.f, ok, tt.want)
		}
	}
}

// TestWriteEncodedAfterClose: handing over bytes after Close fails like Write does.
func TestWriteEncodedAfterClose(t *testing.T) {
	w, err := NewWriter(&bytes.Buffer{}, OutNDJSON, WriteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	ew := w.(EncodingWriter)
	for _, n := range []int{0, 1} {
		if err := ew.WriteEncoded(ew.Encoder().AppendRecord(nil, sampleRecords()[0]), n); err != ErrWriterClosed {
			t.Errorf("WriteEncoded(n=%d) after Close = %v, want ErrWriterClosed", n, err)
		}
	}
}
