package intel_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hunchsec/hunch/intel"
	"github.com/hunchsec/hunch/intel/inteltest"
	"github.com/hunchsec/hunch/misp"
	"github.com/hunchsec/hunch/store"
)

func searchPtr[T any](v T) *T { return &v }

func TestParseSearch(t *testing.T) {
	day := time.Date(2024, 3, 5, 0, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name string
		body string
		want intel.Search
	}{
		{"empty", ``, intel.Search{Format: intel.FormatJSON}},
		{"null", `null`, intel.Search{Format: intel.FormatJSON}},
		{"value string", `{"value":"1.2.3.4"}`,
			intel.Search{Format: intel.FormatJSON, Value: store.Match{OR: []string{"1.2.3.4"}}}},
		{"value list with not", `{"value":["a%","!b",7]}`,
			intel.Search{Format: intel.FormatJSON, Value: store.Match{OR: []string{"a%", "7"}, NOT: []string{"b"}}}},
		{"complex tags", `{"tags":{"OR":["tlp:green"],"AND":["x","!y"],"NOT":"tlp:red"}}`,
			intel.Search{Format: intel.FormatJSON, Tags: store.Match{OR: []string{"tlp:green"}, AND: []string{"x"},
				NOT: []string{"y", "tlp:red"}}}},
		{"wrapped in request", `{"request":{"returnFormat":"csv","type":"ip-dst"}}`,
			intel.Search{Format: intel.FormatCSV, Type: store.Match{OR: []string{"ip-dst"}}}},
		{"eventid forms", `{"eventid":["12","5f1d3c6e-1c2b-4e8a-9a51-2f6b3c4d5e6F","1 OR 1=1"]}`,
			intel.Search{Format: intel.FormatJSON, EventIDs: []int64{12, -1},
				EventUUIDs: []string{"5f1d3c6e-1c2b-4e8a-9a51-2f6b3c4d5e6f"}}},
		{"flags", `{"published":1,"to_ids":"0","deleted":[0,1],"metadata":true,"includeEventUuid":1,"includeEventTags":"true","includeContext":"1"}`,
			intel.Search{Format: intel.FormatJSON, Published: searchPtr(true), ToIDS: searchPtr(false), PublishedGiven: true, ToIDSGiven: true, Deleted: store.LiveAndDeleted,
				Metadata: true, IncludeEventUUID: true, IncludeEventTags: true, IncludeContext: true}},
		{"both to_ids", `{"to_ids":[0,1],"deleted":1}`,
			intel.Search{Format: intel.FormatJSON, ToIDSGiven: true, Deleted: store.DeletedOnly}},
		{"times", `{"timestamp":["14d","7d"],"last":"12h","from":"2024-03-05","to":1709596800,"publish_timestamp":"30m"}`,
			intel.Search{Format: intel.FormatJSON,
				Timestamp:        intel.TimeRange{From: intel.TimeBound{Ago: 14 * 24 * time.Hour}, To: intel.TimeBound{Ago: 7 * 24 * time.Hour}},
				PublishTimestamp: intel.TimeRange{From: intel.TimeBound{Ago: 12 * time.Hour}},
				Date:             intel.TimeRange{From: intel.TimeBound{At: day}, To: intel.TimeBound{At: day}}}},
		{"fractional unix times", `{"timestamp":[1709596800.5,"1709596805.25"]}`,
			intel.Search{Format: intel.FormatJSON, Timestamp: intel.TimeRange{
				From: intel.TimeBound{At: time.Unix(1709596800, 5e8).UTC()}, To: intel.TimeBound{At: time.Unix(1709596805, 25e7).UTC()}}}},
		{"threat levels and paging", `{"threat_level_id":["1","Low","bogus"],"limit":"10","page":2}`,
			intel.Search{Format: intel.FormatJSON, ThreatLevels: []misp.ThreatLevel{1, 3, 99}, Limit: 10, Page: 2}},
		{"csv options", `{"returnFormat":"CSV","requested_attributes":["value","type"],"headerless":1}`,
			intel.Search{Format: intel.FormatCSV, RequestedAttributes: []string{"value", "type"}, Headerless: true}},
		{"unknown parameters ignored", `{"withAttachments":1,"enforceWarninglist":0,"returnFormat":"text"}`,
			intel.Search{Format: intel.FormatText}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := intel.ParseSearch([]byte(tc.body))
			if err != nil {
				t.Fatalf("ParseSearch(%s): %v", tc.body, err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("ParseSearch(%s)\n got %+v\nwant %+v", tc.body, got, tc.want)
			}
		})
	}
}

// TestParseSearchUnappliedFiltersOff: MISP filters hunch does not apply pass when they ask for nothing.
func TestParseSearchUnappliedFiltersOff(t *testing.T) {
	for _, body := range []string{`{"enforceWarninglist":false}`, `{"enforceWarninglist":0}`, `{"searchall":""}`,
		`{"excludeLocalTags":"0"}`, `{"sharinggroup":[]}`, `{"first_seen":null}`} {
		if _, err := intel.ParseSearch([]byte(body)); err != nil {
			t.Errorf("ParseSearch(%s) = %v, want no error", body, err)
		}
	}
}

func TestParseSearchRefusals(t *testing.T) {
	for _, tc := range []struct {
		body  string
		param string // "" for a *FormatError
		known bool
	}{
		{`[1,2]`, "-", false},
		{`"value"`, "-", false},
		{`{"value":{"OR":[{"a":1}]}}`, "value", false},
		{`{"value":{"XOR":["a"]}}`, "value", false},
		{`{"value":true}`, "value", false},
		{`{"tags":[["a"]]}`, "tags", false},
		{`{"published":"maybe"}`, "published", false},
		{`{"to_ids":{"a":1}}`, "to_ids", false},
		{`{"deleted":"x"}`, "deleted", false},
		{`{"limit":"ten"}`, "limit", false},
		{`{"limit":-1}`, "limit", false},
		{`{"page":[1]}`, "page", false},
		{`{"timestamp":"yesterday"}`, "timestamp", false},
		{`{"timestamp":["1d","2d","3d"]}`, "timestamp", false},
		{`{"last":"' OR 1=1 --"}`, "last", false},
		{`{"from":{"a":1}}`, "from", false},
		{`{"metadata":"yes"}`, "metadata", false},
		{`{"returnFormat":{"a":1}}`, "returnFormat", false},
		{`{"returnFormat":"stix"}`, "", true},
		{`{"returnFormat":"openioc"}`, "", true},
		{`{"returnFormat":"pdf"}`, "", false},
		{`{"searchall":"evil"}`, "searchall", false},
		{`{"request":{"first_seen":"2024-01-01"}}`, "first_seen", false},
		{`{"excludeLocalTags":true}`, "excludeLocalTags", false},
		{`{"sharinggroup":[1]}`, "sharinggroup", false},
	} {
		_, err := intel.ParseSearch([]byte(tc.body))
		var se *intel.SearchError
		var fe *intel.FormatError
		switch {
		case tc.param == "":
			if !errors.As(err, &fe) || fe.Known != tc.known {
				t.Errorf("ParseSearch(%s) = %v, want a format error (known %v)", tc.body, err, tc.known)
			}
		case !errors.As(err, &se):
			t.Errorf("ParseSearch(%s) = %v, want a *SearchError", tc.body, err)
		case tc.param != "-" && se.Param != tc.param:
			t.Errorf("ParseSearch(%s) refused %q, want %q", tc.body, se.Param, tc.param)
		}
	}
}

// searchEpoch is the fixture clock for search tests: "last" and relative timestamps count back from it.
var searchEpoch = time.Date(2024, 2, 1, 12, 0, 0, 0, time.UTC)

// searchData is the small corpus the search tests run on, saved straight into the store:
//   - "alpha campaign" (host organisation, community, published, threat level high, tlp:green): five attributes
//     (one soft-deleted) and a domain-ip object;
//   - "beta secret" (Org Two, organisation only, threat level low, tlp:red): another organisation's
//     distribution-0 data, which the host organisation's users must never see;
//   - "gamma" (host organisation, community, unpublished, tlp:amber and a galaxy tag).
type searchData struct {
	alpha, beta, gamma *misp.Event
}

func seedSearch(t *testing.T, f *inteltest.Fixture) searchData {
	t.Helper()
	ctx := context.Background()
	host, two := f.Orgs[inteltest.HostOrg].ID, f.Orgs[inteltest.OrgTwo].ID
	attr := func(typ, cat, val string, ids bool, ts int64, tags ...string) misp.Attribute {
		a := misp.Attribute{Type: typ, Category: cat, Value: val, ToIDS: misp.OptBoolOf(ids), Distribution: "5",
			Timestamp: misp.Timestamp(ts)}
		for _, n := range tags {
			a.Tag = append(a.Tag, misp.Tag{Name: n, Exportable: true})
		}
		return a
	}
	date := func(s string) misp.Date {
		d, err := time.Parse(time.DateOnly, s)
		if err != nil {
			t.Fatal(err)
		}
		return misp.Date{Time: d}
	}
	deleted := attr("ip-dst", "Network activity", "10.0.0.9", true, 1700000000)
	deleted.Deleted = true
	alpha := &misp.Event{OrgID: host, OrgcID: host, Info: "alpha campaign", Date: date("2024-01-10"), ThreatLevel: 1,
		Distribution: "1", Timestamp: 1700000000, Tag: []misp.Tag{{Name: "tlp:green", Exportable: true}},
		Attribute: []misp.Attribute{
			attr("ip-dst", "Network activity", "10.0.0.1", true, 1700000000, "kill-chain:delivery"),
			attr("domain", "Network activity", "evil.example.com", true, 1700000000),
			attr("url", "Network activity", "http://evil.example.com/x", false, 1700000500),
			attr("filename|md5", "Payload delivery", "dropper.exe|0123456789abcdef0123456789abcdef", true, 1700000000),
			deleted,
		},
		Object: []misp.Object{{Name: "domain-ip", MetaCategory: "network", Distribution: "5", Timestamp: 1700000000,
			Attribute: misp.AttributeList{
				searchRelation(attr("domain", "Network activity", "obj.example.com", true, 1700000000), "domain"),
				searchRelation(attr("ip-dst", "Network activity", "10.0.0.2", true, 1700000000), "ip"),
			}}},
	}
	beta := &misp.Event{OrgID: two, OrgcID: two, Info: "beta secret", Date: date("2024-01-20"), ThreatLevel: 3,
		Distribution: "0", Timestamp: 1700100000, Tag: []misp.Tag{{Name: "tlp:red", Exportable: true}},
		Attribute: []misp.Attribute{
			attr("ip-dst", "Network activity", "10.0.0.1", true, 1700100000),
			attr("domain", "Network activity", "secret.example.org", true, 1700100000, "kill-chain:delivery"),
		},
	}
	gamma := &misp.Event{OrgID: host, OrgcID: host, Info: "gamma", Date: date("2024-01-30"), ThreatLevel: 2,
		Distribution: "1", Timestamp: 1700200000,
		Tag: []misp.Tag{{Name: "tlp:amber", Exportable: true}, {Name: `misp-galaxy:threat-actor="Sofacy"`, Exportable: true}},
		Attribute: []misp.Attribute{
			attr("ip-src", "Network activity", "192.168.1.1", true, 1700200000),
			attr("text", "Other", "12345", false, 1700200000),
		},
	}
	gamma.Attribute[1].Comment = `he said "hi", twice`
	for _, e := range []*misp.Event{alpha, beta, gamma} {
		if err := f.Store.SaveEvent(ctx, e); err != nil {
			t.Fatalf("save %s: %v", e.Info, err)
		}
	}
	if err := f.Store.PublishEvent(ctx, int64(alpha.ID), searchEpoch.Add(-2*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := f.Store.PublishEvent(ctx, int64(beta.ID), searchEpoch.Add(-48*time.Hour)); err != nil {
		t.Fatal(err)
	}
	return searchData{alpha: alpha, beta: beta, gamma: gamma}
}

func searchRelation(a misp.Attribute, rel string) misp.Attribute {
	a.ObjectRelation = misp.NullString(rel)
	return a
}

func newSearchFixture(t *testing.T) (*inteltest.Fixture, searchData) {
	f := inteltest.New(t, inteltest.Options{Now: func() time.Time { return searchEpoch }})
	return f, seedSearch(t, f)
}

// attrValues runs q at attribute level as user and returns the values found (in id order) and the count.
func searchAttrValues(t *testing.T, f *inteltest.Fixture, user string, q intel.Search) ([]string, int64) {
	t.Helper()
	seq, count := f.Svc.SearchAttributes(context.Background(), f.ACL(user), q)
	var vals []string
	for a, err := range seq {
		if err != nil {
			t.Fatalf("search attributes: %v", err)
		}
		vals = append(vals, a.Value)
	}
	n, err := count()
	if err != nil {
		t.Fatalf("count attributes: %v", err)
	}
	return vals, n
}

// eventInfos runs q at event level as user and returns the infos of the events found and the count.
func searchEventInfos(t *testing.T, f *inteltest.Fixture, user string, q intel.Search) ([]string, int64) {
	t.Helper()
	seq, count := f.Svc.SearchEvents(context.Background(), f.ACL(user), q)
	var infos []string
	for e, err := range seq {
		if err != nil {
			t.Fatalf("search events: %v", err)
		}
		infos = append(infos, e.Info)
	}
	n, err := count()
	if err != nil {
		t.Fatalf("count events: %v", err)
	}
	return infos, n
}

func mustParseSearch(t *testing.T, body string) intel.Search {
	t.Helper()
	q, err := intel.ParseSearch([]byte(body))
	if err != nil {
		t.Fatalf("ParseSearch(%s): %v", body, err)
	}
	return q
}

func TestSearchAttributesFilters(t *testing.T) {
	f, d := newSearchFixture(t)
	alpha := fmt.Sprint(d.alpha.ID)
	alphaAll := []string{"10.0.0.1", "evil.example.com", "http://evil.example.com/x",
		"dropper.exe|0123456789abcdef0123456789abcdef", "obj.example.com", "10.0.0.2"}
	for _, tc := range []struct {
		name string
		user string
		body string
		want []string
	}{
		{"value exact", "user", `{"value":"10.0.0.1"}`, []string{"10.0.0.1"}},
		{"value exact, admin sees the other org", "admin", `{"value":"10.0.0.1"}`, []string{"10.0.0.1", "10.0.0.1"}},
		{"value exact, owner org sees its own", "user2", `{"value":"10.0.0.1"}`, []string{"10.0.0.1", "10.0.0.1"}},
		{"value exact, third org", "user3", `{"value":"10.0.0.1"}`, []string{"10.0.0.1"}},
		{"value wildcard", "admin", `{"value":"%.example.%"}`,
			[]string{"evil.example.com", "http://evil.example.com/x", "obj.example.com", "secret.example.org"}},
		{"value list is OR", "user", `{"value":["10.0.0.2","192.168.1.1"]}`, []string{"10.0.0.2", "192.168.1.1"}},
		{"value in capitals finds the lowercased value", "user", `{"value":"EVIL.Example.COM"}`, []string{"evil.example.com"}},
		{"NOT in capitals", "user", `{"eventid":` + alpha + `,"value":"!EVIL.EXAMPLE.COM"}`,
			[]string{"10.0.0.1", "http://evil.example.com/x", "dropper.exe|0123456789abcdef0123456789abcdef", "obj.example.com", "10.0.0.2"}},
		{"value NOT by bang", "user", `{"eventid":` + alpha + `,"value":["!10.0.0.1","!%.example.com"]}`,
			[]string{"http://evil.example.com/x", "dropper.exe|0123456789abcdef0123456789abcdef", "10.0.0.2"}},
		{"value AND", "user", `{"value":{"AND":["%evil%","%/x"]}}`, []string{"http://evil.example.com/x"}},
		{"composite part", "user", `{"value":"dropper.exe"}`, []string{"dropper.exe|0123456789abcdef0123456789abcdef"}},
		{"type list", "user", `{"eventid":` + alpha + `,"type":["url","filename|md5"]}`,
			[]string{"http://evil.example.com/x", "dropper.exe|0123456789abcdef0123456789abcdef"}},
		{"type NOT", "user", `{"eventid":` + alpha + `,"type":{"NOT":["domain","ip-dst"]}}`,
			[]string{"http://evil.example.com/x", "dropper.exe|0123456789abcdef0123456789abcdef"}},
		{"category", "user", `{"category":"Payload delivery"}`, []string{"dropper.exe|0123456789abcdef0123456789abcdef"}},
		{"attribute tag", "user", `{"tags":"kill-chain:delivery"}`, []string{"10.0.0.1"}},
		{"attribute tag, owner org", "user2", `{"tags":"kill-chain:delivery"}`, []string{"10.0.0.1", "secret.example.org"}},
		{"event tag reaches attributes", "user", `{"tags":"tlp:green"}`, alphaAll},
		{"tag NOT", "user", `{"tags":{"NOT":["tlp:green"]}}`, []string{"192.168.1.1", "12345"}},
		{"tag bang NOT", "user", `{"eventid":` + alpha + `,"tags":["!kill-chain:delivery"]}`, alphaAll[1:]},
		{"tag AND", "user", `{"tags":{"AND":["tlp:green","kill-chain:delivery"]}}`, []string{"10.0.0.1"}},
		{"tag wildcard", "user", `{"tags":"misp-galaxy:%"}`, []string{"192.168.1.1", "12345"}},
		{"event_tags ignore attribute tags", "user", `{"event_tags":"kill-chain:delivery"}`, nil},
		{"event_tags", "user", `{"event_tags":"tlp:amber"}`, []string{"192.168.1.1", "12345"}},
		{"org by name, hidden", "user", `{"org":"Org Two"}`, nil},
		{"org by name, admin", "admin", `{"org":"Org Two"}`, []string{"10.0.0.1", "secret.example.org"}},
		{"org NOT", "admin", `{"org":"!ORGNAME"}`, []string{"10.0.0.1", "secret.example.org"}},
		{"eventinfo", "user", `{"eventinfo":"%campaign"}`, alphaAll},
		{"eventinfo hidden", "user", `{"eventinfo":"%secret%"}`, nil},
		{"object_relation", "user", `{"object_relation":"domain"}`, []string{"obj.example.com"}},
		{"to_ids 0", "user", `{"to_ids":0}`, []string{"http://evil.example.com/x", "12345"}},
		{"deleted only", "user", `{"deleted":1}`, []string{"10.0.0.9"}},
		{"deleted both", "user", `{"eventid":` + alpha + `,"type":"ip-dst","deleted":[0,1]}`,
			[]string{"10.0.0.1", "10.0.0.9", "10.0.0.2"}},
		{"published", "user", `{"published":1}`, alphaAll},
		{"unpublished", "user", `{"published":0}`, []string{"192.168.1.1", "12345"}},
		{"timestamp from", "user", `{"timestamp":1700000400}`, []string{"http://evil.example.com/x", "192.168.1.1", "12345"}},
		{"timestamp range", "user", `{"timestamp":[1700000400,1700100000]}`, []string{"http://evil.example.com/x"}},
		{"attribute_timestamp", "user", `{"attribute_timestamp":"1700000400"}`,
			[]string{"http://evil.example.com/x", "192.168.1.1", "12345"}},
		{"event_timestamp", "user", `{"event_timestamp":1700150000}`, []string{"192.168.1.1", "12345"}},
		{"last", "user", `{"last":"1d"}`, alphaAll},
		{"last, admin", "admin", `{"last":"3d"}`, append(slices.Clone(alphaAll), "10.0.0.1", "secret.example.org")},
		{"publish_timestamp range", "admin", `{"publish_timestamp":["3d","1d"]}`, []string{"10.0.0.1", "secret.example.org"}},
		{"from", "user", `{"from":"2024-01-15"}`, []string{"192.168.1.1", "12345"}},
		{"to", "user", `{"to":"2024-01-15"}`, alphaAll},
		{"date range", "admin", `{"date":["2024-01-15","2024-01-25"]}`, []string{"10.0.0.1", "secret.example.org"}},
		{"threat level", "user", `{"threat_level_id":"Medium"}`, []string{"192.168.1.1", "12345"}},
		{"threat level hidden", "user", `{"threat_level_id":3}`, nil},
		{"uuid", "user", `{"uuid":"` + d.gamma.Attribute[0].UUID + `"}`, []string{"192.168.1.1"}},
		{"eventid by uuid", "user", `{"eventid":"` + d.gamma.UUID + `"}`, []string{"192.168.1.1", "12345"}},
		{"eventid of another org's event", "user", `{"eventid":` + fmt.Sprint(d.beta.ID) + `}`, nil},
		{"text defaults to to_ids and published", "user", `{"returnFormat":"text"}`,
			[]string{"10.0.0.1", "evil.example.com", "dropper.exe|0123456789abcdef0123456789abcdef", "obj.example.com", "10.0.0.2"}},
		{"text defaults overridden", "user", `{"returnFormat":"text","to_ids":[0,1],"published":0}`, []string{"192.168.1.1", "12345"}},
		{"csv is not restrictive", "user", `{"returnFormat":"csv","published":0}`, []string{"192.168.1.1", "12345"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, n := searchAttrValues(t, f, tc.user, mustParseSearch(t, tc.body))
			if !slices.Equal(got, tc.want) {
				t.Errorf("%s as %s:\n got %q\nwant %q", tc.body, tc.user, got, tc.want)
			}
			if n != int64(len(tc.want)) {
				t.Errorf("count %d, want %d", n, len(tc.want))
			}
		})
	}
}

func TestSearchPaging(t *testing.T) {
	f, _ := newSearchFixture(t)
	all, _ := searchAttrValues(t, f, "user", intel.Search{})
	if len(all) != 8 {
		t.Fatalf("user sees %d attributes: %q", len(all), all)
	}
	for _, tc := range []struct {
		limit, page int
		want        []string
	}{
		{3, 0, all[:3]},
		{3, 1, all[:3]},
		{3, 2, all[3:6]},
		{3, 3, all[6:]},
		{3, 4, nil},
		{0, 5, all},
	} {
		got, n := searchAttrValues(t, f, "user", intel.Search{Limit: tc.limit, Page: tc.page})
		if !slices.Equal(got, tc.want) || n != int64(len(all)) {
			t.Errorf("limit %d page %d: %q (count %d), want %q (count %d)", tc.limit, tc.page, got, n, tc.want, len(all))
		}
	}
	infos, n := searchEventInfos(t, f, "admin", intel.Search{Limit: 1, Page: 2})
	if !slices.Equal(infos, []string{"beta secret"}) || n != 3 {
		t.Errorf("events limit 1 page 2: %q (count %d)", infos, n)
	}
}

func TestSearchEventsFilters(t *testing.T) {
	f, d := newSearchFixture(t)
	for _, tc := range []struct {
		name string
		user string
		body string
		want []string
	}{
		{"all, user", "user", `{}`, []string{"alpha campaign", "gamma"}},
		{"all, admin", "admin", `{}`, []string{"alpha campaign", "beta secret", "gamma"}},
		{"all, owner of the private event", "user2", `{}`, []string{"alpha campaign", "beta secret", "gamma"}},
		{"all, third org", "user3", `{}`, []string{"alpha campaign", "gamma"}},
		{"value", "user", `{"value":"10.0.0.1"}`, []string{"alpha campaign"}},
		{"value, admin", "admin", `{"value":"10.0.0.1"}`, []string{"alpha campaign", "beta secret"}},
		{"object attribute value", "user", `{"value":"obj.example.com"}`, []string{"alpha campaign"}},
		{"type", "user", `{"type":"ip-src"}`, []string{"gamma"}},
		{"attribute tag", "user", `{"tags":"kill-chain:delivery"}`, []string{"alpha campaign"}},
		{"event_tags only", "user", `{"event_tags":"kill-chain:delivery"}`, nil},
		{"tag NOT", "user", `{"tags":["!tlp:green"]}`, []string{"gamma"}},
		{"tag wildcard", "admin", `{"tags":"tlp:%"}`, []string{"alpha campaign", "beta secret", "gamma"}},
		{"org", "admin", `{"org":"` + f.Orgs[inteltest.OrgTwo].UUID + `"}`, []string{"beta secret"}},
		{"eventinfo", "user", `{"eventinfo":"gam%"}`, []string{"gamma"}},
		{"published", "user", `{"published":true}`, []string{"alpha campaign"}},
		{"to_ids 0", "user", `{"to_ids":0}`, []string{"alpha campaign", "gamma"}},
		{"to_ids 0 with type", "user", `{"to_ids":0,"type":"url"}`, []string{"alpha campaign"}},
		{"object_relation", "user", `{"object_relation":"ip"}`, []string{"alpha campaign"}},
		{"attribute_timestamp", "user", `{"attribute_timestamp":1700000400}`, []string{"alpha campaign", "gamma"}},
		{"timestamp is the event's", "user", `{"timestamp":1700000400}`, []string{"gamma"}},
		{"threat level", "admin", `{"threat_level_id":["1","3"]}`, []string{"alpha campaign", "beta secret"}},
		{"date", "user", `{"from":"2024-01-15","to":"2024-01-31"}`, []string{"gamma"}},
		{"last", "admin", `{"last":"1d"}`, []string{"alpha campaign"}},
		{"eventid and uuid are ANDed", "user", `{"eventid":` + fmt.Sprint(d.alpha.ID) + `,"uuid":"` + d.gamma.UUID + `"}`, nil},
		{"eventid and its uuid", "user", `{"eventid":` + fmt.Sprint(d.gamma.ID) + `,"uuid":"` + d.gamma.UUID + `"}`, []string{"gamma"}},
		{"uuid", "user", `{"uuid":"` + d.gamma.UUID + `"}`, []string{"gamma"}},
		{"text restricts to published to_ids", "user", `{"returnFormat":"text"}`, []string{"alpha campaign"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, n := searchEventInfos(t, f, tc.user, mustParseSearch(t, tc.body))
			if !slices.Equal(got, tc.want) {
				t.Errorf("%s as %s:\n got %q\nwant %q", tc.body, tc.user, got, tc.want)
			}
			if n != int64(len(tc.want)) {
				t.Errorf("count %d, want %d", n, len(tc.want))
			}
		})
	}
}

func TestSearchEventsMetadataAndElements(t *testing.T) {
	f, _ := newSearchFixture(t)
	ctx := context.Background()
	seq, _ := f.Svc.SearchEvents(ctx, f.ACL("user"), intel.Search{Metadata: true, EventInfo: store.Any("alpha%")})
	for e, err := range seq {
		if err != nil {
			t.Fatal(err)
		}
		if len(e.Attribute) != 0 || len(e.Object) != 0 || len(e.Tag) == 0 {
			t.Errorf("metadata event has %d attributes, %d objects, %d tags", len(e.Attribute), len(e.Object), len(e.Tag))
		}
	}
	seq, _ = f.Svc.SearchEvents(ctx, f.ACL("user"), intel.Search{EventInfo: store.Any("alpha%")})
	for e, err := range seq {
		if err != nil {
			t.Fatal(err)
		}
		if len(e.Attribute) != 4 || len(e.Object) != 1 {
			t.Errorf("event has %d attributes (deleted left out: want 4), %d objects", len(e.Attribute), len(e.Object))
		}
	}
}

func TestSearchAttributesIncludes(t *testing.T) {
	f, d := newSearchFixture(t)
	seq, _ := f.Svc.SearchAttributes(context.Background(), f.ACL("user"),
		mustParseSearch(t, `{"value":"10.0.0.1","includeEventUuid":1,"includeEventTags":1,"includeContext":1}`))
	n := 0
	for a, err := range seq {
		if err != nil {
			t.Fatal(err)
		}
		n++
		if a.EventUUID != d.alpha.UUID {
			t.Errorf("event_uuid %q, want %q", a.EventUUID, d.alpha.UUID)
		}
		var tags []string
		for _, tg := range a.Tag {
			tags = append(tags, tg.Name)
		}
		if !slices.Contains(tags, "tlp:green") || !slices.Contains(tags, "kill-chain:delivery") {
			t.Errorf("tags %q want the attribute's and the event's", tags)
		}
		if a.Event == nil || a.Event.Info != "alpha campaign" || a.Event.Orgc == nil || a.Event.Orgc.Name != inteltest.HostOrg {
			t.Errorf("context %+v", a.Event)
		}
	}
	if n != 1 {
		t.Fatalf("%d attributes", n)
	}
}

// TestSearchInjection sends SQL injection strings in every filter: each is an ordinary value that matches
// nothing, and the data is all still there afterwards.
func TestSearchInjection(t *testing.T) {
	f, _ := newSearchFixture(t)
	params := []string{"value", "type", "category", "tags", "event_tags", "org", "eventinfo", "object_relation",
		"uuid", "eventid", "threat_level_id"}
	attacks := []string{`' OR 1=1 --`, `1; DROP TABLE attributes; --`, `%' OR '1'='1`, `") OR ("1"="1`,
		`1 UNION SELECT value1 FROM attributes`, `\' OR 1=1 /*`, `x'||(SELECT 1)||'`}
	for _, p := range params {
		for _, a := range attacks {
			body, _ := json.Marshal(map[string]any{p: a})
			got, n := searchAttrValues(t, f, "admin", mustParseSearch(t, string(body)))
			if len(got) != 0 || n != 0 {
				t.Errorf("attributes %s: %q matched %q (count %d)", p, a, got, n)
			}
			infos, n := searchEventInfos(t, f, "admin", mustParseSearch(t, string(body)))
			if len(infos) != 0 || n != 0 {
				t.Errorf("events %s: %q matched %q (count %d)", p, a, infos, n)
			}
		}
	}
	if got, _ := searchAttrValues(t, f, "admin", intel.Search{}); len(got) != 10 {
		t.Fatalf("after the attempts the admin sees %d attributes, want 10", len(got))
	}
}

// TestSearchNeverLeaksPrivateEvent runs many searches as users outside Org Two, in every scope and format, and
// checks that nothing of Org Two's distribution-0 event appears.
func TestSearchNeverLeaksPrivateEvent(t *testing.T) {
	f, d := newSearchFixture(t)
	secrets := []string{"secret.example.org", "beta secret", d.beta.UUID, "tlp:red"}
	bodies := []string{`{}`, `{"value":"10.0.0.1"}`, `{"value":"%"}`, `{"tags":"kill-chain:delivery"}`,
		`{"org":"Org Two"}`, `{"eventid":` + fmt.Sprint(d.beta.ID) + `}`, `{"uuid":"` + d.beta.UUID + `"}`,
		`{"threat_level_id":3}`, `{"deleted":[0,1],"to_ids":[0,1]}`, `{"includeEventTags":1,"includeContext":1}`,
		`{"last":"30d"}`, `{"tags":"tlp:red"}`}
	for _, user := range []string{"user", "orgadmin", "publisher", "readonly", "sync", "user3"} {
		for _, body := range bodies {
			for _, format := range []string{"json", "csv", "text"} {
				q := mustParseSearch(t, body)
				q.Format = intel.Format(format)
				if format == "text" {
					q.ToIDSGiven, q.PublishedGiven = true, true // everything, as [0, 1] asks
				}
				for _, scope := range []intel.Scope{intel.ScopeAttributes, intel.ScopeEvents} {
					var buf bytes.Buffer
					if err := f.Svc.Export(context.Background(), f.ACL(user), scope, q, &buf); err != nil {
						t.Fatalf("%s %s %s as %s: %v", scope, format, body, user, err)
					}
					for _, s := range secrets {
						if strings.Contains(buf.String(), s) {
							t.Errorf("%s %s %s as %s leaks %q:\n%s", scope, format, body, user, s, buf.String())
						}
					}
				}
			}
		}
	}
}
