package intel_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/hunchsec/hunch/intel"
	"github.com/hunchsec/hunch/intel/acl"
	"github.com/hunchsec/hunch/intel/inteltest"
	"github.com/hunchsec/hunch/internal/testpg"
	"github.com/hunchsec/hunch/misp"
	"github.com/hunchsec/hunch/store"
	"github.com/hunchsec/hunch/store/postgres"
)

// attrStore returns a fresh store of backend for t; nil means inteltest's SQLite.
func attrStore(t *testing.T, backend string) store.Intel {
	t.Helper()
	if backend != "postgres" {
		return nil
	}
	db, err := postgres.Open(context.Background(), testpg.DSN(t), postgres.Options{MaxConns: 4})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := db.Close(); err != nil {
			t.Error(err)
		}
	})
	return db
}

// forAttrBackends runs fn as a subtest on each backend.
func forAttrBackends(t *testing.T, fn func(t *testing.T, backend string)) {
	// SQLite always; PostgreSQL when $HUNCH_TEST_POSTGRES names a server (the subtest skips otherwise).
	for _, b := range []string{"sqlite", "postgres"} {
		t.Run(b, func(t *testing.T) { fn(t, b) })
	}
}

func attrDist(n int) misp.Distribution {
	d, ok := misp.DistributionOf(n)
	if !ok {
		panic(n)
	}
	return d
}

// attrFixture is an instance with three events: "host" of the host organisation shared with the community,
// "private" Org Two keeps to itself, and "shared" Org Two shares with everyone, which also holds an object whose
// own distribution is "your organisation only".
type attrFixture struct {
	*inteltest.Fixture
	events map[string]*misp.Event
}

func newAttrFixture(t *testing.T, backend string) *attrFixture {
	t.Helper()
	f := &attrFixture{Fixture: inteltest.New(t, inteltest.Options{Store: attrStore(t, backend)}), events: map[string]*misp.Event{}}
	host, two := f.Orgs[inteltest.HostOrg], f.Orgs[inteltest.OrgTwo]
	for _, e := range []struct {
		name string
		ev   misp.Event
	}{
		{"host", misp.Event{Info: "host", OrgID: host.ID, OrgcID: host.ID, UserID: f.Users["user"].ID, Distribution: attrDist(1), Published: true}},
		{"private", misp.Event{Info: "private", OrgID: two.ID, OrgcID: two.ID, UserID: f.Users["user2"].ID, Distribution: attrDist(0)}},
		{"shared", misp.Event{Info: "shared", OrgID: two.ID, OrgcID: two.ID, UserID: f.Users["user2"].ID, Distribution: attrDist(3),
			Object: []misp.Object{{Name: "domain-ip", MetaCategory: "network", Distribution: attrDist(0), Attribute: []misp.Attribute{
				{Type: "ip-dst", Category: "Network activity", Value: "203.0.113.9", ObjectRelation: "ip", Distribution: attrDist(5)}}}}}},
	} {
		ev := e.ev
		ev.Attribute = []misp.Attribute{{Type: "ip-dst", Category: "Network activity", Value: "198.51.100.1",
			Distribution: attrDist(5), ToIDS: misp.OptBoolOf(true)}}
		if err := f.Store.SaveEvent(context.Background(), &ev); err != nil {
			t.Fatal(err)
		}
		f.events[e.name] = &ev
	}
	return f
}

// attrOutcome names the class of err: "ok", "404" (not found), "403" (forbidden), "405", or the error itself.
func attrOutcome(err error) string {
	switch {
	case err == nil:
		return "ok"
	case errors.Is(err, acl.ErrNotFound):
		return "404"
	case errors.Is(err, acl.ErrForbidden):
		return "403"
	case errors.Is(err, acl.ErrNotAllowed):
		return "405"
	}
	return err.Error()
}

// TestAttributeAccessByRole runs every attribute operation as every fixture user on each event and checks the
// class of the answer.
func TestAttributeAccessByRole(t *testing.T) {
	// Per user: add, view, edit and delete outcomes on the host, private and shared events, in that order.
	type want struct{ add, view, edit, del [3]string }
	ok3 := [3]string{"ok", "ok", "ok"}
	owner := [3]string{"ok", "404", "403"}    // host organisation users who may write
	ownerView := [3]string{"ok", "404", "ok"} // what the host organisation reads
	twoWrite := [3]string{"403", "ok", "ok"}  // Org Two users who may write
	ro := [3]string{"403", "403", "403"}      // no perm_add: refused before anything is looked at
	three := [3]string{"403", "404", "403"}   // Org Three
	cases := map[string]want{
		"admin":      {add: ok3, view: ok3, edit: ok3, del: ok3},
		"orgadmin":   {add: owner, view: ownerView, edit: owner, del: owner},
		"user":       {add: owner, view: ownerView, edit: owner, del: owner},
		"publisher":  {add: owner, view: ownerView, edit: owner, del: owner},
		"sync":       {add: owner, view: ownerView, edit: owner, del: owner},
		"readonly":   {add: ro, view: ownerView, edit: ro, del: ro},
		"user2":      {add: twoWrite, view: ok3, edit: twoWrite, del: twoWrite},
		"publisher2": {add: twoWrite, view: ok3, edit: twoWrite, del: twoWrite},
		"orgadmin2":  {add: twoWrite, view: ok3, edit: twoWrite, del: twoWrite},
		"user3":      {add: three, view: ownerView, edit: three, del: three},
	}
	ctx := context.Background()
	order := []string{"host", "private", "shared"}
	forAttrBackends(t, func(t *testing.T, backend string) {
		for name, w := range cases {
			t.Run(name, func(t *testing.T) {
				f := newAttrFixture(t, backend)
				u := f.ACL(name)
				for i, evName := range order {
					ev := f.events[evName]
					res, err := f.Svc.AddAttributes(ctx, u, ev.UUID, []misp.Attribute{{Type: "domain", Value: name + ".example.org"}}, intel.AddAttributesOptions{})
					if got := attrOutcome(err); got != w.add[i] {
						t.Errorf("add to %s: %s, want %s", evName, got, w.add[i])
					}
					if err == nil && (len(res.Added) != 1 || len(res.Failed) != 0) {
						t.Errorf("add to %s: %+v", evName, res)
					}
					ref := ev.Attribute[0].ID.String()
					if i%2 == 1 {
						ref = ev.Attribute[0].UUID
					}
					if _, err := f.Svc.Attribute(ctx, u, ref); attrOutcome(err) != w.view[i] {
						t.Errorf("view in %s: %s, want %s", evName, attrOutcome(err), w.view[i])
					}
					_, err = f.Svc.EditAttribute(ctx, u, ref, &misp.Attribute{Comment: "edited by " + name}, nil)
					if got := attrOutcome(err); got != w.edit[i] {
						t.Errorf("edit in %s: %s, want %s", evName, got, w.edit[i])
					}
					_, err = f.Svc.DeleteAttribute(ctx, u, ref, false)
					if got := attrOutcome(err); got != w.del[i] {
						t.Errorf("delete in %s: %s, want %s", evName, got, w.del[i])
					}
					_, err = f.Svc.RestoreAttribute(ctx, u, ref)
					if got := attrOutcome(err); got != w.edit[i] {
						t.Errorf("restore in %s: %s, want %s", evName, got, w.edit[i])
					}
				}
				// The object attribute of the shared event is readable only where its object is.
				objAttr := f.events["shared"].Object[0].Attribute[0].UUID
				wantObj := "404"
				if name == "admin" || name == "user2" || name == "publisher2" || name == "orgadmin2" {
					wantObj = "ok"
				}
				if _, err := f.Svc.Attribute(ctx, u, objAttr); attrOutcome(err) != wantObj {
					t.Errorf("view object attribute: %s, want %s", attrOutcome(err), wantObj)
				}
			})
		}
	})
}

// TestAddAttributesValidation checks MISP's defaults and its complaints, attribute by attribute.
func TestAddAttributesValidation(t *testing.T) {
	forAttrBackends(t, func(t *testing.T, backend string) { testAddAttributesValidation(t, backend) })
}

func testAddAttributesValidation(t *testing.T, backend string) {
	f := newAttrFixture(t, backend)
	ctx := context.Background()
	u := f.ACL("user")
	ev := f.events["host"]
	tests := []struct {
		name  string
		attr  misp.Attribute
		field string // "" when the attribute is saved
		check func(t *testing.T, a *misp.Attribute)
	}{
		{"defaults", misp.Attribute{Type: "sha256", Value: "E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855"}, "",
			func(t *testing.T, a *misp.Attribute) {
				if a.Category != "Payload delivery" || !a.ToIDS.Bool() || a.Distribution.Level() != 5 ||
					a.Value != "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" || a.UUID == "" || a.Timestamp == 0 {
					t.Errorf("defaults: %+v", a)
				}
			}},
		{"to_ids kept when given", misp.Attribute{Type: "ip-dst", Value: "192.0.2.1", ToIDS: misp.OptBoolOf(false)}, "",
			func(t *testing.T, a *misp.Attribute) {
				if a.ToIDS.Bool() {
					t.Errorf("to_ids overridden: %+v", a)
				}
			}},
		{"duplicate of a stored attribute", misp.Attribute{Type: "ip-dst", Value: "198.51.100.1"}, "value", nil},
		{"missing type", misp.Attribute{Value: "x"}, "type", nil},
		{"unknown type", misp.Attribute{Type: "nope", Value: "x"}, "type", nil},
		{"unknown category", misp.Attribute{Type: "ip-dst", Category: "Nope", Value: "192.0.2.2"}, "category", nil},
		{"category not allowing the type", misp.Attribute{Type: "ip-dst", Category: "Financial fraud", Value: "192.0.2.2"}, "type", nil},
		{"invalid value", misp.Attribute{Type: "ip-dst", Value: "192.0.2"}, "value", nil},
		{"empty value", misp.Attribute{Type: "ip-dst"}, "value", nil},
		{"invalid uuid", misp.Attribute{Type: "ip-dst", Value: "192.0.2.3", UUID: "nope"}, "uuid", nil},
		{"uuid already used", misp.Attribute{Type: "ip-dst", Value: "192.0.2.4", UUID: f.events["shared"].Attribute[0].UUID}, "uuid", nil},
		{"invalid distribution", misp.Attribute{Type: "ip-dst", Value: "192.0.2.5", Distribution: misp.Distribution("7")}, "distribution", nil},
		{"sharing group missing", misp.Attribute{Type: "ip-dst", Value: "192.0.2.6", Distribution: attrDist(4)}, "sharing_group_id", nil},
		{"seen order", misp.Attribute{Type: "ip-dst", Value: "192.0.2.7", FirstSeen: misp.MicroTimeOf(f.Svc.Now()),
			LastSeen: misp.MicroTimeOf(f.Svc.Now().AddDate(0, 0, -1))}, "last_seen", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res, err := f.Svc.AddAttributes(ctx, u, ev.ID.String(), []misp.Attribute{tc.attr}, intel.AddAttributesOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if tc.field == "" {
				if len(res.Added) != 1 {
					t.Fatalf("not added: %v", res.Failed[0])
				}
				tc.check(t, res.Added[0])
				return
			}
			inv := res.Failed[0]
			if len(res.Added) != 0 || inv == nil || inv.Message != intel.MsgCouldNotAddAttribute || len(inv.Fields[tc.field]) != 1 {
				t.Fatalf("want a complaint about %s, got added %d, failed %+v", tc.field, len(res.Added), inv)
			}
		})
	}
	if stored, err := f.Store.Event(ctx, int64(ev.ID)); err != nil || stored.Published {
		t.Errorf("event still published after adds (%v)", err)
	}
}

func TestAddAttributesBatchAndDuplicates(t *testing.T) {
	forAttrBackends(t, func(t *testing.T, backend string) { testAddAttributesBatchAndDuplicates(t, backend) })
}

func testAddAttributesBatchAndDuplicates(t *testing.T, backend string) {
	f := newAttrFixture(t, backend)
	ctx := context.Background()
	u := f.ACL("user")
	ev := f.events["host"]
	batch := []misp.Attribute{{Type: "domain", Value: "a.example.org"}, {Type: "ip-dst", Value: "bad"},
		{Type: "domain", Value: "a.example.org"}, {Type: "domain", Value: "b.example.org"}}
	res, err := f.Svc.AddAttributes(ctx, u, ev.UUID, batch, intel.AddAttributesOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Added) != 2 || res.Failed[1] == nil || res.Failed[2] == nil ||
		res.Failed[2].Fields["value"][0] != store.MsgDuplicateAttribute {
		t.Fatalf("batch: added %d, failed %+v", len(res.Added), res.Failed)
	}
	first := res.Added[0]
	// breakOnDuplicate:0 updates the existing attribute instead.
	res, err = f.Svc.AddAttributes(ctx, u, ev.UUID, []misp.Attribute{{Type: "domain", Value: "a.example.org", Comment: "again"}},
		intel.AddAttributesOptions{UpdateDuplicates: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Added) != 1 || res.Added[0].ID != first.ID || res.Added[0].Comment != "again" || res.Added[0].Timestamp <= first.Timestamp-1 {
		t.Fatalf("update of duplicate: %+v", res.Added)
	}
	// A sharing group the user may not use refuses the whole request.
	_, err = f.Svc.AddAttributes(ctx, u, ev.UUID, []misp.Attribute{{Type: "domain", Value: "c.example.org"},
		{Type: "domain", Value: "d.example.org", Distribution: attrDist(4), SharingGroupID: 42}}, intel.AddAttributesOptions{})
	if attrOutcome(err) != "403" {
		t.Fatalf("sharing group not refused: %v", err)
	}
	if got := attrValues(t, f, ev.ID); got["c.example.org"] {
		t.Error("an attribute of a refused request was saved")
	}
}

func attrValues(t *testing.T, f *attrFixture, id misp.FlexInt) map[string]bool {
	t.Helper()
	ev, err := f.Store.Event(context.Background(), int64(id))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]bool{}
	for _, a := range ev.Attribute {
		out[a.Value] = !bool(a.Deleted)
	}
	return out
}

func TestEditAttributeRules(t *testing.T) {
	forAttrBackends(t, func(t *testing.T, backend string) { testEditAttributeRules(t, backend) })
}

func testEditAttributeRules(t *testing.T, backend string) {
	f := newAttrFixture(t, backend)
	ctx := context.Background()
	u := f.ACL("user")
	ev := f.events["host"]
	res, err := f.Svc.AddAttributes(ctx, u, ev.UUID, []misp.Attribute{{Type: "ip-dst", Value: "192.0.2.50", Comment: "c"}}, intel.AddAttributesOptions{})
	if err != nil || len(res.Added) != 1 {
		t.Fatal(err, res)
	}
	a := res.Added[0]
	ref := a.ID.String()

	// Not newer: the stored timestamp itself is refused, with the store's error type.
	_, err = f.Svc.EditAttribute(ctx, u, ref, &misp.Attribute{Comment: "x", Timestamp: a.Timestamp}, []string{"comment", "timestamp"})
	var nn *store.NotNewerError
	if !errors.As(err, &nn) || nn.What != "Attribute" {
		t.Fatalf("not-newer edit: %v", err)
	}
	// Named fields only: an empty comment clears it, to_ids stays.
	out, err := f.Svc.EditAttribute(ctx, u, ref, &misp.Attribute{}, []string{"comment"})
	if err != nil || out.Comment != "" || !out.ToIDS.Bool() || out.Value != "192.0.2.50" || out.Timestamp <= a.Timestamp-1 {
		t.Fatalf("partial edit: %+v, %v", out, err)
	}
	// The value is validated and normalised against the (new) type.
	if _, err := f.Svc.EditAttribute(ctx, u, ref, &misp.Attribute{Value: "nope"}, nil); !attrIsInvalid(err, intel.MsgCouldNotEditAttribute, "value") {
		t.Fatalf("invalid value: %v", err)
	}
	out, err = f.Svc.EditAttribute(ctx, u, ref, &misp.Attribute{Type: "domain", Value: "Example.ORG"}, nil)
	if err != nil || out.Type != "domain" || out.Value != "example.org" {
		t.Fatalf("type change: %+v, %v", out, err)
	}
	// Repeating another live attribute is the duplicate rule.
	if _, err := f.Svc.EditAttribute(ctx, u, ref, &misp.Attribute{Type: "ip-dst", Value: "198.51.100.1"}, nil); !attrIsInvalid(err, intel.MsgCouldNotEditAttribute, "value") {
		t.Fatalf("duplicate edit: %v", err)
	}
	// A soft-deleted attribute cannot be edited, and its restore is refused while a repeat of it is live.
	if _, err := f.Svc.DeleteAttribute(ctx, u, ref, false); err != nil {
		t.Fatal(err)
	}
	if _, err := f.Svc.EditAttribute(ctx, u, ref, &misp.Attribute{Comment: "x"}, nil); attrOutcome(err) != "404" {
		t.Fatalf("edit of a deleted attribute: %v", err)
	}
	if _, err := f.Svc.DeleteAttribute(ctx, u, ref, false); attrOutcome(err) != "404" {
		t.Fatalf("second soft delete: %v", err)
	}
	if _, err := f.Svc.AddAttributes(ctx, u, ev.UUID, []misp.Attribute{{Type: "domain", Value: "example.org"}}, intel.AddAttributesOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.Svc.RestoreAttribute(ctx, u, ref); !attrIsInvalid(err, intel.MsgCouldNotRestoreAttribute, "value") {
		t.Fatalf("restore of a duplicate: %v", err)
	}
	if _, err := f.Svc.DeleteAttribute(ctx, u, ref, true); err != nil {
		t.Fatalf("hard delete of a soft-deleted attribute: %v", err)
	}
	if _, err := f.Store.Attribute(ctx, int64(a.ID)); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("hard delete left the row: %v", err)
	}
}

func attrIsInvalid(err error, message, field string) bool {
	var inv *intel.InvalidError
	return errors.As(err, &inv) && inv.Message == message && len(inv.Fields[field]) == 1
}

func TestAttributeTagsOnAddAndEdit(t *testing.T) {
	forAttrBackends(t, func(t *testing.T, backend string) { testAttributeTagsOnAddAndEdit(t, backend) })
}

func testAttributeTagsOnAddAndEdit(t *testing.T, backend string) {
	f := newAttrFixture(t, backend)
	ctx := context.Background()
	ev := f.events["host"]
	add := func(as, value string, tags ...misp.Tag) *misp.Attribute {
		t.Helper()
		res, err := f.Svc.AddAttributes(ctx, f.ACL(as), ev.UUID, []misp.Attribute{{Type: "domain", Value: value, Tag: tags}}, intel.AddAttributesOptions{})
		if err != nil || len(res.Added) != 1 {
			t.Fatal(err, res)
		}
		return res.Added[0]
	}
	names := func(a *misp.Attribute) string { return fmt.Sprint(len(a.Tag), attrTagNames(a.Tag)) }
	// A user without perm_tag_editor cannot create tags: the unknown tag is left out.
	if got := names(add("user", "one.example.org", misp.Tag{Name: "custom:new"})); got != "0 []" {
		t.Errorf("user created a tag: %s", got)
	}
	// An org admin can, and the user then gets it (matched case-insensitively).
	if got := names(add("orgadmin", "two.example.org", misp.Tag{Name: "custom:new"})); got != "1 [custom:new]" {
		t.Errorf("org admin tag: %s", got)
	}
	a := add("user", "three.example.org", misp.Tag{Name: "CUSTOM:NEW"}, misp.Tag{Name: "custom:new"})
	if got := names(a); got != "1 [custom:new]" {
		t.Errorf("existing tag: %s", got)
	}
	// Local tags come only from the host organisation; another organisation's request keeps the rest.
	res, err := f.Svc.AddAttributes(ctx, f.ACL("user2"), f.events["private"].UUID, []misp.Attribute{{Type: "domain",
		Value: "four.example.org", Tag: []misp.Tag{{Name: "custom:new", Local: true}}}}, intel.AddAttributesOptions{})
	if err != nil || len(res.Added) != 1 || len(res.Added[0].Tag) != 0 {
		t.Errorf("local tag from Org Two: %+v %v", res, err)
	}
	// Edit attaches tags for a tagger and keeps those not named.
	if err := f.Store.CreateTag(ctx, &misp.Tag{Name: "tlp:green"}); err != nil {
		t.Fatal(err)
	}
	out, err := f.Svc.EditAttribute(ctx, f.ACL("user"), a.UUID, &misp.Attribute{Tag: []misp.Tag{{Name: "tlp:green"}}}, []string{"Tag"})
	if err != nil || names(out) != "2 [custom:new tlp:green]" {
		t.Errorf("edit tags: %s %v", names(out), err)
	}
}

func attrTagNames(tags []misp.Tag) []string {
	out := make([]string, 0, len(tags))
	for _, t := range tags {
		out = append(out, t.Name)
	}
	return out
}
