package misp

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestFeedWire checks a feed's JSON as MISP writes it (settings and rules as strings) and as PyMISP sends it back
// (settings as an object, or encoded twice as in MISP's default feed list).
func TestFeedWire(t *testing.T) {
	tests := []struct {
		name, in   string
		wantValue  string
		wantDelim  string
		wantRules  string
		wantErrSub string
	}{
		{"string", `{"name":"f","settings":"{\"csv\":{\"value\":\"2\",\"delimiter\":\";\"},\"common\":{\"excluderegex\":\"/^#/\"}}","rules":"{\"tags\":{}}"}`, "2", ";", `{"tags":{}}`, ""},
		{"object", `{"name":"f","settings":{"csv":{"value":3,"delimiter":","}},"rules":{"tags": {"OR": []}}}`, "3", ",", `{"tags":{"OR":[]}}`, ""},
		{"twice", `{"name":"f","settings":"\"{\\\"csv\\\":{\\\"value\\\":\\\"1\\\"}}\""}`, "1", "", "", ""},
		{"empty", `{"name":"f","settings":"","rules":null}`, "", "", "", ""},
		{"bad", `{"name":"f","settings":"{\"csv\":[]}"}`, "", "", "", "feed settings"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var f Feed
			err := json.Unmarshal([]byte(tc.in), &f)
			if tc.wantErrSub != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErrSub) {
					t.Fatalf("err %v, want %q", err, tc.wantErrSub)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if f.Settings.CSV.Value != tc.wantValue || f.Settings.CSV.Delimiter != tc.wantDelim || string(f.Rules) != tc.wantRules {
				t.Errorf("decoded %+v rules %q", f.Settings, f.Rules)
			}
			out, err := json.Marshal(f)
			if err != nil {
				t.Fatal(err)
			}
			var m map[string]any
			if err := json.Unmarshal(out, &m); err != nil {
				t.Fatal(err)
			}
			s, ok := m["settings"].(string)
			if !ok || !json.Valid([]byte(s)) || m["enabled"] != false || m["id"] != nil {
				t.Errorf("encoded %s", out)
			}
		})
	}
	s := FeedSettings{}
	s.CSV.Value = "1, 3"
	if c, err := s.Columns(); err != nil || len(c) != 2 || c[0] != 0 || c[1] != 2 {
		t.Errorf("Columns = %v %v", c, err)
	}
	s.CSV.Value = "0"
	if _, err := s.Columns(); err == nil {
		t.Error("column 0 accepted")
	}
}
