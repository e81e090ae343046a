package sentinel

import (
	"encoding/json"
	"testing"
)

// FuzzParseResults feeds query replies through the decoder and the cell conversion: no input may
// panic, and a decoded reply must turn into records whose field count is its column count.
func FuzzParseResults(f *testing.F) {
	for _, name := range []string{"query_success.json", "query_workspaces.json", "query_partial.json", "error_400.json"} {
		f.Add(fixture(f, name))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		res, err := parseResults(data)
		if err != nil {
			return
		}
		for _, tb := range res.tables {
			for i := range tb.rows {
				r, err := tb.record(i)
				if err != nil {
					continue
				}
				if r.Len() != len(tb.columns) {
					t.Fatalf("row %d: %d fields for %d columns", i, r.Len(), len(tb.columns))
				}
				_ = r.AppendJSON(nil)
			}
		}
	})
}

// FuzzDynamic checks that any dynamic cell text converts without panicking and that what it
// converts to is valid JSON again.
func FuzzDynamic(f *testing.F) {
	for _, s := range []string{`{"b":1,"a":[1,2.5,"x",null,true]}`, `[]`, `"text"`, `123456789012345678901234567890`, `1e400`, `{"a":{"a":{}}}`, `not json`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		raw, _ := jsonString(s)
		v, err := cell("dynamic", raw)
		if err != nil {
			return
		}
		out := v.AppendJSON(nil)
		if _, err := parseJSON(out); err != nil {
			t.Fatalf("dynamic %q converted to invalid JSON %s: %v", s, out, err)
		}
	})
}

// jsonString encodes s as a JSON string, the way the query API sends dynamic cells.
func jsonString(s string) ([]byte, error) { return json.Marshal(s) }
