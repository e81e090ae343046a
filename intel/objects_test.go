package intel_test

import (
	"context"
	"errors"
	"testing"
	"testing/fstest"

	"github.com/hunchsec/hunch/intel"
	"github.com/hunchsec/hunch/intel/acl"
	"github.com/hunchsec/hunch/intel/inteltest"
	"github.com/hunchsec/hunch/internal/testpg"
	"github.com/hunchsec/hunch/misp"
	"github.com/hunchsec/hunch/store"
	"github.com/hunchsec/hunch/store/postgres"
)

// objFixture builds a test instance for t on one backend.
type objFixture func(t *testing.T, opts inteltest.Options) *inteltest.Fixture

// objBackends runs fn as a subtest on SQLite and on PostgreSQL (which skips unless $HUNCH_TEST_POSTGRES names a
// server), giving it a constructor of fixtures on that backend.
func objBackends(t *testing.T, fn func(t *testing.T, fixture objFixture)) {
	for _, backend := range []string{"sqlite", "postgres"} {
		t.Run(backend, func(t *testing.T) {
			if backend == "postgres" {
				testpg.ServerDSN(t)
			}
			fn(t, func(t *testing.T, opts inteltest.Options) *inteltest.Fixture {
				if backend == "postgres" {
					db, err := postgres.Open(context.Background(), testpg.DSN(t), postgres.Options{MaxConns: 4, Now: opts.Now})
					if err != nil {
						t.Fatal(err)
					}
					t.Cleanup(func() {
						if err := db.Close(); err != nil {
							t.Error(err)
						}
					})
					opts.Store = db
				}
				return inteltest.New(t, opts)
			})
		})
	}
}

// objTestEvent stores an event created by fixture user owner at distribution dist, with one ip-dst attribute.
func objTestEvent(t *testing.T, f *inteltest.Fixture, owner string, dist int) *misp.Event {
	t.Helper()
	u := f.Users[owner]
	d, _ := misp.DistributionOf(dist)
	e := &misp.Event{Info: "event of " + owner, OrgID: u.OrgID, OrgcID: u.OrgID, UserID: u.ID, Distribution: d,
		Attribute: []misp.Attribute{{Type: "ip-dst", Category: "Network activity", Value: "198.51.100.7",
			ToIDS: misp.BoolTrue, Distribution: misp.DistributionInherit}}}
	if err := f.Store.SaveEvent(context.Background(), e); err != nil {
		t.Fatal(err)
	}
	return e
}

// objTestObject is a domain-ip object with a domain and an ip.
func objTestObject() *misp.Object {
	return &misp.Object{Name: "domain-ip", MetaCategory: "network", Attribute: []misp.Attribute{
		{ObjectRelation: "domain", Type: "domain", Value: "Obj.Example.ORG"},
		{ObjectRelation: "ip", Type: "ip-dst", Value: "192.0.2.77"},
	}}
}

// wantRefusal checks err against the refusal class want (nil for success).
func wantRefusal(t *testing.T, what string, err, want error) {
	t.Helper()
	switch {
	case want == nil && err != nil:
		t.Errorf("%s: %v, want success", what, err)
	case want != nil && !errors.Is(err, want):
		t.Errorf("%s: %v, want %v", what, err, want)
	case want != nil:
		var ae *acl.Error
		if !errors.As(err, &ae) {
			t.Errorf("%s: %T is not an *acl.Error", what, err)
		}
	}
}

// The users × outcome table for adding, viewing, editing and deleting objects on an event of the host
// organisation shared with the community, and on one kept to the organisation.
func TestObjectsByRole(t *testing.T) {
	objBackends(t, func(t *testing.T, fixture objFixture) {
		ctx := context.Background()
		for _, tc := range []struct {
			user                string
			dist                int
			add, view, edit, rm error
		}{
			{user: "admin", dist: 0},
			{user: "orgadmin", dist: 1},
			{user: "user", dist: 1},
			{user: "publisher", dist: 0},
			{user: "sync", dist: 1},
			{user: "readonly", dist: 1, add: acl.ErrForbidden, edit: acl.ErrForbidden, rm: acl.ErrForbidden},
			{user: "user2", dist: 1, add: acl.ErrForbidden, edit: acl.ErrForbidden, rm: acl.ErrForbidden},
			{user: "orgadmin2", dist: 1, add: acl.ErrForbidden, edit: acl.ErrForbidden, rm: acl.ErrForbidden},
			{user: "user2", dist: 0, add: acl.ErrNotFound, view: acl.ErrNotFound, edit: acl.ErrNotFound, rm: acl.ErrNotFound},
			{user: "user3", dist: 0, add: acl.ErrNotFound, view: acl.ErrNotFound, edit: acl.ErrNotFound, rm: acl.ErrNotFound},
		} {
			t.Run(tc.user, func(t *testing.T) {
				f := fixture(t, inteltest.Options{})
				ev := objTestEvent(t, f, "user", tc.dist)
				u := f.ACL(tc.user)
				_, err := f.Svc.AddObject(ctx, u, ev.ID.String(), objTestObject(), intel.AddObjectOptions{})
				wantRefusal(t, "add", err, tc.add)

				own, err := f.Svc.AddObject(ctx, f.ACL("user"), ev.UUID, objTestObject(), intel.AddObjectOptions{})
				if err != nil {
					t.Fatal(err)
				}
				_, err = f.Svc.Object(ctx, u, own.UUID)
				wantRefusal(t, "view", err, tc.view)
				_, err = f.Svc.EditObject(ctx, u, own.ID.String(), &misp.Object{Comment: "edited by " + tc.user})
				wantRefusal(t, "edit", err, tc.edit)
				_, err = f.Svc.DeleteObject(ctx, u, own.ID.String(), false)
				wantRefusal(t, "delete", err, tc.rm)
			})
		}
	})
}

func TestAddObjectDefaultsAndValidation(t *testing.T) {
	ctx := context.Background()
	f := inteltest.New(t, inteltest.Options{})
	ev := objTestEvent(t, f, "user", 1)
	u := f.ACL("user")
	o, err := f.Svc.AddObject(ctx, u, ev.ID.String(), objTestObject(), intel.AddObjectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if o.ID == 0 || o.EventID != ev.ID || o.Distribution != misp.DistributionInherit || len(o.Attribute) != 2 {
		t.Fatalf("object %+v", o)
	}
	for _, a := range o.Attribute {
		if a.Category != "Network activity" || !a.ToIDS.Bool() || a.Distribution != misp.DistributionInherit || a.ObjectID != o.ID {
			t.Errorf("attribute %s: category %q to_ids %v distribution %q object %d", a.ObjectRelation, a.Category, a.ToIDS,
				a.Distribution, a.ObjectID)
		}
		if a.Type == "domain" && a.Value != "obj.example.org" {
			t.Errorf("domain not normalised: %q", a.Value)
		}
	}

	for name, bad := range map[string]*misp.Object{
		"no name":        {Attribute: []misp.Attribute{{ObjectRelation: "x", Type: "text", Value: "v"}}},
		"no attributes":  {Name: "x"},
		"bad value":      {Name: "x", Attribute: []misp.Attribute{{ObjectRelation: "ip", Type: "ip-dst", Value: "nope"}}},
		"bad type":       {Name: "x", Attribute: []misp.Attribute{{ObjectRelation: "ip", Type: "no-such-type", Value: "v"}}},
		"bad category":   {Name: "x", Attribute: []misp.Attribute{{ObjectRelation: "ip", Type: "ip-dst", Category: "Financial fraud", Value: "192.0.2.1"}}},
		"no relation":    {Name: "x", Attribute: []misp.Attribute{{Type: "text", Value: "v"}}},
		"bad uuid":       {Name: "x", UUID: "not-a-uuid", Attribute: []misp.Attribute{{ObjectRelation: "x", Type: "text", Value: "v"}}},
		"sharing group":  {Name: "x", Distribution: misp.DistributionSharingGroup, Attribute: []misp.Attribute{{ObjectRelation: "x", Type: "text", Value: "v"}}},
		"bad reference":  {Name: "x", Attribute: []misp.Attribute{{ObjectRelation: "x", Type: "text", Value: "v"}}, ObjectReference: []misp.ObjectReference{{RelationshipType: "related-to"}}},
		"seen out order": {Name: "x", FirstSeen: misp.MicroTimeOf(f.Svc.Now()), LastSeen: misp.MicroTimeOf(f.Svc.Now().Add(-3600e9)), Attribute: []misp.Attribute{{ObjectRelation: "x", Type: "text", Value: "v"}}},
	} {
		_, err := f.Svc.AddObject(ctx, u, ev.ID.String(), bad, intel.AddObjectOptions{})
		var inv *intel.InvalidError
		if !errors.As(err, &inv) || inv.Message != intel.MsgCouldNotAddObject {
			t.Errorf("%s: %v, want an InvalidError", name, err)
		}
	}

	_, err = f.Svc.AddObject(ctx, u, ev.ID.String(), objTestObject(), intel.AddObjectOptions{BreakOnDuplicate: true})
	var inv *intel.InvalidError
	if !errors.As(err, &inv) || inv.Fields["object"][0] != intel.MsgDuplicateObject {
		t.Errorf("breakOnDuplicate: %v", err)
	}
	if _, err := f.Svc.AddObject(ctx, u, ev.ID.String(), objTestObject(), intel.AddObjectOptions{}); err != nil {
		t.Errorf("duplicate without breakOnDuplicate: %v", err)
	}
	if _, err := f.Svc.AddObject(ctx, u, "0", objTestObject(), intel.AddObjectOptions{}); !errors.Is(err, acl.ErrNotFound) {
		t.Errorf("event 0: %v", err)
	}
}

// templateFS is a misp-objects tree with one template, domain-ip, as misp-objects defines it in part.
var templateFS = fstest.MapFS{
	"objects/domain-ip/definition.json": {Data: []byte(`{
  "name": "domain-ip", "uuid": "43b3b146-77eb-4931-b4cc-b66c60f28734", "version": 11, "meta-category": "network",
  "description": "A domain/hostname and IP address seen as a tuple in a specific time frame.",
  "attributes": {
    "domain": {"misp-attribute": "domain", "ui-priority": 1, "multiple": true},
    "ip": {"misp-attribute": "ip-dst", "ui-priority": 1, "multiple": true},
    "port": {"misp-attribute": "port", "ui-priority": 0, "multiple": true}
  },
  "requiredOneOf": ["ip", "domain"]
}`)},
}

func TestAddObjectTemplates(t *testing.T) {
	ctx := context.Background()
	f := inteltest.New(t, inteltest.Options{})
	ts, err := misp.LoadTemplates(templateFS)
	if err != nil {
		t.Fatal(err)
	}
	svc, err := intel.New(ctx, f.Store, intel.Options{ObjectTemplates: ts,
		Settings: acl.Settings{Instance: acl.Instance{HostOrgID: int64(f.Orgs[inteltest.HostOrg].ID)}}})
	if err != nil {
		t.Fatal(err)
	}
	ev := objTestEvent(t, f, "user", 1)
	u := f.ACL("user")
	for _, tc := range []struct {
		name  string
		obj   *misp.Object
		opts  intel.AddObjectOptions
		valid bool
	}{
		{"matches", objTestObject(), intel.AddObjectOptions{}, true},
		{"unknown relation", &misp.Object{Name: "domain-ip", Attribute: []misp.Attribute{
			{ObjectRelation: "whatever", Type: "text", Value: "x"}}}, intel.AddObjectOptions{}, false},
		{"none of requiredOneOf", &misp.Object{Name: "domain-ip", Attribute: []misp.Attribute{
			{ObjectRelation: "port", Type: "port", Value: "80"}}}, intel.AddObjectOptions{}, false},
		{"named by the template in the path", &misp.Object{Attribute: []misp.Attribute{
			{ObjectRelation: "ip", Type: "ip-dst", Value: "192.0.2.1"}}},
			intel.AddObjectOptions{Template: "43b3b146-77eb-4931-b4cc-b66c60f28734"}, true},
		{"unknown template", &misp.Object{Name: "not-a-template", Attribute: []misp.Attribute{
			{ObjectRelation: "anything", Type: "text", Value: "x"}}}, intel.AddObjectOptions{}, true},
	} {
		o, err := svc.AddObject(ctx, u, ev.ID.String(), tc.obj, tc.opts)
		var inv *intel.InvalidError
		switch {
		case tc.valid && err != nil:
			t.Errorf("%s: %v", tc.name, err)
		case !tc.valid && !errors.As(err, &inv):
			t.Errorf("%s: %v, want an InvalidError", tc.name, err)
		case tc.valid && tc.opts.Template != "" && (o.Name != "domain-ip" || o.TemplateVersion != 11 || o.MetaCategory != "network"):
			t.Errorf("%s: template not filled in: %+v", tc.name, o)
		}
	}
	if _, err := svc.AddObject(ctx, u, ev.ID.String(), objTestObject(), intel.AddObjectOptions{Template: misp.NewUUID()}); !errors.Is(err, acl.ErrNotFound) {
		t.Errorf("uninstalled template uuid in the path: %v", err)
	}
}

func TestObjectViewFiltersAttributes(t *testing.T) {
	ctx := context.Background()
	f := inteltest.New(t, inteltest.Options{})
	ev := objTestEvent(t, f, "user", 1)
	obj := objTestObject()
	obj.Attribute[1].Distribution = misp.DistributionOrganisation
	o, err := f.Svc.AddObject(ctx, f.ACL("user"), ev.ID.String(), obj, intel.AddObjectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for user, want := range map[string]int{"user": 2, "admin": 2, "user2": 1, "user3": 1} {
		got, err := f.Svc.Object(ctx, f.ACL(user), o.ID.String())
		if err != nil {
			t.Errorf("%s: %v", user, err)
		} else if len(got.Attribute) != want {
			t.Errorf("%s sees %d attributes, want %d", user, len(got.Attribute), want)
		}
	}
	// An object kept to the organisation is not found by others at all.
	obj = objTestObject()
	obj.Distribution = misp.DistributionOrganisation
	o, err = f.Svc.AddObject(ctx, f.ACL("user"), ev.ID.String(), obj, intel.AddObjectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Svc.Object(ctx, f.ACL("user2"), o.UUID); !errors.Is(err, acl.ErrNotFound) {
		t.Errorf("org-only object seen by another organisation: %v", err)
	}
}

func TestEditObject(t *testing.T) {
	objBackends(t, func(t *testing.T, fixture objFixture) {
		ctx := context.Background()
		f := fixture(t, inteltest.Options{})
		ev := objTestEvent(t, f, "user", 1)
		u := f.ACL("user")
		o, err := f.Svc.AddObject(ctx, u, ev.ID.String(), objTestObject(), intel.AddObjectOptions{})
		if err != nil {
			t.Fatal(err)
		}
		ip := o.Attribute[1]
		ip.Value, ip.Timestamp = "192.0.2.99", 0
		edited, err := f.Svc.EditObject(ctx, u, o.UUID, &misp.Object{Comment: "edited", Attribute: []misp.Attribute{ip,
			{ObjectRelation: "port", Type: "port", Value: "443"}}})
		if err != nil {
			t.Fatal(err)
		}
		values := map[string]string{}
		for _, a := range edited.Attribute {
			values[string(a.ObjectRelation)] = a.Value
		}
		if edited.Comment != "edited" || edited.Name != "domain-ip" || len(edited.Attribute) != 3 ||
			values["ip"] != "192.0.2.99" || values["domain"] != "obj.example.org" || values["port"] != "443" {
			t.Fatalf("edited object %+v, values %v", edited, values)
		}
		if edited.Timestamp <= o.Timestamp {
			t.Errorf("timestamp %d not moved past %d", edited.Timestamp, o.Timestamp)
		}
		after, err := f.Store.Event(ctx, int64(ev.ID))
		if err != nil {
			t.Fatal(err)
		}
		if after.Info != ev.Info || len(after.Attribute) != 1 || after.Timestamp <= ev.Timestamp {
			t.Errorf("event after object edit: info %q, %d attributes, timestamp %d (was %d)", after.Info,
				len(after.Attribute), after.Timestamp, ev.Timestamp)
		}
		_, err = f.Svc.EditObject(ctx, u, o.UUID, &misp.Object{Comment: "stale", Timestamp: o.Timestamp})
		var nn *store.NotNewerError
		if !errors.As(err, &nn) {
			t.Errorf("stale edit: %v", err)
		}
		_, err = f.Svc.EditObject(ctx, u, o.UUID, &misp.Object{UUID: misp.NewUUID()})
		var inv *intel.InvalidError
		if !errors.As(err, &inv) {
			t.Errorf("uuid change: %v", err)
		}
	})
}

func TestObjectReferencesAndDelete(t *testing.T) {
	objBackends(t, func(t *testing.T, fixture objFixture) {
		ctx := context.Background()
		f := fixture(t, inteltest.Options{})
		ev := objTestEvent(t, f, "user", 1)
		other := objTestEvent(t, f, "user", 1)
		u := f.ACL("user")
		o, err := f.Svc.AddObject(ctx, u, ev.ID.String(), objTestObject(), intel.AddObjectOptions{})
		if err != nil {
			t.Fatal(err)
		}
		r, err := f.Svc.AddObjectReference(ctx, u, &misp.ObjectReference{ObjectUUID: o.UUID,
			ReferencedUUID: ev.Attribute[0].UUID, RelationshipType: "resolves-to"})
		if err != nil {
			t.Fatal(err)
		}
		if r.ID == 0 || r.ObjectID != o.ID || r.ReferencedID != ev.Attribute[0].ID || r.ReferencedType != misp.ReferencedAttribute {
			t.Errorf("reference %+v", r)
		}
		for name, bad := range map[string]*misp.ObjectReference{
			"other event's target": {ObjectID: o.ID, ReferencedUUID: other.Attribute[0].UUID, RelationshipType: "x"},
			"missing target":       {ObjectID: o.ID, ReferencedUUID: misp.NewUUID(), RelationshipType: "x"},
			"no object":            {ReferencedUUID: ev.Attribute[0].UUID, RelationshipType: "x"},
		} {
			if _, err := f.Svc.AddObjectReference(ctx, u, bad); !errors.Is(err, acl.ErrNotFound) {
				t.Errorf("%s: %v", name, err)
			}
		}
		var inv *intel.InvalidError
		if _, err := f.Svc.AddObjectReference(ctx, u, &misp.ObjectReference{ObjectID: o.ID,
			ReferencedUUID: ev.Attribute[0].UUID}); !errors.As(err, &inv) {
			t.Errorf("no relationship: %v", err)
		}
		// MISP answers another organisation's object as missing; a read-only key lacks the functionality.
		if _, err := f.Svc.AddObjectReference(ctx, f.ACL("user2"), &misp.ObjectReference{ObjectID: o.ID,
			ReferencedUUID: ev.Attribute[0].UUID, RelationshipType: "x"}); !errors.Is(err, acl.ErrNotFound) {
			t.Errorf("other organisation's reference: %v", err)
		}
		if _, err := f.Svc.AddObjectReference(ctx, f.ACL("readonly"), &misp.ObjectReference{ObjectID: o.ID,
			ReferencedUUID: ev.Attribute[0].UUID, RelationshipType: "x"}); !errors.Is(err, acl.ErrForbidden) {
			t.Errorf("read-only reference: %v", err)
		}
		if _, err := f.Svc.AddObjectReference(ctx, u, &misp.ObjectReference{ObjectUUID: misp.NewUUID(),
			ReferencedUUID: ev.Attribute[0].UUID, RelationshipType: "x"}); !errors.Is(err, acl.ErrNotFound) {
			t.Errorf("missing object: %v", err)
		}

		if _, err := f.Svc.DeleteObjectReference(ctx, f.ACL("user2"), r.UUID, false); !errors.Is(err, acl.ErrForbidden) {
			t.Errorf("other organisation deletes the reference: %v", err)
		}
		if _, err := f.Svc.DeleteObjectReference(ctx, u, r.UUID, false); err != nil {
			t.Fatal(err)
		}
		if _, err := f.Svc.DeleteObjectReference(ctx, u, r.ID.String(), false); !errors.Is(err, acl.ErrNotFound) {
			t.Errorf("second soft delete: %v", err)
		}
		if _, err := f.Svc.DeleteObjectReference(ctx, u, r.ID.String(), true); err != nil {
			t.Errorf("hard delete after soft: %v", err)
		}

		if _, err := f.Svc.DeleteObject(ctx, u, o.UUID, false); err != nil {
			t.Fatal(err)
		}
		got, err := f.Svc.Object(ctx, u, o.ID.String())
		if err != nil || !bool(got.Deleted) || len(got.Attribute) != 2 || !bool(got.Attribute[0].Deleted) {
			t.Fatalf("soft-deleted object %+v, %v", got, err)
		}
		if _, err := f.Svc.DeleteObject(ctx, u, o.UUID, false); !errors.Is(err, acl.ErrNotFound) {
			t.Errorf("second soft delete: %v", err)
		}
		if _, err := f.Svc.DeleteObject(ctx, u, o.UUID, true); err != nil {
			t.Fatal(err)
		}
		if _, err := f.Svc.Object(ctx, u, o.UUID); !errors.Is(err, acl.ErrNotFound) {
			t.Errorf("hard-deleted object: %v", err)
		}
	})
}

func TestObjectChangesUnpublish(t *testing.T) {
	ctx := context.Background()
	f := inteltest.New(t, inteltest.Options{})
	ev := objTestEvent(t, f, "user", 1)
	u := f.ACL("user")
	publish := func() {
		t.Helper()
		if err := f.Store.PublishEvent(ctx, int64(ev.ID), f.Svc.Now()); err != nil {
			t.Fatal(err)
		}
	}
	published := func(what string) {
		t.Helper()
		got, err := f.Store.Event(ctx, int64(ev.ID))
		if err != nil {
			t.Fatal(err)
		}
		if got.Published {
			t.Errorf("event still published after %s", what)
		}
	}
	publish()
	o, err := f.Svc.AddObject(ctx, u, ev.ID.String(), objTestObject(), intel.AddObjectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	published("objects/add")
	publish()
	if _, err := f.Svc.AddObjectReference(ctx, u, &misp.ObjectReference{ObjectID: o.ID, ReferencedUUID: ev.Attribute[0].UUID,
		RelationshipType: "related-to"}); err != nil {
		t.Fatal(err)
	}
	published("objectReferences/add")
	publish()
	if _, err := f.Svc.EditObject(ctx, u, o.UUID, &misp.Object{Comment: "x"}); err != nil {
		t.Fatal(err)
	}
	published("objects/edit")
	publish()
	if _, err := f.Svc.DeleteObject(ctx, u, o.UUID, false); err != nil {
		t.Fatal(err)
	}
	published("objects/delete")
}

// Objects and reports shared with a sharing group: only a group the caller may use is accepted, and the group
// decides who reads them; a sharing group id at any other distribution is dropped.
func TestElementSharingGroups(t *testing.T) {
	objBackends(t, func(t *testing.T, fixture objFixture) {
		ctx := context.Background()
		f := fixture(t, inteltest.Options{})
		sg := &misp.SharingGroup{Name: "host and three", OrgID: f.Orgs[inteltest.HostOrg].ID, Active: true,
			SharingGroupOrg: []misp.SharingGroupOrg{{OrgID: f.Orgs[inteltest.HostOrg].ID}, {OrgID: f.Orgs[inteltest.OrgThree].ID}}}
		if err := f.Store.CreateSharingGroup(ctx, sg); err != nil {
			t.Fatal(err)
		}
		if err := f.Svc.Reload(ctx); err != nil {
			t.Fatal(err)
		}
		ev := objTestEvent(t, f, "user", 1)
		u := f.ACL("user")
		obj := objTestObject()
		obj.Distribution, obj.SharingGroupID = misp.DistributionSharingGroup, sg.ID
		o, err := f.Svc.AddObject(ctx, u, ev.ID.String(), obj, intel.AddObjectOptions{})
		if err != nil {
			t.Fatal(err)
		}
		rep, err := f.Svc.AddEventReport(ctx, u, ev.ID.String(), &misp.EventReport{Name: "sg",
			Distribution: misp.DistributionSharingGroup, SharingGroupID: sg.ID})
		if err != nil {
			t.Fatal(err)
		}
		for user, want := range map[string]error{"user3": nil, "user2": acl.ErrNotFound, "admin": nil} {
			_, err := f.Svc.Object(ctx, f.ACL(user), o.UUID)
			wantRefusal(t, user+" views the object", err, want)
			_, err = f.Svc.EventReport(ctx, f.ACL(user), rep.UUID)
			wantRefusal(t, user+" views the report", err, want)
		}
		// Org Two is not in the group: it may not share with it (its own event, so only the group is in the way).
		ev2 := objTestEvent(t, f, "user2", 1)
		obj = objTestObject()
		obj.Distribution, obj.SharingGroupID = misp.DistributionSharingGroup, sg.ID
		_, err = f.Svc.AddObject(ctx, f.ACL("user2"), ev2.ID.String(), obj, intel.AddObjectOptions{})
		wantRefusal(t, "user2 shares with a group it is not in", err, acl.ErrForbidden)
		_, err = f.Svc.AddEventReport(ctx, f.ACL("user2"), ev2.ID.String(), &misp.EventReport{Name: "x",
			Distribution: misp.DistributionSharingGroup, SharingGroupID: sg.ID})
		wantRefusal(t, "user2 reports to a group it is not in", err, acl.ErrForbidden)

		obj = objTestObject()
		obj.Distribution, obj.SharingGroupID = misp.DistributionCommunity, sg.ID
		o, err = f.Svc.AddObject(ctx, u, ev.ID.String(), obj, intel.AddObjectOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if o.SharingGroupID != 0 {
			t.Errorf("community object keeps sharing group %d", o.SharingGroupID)
		}
	})
}
