package mispapi

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/hunchsec/hunch/misp"
)

// evSmokeUUID is the uuid of the event the contract cases add as pymisp_smoke's create_event does.
const evSmokeUUID = "5e0c4c27-3f2a-4e0b-9a41-8e1f2d3c4b5a"

// evSmokeBody is what PyMISP's add_event sends for pymisp_smoke's build_event: an unpublished event of distribution
// 0 with five attributes, each with a uuid, comment and to_ids, the sha256 one with its category.
const evSmokeBody = `{"Event": {"uuid": "` + evSmokeUUID + `", "info": "bifrost pymisp smoke 0a1b2c3d4e",
 "distribution": 0, "threat_level_id": 3, "analysis": 0, "date": "2024-01-15", "published": false,
 "Attribute": [
  {"uuid": "7b0f3a5e-1d2c-4b6a-8e9f-0a1b2c3d4e01", "type": "ip-dst", "value": "198.51.23.77", "to_ids": true, "comment": "C2 server (smoke)", "disable_correlation": false},
  {"uuid": "7b0f3a5e-1d2c-4b6a-8e9f-0a1b2c3d4e02", "type": "domain", "value": "smoke-0a1b2c3d4e.example.org", "to_ids": true, "comment": "C2 domain (smoke)", "disable_correlation": false},
  {"uuid": "7b0f3a5e-1d2c-4b6a-8e9f-0a1b2c3d4e03", "type": "sha256", "category": "Payload delivery", "value": "0c5f7e0f5d0b4a7e9a3c2b1d0e8f7a6b5c4d3e2f1a0b9c8d7e6f5a4b3c2d1e0f", "to_ids": true, "comment": "dropper hash (smoke)", "disable_correlation": false},
  {"uuid": "7b0f3a5e-1d2c-4b6a-8e9f-0a1b2c3d4e04", "type": "url", "value": "http://smoke-0a1b2c3d4e.example.org/payload.bin", "to_ids": false, "comment": "not for IDS (smoke)", "disable_correlation": false},
  {"uuid": "7b0f3a5e-1d2c-4b6a-8e9f-0a1b2c3d4e05", "type": "text", "value": "bifrost smoke note 0a1b2c3d4e", "comment": "free text (smoke)", "disable_correlation": false}
 ]}}`

// evDecode parses an {"Event": …} answer as PyMISP does.
func evDecode(t *testing.T, rec *httptest.ResponseRecorder) *misp.Event {
	t.Helper()
	e, err := misp.DecodeEvent(rec.Body.Bytes())
	if err != nil {
		t.Fatalf("answer does not decode as an event: %v\n%s", err, rec.Body)
	}
	return e
}

// evView fetches event ref as user as and decodes it.
func evView(t *testing.T, a *api, as, ref string) *misp.Event {
	t.Helper()
	rec := a.do(t, as, "GET", "/events/view/"+ref, nil)
	wantStatus(t, rec, http.StatusOK)
	return evDecode(t, rec)
}

// contractEventCases are this group's store-backed contract cases (storecontract_test.go): every request shape
// PyMISP sends to the events controller, and the refusals.
func contractEventCases() []storeCase {
	return []storeCase{
		{Name: "events_add_pymisp", As: "user", Method: "POST", Path: "/events/add", Body: evSmokeBody,
			Check: func(t *testing.T, a *api, rec *httptest.ResponseRecorder) {
				e := evDecode(t, rec)
				if e.ID == 0 || e.Info != "bifrost pymisp smoke 0a1b2c3d4e" || e.Distribution.Level() != 0 ||
					e.ThreatLevel != 3 || e.Analysis != 0 || bool(e.Published) {
					t.Fatalf("event %+v", e)
				}
				if len(e.Attribute) != 5 {
					t.Fatalf("%d attributes, want 5", len(e.Attribute))
				}
				by := map[string]misp.Attribute{}
				for _, at := range e.Attribute {
					if at.ID == 0 || at.UUID == "" {
						t.Errorf("attribute without id or uuid: %+v", at)
					}
					by[at.Type] = at
				}
				if ip := by["ip-dst"]; ip.ToIDS != misp.OptBoolOf(true) || ip.Category != "Network activity" || ip.Comment != "C2 server (smoke)" {
					t.Errorf("ip-dst %+v", ip)
				}
				if u := by["url"]; u.ToIDS != misp.OptBoolOf(false) {
					t.Errorf("url to_ids %v", u.ToIDS)
				}
				if e.Org == nil || e.Orgc == nil || e.Org.Name != "ORGNAME" || e.Orgc.Name != "ORGNAME" {
					t.Errorf("Org %+v Orgc %+v", e.Org, e.Orgc)
				}
				if !strings.Contains(rec.Body.String(), `"Sighting":[]`) {
					t.Errorf("no Sighting list: %s", rec.Body)
				}
			}},
		{Name: "events_add_minimal", As: "user", Method: "POST", Path: "/events/add", Body: `{"info": "minimal"}`,
			Check: func(t *testing.T, a *api, rec *httptest.ResponseRecorder) {
				e := evDecode(t, rec)
				if e.Distribution.Level() != 1 || e.ThreatLevel != 4 || e.Analysis != 0 || e.Date.String() != "2026-03-01" {
					t.Fatalf("defaults not applied: %+v", e)
				}
			}},
		{Name: "events_add_metadata", As: "user", Method: "POST", Path: "/events/add/metadata:1",
			Body: `{"Event": {"info": "metadata only", "distribution": 1, "Attribute": [{"type": "domain", "value": "meta.example.com"}]}}`,
			Check: func(t *testing.T, a *api, rec *httptest.ResponseRecorder) {
				e := evDecode(t, rec)
				if len(e.Attribute) != 0 || e.AttributeCount != 1 {
					t.Fatalf("metadata answer holds %d attributes, attribute_count %d", len(e.Attribute), e.AttributeCount)
				}
			}},
		{Name: "events_add_existing_uuid", As: "user", Method: "POST", Path: "/events/add", Body: evSmokeBody,
			Check: func(t *testing.T, a *api, rec *httptest.ResponseRecorder) {
				if rec.Code != http.StatusNotFound || rec.Header().Get("Location") != "/events/1" {
					t.Fatalf("status %d, Location %q", rec.Code, rec.Header().Get("Location"))
				}
			}},
		{Name: "events_add_invalid_value", As: "user", Method: "POST", Path: "/events/add",
			Body: `{"Event": {"info": "bad", "Attribute": [{"type": "ip-dst", "value": "999.1.1.1"}]}}`},
		{Name: "events_add_invalid_type", As: "user", Method: "POST", Path: "/events/add",
			Body: `{"Event": {"info": "bad", "Attribute": [{"type": "no-such-type", "value": "x"}]}}`},
		{Name: "events_add_read_only", As: "readonly", Method: "POST", Path: "/events/add", Body: `{"info": "nope"}`},
		{Name: "events_add_no_body", As: "user", Method: "POST", Path: "/events/add"},
		{Name: "events_add_get", As: "user", Method: "GET", Path: "/events/add"},
		{Name: "events_view", As: "user", Method: "GET", Path: "/events/view/1",
			Check: func(t *testing.T, a *api, rec *httptest.ResponseRecorder) {
				if e := evDecode(t, rec); e.UUID != evSmokeUUID || len(e.Attribute) != 5 {
					t.Fatalf("view %s with %d attributes", e.UUID, len(e.Attribute))
				}
			}},
		{Name: "events_view_uuid_json", As: "user", Method: "GET", Path: "/events/view/" + evSmokeUUID + ".json"},
		{Name: "events_view_post_deleted", As: "user", Method: "POST", Path: "/events/view/1",
			Body: `{"deleted": [0, 1], "extended": 1}`},
		{Name: "events_view_other_org", As: "user2", Method: "GET", Path: "/events/view/1"},
		{Name: "events_view_not_a_ref", As: "user", Method: "GET", Path: "/events/view/abc"},
		{Name: "events_head_present", As: "user", Method: "HEAD", Path: "/events/view/1"},
		{Name: "events_head_unreadable", As: "user2", Method: "HEAD", Path: "/events/view/1"},
		{Name: "events_head_absent", As: "user", Method: "HEAD", Path: "/events/view/999"},
		{Name: "events_edit_not_newer", As: "user", Method: "POST", Path: "/events/edit/1",
			Body: `{"Event": {"info": "stale edit", "timestamp": "1"}}`},
		{Name: "events_edit", As: "user", Method: "POST", Path: "/events/edit/1",
			Body: `{"Event": {"info": "bifrost pymisp smoke 0a1b2c3d4e edited", "Attribute": [{"type": "ip-dst", "value": "198.51.100.9"}]}}`,
			Check: func(t *testing.T, a *api, rec *httptest.ResponseRecorder) {
				e := evDecode(t, rec)
				if !strings.HasSuffix(e.Info, "edited") || len(e.Attribute) != 6 || e.Distribution.Level() != 0 {
					t.Fatalf("edit answered %q with %d attributes, distribution %s", e.Info, len(e.Attribute), e.Distribution)
				}
			}},
		{Name: "events_edit_other_org", As: "user2", Method: "POST", Path: "/events/edit/1", Body: `{"info": "mine now"}`},
		{Name: "events_edit_org_admin", As: "orgadmin", Method: "POST", Path: "/events/edit/2",
			Body: `{"info": "org admin edit"}`},
		{Name: "events_index_eventinfo", As: "user", Method: "POST", Path: "/events/index",
			Body: `{"eventinfo": "0a1b2c3d4e"}`,
			Check: func(t *testing.T, a *api, rec *httptest.ResponseRecorder) {
				var rows []map[string]any
				decode(t, rec, &rows)
				if len(rows) != 1 || rows[0]["id"] != "1" || rec.Header().Get("X-Result-Count") != "1" {
					t.Fatalf("index rows %v, count %q", rows, rec.Header().Get("X-Result-Count"))
				}
				e, err := misp.DecodeEvent(mustJSON(t, rows[0]))
				if err != nil || e.Info == "" {
					t.Fatalf("index row does not load as an event: %v", err)
				}
			}},
		{Name: "events_index_get", As: "user", Method: "GET", Path: "/events/index"},
		{Name: "events_index_other_org", As: "user2", Method: "GET", Path: "/events/index"},
		{Name: "events_index_minimal_sorted", As: "user", Method: "POST", Path: "/events/index",
			Body: `{"minimal": 1, "sort": "id", "direction": "desc", "limit": 2, "page": 1}`},
		{Name: "events_index_filters", As: "user", Method: "POST", Path: "/events/index",
			Body: `{"searchpublished": 0, "threatlevel": "!1", "distribution": [1], "analysis": 0, "eventid": "!1", "datefrom": "2026-01-01"}`},
		{Name: "events_index_injection", As: "user", Method: "POST", Path: "/events/index",
			Body: `{"eventinfo": "' OR 1=1 --", "org": "x'; DROP TABLE events; --"}`},
		{Name: "events_publish_user", As: "user", Method: "POST", Path: "/events/publish/1"},
		{Name: "events_publish_other_org", As: "publisher2", Method: "POST", Path: "/events/publish/1"},
		{Name: "events_publish", As: "publisher", Method: "POST", Path: "/events/publish/1",
			Check: func(t *testing.T, a *api, rec *httptest.ResponseRecorder) {
				if e := evView(t, a, "user", "1"); !bool(e.Published) || e.PublishTimestamp == 0 {
					t.Fatalf("after publish: published %v at %v", e.Published, e.PublishTimestamp)
				}
			}},
		{Name: "events_view_published", As: "user", Method: "GET", Path: "/events/view/1"},
		{Name: "events_alert", As: "publisher", Method: "POST", Path: "/events/alert/1"},
		{Name: "events_unpublish_read_only", As: "readonly", Method: "POST", Path: "/events/unpublish/1"},
		{Name: "events_unpublish", As: "user", Method: "POST", Path: "/events/unpublish/1",
			Check: func(t *testing.T, a *api, rec *httptest.ResponseRecorder) {
				if e := evView(t, a, "user", "1"); bool(e.Published) {
					t.Fatal("still published after unpublish")
				}
			}},
		{Name: "events_freetext_meta", As: "user", Method: "POST", Path: "/events/freeTextImport/1",
			Body: `{"value": "1.1.1.1 foo@bar.de hxxp://evil[.]example.com/x 1.1.1.1", "returnMetaAttributes": true}`},
		{Name: "events_freetext", As: "user", Method: "POST", Path: "/events/freeTextImport/1",
			Body: `{"value": "1.1.1.1 foo@bar.de", "adhereToWarninglists": false, "distribution": 2}`,
			Check: func(t *testing.T, a *api, rec *httptest.ResponseRecorder) {
				var list []struct {
					Attribute misp.Attribute
				}
				decode(t, rec, &list)
				if len(list) != 2 || list[0].Attribute.Value != "1.1.1.1" || list[0].Attribute.ID == 0 ||
					list[0].Attribute.Distribution.Level() != 2 {
					t.Fatalf("freetext added %+v", list)
				}
			}},
		{Name: "events_freetext_again", As: "user", Method: "POST", Path: "/events/freeTextImport/1",
			Body: `{"value": "1.1.1.1"}`},
		{Name: "events_freetext_other_org", As: "user2", Method: "POST", Path: "/events/freeTextImport/1",
			Body: `{"value": "1.1.1.1"}`},
		{Name: "events_delete_refused", As: "user2", Method: "POST", Path: "/events/delete/1"},
		{Name: "events_delete_missing", As: "user", Method: "POST", Path: "/events/delete/999"},
		{Name: "events_delete", As: "user", Method: "DELETE", Path: "/events/delete/1"},
		{Name: "events_head_deleted", As: "user", Method: "HEAD", Path: "/events/view/1"},
		{Name: "events_delete_bulk", As: "user", Method: "POST", Path: "/events/delete", Body: `{"id": [2, 3, 999]}`},
		{Name: "events_delete_bulk_refused", As: "user2", Method: "POST", Path: "/events/delete", Body: `{"id": ["2", "3"]}`},
	}
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
