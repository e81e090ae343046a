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

// TestJobsSameOutput: every -j gives the bytes -j 1 gives on stdout and on stderr, in every output
// format (ndjson and json are rendered on the workers, csv and table by the writer), for extract
// with the options that change the ordering machinery and for unpack; a malformed record is
// reported in its place among the warnings, and --strict stops there.
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
		code int // exit code of every run
	}{
		{"extract ndjson", []string{"extract", "-o", "ndjson"}, ExitPartial},
		{"extract json", []string{"extract", "-o", "json"}, ExitPartial},
		{"extract csv", []string{"extract", "-o", "csv"}, ExitPartial},
		{"extract table", []string{"extract", "-o", "table"}, ExitPartial},
		{"extract strict", []string{"extract", "--strict", "-o", "ndjson"}, ExitFailure},
		{"extract unpack unique record", []string{"extract", "--unpack", "--unique", "record", "-o", "ndjson"}, ExitPartial},
		{"extract unique global", []string{"extract", "--unique", "global", "--max-unique", "500", "-o", "ndjson"}, ExitPartial},
		{"unpack ndjson", []string{"unpack", "-o", "ndjson"}, ExitPartial},
		{"unpack json all", []string{"unpack", "--all", "-o", "json"}, ExitPartial},
		{"unpack strict", []string{"unpack", "--strict", "-o", "json"}, ExitFailure},
	}
	for _, tt := range tests {
		args := append(tt.args, "--max-line-bytes", "4KiB", corpus)
		wantCode, want, wantErr := runHunch(t, "", append([]string{"-j", "1"}, args...)...)
		if len(want) < 1000 || wantCode != tt.code || !strings.Contains(wantErr, "longer than") {
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
