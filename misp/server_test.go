package misp

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestServerWire(t *testing.T) {
	tests := []struct {
		name    string
		body    string
		wantSet string
		check   func(t *testing.T, s *Server)
		wantErr bool
	}{
		{
			name:    "PyMISP add",
			body:    `{"Server":{"name":"Test Server","url":"https://127.0.0.1","remote_org_id":1,"authkey":"k"}}`,
			wantSet: "authkey name remote_org_id url",
			check: func(t *testing.T, s *Server) {
				if s.Name != "Test Server" || s.RemoteOrgID != 1 || s.Authkey != "k" {
					t.Errorf("decoded %+v", s)
				}
			},
		},
		{
			name:    "bare with MISP's string rules",
			body:    `{"name":"x","push":"1","pull_rules":"{\"tags\":{\"OR\":[12,\"tlp:green\"],\"NOT\":[]},\"orgs\":{\"OR\":[],\"NOT\":[\"ORG\"]},\"url_params\":\"\"}"}`,
			wantSet: "name pull_rules push",
			check: func(t *testing.T, s *Server) {
				if !bool(s.Push) || strings.Join(s.PullRules.Tags.OR, ",") != "12,tlp:green" || s.PullRules.Orgs.NOT[0] != "ORG" {
					t.Errorf("decoded %+v", s)
				}
			},
		},
		{
			name:    "rules as an object, empty PHP array",
			body:    `{"push_rules":{"tags":{"OR":{},"NOT":["tlp:red"]}}}`,
			wantSet: "push_rules",
			check: func(t *testing.T, s *Server) {
				if len(s.PushRules.Tags.OR) != 0 || s.PushRules.Tags.NOT[0] != "tlp:red" {
					t.Errorf("decoded %+v", s.PushRules)
				}
			},
		},
		{name: "rules not JSON", body: `{"pull_rules":"{nope"}`, wantErr: true},
		{name: "not an object", body: `[1]`, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var s Server
			set, err := DecodeServerInto([]byte(tt.body), &s)
			if (err != nil) != tt.wantErr {
				t.Fatalf("err %v, want error %v", err, tt.wantErr)
			}
			if err != nil {
				return
			}
			if got := strings.Join(set, " "); got != tt.wantSet {
				t.Errorf("set %q, want %q", got, tt.wantSet)
			}
			tt.check(t, &s)
		})
	}
}

func TestEncodeServerShapes(t *testing.T) {
	s := &Server{ID: 3, Name: "n", URL: "https://x", Authkey: MaskAuthkey(strings.Repeat("a", 20) + strings.Repeat("b", 20)),
		PushRules: SyncRules{Tags: RuleList{NOT: []string{"tlp:red"}}}}
	b, err := EncodeServer(s)
	if err != nil {
		t.Fatal(err)
	}
	var out map[string]map[string]any
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	sv := out["Server"]
	if sv["push"] != false || sv["authkey"] != "aaaa********************************bbbb" {
		t.Errorf("server %v", sv)
	}
	rules, ok := sv["push_rules"].(string)
	if !ok || !strings.Contains(rules, `"NOT":["tlp:red"]`) {
		t.Errorf("push_rules %#v, want MISP's JSON string", sv["push_rules"])
	}
	// The short form sharing groups embed stays id, name, url.
	short, _ := json.Marshal(&Server{ID: 1, Name: "n", URL: "u"})
	if string(short) != `{"id":"1","name":"n","url":"u"}` {
		t.Errorf("short form %s", short)
	}
	if !IsMaskedAuthkey(MaskAuthkey("abcdefghij")) || MaskAuthkey("") != "" || MaskAuthkey("abc") != "***" {
		t.Error("MaskAuthkey")
	}
}

func TestRuleListAllows(t *testing.T) {
	tests := []struct {
		rule RuleList
		have []string
		want bool
	}{
		{RuleList{}, nil, true},
		{RuleList{OR: []string{"tlp:green"}}, []string{"TLP:GREEN"}, true},
		{RuleList{OR: []string{"tlp:green"}}, []string{"tlp:white"}, false},
		{RuleList{NOT: []string{"tlp:red"}}, []string{"tlp:red", "x"}, false},
		{RuleList{OR: []string{"a"}, NOT: []string{"b"}}, []string{"a", "b"}, false},
	}
	for i, tt := range tests {
		if got := tt.rule.Allows(tt.have); got != tt.want {
			t.Errorf("%d: %+v.Allows(%v) = %v", i, tt.rule, tt.have, got)
		}
	}
}

// FuzzDecodeServer checks that any body decodes without panicking and that decoded rules survive their own
// string form.
func FuzzDecodeServer(f *testing.F) {
	f.Add([]byte(`{"Server":{"name":"a","url":"https://b","pull_rules":"{\"tags\":{\"OR\":[1],\"NOT\":[]}}"}}`))
	f.Add([]byte(`{"push_rules":{"orgs":{"OR":["x"],"NOT":{}}}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var s Server
		if _, err := DecodeServerInto(data, &s); err != nil {
			return
		}
		for _, r := range []SyncRules{s.PullRules, s.PushRules} {
			back, err := ParseSyncRules(r.String())
			if err != nil {
				t.Fatalf("rules %s do not parse back: %v", r.String(), err)
			}
			if back.String() != r.String() {
				t.Fatalf("rules round trip: %s != %s", back.String(), r.String())
			}
		}
	})
}
