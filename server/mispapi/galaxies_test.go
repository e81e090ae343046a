package mispapi

import (
	"net/http/httptest"
	"testing"

	"github.com/hunchsec/hunch/misp"
)

// galcApt28 is the id of the first cluster of the test data's second galaxy (threat-actor): APT 28.
const galcApt28 = "2000001"

// galcCluster checks that the reply loads as a cluster of value.
func galcCluster(value string) func(*testing.T, *api, *httptest.ResponseRecorder) {
	return func(t *testing.T, _ *api, rec *httptest.ResponseRecorder) {
		t.Helper()
		c, err := misp.DecodeGalaxyCluster(rec.Body.Bytes())
		if err != nil || c.Value != value || c.TagName == "" {
			t.Errorf("cluster %+v, %v", c, err)
		}
	}
}

// contractGalaxyCases are the galaxies' contract cases, run in the taxonomies group (after taxcServeData).
func contractGalaxyCases() []storeCase {
	attach := func(target string) string { return `{"Galaxy": {"target_id": "` + target + `"}}` }
	return []storeCase{
		{Name: "galaxies_index", As: "user", Method: "GET", Path: "/galaxies/index"},
		{Name: "galaxies_view", As: "user", Method: "GET", Path: "/galaxies/view/2",
			Check: func(t *testing.T, _ *api, rec *httptest.ResponseRecorder) {
				g, err := misp.DecodeGalaxy(rec.Body.Bytes())
				if err != nil || g.Type != "threat-actor" || len(g.GalaxyCluster) != 2 {
					t.Errorf("galaxy %+v, %v", g, err)
				}
			}},
		{Name: "galaxies_view_uuid", As: "user3", Method: "GET", Path: "/galaxies/view/9b8037f7-bc8f-4de1-a797-37266619bc0b"},
		{Name: "galaxies_view_missing", As: "user", Method: "GET", Path: "/galaxies/view/4"},
		{Name: "galaxies_cluster_view", As: "user", Method: "GET", Path: "/galaxy_clusters/view/" + galcApt28,
			Check: galcCluster("APT 28")},
		{Name: "galaxies_cluster_view_uuid", As: "readonly", Method: "GET",
			Path: "/galaxy_clusters/view/75597b7f-54e8-4f14-88c9-e81485ece483.json", Check: galcCluster("Finance")},
		{Name: "galaxies_cluster_view_missing", As: "user", Method: "GET", Path: "/galaxy_clusters/view/2000003"},
		// PyMISP's attach_galaxy_cluster(event, cluster).
		{Name: "galaxies_attach_cluster_event", As: "user", Method: "POST", Path: "/galaxies/attachCluster/1/event/local:0",
			Body: attach(galcApt28), Setup: tagcSetupEvents,
			Check: tagcHasTag(tagcEventHost, false, `misp-galaxy:threat-actor="APT 28"`, false, true)},
		{Name: "galaxies_attach_cluster_attribute_local", As: "user", Method: "POST",
			Path: "/galaxies/attachCluster/" + tagcAttrHost + "/attribute/local:1", Body: attach("1000001"),
			Check: tagcHasTag(tagcEventHost, true, `misp-galaxy:sector="Finance"`, true, true)},
		{Name: "galaxies_attach_cluster_other_orgc", As: "user2", Method: "POST", Path: "/galaxies/attachCluster/1/event/local:0",
			Body: attach(galcApt28)},
		{Name: "galaxies_attach_cluster_invisible", As: "user", Method: "POST", Path: "/galaxies/attachCluster/2/event/local:0",
			Body: attach(galcApt28)},
		{Name: "galaxies_attach_cluster_missing", As: "user", Method: "POST", Path: "/galaxies/attachCluster/1/event/local:0",
			Body: attach("2000009")},
		{Name: "galaxies_attach_cluster_no_body", As: "user", Method: "POST", Path: "/galaxies/attachCluster/1/event/local:0"},
		{Name: "galaxies_attach_cluster_tag_collection", As: "user", Method: "POST",
			Path: "/galaxies/attachCluster/1/tag_collection/local:0", Body: attach(galcApt28)},
	}
}
