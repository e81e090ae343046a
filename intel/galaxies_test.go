package intel_test

import (
	"context"
	"errors"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/hunchsec/hunch/intel"
	"github.com/hunchsec/hunch/intel/acl"
	"github.com/hunchsec/hunch/intel/inteltest"
	"github.com/hunchsec/hunch/internal/testcorpus"
	"github.com/hunchsec/hunch/misp"
	"github.com/hunchsec/hunch/store"
)

func TestGalaxiesIndexAndView(t *testing.T) {
	f := inteltest.New(t, inteltest.Options{})
	s := dataService(t, f, "testdata")
	ctx := t.Context()
	list, err := s.Galaxies(ctx, f.ACL("readonly"))
	if err != nil {
		t.Fatal(err)
	}
	var types []string
	for i, g := range list {
		types = append(types, g.Type)
		if int64(g.ID) != int64(i+1) || len(g.GalaxyCluster) != 0 || !bool(g.Enabled) {
			t.Errorf("galaxy %+v", g)
		}
	}
	if !slices.Equal(types, []string{"sector", "threat-actor", "tool"}) {
		t.Fatalf("galaxies %q", types)
	}
	for _, tc := range []struct {
		id       int64
		clusters []string
	}{{1, []string{"Finance"}}, {2, []string{"APT 28", "Test Panda"}}, {3, nil}} {
		g, err := s.GalaxyByID(ctx, f.ACL("user"), tc.id, true)
		if err != nil {
			t.Fatal(err)
		}
		var values []string
		for _, c := range g.GalaxyCluster {
			values = append(values, c.Value)
		}
		if !slices.Equal(values, tc.clusters) {
			t.Errorf("galaxy %d clusters %q, want %q", tc.id, values, tc.clusters)
		}
	}
	g, err := s.GalaxyByID(ctx, f.ACL("user"), 2, true)
	if err != nil {
		t.Fatal(err)
	}
	c := g.GalaxyCluster[0]
	if c.ID != 2*intel.ClusterIDStride+1 || c.TagName != `misp-galaxy:threat-actor="APT 28"` || c.GalaxyID != 2 ||
		c.CollectionUUID != "7cdff317-a673-4474-84ec-4f1754947823" || !bool(c.Default) || c.Version != 12 ||
		len(c.GalaxyClusterRelation) != 1 || c.GalaxyClusterRelation[0].ReferencedGalaxyClusterType != "similar" ||
		!slices.Equal(c.Meta["synonyms"], []string{"Sofacy", "Fancy Bear"}) {
		t.Fatalf("cluster %+v", c)
	}
	for _, id := range []int64{0, 4} {
		if _, err := s.GalaxyByID(ctx, f.ACL("user"), id, false); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("galaxy %d: %v", id, err)
		}
	}
}

func TestGalaxyClusterByIDAndUUID(t *testing.T) {
	f := inteltest.New(t, inteltest.Options{})
	s := dataService(t, f, "testdata")
	ctx := t.Context()
	for _, ref := range []string{"2000002", "B9E0A1E2-4B6E-4B4E-9D86-8D3C7B2B9A11"} {
		c, err := s.GalaxyCluster(ctx, f.ACL("user3"), ref)
		if err != nil {
			t.Fatal(err)
		}
		if c.Value != "Test Panda" || c.Galaxy == nil || c.Galaxy.Type != "threat-actor" ||
			!slices.ContainsFunc(c.GalaxyElement, func(e misp.GalaxyElement) bool { return e.Key == "country" && e.Value == "CN" }) {
			t.Fatalf("cluster %s = %+v", ref, c)
		}
	}
	for _, ref := range []string{"2000003", "2000000", "4000001", "1", "5b4ee3ea-eee3-4c8e-8323-000000000000", "x"} {
		if _, err := s.GalaxyCluster(ctx, f.ACL("user"), ref); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("cluster %s: %v", ref, err)
		}
	}
}

func TestAttachClusterByRole(t *testing.T) {
	const apt28 = 2*intel.ClusterIDStride + 1
	for _, tc := range []struct {
		user   string
		local  bool
		attr   bool
		target string // "" the host event's id
		want   string
	}{
		{user: "admin"},
		{user: "user", attr: true},
		{user: "user", local: true},
		{user: "user2", want: acl.MsgGlobalTagsOrgc},
		{user: "user2", local: true, want: "attach:" + acl.MsgLocalTagsHostOrg},
		{user: "readonly", want: acl.MsgNoFunctionality},
		{user: "user", target: "private", want: acl.MsgInvalidTarget},
		{user: "user", target: "99", want: acl.MsgInvalidTarget},
	} {
		t.Run(tc.user+"/"+tc.target, func(t *testing.T) {
			f := inteltest.New(t, inteltest.Options{})
			s := dataService(t, f, "testdata")
			ctx := t.Context()
			host, private := tagEvents(t, f)
			target := intel.ClusterTarget{Type: "event", ID: host.ID.String()}
			if tc.attr {
				target = intel.ClusterTarget{Type: "attribute", ID: host.Attribute[0].UUID}
			}
			switch tc.target {
			case "private":
				target.ID = private.UUID
			case "99":
				target.ID = "99"
			}
			_, err := s.AttachCluster(ctx, f.ACL(tc.user), apt28, target, tc.local)
			checkRefusal(t, err, tc.want)
			tag, terr := f.Store.TagByName(ctx, `misp-galaxy:threat-actor="APT 28"`)
			if tc.want != "" {
				return
			}
			if terr != nil || !bool(tag.IsGalaxy) || tag.Colour != "#0088cc" {
				t.Fatalf("cluster tag %+v, %v", tag, terr)
			}
			ev, err := f.Store.Event(ctx, int64(host.ID))
			if err != nil {
				t.Fatal(err)
			}
			tags := ev.Tag
			if tc.attr {
				tags = ev.Attribute[0].Tag
			}
			if !slices.ContainsFunc(tags, func(x misp.Tag) bool { return x.ID == tag.ID && bool(x.Local) == tc.local }) {
				t.Fatalf("tags %+v", tags)
			}
		})
	}
	f := inteltest.New(t, inteltest.Options{})
	s := dataService(t, f, "testdata")
	host, _ := tagEvents(t, f)
	_, err := s.AttachCluster(t.Context(), f.ACL("admin"), 2*intel.ClusterIDStride+9, intel.ClusterTarget{Type: "event", ID: host.ID.String()}, false)
	checkRefusal(t, err, "Invalid Galaxy cluster.")
	_, err = s.AttachCluster(t.Context(), f.ACL("admin"), apt28, intel.ClusterTarget{Type: "tag_collection", ID: "1"}, false)
	checkRefusal(t, err, "Invalid target type.")
}

func TestGalaxiesCorpus(t *testing.T) {
	dir := filepath.Dir(testcorpus.Path(t, "misp-data/galaxies"))
	f := inteltest.New(t, inteltest.Options{})
	s := dataService(t, f, dir)
	ctx := t.Context()
	list, err := s.Galaxies(ctx, f.ACL("user"))
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 131 {
		t.Fatalf("%d galaxies, want 131", len(list))
	}
	// The snapshot holds cluster files for eight galaxies; count each one's clusters.
	counts := map[string]int{}
	for _, g := range list {
		full, err := s.GalaxyByID(ctx, f.ACL("user"), int64(g.ID), true)
		if err != nil {
			t.Fatalf("galaxy %s: %v", g.Type, err)
		}
		if n := len(full.GalaxyCluster); n > 0 {
			counts[g.Type] = n
		}
	}
	// Counted independently (a short Python script over the same files).
	want := map[string]int{"malpedia": 3683, "mitre-attack-pattern": 1266, "mitre-intrusion-set": 191, "mitre-malware": 850,
		"mitre-tool": 97, "ransomware": 2135, "threat-actor": 1041, "tool": 608}
	if !maps.Equal(counts, want) {
		t.Fatalf("cluster counts %v, want %v", counts, want)
	}
	// A cluster found by uuid is the one found by its id.
	mt := slices.IndexFunc(list, func(g misp.Galaxy) bool { return g.Type == "mitre-tool" })
	byID, err := s.GalaxyCluster(ctx, f.ACL("user"), misp.FlexInt(int64(list[mt].ID)*intel.ClusterIDStride+1).String())
	if err != nil {
		t.Fatal(err)
	}
	byUUID, err := s.GalaxyCluster(ctx, f.ACL("user"), byID.UUID)
	if err != nil || byUUID.ID != byID.ID || byID.Value != "Windows Credential Editor - S0005" {
		t.Fatalf("by id %s, by uuid %+v, %v", byID.Value, byUUID, err)
	}
}

// FuzzClusterFile serves an arbitrary cluster file for the threat-actor galaxy: views and lookups never fail on it
// other than with an error, and every cluster found by id is found by its uuid too.
func FuzzClusterFile(f *testing.F) {
	for _, p := range []string{"testdata/galaxies/clusters/threat-actor.json", "testdata/galaxies/clusters/sectors.json"} {
		data, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte(`{"type":"threat-actor","values":[{"value":"x","uuid":"5b4ee3ea-eee3-4c8e-8323-85ae32658754","meta":{"n":1,"s":"a","l":["b",2]}}]}`))
	f.Add([]byte(`{"values":[],"type":"threat-actor"}`))
	fx := inteltest.New(f, inteltest.Options{})
	dir := f.TempDir()
	for _, p := range []string{"galaxies/threat-actor.json", "galaxies/tool.json"} {
		data, err := os.ReadFile(filepath.Join("testdata/galaxies", p))
		if err != nil {
			f.Fatal(err)
		}
		if err := os.MkdirAll(filepath.Join(dir, "galaxies", filepath.Dir(p)), 0o755); err != nil {
			f.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "galaxies", p), data, 0o644); err != nil {
			f.Fatal(err)
		}
	}
	clusters := filepath.Join(dir, "galaxies", "clusters")
	if err := os.MkdirAll(clusters, 0o755); err != nil {
		f.Fatal(err)
	}
	s, err := intel.New(context.Background(), fx.Store, intel.Options{DataDir: dir})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if err := os.WriteFile(filepath.Join(clusters, "actors.json"), data, 0o644); err != nil {
			t.Fatal(err)
		}
		ctx := context.Background()
		g, err := s.GalaxyByID(ctx, fx.ACL("user"), 1, true)
		if err != nil {
			return
		}
		if _, err := misp.EncodeGalaxy(g); err != nil {
			t.Fatalf("encode galaxy: %v", err)
		}
		for _, c := range g.GalaxyCluster {
			byID, err := s.GalaxyCluster(ctx, fx.ACL("user"), c.ID.String())
			if err != nil || byID.Value != c.Value {
				t.Fatalf("cluster %s by id: %+v, %v", c.ID, byID, err)
			}
			if misp.ValidUUID(c.UUID) {
				if _, err := s.GalaxyCluster(ctx, fx.ACL("user"), c.UUID); err != nil {
					t.Fatalf("cluster %s by uuid: %v", c.UUID, err)
				}
			}
		}
	})
}

// BenchmarkGalaxyClusterByUUIDCorpus measures the worst lookup: a cluster by uuid in the last cluster file of the
// corpus (every cluster file is read until it is found).
func BenchmarkGalaxyClusterByUUIDCorpus(b *testing.B) {
	dir := filepath.Dir(testcorpus.Path(b, "misp-data/galaxies"))
	f := inteltest.New(b, inteltest.Options{})
	s := dataService(b, f, dir)
	list, err := s.Galaxies(b.Context(), f.ACL("user"))
	if err != nil {
		b.Fatal(err)
	}
	last := slices.IndexFunc(list, func(g misp.Galaxy) bool { return g.Type == "tool" })
	c, err := s.GalaxyCluster(b.Context(), f.ACL("user"), misp.FlexInt(int64(list[last].ID)*intel.ClusterIDStride+1).String())
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.GalaxyCluster(b.Context(), f.ACL("user"), c.UUID); err != nil {
			b.Fatal(err)
		}
	}
}

// TestEventGalaxyBlocks: an event and an attribute tagged with installed clusters show them in their Galaxy
// blocks, grouped by galaxy, as MISP's events/view does; a tag of a cluster not installed stays a plain tag.
func TestEventGalaxyBlocks(t *testing.T) {
	f := inteltest.New(t, inteltest.Options{})
	s := dataService(t, f, "testdata")
	ctx := t.Context()
	e := &misp.Event{Info: "galaxies", Distribution: misp.Distribution("1"),
		Tag: []misp.Tag{{Name: `misp-galaxy:threat-actor="APT 28"`}, {Name: "tlp:green"},
			{Name: `misp-galaxy:threat-actor="Test Panda"`}, {Name: `misp-galaxy:threat-actor="Not Installed"`}},
		Attribute: []misp.Attribute{{Type: "domain", Value: "bank.example", Distribution: misp.DistributionUnset,
			Tag: []misp.Tag{{Name: `misp-galaxy:sector="Finance"`}}}}}
	added, err := s.AddEvent(ctx, f.ACL("admin"), e, true)
	if err != nil {
		t.Fatal(err)
	}
	v, err := s.ViewEvent(ctx, f.ACL("user"), added.UUID, intel.EventViewOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(v.Galaxy) != 1 || v.Galaxy[0].Type != "threat-actor" || v.Galaxy[0].ID != 2 || len(v.Galaxy[0].GalaxyCluster) != 2 ||
		v.Galaxy[0].GalaxyCluster[0].Value != "APT 28" || v.Galaxy[0].GalaxyCluster[1].Value != "Test Panda" ||
		v.Galaxy[0].GalaxyCluster[0].ID != 2*intel.ClusterIDStride+1 {
		t.Errorf("event galaxies %+v", v.Galaxy)
	}
	if a := v.Attribute[0]; len(a.Galaxy) != 1 || a.Galaxy[0].Type != "sector" || len(a.Galaxy[0].GalaxyCluster) != 1 ||
		a.Galaxy[0].GalaxyCluster[0].Value != "Finance" {
		t.Errorf("attribute galaxies %+v", a.Galaxy)
	}
}
