package intel_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/hunchsec/hunch/intel"
	"github.com/hunchsec/hunch/intel/acl"
	"github.com/hunchsec/hunch/intel/inteltest"
	"github.com/hunchsec/hunch/misp"
	"github.com/hunchsec/hunch/store"
)

// dataService is a service over f's store that serves the hand-written taxonomies and galaxies in testdata.
func dataService(t testing.TB, f *inteltest.Fixture, dir string) *intel.Service {
	t.Helper()
	s, err := intel.New(t.Context(), f.Store, intel.Options{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func dist(n int) misp.Distribution {
	d, _ := misp.DistributionOf(n)
	return d
}

// tagEvents stores an event of the host organisation (distribution 1, published, one attribute) and one of Org
// Two's that only it can see (distribution 0), and returns them.
func tagEvents(t *testing.T, f *inteltest.Fixture) (host, private *misp.Event) {
	t.Helper()
	h, two := f.Orgs[inteltest.HostOrg], f.Orgs[inteltest.OrgTwo]
	host = &misp.Event{Info: "host event", OrgID: h.ID, OrgcID: h.ID, UserID: f.Users["user"].ID,
		Distribution: dist(1), Published: true, Attribute: []misp.Attribute{{Type: "ip-dst",
			Category: "Network activity", Value: "198.51.100.7", Distribution: dist(5)}}}
	private = &misp.Event{Info: "org two private", OrgID: two.ID, OrgcID: two.ID, UserID: f.Users["user2"].ID,
		Distribution: dist(0), Attribute: []misp.Attribute{{Type: "domain", Category: "Network activity",
			Value: "private.example", Distribution: dist(5)}}}
	for _, e := range []*misp.Event{host, private} {
		if err := f.Store.SaveEvent(t.Context(), e); err != nil {
			t.Fatal(err)
		}
	}
	return host, private
}

// refusal describes an expected error: "" none, else the acl class ("403", "404", "405") and message, or
// "attach:" and the reason of a *TagAttachError.
func checkRefusal(t *testing.T, err error, want string) {
	t.Helper()
	if want == "" {
		if err != nil {
			t.Fatalf("unexpected error: %v", err)
		}
		return
	}
	if err == nil {
		t.Fatalf("no error, want %s", want)
	}
	var got string
	var ae *acl.Error
	var te *intel.TagError
	var xe *intel.TagAttachError
	var se *intel.TagSaveError
	switch {
	case errors.As(err, &ae):
		got = ae.Message()
	case errors.As(err, &te):
		got = te.Message
	case errors.As(err, &xe):
		got = "attach:" + strings.Join(xe.Reasons, "|")
	case errors.As(err, &se):
		got = se.Error()
	default:
		t.Fatalf("error %v (%T), want %s", err, err, want)
	}
	if got != want {
		t.Fatalf("refusal %q, want %q", got, want)
	}
}

func TestAddTagByRole(t *testing.T) {
	f := inteltest.New(t, inteltest.Options{})
	for _, tc := range []struct {
		user string
		want string
	}{
		{"admin", ""}, {"orgadmin", ""}, {"sync", ""}, {"orgadmin2", ""},
		{"user", acl.MsgNoFunctionality}, {"publisher", acl.MsgNoFunctionality},
		{"readonly", acl.MsgNoFunctionality}, {"user3", acl.MsgNoFunctionality},
	} {
		t.Run(tc.user, func(t *testing.T) {
			name := "added-by:" + tc.user
			tag, created, err := f.Svc.AddTag(t.Context(), f.ACL(tc.user), misp.Tag{Name: "  " + name + " "})
			checkRefusal(t, err, tc.want)
			if tc.want != "" {
				if _, err := f.Store.TagByName(t.Context(), name); !errors.Is(err, store.ErrNotFound) {
					t.Fatalf("refused tag stored: %v", err)
				}
				return
			}
			if !created || tag.ID == 0 || tag.Name != name || tag.Colour != intel.TagColour(name) {
				t.Fatalf("added %+v created=%v", tag, created)
			}
			again, created, err := f.Svc.AddTag(t.Context(), f.ACL(tc.user), misp.Tag{Name: name, Colour: "#000000"})
			if err != nil || created || again.ID != tag.ID || again.Colour != tag.Colour {
				t.Fatalf("second add = %+v, %v, %v; want the existing tag", again, created, err)
			}
		})
	}
	for _, tc := range []struct {
		tag  misp.Tag
		want string
	}{
		{misp.Tag{Name: " "}, "Could not add the Tag. [name]: This field is required."},
		{misp.Tag{Name: "bad-colour", Colour: "red"}, "Could not add the Tag. [colour]: Colour has to be in the RGB format (#FFFFFF)"},
		{misp.Tag{Name: strings.Repeat("x", 256)}, "Could not add the Tag. [name]: The tag name is too long (255 characters at most)."},
	} {
		_, _, err := f.Svc.AddTag(t.Context(), f.ACL("admin"), tc.tag)
		checkRefusal(t, err, tc.want)
	}
}

func TestTagColourIsMISPs(t *testing.T) {
	// md5("tlp:green") starts with fa4c22.
	if got := intel.TagColour("tlp:green"); got != "#fa4c22" {
		t.Fatalf("TagColour = %s", got)
	}
}

func TestEditAndDeleteTagSiteAdminOnly(t *testing.T) {
	f := inteltest.New(t, inteltest.Options{})
	ctx := t.Context()
	a := &misp.Tag{Name: "edit:a", Colour: "#111111"}
	b := &misp.Tag{Name: "edit:b", Colour: "#222222"}
	for _, tg := range []*misp.Tag{a, b} {
		if err := f.Store.CreateTag(ctx, tg); err != nil {
			t.Fatal(err)
		}
	}
	name := "edit:renamed"
	for _, u := range []string{"orgadmin", "user", "publisher", "sync", "readonly", "orgadmin2"} {
		_, err := f.Svc.EditTag(ctx, f.ACL(u), int64(a.ID), intel.TagPatch{Name: &name})
		checkRefusal(t, err, acl.MsgNoFunctionality)
		checkRefusal(t, f.Svc.DeleteTag(ctx, f.ACL(u), int64(a.ID)), acl.MsgNoFunctionality)
	}
	hide := true
	got, err := f.Svc.EditTag(ctx, f.ACL("admin"), int64(a.ID), intel.TagPatch{Name: &name, HideTag: &hide})
	if err != nil || got.Name != name || !bool(got.HideTag) || got.Colour != "#111111" {
		t.Fatalf("edit = %+v, %v", got, err)
	}
	taken := "edit:b"
	_, err = f.Svc.EditTag(ctx, f.ACL("admin"), int64(a.ID), intel.TagPatch{Name: &taken})
	checkRefusal(t, err, "Could not add the Tag. [name]: "+intel.MsgTagSimilarName)
	if _, err := f.Svc.EditTag(ctx, f.ACL("admin"), 999, intel.TagPatch{}); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("edit of a missing tag: %v", err)
	}
	if err := f.Svc.DeleteTag(ctx, f.ACL("admin"), int64(a.ID)); err != nil {
		t.Fatal(err)
	}
	if err := f.Svc.DeleteTag(ctx, f.ACL("admin"), int64(a.ID)); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("second delete: %v", err)
	}
}

func TestAttachTagByRole(t *testing.T) {
	for _, tc := range []struct {
		user    string
		local   bool
		private bool // the event only Org Two can see
		attr    bool
		want    string
	}{
		{user: "admin"},
		{user: "user"},
		{user: "publisher", attr: true},
		{user: "orgadmin", local: true},
		{user: "user", local: true, attr: true},
		{user: "readonly", want: acl.MsgNoFunctionality},
		{user: "user2", want: acl.MsgGlobalTagsOrgc},
		{user: "user2", attr: true, want: acl.MsgGlobalTagsOrgc},
		{user: "user2", local: true, want: "attach:" + acl.MsgLocalTagsHostOrg},
		{user: "user3", want: acl.MsgGlobalTagsOrgc},
		{user: "user", private: true, want: acl.MsgInvalidTarget},
		{user: "user", private: true, attr: true, want: acl.MsgInvalidTarget},
		{user: "admin", private: true},
		{user: "user2", private: true},
		{user: "user2", private: true, attr: true},
	} {
		name := tc.user
		if tc.local {
			name += "/local"
		}
		if tc.private {
			name += "/private"
		}
		if tc.attr {
			name += "/attribute"
		}
		t.Run(name, func(t *testing.T) {
			f := inteltest.New(t, inteltest.Options{})
			ctx := t.Context()
			host, private := tagEvents(t, f)
			ev := host
			if tc.private {
				ev = private
			}
			green := &misp.Tag{Name: "tlp:green", Colour: "#339900", Exportable: true}
			if err := f.Store.CreateTag(ctx, green); err != nil {
				t.Fatal(err)
			}
			target := intel.TagTarget{UUID: ev.UUID}
			kind, id := "Event", int64(ev.ID)
			if tc.attr {
				target.UUID = ev.Attribute[0].UUID
				kind, id = "Attribute", int64(ev.Attribute[0].ID)
			}
			res, err := f.Svc.AttachTags(ctx, f.ACL(tc.user), intel.TagAttach{Target: target, Tags: []string{"tlp:green"}, Local: tc.local})
			checkRefusal(t, err, tc.want)
			stored, serr := f.Store.Event(ctx, int64(ev.ID))
			if serr != nil {
				t.Fatal(serr)
			}
			tags := stored.Tag
			if tc.attr {
				tags = stored.Attribute[0].Tag
			}
			has := slices.ContainsFunc(tags, func(x misp.Tag) bool { return x.ID == green.ID && bool(x.Local) == tc.local })
			if has != (tc.want == "") {
				t.Fatalf("tag attached = %v, tags %+v", has, tags)
			}
			if tc.want != "" {
				return
			}
			scope := "Global"
			if tc.local {
				scope = "Local"
			}
			want := scope + " tag tlp:green(" + green.ID.String() + ") successfully attached to " + kind + "(" + misp.FlexInt(id).String() + ")."
			if res.Message != want {
				t.Fatalf("message %q, want %q", res.Message, want)
			}
			// A global tag unpublishes the event, as MISP's; a local one leaves it.
			if bool(stored.Published) != (tc.local && bool(ev.Published)) {
				t.Fatalf("published = %v after a %s tag", stored.Published, scope)
			}
			// Detaching it again follows the same rules.
			res, err = f.Svc.DetachTag(ctx, f.ACL(tc.user), target, "TLP:GREEN")
			if err != nil {
				t.Fatal(err)
			}
			want = scope + " tag tlp:green (" + green.ID.String() + ") successfully removed from " + kind + "(" + misp.FlexInt(id).String() + ")."
			if res.Message != want {
				t.Fatalf("message %q, want %q", res.Message, want)
			}
			_, err = f.Svc.DetachTag(ctx, f.ACL(tc.user), target, "tlp:green")
			checkRefusal(t, err, "Could not remove tag as it is not attached to the target "+kind)
		})
	}
}

func TestAttachTagCreatesOnlyForTagEditors(t *testing.T) {
	f := inteltest.New(t, inteltest.Options{})
	ctx := t.Context()
	host, _ := tagEvents(t, f)
	attr := intel.TagTarget{UUID: host.Attribute[0].UUID}
	custom := `hunch-test:run="1"`
	_, err := f.Svc.AttachTags(ctx, f.ACL("user"), intel.TagAttach{Target: attr, Tags: []string{custom}})
	checkRefusal(t, err, "attach:"+intel.MsgTagNotFoundNoCreate)
	_, err = f.Svc.AttachTags(ctx, f.ACL("user"), intel.TagAttach{Target: attr, Tags: []string{"4242"}})
	checkRefusal(t, err, "attach:"+intel.MsgInvalidTagDot)
	res, err := f.Svc.AttachTags(ctx, f.ACL("orgadmin"), intel.TagAttach{Target: attr, Tags: []string{custom}})
	if err != nil {
		t.Fatal(err)
	}
	tag, err := f.Store.TagByName(ctx, custom)
	if err != nil {
		t.Fatalf("tag not created: %v", err)
	}
	if !strings.HasPrefix(res.Message, "Global tag "+custom+"("+tag.ID.String()+") successfully attached to Attribute(") {
		t.Fatalf("message %q", res.Message)
	}
	// Several tags at once, one already there and one refused: the message counts and reports both.
	res, err = f.Svc.AttachTags(ctx, f.ACL("user"), intel.TagAttach{Target: attr, Tags: []string{custom, tag.ID.String(), "missing:tag"}})
	if err != nil {
		t.Fatal(err)
	}
	id := host.Attribute[0].ID.String()
	want := "Successfully attached 2 tags to Attribute (" + id + "). " + id +
		` already has the requested tag attached, no changes had to be made for tags ["` + strings.ReplaceAll(custom, `"`, `\"`) +
		`","` + strings.ReplaceAll(custom, `"`, `\"`) + `"].` + "\n" +
		`Failed to attach 1 tags. Reasons: {"0":"Tag not found and insufficient privileges to create it."}`
	if res.Message != want {
		t.Fatalf("message\n%q, want\n%q", res.Message, want)
	}
}

func TestAttachRestrictedTags(t *testing.T) {
	f := inteltest.New(t, inteltest.Options{})
	ctx := t.Context()
	host, _ := tagEvents(t, f)
	two := f.Orgs[inteltest.OrgTwo]
	tags := []*misp.Tag{
		{Name: "restricted:org", OrgID: two.ID},
		{Name: "restricted:user", UserID: f.Users["admin"].ID},
		{Name: "restricted:local", LocalOnly: true},
	}
	for _, tg := range tags {
		if err := f.Store.CreateTag(ctx, tg); err != nil {
			t.Fatal(err)
		}
	}
	ev := intel.TagTarget{UUID: host.UUID}
	for _, tc := range []struct {
		user, tag string
		local     bool
		want      string
	}{
		{"user", "restricted:org", false, "attach:" + intel.MsgTagFixedOrg},
		{"admin", "restricted:org", false, ""},
		{"user", "restricted:user", false, "attach:" + intel.MsgTagFixedUser},
		{"user", "restricted:local", false, "attach:" + intel.MsgTagLocalOnly},
		{"user", "restricted:local", true, ""},
	} {
		_, err := f.Svc.AttachTags(ctx, f.ACL(tc.user), intel.TagAttach{Target: ev, Tags: []string{tc.tag}, Local: tc.local})
		t.Run(tc.user+"/"+tc.tag, func(t *testing.T) { checkRefusal(t, err, tc.want) })
	}
}

func TestDetachRefusals(t *testing.T) {
	f := inteltest.New(t, inteltest.Options{})
	ctx := t.Context()
	host, private := tagEvents(t, f)
	ev := intel.TagTarget{UUID: host.UUID}
	for _, tc := range []struct {
		name  string
		local bool
	}{{"global:x", false}, {"local:x", true}} {
		if _, err := f.Svc.AttachTags(ctx, f.ACL("admin"), intel.TagAttach{Target: ev, Tags: []string{tc.name}, Local: tc.local}); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct {
		user, tag string
		target    intel.TagTarget
		want      string
	}{
		{"user", "no-such-tag", ev, intel.MsgInvalidTagDot},
		{"user", "global:x", intel.TagTarget{UUID: misp.NewUUID()}, acl.MsgInvalidTarget},
		{"user", "global:x", intel.TagTarget{UUID: private.UUID}, acl.MsgInvalidTarget},
		{"user3", "local:x", intel.TagTarget{UUID: private.Attribute[0].UUID}, acl.MsgInvalidTarget},
		{"user2", "global:x", ev, acl.MsgGlobalTagsOrgc},
		{"user2", "local:x", ev, intel.MsgRemoveLocalTag},
		{"readonly", "global:x", ev, acl.MsgNoFunctionality},
		{"user", "local:x", ev, ""},
		{"user", "global:x", ev, ""},
	} {
		_, err := f.Svc.DetachTag(ctx, f.ACL(tc.user), tc.target, tc.tag)
		t.Run(tc.user+"/"+tc.tag, func(t *testing.T) { checkRefusal(t, err, tc.want) })
	}
}

func TestTagsIndexCountsWhatTheReaderSees(t *testing.T) {
	f := inteltest.New(t, inteltest.Options{})
	ctx := t.Context()
	host, private := tagEvents(t, f)
	for _, target := range []intel.TagTarget{{UUID: host.UUID}, {UUID: host.Attribute[0].UUID}} {
		if _, err := f.Svc.AttachTags(ctx, f.ACL("admin"), intel.TagAttach{Target: target, Tags: []string{"count:me"}}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := f.Svc.AttachTags(ctx, f.ACL("admin"), intel.TagAttach{Target: intel.TagTarget{UUID: private.UUID}, Tags: []string{"count:me"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.Svc.AttachTags(ctx, f.ACL("admin"), intel.TagAttach{Target: intel.TagTarget{UUID: private.UUID}, Tags: []string{"other"}}); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		user          string
		events, attrs int64
	}{{"admin", 2, 1}, {"user", 1, 1}, {"user2", 2, 1}, {"user3", 1, 1}} {
		list, err := f.Svc.Tags(ctx, f.ACL(tc.user), intel.TagFilter{SearchAll: "COUNT"})
		if err != nil {
			t.Fatal(err)
		}
		if len(list) != 1 || list[0].Name != "count:me" || list[0].Count != tc.events || list[0].AttributeCount != tc.attrs {
			t.Errorf("%s: index %+v, want count %d attribute_count %d", tc.user, list, tc.events, tc.attrs)
		}
	}
	all, err := f.Svc.Tags(ctx, f.ACL("user"), intel.TagFilter{ExcludeStatistics: true})
	if err != nil || len(all) != 2 || all[0].Statistics {
		t.Fatalf("unfiltered index = %+v, %v", all, err)
	}
	exact, err := f.Svc.Tags(ctx, f.ACL("user"), intel.TagFilter{Name: "OTHER"})
	if err != nil || len(exact) != 1 || exact[0].Name != "other" {
		t.Fatalf("name filter = %+v, %v", exact, err)
	}
}

func TestSearchTags(t *testing.T) {
	f := inteltest.New(t, inteltest.Options{})
	s := dataService(t, f, "testdata")
	ctx := context.Background()
	for _, n := range []string{"tlp:green", "tlp:red", "misp-galaxy:threat-actor=\"APT 28\"", "plain"} {
		if err := f.Store.CreateTag(ctx, &misp.Tag{Name: n, Colour: "#000000"}); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct {
		terms []string
		want  []string
	}{
		{[]string{"TLP:%"}, []string{"tlp:green", "tlp:red"}},
		{[]string{"plain", "tlp:red"}, []string{"plain", "tlp:red"}},
		{[]string{"%apt 28%"}, []string{"misp-galaxy:threat-actor=\"APT 28\""}},
		{[]string{"tlp:gree_"}, []string{"tlp:green"}},
		{[]string{"nothing"}, nil},
	} {
		got, err := s.SearchTags(ctx, f.ACL("readonly"), tc.terms)
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, m := range got {
			names = append(names, m.Tag.Name)
			if strings.HasPrefix(m.Tag.Name, "tlp:") != (m.Taxonomy != nil && m.Taxonomy.Namespace == "tlp") {
				t.Errorf("%s: taxonomy %+v", m.Tag.Name, m.Taxonomy)
			}
		}
		slices.Sort(names)
		if !slices.Equal(names, tc.want) {
			t.Errorf("search %q = %q, want %q", tc.terms, names, tc.want)
		}
	}
}

// TestTagsIndexBulkCountsAgree checks that an index of many tags, counted in one pass, counts what tags/view counts
// tag by tag, for readers who see different events.
func TestTagsIndexBulkCountsAgree(t *testing.T) {
	f := inteltest.New(t, inteltest.Options{})
	ctx := t.Context()
	host, private := tagEvents(t, f)
	targets := []intel.TagTarget{{UUID: host.UUID}, {UUID: host.Attribute[0].UUID}, {UUID: private.UUID}, {UUID: private.Attribute[0].UUID}}
	for i := range 24 {
		name := "bulk:" + string(rune('a'+i))
		for j, target := range targets {
			if (i+j)%3 == 0 {
				if _, err := f.Svc.AttachTags(ctx, f.ACL("admin"), intel.TagAttach{Target: target, Tags: []string{name}, Local: j == 1}); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	for _, user := range []string{"admin", "user", "user2", "user3"} {
		list, err := f.Svc.Tags(ctx, f.ACL(user), intel.TagFilter{SearchAll: "bulk:"})
		if err != nil {
			t.Fatal(err)
		}
		if len(list) != 24 {
			t.Fatalf("%d tags", len(list))
		}
		nonzero := 0
		for _, v := range list {
			one, err := f.Svc.Tag(ctx, f.ACL(user), int64(v.ID))
			if err != nil {
				t.Fatal(err)
			}
			if !v.Statistics || v.Count != one.Count || v.AttributeCount != one.AttributeCount {
				t.Errorf("%s: %s index counts %d/%d, view %d/%d", user, v.Name, v.Count, v.AttributeCount, one.Count, one.AttributeCount)
			}
			if v.Count+v.AttributeCount > 0 {
				nonzero++
			}
		}
		if nonzero == 0 {
			t.Errorf("%s: every count is zero", user)
		}
	}
}
