package intel_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/hunchsec/hunch/intel"
	"github.com/hunchsec/hunch/intel/acl"
	"github.com/hunchsec/hunch/intel/inteltest"
	"github.com/hunchsec/hunch/internal/testcorpus"
	"github.com/hunchsec/hunch/misp"
	"github.com/hunchsec/hunch/store"
)

func TestTaxonomiesIndex(t *testing.T) {
	f := inteltest.New(t, inteltest.Options{})
	s := dataService(t, f, "testdata")
	ctx := t.Context()
	if err := f.Store.CreateTag(ctx, &misp.Tag{Name: "TLP:RED", Colour: "#000000"}); err != nil {
		t.Fatal(err)
	}
	list, err := s.Taxonomies(ctx, f.ACL("readonly"))
	if err != nil {
		t.Fatal(err)
	}
	want := []intel.Taxonomy{
		{ID: 1, Namespace: "admiralty-scale", Description: "Source reliability and information credibility, hand-written test copy.",
			Version: 2, Highlighted: true, TotalCount: 3},
		{ID: 2, Namespace: "tlp", Description: "Traffic Light Protocol, hand-written test copy.", Version: 7,
			Exclusive: true, TotalCount: 4, CurrentCount: 1},
	}
	if len(list) != len(want) {
		t.Fatalf("index = %+v", list)
	}
	for i := range want {
		if list[i].ID != want[i].ID || list[i].Namespace != want[i].Namespace || list[i].Description != want[i].Description ||
			list[i].Version != want[i].Version || list[i].Exclusive != want[i].Exclusive || list[i].Highlighted != want[i].Highlighted ||
			list[i].Enabled || list[i].TotalCount != want[i].TotalCount || list[i].CurrentCount != want[i].CurrentCount {
			t.Errorf("taxonomy %d = %+v, want %+v", i, list[i], want[i])
		}
	}
	// No data directory, or one without taxonomies, is an empty index.
	for _, dir := range []string{"", t.TempDir()} {
		list, err := dataService(t, f, dir).Taxonomies(ctx, f.ACL("user"))
		if err != nil || len(list) != 0 {
			t.Fatalf("index over %q = %+v, %v", dir, list, err)
		}
	}
}

func TestTaxonomyView(t *testing.T) {
	f := inteltest.New(t, inteltest.Options{})
	s := dataService(t, f, "testdata")
	ctx := t.Context()
	tag := &misp.Tag{Name: `admiralty-scale:source-reliability="b"`, Colour: "#000000"}
	if err := f.Store.CreateTag(ctx, tag); err != nil {
		t.Fatal(err)
	}
	for _, ref := range []string{"1", "admiralty-scale", "Admiralty-Scale"} {
		tx, err := s.TaxonomyByRef(ctx, f.ACL("user3"), ref)
		if err != nil {
			t.Fatal(err)
		}
		var tags []string
		for _, e := range tx.Entries {
			tags = append(tags, e.Tag)
		}
		want := []string{`admiralty-scale:source-reliability="a"`, `admiralty-scale:source-reliability="b"`,
			`admiralty-scale:information-credibility="1"`}
		if len(tags) != 3 || tags[0] != want[0] || tags[1] != want[1] || tags[2] != want[2] {
			t.Fatalf("entries %q, want %q", tags, want)
		}
		e := tx.Entries[1]
		if e.Expanded != "Usually reliable" || !e.ExclusivePredicate || e.NumericalValue == nil || *e.NumericalValue != 75 ||
			e.Existing == nil || e.Existing.ID != tag.ID || tx.Entries[0].Existing != nil || tx.Entries[2].ExclusivePredicate {
			t.Fatalf("entry %+v", e)
		}
		if tx.CurrentCount != 1 || tx.TotalCount != 3 {
			t.Fatalf("counts %d/%d", tx.CurrentCount, tx.TotalCount)
		}
	}
	for _, ref := range []string{"0", "3", "nope", ""} {
		if _, err := s.TaxonomyByRef(ctx, f.ACL("user"), ref); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("view %q: %v", ref, err)
		}
	}
}

func TestTaxonomyEnableIsSiteAdminsAndPersists(t *testing.T) {
	f := inteltest.New(t, inteltest.Options{})
	s := dataService(t, f, "testdata")
	ctx := t.Context()
	for _, u := range []string{"orgadmin", "user", "publisher", "sync", "readonly", "orgadmin2", "user3"} {
		_, err := s.SetTaxonomyEnabled(ctx, f.ACL(u), 2, true)
		checkRefusal(t, err, acl.MsgNoFunctionality)
	}
	tx, err := s.SetTaxonomyEnabled(ctx, f.ACL("admin"), 2, true)
	if err != nil || !tx.Enabled || tx.Namespace != "tlp" {
		t.Fatalf("enable = %+v, %v", tx, err)
	}
	// Another service over the same store (a restart) sees it enabled, with the same id.
	list, err := dataService(t, f, "testdata").Taxonomies(ctx, f.ACL("user"))
	if err != nil || !list[1].Enabled || list[0].Enabled || list[1].ID != 2 {
		t.Fatalf("after restart = %+v, %v", list, err)
	}
	if v, err := f.Store.Setting(ctx, intel.SettingTaxonomyPrefix+"tlp"); err != nil || v != "1" {
		t.Fatalf("setting = %q, %v", v, err)
	}
	if tx, err := s.SetTaxonomyEnabled(ctx, f.ACL("admin"), 2, false); err != nil || tx.Enabled {
		t.Fatalf("disable = %+v, %v", tx, err)
	}
	if _, err := s.SetTaxonomyEnabled(ctx, f.ACL("admin"), 9, true); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("enable of a missing taxonomy: %v", err)
	}
}

func TestAddTaxonomyTags(t *testing.T) {
	f := inteltest.New(t, inteltest.Options{})
	s := dataService(t, f, "testdata")
	ctx := t.Context()
	_, err := s.AddTaxonomyTags(ctx, f.ACL("readonly"), 2)
	checkRefusal(t, err, acl.MsgNoFunctionality)
	if err := f.Store.CreateTag(ctx, &misp.Tag{Name: "tlp:amber", Colour: "#123456"}); err != nil {
		t.Fatal(err)
	}
	n, err := s.AddTaxonomyTags(ctx, f.ACL("user"), 2)
	if err != nil || n != 3 {
		t.Fatalf("created %d, %v; want 3", n, err)
	}
	red, err := f.Store.TagByName(ctx, "tlp:red")
	if err != nil || red.Colour != "#CC0033" || red.NumericalValue == nil || *red.NumericalValue != 4 || !bool(red.Exportable) {
		t.Fatalf("tlp:red = %+v, %v", red, err)
	}
	if white, err := f.Store.TagByName(ctx, "tlp:white"); err != nil || white.Colour != intel.TagColour("tlp:white") {
		t.Fatalf("tlp:white = %+v, %v", white, err)
	}
	if amber, _ := f.Store.TagByName(ctx, "tlp:amber"); amber.Colour != "#123456" {
		t.Fatalf("existing tag changed: %+v", amber)
	}
	if n, err := s.AddTaxonomyTags(ctx, f.ACL("user"), 2); err != nil || n != 0 {
		t.Fatalf("second run created %d, %v", n, err)
	}
}

func TestTaxonomiesCorpus(t *testing.T) {
	dir := filepath.Dir(testcorpus.Path(t, "misp-data/taxonomies"))
	f := inteltest.New(t, inteltest.Options{})
	s := dataService(t, f, dir)
	list, err := s.Taxonomies(t.Context(), f.ACL("user"))
	if err != nil {
		t.Fatal(err)
	}
	// The corpus holds 183 namespaces (MANIFEST.json lists the upstream set).
	if len(list) != 183 {
		t.Fatalf("%d taxonomies, want 183", len(list))
	}
	total := 0
	for _, tx := range list {
		total += tx.TotalCount
	}
	// The tags those files define, counted independently (a short Python script) over the same snapshot.
	if total != 13215 {
		t.Errorf("%d tags in all, want 13215", total)
	}
	tlp, err := s.TaxonomyByRef(t.Context(), f.ACL("user"), "tlp")
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, e := range tlp.Entries {
		found = found || e.Tag == "tlp:green"
	}
	if !found {
		t.Fatalf("tlp entries %d, no tlp:green", len(tlp.Entries))
	}
}

// FuzzMachineTagFile serves an arbitrary machinetag.json: the index and the view never fail on it other than with
// an error, and the view's counts agree with its entries.
func FuzzMachineTagFile(f *testing.F) {
	for _, p := range []string{"testdata/taxonomies/tlp/machinetag.json", "testdata/taxonomies/admiralty-scale/machinetag.json"} {
		data, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte(`{"namespace":"x","predicates":[{"value":"a"}],"values":[{"predicate":"a","entry":null},{"predicate":"b","entry":[{"value":"c"}]}]}`))
	f.Add([]byte(`{"predicates":[{"value":"","numerical_value":"x"}]}`))
	fx := inteltest.New(f, inteltest.Options{})
	dir := f.TempDir()
	file := filepath.Join(dir, "taxonomies", "fuzz", "machinetag.json")
	if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
		f.Fatal(err)
	}
	s, err := intel.New(context.Background(), fx.Store, intel.Options{DataDir: dir})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if err := os.WriteFile(file, data, 0o644); err != nil {
			t.Fatal(err)
		}
		ctx := context.Background()
		list, err := s.Taxonomies(ctx, fx.ACL("user"))
		if err != nil {
			return
		}
		if len(list) != 1 || list[0].ID != 1 {
			t.Fatalf("index %+v", list)
		}
		view, err := s.TaxonomyByRef(ctx, fx.ACL("user"), "1")
		if err != nil {
			t.Fatalf("index read the file but view did not: %v", err)
		}
		if view.TotalCount != len(view.Entries) || view.TotalCount != list[0].TotalCount || view.Namespace != list[0].Namespace {
			t.Fatalf("view %d entries, total %d, index total %d", len(view.Entries), view.TotalCount, list[0].TotalCount)
		}
	})
}

// BenchmarkTaxonomiesIndexCorpus measures taxonomies/index over the corpus's 183 taxonomies, which are read from
// disk on every call.
func BenchmarkTaxonomiesIndexCorpus(b *testing.B) {
	dir := filepath.Dir(testcorpus.Path(b, "misp-data/taxonomies"))
	f := inteltest.New(b, inteltest.Options{})
	s := dataService(b, f, dir)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.Taxonomies(b.Context(), f.ACL("user")); err != nil {
			b.Fatal(err)
		}
	}
}

// TestTaxonomiesUpdateAndRequired: taxonomies/update counts the taxonomies new since the last update, then none;
// toggleRequired persists and is for site admins.
func TestTaxonomiesUpdateAndRequired(t *testing.T) {
	f := inteltest.New(t, inteltest.Options{})
	s := dataService(t, f, "testdata")
	ctx := t.Context()
	if _, err := s.UpdateTaxonomies(ctx, f.ACL("user")); err == nil {
		t.Error("a user updated the taxonomies")
	}
	n, err := s.UpdateTaxonomies(ctx, f.ACL("admin"))
	if err != nil || n != 2 {
		t.Fatalf("first update: %d, %v; want the 2 installed", n, err)
	}
	if n, err := s.UpdateTaxonomies(ctx, f.ACL("admin")); err != nil || n != 0 {
		t.Fatalf("second update: %d, %v; want 0", n, err)
	}
	tx, err := s.TaxonomyByRef(ctx, f.ACL("user"), "tlp")
	if err != nil || tx.Required {
		t.Fatalf("tlp: %+v, %v", tx, err)
	}
	if _, err := s.SetTaxonomyRequired(ctx, f.ACL("user"), tx.ID, true); err == nil {
		t.Error("a user made a taxonomy required")
	}
	if _, err := s.SetTaxonomyRequired(ctx, f.ACL("admin"), tx.ID, true); err != nil {
		t.Fatal(err)
	}
	list, err := s.Taxonomies(ctx, f.ACL("user"))
	if err != nil {
		t.Fatal(err)
	}
	for _, x := range list {
		if x.Required != (x.Namespace == "tlp") {
			t.Errorf("%s required=%v", x.Namespace, x.Required)
		}
	}
}
