package intel

import (
	"errors"
	"slices"
	"testing"
)

// FuzzParseSearch feeds restSearch bodies to ParseSearch: it must not panic, must refuse with a *SearchError
// or *FormatError only, and what it accepts must be a query the store can run (a known format, a page and
// limit that are not negative).
func FuzzParseSearch(f *testing.F) {
	for _, s := range []string{
		``,
		`null`,
		`{"returnFormat":"json","value":"198.51.100.%","type":["ip-dst","!domain"]}`,
		`{"request":{"returnFormat":"csv","tags":{"OR":["tlp:white"],"NOT":["tlp:red"]},"limit":"10","page":2}}`,
		`{"returnformat":"text","to_ids":[0,1],"published":true,"last":"7d","timestamp":["1d","1h"]}`,
		`{"eventid":["1","5bf2"],"uuid":"5c9c1b0e-7a3c-4b3e-9f2a-0a0b0c0d0e0f","org":"!ORGNAME","deleted":"both"}`,
		`{"date":["2020-01-01","2020-12-31"],"from":"2019-01-01","to":1600000000,"threat_level_id":[1,"4"]}`,
		`{"requested_attributes":["value","uuid"],"headerless":1,"includeContext":true,"metadata":"1"}`,
		`{"returnFormat":"stix2"}`,
		`{"limit":-1,"page":"x"}`,
		`{"value":{"AND":[1,null,{"x":[]}]}}`,
		`[1,2,3]`,
		`{"request":[]}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		q, err := ParseSearch(body)
		if err != nil {
			var se *SearchError
			var fe *FormatError
			if !errors.As(err, &se) && !errors.As(err, &fe) {
				t.Fatalf("refusal of type %T: %v", err, err)
			}
			if err.Error() == "" {
				t.Fatal("a refusal without words")
			}
			return
		}
		if !slices.Contains(Formats(), q.Format) {
			t.Fatalf("accepted format %q", q.Format)
		}
		if q.Limit < 0 || q.Page < 0 {
			t.Fatalf("accepted limit %d, page %d", q.Limit, q.Page)
		}
	})
}
