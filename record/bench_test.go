package record

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"runtime"
	"strings"
	"testing"
)

// genReader yields size bytes made of lines from gen, without holding more than one line.
type genReader struct {
	gen  func(i int) string
	size int64
	i    int
	cur  string
}

func (g *genReader) Read(p []byte) (int, error) {
	if g.size <= 0 {
		return 0, io.EOF
	}
	n := 0
	for n < len(p) && g.size > 0 {
		if g.cur == "" {
			g.cur = g.gen(g.i)
			g.i++
		}
		k := copy(p[n:], g.cur)
		if int64(k) > g.size {
			k = int(g.size)
		}
		g.cur = g.cur[k:]
		n += k
		g.size -= int64(k)
	}
	return n, nil
}

// eventLine is a deterministic NDJSON process event of about 400 bytes.
func eventLine(i int) string {
	return fmt.Sprintf(`{"EventID":4688,"RecordNumber":%d,"Computer":"ws-%03d.corp.example.com","User":"CORP\\user%d",`+
		`"CommandLine":"powershell.exe -NoP -W Hidden -enc SQBFAFgAIAAoAE4AZQB3AC0ATwBiAGoAZQBjAHQAIABOAGUAdAAuAFcAZQBiAEMAbABpAGUAbgB0ACkA",`+
		`"ParentImage":"C:\\Windows\\explorer.exe","Url":"http://198.51.100.%d/payload?id=%d&x=<y>","Score":%d.5,"Tags":["a","b"],"Ok":true}`+"\n",
		i, i%1000, i%50, i%256, i, i%100)
}

// syslogLine is a deterministic syslog-style text line.
func syslogLine(i int) string {
	return fmt.Sprintf("Mar  1 12:%02d:%02d host%d sshd[%d]: Accepted publickey for user%d from 203.0.113.%d port %d ssh2\n",
		i/60%60, i%60, i%10, 1000+i%5000, i%50, i%256, 40000+i%20000)
}

// genLines counts the lines gen makes in size bytes (the last may be cut).
func genLines(gen func(int) string, size int64) int {
	lines := 0
	for i := 0; size > 0; i++ {
		size -= int64(len(gen(i)))
		lines++
	}
	return lines
}

// byteRepeater yields n copies of one byte.
type byteRepeater struct {
	b byte
	n int64
}

func (r *byteRepeater) Read(p []byte) (int, error) {
	if r.n <= 0 {
		return 0, io.EOF
	}
	k := int(min(int64(len(p)), r.n))
	for i := range k {
		p[i] = r.b
	}
	r.n -= int64(k)
	return k, nil
}

func TestReadBoundedMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("reads 200 MB streams")
	}
	const size = 200 << 20
	tests := []struct {
		name  string
		f     Format
		input func() (io.Reader, int)
		opts  ReadOptions
	}{
		{"ndjson", FormatNDJSON, func() (io.Reader, int) {
			return &genReader{gen: eventLine, size: size}, genLines(eventLine, size)
		}, ReadOptions{}},
		{"text", FormatText, func() (io.Reader, int) {
			return &genReader{gen: syslogLine, size: size}, genLines(syslogLine, size)
		}, ReadOptions{}},
		// An array streamed element by element (the generator cuts the last one: a syntax
		// error, one ParseError, ends the stream).
		{"json array", FormatJSON, func() (io.Reader, int) {
			gen := func(i int) string {
				if i == 0 {
					return "[" + eventLine(i)
				}
				return "," + eventLine(i)
			}
			return io.MultiReader(&genReader{gen: gen, size: 64 << 20}, strings.NewReader("]")), genLines(gen, 64<<20)
		}, ReadOptions{}},
		// A 100 MB line between short ones, over a 1 MiB limit: drained, never held.
		{"text with a huge line", FormatText, func() (io.Reader, int) {
			var head int64
			for i := range 1000 {
				head += int64(len(syslogLine(i)))
			}
			r := io.MultiReader(&genReader{gen: syslogLine, size: head}, &byteRepeater{'x', 100 << 20},
				strings.NewReader("\n"), &genReader{gen: syslogLine, size: size / 2})
			return r, 1000 + 1 + genLines(syslogLine, size/2)
		}, ReadOptions{MaxLineBytes: 1 << 20}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r, lines := tc.input()
			runtime.GC()
			var ms runtime.MemStats
			var peak uint64
			opts := tc.opts
			opts.Format = tc.f
			n, bad := 0, 0
			for _, err := range Read(context.Background(), r, "gen", opts) {
				if err != nil {
					if !IsParseError(err) {
						t.Fatal(err)
					}
					bad++
				} else {
					n++
				}
				if (n+bad)%50000 == 0 {
					runtime.ReadMemStats(&ms)
					peak = max(peak, ms.HeapInuse)
				}
			}
			runtime.ReadMemStats(&ms)
			peak = max(peak, ms.HeapInuse)
			t.Logf("%d records, %d parse errors, peak HeapInuse %.1f MiB", n, bad, float64(peak)/(1<<20))
			if n+bad != lines {
				t.Errorf("got %d records and %d errors, want %d lines", n, bad, lines)
			}
			if tc.opts.MaxLineBytes > 0 && bad != 1 {
				t.Errorf("got %d parse errors, want 1 for the long line", bad)
			}
			if peak > 32<<20 {
				t.Errorf("peak HeapInuse %d MiB, want < 32 MiB", peak>>20)
			}
		})
	}
}

// benchInput is a deterministic input of about 8 MB made of lines from gen.
func benchInput(gen func(int) string) []byte {
	var b bytes.Buffer
	for i := 0; b.Len() < 8<<20; i++ {
		b.WriteString(gen(i))
	}
	return b.Bytes()
}

func benchRead(b *testing.B, data []byte, f Format) {
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		n := 0
		for _, err := range Read(context.Background(), bytes.NewReader(data), "bench", ReadOptions{Format: f}) {
			if err != nil {
				b.Fatal(err)
			}
			n++
		}
		if n == 0 {
			b.Fatal("no records")
		}
	}
}

func BenchmarkReadNDJSON(b *testing.B) { benchRead(b, benchInput(eventLine), FormatNDJSON) }

func BenchmarkReadJSON(b *testing.B) {
	data := benchInput(eventLine)
	data = append([]byte("["), bytes.ReplaceAll(bytes.TrimSuffix(data, []byte("\n")), []byte("\n"), []byte(",\n"))...)
	data = append(data, ']')
	benchRead(b, data, FormatJSON)
}

func BenchmarkReadText(b *testing.B) { benchRead(b, benchInput(syslogLine), FormatText) }

func BenchmarkReadCSV(b *testing.B) {
	data := benchInput(func(i int) string {
		if i == 0 {
			return "time,host,pid,msg\n"
		}
		return fmt.Sprintf("2024-03-01T12:00:%02dZ,host%d,%d,\"Accepted publickey for user%d, from 203.0.113.%d\"\n", i%60, i%10, i, i%50, i%256)
	})
	benchRead(b, data, FormatCSV)
}

func BenchmarkWriteNDJSON(b *testing.B) {
	var recs []Record
	size := 0
	for r, err := range Read(context.Background(), strings.NewReader(string(benchInput(eventLine)[:1<<20])), "bench", ReadOptions{Format: FormatNDJSON}) {
		if err != nil {
			continue // the cut last line
		}
		recs = append(recs, r)
		size += len(r.AppendJSON(nil)) + 1
	}
	b.SetBytes(int64(size))
	b.ReportAllocs()
	for b.Loop() {
		w, _ := NewWriter(io.Discard, OutNDJSON, WriteOptions{})
		for _, r := range recs {
			if err := w.Write(r); err != nil {
				b.Fatal(err)
			}
		}
		if err := w.Close(); err != nil {
			b.Fatal(err)
		}
	}
}
