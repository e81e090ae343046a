package mispapi

import (
	"context"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/hunchsec/hunch/misp"
)

// Fixed uuids of the seeded events and attributes, so that request bodies can name them.
const (
	objSeedEventUUID  = "5f0e1000-0000-4000-8000-000000000001"
	objSeedIPUUID     = "5f0e1000-0000-4000-8000-000000000002"
	objSeedDomainUUID = "5f0e1000-0000-4000-8000-000000000003"
	objObjectUUID     = "5f0e1000-0000-4000-8000-000000000010"
	objSeedEvent2UUID = "5f0e1000-0000-4000-8000-000000000021"
	objSeedIP2UUID    = "5f0e1000-0000-4000-8000-000000000022"
)

// objSeedEvent stores an event of fixture user as's organisation, created by as, at distribution dist, with an
// ip-dst and a domain attribute (whose uuids are given).
func objSeedEvent(t testing.TB, a *api, as, uuid, ipUUID, domainUUID string, dist int) *misp.Event {
	t.Helper()
	u := a.Users[as]
	d, _ := misp.DistributionOf(dist)
	inherit, _ := misp.DistributionOf(5)
	e := &misp.Event{Info: "seeded by " + as, UUID: uuid, OrgID: u.OrgID, OrgcID: u.OrgID, UserID: u.ID,
		Distribution: d, Date: misp.DateOf(contractEpoch)}
	e.Attribute = append(e.Attribute, misp.Attribute{Type: "ip-dst", Category: "Network activity", Value: "198.51.100.7",
		UUID: ipUUID, ToIDS: misp.BoolTrue, Distribution: inherit})
	if domainUUID != "" {
		e.Attribute = append(e.Attribute, misp.Attribute{Type: "domain", Category: "Network activity",
			Value: "seed.example.org", UUID: domainUUID, ToIDS: misp.BoolTrue, Distribution: inherit})
	}
	if err := a.Store.SaveEvent(context.Background(), e); err != nil {
		t.Fatalf("seed event: %v", err)
	}
	return e
}

// checkObject asserts that the reply is an object PyMISP loads (misp.DecodeObject) with an id, the name and the
// attribute relations.
func checkObject(name string, relations ...string) func(t *testing.T, a *api, rec *httptest.ResponseRecorder) {
	return func(t *testing.T, _ *api, rec *httptest.ResponseRecorder) {
		o, err := misp.DecodeObject(rec.Body.Bytes())
		if err != nil {
			t.Fatalf("reply does not decode as an object: %v", err)
		}
		var rels []string
		for _, at := range o.Attribute {
			rels = append(rels, string(at.ObjectRelation))
		}
		slices.Sort(rels)
		if o.ID == 0 || o.Name != name || !slices.Equal(rels, relations) {
			t.Fatalf("object id %d name %q relations %v, want %q %v", o.ID, o.Name, rels, name, relations)
		}
	}
}

// pymispDomainIP is what PyMISP sends for MISPObject('domain-ip') with a domain and an ip (pymisp_smoke.py's
// build_object).
const pymispDomainIP = `{"name": "domain-ip", "meta-category": "network", "description": "A domain/hostname and IP address seen as a tuple in a specific time frame.", "template_uuid": "43b3b146-77eb-4931-b4cc-b66c60f28734", "template_version": "11", "uuid": "` + objObjectUUID + `", "distribution": "5", "sharing_group_id": "0", "comment": "smoke object", "Attribute": [{"uuid": "5f0e1000-0000-4000-8000-000000000011", "object_relation": "domain", "value": "obj-x.example.org", "type": "domain", "to_ids": true, "disable_correlation": false, "category": "Network activity"}, {"uuid": "5f0e1000-0000-4000-8000-000000000012", "object_relation": "ip", "value": "192.0.2.77", "type": "ip-dst", "to_ids": true, "disable_correlation": false, "category": "Network activity"}]}`

// contractObjectCases are this group's store-backed contract cases (storecontract_test.go): objects, object
// references, then event reports.
func contractObjectCases() []storeCase {
	seed := func(t *testing.T, a *api) {
		objSeedEvent(t, a, "user", objSeedEventUUID, objSeedIPUUID, objSeedDomainUUID, 1)
	}
	cases := []storeCase{
		{Name: "objects_add_domain_ip", As: "user", Method: "POST", Path: "/objects/add/1", Body: pymispDomainIP,
			Setup: seed, Check: checkObject("domain-ip", "domain", "ip")},
		{Name: "objects_add_break_on_duplicate", As: "user", Method: "POST", Path: "/objects/add/1/breakOnDuplicate:1",
			Body: `{"name": "domain-ip", "meta-category": "network", "Attribute": [{"object_relation": "domain", "value": "obj-x.example.org", "type": "domain"}, {"object_relation": "ip", "value": "192.0.2.77", "type": "ip-dst"}]}`},
		{Name: "objects_add_unknown_template_by_uuid", As: "user", Method: "POST", Path: "/objects/add/" + objSeedEventUUID,
			Body:  `{"Object": {"name": "hunch-custom", "meta-category": "misc", "Attribute": [{"object_relation": "note", "value": "free text", "type": "text"}]}}`,
			Check: checkObject("hunch-custom", "note")},
		{Name: "objects_add_invalid_value", As: "user", Method: "POST", Path: "/objects/add/1",
			Body: `{"name": "domain-ip", "Attribute": [{"object_relation": "ip", "value": "not-an-ip", "type": "ip-dst"}]}`},
		{Name: "objects_add_read_only", As: "readonly", Method: "POST", Path: "/objects/add/1", Body: pymispDomainIP},
		{Name: "objects_add_other_org", As: "user2", Method: "POST", Path: "/objects/add/1",
			Body: `{"name": "hunch-custom", "Attribute": [{"object_relation": "note", "value": "x", "type": "text"}]}`},
		{Name: "objects_add_missing_event", As: "user", Method: "POST", Path: "/objects/add/999",
			Body: `{"name": "hunch-custom", "Attribute": [{"object_relation": "note", "value": "x", "type": "text"}]}`},
		{Name: "objects_add_malformed", As: "user", Method: "POST", Path: "/objects/add/1", Body: `{"name": `},
		{Name: "objects_view", As: "user2", Method: "GET", Path: "/objects/view/1", Check: checkObject("domain-ip", "domain", "ip")},
		{Name: "objects_view_head_uuid", As: "user", Method: "HEAD", Path: "/objects/view/" + objObjectUUID},
		{Name: "objects_view_head_missing", As: "user", Method: "HEAD", Path: "/objects/view/999"},
		{Name: "objects_reference_add", As: "user", Method: "POST", Path: "/objectReferences/add",
			Body: `{"uuid": "5f0e1000-0000-4000-8000-000000000030", "object_uuid": "` + objObjectUUID + `", "referenced_uuid": "` + objSeedIPUUID + `", "relationship_type": "related-to", "comment": "smoke"}`,
			Check: func(t *testing.T, _ *api, rec *httptest.ResponseRecorder) {
				r, err := misp.DecodeObjectReference(rec.Body.Bytes())
				if err != nil || r.ID == 0 || r.RelationshipType != "related-to" {
					t.Fatalf("reference %+v, %v", r, err)
				}
			}},
		{Name: "objects_reference_add_snake_case_bad_target", As: "user", Method: "POST", Path: "/object_references/add",
			Body: `{"ObjectReference": {"object_uuid": "` + objObjectUUID + `", "referenced_uuid": "5f0e1000-0000-4000-8000-0000000000ff", "relationship_type": "related-to"}}`},
		{Name: "objects_reference_add_other_org", As: "user2", Method: "POST", Path: "/objectReferences/add",
			Body: `{"object_uuid": "` + objObjectUUID + `", "referenced_uuid": "` + objSeedIPUUID + `", "relationship_type": "related-to"}`},
		{Name: "objects_edit", As: "user", Method: "POST", Path: "/objects/edit/1",
			Body:  `{"Object": {"comment": "edited", "Attribute": [{"uuid": "5f0e1000-0000-4000-8000-000000000013", "object_relation": "ip", "value": "192.0.2.78", "type": "ip-dst"}]}}`,
			Check: checkObject("domain-ip", "domain", "ip", "ip")},
		{Name: "objects_edit_not_newer", As: "user", Method: "POST", Path: "/objects/edit/1",
			Body: `{"comment": "stale", "timestamp": "1"}`},
		{Name: "objects_edit_other_org", As: "user2", Method: "POST", Path: "/objects/edit/1", Body: `{"comment": "mine now"}`},
		{Name: "objects_reference_delete", As: "user", Method: "POST", Path: "/objectReferences/delete/1"},
		{Name: "objects_reference_delete_again_hard", As: "user", Method: "POST", Path: "/objectReferences/delete/1/true"},
		{Name: "objects_reference_delete_missing", As: "user", Method: "POST", Path: "/objectReferences/delete/1"},
		{Name: "objects_delete_other_org", As: "user2", Method: "POST", Path: "/objects/delete/1", Body: `{}`},
		{Name: "objects_delete", As: "user", Method: "POST", Path: "/objects/delete/1", Body: `{}`},
		{Name: "objects_view_deleted", As: "user", Method: "GET", Path: "/objects/view/1"},
		{Name: "objects_delete_hard_by_uuid", As: "user", Method: "DELETE", Path: "/objects/delete/" + objObjectUUID + "/1"},
		{Name: "objects_delete_missing", As: "user", Method: "POST", Path: "/objects/delete/1/1"},
		{Name: "objects_wrong_method", As: "user", Method: "GET", Path: "/objects/add/1"},
	}
	return append(cases, contractReportCases()...)
}

func TestObjectAddAppliesDefaults(t *testing.T) {
	a := newAPI(t)
	objSeedEvent(t, a, "user", objSeedEventUUID, objSeedIPUUID, "", 1)
	rec := a.do(t, "user", "POST", "/objects/add/1",
		`{"name": "x", "Attribute": [{"object_relation": "ip", "value": "2001:DB8::1", "type": "ip-dst"}, {"object_relation": "f", "value": "a note", "type": "text"}]}`)
	wantStatus(t, rec, http.StatusOK)
	o, err := misp.DecodeObject(rec.Body.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	if o.Distribution != misp.DistributionInherit {
		t.Errorf("object distribution %q, want inherit", o.Distribution)
	}
	want := map[string]struct {
		cat, value string
		toIDS      bool
	}{
		"ip": {"Network activity", "2001:db8::1", true},
		"f":  {"Other", "a note", false},
	}
	for _, at := range o.Attribute {
		w := want[string(at.ObjectRelation)]
		if at.Category != w.cat || at.Value != w.value || at.ToIDS.Bool() != w.toIDS || at.Distribution != misp.DistributionInherit {
			t.Errorf("attribute %s: category %q value %q to_ids %v distribution %q", at.ObjectRelation, at.Category,
				at.Value, at.ToIDS, at.Distribution)
		}
	}
}

// elementFuzzPaths are the element endpoints FuzzElementBodies posts to.
var elementFuzzPaths = []string{
	"/objects/add/1", "/objects/edit/1", "/objectReferences/add", "/sightings/add", "/sightings/add/1",
	"/sightings/listSightings", "/sightings/restSearch", "/sightings/restSearch/event", "/eventReports/add/1",
	"/eventReports/edit/1", "/objects/delete/1", "/eventReports/index/event_id:1",
}

// FuzzElementBodies posts arbitrary bodies to the object, sighting and event report endpoints: whatever a client
// sends is answered below 500, in JSON.
func FuzzElementBodies(f *testing.F) {
	f.Add(uint8(0), pymispDomainIP)
	f.Add(uint8(2), `{"object_uuid": "`+objObjectUUID+`", "referenced_uuid": "`+objSeedIPUUID+`", "relationship_type": "x"}`)
	f.Add(uint8(3), `{"values": ["198.51.100.7"], "type": "1"}`)
	f.Add(uint8(6), `{"type": "0", "from": "2026-01-01", "last": "7d", "org_id": "1"}`)
	f.Add(uint8(8), `{"name": "r", "content": "c", "distribution": "4", "sharing_group_id": "9"}`)
	a := newAPI(f)
	objSeedEvent(f, a, "user", objSeedEventUUID, objSeedIPUUID, objSeedDomainUUID, 1)
	if rec := a.do(f, "user", "POST", "/objects/add/1", pymispDomainIP); rec.Code != http.StatusOK {
		f.Fatalf("seed object: %d %s", rec.Code, rec.Body)
	}
	f.Fuzz(func(t *testing.T, which uint8, body string) {
		path := elementFuzzPaths[int(which)%len(elementFuzzPaths)]
		rec := a.do(t, "user", "POST", path, body)
		if rec.Code >= 500 {
			t.Fatalf("%s answered %d: %s", path, rec.Code, rec.Body)
		}
		if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
			t.Fatalf("%s answered %d with content type %q", path, rec.Code, ct)
		}
	})
}
