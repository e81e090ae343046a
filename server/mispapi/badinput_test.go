package mispapi

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/hunchsec/hunch/intel/acl"
	"github.com/hunchsec/hunch/misp"
	"github.com/hunchsec/hunch/store"
)

// instanceCounts counts what a refused write must leave unchanged.
func instanceCounts(t *testing.T, a *api) string {
	t.Helper()
	ctx := t.Context()
	all := acl.Conditions{Unrestricted: true}
	ev, err := a.Store.CountEvents(ctx, store.EventFilter{Conditions: all})
	if err != nil {
		t.Fatal(err)
	}
	at, err := a.Store.CountAttributes(ctx, store.AttributeFilter{Conditions: all, Deleted: store.LiveAndDeleted})
	if err != nil {
		t.Fatal(err)
	}
	orgs, _ := a.Store.ListOrgs(ctx)
	users, _ := a.Store.ListUsers(ctx, 0)
	tags, _ := a.Store.ListTags(ctx)
	sgs, _ := a.Store.ListSharingGroups(ctx)
	e, err := a.Store.Event(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf("events %d attributes %d objects %d orgs %d users %d tags %d sharing groups %d info %q",
		ev, at, len(e.Object), len(orgs), len(users), len(tags), len(sgs), e.Info)
}

// TestBadInputWritesNothing sends malformed JSON and wrongly typed bodies to every write endpoint as a site admin:
// each is answered with a MISP-shaped 4xx, never a 5xx, and nothing in the store changes.
func TestBadInputWritesNothing(t *testing.T) {
	a := newAPI(t)
	ev := &misp.Event{Info: "target", OrgID: a.Orgs["ORGNAME"].ID, OrgcID: a.Orgs["ORGNAME"].ID,
		Distribution: "1", Attribute: []misp.Attribute{{Type: "ip-dst", Category: "Network activity", Value: "192.0.2.1"}},
		Object: []misp.Object{{Name: "domain-ip", MetaCategory: "network", Attribute: []misp.Attribute{
			{Type: "domain", Category: "Network activity", ObjectRelation: "domain", Value: "example.com"}}}}}
	if err := a.Store.SaveEvent(t.Context(), ev); err != nil {
		t.Fatal(err)
	}
	before := instanceCounts(t, a)
	paths := []string{
		"/events/add", "/events/edit/1", "/events/freeTextImport/1",
		"/attributes/add/1", "/attributes/edit/1",
		"/objects/add/1", "/objects/edit/" + ev.Object[0].ID.String(),
		"/objectReferences/add", "/sightings/add",
		"/tags/add", "/tags/edit/1", "/tags/attachTagToObject", "/tags/removeTagFromObject",
		"/admin/organisations/add", "/admin/organisations/edit/1", "/admin/users/add", "/admin/users/edit/1",
		"/sharingGroups/add", "/sharingGroups/edit/1", "/sharingGroups/addOrg",
		"/eventReports/add/1",
		"/events/restSearch", "/attributes/restSearch",
	}
	bodies := map[string]string{
		"malformed":        `{"Event": {"info": "x"`,
		"not an object":    `"just a string"`,
		"number":           `12`,
		"wrapper string":   `{"Event": "x", "Attribute": "y", "Object": 3, "Tag": "z", "Organisation": 1, "User": 2, "SharingGroup": 4}`,
		"wrong field type": `{"info": {"a": 1}, "distribution": "banana", "value": {"x": 1}, "type": [1], "name": [], "email": 5, "tag": {"x": {}}, "uuid": 7, "sg_id": "x", "org_id": [], "returnFormat": 5, "value1": {}}`,
		"nested garbage":   `{"Event": {"Attribute": [{"value": {"nested": [1, {"deep": null}]}, "type": 9}], "Object": [{"Attribute": "x"}]}}`,
	}
	// Bodies whose only keys an endpoint does not know are ignored as MISP ignores unknown parameters (an edit that
	// changes nothing, a search without filters); they are sent only where those keys mean something.
	structural := map[string]bool{"wrapper string": true, "nested garbage": true}
	usesWrappers := map[string]bool{"/events/add": true, "/events/edit/1": true, "/attributes/add/1": true,
		"/objects/add/1": true, "/tags/add": true, "/admin/organisations/add": true, "/admin/users/add": true,
		"/sharingGroups/add": true, "/eventReports/add/1": true}
	for _, p := range paths {
		for name, body := range bodies {
			if structural[name] && !usesWrappers[p] {
				continue
			}
			rec := a.do(t, "admin", http.MethodPost, p, body)
			if rec.Code < 400 || rec.Code >= 500 {
				t.Errorf("POST %s (%s): %d, want a 4xx: %.300s", p, name, rec.Code, rec.Body)
				continue
			}
			var e map[string]any
			if err := json.Unmarshal(rec.Body.Bytes(), &e); err != nil || e["message"] == nil || e["name"] == nil {
				t.Errorf("POST %s (%s): %d body %q is not MISP's error shape", p, name, rec.Code, rec.Body)
			}
		}
	}
	if after := instanceCounts(t, a); after != before {
		t.Fatalf("refused writes changed the store:\nbefore %s\nafter  %s", before, after)
	}
	// The limit on decoded (gzip) bodies is MISP-shaped too.
	big := `{"info": "` + strings.Repeat("A", 64<<10) + `"}`
	h := New(Deps{Intel: a.Svc, MaxDecodedBodyBytes: 1 << 10})
	req, _ := http.NewRequest(http.MethodPost, "/events/add", strings.NewReader(string(gzipped(t, []byte(big)))))
	req.Header.Set("Authorization", a.Keys["admin"])
	req.Header.Set("Content-Encoding", "gzip")
	req.Header.Set("Content-Type", "application/json")
	rec := &recorder{header: http.Header{}}
	h.ServeHTTP(rec, req)
	if rec.code != http.StatusRequestEntityTooLarge {
		t.Errorf("gzip body over the limit: %d %s", rec.code, rec.body.String())
	}
	if after := instanceCounts(t, a); after != before {
		t.Fatalf("an oversized body changed the store:\nbefore %s\nafter  %s", before, after)
	}
}
