package mispapi

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/hunchsec/hunch/intel/inteltest"
	"github.com/hunchsec/hunch/misp"
)

// The events the tag contract cases work on: a published one of the host organisation with one attribute, one
// Org Two keeps to itself (distribution 0) and one Org Two shares with everyone.
const (
	tagcEventHost    = "c0000000-0000-4000-8000-000000000001"
	tagcEventPrivate = "c0000000-0000-4000-8000-000000000002"
	tagcEventShared  = "c0000000-0000-4000-8000-000000000003"
	tagcAttrHost     = "d0000000-0000-4000-8000-000000000001"
	tagcAttrPrivate  = "d0000000-0000-4000-8000-000000000002"
	// tagcSmokeTag is the custom machine tag pymisp_smoke.py attaches to an attribute (auto-created).
	tagcSmokeTag = `bifrost-smoke:run="3f9a0c1b2d"`
)

// tagcSetupEvents stores the cases' events directly in the store (a contract case's Setup).
func tagcSetupEvents(t *testing.T, a *api) { tagcSeedEvents(t, a) }

// tagcSeedEvents stores the cases' events directly in the store.
func tagcSeedEvents(t testing.TB, a *api) {
	t.Helper()
	d := func(n int) misp.Distribution {
		v, _ := misp.DistributionOf(n)
		return v
	}
	host, two := a.Orgs[inteltest.HostOrg], a.Orgs[inteltest.OrgTwo]
	for _, e := range []*misp.Event{
		{UUID: tagcEventHost, Info: "host event", OrgID: host.ID, OrgcID: host.ID, UserID: a.Users["user"].ID,
			Distribution: d(1), Published: true, Attribute: []misp.Attribute{{UUID: tagcAttrHost, Type: "ip-dst",
				Category: "Network activity", Value: "198.51.100.7", Distribution: d(5)}}},
		{UUID: tagcEventPrivate, Info: "org two private", OrgID: two.ID, OrgcID: two.ID, UserID: a.Users["user2"].ID,
			Distribution: d(0), Attribute: []misp.Attribute{{UUID: tagcAttrPrivate, Type: "domain",
				Category: "Network activity", Value: "private.example", Distribution: d(5)}}},
		{UUID: tagcEventShared, Info: "org two shared", OrgID: two.ID, OrgcID: two.ID, UserID: a.Users["user2"].ID,
			Distribution: d(3)},
	} {
		if err := a.Store.SaveEvent(context.Background(), e); err != nil {
			t.Fatal(err)
		}
	}
}

// tagcHasTag checks that the stored event (or its first attribute, with attr) carries tag name, local or not.
func tagcHasTag(uuid string, attr bool, name string, local, want bool) func(*testing.T, *api, *httptest.ResponseRecorder) {
	return func(t *testing.T, a *api, _ *httptest.ResponseRecorder) {
		t.Helper()
		ev, err := a.Store.EventByUUID(context.Background(), uuid)
		if err != nil {
			t.Fatal(err)
		}
		tags := ev.Tag
		if attr {
			tags = ev.Attribute[0].Tag
		}
		got := slices.ContainsFunc(tags, func(x misp.Tag) bool { return x.Name == name && bool(x.Local) == local })
		if got != want {
			t.Errorf("tag %s (local %v) attached = %v, want %v; tags %+v", name, local, got, want, tags)
		}
	}
}

// tagcDecodesTag checks that the reply is a {"Tag": {…}} PyMISP can load.
func tagcDecodesTag(name string) func(*testing.T, *api, *httptest.ResponseRecorder) {
	return func(t *testing.T, _ *api, rec *httptest.ResponseRecorder) {
		t.Helper()
		tag, err := misp.DecodeTag(rec.Body.Bytes())
		if err != nil || tag.Name != name || tag.ID == 0 {
			t.Errorf("reply tag %+v, %v", tag, err)
		}
	}
}

// contractTagCases are this group's store-backed contract cases (storecontract_test.go).
func contractTagCases() []storeCase {
	attach := func(uuid, tag string, local bool) string {
		l := "false"
		if local {
			l = "true"
		}
		return `{"uuid": "` + uuid + `", "tag": ` + tag + `, "local": ` + l + `}`
	}
	return []storeCase{
		{Name: "tags_add", As: "admin", Method: "POST", Path: "/tags/add", Setup: tagcSetupEvents,
			Body:  `{"Tag": {"name": "tlp:green", "colour": "#339900", "exportable": true}}`,
			Check: tagcDecodesTag("tlp:green")},
		{Name: "tags_add_bare_default_colour", As: "orgadmin", Method: "POST", Path: "/tags/add.json",
			Body: `{"name": "hunch:bare", "hide_tag": 1, "numerical_value": "20"}`, Check: tagcDecodesTag("hunch:bare")},
		{Name: "tags_add_existing_name", As: "admin", Method: "POST", Path: "/tags/add",
			Body: `{"Tag": {"name": "tlp:green", "colour": "#000000"}}`, Check: tagcDecodesTag("tlp:green")},
		{Name: "tags_add_without_tag_editor", As: "user", Method: "POST", Path: "/tags/add", Body: `{"name": "user:tag"}`},
		{Name: "tags_add_without_name", As: "admin", Method: "POST", Path: "/tags/add", Body: `{"Tag": {"colour": "#000000"}}`},
		{Name: "tags_add_bad_colour", As: "admin", Method: "POST", Path: "/tags/add", Body: `{"name": "x", "colour": "red"}`},
		{Name: "tags_add_malformed", As: "admin", Method: "POST", Path: "/tags/add", Body: `{"name": ["x"]}`},
		{Name: "tags_add_get", As: "admin", Method: "GET", Path: "/tags/add"},
		// tag_event and tag_attribute of pymisp_smoke.py: PyMISP.tag(entity, name).
		{Name: "tags_attach_event_pymisp", As: "user", Method: "POST", Path: "/tags/attachTagToObject",
			Body: attach(tagcEventHost, `"tlp:green"`, false), Check: tagcHasTag(tagcEventHost, false, "tlp:green", false, true)},
		{Name: "tags_attach_attribute_pymisp", As: "orgadmin", Method: "POST", Path: "/tags/attachTagToObject",
			Body:  attach(tagcAttrHost, `"bifrost-smoke:run=\"3f9a0c1b2d\""`, false),
			Check: tagcHasTag(tagcEventHost, true, tagcSmokeTag, false, true)},
		{Name: "tags_attach_already_attached", As: "user", Method: "POST", Path: "/tags/attachTagToObject",
			Body: attach(tagcEventHost, `"tlp:green"`, false)},
		{Name: "tags_attach_by_id_list", As: "user", Method: "POST", Path: "/tags/attachTagToObject",
			Body: attach(tagcEventHost, `["2", "tlp:green", "not:there"]`, false)},
		{Name: "tags_attach_local", As: "user", Method: "POST", Path: "/tags/attachTagToObject.json",
			Body:  `{"uuid": "` + tagcAttrHost + `", "tag": "tlp:green", "local": 1, "relationship_type": "targets"}`,
			Check: tagcHasTag(tagcEventHost, true, "tlp:green", true, true)},
		{Name: "tags_attach_create_without_tag_editor", As: "user", Method: "POST", Path: "/tags/attachTagToObject",
			Body: attach(tagcEventHost, `"user:new"`, false)},
		{Name: "tags_attach_other_orgc", As: "user2", Method: "POST", Path: "/tags/attachTagToObject",
			Body: attach(tagcEventHost, `"tlp:green"`, false)},
		{Name: "tags_attach_other_orgc_host_org", As: "publisher", Method: "POST", Path: "/tags/attachTagToObject",
			Body: attach(tagcEventShared, `"tlp:green"`, false)},
		{Name: "tags_attach_other_orgc_local", As: "publisher", Method: "POST", Path: "/tags/attachTagToObject",
			Body: attach(tagcEventShared, `"tlp:green"`, true), Check: tagcHasTag(tagcEventShared, false, "tlp:green", true, true)},
		{Name: "tags_attach_local_outside_host_org", As: "user2", Method: "POST", Path: "/tags/attachTagToObject",
			Body: attach(tagcEventHost, `"tlp:green"`, true)},
		{Name: "tags_attach_invisible_target", As: "user", Method: "POST", Path: "/tags/attachTagToObject",
			Body: attach(tagcAttrPrivate, `"tlp:green"`, true)},
		{Name: "tags_attach_read_only_role", As: "readonly", Method: "POST", Path: "/tags/attachTagToObject",
			Body: attach(tagcEventHost, `"tlp:green"`, false)},
		{Name: "tags_attach_bad_uuid", As: "user", Method: "POST", Path: "/tags/attachTagToObject", Body: `{"uuid": "12", "tag": "x"}`},
		{Name: "tags_attach_no_uuid", As: "user", Method: "POST", Path: "/tags/attachTagToObject", Body: `{"tag": "x"}`},
		{Name: "tags_attach_no_tag", As: "user", Method: "POST", Path: "/tags/attachTagToObject", Body: `{"uuid": "` + tagcEventHost + `"}`},
		{Name: "tags_attach_get", As: "user", Method: "GET", Path: "/tags/attachTagToObject"},
		{Name: "tags_index", As: "user", Method: "GET", Path: "/tags/index"},
		{Name: "tags_index_searchall", As: "user2", Method: "GET", Path: "/tags/index/searchall:GREEN"},
		{Name: "tags_view", As: "user", Method: "GET", Path: "/tags/view/1"},
		{Name: "tags_view_other_org", As: "user3", Method: "GET", Path: "/tags/view/1.json"},
		{Name: "tags_view_missing", As: "user", Method: "GET", Path: "/tags/view/99"},
		{Name: "tags_search_pymisp", As: "user", Method: "POST", Path: "/tags/search",
			Body: `{"tagname": "TLP:%", "strict_tagname": false}`},
		{Name: "tags_search_path", As: "user", Method: "GET", Path: "/tags/search/hunch:bare"},
		{Name: "tags_search_none", As: "user", Method: "POST", Path: "/tags/search", Body: `{"tag": ["nothing%"]}`},
		{Name: "tags_remove_local", As: "user", Method: "POST", Path: "/tags/removeTagFromObject",
			Body: `{"uuid": "` + tagcAttrHost + `", "tag": "tlp:green"}`, Check: tagcHasTag(tagcEventHost, true, "tlp:green", true, false)},
		{Name: "tags_remove_not_attached", As: "user", Method: "POST", Path: "/tags/removeTagFromObject",
			Body: `{"uuid": "` + tagcAttrHost + `", "tag": "tlp:green"}`},
		{Name: "tags_remove_unknown_tag", As: "user", Method: "POST", Path: "/tags/removeTagFromObject",
			Body: `{"uuid": "` + tagcAttrHost + `", "tag": "no:such"}`},
		{Name: "tags_remove_other_orgc", As: "user2", Method: "POST", Path: "/tags/removeTagFromObject",
			Body: `{"uuid": "` + tagcEventHost + `", "tag": "tlp:green"}`},
		{Name: "tags_remove_event", As: "user", Method: "POST", Path: "/tags/removeTagFromObject",
			Body: `{"uuid": "` + tagcEventHost + `", "tag": "1"}`, Check: tagcHasTag(tagcEventHost, false, "tlp:green", false, false)},
		// The legacy routes older clients use.
		{Name: "tags_events_addtag_legacy", As: "user", Method: "POST", Path: "/events/addTag/1/1"},
		{Name: "tags_events_addtag_legacy_body", As: "user", Method: "POST", Path: "/events/addTag",
			Body:  `{"request": {"Event": {"id": "1", "tag": "hunch:bare"}}}`,
			Check: tagcHasTag(tagcEventHost, false, "hunch:bare", false, true)},
		{Name: "tags_events_addtag_legacy_refused", As: "user", Method: "POST", Path: "/events/addTag/1/not:there"},
		{Name: "tags_events_addtag_legacy_invisible", As: "user", Method: "POST", Path: "/events/addTag/2/1"},
		{Name: "tags_events_removetag_legacy", As: "user", Method: "POST", Path: "/events/removeTag/1/1",
			Check: tagcHasTag(tagcEventHost, false, "tlp:green", false, false)},
		{Name: "tags_attributes_addtag_legacy", As: "user", Method: "POST", Path: "/attributes/addTag/1/1/local:1",
			Check: tagcHasTag(tagcEventHost, true, "tlp:green", true, true)},
		{Name: "tags_attributes_removetag_legacy", As: "user", Method: "POST", Path: "/attributes/removeTag/" + tagcAttrHost + "/tlp:green",
			Check: tagcHasTag(tagcEventHost, true, "tlp:green", true, false)},
		{Name: "tags_edit", As: "admin", Method: "POST", Path: "/tags/edit/2",
			Body: `{"Tag": {"colour": "#123456", "numerical_value": null}}`, Check: tagcDecodesTag("hunch:bare")},
		{Name: "tags_edit_org_admin", As: "orgadmin", Method: "POST", Path: "/tags/edit/2", Body: `{"colour": "#654321"}`},
		{Name: "tags_edit_duplicate_name", As: "admin", Method: "POST", Path: "/tags/edit/2", Body: `{"name": "tlp:green"}`},
		{Name: "tags_edit_missing", As: "admin", Method: "POST", Path: "/tags/edit/99", Body: `{"colour": "#654321"}`},
		{Name: "tags_delete_publisher", As: "publisher", Method: "POST", Path: "/tags/delete/2"},
		{Name: "tags_delete", As: "admin", Method: "POST", Path: "/tags/delete/2",
			Check: func(t *testing.T, a *api, _ *httptest.ResponseRecorder) {
				if _, err := a.Store.Tag(context.Background(), 2); err == nil {
					t.Error("tag 2 still stored")
				}
				tagcHasTag(tagcEventHost, false, "hunch:bare", false, false)(t, a, nil)
			}},
		{Name: "tags_delete_missing", As: "admin", Method: "POST", Path: "/tags/delete/2"},
	}
}

// TestTagAttachRoles walks the roles of every fixture user through tags/attachTagToObject on the host
// organisation's event, globally and locally: the status each gets is MISP's.
func TestTagAttachRoles(t *testing.T) {
	a := newAPI(t)
	tagcSetupEvents(t, a)
	if rec := a.do(t, "admin", "POST", "/tags/add", `{"name": "tlp:amber"}`); rec.Code != http.StatusOK {
		t.Fatal(rec.Body)
	}
	for _, tc := range []struct {
		user          string
		global, local int
	}{
		{"admin", 200, 200}, {"orgadmin", 200, 200}, {"user", 200, 200}, {"publisher", 200, 200}, {"sync", 200, 200},
		{"readonly", 403, 403},
		{"user2", 403, 403}, {"publisher2", 403, 403}, {"orgadmin2", 403, 403}, {"user3", 403, 403},
	} {
		for _, local := range []bool{false, true} {
			want, l := tc.global, "false"
			if local {
				want, l = tc.local, "true"
			}
			// Detach first so that every attach attaches.
			a.do(t, "admin", "POST", "/tags/removeTagFromObject", `{"uuid": "`+tagcEventHost+`", "tag": "tlp:amber"}`)
			rec := a.do(t, tc.user, "POST", "/tags/attachTagToObject", `{"uuid": "`+tagcEventHost+`", "tag": "tlp:amber", "local": `+l+`}`)
			if rec.Code != want {
				t.Errorf("%s local=%v: %d %s, want %d", tc.user, local, rec.Code, rec.Body, want)
			}
			if want == 200 && !strings.Contains(rec.Body.String(), "successfully attached to Event(1).") {
				t.Errorf("%s local=%v: %s", tc.user, local, rec.Body)
			}
		}
	}
}

// tagcFuzzPaths are the tag, taxonomy and galaxy actions that read a body.
var tagcFuzzPaths = []string{
	"/tags/add", "/tags/edit/1", "/tags/search", "/tags/attachTagToObject", "/tags/removeTagFromObject",
	"/events/addTag", "/attributes/removeTag", "/tags/index", "/galaxies/attachCluster/1/event/local:0",
	"/taxonomies/addTag/1",
}

// FuzzTagBodies posts arbitrary bodies to the tag actions, as a site admin and as a user: whatever a client sends
// is answered below 500, in JSON.
func FuzzTagBodies(f *testing.F) {
	f.Add(uint8(0), `{"Tag": {"name": "tlp:green", "colour": "#339900", "numerical_value": "3"}}`)
	f.Add(uint8(1), `{"name": "tlp:green", "org_id": [1], "hide_tag": "maybe"}`)
	f.Add(uint8(2), `{"tagname": ["%", 1, {"name": "x"}], "strict_tagname": true}`)
	f.Add(uint8(3), `{"uuid": "`+tagcEventHost+`", "tag": ["tlp:green", 1, "a:b=\"c\""], "local": "1", "relationship_type": false}`)
	f.Add(uint8(4), `{"uuid": "`+tagcAttrHost+`", "tag": {"name": "tlp:green"}}`)
	f.Add(uint8(5), `{"request": {"Event": {"id": ["1"], "tag": 1}}}`)
	f.Add(uint8(8), `{"Galaxy": {"target_id": "2000001"}}`)
	a := newAPI(f)
	tagcSeedEvents(f, a)
	f.Fuzz(func(t *testing.T, which uint8, body string) {
		path := tagcFuzzPaths[int(which)%len(tagcFuzzPaths)]
		as := "user"
		if which >= 128 {
			as = "admin"
		}
		rec := a.do(t, as, "POST", path, body)
		if rec.Code >= 500 {
			t.Fatalf("%s answered %d: %s", path, rec.Code, rec.Body)
		}
		if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "application/json") || !json.Valid(rec.Body.Bytes()) {
			t.Fatalf("%s answered %d with %q: %s", path, rec.Code, ct, rec.Body)
		}
	})
}
