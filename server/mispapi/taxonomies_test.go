package mispapi

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/hunchsec/hunch/intel"
)

// taxcDataDir holds the hand-written taxonomies and galaxies of intel's tests.
const taxcDataDir = "../../intel/testdata"

// taxcServeData replaces a's handler by one over a service with the test data directory (the same store), as
// `hunch serve` with taxonomies and galaxies installed.
func taxcServeData(t *testing.T, a *api) {
	t.Helper()
	svc, err := intel.New(context.Background(), a.Store, intel.Options{DataDir: taxcDataDir, Now: func() time.Time { return contractEpoch }})
	if err != nil {
		t.Fatal(err)
	}
	a.h = New(Deps{Intel: svc})
}

// taxcIndex checks that the reply is the list PyMISP's taxonomies() loads, with the namespaces in id order.
func taxcIndex(namespaces ...string) func(*testing.T, *api, *httptest.ResponseRecorder) {
	return func(t *testing.T, _ *api, rec *httptest.ResponseRecorder) {
		t.Helper()
		var list []struct {
			Taxonomy struct {
				ID        string `json:"id"`
				Namespace string `json:"namespace"`
			}
			TotalCount int `json:"total_count"`
		}
		decode(t, rec, &list)
		if len(list) != len(namespaces) {
			t.Fatalf("index %+v, want %q", list, namespaces)
		}
		for i, ns := range namespaces {
			if list[i].Taxonomy.Namespace != ns || list[i].TotalCount == 0 {
				t.Errorf("entry %d = %+v, want %s", i, list[i], ns)
			}
		}
	}
}

// contractTaxonomyCases are this group's store-backed contract cases (storecontract_test.go): taxonomies, then
// galaxies (galaxies_test.go), which register with them.
func contractTaxonomyCases() []storeCase {
	cases := []storeCase{
		// pymisp_smoke.py's taxonomies_index against an instance with none installed.
		{Name: "taxonomies_index_none_installed", As: "user", Method: "GET", Path: "/taxonomies/index", Check: taxcIndex()},
		{Name: "taxonomies_index", As: "user", Method: "GET", Path: "/taxonomies/index", Setup: taxcServeData,
			Check: taxcIndex("admiralty-scale", "tlp")},
		{Name: "taxonomies_view", As: "user", Method: "GET", Path: "/taxonomies/view/2"},
		{Name: "taxonomies_view_namespace", As: "readonly", Method: "GET", Path: "/taxonomies/view/admiralty-scale.json"},
		{Name: "taxonomies_view_missing", As: "user", Method: "GET", Path: "/taxonomies/view/3"},
		{Name: "taxonomies_enable", As: "admin", Method: "POST", Path: "/taxonomies/enable/2"},
		{Name: "taxonomies_enable_org_admin", As: "orgadmin", Method: "POST", Path: "/taxonomies/enable/1"},
		{Name: "taxonomies_enable_missing", As: "admin", Method: "POST", Path: "/taxonomies/enable/9"},
		{Name: "taxonomies_enable_get", As: "admin", Method: "GET", Path: "/taxonomies/enable/2"},
		{Name: "taxonomies_addtag_read_only", As: "readonly", Method: "POST", Path: "/taxonomies/addTag/2"},
		{Name: "taxonomies_addtag", As: "user", Method: "POST", Path: "/taxonomies/addTag/2"},
		{Name: "taxonomies_addtag_missing", As: "user", Method: "POST", Path: "/taxonomies/addTag/7"},
		{Name: "taxonomies_index_enabled", As: "user2", Method: "GET", Path: "/taxonomies/index",
			Check: func(t *testing.T, a *api, rec *httptest.ResponseRecorder) {
				var list []struct {
					Taxonomy     struct{ Enabled bool }
					CurrentCount int `json:"current_count"`
				}
				if err := json.Unmarshal(rec.Body.Bytes(), &list); err != nil || len(list) != 2 ||
					!list[1].Taxonomy.Enabled || list[1].CurrentCount != 4 || list[0].Taxonomy.Enabled {
					t.Errorf("index after enable and addTag: %+v, %v", list, err)
				}
			}},
		{Name: "taxonomies_disable", As: "admin", Method: "POST", Path: "/taxonomies/disable/2"},
	}
	return append(cases, contractGalaxyCases()...)
}
