package session

import (
	"encoding/json"
	"os"
	"testing"
)

// BenchmarkMarkov1M trains the values-level model on sessions holding about 1 M commands and
// scores every session (likelihood, geometric mean, rarest window of 2) — the work msticpy's
// Model.train, compute_likelihoods_of_sessions, compute_geomean_lik_of_sessions and
// compute_rarest_windows(2) do. With HUNCH_BENCH_SESSIONS=FILE the sessions are also written
// there as JSON ([[[name, {param: value}], …], …]) for testdata/bench_msticpy.py to time
// msticpy on the same data.
func BenchmarkMarkov1M(b *testing.B) {
	sessions := normalSessions(364_000, 11)
	cmds := 0
	for _, s := range sessions {
		cmds += len(s.Cmds)
	}
	if path := os.Getenv("HUNCH_BENCH_SESSIONS"); path != "" {
		out := make([][][2]any, len(sessions))
		for i, s := range sessions {
			for _, c := range s.Cmds {
				out[i] = append(out[i], [2]any{c.Name, c.Params})
			}
		}
		data, err := json.Marshal(out)
		if err != nil {
			b.Fatal(err)
		}
		if err := os.WriteFile(path, data, 0o644); err != nil {
			b.Fatal(err)
		}
	}
	b.ResetTimer()
	for range b.N {
		m, err := Train(sessions, CmdsParamsValues)
		if err != nil {
			b.Fatal(err)
		}
		if r := Rank(m, sessions, 2); len(r) != len(sessions) {
			b.Fatalf("%d scored", len(r))
		}
	}
	b.ReportMetric(float64(cmds), "events")
	b.ReportMetric(float64(cmds*b.N)/b.Elapsed().Seconds(), "events/s")
}
