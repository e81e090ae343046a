package sigma

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/hunchsec/hunch/record"
)

func rec(kv ...any) record.Record {
	var r record.Record
	for i := 0; i+1 < len(kv); i += 2 {
		switch v := kv[i+1].(type) {
		case string:
			r.Append(kv[i].(string), record.String(v))
		case int:
			r.Append(kv[i].(string), record.Int(int64(v)))
		case []string:
			r.Append(kv[i].(string), record.Strings(v...))
		case record.Value:
			r.Append(kv[i].(string), v)
		}
	}
	return r
}

func mustRule(t *testing.T, detection string) *Rule {
	t.Helper()
	r, err := Parse("test.yml", []byte("title: t\nid: 00000000-0000-0000-0000-000000000001\nauthor: tester\nlogsource:\n  category: process_creation\n  product: windows\ndetection:\n"+detection))
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestModifiersAndConditions(t *testing.T) {
	type tc struct {
		ev   record.Record
		want bool
	}
	sysmon := func(kv ...any) record.Record { return rec(append([]any{"EventID", 1}, kv...)...) }
	for _, c := range []struct {
		name, det string
		cases     []tc
	}{
		{"exact is case-insensitive", "  sel:\n    Image: 'C:\\Windows\\System32\\cmd.exe'\n  condition: sel", []tc{
			{sysmon("Image", `c:\windows\system32\CMD.EXE`), true}, {sysmon("Image", `C:\cmd.exe`), false}}},
		{"endswith list", "  sel:\n    Image|endswith:\n      - '\\a.exe'\n      - '\\b.exe'\n  condition: sel", []tc{
			{sysmon("Image", `X:\B.EXE`), true}, {sysmon("Image", `X:\c.exe`), false}}},
		{"contains all", "  sel:\n    CommandLine|contains|all: [' -w hidden', 'iex']\n  condition: sel", []tc{
			{sysmon("CommandLine", `powershell -W Hidden -c IEX(x)`), true}, {sysmon("CommandLine", `powershell -w hidden`), false}}},
		{"wildcards and escapes", "  sel:\n    CommandLine: 'a?c*\\*'\n  condition: sel", []tc{
			{sysmon("CommandLine", `abcdef*`), true}, {sysmon("CommandLine", `abcdef`), false}, {sysmon("CommandLine", `ac*`), false}}},
		{"windash", "  sel:\n    CommandLine|contains|windash: ' -enc '\n  condition: sel", []tc{
			{sysmon("CommandLine", `powershell /enc AAA`), true}, {sysmon("CommandLine", "powershell \u2013enc AAA"), true},
			{sysmon("CommandLine", `powershell -enc AAA`), true}, {sysmon("CommandLine", `powershell enc AAA`), false}}},
		{"base64offset", "  sel:\n    CommandLine|base64offset|contains: 'foobar'\n  condition: sel", []tc{
			{sysmon("CommandLine", `x Zm9vYmFy`), true}, {sysmon("CommandLine", `IGZvb2Jhcg==`), true}, {sysmon("CommandLine", `ICBmb29iYXI=`), true},
			{sysmon("CommandLine", `Zm9vYmF`), false}}},
		{"wide base64offset", "  sel:\n    CommandLine|wide|base64offset|contains: 'ab'\n  condition: sel", []tc{
			{sysmon("CommandLine", "YQBiAA"), true}}},
		{"re with i", "  sel:\n    CommandLine|re|i: '^cmd\\s+/c\\s+whoami$'\n  condition: sel", []tc{
			{sysmon("CommandLine", `CMD  /C whoami`), true}, {sysmon("CommandLine", `cmd /c whoami /all`), false}}},
		{"re is case-sensitive", "  sel:\n    CommandLine|re: 'whoami'\n  condition: sel", []tc{
			{sysmon("CommandLine", `WHOAMI`), false}, {sysmon("CommandLine", `whoami`), true}}},
		{"cased", "  sel:\n    CommandLine|cased: 'AbC'\n  condition: sel", []tc{
			{sysmon("CommandLine", `abc`), false}, {sysmon("CommandLine", `AbC`), true}}},
		{"null and empty", "  sel:\n    OriginalFileName: null\n  empty:\n    OriginalFileName: ''\n  condition: sel or empty", []tc{
			{sysmon("Image", "x"), true}, {sysmon("OriginalFileName", ""), true}, {sysmon("OriginalFileName", "a.exe"), false},
			{sysmon("OriginalFileName", record.Null()), true}}},
		{"exists", "  sel:\n    Hashes|exists: true\n  condition: sel", []tc{
			{sysmon("Hashes", "MD5=1"), true}, {sysmon("Image", "x"), false}}},
		{"cidr", "  sel:\n    DestinationIp|cidr: ['10.0.0.0/8', '2001:db8::/32']\n  condition: sel", []tc{
			{sysmon("DestinationIp", "10.1.2.3"), true}, {sysmon("DestinationIp", "2001:db8::1"), true}, {sysmon("DestinationIp", "11.0.0.1"), false}}},
		{"fieldref", "  sel:\n    Image|fieldref: ParentImage\n  condition: sel", []tc{
			{sysmon("Image", `C:\a.exe`, "ParentImage", `c:\A.exe`), true}, {sysmon("Image", `C:\a.exe`, "ParentImage", `c:\b.exe`), false}}},
		{"numbers", "  sel:\n    ProcessId|gte: 4\n    LogonType: 3\n  condition: sel", []tc{
			{sysmon("ProcessId", 4, "LogonType", "3"), true}, {sysmon("ProcessId", 3, "LogonType", 3), false}}},
		{"keywords", "  keywords:\n    - 'mimikatz'\n  condition: keywords", []tc{
			{sysmon("CommandLine", "x MimiKatz.exe"), true}, {sysmon("CommandLine", "x"), false}}},
		{"list field value", "  sel:\n    Tags: 'b'\n  condition: sel", []tc{
			{sysmon("Tags", []string{"a", "B"}), true}, {sysmon("Tags", []string{"a"}), false}}},
		{"conditions", "  selection_1a:\n    A: x\n  selection_1b:\n    B: y\n  set2:\n    C: z\n  filter_main:\n    D: w\n  condition: (all of selection_1* or set2) and not 1 of filter_*", []tc{
			{sysmon("A", "x", "B", "y"), true}, {sysmon("A", "x"), false}, {sysmon("C", "z"), true}, {sysmon("C", "z", "D", "w"), false}}},
		{"them", "  a:\n    A: x\n  b:\n    B: y\n  condition: all of them", []tc{
			{sysmon("A", "x", "B", "y"), true}, {sysmon("A", "x"), false}}},
		{"list of maps is or", "  sel:\n    - A: x\n    - B: y\n  condition: sel", []tc{
			{sysmon("B", "y"), true}, {sysmon("C", "y"), false}}},
	} {
		t.Run(c.name, func(t *testing.T) {
			m, errs := NewMatcher([]*Rule{mustRule(t, c.det)}, Options{})
			if len(errs) > 0 {
				t.Fatal(errs)
			}
			for i, x := range c.cases {
				if got := len(m.Match(x.ev)) == 1; got != x.want {
					t.Errorf("case %d %v: match %v, want %v", i, x.ev, got, x.want)
				}
			}
		})
	}
}

func TestBase64Offsets(t *testing.T) {
	// pySigma's documented example.
	if got := base64Offsets([]byte("foobar")); !reflect.DeepEqual(got, []string{"Zm9vYmFy", "Zvb2Jhc", "mb29iYX"}) {
		t.Errorf("base64offset(foobar) = %q", got)
	}
}

func TestWindashExpansion(t *testing.T) {
	ps := windash(ParsePattern("* -a /b c-d*"))
	if len(ps) != 25 { // two option dashes, five variants each; the dash inside c-d is no option
		t.Fatalf("%d variants", len(ps))
	}
	if got := ps[0].String(); got != "* -a -b c-d*" {
		t.Errorf("first variant %q", got)
	}
}

func TestLogsourceAnd4688(t *testing.T) {
	r := mustRule(t, "  sel:\n    Image|endswith: '\\whoami.exe'\n    ParentImage|endswith: '\\cmd.exe'\n  condition: sel")
	m, _ := NewMatcher([]*Rule{r}, Options{})
	sec := rec("EventID", 4688, "Channel", "Security", "NewProcessName", `C:\Windows\System32\whoami.exe`, "ParentProcessName", `C:\Windows\System32\cmd.exe`)
	if len(m.Match(sec)) != 1 {
		t.Error("4688 with NewProcessName/ParentProcessName not matched")
	}
	other := rec("EventID", 4104, "Image", `C:\whoami.exe`, "ParentImage", `C:\cmd.exe`)
	if len(m.Match(other)) != 0 {
		t.Error("a 4104 event matched a process_creation rule")
	}
	wrongChannel := rec("EventID", 1, "Channel", "Application", "Image", `C:\whoami.exe`, "ParentImage", `C:\cmd.exe`)
	if len(m.Match(wrongChannel)) != 0 {
		t.Error("EventID 1 of another channel matched")
	}
	all, _ := NewMatcher([]*Rule{r}, Options{AllEvents: true})
	if len(all.Match(other)) != 1 {
		t.Error("AllEvents did not run the rule on the 4104 event")
	}
	ecs, _ := NewMatcher([]*Rule{r}, Options{Mapping: "ecs"})
	var proc, parent, ev record.Record
	parent.Append("executable", record.String(`C:\cmd.exe`))
	proc.Append("executable", record.String(`C:\whoami.exe`))
	proc.Append("parent", record.Object(parent))
	ev.Append("event", record.Object(rec("code", "1")))
	ev.Append("process", record.Object(proc))
	if len(ecs.Match(ev)) != 1 {
		t.Error("ECS record not matched through the ecs mapping")
	}
	if _, errs := NewMatcher(nil, Options{Mapping: "nope"}); len(errs) != 1 || !strings.Contains(errs[0].Error(), "known: cim, ecs, mde, sysmon") {
		t.Errorf("unknown mapping: %v", errs)
	}
}

func TestRefusals(t *testing.T) {
	for _, c := range []struct{ det, want string }{
		{"  sel:\n    A|expand: '%x%'\n  condition: sel", "expand modifier"},
		{"  sel:\n    A|bogus: x\n  condition: sel", `unknown modifier "bogus"`},
		{"  sel:\n    A|re: '(?<=x)y'\n  condition: sel", "not RE2"},
		{"  sel:\n    A: x\n  condition: sel and nope", `search "nope"`},
		{"  sel:\n    A: x\n  condition: 1 of other_*", `no search matches "other_*"`},
		{"  sel:\n    A|cidr: 'x'\n  condition: sel", "cidr value"},
	} {
		r, err := Parse("t.yml", []byte("title: t\nlogsource:\n  product: windows\ndetection:\n"+c.det))
		if err == nil {
			_, err = Compile(r)
		}
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: error %v, want %q", c.det, err, c.want)
		}
	}
	for _, c := range []string{"sel and", "(sel", "sel)", "1 sel", "all of", "sel | count() > 5", "and sel", ""} {
		if _, err := ParseCondition(c); err == nil {
			t.Errorf("condition %q parsed", c)
		}
	}
	if _, err := ParseCondition(strings.Repeat("(", 500) + "a" + strings.Repeat(")", 500)); err == nil || !strings.Contains(err.Error(), "nested too deeply") {
		t.Errorf("deep nesting: %v", err)
	}
}

func TestLoadPathsAndAttribution(t *testing.T) {
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "rules", "windows"), 0o755)
	good := "title: Good\nid: 11111111-1111-1111-1111-111111111111\nauthor: Ann\nlogsource:\n  product: windows\n  category: process_creation\ndetection:\n  sel:\n    Image|endswith: '\\x.exe'\n  condition: sel\n"
	os.WriteFile(filepath.Join(dir, "rules", "windows", "good.yml"), []byte(good), 0o644)
	os.WriteFile(filepath.Join(dir, "rules", "bad.yaml"), []byte("title: [\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "rules", "notes.txt"), []byte("not a rule"), 0o644)
	os.WriteFile(filepath.Join(dir, "big.yml"), []byte(good+strings.Repeat("#", 200)), 0o644)
	rules, errs := LoadPaths([]string{filepath.Join(dir, "rules"), filepath.Join(dir, "big.yml"), filepath.Join(dir, "missing.yml")}, LoadOptions{MaxRuleSize: 300})
	if len(rules) != 1 || rules[0].Title != "Good" {
		t.Fatalf("rules %v", rules)
	}
	all := fmt.Sprint(errs)
	if len(errs) != 3 || !strings.Contains(all, "bad.yaml: yaml") || !strings.Contains(all, "big.yml: 388 bytes, more than the 300") || !strings.Contains(all, "missing.yml") {
		t.Errorf("errors %v", errs)
	}
	if got := rules[0].Link(); got != "https://github.com/SigmaHQ/sigma/blob/master/rules/windows/good.yml" {
		t.Errorf("link %q", got)
	}
	if got := rules[0].Attribution(); !strings.Contains(got, `"Good" (11111111-1111-1111-1111-111111111111) by Ann`) {
		t.Errorf("attribution %q", got)
	}
	m, _ := NewMatcher(rules, Options{})
	var out []record.Record
	for r, err := range m.Scan(context.Background(), func(yield func(record.Record, error) bool) {
		yield(rec("EventID", 1, "Image", `C:\x.exe`), nil)
	}) {
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, r)
	}
	if len(out) != 1 {
		t.Fatalf("%d hits", len(out))
	}
	for f, want := range map[string]string{FieldTitle: "Good", FieldAuthor: "Ann", FieldID: "11111111-1111-1111-1111-111111111111"} {
		if v, _ := out[0].Get(f); v.Text() != want {
			t.Errorf("%s = %q", f, v.Text())
		}
	}
}
