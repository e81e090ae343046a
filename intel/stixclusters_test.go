package intel_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/hunchsec/hunch/intel"
	"github.com/hunchsec/hunch/intel/inteltest"
	"github.com/hunchsec/hunch/internal/testcorpus"
)

// TestSTIXClusterMatcher matches STIX object names against the corpus's galaxy clusters, by value and synonym.
func TestSTIXClusterMatcher(t *testing.T) {
	galaxies := testcorpus.Path(t, "misp-data/galaxies")
	dir := t.TempDir()
	if err := os.Symlink(galaxies, filepath.Join(dir, "galaxies")); err != nil {
		t.Fatal(err)
	}
	f := inteltest.New(t, inteltest.Options{DataDir: dir})
	match, err := f.Svc.STIXClusterMatcher(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ typ, name, want string }{
		{"threat-actor", "APT1", `misp-galaxy:threat-actor="APT1"`},
		{"threat-actor", "comment panda", `misp-galaxy:threat-actor="APT1"`},
		{"malware", "Emotet", `misp-galaxy:malpedia="Emotet"`},
		{"malware", "geodo", `misp-galaxy:mitre-malware="Emotet - S0367"`},
		{"threat-actor", "no such actor", ""},
		{"location", "APT1", ""},
	} {
		got, ok := match(tc.typ, tc.name)
		if got != tc.want || ok != (tc.want != "") {
			t.Errorf("%s %q: %q %v, want %q", tc.typ, tc.name, got, ok, tc.want)
		}
	}
	none, err := inteltest.New(t, inteltest.Options{}).Svc.STIXClusterMatcher(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := none("threat-actor", "APT1"); ok {
		t.Error("matched without installed galaxies")
	}
	_ = intel.System
}
