package template

import (
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hunchsec/hunch/siem"
)

var update = flag.Bool("update", false, "rewrite the golden files")

var now = time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)

// examples returns each parameter's Example, the sample values the golden files are made of.
func examples(t *Template) map[string]string {
	vals := map[string]string{}
	for _, p := range t.Params {
		vals[p.Name] = p.Example
	}
	return vals
}

func TestBuiltinGolden(t *testing.T) {
	ts, err := Builtin()
	if err != nil {
		t.Fatal(err)
	}
	want := map[Backend]map[string]bool{}
	for _, tm := range ts {
		if want[tm.Backend] == nil {
			want[tm.Backend] = map[string]bool{}
		}
		want[tm.Backend][strings.TrimPrefix(tm.Name, string(tm.Backend)+".")] = true
		t.Run(tm.Name, func(t *testing.T) {
			for _, p := range tm.Params {
				if p.Example == "" || p.Description == "" {
					t.Errorf("parameter %s lacks an example or description", p.Name)
				}
			}
			r, err := tm.Render(examples(tm), now)
			if err != nil {
				t.Fatal(err)
			}
			if err := r.Query.Validate(); err != nil && tm.Language != siem.Where {
				t.Fatal(err)
			}
			if strings.Contains(r.Query.Text, "{{") {
				t.Fatalf("placeholder left: %s", r.Query.Text)
			}
			golden := filepath.Join("testdata", "golden", tm.Name+".txt")
			got := string(r.Query.Language) + "\n" + r.Query.Text + "\n"
			if *update {
				if err := os.MkdirAll(filepath.Dir(golden), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			wantText, err := os.ReadFile(golden)
			if err != nil {
				t.Fatal(err)
			}
			if got != string(wantText) {
				t.Errorf("rendered\n%s\nwant\n%s", got, wantText)
			}
			// Defaults alone must render once the required values are given.
			req := map[string]string{}
			for _, p := range tm.Params {
				if p.Required {
					req[p.Name] = p.Example
				}
			}
			if _, err := tm.Render(req, now); err != nil {
				t.Errorf("with defaults: %v", err)
			}
		})
	}
	for _, b := range []Backend{Splunk, Sentinel, Elastic, Files} {
		for _, q := range []string{"process_by_host", "process_by_account", "encoded_powershell", "rare_parent_child",
			"logons_by_account", "failed_logon_burst", "network_to_ip", "dns_for_domain"} {
			if !want[b][q] {
				t.Errorf("no built-in %s.%s", b, q)
			}
		}
	}
}

// literalAt finds the literal written for a value between before and after in text.
func literalAt(t *testing.T, text, before, after string) string {
	t.Helper()
	i := strings.Index(text, before)
	if i < 0 {
		t.Fatalf("%q not in %q", before, text)
	}
	rest := text[i+len(before):]
	j := strings.LastIndex(rest, after)
	if after == "" {
		j = len(rest)
	}
	if j < 0 {
		t.Fatalf("%q not after %q in %q", after, before, text)
	}
	return rest[:j]
}

func TestInjection(t *testing.T) {
	hostile := []string{
		`" | delete`,
		`x" OR 1=1 | delete index=main "`,
		`a\" | delete`,
		`'; drop table x; --`,
		"quote\" and pipe | and\nnewline\ttab \\ backslash",
		`") or true or ("`,
		`foo:bar AND (baz) OR "x" \"`,
	}
	tests := []struct {
		backend Backend
		lang    siem.Language
		unquote func(string) (string, error)
		body    string
		before  string
		after   string
	}{
		{Splunk, siem.SPL, siem.UnquoteSPL, "search host={{v}} | table host", "search host=", " | table host"},
		{Sentinel, siem.KQL, siem.UnquoteKQL, "T | where x == {{v}} | project x", "where x == ", " | project x"},
		{Elastic, siem.Lucene, siem.UnquoteLucene, "a:b AND host.name:{{v}}", "host.name:", ""},
		{Elastic, siem.ESQL, siem.UnquoteESQL, "FROM x | WHERE a == {{v}} | LIMIT 1", "a == ", " | LIMIT 1"},
		{Files, siem.Where, siem.UnquoteSPL, "Computer = {{v}} and EventID = 1", "Computer = ", " and EventID"},
	}
	for _, tc := range tests {
		tm := &Template{Name: "inject", Backend: tc.backend, Language: tc.lang, Body: tc.body,
			Params: []Param{{Name: "v", Required: true}}}
		if err := tm.check(); err != nil {
			t.Fatal(err)
		}
		for _, h := range hostile {
			r, err := tm.Render(map[string]string{"v": h}, now)
			if err != nil {
				t.Fatal(err)
			}
			lit := literalAt(t, r.Query.Text, tc.before, tc.after)
			got, err := tc.unquote(lit)
			if err != nil {
				t.Errorf("%s: %q rendered %q, which is not one literal: %v", tc.lang, h, r.Query.Text, err)
				continue
			}
			if got != h {
				t.Errorf("%s: literal reads back as %q, want %q", tc.lang, got, h)
			}
		}
	}
	// SQL: the value is bound, never part of the text.
	tm := &Template{Name: "inject", Backend: SQL, Body: "select * from t where a = {{v}} and b in {{l}}",
		Params: []Param{{Name: "v", Required: true}, {Name: "l", Type: List, Required: true}}}
	if err := tm.check(); err != nil {
		t.Fatal(err)
	}
	for _, h := range hostile {
		r, err := tm.Render(map[string]string{"v": h, "l": "x," + strings.ReplaceAll(h, ",", ";")}, now)
		if err != nil {
			t.Fatal(err)
		}
		if r.Query.Text != "select * from t where a = :v and b in (:l_1, :l_2)" {
			t.Errorf("sql text %q", r.Query.Text)
		}
		if r.Params["v"] != h {
			t.Errorf("sql param %q, want %q", r.Params["v"], h)
		}
		q, args, err := siem.BindSQL(r.Query.Text, r.Params, siem.Dollar)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(q, "drop") || len(args) != 3 || args[0] != h {
			t.Errorf("bound %q %v", q, args)
		}
	}
}

func TestLiterals(t *testing.T) {
	ts := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	tests := []struct {
		lang siem.Language
		typ  ParamType
		in   string
		want string
	}{
		{siem.SPL, Int, "42", "42"},
		{siem.SPL, Datetime, ts.Format(time.RFC3339), "1767323045"},
		{siem.KQL, Datetime, ts.Format(time.RFC3339), "datetime(2026-01-02T03:04:05Z)"},
		{siem.ESQL, Datetime, ts.Format(time.RFC3339), `TO_DATETIME("2026-01-02T03:04:05Z")`},
		{siem.Lucene, Datetime, ts.Format(time.RFC3339), `"2026-01-02T03:04:05Z"`},
		{siem.Where, Datetime, "1767323045", `"2026-01-02T03:04:05Z"`},
		{siem.KQL, Datetime, "-1d@d", "datetime(2026-11-22T00:00:00Z)"},
		{siem.SPL, List, `a, b"c ,`, `("a", "b\"c")`},
		{siem.KQL, List, "a,b", `("a", "b")`},
		{siem.Lucene, List, "a,b", `("a" OR "b")`},
		{siem.ESQL, List, "a", `("a")`},
		{siem.Where, List, `C:\x,y`, `("C:\\x", "y")`},
		{siem.SPL, String, "", `""`},
	}
	for _, tc := range tests {
		b := Splunk
		switch tc.lang {
		case siem.KQL:
			b = Sentinel
		case siem.Lucene, siem.ESQL:
			b = Elastic
		case siem.Where:
			b = Files
		}
		tm := &Template{Name: "lit", Backend: b, Language: tc.lang, Body: "x {{v}}", Params: []Param{{Name: "v", Type: tc.typ, Required: true}}}
		if err := tm.check(); err != nil {
			t.Fatal(err)
		}
		r, err := tm.Render(map[string]string{"v": tc.in}, now)
		if err != nil {
			t.Errorf("%s %s %q: %v", tc.lang, tc.typ, tc.in, err)
			continue
		}
		if got := strings.TrimPrefix(r.Query.Text, "x "); got != tc.want {
			t.Errorf("%s %s %q: got %s, want %s", tc.lang, tc.typ, tc.in, got, tc.want)
		}
	}
}

func TestSQLTypes(t *testing.T) {
	tm := &Template{Name: "s", Backend: SQL, Body: "select 1 where a = {{n}} and b > {{t}} and c = {{s}}",
		Params: []Param{{Name: "n", Type: Int, Required: true}, {Name: "t", Type: Datetime, Required: true}, {Name: "s", Required: true}}}
	if err := tm.check(); err != nil {
		t.Fatal(err)
	}
	r, err := tm.Render(map[string]string{"n": "7", "t": "2026-01-02T03:04:05+01:00", "s": "x"}, now)
	if err != nil {
		t.Fatal(err)
	}
	if r.Params["n"] != int64(7) || r.Params["t"] != time.Date(2026, 1, 2, 2, 4, 5, 0, time.UTC) || r.Params["s"] != "x" {
		t.Errorf("params %#v", r.Params)
	}
	if r.Query.Language != siem.SQL || r.Query.Text != "select 1 where a = :n and b > :t and c = :s" {
		t.Errorf("query %+v", r.Query)
	}
}

func TestRenderErrors(t *testing.T) {
	def := "5"
	tm := &Template{Name: "e", Backend: Splunk, Body: "search a={{host}} b={{n}} c={{when}} d={{l}}", Params: []Param{
		{Name: "host", Required: true, Aliases: []string{"computer"}},
		{Name: "n", Type: Int, Default: &def},
		{Name: "when", Type: Datetime, Required: true},
		{Name: "l", Type: List, Required: true},
	}}
	if err := tm.check(); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		vals map[string]string
		want string
	}{
		{map[string]string{"host": "h", "when": "-1h", "l": "a", "bogus": "x"}, `unknown parameter "bogus"`},
		{map[string]string{"when": "-1h", "l": "a"}, "parameter host is required"},
		{map[string]string{"host": "h", "computer": "h2", "when": "-1h", "l": "a"}, "given twice"},
		{map[string]string{"host": "h", "n": "five", "when": "-1h", "l": "a"}, `parameter n (int): "five" is not an integer`},
		{map[string]string{"host": "h", "when": "yesterday-ish", "l": "a"}, "parameter when (datetime)"},
		{map[string]string{"host": "h", "when": "-1h", "l": " , "}, "parameter l (list): empty list"},
	}
	for _, tc := range tests {
		_, err := tm.Render(tc.vals, now)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: got %v, want %q", tc.vals, err, tc.want)
		}
	}
	r, err := tm.Render(map[string]string{"computer": "h", "when": "0", "l": "a,b"}, now)
	if err != nil {
		t.Fatal(err)
	}
	if r.Query.Text != `search a="h" b=5 c=0 d=("a", "b")` {
		t.Errorf("got %s", r.Query.Text)
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		yaml string
		want string
	}{
		{"name: Bad Name\nbackend: splunk\nbody: x", "name \"Bad Name\""},
		{"name: a\nbackend: qradar\nbody: x", `unknown backend "qradar"`},
		{"name: a\nbackend: splunk\nlanguage: kql\nbody: x", "does not fit backend"},
		{"name: a\nbackend: splunk\nbody: ' '", "empty body"},
		{"name: a\nbackend: splunk\nbody: x {{y}}", "{{y}}, which is not a parameter"},
		{"name: a\nbackend: splunk\nparameters: [{name: y, required: true}]\nbody: x", "parameter y is not used"},
		{"name: a\nbackend: splunk\nparameters: [{name: y, type: float, required: true}]\nbody: x {{y}}", `unknown type "float"`},
		{"name: a\nbackend: splunk\nparameters: [{name: y}]\nbody: x {{y}}", "neither required nor given a default"},
		{"name: a\nbackend: splunk\nparameters: [{name: y, required: true, default: '1'}]\nbody: x {{y}}", "required and has a default"},
		{"name: a\nbackend: splunk\nparameters: [{name: y, type: int, default: x}]\nbody: x {{y}}", "default"},
		{"name: a\nbackend: splunk\nparameters: [{name: y, required: true}, {name: z, required: true, aliases: [y]}]\nbody: '{{y}}{{z}}'", `name "y" used by`},
		{"name: a\nbackend: splunk\nbodyy: x", "not found in type"},
		{"name: a\nbackend: sql\nparameters: [{name: l, type: list, required: true}, {name: l_2, required: true}]\nbody: '{{l}} {{l_2}}'", "clashes with the names list l binds"},
		{"", "no templates"},
	}
	for _, tc := range tests {
		_, err := Parse([]byte(tc.yaml), "t.yaml")
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: got %v, want %q", tc.yaml, err, tc.want)
		}
	}
}

func TestLibrary(t *testing.T) {
	d1, d2 := t.TempDir(), t.TempDir()
	write := func(dir, name, text string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(d1, "mine.yaml", "name: splunk.process_by_host\nbackend: splunk\nfamily: process\nparameters: [{name: host, required: true}]\nbody: search sourcetype=mine host={{host}}\n---\nname: my.sql\nbackend: sql\nfamily: logon\ntags: [Custom]\nbody: select 1\n")
	write(d1, "notes.txt", "not a template")
	write(d2, "x.yml", "name: my.sql\nbackend: sql\nbody: select 2\n")
	lib, err := Load([]string{d1, d2})
	if err != nil {
		t.Fatal(err)
	}
	if len(lib.Notes) != 2 || !strings.Contains(lib.Notes[0], "splunk.process_by_host from "+filepath.Join(d1, "mine.yaml")+" replaces the one from builtin:splunk.yaml") {
		t.Errorf("notes %q", lib.Notes)
	}
	tm, err := lib.Get("splunk.process_by_host")
	if err != nil || !strings.Contains(tm.Body, "sourcetype=mine") {
		t.Errorf("override: %v %v", tm, err)
	}
	if tm, _ := lib.Get("my.sql"); tm == nil || tm.Body != "select 2" {
		t.Errorf("second folder does not win: %+v", tm)
	}
	if _, err := lib.Get("nope"); err == nil {
		t.Error("missing template found")
	}
	if got := lib.List(Filter{Tag: "custom"}); len(got) != 0 {
		t.Errorf("tag filter kept the replaced template: %v", got)
	}
	if got := lib.List(Filter{Backend: Sentinel, Family: "dns"}); len(got) != 1 || got[0].Name != "sentinel.dns_for_domain" {
		t.Errorf("filter: %v", got)
	}
	if got := lib.List(Filter{Tag: "eventcode.4625"}); len(got) != 4 {
		t.Errorf("tag filter: %d templates", len(got))
	}
	all := lib.List(Filter{})
	for i := 1; i < len(all); i++ {
		if all[i-1].Name >= all[i].Name {
			t.Errorf("not sorted: %s, %s", all[i-1].Name, all[i].Name)
		}
	}
	write(d2, "dup.yaml", "name: my.sql\nbackend: sql\nbody: select 3\n")
	if _, err := Load([]string{d2}); err == nil || !regexp.MustCompile(`my.sql is defined in both`).MatchString(err.Error()) {
		t.Errorf("duplicate in one folder: %v", err)
	}
	if _, err := Load([]string{filepath.Join(d1, "missing")}); err == nil {
		t.Error("missing folder accepted")
	}
}
