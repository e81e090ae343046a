package mispapi

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/hunchsec/hunch/intel/acl"
	"github.com/hunchsec/hunch/intel/inteltest"
	"github.com/hunchsec/hunch/misp"
	"github.com/hunchsec/hunch/store"
)

// The events the attribute contract cases work on: one of the host organisation (distribution 1, published, so
// that adds unpublish it), one Org Two keeps to itself (distribution 0) and one Org Two shares with everyone.
const (
	attrEventHost   = "a0000000-0000-4000-8000-000000000001"
	attrEventHidden = "a0000000-0000-4000-8000-000000000002"
	attrEventShared = "a0000000-0000-4000-8000-000000000003"
	// attrHiddenUUID is an attribute of attrEventHidden; attrSharedUUID one of attrEventShared.
	attrHiddenUUID = "b0000000-0000-4000-8000-000000000002"
	attrSharedUUID = "b0000000-0000-4000-8000-000000000003"
	// attrPyMISPUUID is the uuid PyMISP gave the attribute it adds.
	attrPyMISPUUID = "cf53889a-40f9-4361-a2a9-863ff8ada140"
)

// attrSetupEvents stores the cases' events directly in the store, and a read-only key for "user" as "user_ro".
func attrSetupEvents(t testing.TB, a *api) {
	t.Helper()
	ctx := context.Background()
	dist := func(n int) misp.Distribution {
		d, _ := misp.DistributionOf(n)
		return d
	}
	host, two := a.Orgs[inteltest.HostOrg], a.Orgs[inteltest.OrgTwo]
	events := []*misp.Event{
		{UUID: attrEventHost, Info: "host event", OrgID: host.ID, OrgcID: host.ID, UserID: a.Users["user"].ID,
			Distribution: dist(1), Published: true},
		{UUID: attrEventHidden, Info: "org two private", OrgID: two.ID, OrgcID: two.ID, UserID: a.Users["user2"].ID,
			Distribution: dist(0), Attribute: []misp.Attribute{{UUID: attrHiddenUUID, Type: "ip-dst",
				Category: "Network activity", Value: "198.51.100.2", ToIDS: misp.OptBoolOf(true), Distribution: dist(5)}}},
		{UUID: attrEventShared, Info: "org two shared", OrgID: two.ID, OrgcID: two.ID, UserID: a.Users["user2"].ID,
			Distribution: dist(3), Attribute: []misp.Attribute{{UUID: attrSharedUUID, Type: "ip-dst",
				Category: "Network activity", Value: "198.51.100.3", ToIDS: misp.OptBoolOf(true), Distribution: dist(5)}}},
	}
	for _, e := range events {
		if err := a.Store.SaveEvent(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	key := inteltest.Key("userro")
	hash, err := acl.HashKey(key)
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Store.AddAuthKey(ctx, &store.AuthKey{UserID: int64(a.Users["user"].ID), Hash: hash,
		Start: acl.KeyStart(key), End: acl.KeyEnd(key), ReadOnly: true}); err != nil {
		t.Fatal(err)
	}
	a.Keys["user_ro"] = key
}

// attrReply decodes an {"Attribute": {…}} reply, failing the test on anything else.
func attrReply(t *testing.T, rec *httptest.ResponseRecorder) *misp.Attribute {
	t.Helper()
	if rec.Code != http.StatusOK {
		t.Fatalf("status %d: %s", rec.Code, rec.Body)
	}
	at, err := misp.DecodeAttribute(rec.Body.Bytes())
	if err != nil {
		t.Fatalf("reply does not decode as an attribute: %v\n%s", err, rec.Body)
	}
	return at
}

// attrEventOf loads event uuid from the store.
func attrEventOf(t *testing.T, a *api, uuid string) *misp.Event {
	t.Helper()
	ev, err := a.Store.EventByUUID(context.Background(), uuid)
	if err != nil {
		t.Fatal(err)
	}
	return ev
}

// attrLive returns the live attribute of event uuid with value, or nil.
func attrLive(t *testing.T, a *api, uuid, value string) *misp.Attribute {
	t.Helper()
	for _, at := range attrEventOf(t, a, uuid).Attribute {
		if at.Value == value && !at.Deleted {
			return &at
		}
	}
	return nil
}

// contractAttributeCases are this group's store-backed contract cases (storecontract_test.go): the requests
// PyMISP's add_attribute, get_attribute, attribute_exists, update_attribute, delete_attribute and
// restore_attribute send, and MISP's refusals.
func contractAttributeCases() []storeCase {
	const add = "/attributes/add/" + attrEventHost
	// The bodies PyMISP 2.5.34 sends (MISPAttribute.to_json), recorded from its source.
	const pymispAdd = `{"uuid":"` + attrPyMISPUUID + `","type":"hostname","value":"host-1.example.net","category":"Network activity","to_ids":true,"disable_correlation":false,"comment":"added later (smoke)"}`
	const pymispUpdate = `{"uuid":"` + attrPyMISPUUID + `","Tag":[{"id":"1","name":"tlp:green","colour":"#339900","exportable":true,"org_id":"0","user_id":"0","hide_tag":false,"is_galaxy":false,"is_custom_galaxy":false,"local_only":false,"local":false}],"type":"hostname","value":"host-1.example.net","category":"Network activity","to_ids":false,"distribution":"5","id":"3","event_id":"1","sharing_group_id":"0","disable_correlation":false,"comment":"updated by smoke","deleted":false,"object_id":"0"}`
	const pymispSoftDelete = `{"uuid":"` + attrPyMISPUUID + `","type":"hostname","value":"host-1.example.net","category":"Network activity","to_ids":false,"distribution":"5","id":"3","event_id":"1","sharing_group_id":"0","disable_correlation":false,"comment":"updated by smoke","deleted":true,"object_id":"0"}`
	return []storeCase{
		{Name: "attributes_add_pymisp", As: "user", Method: "POST", Path: add, Body: pymispAdd,
			Setup: func(t *testing.T, a *api) { attrSetupEvents(t, a) },
			Check: func(t *testing.T, a *api, rec *httptest.ResponseRecorder) {
				at := attrReply(t, rec)
				ev := attrEventOf(t, a, attrEventHost)
				if at.EventID != ev.ID || at.UUID != attrPyMISPUUID || !at.ToIDS.Bool() || at.Distribution.Level() != 5 {
					t.Errorf("added attribute %+v", at)
				}
				if ev.Published {
					t.Error("adding an attribute left the event published")
				}
			}},
		{Name: "attributes_add_wrapped_defaults", As: "user", Method: "POST", Path: "/attributes/add/1",
			Body: `{"Attribute":{"type":"ip-dst","value":"192.0.2.10","comment":"C2 server"}}`,
			Check: func(t *testing.T, a *api, rec *httptest.ResponseRecorder) {
				at := attrReply(t, rec)
				if at.Category != "Network activity" || !at.ToIDS.Bool() || at.Value != "192.0.2.10" {
					t.Errorf("defaults not applied: %+v", at)
				}
			}},
		{Name: "attributes_add_list", As: "user", Method: "POST", Path: add,
			Body: `[{"type":"url","value":"http://198.51.100.7/x","to_ids":false},{"type":"md5","value":"D41D8CD98F00B204E9800998ECF8427E"},{"type":"ip-dst","value":"not-an-ip"}]`,
			Check: func(t *testing.T, a *api, rec *httptest.ResponseRecorder) {
				var reply struct {
					Attribute []map[string]any
					Errors    map[string]map[string][]string `json:"errors"`
				}
				decode(t, rec, &reply)
				if len(reply.Attribute) != 2 || len(reply.Errors["attribute_2"]["value"]) != 1 {
					t.Errorf("list reply %+v", reply)
				}
				if reply.Attribute[1]["value"] != "d41d8cd98f00b204e9800998ecf8427e" {
					t.Errorf("md5 not normalised: %v", reply.Attribute[1]["value"])
				}
			}},
		{Name: "attributes_add_value_array", As: "user", Method: "POST", Path: add,
			Body: `{"type":"domain","value":["a.example.org","b.example.org"],"comment":"batch"}`,
			Check: func(t *testing.T, a *api, rec *httptest.ResponseRecorder) {
				if attrLive(t, a, attrEventHost, "a.example.org") == nil || attrLive(t, a, attrEventHost, "b.example.org") == nil {
					t.Error("value array did not add one attribute per value")
				}
			}},
		{Name: "attributes_add_numeric_value", As: "user", Method: "POST", Path: add, Body: `{"type":"AS","value":64500}`},
		{Name: "attributes_add_duplicate", As: "user", Method: "POST", Path: add,
			Body: `{"type":"ip-dst","value":"192.0.2.10"}`},
		{Name: "attributes_add_list_all_fail", As: "user", Method: "POST", Path: add,
			Body: `[{"type":"ip-dst","value":"192.0.2.10"},{"type":"nope","value":"x"}]`},
		{Name: "attributes_add_break_on_duplicate_0", As: "user", Method: "POST", Path: add + "/breakOnDuplicate:0",
			Body: `{"type":"ip-dst","value":"192.0.2.10","comment":"seen again"}`,
			Check: func(t *testing.T, a *api, rec *httptest.ResponseRecorder) {
				at := attrReply(t, rec)
				if at.ID != 4 || at.Comment != "seen again" {
					t.Errorf("breakOnDuplicate:0 did not update attribute 4: %+v", at)
				}
			}},
		{Name: "attributes_add_invalid_value", As: "user", Method: "POST", Path: add,
			Body: `{"type":"ip-dst","value":"999.1.1.1"}`},
		{Name: "attributes_add_unknown_type", As: "user", Method: "POST", Path: add,
			Body: `{"type":"no-such-type","value":"x"}`},
		{Name: "attributes_add_wrong_category", As: "user", Method: "POST", Path: add,
			Body: `{"type":"ip-dst","category":"Financial fraud","value":"192.0.2.11"}`},
		{Name: "attributes_add_seen_order", As: "user", Method: "POST", Path: add,
			Body: `{"type":"ip-dst","value":"192.0.2.12","first_seen":"2024-02-01T00:00:00Z","last_seen":"2024-01-01T00:00:00Z"}`},
		{Name: "attributes_add_sharing_group_denied", As: "user", Method: "POST", Path: add,
			Body: `{"type":"ip-dst","value":"192.0.2.13","distribution":4,"sharing_group_id":99}`},
		{Name: "attributes_add_tags_created_by_tag_editor", As: "orgadmin", Method: "POST", Path: add,
			Body: `{"type":"ip-dst","value":"192.0.2.14","Tag":[{"name":"hunch:test=\"new\""}]}`,
			Check: func(t *testing.T, a *api, rec *httptest.ResponseRecorder) {
				if at := attrReply(t, rec); len(at.Tag) != 1 || at.Tag[0].Name != `hunch:test="new"` {
					t.Errorf("tag not attached: %+v", at.Tag)
				}
			}},
		{Name: "attributes_add_tags_existing_and_unknown", As: "user", Method: "POST", Path: add,
			Body: `{"type":"ip-dst","value":"192.0.2.15","Tag":[{"name":"HUNCH:TEST=\"new\""},{"name":"not-created"}]}`,
			Check: func(t *testing.T, a *api, rec *httptest.ResponseRecorder) {
				if at := attrReply(t, rec); len(at.Tag) != 1 || at.Tag[0].Name != `hunch:test="new"` {
					t.Errorf("a user without perm_tag_editor should get the existing tag only: %+v", at.Tag)
				}
			}},
		{Name: "attributes_add_unreadable_event", As: "user", Method: "POST", Path: "/attributes/add/" + attrEventHidden,
			Body: `{"type":"ip-dst","value":"192.0.2.20"}`},
		{Name: "attributes_add_missing_event", As: "user", Method: "POST", Path: "/attributes/add/999",
			Body: `{"type":"ip-dst","value":"192.0.2.20"}`},
		{Name: "attributes_add_other_org", As: "user", Method: "POST", Path: "/attributes/add/" + attrEventShared,
			Body: `{"type":"ip-dst","value":"192.0.2.21"}`},
		{Name: "attributes_add_read_only_key", As: "user_ro", Method: "POST", Path: add,
			Body: `{"type":"ip-dst","value":"192.0.2.22"}`},
		{Name: "attributes_add_read_only_role", As: "readonly", Method: "POST", Path: add,
			Body: `{"type":"ip-dst","value":"192.0.2.22"}`},
		{Name: "attributes_add_malformed_json", As: "user", Method: "POST", Path: add, Body: `{"type":`},
		{Name: "attributes_add_no_event", As: "user", Method: "POST", Path: "/attributes/add",
			Body: `{"type":"ip-dst","value":"192.0.2.23"}`},
		{Name: "attributes_add_get", As: "user", Method: "GET", Path: add},

		{Name: "attributes_view_id", As: "user", Method: "GET", Path: "/attributes/view/3",
			Check: func(t *testing.T, a *api, rec *httptest.ResponseRecorder) {
				if at := attrReply(t, rec); at.UUID != attrPyMISPUUID {
					t.Errorf("view 3 = %+v", at)
				}
			}},
		{Name: "attributes_view_uuid_json", As: "user2", Method: "GET", Path: "/attributes/view/" + attrPyMISPUUID + ".json"},
		{Name: "attributes_view_head", As: "user", Method: "HEAD", Path: "/attributes/view/" + attrPyMISPUUID},
		{Name: "attributes_view_head_unreadable", As: "user", Method: "HEAD", Path: "/attributes/view/" + attrHiddenUUID},
		{Name: "attributes_view_unreadable", As: "user", Method: "GET", Path: "/attributes/view/" + attrHiddenUUID},
		{Name: "attributes_view_owner_org", As: "user2", Method: "GET", Path: "/attributes/view/" + attrHiddenUUID},
		{Name: "attributes_view_missing", As: "admin", Method: "GET", Path: "/attributes/view/12345"},
		{Name: "attributes_view_not_a_ref", As: "admin", Method: "GET", Path: "/attributes/view/abc"},

		{Name: "attributes_edit_pymisp", As: "user", Method: "POST", Path: "/attributes/edit/" + attrPyMISPUUID,
			Body: pymispUpdate,
			Setup: func(t *testing.T, a *api) {
				// tlp:green exists, as on every MISP instance with the tlp taxonomy.
				if err := a.Store.CreateTag(context.Background(), &misp.Tag{Name: "tlp:green", Colour: "#339900", Exportable: true}); err != nil {
					t.Fatal(err)
				}
			},
			Check: func(t *testing.T, a *api, rec *httptest.ResponseRecorder) {
				at := attrReply(t, rec)
				if at.Comment != "updated by smoke" || at.ToIDS.Bool() || len(at.Tag) != 1 || at.Tag[0].Name != "tlp:green" {
					t.Errorf("edit not applied: %+v", at)
				}
				back := a.do(t, "user", "GET", "/attributes/view/3", nil)
				if b := attrReply(t, back); b.Comment != "updated by smoke" || b.Timestamp <= 0 {
					t.Errorf("edit not persisted: %+v", b)
				}
			}},
		{Name: "attributes_edit_put_partial", As: "user", Method: "PUT", Path: "/attributes/edit/4",
			Body: `{"Attribute":{"comment":"only the comment"}}`,
			Check: func(t *testing.T, a *api, rec *httptest.ResponseRecorder) {
				if at := attrReply(t, rec); at.Comment != "only the comment" || at.Value != "192.0.2.10" || !at.ToIDS.Bool() {
					t.Errorf("partial edit changed more than the comment: %+v", at)
				}
			}},
		{Name: "attributes_edit_not_newer", As: "user", Method: "POST", Path: "/attributes/edit/4",
			Body: `{"comment":"stale","timestamp":"1"}`},
		{Name: "attributes_edit_newer_timestamp", As: "user", Method: "POST", Path: "/attributes/edit/4",
			Body: `{"comment":"from sync","timestamp":"2000000000"}`},
		{Name: "attributes_edit_invalid_value", As: "user", Method: "POST", Path: "/attributes/edit/4",
			Body: `{"value":"not-an-ip"}`},
		{Name: "attributes_edit_duplicate", As: "user", Method: "POST", Path: "/attributes/edit/" + attrPyMISPUUID,
			Body: `{"type":"ip-dst","value":"192.0.2.10"}`},
		{Name: "attributes_edit_other_org", As: "user2", Method: "POST", Path: "/attributes/edit/4",
			Body: `{"comment":"not mine"}`},
		{Name: "attributes_edit_unreadable", As: "user", Method: "POST", Path: "/attributes/edit/" + attrHiddenUUID,
			Body: `{"comment":"hidden"}`},
		{Name: "attributes_edit_read_only_key", As: "user_ro", Method: "POST", Path: "/attributes/edit/4",
			Body: `{"comment":"read only"}`},
		{Name: "attributes_edit_no_ref", As: "user", Method: "POST", Path: "/attributes/edit",
			Body: `{"uuid":"` + attrPyMISPUUID + `","comment":"no path"}`},
		{Name: "attributes_edit_read_only_role_unreadable", As: "readonly", Method: "POST", Path: "/attributes/edit/" + attrHiddenUUID,
			Body: `{"comment":"read only"}`},

		{Name: "attributes_delete_pymisp", As: "user", Method: "POST", Path: "/attributes/delete/5", Body: `{}`,
			Check: func(t *testing.T, a *api, rec *httptest.ResponseRecorder) {
				wantStatus(t, a.do(t, "user", "GET", "/attributes/view/5", nil), http.StatusNotFound)
				wantStatus(t, a.do(t, "user", "HEAD", "/attributes/view/5", nil), http.StatusNotFound)
			}},
		{Name: "attributes_delete_again", As: "user", Method: "POST", Path: "/attributes/delete/5"},
		{Name: "attributes_restore", As: "user", Method: "POST", Path: "/attributes/restore/5",
			Check: func(t *testing.T, a *api, rec *httptest.ResponseRecorder) {
				if at := attrReply(t, rec); at.Deleted {
					t.Errorf("restored attribute still deleted: %+v", at)
				}
			}},
		{Name: "attributes_restore_duplicate", As: "user", Method: "POST", Path: "/attributes/restore/5",
			Setup: func(t *testing.T, a *api) {
				wantStatus(t, a.do(t, "user", "POST", "/attributes/delete/5", nil), http.StatusOK)
				wantStatus(t, a.do(t, "user", "POST", add, `{"type":"url","value":"http://198.51.100.7/x"}`), http.StatusOK)
			}},
		{Name: "attributes_delete_other_org", As: "user2", Method: "POST", Path: "/attributes/delete/4"},
		{Name: "attributes_delete_unreadable", As: "user", Method: "POST", Path: "/attributes/delete/" + attrHiddenUUID},
		{Name: "attributes_delete_read_only_role", As: "readonly", Method: "DELETE", Path: "/attributes/delete/4"},
		{Name: "attributes_edit_pymisp_soft_delete", As: "user", Method: "POST", Path: "/attributes/edit/" + attrPyMISPUUID,
			Body: pymispSoftDelete},
		{Name: "attributes_delete_hard_path", As: "user", Method: "POST", Path: "/attributes/delete/" + attrPyMISPUUID + "/1",
			Check: func(t *testing.T, a *api, rec *httptest.ResponseRecorder) {
				if _, err := a.Store.AttributeByUUID(context.Background(), attrPyMISPUUID); err == nil {
					t.Error("hard delete left the attribute in the store")
				}
			}},
		{Name: "attributes_delete_hard_body", As: "admin", Method: "POST", Path: "/attributes/delete/4", Body: `{"hard":1}`},
		{Name: "attributes_restore_missing", As: "user", Method: "POST", Path: "/attributes/restore/4"},
		{Name: "attributes_delete_get", As: "user", Method: "GET", Path: "/attributes/delete/3"},
	}
}

// TestAttributeEndpointsNeverAnswer5xx sends attribute bodies of wrong shapes and types; each must get a 4xx.
func TestAttributeEndpointsNeverAnswer5xx(t *testing.T) {
	a := newAPI(t)
	attrSetupEvents(t, a)
	bodies := []string{`[]`, `[1,2]`, `"x"`, `{"value":{"a":1}}`, `{"type":1,"value":"x"}`, `[{"Attribute":[]}]`,
		`{"type":"ip-dst","value":["1.2.3.4",{}]}`, `{"type":"ip-dst","value":"1.2.3.4","distribution":"9"}`,
		`{"type":"ip-dst","value":"1.2.3.4","uuid":"not-a-uuid"}`, `{"type":"ip-dst","value":"1.2.3.4","Tag":"x"}`,
		`{"type":"ip-dst","value":"1.2.3.4' OR 1=1 --"}`, strings.Repeat("[", 500)}
	for _, path := range []string{"/attributes/add/" + attrEventHost, "/attributes/edit/" + attrSharedUUID} {
		for _, b := range bodies {
			rec := a.do(t, "admin", "POST", path, b)
			if rec.Code < 400 && rec.Code != http.StatusOK || rec.Code >= 500 {
				t.Errorf("%s %s: %d %s", path, b, rec.Code, rec.Body)
			}
		}
	}
}

// attrFuzzPaths are the attribute endpoints that read a body.
var attrFuzzPaths = []string{"/attributes/add/" + attrEventHost, "/attributes/add/" + attrEventHost + "/breakOnDuplicate:0",
	"/attributes/edit/" + attrSharedUUID, "/attributes/edit/1", "/attributes/delete/" + attrSharedUUID,
	"/attributes/restore/1"}

// FuzzAttributeBodies sends arbitrary bodies to the attribute endpoints as a site admin: every answer is JSON and
// none is a 5xx.
func FuzzAttributeBodies(f *testing.F) {
	f.Add(uint8(0), `{"uuid":"`+attrPyMISPUUID+`","type":"hostname","value":"host-1.example.net","to_ids":true}`)
	f.Add(uint8(0), `[{"type":"url","value":"http://198.51.100.7/x"},{"type":"md5","value":"x"}]`)
	f.Add(uint8(0), `{"type":"domain","value":["a.example.org",1,null,{"x":1}],"Tag":[{"name":"t"}]}`)
	f.Add(uint8(1), `{"Attribute":{"type":"ip-dst","value":"198.51.100.3","distribution":4,"sharing_group_id":"1"}}`)
	f.Add(uint8(2), `{"comment":"x","timestamp":"1","first_seen":"2020-01-01","last_seen":"2019-01-01"}`)
	f.Add(uint8(3), `{"type":"AS","value":64500,"deleted":true}`)
	f.Add(uint8(4), `{"hard":"1"}`)
	a := newAPI(f)
	attrSetupEvents(f, a)
	f.Fuzz(func(t *testing.T, which uint8, body string) {
		path := attrFuzzPaths[int(which)%len(attrFuzzPaths)]
		rec := a.do(t, "admin", "POST", path, body)
		if rec.Code >= 500 {
			t.Fatalf("%s answered %d: %s", path, rec.Code, rec.Body)
		}
		if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
			t.Fatalf("%s answered %d with content type %q", path, rec.Code, ct)
		}
	})
}

// BenchmarkAttributesAdd measures attributes/add of one attribute through the handler over SQLite, as PyMISP's
// add_attribute sends it.
func BenchmarkAttributesAdd(b *testing.B) {
	a := newAPI(b)
	attrSetupEvents(b, a)
	path := "/attributes/add/" + attrEventHost
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		body := fmt.Sprintf(`{"type":"domain","value":"bench-%d.example.org","to_ids":true,"comment":"bench"}`, i)
		if rec := a.do(b, "user", "POST", path, body); rec.Code != http.StatusOK {
			b.Fatalf("%d %s", rec.Code, rec.Body)
		}
	}
}
