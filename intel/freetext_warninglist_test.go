package intel_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/hunchsec/hunch/intel"
	"github.com/hunchsec/hunch/intel/inteltest"
	"github.com/hunchsec/hunch/misp"
)

// TestFreeTextAdhereToWarninglists: a value on an enabled warninglist is left out (1) or added with to_ids off
// (soft); without the option it is added as guessed.
func TestFreeTextAdhereToWarninglists(t *testing.T) {
	data := t.TempDir()
	list := filepath.Join(data, "warninglists", "lists", "doc-net", "list.json")
	if err := os.MkdirAll(filepath.Dir(list), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(list, []byte(`{"name":"Documentation network","description":"test","version":1,
		"type":"cidr","list":["198.51.100.0/24"],"matching_attributes":["ip-src","ip-dst"]}`), 0o644); err != nil {
		t.Fatal(err)
	}
	f := inteltest.New(t, inteltest.Options{DataDir: data})
	ctx := context.Background()
	on := true
	if _, err := f.Svc.SetWarninglistsEnabled(ctx, f.ACL("admin"), nil, []string{"Documentation network"}, &on); err != nil {
		t.Fatal(err)
	}
	text := "c2 at 198.51.100.5 and 203.0.113.5"
	for _, tc := range []struct {
		mode string
		want map[string]bool // value → to_ids
	}{
		{"", map[string]bool{"198.51.100.5": true, "203.0.113.5": true}},
		{intel.WarninglistsSkip, map[string]bool{"203.0.113.5": true}},
		{intel.WarninglistsSoft, map[string]bool{"198.51.100.5": false, "203.0.113.5": true}},
	} {
		e, err := f.Svc.AddEvent(ctx, f.ACL("user"), &misp.Event{Info: "freetext " + tc.mode}, true)
		if err != nil {
			t.Fatal(err)
		}
		res, err := f.Svc.FreeTextImport(ctx, f.ACL("user"), fmt.Sprint(e.ID), text, intel.FreeTextOptions{Warninglists: tc.mode})
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]bool{}
		for _, a := range res.Added {
			got[a.Value] = a.ToIDS.Bool()
			if hit := a.Value == "198.51.100.5"; hit != (len(a.Warnings) == 1) {
				t.Errorf("mode %q: %s flagged with %v", tc.mode, a.Value, a.Warnings)
			}
		}
		if fmt.Sprint(got) != fmt.Sprint(tc.want) {
			t.Errorf("mode %q: added %v, want %v", tc.mode, got, tc.want)
		}
	}
}
