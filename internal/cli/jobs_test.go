package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hunchsec/hunch/internal/benchcorpus"
)

// TestJobsSameOutput: every -j gives the bytes -j 1 gives, in every output format (ndjson and
// json are rendered on the workers, csv and table by the writer), for extract with the options
// that change the ordering machinery and for unpack.
func TestJobsSameOutput(t *testing.T) {
	dir := t.TempDir()
	corpus := filepath.Join(dir, "corpus.txt")
	data := benchcorpus.Bytes(512<<10, 7)
	// A line too long for --max-line-bytes is reported and skipped in its place.
	data = append(data, strings.Repeat("x", 5000)+" 198.51.100.1\n"...)
	data = append(data, "after the long line: 203.0.113.9\n"...)
	if err := os.WriteFile(corpus, data, 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		args []string
	}{
		{"extract ndjson", []string{"extract", "-o", "ndjson"}},
		{"extract json", []string{"extract", "-o", "json"}},
		{"extract csv", []string{"extract", "-o", "csv"}},
		{"extract table", []string{"extract", "-o", "table"}},
		{"extract unpack unique record", []string{"extract", "--unpack", "--unique", "record", "-o", "ndjson"}},
		{"extract unique global", []string{"extract", "--unique", "global", "--max-unique", "500", "-o", "ndjson"}},
		{"unpack ndjson", []string{"unpack", "-o", "ndjson"}},
		{"unpack json all", []string{"unpack", "--all", "-o", "json"}},
	}
	for _, tt := range tests {
		args := append(tt.args, "--max-line-bytes", "4KiB", corpus)
		wantCode, want, wantErr := runHunch(t, "", append([]string{"-j", "1"}, args...)...)
		if len(want) < 1000 || wantCode != ExitPartial || !strings.Contains(wantErr, "skipped") {
			t.Fatalf("%s -j 1: exit %d, %d bytes out, stderr %q", tt.name, wantCode, len(want), wantErr)
		}
		for _, j := range []string{"2", "3"} {
			t.Run(tt.name+" -j "+j, func(t *testing.T) {
				code, got, gotErr := runHunch(t, "", append([]string{"-j", j}, args...)...)
				if code != wantCode || got != want || gotErr != wantErr {
					t.Errorf("exit %d, %d bytes out, stderr %q; -j 1 gave exit %d, %d bytes, stderr %q",
						code, len(got), gotErr, wantCode, len(want), wantErr)
				}
			})
		}
	}
}

// BenchmarkExtractJobs runs `hunch extract -o ndjson` in-process over the benchmark corpus with
// -j 1 and -j 2: the end-to-end figure of -j's scaling, with the collector paced as the command
// paces it (paceGC; GOGC or GOMEMLIMIT in the environment turn that off, as for the command).
func BenchmarkExtractJobs(b *testing.B) {
	corpus := filepath.Join(b.TempDir(), "corpus.txt")
	const size = 32 << 20
	if err := os.WriteFile(corpus, benchcorpus.Bytes(size, 1), 0o644); err != nil {
		b.Fatal(err)
	}
	cfgHome := b.TempDir()
	getenv := func(k string) string {
		if k == "XDG_CONFIG_HOME" {
			return cfgHome
		}
		return os.Getenv(k)
	}
	for _, j := range []int{1, 2} {
		b.Run(fmt.Sprintf("j=%d", j), func(b *testing.B) {
			b.SetBytes(size)
			for range b.N {
				args := []string{"extract", "-j", fmt.Sprint(j), "-o", "ndjson", corpus}
				if code := run(context.Background(), args, strings.NewReader(""), io.Discard, io.Discard, getenv); code != ExitOK {
					b.Fatalf("exit %d", code)
				}
			}
		})
	}
}
