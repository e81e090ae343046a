package intel_test

import (
	"context"
	"errors"
	"testing"

	"github.com/hunchsec/hunch/intel"
	"github.com/hunchsec/hunch/intel/acl"
	"github.com/hunchsec/hunch/intel/inteltest"
	"github.com/hunchsec/hunch/misp"
	"github.com/hunchsec/hunch/store"
)

// The users × outcome table for event reports on an event of the host organisation shared with the community,
// and on one kept to the organisation.
func TestEventReportsByRole(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		user                string
		dist                int
		add, view, edit, rm error
	}{
		{user: "admin", dist: 0},
		{user: "orgadmin", dist: 1},
		{user: "user", dist: 0},
		{user: "publisher", dist: 1},
		{user: "sync", dist: 1},
		{user: "readonly", dist: 1, add: acl.ErrForbidden, edit: acl.ErrForbidden, rm: acl.ErrForbidden},
		{user: "user2", dist: 1, add: acl.ErrForbidden, edit: acl.ErrForbidden, rm: acl.ErrForbidden},
		{user: "user3", dist: 1, add: acl.ErrForbidden, edit: acl.ErrForbidden, rm: acl.ErrForbidden},
		{user: "user2", dist: 0, add: acl.ErrNotFound, view: acl.ErrNotFound, edit: acl.ErrNotFound, rm: acl.ErrNotFound},
	} {
		t.Run(tc.user, func(t *testing.T) {
			f := inteltest.New(t, inteltest.Options{})
			ev := objTestEvent(t, f, "user", tc.dist)
			u := f.ACL(tc.user)
			_, err := f.Svc.AddEventReport(ctx, u, ev.ID.String(), &misp.EventReport{Name: "by " + tc.user})
			wantRefusal(t, "add", err, tc.add)
			own, err := f.Svc.AddEventReport(ctx, f.ACL("user"), ev.UUID, &misp.EventReport{Name: "own", Content: "# x"})
			if err != nil {
				t.Fatal(err)
			}
			_, err = f.Svc.EventReport(ctx, u, own.UUID)
			wantRefusal(t, "view", err, tc.view)
			_, err = f.Svc.EditEventReport(ctx, u, own.ID.String(), &misp.EventReport{Name: "edited"})
			wantRefusal(t, "edit", err, tc.edit)
			_, err = f.Svc.DeleteEventReport(ctx, u, own.ID.String(), false)
			wantRefusal(t, "delete", err, tc.rm)
		})
	}
}

func TestEventReportLifecycle(t *testing.T) {
	objBackends(t, func(t *testing.T, fixture objFixture) {
		ctx := context.Background()
		f := fixture(t, inteltest.Options{})
		ev := objTestEvent(t, f, "user", 1)
		u := f.ACL("user")
		r, err := f.Svc.AddEventReport(ctx, u, ev.ID.String(), &misp.EventReport{Name: "Report", Content: "# one"})
		if err != nil {
			t.Fatal(err)
		}
		if r.ID == 0 || r.EventID != ev.ID || r.Distribution != misp.DistributionInherit || r.Timestamp == 0 || !misp.ValidUUID(r.UUID) {
			t.Fatalf("added report %+v", r)
		}
		private, err := f.Svc.AddEventReport(ctx, u, ev.ID.String(), &misp.EventReport{Name: "Private",
			Distribution: misp.DistributionOrganisation})
		if err != nil {
			t.Fatal(err)
		}
		var inv *intel.InvalidError
		for name, bad := range map[string]*misp.EventReport{
			"no name":       {Content: "x"},
			"bad uuid":      {Name: "x", UUID: "nope"},
			"sharing group": {Name: "x", Distribution: misp.DistributionSharingGroup},
		} {
			if _, err := f.Svc.AddEventReport(ctx, u, ev.ID.String(), bad); !errors.As(err, &inv) {
				t.Errorf("%s: %v", name, err)
			}
		}
		if _, err := f.Svc.AddEventReport(ctx, u, ev.ID.String(), &misp.EventReport{Name: "again", UUID: r.UUID}); !errors.As(err, &inv) {
			t.Errorf("duplicate uuid: %v", err)
		}

		edited, err := f.Svc.EditEventReport(ctx, u, r.UUID, &misp.EventReport{Content: "# two"})
		if err != nil {
			t.Fatal(err)
		}
		if edited.Name != "Report" || edited.Content != "# two" || edited.Timestamp < r.Timestamp {
			t.Errorf("edited report %+v", edited)
		}
		var nn *store.NotNewerError
		if _, err := f.Svc.EditEventReport(ctx, u, r.UUID, &misp.EventReport{Name: "old", Timestamp: r.Timestamp}); !errors.As(err, &nn) {
			t.Errorf("stale edit: %v", err)
		}

		for user, want := range map[string]int{"user": 2, "user2": 1, "admin": 2} {
			list, err := f.Svc.EventReports(ctx, f.ACL(user), ev.ID.String(), store.LiveOnly)
			if err != nil || len(list) != want {
				t.Errorf("%s lists %d reports (%v), want %d", user, len(list), err, want)
			}
			all, err := f.Svc.EventReports(ctx, f.ACL(user), "", store.LiveOnly)
			if err != nil || len(all) != want {
				t.Errorf("%s lists %d reports of all events (%v), want %d", user, len(all), err, want)
			}
		}
		if _, err := f.Svc.DeleteEventReport(ctx, u, private.ID.String(), false); err != nil {
			t.Fatal(err)
		}
		if list, _ := f.Svc.EventReports(ctx, u, ev.UUID, store.LiveOnly); len(list) != 1 {
			t.Errorf("%d live reports after a soft delete, want 1", len(list))
		}
		if list, _ := f.Svc.EventReports(ctx, u, ev.UUID, store.LiveAndDeleted); len(list) != 2 {
			t.Errorf("%d reports with deleted ones, want 2", len(list))
		}
		if list, _ := f.Svc.EventReports(ctx, u, ev.UUID, store.DeletedOnly); len(list) != 1 || list[0].ID != private.ID {
			t.Errorf("deleted reports %+v, want the private one", list)
		}
		if _, err := f.Svc.DeleteEventReport(ctx, u, private.UUID, true); err != nil {
			t.Fatal(err)
		}
		if _, err := f.Svc.EventReport(ctx, u, private.UUID); !errors.Is(err, acl.ErrNotFound) {
			t.Errorf("hard-deleted report: %v", err)
		}
		if _, err := f.Svc.EventReports(ctx, u, "999", store.LiveOnly); !errors.Is(err, acl.ErrNotFound) {
			t.Errorf("reports of a missing event: %v", err)
		}
	})
}
