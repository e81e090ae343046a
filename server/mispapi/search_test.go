package mispapi

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/hunchsec/hunch/intel/inteltest"
	"github.com/hunchsec/hunch/misp"
	"github.com/hunchsec/hunch/store/storetest"
)

// seedSearchEvents stores the events the search cases run on, as pymisp_smoke.py builds them: event 1 of the host
// organisation (community) with an ip-dst tagged "smoke:attr", a domain, a to_ids=0 url, a sha256 and a domain-ip
// object; event 2, Org Two's organisation-only event holding the same ip, which host users never see.
func seedSearchEvents(t *testing.T, a *api) {
	t.Helper()
	ctx := context.Background()
	host, two := a.Orgs[inteltest.HostOrg].ID, a.Orgs[inteltest.OrgTwo].ID
	attr := func(typ, cat, val string, ids bool, tags ...string) misp.Attribute {
		at := misp.Attribute{Type: typ, Category: cat, Value: val, ToIDS: misp.OptBoolOf(ids), Distribution: "5",
			Timestamp: 1772355600}
		for _, n := range tags {
			at.Tag = append(at.Tag, misp.Tag{Name: n, Exportable: true})
		}
		return at
	}
	rel := func(at misp.Attribute, r string) misp.Attribute { at.ObjectRelation = misp.NullString(r); return at }
	e1 := &misp.Event{OrgID: host, OrgcID: host, Info: "bifrost smoke search", Distribution: "1", ThreatLevel: 2,
		Analysis: 1, Timestamp: 1772355600, Date: misp.Date{Time: contractEpoch}, Tag: []misp.Tag{{Name: "tlp:green", Exportable: true}},
		Attribute: []misp.Attribute{
			attr("ip-dst", "Network activity", "198.51.100.7", true, "smoke:attr"),
			attr("domain", "Network activity", "smoke.example.net", true),
			attr("url", "Network activity", "https://smoke.example.net/login", false),
			attr("sha256", "Payload delivery", strings.Repeat("ab", 32), true),
		},
		Object: []misp.Object{{Name: "domain-ip", MetaCategory: "network", Distribution: "5", Timestamp: 1772355600,
			Attribute: misp.AttributeList{
				rel(attr("domain", "Network activity", "obj.example.net", true), "domain"),
				rel(attr("ip-dst", "Network activity", "203.0.113.9", true), "ip"),
			}}},
	}
	e2 := &misp.Event{OrgID: two, OrgcID: two, Info: "org two private", Distribution: "0", ThreatLevel: 1,
		Timestamp: 1772355600, Date: misp.Date{Time: contractEpoch},
		Attribute: []misp.Attribute{attr("ip-dst", "Network activity", "198.51.100.7", true)}}
	for _, e := range []*misp.Event{e1, e2} {
		if err := a.Store.SaveEvent(ctx, e); err != nil {
			t.Fatalf("save %s: %v", e.Info, err)
		}
	}
}

// attrsOf decodes an attributes/restSearch JSON reply.
func attrsOf(t *testing.T, rec *httptest.ResponseRecorder) []misp.Attribute {
	t.Helper()
	var reply struct {
		Response struct {
			Attribute []misp.Attribute `json:"Attribute"`
		} `json:"response"`
	}
	decode(t, rec, &reply)
	return reply.Response.Attribute
}

func values(attrs []misp.Attribute) []string {
	var out []string
	for _, a := range attrs {
		out = append(out, a.Value)
	}
	return out
}

// wantResultCount checks the X-Result-Count header.
func wantResultCount(n int) func(t *testing.T, a *api, rec *httptest.ResponseRecorder) {
	return func(t *testing.T, a *api, rec *httptest.ResponseRecorder) {
		t.Helper()
		if got := rec.Header().Get("X-Result-Count"); got != strconv.Itoa(n) {
			t.Errorf("X-Result-Count %q, want %d", got, n)
		}
	}
}

// contractSearchCases are this group's store-backed contract cases (storecontract_test.go): the restSearch calls
// pymisp_smoke.py makes, in its order, and the refusals.
func contractSearchCases() []storeCase {
	return []storeCase{
		{Name: "search_attributes_value_event_uuid", As: "user", Method: "POST", Path: "/attributes/restSearch",
			Body:  `{"returnFormat": "json", "value": "198.51.100.7", "includeEventUuid": 1}`,
			Setup: seedSearchEvents,
			Check: func(t *testing.T, a *api, rec *httptest.ResponseRecorder) {
				attrs := attrsOf(t, rec)
				if len(attrs) != 1 || !attrs[0].ToIDS.Bool() || attrs[0].EventUUID == "" {
					t.Errorf("attributes %+v", attrs)
				}
				wantResultCount(1)(t, a, rec)
			}},
		{Name: "search_attributes_value_owner_org", As: "user2", Method: "POST", Path: "/attributes/restSearch",
			Body: `{"returnFormat": "json", "value": "198.51.100.7"}`, Check: wantResultCount(2)},
		{Name: "search_events_by_value", As: "user", Method: "POST", Path: "/events/restSearch",
			Body: `{"returnFormat": "json", "value": "smoke.example.net"}`,
			Check: func(t *testing.T, a *api, rec *httptest.ResponseRecorder) {
				events, err := misp.DecodeEvents(rec.Body.Bytes())
				if err != nil || len(events) != 1 || events[0].Info != "bifrost smoke search" {
					t.Errorf("events %v %+v", err, events)
				}
				wantResultCount(1)(t, a, rec)
			}},
		{Name: "search_events_metadata", As: "admin", Method: "POST", Path: "/events/restSearch",
			Body: `{"returnFormat": "json", "metadata": true}`, Check: wantResultCount(2)},
		{Name: "search_attributes_tags", As: "user", Method: "POST", Path: "/attributes/restSearch",
			Body: `{"returnFormat": "json", "tags": ["smoke:attr"]}`,
			Check: func(t *testing.T, a *api, rec *httptest.ResponseRecorder) {
				if got := values(attrsOf(t, rec)); !slices.Equal(got, []string{"198.51.100.7"}) {
					t.Errorf("values %q", got)
				}
			}},
		{Name: "search_attributes_tags_not", As: "user", Method: "POST", Path: "/attributes/restSearch",
			Body: `{"returnFormat": "json", "eventid": 1, "tags": {"NOT": ["smoke:attr"]}}`,
			Check: func(t *testing.T, a *api, rec *httptest.ResponseRecorder) {
				got := values(attrsOf(t, rec))
				if slices.Contains(got, "198.51.100.7") || !slices.Contains(got, "smoke.example.net") {
					t.Errorf("values %q", got)
				}
			}},
		{Name: "search_attributes_csv", As: "user", Method: "POST", Path: "/attributes/restSearch",
			Body: `{"returnFormat": "csv", "eventid": 1}`,
			Check: func(t *testing.T, a *api, rec *httptest.ResponseRecorder) {
				body := rec.Body.String()
				if !strings.HasPrefix(body, "uuid,event_id,category,type,value,") || !strings.Contains(body, strings.Repeat("ab", 32)) {
					t.Errorf("csv %q", body)
				}
				if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "text/csv") {
					t.Errorf("content type %q", ct)
				}
				wantResultCount(6)(t, a, rec)
			}},
		{Name: "search_attributes_csv_requested", As: "user", Method: "POST", Path: "/attributes/restSearch",
			Body: `{"returnFormat": "csv", "type": {"AND": ["domain"]}, "requested_attributes": ["value", "object_relation"], "headerless": 1, "includeContext": 1}`},
		{Name: "search_attributes_text_unpublished", As: "user", Method: "POST", Path: "/attributes/restSearch",
			Body: `{"returnFormat": "text", "eventid": 1}`,
			Check: func(t *testing.T, a *api, rec *httptest.ResponseRecorder) {
				if rec.Body.String() != "\n" {
					t.Errorf("text export of an unpublished event %q, want the empty export", rec.Body.String())
				}
			}},
		{Name: "search_attributes_text", As: "user", Method: "POST", Path: "/attributes/restSearch",
			Body: `{"returnFormat": "text", "eventid": 1}`,
			Setup: func(t *testing.T, a *api) {
				if err := a.Store.PublishEvent(context.Background(), 1, contractEpoch); err != nil {
					t.Fatal(err)
				}
			},
			Check: func(t *testing.T, a *api, rec *httptest.ResponseRecorder) {
				lines := strings.Fields(rec.Body.String())
				if !slices.Contains(lines, "198.51.100.7") || slices.Contains(lines, "https://smoke.example.net/login") {
					t.Errorf("text export %q", lines)
				}
				if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "text/plain") {
					t.Errorf("content type %q", ct)
				}
			}},
		{Name: "search_attributes_paging", As: "user", Method: "POST", Path: "/attributes/restSearch",
			Body: `{"returnFormat": "json", "limit": 2, "page": 2}`,
			Check: func(t *testing.T, a *api, rec *httptest.ResponseRecorder) {
				if n := len(attrsOf(t, rec)); n != 2 {
					t.Errorf("%d attributes on page 2", n)
				}
				wantResultCount(6)(t, a, rec)
			}},
		{Name: "search_attributes_get_no_body", As: "user3", Method: "GET", Path: "/attributes/restSearch",
			Check: wantResultCount(6)},
		{Name: "search_attributes_legacy_url", As: "user", Method: "GET", Path: "/attributes/restSearch/json/198.51.100.7||203.0.113.9/ip-dst"},
		{Name: "search_attributes_other_org_event", As: "user", Method: "POST", Path: "/attributes/restSearch",
			Body: `{"eventid": 2}`, Check: wantResultCount(0)},
		{Name: "search_events_injection", As: "admin", Method: "POST", Path: "/events/restSearch",
			Body:  `{"eventinfo": "x' OR '1'='1", "org": "1; DROP TABLE events; --", "tags": ["' OR 1=1 --"]}`,
			Check: wantResultCount(0)},
		{Name: "search_unsupported_format", As: "user", Method: "POST", Path: "/attributes/restSearch",
			Body: `{"returnFormat": "openioc", "eventid": 1}`},
		{Name: "search_invalid_format", As: "user", Method: "POST", Path: "/events/restSearch",
			Body: `{"returnFormat": "pdf"}`},
		{Name: "search_wrong_type_filter", As: "user", Method: "POST", Path: "/attributes/restSearch",
			Body: `{"value": {"OR": [{"nested": 1}]}}`},
		{Name: "search_bad_limit", As: "user", Method: "POST", Path: "/events/restSearch",
			Body: `{"limit": "ten"}`},
		{Name: "search_bad_time", As: "user", Method: "POST", Path: "/attributes/restSearch",
			Body: `{"last": "' OR 1=1 --"}`},
		{Name: "search_not_an_object", As: "user", Method: "POST", Path: "/attributes/restSearch",
			Body: `["198.51.100.7"]`},
		{Name: "search_malformed_json", As: "user", Method: "POST", Path: "/attributes/restSearch",
			Body: `{"value": `},
		{Name: "search_wrong_method", As: "user", Method: "DELETE", Path: "/events/restSearch"},
	}
}

// TestRestSearchRefusalsAre4xx sends malformed and wrong-typed filters to both endpoints: each is answered with a
// MISP-shaped 4xx ({"name","message","url"}), never a 5xx.
func TestRestSearchRefusalsAre4xx(t *testing.T) {
	a := newAPI(t)
	seedSearchEvents(t, a)
	bodies := []string{`{"value": {"OR": [[1]]}}`, `{"value": true}`, `{"type": {"XOR": ["a"]}}`, `{"tags": [{}]}`,
		`{"published": "maybe"}`, `{"to_ids": 2}`, `{"deleted": "x"}`, `{"limit": -5}`, `{"page": "2a"}`,
		`{"limit": 1e99}`, `{"timestamp": "soon"}`, `{"timestamp": [1, 2, 3]}`, `{"from": "2024-13-45"}`,
		`{"last": {}}`, `{"metadata": "perhaps"}`, `{"returnFormat": ["json"]}`, `{"returnFormat": "yara"}`,
		`{"returnFormat": "../../etc/passwd"}`, `"string"`, `123`, `{"value": "a"`}
	for _, path := range []string{"/events/restSearch", "/attributes/restSearch"} {
		for _, body := range bodies {
			rec := a.do(t, "user", "POST", path, body)
			if rec.Code < 400 || rec.Code >= 500 {
				t.Errorf("%s %s: %d %s", path, body, rec.Code, rec.Body)
				continue
			}
			var e struct{ Name, Message, URL string }
			decode(t, rec, &e)
			if e.Message == "" || e.URL != path {
				t.Errorf("%s %s: error shape %s", path, body, rec.Body)
			}
		}
	}
}

// heapProbe is a ResponseWriter that measures the live heap each time the handler writes to it, so that a test can
// see whether memory grows with the result while it streams.
type heapProbe struct {
	header http.Header
	code   int
	writes int
	bytes  int
	peak   uint64
}

func (p *heapProbe) Header() http.Header { return p.header }
func (p *heapProbe) WriteHeader(code int) {
	if p.code == 0 {
		p.code = code
	}
}
func (p *heapProbe) Write(b []byte) (int, error) {
	if p.code == 0 {
		p.code = http.StatusOK
	}
	p.writes++
	p.bytes += len(b)
	if p.writes%4 == 1 {
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		p.peak = max(p.peak, ms.HeapAlloc)
	}
	return len(b), nil
}

// TestRestSearchStreams checks that a restSearch answer is written while the attributes are read: the first bytes
// go out long before the end (many writes), and the live heap while writing 8 times as many attributes stays
// about the same, where a buffered answer would grow with the result.
func TestRestSearchStreams(t *testing.T) {
	if testing.Short() {
		t.Skip("ingests 40 000 attributes")
	}
	peak := func(n int, format string) (uint64, *heapProbe) {
		a := newAPI(t)
		org := a.Orgs[inteltest.HostOrg].ID
		for base := 0; base < n; base += 5000 {
			if err := a.Store.SaveEvent(context.Background(), storetest.BulkEvent(org, base, min(5000, n-base))); err != nil {
				t.Fatal(err)
			}
		}
		req := httptest.NewRequest("POST", "/attributes/restSearch", strings.NewReader(`{"returnFormat":"`+format+`"}`))
		for _, h := range pymispHeaders(a.Keys["user"]) {
			if h[1] != "" {
				req.Header.Set(h[0], h[1])
			}
		}
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		base := ms.HeapAlloc
		p := &heapProbe{header: http.Header{}}
		a.h.ServeHTTP(p, req)
		if p.code != http.StatusOK {
			t.Fatalf("status %d", p.code)
		}
		if got := p.header.Get("X-Result-Count"); got != strconv.Itoa(n) {
			t.Fatalf("X-Result-Count %s, want %d", got, n)
		}
		if p.peak < base {
			return 0, p
		}
		return p.peak - base, p
	}
	for _, format := range []string{"json", "csv"} {
		small, ps := peak(5000, format)
		large, pl := peak(40000, format)
		t.Logf("%s: 5000 attributes: %d writes, %d bytes, heap +%d KiB; 40000: %d writes, %d bytes, heap +%d KiB",
			format, ps.writes, ps.bytes, small>>10, pl.writes, pl.bytes, large>>10)
		if pl.writes < 20 {
			t.Errorf("%s: %d writes for %d bytes: the answer is not streamed", format, pl.writes, pl.bytes)
		}
		// 40 000 attributes encode to several MB; holding them (or their encoding) would add at least that.
		if large > small+uint64(pl.bytes)/4 {
			t.Errorf("%s: live heap grows with the result: +%d KiB for 5000 attributes, +%d KiB for 40000 (%d bytes written)",
				format, small>>10, large>>10, pl.bytes)
		}
	}
}

// TestRestSearchJSONDecodes checks the JSON reply shapes PyMISP relies on: events in {"response":[{"Event":…}]},
// attributes in {"response":{"Attribute":[…]}}, also when nothing matches.
func TestRestSearchJSONDecodes(t *testing.T) {
	a := newAPI(t)
	seedSearchEvents(t, a)
	rec := a.do(t, "user", "POST", "/attributes/restSearch", `{"value": "nothing.example"}`)
	if body := wantStatus(t, rec, http.StatusOK); body != `{"response":{"Attribute":[]}}` {
		t.Errorf("empty attribute search %s", body)
	}
	rec = a.do(t, "user", "POST", "/events/restSearch", `{"value": "nothing.example"}`)
	var empty map[string]json.RawMessage
	decode(t, rec, &empty)
	if string(empty["response"]) != "[]" {
		t.Errorf("empty event search %s", rec.Body)
	}
	rec = a.do(t, "user", "POST", "/events/restSearch", `{"eventid": 1}`)
	events, err := misp.DecodeEvents(rec.Body.Bytes())
	if err != nil || len(events) != 1 || len(events[0].Attribute) != 4 || len(events[0].Object) != 1 {
		t.Fatalf("event search: %v %s", err, rec.Body)
	}
}
