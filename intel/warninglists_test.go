package intel_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/hunchsec/hunch/intel"
	"github.com/hunchsec/hunch/intel/acl"
	"github.com/hunchsec/hunch/intel/inteltest"
	"github.com/hunchsec/hunch/internal/testcorpus"
	"github.com/hunchsec/hunch/store"
	"github.com/hunchsec/hunch/store/storetest"
)

// wlData is the data directory of the warninglist package's hand-written lists: contacts (1, regex), disposable
// (2, substring), dns (3, cidr), everything (4, string, every type), hashes (5, string), hosts (6, hostname).
const wlData = "warninglist/testdata"

func boolp(b bool) *bool { return &b }

func TestWarninglistsIndex(t *testing.T) {
	f := inteltest.New(t, inteltest.Options{})
	s := dataService(t, f, wlData)
	ctx := t.Context()
	list, err := s.Warninglists(ctx, f.ACL("readonly"), intel.WarninglistQuery{})
	if err != nil {
		t.Fatal(err)
	}
	var ids []int64
	for _, w := range list {
		ids = append(ids, w.ID)
		if w.Enabled {
			t.Errorf("list %q enabled on a fresh instance", w.Name)
		}
	}
	if !slices.Equal(ids, []int64{6, 5, 4, 3, 2, 1}) {
		t.Fatalf("ids %v, want 6..1", ids)
	}
	hashes := list[1]
	if hashes.Name != "Test hashes of empty files" || hashes.Type != "string" || hashes.Version != 20260302 ||
		hashes.EntryCount != 2 || len(hashes.MatchingAttributes) != 5 || hashes.Entries != nil {
		t.Errorf("hashes = %+v", hashes)
	}
	for _, tc := range []struct {
		q    intel.WarninglistQuery
		want []int64
	}{
		{intel.WarninglistQuery{Value: "cidr"}, []int64{3}},
		{intel.WarninglistQuery{Value: "DNS"}, []int64{3}},
		{intel.WarninglistQuery{Value: "without matching"}, []int64{4}},
		{intel.WarninglistQuery{Enabled: boolp(true)}, nil},
		{intel.WarninglistQuery{Value: "e-mail", Enabled: boolp(false)}, []int64{2}},
	} {
		list, err := s.Warninglists(ctx, f.ACL("user"), tc.q)
		if err != nil {
			t.Fatal(err)
		}
		var got []int64
		for _, w := range list {
			got = append(got, w.ID)
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("index %+v = %v, want %v", tc.q, got, tc.want)
		}
	}
	for _, dir := range []string{"", t.TempDir()} {
		list, err := dataService(t, f, dir).Warninglists(ctx, f.ACL("user"), intel.WarninglistQuery{})
		if err != nil || len(list) != 0 {
			t.Errorf("index over %q = %+v, %v", dir, list, err)
		}
	}
}

func TestWarninglistView(t *testing.T) {
	f := inteltest.New(t, inteltest.Options{})
	s := dataService(t, f, wlData)
	w, err := s.WarninglistByID(t.Context(), f.ACL("user3"), 5)
	if err != nil {
		t.Fatal(err)
	}
	if w.Name != "Test hashes of empty files" || !slices.Equal(w.Entries,
		[]string{"d41d8cd98f00b204e9800998ecf8427e", "da39a3ee5e6b4b0d3255bfef95601890afd80709"}) {
		t.Errorf("view = %+v", w)
	}
	for _, id := range []int64{0, 7, -1} {
		if _, err := s.WarninglistByID(t.Context(), f.ACL("user"), id); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("view %d: %v, want not found", id, err)
		}
	}
}

func TestWarninglistToggle(t *testing.T) {
	f := inteltest.New(t, inteltest.Options{})
	s := dataService(t, f, wlData)
	ctx := t.Context()
	enabledIDs := func() []int64 {
		t.Helper()
		list, err := s.Warninglists(ctx, f.ACL("user"), intel.WarninglistQuery{Enabled: boolp(true)})
		if err != nil {
			t.Fatal(err)
		}
		var ids []int64
		for _, w := range list {
			ids = append(ids, w.ID)
		}
		slices.Sort(ids)
		return ids
	}
	for _, who := range []string{"user", "orgadmin", "publisher", "sync", "readonly"} {
		_, err := s.SetWarninglistsEnabled(ctx, f.ACL(who), []int64{3}, nil, boolp(true))
		var ae *acl.Error
		if !errors.As(err, &ae) || ae.Status() != 403 || ae.Message() != acl.MsgNoFunctionality {
			t.Errorf("%s toggles: %v", who, err)
		}
	}
	tests := []struct {
		name    string
		ids     []int64
		names   []string
		enabled *bool
		want    intel.WarninglistToggle
		after   []int64
	}{
		{"enable by id", []int64{3}, nil, boolp(true), intel.WarninglistToggle{Count: 1, Action: "enabled"}, []int64{3}},
		{"enable again", []int64{3, 99}, nil, boolp(true), intel.WarninglistToggle{Count: 1, Action: "enabled"}, []int64{3}},
		{"like names", nil, []string{"%E-MAIL%", "test_list for every type"}, boolp(true), intel.WarninglistToggle{Count: 2, Action: "enabled"}, []int64{2, 3, 4}},
		{"ids before names", []int64{4}, []string{"%"}, boolp(false), intel.WarninglistToggle{Count: 1, Action: "disabled"}, []int64{2, 3}},
		{"flip one", []int64{1}, nil, nil, intel.WarninglistToggle{Count: 1, Action: "enabled"}, []int64{1, 2, 3}},
		{"flip several", nil, []string{"test%"}, nil, intel.WarninglistToggle{Count: 6, Action: "toggled"}, []int64{4, 5, 6}},
	}
	for _, tc := range tests {
		got, err := s.SetWarninglistsEnabled(ctx, f.ACL("admin"), tc.ids, tc.names, tc.enabled)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if got != tc.want {
			t.Errorf("%s = %+v, want %+v", tc.name, got, tc.want)
		}
		if ids := enabledIDs(); !slices.Equal(ids, tc.after) {
			t.Errorf("%s: enabled %v, want %v", tc.name, ids, tc.after)
		}
	}
	for _, tc := range []struct {
		ids   []int64
		names []string
	}{{[]int64{99}, nil}, {nil, []string{"no such list"}}, {nil, nil}} {
		if _, err := s.SetWarninglistsEnabled(ctx, f.ACL("admin"), tc.ids, tc.names, nil); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("toggle %v %q: %v, want not found", tc.ids, tc.names, err)
		}
	}
}

func TestCheckValueAndFilter(t *testing.T) {
	f := inteltest.New(t, inteltest.Options{})
	s := dataService(t, f, wlData)
	ctx := t.Context()
	values := []string{"8.8.8.8", " 8.8.8.8 ", "192.0.2.1", "magic-value", "http://www.example.com/"}
	got, err := s.CheckValue(ctx, f.ACL("readonly"), values)
	if err != nil || len(got) != 0 {
		t.Fatalf("nothing enabled: %+v, %v", got, err)
	}
	filter, err := s.WarninglistFilter(ctx)
	if err != nil || filter("ip-dst", "8.8.8.8") {
		t.Fatalf("filter with nothing enabled: %v", err)
	}
	if _, err := s.SetWarninglistsEnabled(ctx, f.ACL("admin"), []int64{3, 4}, nil, boolp(true)); err != nil {
		t.Fatal(err)
	}
	got, err = s.CheckValue(ctx, f.ACL("user"), values)
	if err != nil {
		t.Fatal(err)
	}
	want := []intel.ValueHits{
		{Value: "8.8.8.8", Hits: []intel.WarninglistHit{{ID: 3, Name: "Test public DNS resolvers", Matched: "8.8.8.8/32"},
			{ID: 4, Name: "Test list for every type", Matched: "8.8.8.8"}}},
		{Value: "magic-value", Hits: []intel.WarninglistHit{{ID: 4, Name: "Test list for every type", Matched: "magic-value"}}},
	}
	if len(got) != len(want) {
		t.Fatalf("CheckValue = %+v, want %+v", got, want)
	}
	for i := range want {
		if got[i].Value != want[i].Value || !slices.Equal(got[i].Hits, want[i].Hits) {
			t.Errorf("CheckValue[%d] = %+v, want %+v", i, got[i], want[i])
		}
	}
	filter, err = s.WarninglistFilter(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		typ, value string
		want       bool
	}{
		{"ip-dst", "8.8.8.8", true},
		{"ip-src|port", "10.1.1.1|443", true},
		{"url", "magic-value", true},
		{"md5", "d41d8cd98f00b204e9800998ecf8427e", false}, // hashes is not enabled
		{"domain", "www.example.com", false},
		{"ip-dst", "192.0.2.1", false},
	} {
		if got := filter(tc.typ, tc.value); got != tc.want {
			t.Errorf("filter(%q, %q) = %v, want %v", tc.typ, tc.value, got, tc.want)
		}
	}
}

// TestWarninglistsReread changes, breaks and adds list files under a running service.
func TestWarninglistsReread(t *testing.T) {
	f := inteltest.New(t, inteltest.Options{})
	data := t.TempDir()
	lists := filepath.Join(data, "warninglists", "lists")
	write := func(dir, body string, mod time.Time) {
		t.Helper()
		p := filepath.Join(lists, dir, "list.json")
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Chtimes(p, mod, mod); err != nil {
			t.Fatal(err)
		}
	}
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	write("a", `{"name":"A","description":"a","version":1,"type":"string","list":["x"]}`, t0)
	write("b", `{"name":"B","description":"b","version":1,"type":"string","list":["y"]}`, t0)
	s := dataService(t, f, data)
	ctx := t.Context()
	if _, err := s.SetWarninglistsEnabled(ctx, f.ACL("admin"), nil, []string{"%"}, boolp(true)); err != nil {
		t.Fatal(err)
	}
	check := func(value string, want ...string) {
		t.Helper()
		got, err := s.CheckValue(ctx, f.ACL("user"), []string{value})
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, vh := range got {
			for _, h := range vh.Hits {
				names = append(names, h.Name)
			}
		}
		if !slices.Equal(names, want) {
			t.Errorf("check %q = %q, want %q", value, names, want)
		}
	}
	check("x", "A")
	if n, err := s.UpdateWarninglists(ctx, f.ACL("admin")); err != nil || n != 0 {
		t.Errorf("update with nothing changed = %d, %v", n, err)
	}
	if _, err := s.UpdateWarninglists(ctx, f.ACL("orgadmin")); err == nil {
		t.Error("an org admin updated the warninglists")
	}
	write("a", `{"name":"A","description":"a","version":2,"type":"string","list":["x","z"]}`, t0.Add(time.Hour))
	write("b", `{"name":"B","description":"b","version":1,"type":"string","list":["y"],"bad":true}`, t0.Add(time.Hour))
	if n, err := s.UpdateWarninglists(ctx, f.ACL("admin")); err != nil || n != 1 {
		t.Errorf("update after a version bump = %d, %v", n, err)
	}
	check("z", "A")
	check("y") // B is malformed now: left out
	list, err := s.Warninglists(ctx, f.ACL("user"), intel.WarninglistQuery{})
	if err != nil || len(list) != 1 || list[0].ID != 1 || list[0].Version != 2 {
		t.Errorf("index with a malformed list = %+v, %v", list, err)
	}
}

// TestWarninglistsCorpus serves every list of the corpus, with the selections PyMISP's live tests make.
func TestWarninglistsCorpus(t *testing.T) {
	data := filepath.Dir(testcorpus.Path(t, "misp-data/warninglists/lists"))
	data = filepath.Dir(data)
	f := inteltest.New(t, inteltest.Options{})
	s := dataService(t, f, data)
	ctx := t.Context()
	start := time.Now()
	list, err := s.Warninglists(ctx, f.ACL("admin"), intel.WarninglistQuery{})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("index of %d lists in %v (first read)", len(list), time.Since(start))
	if len(list) < 100 {
		t.Fatalf("%d lists", len(list))
	}
	got, err := s.SetWarninglistsEnabled(ctx, f.ACL("admin"), nil, []string{"%dns resolv%"}, boolp(true))
	if err != nil || got != (intel.WarninglistToggle{Count: 3, Action: "enabled"}) {
		t.Errorf("enable %%dns resolv%% = %+v, %v", got, err)
	}
	hits, err := s.CheckValue(ctx, f.ACL("user"), []string{"8.8.8.8", "192.0.2.77"})
	if err != nil || len(hits) != 1 || hits[0].Value != "8.8.8.8" || len(hits[0].Hits) == 0 {
		t.Errorf("checkValue = %+v, %v", hits, err)
	}
	start = time.Now()
	filter, err := s.WarninglistFilter(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("filter from the cached lists in %v", time.Since(start))
	if !filter("ip-dst", "8.8.8.8") || filter("ip-dst", "192.0.2.77") {
		t.Error("filter over the corpus")
	}
}

// BenchmarkWarninglistFilter runs the enforceWarninglist filter over the attributes BenchmarkRestSearchCSV exports
// (storetest.BulkEvent: ip-dst in 10/8, domains, URLs, filename|md5), with every list of the corpus enabled:
// ns/attr is what enforcing the warninglists adds to each exported attribute.
func BenchmarkWarninglistFilter(b *testing.B) {
	data := filepath.Dir(filepath.Dir(testcorpus.Path(b, "misp-data/warninglists/lists")))
	f := inteltest.New(b, inteltest.Options{})
	s := dataService(b, f, data)
	ctx := context.Background()
	if _, err := s.SetWarninglistsEnabled(ctx, f.ACL("admin"), nil, []string{"%"}, boolp(true)); err != nil {
		b.Fatal(err)
	}
	ev := storetest.BulkEvent(f.Orgs[inteltest.HostOrg].ID, 0, 20000)
	filter, err := s.WarninglistFilter(ctx)
	if err != nil {
		b.Fatal(err)
	}
	hits := 0
	for _, a := range ev.Attribute {
		if filter(a.Type, a.Value) {
			hits++
		}
	}
	b.Logf("%d of %d attributes hit an enabled list", hits, len(ev.Attribute))
	b.Run("filter", func(b *testing.B) {
		for b.Loop() {
			for _, a := range ev.Attribute {
				filter(a.Type, a.Value)
			}
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(ev.Attribute)), "ns/attr")
	})
	b.Run("build", func(b *testing.B) {
		for b.Loop() {
			if _, err := s.WarninglistFilter(ctx); err != nil {
				b.Fatal(err)
			}
		}
	})
}
