package scp

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"testing"

	"github.com/hunchsec/hunch/record"
)

// streamEcho passes every record on, as a Streamer.
type streamEcho struct{}

func (streamEcho) GetInfo(context.Context, Info) (Config, error) {
	return Config{Type: TypeStreaming}, nil
}
func (streamEcho) Process(_ context.Context, b []record.Record) ([]record.Record, error) {
	return b, nil
}
func (streamEcho) ProcessStream(_ context.Context, in record.Stream) record.Stream { return in }

// BenchmarkRunEcho measures the protocol alone: 1 M process events (four fields, a command
// line of 60–330 bytes) in 20 chunks of 50,000, decoded, passed on unchanged and encoded.
func BenchmarkRunEcho(b *testing.B) {
	const events, chunk = 1_000_000, 50_000
	var bodies [][]byte
	for c := range 4 {
		recs := make([]record.Record, chunk)
		for i := range recs {
			k := c*chunk + i
			cl := fmt.Sprintf(`"C:\Windows\system32\cmd.exe" /c copy \\fileserver%d\share\%d.bat C:\Users\Public`, k%50, k)
			if k%4 == 0 {
				cl = "powershell.exe -NoProfile -WindowStyle Hidden -enc " + string(bytes.Repeat([]byte("SQBFAFgAIAAoAE4AZQB3AC0ATwBiAGoAZQBjAHQA"), 7))
			}
			recs[i] = record.New(
				record.Field{Name: "_time", Value: record.String(fmt.Sprintf("17000%05d.%03d", k%100000, k%1000))},
				record.Field{Name: "host", Value: record.String(fmt.Sprintf("ws%04d", k%5000))},
				record.Field{Name: "EventCode", Value: record.String("4688")},
				record.Field{Name: "CommandLine", Value: record.String(cl)},
			)
		}
		bodies = append(bodies, AppendBody(nil, recs))
	}
	in := AppendChunk(nil, []byte(`{"action":"getinfo","searchinfo":{"args":[]}}`), nil)
	for i := range events / chunk {
		meta := `{"action":"execute","finished":false}`
		if i == events/chunk-1 {
			meta = `{"action":"execute","finished":true}`
		}
		in = AppendChunk(in, []byte(meta), bodies[i%len(bodies)])
	}
	b.SetBytes(int64(len(in)))
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		if err := Run(context.Background(), bytes.NewReader(in), io.Discard, streamEcho{}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(events)*float64(b.N)/b.Elapsed().Seconds(), "records/s")
}
