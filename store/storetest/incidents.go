package storetest

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/hunchsec/hunch/store"
)

// testIncidents checks incidents and their journals: create, read, list by status newest first with a limit, update,
// missing ones; appended entries come back in order with exact times, the head follows them, a failing builder
// appends nothing, and concurrent appends chain one after another.
func testIncidents(t *testing.T, b Backend) {
	c := ctx(t)
	_, err := b.Incident(c, 42)
	wantErr(t, "missing incident", err, store.ErrNotFound)
	t0 := time.Date(2026, 11, 23, 9, 0, 0, 123456789, time.UTC)
	var ids []int64
	for i, st := range []string{"pending", "active", "active"} {
		inc := &store.Incident{Name: fmt.Sprintf("alert %d", i), Type: "Malware", Severity: 2, Status: st, Labels: []string{"splunk", "é"},
			Created: t0.Add(time.Duration(i) * time.Minute)}
		must(t, b.CreateIncident(c, inc))
		if inc.ID == 0 || !inc.Updated.Equal(inc.Created) {
			t.Fatalf("created %+v", inc)
		}
		ids = append(ids, inc.ID)
	}
	got, err := b.Incident(c, ids[0])
	must(t, err)
	if got.Name != "alert 0" || got.Severity != 2 || got.Status != "pending" || len(got.Labels) != 2 || got.Labels[1] != "é" ||
		!got.Created.Equal(t0) || got.JournalCount != 0 || got.JournalHead != "" {
		t.Fatalf("read back %+v", got)
	}
	list, err := b.ListIncidents(c, store.IncidentFilter{Status: "active"})
	must(t, err)
	if len(list) != 2 || list[0].ID != ids[2] || list[1].ID != ids[1] {
		t.Fatalf("active, newest first: %+v", list)
	}
	list, err = b.ListIncidents(c, store.IncidentFilter{Limit: 1})
	must(t, err)
	if len(list) != 1 || list[0].ID != ids[2] {
		t.Fatalf("limit 1: %+v", list)
	}
	got.Status, got.Owner, got.Severity, got.Labels, got.Updated = "done", "alice", 4, nil, t0.Add(time.Hour)
	must(t, b.UpdateIncident(c, got))
	again, err := b.Incident(c, ids[0])
	must(t, err)
	if again.Status != "done" || again.Owner != "alice" || again.Severity != 4 || len(again.Labels) != 0 || !again.Updated.Equal(t0.Add(time.Hour)) {
		t.Fatalf("updated %+v", again)
	}
	wantErr(t, "update missing", b.UpdateIncident(c, &store.Incident{ID: 999, Status: "x"}), store.ErrNotFound)

	next := func(kind string) func(last *store.JournalEntry) (store.JournalEntry, error) {
		return func(last *store.JournalEntry) (store.JournalEntry, error) {
			e := store.JournalEntry{Seq: 1, Time: t0, Kind: kind, Actor: "alice", Body: []byte(`{"text":"é"}`)}
			if last != nil {
				e.Seq, e.Prev, e.Time = last.Seq+1, last.Hash, last.Time.Add(time.Nanosecond)
			}
			e.Hash = fmt.Sprintf("h%d", e.Seq)
			return e, nil
		}
	}
	for _, k := range []string{"status", "note", "action"} {
		_, err := b.AppendJournal(c, ids[1], next(k))
		must(t, err)
	}
	_, err = b.AppendJournal(c, ids[1], func(*store.JournalEntry) (store.JournalEntry, error) { return store.JournalEntry{}, errors.New("no") })
	if err == nil {
		t.Fatal("a failing builder appended")
	}
	_, err = b.AppendJournal(c, 999, next("note"))
	wantErr(t, "append to missing incident", err, store.ErrNotFound)
	j, err := b.Journal(c, ids[1])
	must(t, err)
	if len(j) != 3 || j[0].Kind != "status" || j[2].Seq != 3 || j[2].Prev != "h2" || string(j[1].Body) != `{"text":"é"}` ||
		!j[2].Time.Equal(t0.Add(2*time.Nanosecond)) || j[0].IncidentID != ids[1] {
		t.Fatalf("journal %+v", j)
	}
	inc, err := b.Incident(c, ids[1])
	must(t, err)
	if inc.JournalCount != 3 || inc.JournalHead != "h3" {
		t.Fatalf("head %d %q", inc.JournalCount, inc.JournalHead)
	}
	_, err = b.Journal(c, 999)
	wantErr(t, "journal of missing incident", err, store.ErrNotFound)

	// Concurrent appends to one journal chain one after another.
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := b.AppendJournal(c, ids[2], next("message")); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	j, err = b.Journal(c, ids[2])
	must(t, err)
	for i, e := range j {
		if e.Seq != int64(i+1) || (i > 0 && e.Prev != j[i-1].Hash) {
			t.Fatalf("concurrent appends: entry %d is %+v", i, e)
		}
	}
	if len(j) != 8 {
		t.Fatalf("%d entries after 8 concurrent appends", len(j))
	}
}
