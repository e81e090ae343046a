package automation

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/hunchsec/hunch/automation/journal"
	"github.com/hunchsec/hunch/store"
	"github.com/hunchsec/hunch/store/sqlite"
)

func TestSLATimers(t *testing.T) {
	db, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "h.db"), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	t0 := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	clock := t0
	s := &Incidents{Store: db, Chain: journal.Chain{Key: []byte("k")}, Now: func() time.Time { return clock }}
	c := context.Background()
	inc := &store.Incident{Name: "ransomware", Severity: 4}
	if err := s.Open(c, inc, "edr"); err != nil {
		t.Fatal(err)
	}
	state := func(at time.Time) (string, string) {
		got, _ := s.Store.Incident(c, inc.ID)
		entries, _ := s.Store.Journal(c, inc.ID)
		ts := DefaultSLAPolicy.Timers(got, ReadMilestones(got, entries), at)
		if len(ts) != 2 || !ts[0].Due.Equal(t0.Add(15*time.Minute)) || !ts[1].Due.Equal(t0.Add(4*time.Hour)) {
			t.Fatalf("timers %+v", ts)
		}
		return ts[0].State, ts[1].State
	}
	for _, c := range []struct {
		at          time.Duration
		assign, rem string
	}{
		{5 * time.Minute, SLAWithin, SLAWithin},
		{12 * time.Minute, SLAAtRisk, SLAWithin},
		{20 * time.Minute, SLALate, SLAWithin},
		{3*time.Hour + 30*time.Minute, SLALate, SLAAtRisk},
	} {
		if a, r := state(t0.Add(c.at)); a != c.assign || r != c.rem {
			t.Errorf("after %v: assign %s, remediate %s; want %s, %s", c.at, a, r, c.assign, c.rem)
		}
	}
	owner, done := "alice", "done"
	clock = t0.Add(10 * time.Minute)
	s.Update(c, inc.ID, "lead", Change{Owner: &owner})
	clock = t0.Add(5 * time.Hour)
	s.Update(c, inc.ID, "alice", Change{Status: &done})
	if a, r := state(t0.Add(48 * time.Hour)); a != SLAMet || r != SLALate {
		t.Errorf("assigned in time, remediated late: %s, %s", a, r)
	}
	info := &store.Incident{Name: "fyi", Severity: 0.5}
	if ts := DefaultSLAPolicy.Timers(info, Milestones{}, t0); ts != nil {
		t.Errorf("informational incidents have no SLA here: %+v", ts)
	}
}
