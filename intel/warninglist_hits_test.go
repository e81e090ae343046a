package intel_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/hunchsec/hunch/intel"
	"github.com/hunchsec/hunch/intel/inteltest"
	"github.com/hunchsec/hunch/misp"
)

// TestWarninglistHits: events/view and both restSearch levels flag, with includeWarninglistHits, each attribute
// whose value (or a part of a composite value) hits an enabled list that applies to its type, objects' attributes
// included, and name the lists hit on the event; a disabled list flags nothing.
func TestWarninglistHits(t *testing.T) {
	data := t.TempDir()
	write := func(dir, body string) {
		p := filepath.Join(data, "warninglists", "lists", dir, "list.json")
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("doc-net", `{"name":"Documentation network","description":"test","version":1,"type":"cidr",
		"list":["198.51.100.0/24"],"matching_attributes":["ip-src","ip-dst","ip-dst|port"]}`)
	write("known-hosts", `{"name":"Known hosts","description":"test","version":1,"type":"hostname",
		"list":["example.org"],"matching_attributes":["domain","hostname"]}`)
	write("off", `{"name":"Disabled list","description":"test","version":1,"type":"string","list":["evil.test"]}`)
	f := inteltest.New(t, inteltest.Options{DataDir: data})
	ctx := context.Background()
	on := true
	if _, err := f.Svc.SetWarninglistsEnabled(ctx, f.ACL("admin"), nil, []string{"Documentation network", "Known hosts"}, &on); err != nil {
		t.Fatal(err)
	}
	e := &misp.Event{Info: "hits", Distribution: misp.Distribution("1"), Attribute: []misp.Attribute{
		attr("ip-dst", "198.51.100.5"), attr("ip-dst|port", "198.51.100.9|80"), attr("domain", "sub.example.org"),
		attr("domain", "evil.test"), attr("url", "http://sub.example.org/x"), attr("ip-src", "203.0.113.1"),
	}, Object: []misp.Object{{Name: "domain-ip", Distribution: misp.DistributionUnset,
		Attribute: []misp.Attribute{{Type: "ip", ObjectRelation: "ip", Value: "198.51.100.7", Distribution: misp.DistributionUnset}}}}}
	// The object's ip attribute is of type ip-dst in domain-ip; give it explicitly.
	e.Object[0].Attribute[0].Type = "ip-dst"
	added, err := f.Svc.AddEvent(ctx, f.ACL("user"), e, true)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"198.51.100.5":    "Documentation network 198.51.100.5 198.51.100.0/24",
		"198.51.100.9|80": "Documentation network 198.51.100.9 198.51.100.0/24",
		"sub.example.org": "Known hosts sub.example.org example.org",
		"198.51.100.7":    "Documentation network 198.51.100.7 198.51.100.0/24",
	}
	flagged := func(attrs []misp.Attribute) map[string]string {
		got := map[string]string{}
		for _, a := range attrs {
			for _, w := range a.Warnings {
				got[a.Value] = fmt.Sprint(w.WarninglistName, " ", w.Value, " ", w.Match)
				if w.WarninglistID == 0 || w.WarninglistCategory != "false_positive" {
					t.Errorf("%s: warning %+v", a.Value, w)
				}
			}
		}
		return got
	}
	all := func(e *misp.Event) []misp.Attribute {
		out := slices.Clone(e.Attribute)
		for _, o := range e.Object {
			out = append(out, o.Attribute...)
		}
		return out
	}

	v, err := f.Svc.ViewEvent(ctx, f.ACL("user"), fmt.Sprint(added.ID), intel.EventViewOptions{WarninglistHits: true})
	if err != nil {
		t.Fatal(err)
	}
	if got := flagged(all(v)); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("view:\n got %v\nwant %v", got, want)
	}
	names := slices.Sorted(func(yield func(string) bool) {
		for _, n := range v.Warnings {
			if !yield(n) {
				return
			}
		}
	})
	if !slices.Equal(names, []string{"Documentation network", "Known hosts"}) {
		t.Errorf("event warnings: %v", v.Warnings)
	}
	v, err = f.Svc.ViewEvent(ctx, f.ACL("user"), fmt.Sprint(added.ID), intel.EventViewOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got := flagged(all(v)); len(got) != 0 || v.Warnings != nil {
		t.Errorf("view without includeWarninglistHits flags %v %v", got, v.Warnings)
	}

	q, err := intel.ParseSearch([]byte(`{"returnFormat":"json","includeWarninglistHits":1}`))
	if err != nil {
		t.Fatal(err)
	}
	seq, _ := f.Svc.SearchAttributes(ctx, f.ACL("user"), q)
	var found []misp.Attribute
	for a, err := range seq {
		if err != nil {
			t.Fatal(err)
		}
		found = append(found, *a)
	}
	if got := flagged(found); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("attributes/restSearch:\n got %v\nwant %v", got, want)
	}
	events, _ := f.Svc.SearchEvents(ctx, f.ACL("user"), q)
	for e, err := range events {
		if err != nil {
			t.Fatal(err)
		}
		if got := flagged(all(e)); fmt.Sprint(got) != fmt.Sprint(want) || len(e.Warnings) != 2 {
			t.Errorf("events/restSearch:\n got %v %v\nwant %v", got, e.Warnings, want)
		}
	}
}
