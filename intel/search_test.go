package intel_test

import (
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/hunchsec/hunch/intel"
	"github.com/hunchsec/hunch/misp"
	"github.com/hunchsec/hunch/store"
)

func ptr[T any](v T) *T { return &v }

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
			intel.Search{Format: intel.FormatJSON, Published: ptr(true), ToIDS: ptr(false), Deleted: store.LiveAndDeleted,
				Metadata: true, IncludeEventUUID: true, IncludeEventTags: true, IncludeContext: true}},
		{"both to_ids", `{"to_ids":[0,1],"deleted":1}`,
			intel.Search{Format: intel.FormatJSON, Deleted: store.DeletedOnly}},
		{"times", `{"timestamp":["14d","7d"],"last":"12h","from":"2024-03-05","to":1709596800,"publish_timestamp":"30m"}`,
			intel.Search{Format: intel.FormatJSON,
				Timestamp:        intel.TimeRange{From: intel.TimeBound{Ago: 14 * 24 * time.Hour}, To: intel.TimeBound{Ago: 7 * 24 * time.Hour}},
				PublishTimestamp: intel.TimeRange{From: intel.TimeBound{Ago: 12 * time.Hour}},
				Date:             intel.TimeRange{From: intel.TimeBound{At: day}, To: intel.TimeBound{At: day}}}},
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
		{`{"returnFormat":"stix2"}`, "", true},
		{`{"returnFormat":"suricata"}`, "", true},
		{`{"returnFormat":"pdf"}`, "", false},
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
