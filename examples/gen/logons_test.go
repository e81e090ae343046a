package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestLogons checks that the committed logons.ndjson is current and holds what it promises:
// one event a line in time order, the spray hour far above its neighbours, the outage hour empty.
func TestLogons(t *testing.T) {
	dir := t.TempDir()
	p, err := writeLogons(dir)
	if err != nil {
		t.Fatal(err)
	}
	made, _ := os.ReadFile(filepath.Join(dir, "logons.ndjson"))
	committed, err := os.ReadFile(filepath.Join("..", "logons.ndjson"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(made, committed) {
		t.Error("examples/logons.ndjson is stale: run go run ./examples/gen from the repository root")
	}
	perHour := map[time.Time]int{}
	var last time.Time
	lines := strings.Split(strings.TrimSuffix(string(made), "\n"), "\n")
	if len(lines) != p.Events {
		t.Fatalf("%d lines, %d events reported", len(lines), p.Events)
	}
	for i, l := range lines {
		var ev struct {
			TimeCreated time.Time
			EventID     int
		}
		if err := json.Unmarshal([]byte(l), &ev); err != nil {
			t.Fatalf("line %d: %v", i+1, err)
		}
		if ev.TimeCreated.Before(last) {
			t.Fatalf("line %d out of time order", i+1)
		}
		last = ev.TimeCreated
		perHour[ev.TimeCreated.Truncate(time.Hour)]++
	}
	if n := perHour[p.Dip]; n != 0 {
		t.Errorf("outage hour holds %d events", n)
	}
	spike := perHour[p.Spike]
	for _, d := range []time.Duration{-24 * time.Hour, 24 * time.Hour, -time.Hour, time.Hour} {
		if n := perHour[p.Spike.Add(d)]; spike < 10*max(n, 1) {
			t.Errorf("spray hour %d events, %v away %d", spike, d, n)
		}
	}
	if len(perHour) != 14*24-1 {
		t.Errorf("%d hours with events, want every hour but the outage", len(perHour))
	}
}
