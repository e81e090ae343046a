package storetest

import (
	"testing"
	"time"

	"github.com/hunchsec/hunch/misp"
	"github.com/hunchsec/hunch/store"
)

// testEventReports checks adding, reading, editing under the timestamp rule, listing and deleting reports.
func testEventReports(t *testing.T, b Backend) {
	c := ctx(t)
	org := newOrg(t, b, "ORG-A", 1)
	e := sampleEvent(org)
	must(t, b.SaveEvent(c, e))
	saved := len(e.EventReport)

	wantErr(t, "report of a missing event", b.AddEventReport(c, int64(e.ID)+100, &misp.EventReport{Name: "x"}), store.ErrNotFound)
	r := &misp.EventReport{Name: "Report", Content: "# Findings\n@[attribute](" + e.Attribute[0].UUID + ")",
		Distribution: dist(5), Timestamp: ts(100)}
	must(t, b.AddEventReport(c, int64(e.ID), r))
	if r.ID == 0 || r.EventID != e.ID || !misp.ValidUUID(r.UUID) {
		t.Fatalf("AddEventReport left %+v", r)
	}
	wantErr(t, "duplicate report uuid", b.AddEventReport(c, int64(e.ID), &misp.EventReport{UUID: r.UUID}), store.ErrConflict)

	got, err := b.EventReportByUUID(c, r.UUID)
	must(t, err)
	if got.ID != r.ID || got.Content != r.Content || got.Distribution != r.Distribution || got.Timestamp != ts(100) {
		t.Fatalf("EventReportByUUID = %+v, want %+v", got, r)
	}
	_, err = b.EventReport(c, int64(r.ID)+100)
	wantErr(t, "missing report", err, store.ErrNotFound)

	old := &misp.EventReport{UUID: r.UUID, Name: "older", Timestamp: ts(100)}
	wantErr(t, "edit not newer", b.EditEventReport(c, old), store.ErrNotNewer)
	edit := &misp.EventReport{ID: r.ID, Name: "Renamed", Content: "new", Distribution: dist(1), Timestamp: ts(200)}
	must(t, b.EditEventReport(c, edit))
	got, err = b.EventReport(c, int64(r.ID))
	must(t, err)
	if got.Name != "Renamed" || got.Content != "new" || got.Distribution != dist(1) || got.EventID != e.ID {
		t.Fatalf("after edit: %+v", got)
	}

	list, err := b.ListEventReports(c, int64(e.ID))
	must(t, err)
	if len(list) != saved+1 {
		t.Fatalf("ListEventReports has %d, want %d", len(list), saved+1)
	}

	at := time.Unix(int64(ts(300)), 0)
	must(t, b.DeleteEventReport(c, int64(r.ID), false, at))
	got, err = b.EventReport(c, int64(r.ID))
	must(t, err)
	if !got.Deleted || got.Timestamp != ts(300) {
		t.Fatalf("after soft delete: %+v", got)
	}
	must(t, b.DeleteEventReport(c, int64(r.ID), true, at))
	_, err = b.EventReport(c, int64(r.ID))
	wantErr(t, "hard-deleted report", err, store.ErrNotFound)
	wantErr(t, "delete missing report", b.DeleteEventReport(c, int64(r.ID), true, at), store.ErrNotFound)
}
