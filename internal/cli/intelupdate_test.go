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
	for _, args := range [][]string{{"--only", "feeds"}, {"--url", "taxonomies"}, {"--url", "x=http://a"}, {"--max-size", "0"}} {
		if code, _, _ := runHunch(t, "", append([]string{"--data", data, "intel", "update"}, args...)...); code != 2 {
			t.Errorf("%v: exit %d, want 2", args, code)
		}
	}
}
