package intel_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/hunchsec/hunch/intel"
	"github.com/hunchsec/hunch/intel/inteltest"
	"github.com/hunchsec/hunch/misp"
)

// TestEventTagsCreatedExportable: tags an event brings that do not exist yet are created exportable, as MISP's
// captureTag creates them; a stored non-exportable tag stays so.
func TestEventTagsCreatedExportable(t *testing.T) {
	f := inteltest.New(t, inteltest.Options{})
	ctx := context.Background()
	quiet := &misp.Tag{Name: "internal:only", Exportable: false}
	if err := f.Store.CreateTag(ctx, quiet); err != nil {
		t.Fatal(err)
	}
	e := &misp.Event{Info: "tags", Tag: []misp.Tag{{Name: "new:event-tag"}, {Name: "internal:only"}},
		Attribute: []misp.Attribute{{Type: "domain", Value: "t.example.org", Tag: []misp.Tag{{Name: "new:attr-tag"}}}}}
	if _, err := f.Svc.AddEvent(ctx, f.ACL("admin"), e, false); err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]bool{"new:event-tag": true, "new:attr-tag": true, "internal:only": false} {
		tag, err := f.Store.TagByName(ctx, name)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if bool(tag.Exportable) != want {
			t.Errorf("%s: exportable %v, want %v", name, tag.Exportable, want)
		}
	}
}

// TestViewHidesUnexportableTags: events/view leaves non-exportable tags out, as MISP's API does (MISP#1394),
// unless asked for all tags.
func TestViewHidesUnexportableTags(t *testing.T) {
	f := inteltest.New(t, inteltest.Options{})
	ctx := context.Background()
	if err := f.Store.CreateTag(ctx, &misp.Tag{Name: "non-exportable tag"}); err != nil {
		t.Fatal(err)
	}
	e := &misp.Event{Info: "hidden", Tag: []misp.Tag{{Name: "tlp:green"}, {Name: "non-exportable tag"}},
		Attribute: []misp.Attribute{{Type: "domain", Value: "h.example.org", Tag: []misp.Tag{{Name: "non-exportable tag"}}}}}
	added, err := f.Svc.AddEvent(ctx, f.ACL("user"), e, false)
	if err != nil {
		t.Fatal(err)
	}
	if len(added.Tag) != 1 || added.Tag[0].Name != "tlp:green" || len(added.Attribute[0].Tag) != 0 {
		t.Errorf("add answered tags %v and %v", added.Tag, added.Attribute[0].Tag)
	}
	all, err := f.Svc.ViewEvent(ctx, f.ACL("admin"), fmt.Sprint(added.ID), intel.EventViewOptions{AllTags: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(all.Tag) != 2 || len(all.Attribute[0].Tag) != 1 {
		t.Errorf("AllTags view: %v and %v", all.Tag, all.Attribute[0].Tag)
	}
}

// TestEditPublishes: an edit asking for published publishes for a publisher and unpublishes for a user, as
// MISP's _edit does.
func TestEditPublishes(t *testing.T) {
	f := inteltest.New(t, inteltest.Options{})
	ctx := context.Background()
	e, err := f.Svc.AddEvent(ctx, f.ACL("user"), &misp.Event{Info: "p", Published: true}, true)
	if err != nil {
		t.Fatal(err)
	}
	if e.Published {
		t.Fatal("a user without perm_publish published on add")
	}
	for _, tc := range []struct {
		user string
		want bool
	}{{"user", false}, {"publisher", true}, {"user", false}} {
		got, err := f.Svc.EditEvent(ctx, f.ACL(tc.user), fmt.Sprint(e.ID), &misp.Event{Info: "p " + tc.user, Published: true}, true)
		if err != nil {
			t.Fatalf("%s: %v", tc.user, err)
		}
		if bool(got.Published) != tc.want || (tc.want && got.PublishTimestamp == 0) {
			t.Errorf("edit by %s: published %v (timestamp %d), want %v", tc.user, got.Published, got.PublishTimestamp, tc.want)
		}
	}
}

// TestIndexTimeRangeForms: events/index reads the time forms restSearch reads, PyMISP's fractional unix times
// included.
func TestIndexTimeRangeForms(t *testing.T) {
	f := inteltest.New(t, inteltest.Options{})
	for _, v := range []string{"1709596800", "1709596800.5", "7d", "2024-03-05"} {
		if r, ok := f.Svc.IndexTimeRange(v); !ok || r.From.IsZero() {
			t.Errorf("IndexTimeRange(%q) = %v, %v", v, r, ok)
		}
	}
	if _, ok := f.Svc.IndexTimeRange("yesterday"); ok {
		t.Error("IndexTimeRange(yesterday) was read")
	}
}
