package misp

import (
	"os"
	"path/filepath"
	"testing"
)

// largestCorpusEvent returns the bytes of the largest event in the shared corpus.
func largestCorpusEvent(b *testing.B) ([]byte, string) {
	b.Helper()
	var best []byte
	var name string
	for _, p := range corpusEvents(b) {
		data, err := os.ReadFile(p)
		if err != nil {
			b.Fatal(err)
		}
		if len(data) > len(best) {
			best, name = data, filepath.Base(p)
		}
	}
	return best, name
}

// BenchmarkDecodeEvent decodes the largest corpus event (windigo/ebury, 1.8 MB, 127
// objects); the MB/s column is the figure to watch.
func BenchmarkDecodeEvent(b *testing.B) {
	data, name := largestCorpusEvent(b)
	b.Logf("%s: %d bytes", name, len(data))
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := DecodeEvent(data); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkEncodeEvent encodes the largest corpus event; MB/s is of the encoded output.
func BenchmarkEncodeEvent(b *testing.B) {
	data, _ := largestCorpusEvent(b)
	e, err := DecodeEvent(data)
	if err != nil {
		b.Fatal(err)
	}
	out, err := EncodeEvent(e)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(out)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := EncodeEvent(e); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDecodeCorpus decodes every corpus event in turn (5.3 MB in 18 files: attribute-,
// object- and galaxy-heavy events alike).
func BenchmarkDecodeCorpus(b *testing.B) {
	var bodies [][]byte
	var total int64
	for _, p := range corpusEvents(b) {
		data, err := os.ReadFile(p)
		if err != nil {
			b.Fatal(err)
		}
		bodies = append(bodies, data)
		total += int64(len(data))
	}
	b.SetBytes(total)
	b.ReportAllocs()
	for b.Loop() {
		for _, data := range bodies {
			if _, err := DecodeEvent(data); err != nil {
				b.Fatal(err)
			}
		}
	}
}

// BenchmarkEncodeCorpus encodes every corpus event in turn; MB/s is of the encoded output.
func BenchmarkEncodeCorpus(b *testing.B) {
	var events []*Event
	var total int64
	for _, p := range corpusEvents(b) {
		data, err := os.ReadFile(p)
		if err != nil {
			b.Fatal(err)
		}
		e, err := DecodeEvent(data)
		if err != nil {
			b.Fatal(err)
		}
		out, err := EncodeEvent(e)
		if err != nil {
			b.Fatal(err)
		}
		events = append(events, e)
		total += int64(len(out))
	}
	b.SetBytes(total)
	b.ReportAllocs()
	for b.Loop() {
		for _, e := range events {
			if _, err := EncodeEvent(e); err != nil {
				b.Fatal(err)
			}
		}
	}
}
