package cli

import (
	"fmt"
	"strings"
	"testing"
)

func TestAnalyzeCluster(t *testing.T) {
	code, out, errOut := runHunch(t, "", "analyze", "cluster", "-o", "csv", "--columns", "cluster_id,cluster_size", "../../examples/events.ndjson")
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 41 || lines[0] != "cluster_id,cluster_size" {
		t.Fatalf("%d lines:\n%s", len(lines), out)
	}
	// Summary: sizes add up to the 40 events, largest first, noise last; the lone event is the gzip stager.
	code, out, errOut = runHunch(t, "", "analyze", "cluster", "--summary", "-o", "csv", "--columns", "cluster_id,cluster_size,CommandLine", "../../examples/events.ndjson")
	if code != ExitOK {
		t.Fatalf("summary: exit %d %s", code, errOut)
	}
	rows := strings.Split(strings.TrimSpace(out), "\n")[1:]
	total, prev, noise := 0, 1<<30, 0
	for _, r := range rows {
		var id, size int
		fmt.Sscanf(r, "%d,%d", &id, &size)
		total += size
		if id == -1 {
			noise++
			if !strings.Contains(r, "GzipStream") {
				t.Errorf("noise event: %s", r)
			}
			continue
		}
		if size > prev {
			t.Errorf("clusters not largest first: %s", out)
		}
		prev = size
	}
	if total != 40 || noise != 1 || len(rows) != 5 {
		t.Errorf("summary sizes %d, noise %d, rows %d:\n%s", total, noise, len(rows), out)
	}
	in := "{\"a\":1,\"b\":1}\n{\"a\":1.1,\"b\":1}\n{\"a\":9,\"b\":9}\n"
	code, out, _ = runHunch(t, in, "analyze", "cluster", "--features", "a,b", "--scale", "none", "--eps", "0.5", "-o", "csv", "--columns", "a,cluster_id,cluster_size")
	if code != ExitOK || out != "a,cluster_id,cluster_size\n1,0,2\n1.1,0,2\n9,-1,1\n" {
		t.Errorf("numeric fields: exit %d\n%s", code, out)
	}
	for _, c := range []struct {
		args []string
		want string
		code int
	}{
		{[]string{"--eps", "0"}, "--eps must be positive", ExitUsage},
		{[]string{"--min-samples", "0"}, "--min-samples", ExitUsage},
		{[]string{"--scale", "log"}, "want none, normalize or standardize", ExitUsage},
		{[]string{"--features", "c"}, `field "c" is missing`, ExitFailure},
		{[]string{"--features", "a", "--max-records", "2"}, "too many records: more than 2", ExitFailure},
	} {
		code, _, errOut := runHunch(t, in, append([]string{"analyze", "cluster"}, c.args...)...)
		if code != c.code || !strings.Contains(errOut, c.want) {
			t.Errorf("%v: exit %d %q, want %d %q", c.args, code, errOut, c.code, c.want)
		}
	}
}
