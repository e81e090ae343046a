package storetest

import (
	"bytes"
	"testing"
	"time"

	"github.com/hunchsec/hunch/store"
)

// testPlaybooks checks playbook runs (create, read, list by status and incident, versioned updates that refuse a
// stale writer) and evidence (content kept byte for byte, listed without it).
func testPlaybooks(t *testing.T, b Backend) {
	c := ctx(t)
	inc := &store.Incident{Name: "case", Status: "active"}
	must(t, b.CreateIncident(c, inc))
	_, err := b.PlaybookRun(c, 7)
	wantErr(t, "missing run", err, store.ErrNotFound)
	src := []byte("name: triage\n\x00é")
	run := &store.PlaybookRun{IncidentID: inc.ID, Playbook: "triage", Source: src, Status: "running", State: []byte(`{"queue":["a"]}`)}
	must(t, b.CreateRun(c, run))
	other := &store.PlaybookRun{IncidentID: inc.ID, Playbook: "other", Status: "done", State: []byte(`{}`)}
	must(t, b.CreateRun(c, other))
	if run.ID == 0 || run.Version != 1 || other.ID <= run.ID {
		t.Fatalf("created %+v %+v", run, other)
	}
	got, err := b.PlaybookRun(c, run.ID)
	must(t, err)
	if !bytes.Equal(got.Source, src) || string(got.State) != `{"queue":["a"]}` || got.Status != "running" || got.Version != 1 || got.IncidentID != inc.ID {
		t.Fatalf("read back %+v", got)
	}
	list, err := b.ListRuns(c, store.RunFilter{Status: []string{"running", "waiting"}})
	must(t, err)
	if len(list) != 1 || list[0].ID != run.ID {
		t.Fatalf("running or waiting: %+v", list)
	}
	list, err = b.ListRuns(c, store.RunFilter{IncidentID: inc.ID})
	must(t, err)
	if len(list) != 2 || list[0].ID != run.ID {
		t.Fatalf("by incident, oldest first: %+v", list)
	}
	stale := *got
	got.Status, got.State, got.Error = "failed", []byte(`{"queue":[]}`), "boom"
	must(t, b.UpdateRun(c, got))
	if got.Version != 2 {
		t.Fatalf("version after update %d", got.Version)
	}
	stale.Status = "done"
	wantErr(t, "stale update", b.UpdateRun(c, &stale), store.ErrConflict)
	again, err := b.PlaybookRun(c, run.ID)
	must(t, err)
	if again.Status != "failed" || again.Error != "boom" || string(again.State) != `{"queue":[]}` || again.Version != 2 {
		t.Fatalf("after the refused update %+v", again)
	}
	wantErr(t, "update missing", b.UpdateRun(c, &store.PlaybookRun{ID: 999, Version: 1}), store.ErrNotFound)

	// Leases: one owner at a time; the holder renews; an expired lease passes on; a release frees it.
	t0 := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	lease := func(owner string, until, now time.Time) bool {
		t.Helper()
		ok, err := b.LeaseRun(c, run.ID, owner, until, now)
		must(t, err)
		return ok
	}
	if !lease("server-a", t0.Add(time.Minute), t0) || lease("server-b", t0.Add(time.Minute), t0.Add(time.Second)) ||
		!lease("server-a", t0.Add(2*time.Minute), t0.Add(30*time.Second)) {
		t.Error("a held lease was taken, or its holder could not renew it")
	}
	if !lease("server-b", t0.Add(4*time.Minute), t0.Add(3*time.Minute)) {
		t.Error("an expired lease did not pass on")
	}
	must(t, b.ReleaseRun(c, run.ID, "server-a")) // not the holder: no effect
	if lease("server-a", t0.Add(5*time.Minute), t0.Add(3*time.Minute)) {
		t.Error("a release by someone else freed the lease")
	}
	must(t, b.ReleaseRun(c, run.ID, "server-b"))
	if !lease("server-a", t0.Add(5*time.Minute), t0.Add(3*time.Minute)) {
		t.Error("a released lease could not be taken")
	}
	if ok, err := b.LeaseRun(c, 999, "x", t0, t0); ok || err != nil {
		t.Errorf("lease of a missing run: %v %v", ok, err)
	}
	got2, _ := b.PlaybookRun(c, run.ID)
	if got2.Version != again.Version {
		t.Error("a lease changed the run's version")
	}

	content := []byte("MZ\x00\x01binary")
	ev := &store.Evidence{IncidentID: inc.ID, Kind: "file", Name: "dropper.exe", SHA256: "ab", Size: int64(len(content)), Content: content,
		Actor: "alice", Entry: 3, Created: time.Date(2026, 11, 23, 9, 0, 0, 5, time.UTC)}
	must(t, b.AddEvidence(c, ev))
	must(t, b.AddEvidence(c, &store.Evidence{IncidentID: inc.ID, Kind: "value", Name: "c2", SHA256: "cd", Actor: "bob", Entry: 4}))
	evs, err := b.ListEvidence(c, inc.ID)
	must(t, err)
	if len(evs) != 2 || evs[0].Name != "dropper.exe" || evs[0].Content != nil || evs[0].Size != 10 || !evs[0].Created.Equal(ev.Created) || evs[1].Actor != "bob" {
		t.Fatalf("listed %+v", evs)
	}
	full, err := b.EvidenceContent(c, ev.ID)
	must(t, err)
	if !bytes.Equal(full.Content, content) || full.Entry != 3 {
		t.Fatalf("content %+v", full)
	}
	_, err = b.EvidenceContent(c, 999)
	wantErr(t, "missing evidence", err, store.ErrNotFound)
}
