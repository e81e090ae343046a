package intel_test

import (
	"testing"
	"time"

	"github.com/hunchsec/hunch/intel"
	"github.com/hunchsec/hunch/intel/inteltest"
	"github.com/hunchsec/hunch/misp"
)

// TestEDLWarninglists: a value on an enabled warninglist never reaches a blocklist, unless the
// list says keep_warninglisted; more entries than max_entries is an error, not a short list.
func TestEDLWarninglists(t *testing.T) {
	f := inteltest.New(t, inteltest.Options{})
	s := dataService(t, f, wlData)
	ctx := t.Context()
	ev := &misp.Event{Info: "resolvers", Attribute: []misp.Attribute{
		{Type: "ip-dst", Value: "8.8.8.8", ToIDS: misp.OptBoolOf(true)},
		{Type: "ip-dst", Value: "203.0.113.9", ToIDS: misp.OptBoolOf(true)}}}
	if _, err := s.AddEvent(ctx, f.ACL("admin"), ev, true); err != nil {
		t.Fatal(err)
	}
	if _, err := s.SetWarninglistsEnabled(ctx, f.ACL("admin"), []int64{3}, nil, boolp(true)); err != nil {
		t.Fatal(err)
	}
	values := func(sp intel.EDLSpec) []string {
		t.Helper()
		es, _, err := s.EDL(ctx, f.ACL("user"), sp, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, e := range es {
			out = append(out, e.Value)
		}
		return out
	}
	if got := values(intel.EDLSpec{Kind: "ip"}); len(got) != 1 || got[0] != "203.0.113.9" {
		t.Errorf("warninglisted value served: %v", got)
	}
	if got := values(intel.EDLSpec{Kind: "ip", KeepWarninglisted: true}); len(got) != 2 {
		t.Errorf("keep_warninglisted: %v", got)
	}
	if _, _, err := s.EDL(ctx, f.ACL("user"), intel.EDLSpec{Kind: "ip", KeepWarninglisted: true, MaxEntries: 1}, time.Now()); err == nil {
		t.Error("a list past max_entries was cut short instead of refused")
	}
}
