package mispapi

import (
	"encoding/json"
	"net/http/httptest"
	"testing"

	"github.com/hunchsec/hunch/misp"
)

// checkSightingCount asserts that the reply is a sighting list PyMISP loads, of n sightings.
func checkSightingCount(n int) func(t *testing.T, a *api, rec *httptest.ResponseRecorder) {
	return func(t *testing.T, _ *api, rec *httptest.ResponseRecorder) {
		var list []json.RawMessage
		if err := json.Unmarshal(rec.Body.Bytes(), &list); err != nil {
			t.Fatalf("not a list: %v", err)
		}
		got, err := misp.DecodeSightings(rec.Body.Bytes())
		if len(list) == 0 {
			got, err = nil, nil
		}
		if err != nil || len(got) != n {
			t.Fatalf("%d sightings (%v), want %d", len(got), err, n)
		}
	}
}

// contractSightingCases are this group's store-backed contract cases (storecontract_test.go). Event 1 is the
// host organisation's, event 2 Org Two's; both are shared with the community and hold 198.51.100.7.
func contractSightingCases() []storeCase {
	seed := func(t *testing.T, a *api) {
		objSeedEvent(t, a, "user", objSeedEventUUID, objSeedIPUUID, objSeedDomainUUID, 1)
		objSeedEvent(t, a, "user2", objSeedEvent2UUID, objSeedIP2UUID, "", 1)
	}
	return []storeCase{
		// pymisp_smoke.py add_sighting: MISPSighting(source, type "0") posted to sightings/add/{attribute id}.
		{Name: "sightings_add_attribute", As: "user", Method: "POST", Path: "/sightings/add/1",
			Body: `{"source": "bifrost-smoke", "type": "0"}`, Setup: seed,
			Check: func(t *testing.T, _ *api, rec *httptest.ResponseRecorder) {
				s, err := misp.DecodeSighting(rec.Body.Bytes())
				if err != nil || s.ID == 0 || s.AttributeID != 1 || s.Source != "bifrost-smoke" {
					t.Fatalf("sighting %+v, %v", s, err)
				}
			}},
		// ... then sightings(attribute): listSightings with the context in the body.
		{Name: "sightings_list_attribute", As: "user", Method: "POST", Path: "/sightings/listSightings",
			Body: `{"context": "attribute", "id": "1"}`, Check: checkSightingCount(1)},
		{Name: "sightings_add_by_uuid_in_body", As: "user2", Method: "POST", Path: "/sightings/add",
			Body: `{"uuid": "` + objSeedIPUUID + `", "type": "1", "source": "org two", "timestamp": "1772355600"}`},
		{Name: "sightings_add_values", As: "user3", Method: "POST", Path: "/sightings/add",
			Body: `{"values": ["198.51.100.7"], "source": "sensor"}`},
		// The default policy: the event's owner sees every sighting; others see their own organisation's.
		{Name: "sightings_list_owner", As: "user", Method: "POST", Path: "/sightings/listSightings",
			Body: `{"context": "attribute", "id": "1"}`, Check: checkSightingCount(3)},
		// PyMISP sightings(attribute, org) adds org_id.
		{Name: "sightings_list_by_org", As: "user", Method: "POST", Path: "/sightings/listSightings",
			Body: `{"context": "attribute", "id": "1", "org_id": "2"}`, Check: checkSightingCount(1)},
		{Name: "sightings_list_other_org", As: "user2", Method: "POST", Path: "/sightings/listSightings",
			Body: `{"context": "attribute", "id": "` + objSeedIPUUID + `"}`, Check: checkSightingCount(1)},
		{Name: "sightings_list_event_other_org", As: "user3", Method: "POST", Path: "/sightings/listSightings",
			Body: `{"context": "event", "id": "2"}`, Check: checkSightingCount(1)},
		{Name: "sightings_list_bad_context", As: "user", Method: "POST", Path: "/sightings/listSightings",
			Body: `{"context": "org", "id": "1"}`},
		{Name: "sightings_list_missing", As: "user", Method: "POST", Path: "/sightings/listSightings",
			Body: `{"context": "attribute", "id": "999"}`},
		{Name: "sightings_add_read_only", As: "readonly", Method: "POST", Path: "/sightings/add/1", Body: `{"type": "0"}`},
		{Name: "sightings_add_no_match", As: "user", Method: "POST", Path: "/sightings/add",
			Body: `{"value": "203.0.113.250"}`},
		{Name: "sightings_add_missing_attribute", As: "user", Method: "POST", Path: "/sightings/add/999", Body: `{}`},
		{Name: "sightings_add_bad_type", As: "user", Method: "POST", Path: "/sightings/add/1", Body: `{"type": "7"}`},
		{Name: "sightings_restsearch_event", As: "user", Method: "POST", Path: "/sightings/restSearch/event",
			Body: `{"id": "1", "returnFormat": "json"}`},
		// PyMISP search_sightings(context="attribute", context_id=1, include_attribute=True, include_event_meta=True).
		{Name: "sightings_restsearch_include", As: "user2", Method: "POST", Path: "/sightings/restSearch/attribute",
			Body: `{"returnFormat": "json", "id": 1, "includeAttribute": true, "includeEvent": true}`},
		// PyMISP sightings() without an entity.
		{Name: "sightings_index", As: "user3", Method: "POST", Path: "/sightings/index", Body: `{}`, Check: checkSightingCount(2)},
		{Name: "sightings_restsearch_filters", As: "admin", Method: "POST", Path: "/sightings/restSearch",
			Body: `{"type": "1", "org_id": 2, "from": "2026-03-01", "last": "36500d"}`},
		{Name: "sightings_restsearch_other_org", As: "user3", Method: "POST", Path: "/sightings/restSearch", Body: `{}`},
		{Name: "sightings_restsearch_context_without_id", As: "user", Method: "POST", Path: "/sightings/restSearch/attribute", Body: `{}`},
		{Name: "sightings_restsearch_bad_last", As: "user", Method: "POST", Path: "/sightings/restSearch", Body: `{"last": "soon"}`},
		{Name: "sightings_delete_other_org", As: "orgadmin2", Method: "POST", Path: "/sightings/delete/1"},
		{Name: "sightings_delete_read_only", As: "readonly", Method: "POST", Path: "/sightings/delete/1"},
		{Name: "sightings_delete", As: "user", Method: "POST", Path: "/sightings/delete/1"},
		{Name: "sightings_delete_missing", As: "orgadmin", Method: "POST", Path: "/sightings/delete/1"},
		{Name: "sightings_delete_not_an_id", As: "orgadmin", Method: "POST", Path: "/sightings/delete/abc"},
	}
}
