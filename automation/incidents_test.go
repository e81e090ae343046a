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

func TestIncidents(t *testing.T) {
	db, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "h.db"), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	clock := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	s := &Incidents{Store: db, Chain: journal.Chain{Key: []byte("k")}, Now: func() time.Time { return clock }}
	c := context.Background()
	inc := &store.Incident{Name: "phish", Severity: 1}
	if err := s.Open(c, inc, "alice"); err != nil {
		t.Fatal(err)
	}
	if err := s.Open(c, &store.Incident{Name: " "}, "alice"); err == nil {
		t.Error("nameless incident opened")
	}
	if err := s.Open(c, &store.Incident{Name: "x", Status: "closed"}, "alice"); err == nil {
		t.Error("unknown status accepted")
	}
	clock = clock.Add(-time.Hour) // the clock steps back: the journal stays in time order
	if _, err := s.Note(c, inc.ID, "bob", "looked"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Note(c, inc.ID, "bob", "  "); err == nil {
		t.Error("empty note accepted")
	}
	same := "pending"
	got, err := s.Update(c, inc.ID, "bob", Change{Status: &same})
	if err != nil || got.JournalCount != 2 {
		t.Fatalf("no-op update journaled: %+v %v", got, err)
	}
	high, active := 3.0, "active"
	if got, err = s.Update(c, inc.ID, "bob", Change{Status: &active, Severity: &high}); err != nil || got.Status != "active" || got.Severity != 3 || got.JournalCount != 3 {
		t.Fatalf("update: %+v %v", got, err)
	}
	j, _ := db.Journal(c, inc.ID)
	if !j[1].Time.Equal(j[0].Time) || string(j[2].Body) != `{"changed":{"severity":[1,3],"status":["pending","active"]}}` {
		t.Errorf("journal %+v", j)
	}
	n, problems, err := s.Verify(c, inc.ID)
	if err != nil || n != 3 || len(problems) != 0 {
		t.Errorf("verify: %d %v %v", n, problems, err)
	}
	for in, want := range map[string]float64{"high": 3, "info": 0.5, "0.5": 0.5, "4": 4, "Critical": 4} {
		if v, err := ParseSeverity(in); err != nil || v != want {
			t.Errorf("ParseSeverity(%q) = %v, %v", in, v, err)
		}
	}
	for _, bad := range []string{"7", "urgent", ""} {
		if _, err := ParseSeverity(bad); err == nil {
			t.Errorf("ParseSeverity(%q) accepted", bad)
		}
	}
	if SeverityName(0.5) != "info" || SeverityName(9) != "9" {
		t.Error("SeverityName")
	}
}
