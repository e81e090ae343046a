package cli

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hunchsec/hunch/internal/testcorpus"
)

// TestIntelUpdate installs the four sets from a local copy of the upstream data, then one set from an archive URL
// that fails, which keeps what was installed; bad flags are usage errors.
func TestIntelUpdate(t *testing.T) {
	root := testcorpus.Path(t, "misp-data")
	data := t.TempDir()
	code, out, errs := runHunch(t, "", "--data", data, "-o", "csv", "intel", "update", "--from", root)
	if code != 0 {
		t.Fatalf("update --from: exit %d\n%s", code, errs)
	}
	for _, set := range []string{"objects,", "taxonomies,", "warninglists,", "galaxies,"} {
		if !strings.Contains(out, "\n"+set) {
			t.Errorf("no line for %s in\n%s", set, out)
		}
	}
	for _, p := range []string{"misp-objects/objects/domain-ip/definition.json", "misp/taxonomies/tlp/machinetag.json",
		"misp/warninglists/lists", "misp/galaxies/clusters"} {
		if _, err := os.Stat(filepath.Join(data, p)); err != nil {
			t.Error(err)
		}
	}
	// The store opens with the installed templates: an object of an installed template is validated.
	code, _, errs = runHunch(t, "", "--data", data, "intel", "search", "--type", "domain")
	if code != 0 {
		t.Errorf("search after update: %d %s", code, errs)
	}

	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "gone", http.StatusGone)
	}))
	defer srv.Close()
	code, _, errs = runHunch(t, "", "--data", data, "intel", "update", "--only", "taxonomies", "--url", "taxonomies="+srv.URL+"/t.zip")
	if code == 0 || !strings.Contains(errs, "410") {
		t.Errorf("a failing download: exit %d\n%s", code, errs)
	}
	if _, err := os.Stat(filepath.Join(data, "misp/taxonomies/tlp/machinetag.json")); err != nil {
		t.Errorf("a failed update removed the installed taxonomies: %v", err)
	}
	for _, args := range [][]string{{"--only", "nosuchset"}, {"--url", "taxonomies"}, {"--url", "x=http://a"}, {"--max-size", "0"}} {
		if code, _, _ := runHunch(t, "", append([]string{"--data", data, "intel", "update"}, args...)...); code != 2 {
			t.Errorf("%v: exit %d, want 2", args, code)
		}
	}
}

// TestIntelUpdateFeeds installs MISP's default feed list from a served copy, where feeds/loadDefaultFeeds and
// `hunch intel feed add --defaults` read it, and refuses what is not that list.
func TestIntelUpdateFeeds(t *testing.T) {
	list, err := os.ReadFile("../../intel/testdata/feeds/defaults.json")
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/bad.json" {
			w.Write([]byte(`{"not": "a list"}`))
			return
		}
		w.Write(list)
	}))
	defer srv.Close()
	data := t.TempDir()
	code, _, errs := runHunch(t, "", "--data", data, "intel", "update", "--only", "feeds", "--url", "feeds="+srv.URL+"/defaults.json")
	if code != 0 {
		t.Fatalf("update feeds: exit %d\n%s", code, errs)
	}
	if _, err := os.Stat(filepath.Join(data, "misp/feed-metadata/defaults.json")); err != nil {
		t.Fatal(err)
	}
	code, _, errs = runHunch(t, "", "--data", data, "intel", "update", "--only", "feeds", "--url", "feeds="+srv.URL+"/bad.json")
	if code == 0 || !strings.Contains(errs, "not MISP's feed list") {
		t.Errorf("a bad list: exit %d\n%s", code, errs)
	}
	code, _, errs = runHunch(t, "", "--data", data, "intel", "feed", "add", "--defaults")
	if code != 0 || !strings.Contains(errs, "3 default feed(s) added") {
		t.Errorf("feed add --defaults: exit %d\n%s", code, errs)
	}
}
