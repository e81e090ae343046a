package intel_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/hunchsec/hunch/intel"
	"github.com/hunchsec/hunch/intel/acl"
	"github.com/hunchsec/hunch/intel/inteltest"
	"github.com/hunchsec/hunch/misp"
)

// sgtSeed stores an event of the host organisation (distribution 1) and has user, user2 and user3 sight its
// attribute once each; it returns the event.
func sgtSeed(t *testing.T, f *inteltest.Fixture) *misp.Event {
	t.Helper()
	ev := objTestEvent(t, f, "user", 1)
	for _, u := range []string{"user", "user2", "user3"} {
		if _, err := f.Svc.AddSightings(context.Background(), f.ACL(u), intel.SightingInput{
			Attribute: ev.Attribute[0].ID.String(), Source: "sensor of " + u}); err != nil {
			t.Fatalf("%s sights: %v", u, err)
		}
	}
	return ev
}

// orgsOf returns the reporting organisation ids of hits, in order.
func orgsOf(hits []intel.SightingHit) []int64 {
	var out []int64
	for _, h := range hits {
		out = append(out, int64(h.Sighting.OrgID))
	}
	return out
}

// Who sees which organisations' sightings, per sighting policy: users × policy → the organisations seen, for
// the attribute, the event, and restSearch without context.
func TestSightingsVisibility(t *testing.T) {
	objBackends(t, func(t *testing.T, fixture objFixture) {
		ctx := context.Background()
		host, two, three := int64(1), int64(2), int64(3)
		all := []int64{host, two, three}
		for _, tc := range []struct {
			name     string
			settings acl.Settings
			want     map[string][]int64
		}{
			{"event owner (MISP's default)", acl.Settings{}, map[string][]int64{
				"admin": all, "user": all, "readonly": all, "user2": {two}, "publisher2": {two}, "user3": {three}}},
			{"everyone", acl.Settings{Sightings: acl.SightingsEveryone}, map[string][]int64{
				"admin": all, "user": all, "user2": all, "user3": all}},
			{"reporter", acl.Settings{Sightings: acl.SightingsReporter}, map[string][]int64{
				"user": all, "user2": all, "user3": all}},
			{"host organisation", acl.Settings{Sightings: acl.SightingsHostOrg}, map[string][]int64{
				"user": all, "user2": {host, two}, "user3": {host, three}}},
			{"anonymised", acl.Settings{AnonymiseSightings: true}, map[string][]int64{
				"admin": all, "user": {host, 0, 0}, "user2": {two}}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				f := inteltest.New(t, inteltest.Options{Settings: tc.settings})
				ev := sgtSeed(t, f)
				for user, want := range tc.want {
					u := f.ACL(user)
					for _, q := range []intel.SightingFilter{
						{Context: "attribute", ID: ev.Attribute[0].UUID},
						{Context: "event", ID: ev.ID.String()},
						{},
					} {
						got, err := f.Svc.SearchSightings(ctx, u, q)
						if err != nil {
							t.Fatalf("%s %q: %v", user, q.Context, err)
						}
						if g := orgsOf(got); !equalInts(g, want) {
							t.Errorf("%s %q sees organisations %v, want %v", user, q.Context, g, want)
						}
						for _, h := range got {
							s := h.Sighting
							if (s.OrgID == 0) != (s.Organisation == nil) {
								t.Errorf("%s: sighting %d org_id %d with organisation %v", user, s.ID, s.OrgID, s.Organisation)
							}
							if h.Attribute == nil || h.Attribute.ID != s.AttributeID || h.Event == nil || h.Event.ID != ev.ID ||
								len(h.Event.Attribute) != 0 {
								t.Errorf("%s: sighting %d comes with attribute %v and event %v", user, s.ID, h.Attribute, h.Event)
							}
						}
					}
				}
			})
		}
	})
}

func equalInts(a, b []int64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// The users × outcome table for adding and deleting sightings.
func TestSightingsByRole(t *testing.T) {
	objBackends(t, func(t *testing.T, fixture objFixture) {
		ctx := context.Background()
		for _, tc := range []struct {
			user string
			dist int
			add  error
			rm   error // deleting the host organisation's own sighting
		}{
			{user: "admin", dist: 0},
			{user: "orgadmin", dist: 1},
			{user: "user", dist: 1},
			{user: "publisher", dist: 1},
			{user: "sync", dist: 1},
			{user: "readonly", dist: 1, add: acl.ErrForbidden, rm: acl.ErrForbidden},
			{user: "user2", dist: 1, rm: acl.ErrNotFound},
			{user: "orgadmin2", dist: 1, rm: acl.ErrNotFound},
			{user: "user2", dist: 0, add: acl.ErrNotFound, rm: acl.ErrNotFound},
		} {
			t.Run(tc.user, func(t *testing.T) {
				f := fixture(t, inteltest.Options{})
				ev := objTestEvent(t, f, "user", tc.dist)
				_, err := f.Svc.AddSightings(ctx, f.ACL(tc.user), intel.SightingInput{Attribute: ev.Attribute[0].UUID})
				wantRefusal(t, "add", err, tc.add)
				own, err := f.Svc.AddSightings(ctx, f.ACL("user"), intel.SightingInput{Attribute: ev.Attribute[0].UUID})
				if err != nil {
					t.Fatal(err)
				}
				err = f.Svc.DeleteSighting(ctx, f.ACL(tc.user), own[0].UUID)
				wantRefusal(t, "delete", err, tc.rm)
			})
		}
	})
}

func TestAddSightingsByValue(t *testing.T) {
	objBackends(t, func(t *testing.T, fixture objFixture) {
		ctx := context.Background()
		f := fixture(t, inteltest.Options{})
		shared := objTestEvent(t, f, "user", 1)
		private := objTestEvent(t, f, "user", 0) // also holds 198.51.100.7, visible to the host organisation only
		composite := &misp.Event{Info: "composite", OrgID: f.Users["user2"].OrgID, OrgcID: f.Users["user2"].OrgID,
			Distribution: misp.DistributionCommunity, Attribute: []misp.Attribute{{Type: "ip-dst|port", Category: "Network activity",
				Value: "198.51.100.7|443", Distribution: misp.DistributionInherit}}}
		if err := f.Store.SaveEvent(ctx, composite); err != nil {
			t.Fatal(err)
		}
		at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
		for user, want := range map[string]int{"user": 3, "user2": 2, "user3": 2} {
			got, err := f.Svc.AddSightings(ctx, f.ACL(user), intel.SightingInput{Values: []string{"198.51.100.7"},
				Type: misp.SightingFalsePositive, Source: " ids ", Timestamp: misp.TimestampOf(at)})
			if err != nil {
				t.Fatalf("%s: %v", user, err)
			}
			if len(got) != want {
				t.Errorf("%s sighted %d attributes, want %d", user, len(got), want)
			}
			for _, s := range got {
				if s.Type != misp.SightingFalsePositive || s.Source != "ids" || s.DateSighting.Time() != at ||
					int64(s.OrgID) != f.ACL(user).OrgID || (s.EventID != shared.ID && s.EventID != private.ID && s.EventID != composite.ID) {
					t.Errorf("%s: sighting %+v", user, s)
				}
			}
		}
		var inv *intel.InvalidError
		if _, err := f.Svc.AddSightings(ctx, f.ACL("user3"), intel.SightingInput{Values: []string{"203.0.113.1"}}); !errors.As(err, &inv) {
			t.Errorf("no match: %v", err)
		}
		if _, err := f.Svc.AddSightings(ctx, f.ACL("user"), intel.SightingInput{Attribute: shared.Attribute[0].UUID,
			Type: misp.SightingType(5)}); !errors.As(err, &inv) {
			t.Errorf("bad type: %v", err)
		}
		if _, err := f.Svc.AddSightings(ctx, f.ACL("user"), intel.SightingInput{}); !errors.As(err, &inv) {
			t.Errorf("nothing named: %v", err)
		}
	})
}

func TestSearchSightingsFilters(t *testing.T) {
	ctx := context.Background()
	f := inteltest.New(t, inteltest.Options{})
	ev := objTestEvent(t, f, "user", 1)
	day := func(d int) misp.Timestamp { return misp.TimestampOf(time.Date(2026, 1, d, 12, 0, 0, 0, time.UTC)) }
	for i, in := range []struct {
		user string
		typ  misp.SightingType
		ts   misp.Timestamp
		src  string
	}{
		{"user", misp.SightingSeen, day(1), "a"},
		{"user2", misp.SightingFalsePositive, day(2), "b"},
		{"user", misp.SightingExpiration, day(3), "a"},
	} {
		if _, err := f.Svc.AddSightings(ctx, f.ACL(in.user), intel.SightingInput{Attribute: ev.Attribute[0].ID.String(),
			Type: in.typ, Timestamp: in.ts, Source: in.src}); err != nil {
			t.Fatalf("sighting %d: %v", i, err)
		}
	}
	fp := misp.SightingFalsePositive
	for name, tc := range map[string]struct {
		f    intel.SightingFilter
		want int
	}{
		"all":    {intel.SightingFilter{}, 3},
		"type":   {intel.SightingFilter{Type: &fp}, 1},
		"from":   {intel.SightingFilter{From: day(2).Time()}, 2},
		"to":     {intel.SightingFilter{To: day(2).Time()}, 2},
		"org":    {intel.SightingFilter{OrgID: int64(f.Users["user2"].OrgID)}, 1},
		"source": {intel.SightingFilter{Source: "a"}, 2},
		"limit":  {intel.SightingFilter{Limit: 1}, 1},
	} {
		got, err := f.Svc.SearchSightings(ctx, f.ACL("user"), tc.f)
		if err != nil || len(got) != tc.want {
			t.Errorf("%s: %d sightings (%v), want %d", name, len(got), err, tc.want)
		}
	}
	var inv *intel.InvalidError
	if _, err := f.Svc.SearchSightings(ctx, f.ACL("user"), intel.SightingFilter{Context: "org", ID: "1"}); !errors.As(err, &inv) {
		t.Errorf("bad context: %v", err)
	}
	if _, err := f.Svc.Sightings(ctx, f.ACL("user"), "attribute", "999"); !errors.Is(err, acl.ErrNotFound) {
		t.Errorf("missing attribute: %v", err)
	}
	if _, err := f.Svc.Sightings(ctx, f.ACL("user"), "event", misp.NewUUID()); !errors.Is(err, acl.ErrNotFound) {
		t.Errorf("missing event: %v", err)
	}
}
