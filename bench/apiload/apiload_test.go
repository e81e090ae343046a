package main

import (
	"bytes"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/hunchsec/hunch/intel/inteltest"
	"github.com/hunchsec/hunch/server/mispapi"
)

// TestRun runs a short load against the MISP API over a real SQLite store: every request must succeed and every
// kind of request must have run.
func TestRun(t *testing.T) {
	f := inteltest.New(t, inteltest.Options{})
	srv := httptest.NewServer(mispapi.New(mispapi.Deps{Intel: f.Svc}))
	defer srv.Close()
	cfg := Config{URL: srv.URL, Key: f.Keys["publisher"], Clients: 8, Duration: 1500 * time.Millisecond, WriteShare: 0.3}
	res, err := Run(t.Context(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	res.Print(&out, cfg)
	t.Log("\n" + out.String())
	if res.Errors() != 0 {
		t.Fatalf("%d requests failed", res.Errors())
	}
	for _, k := range []string{"attributes/add", "attributes/restSearch", "events/view"} {
		if s := res.Kinds[k]; s == nil || s.Count == 0 {
			t.Errorf("no %s requests ran", k)
		}
	}
	if !strings.Contains(out.String(), "all") {
		t.Error("no totals line")
	}
}

func TestPercentile(t *testing.T) {
	s := Stats{Latencies: []time.Duration{5, 1, 4, 2, 3, 6, 7, 8, 9, 10}}
	if got := s.Percentile(50); got != 5 {
		t.Errorf("p50 = %d, want 5", got)
	}
	if got := s.Percentile(99); got != 10 {
		t.Errorf("p99 = %d, want 10", got)
	}
	if got := (&Stats{}).Percentile(99); got != 0 {
		t.Errorf("empty p99 = %d", got)
	}
}
