package playbook

import (
	"context"
	"fmt"
	"strings"
	"testing"
)

// BenchmarkRun drives a ten-action playbook to its end on a SQLite store: every action's start
// and end written to the run's state and the incident's journal, as in production.
func BenchmarkRun(b *testing.B) {
	h := newHarness(&testing.T{})
	e := h.engine()
	e.Actions["echo"] = func(_ context.Context, c Call) (map[string]any, error) { return c.Args, nil }
	var src strings.Builder
	src.WriteString("name: bench\ntasks:\n")
	for i := range 10 {
		next := ""
		if i < 9 {
			next = fmt.Sprintf(", next: t%d", i+1)
		}
		fmt.Fprintf(&src, "  - {id: t%d, type: action, action: echo, with: {n: \"{{ .run.id }}\"}%s}\n", i, next)
	}
	pb, err := Parse([]byte(src.String()), e.ActionNames())
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	b.ResetTimer()
	for range b.N {
		b.StopTimer()
		inc, _ := h.alert(&testing.T{}) // one incident per run, as in production
		b.StartTimer()
		run, err := e.Start(ctx, pb, inc.ID, nil, "")
		if err != nil {
			b.Fatal(err)
		}
		if err := e.Drive(ctx, run.ID); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N*10)/1000, "ms/action")
}
