package backend_test

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hunchsec/hunch/internal/testcorpus"
	"github.com/hunchsec/hunch/sigma"
	"github.com/hunchsec/hunch/sigma/backend"
	"github.com/hunchsec/hunch/sigma/backend/esql"
	"github.com/hunchsec/hunch/sigma/backend/kql"
	"github.com/hunchsec/hunch/sigma/backend/splunk"
)

var converters = map[string]func(*sigma.Rule, backend.Options) (string, error){
	"spl": splunk.Convert, "kql": kql.Convert, "esql": esql.Convert,
}

func rule(t testing.TB, detection string) *sigma.Rule {
	t.Helper()
	r, err := sigma.Parse("t.yml", []byte("title: t\nlogsource:\n  category: process_creation\n  product: windows\ndetection:\n"+detection))
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// TestGolden pins each language's output for the constructs Sigma rules use.
func TestGolden(t *testing.T) {
	for _, c := range []struct {
		name, det        string
		mapping          string
		spl, kqlq, esqlq string
	}{
		{
			name: "endswith, contains all, not filter",
			det: "  sel:\n    Image|endswith: '\\powershell.exe'\n    CommandLine|contains|all: [' -nop', 'iex']\n" +
				"  filter:\n    ParentImage: 'C:\\Program Files\\x.exe'\n  condition: sel and not filter",
			mapping: "sysmon",
			spl:     `Image="*\\powershell.exe" CommandLine="* -nop*" CommandLine="*iex*" NOT ParentImage="C:\\Program Files\\x.exe"`,
			kqlq:    "SecurityEvent\n| where Image endswith @\"\\powershell.exe\" and CommandLine contains @\" -nop\" and CommandLine contains @\"iex\" and not(ParentImage =~ @\"C:\\Program Files\\x.exe\")",
			esqlq:   "FROM logs-*\n| WHERE TO_LOWER(Image) LIKE \"\"\"*\\\\powershell.exe\"\"\" AND TO_LOWER(CommandLine) LIKE \"\"\"* -nop*\"\"\" AND TO_LOWER(CommandLine) LIKE \"\"\"*iex*\"\"\" AND NOT TO_LOWER(ParentImage) == \"\"\"c:\\program files\\x.exe\"\"\"",
		},
		{
			name:    "list is or, inside and",
			det:     "  sel:\n    Image|endswith: ['\\a.exe', '\\b.exe']\n    User: 'x'\n  condition: sel",
			mapping: "cim",
			spl:     `(process_path="*\\a.exe" OR process_path="*\\b.exe") user="x"`,
			kqlq:    "union *\n| where (process_path endswith @\"\\a.exe\" or process_path endswith @\"\\b.exe\") and user =~ @\"x\"",
			esqlq:   "FROM logs-*\n| WHERE (TO_LOWER(process_path) LIKE \"\"\"*\\\\a.exe\"\"\" OR TO_LOWER(process_path) LIKE \"\"\"*\\\\b.exe\"\"\") AND TO_LOWER(user) == \"\"\"x\"\"\"",
		},
		{
			name:    "regex forces a where clause in SPL",
			det:     "  sel:\n    CommandLine|re|i: '\\s-e(nc)?\\s'\n    Image|endswith: '\\pwsh.exe'\n  condition: sel",
			mapping: "ecs",
			spl:     `| where match('process.command_line', "(?i)\\s-e(nc)?\\s") AND match('process.executable', "(?i)^.*\\\\pwsh\\.exe$")`,
			kqlq:    "union *\n| where ['process.command_line'] matches regex @\"(?i)\\s-e(nc)?\\s\" and ['process.executable'] endswith @\"\\pwsh.exe\"",
			esqlq:   "FROM logs-*\n| WHERE process.command_line RLIKE \"\"\".*[\t-\n\f-\r ]-[eE]([nN][cC])?[\t-\n\f-\r ].*\"\"\" AND TO_LOWER(process.executable) LIKE \"\"\"*\\\\pwsh.exe\"\"\"",
		},
		{
			name:    "quotes cannot break out",
			det:     "  sel:\n    CommandLine|contains: 'a\" OR 1=1 | delete \\\\'\n  condition: sel",
			mapping: "mde",
			spl:     `ProcessCommandLine="*a\" OR 1=1 | delete \\*"`,
			kqlq:    "DeviceProcessEvents\n| where ProcessCommandLine contains @\"a\"\" OR 1=1 | delete \\\"",
			esqlq:   "FROM logs-*\n| WHERE TO_LOWER(ProcessCommandLine) LIKE \"\"\"*a\" or 1=1 | delete \\\\*\"\"\"",
		},
		{
			name:    "cidr, exists, null, numbers",
			det:     "  sel:\n    DestinationIp|cidr: '10.0.0.0/8'\n    Hashes|exists: true\n    OriginalFileName: null\n    DestinationPort|gte: 1024\n  condition: sel",
			mapping: "sysmon",
			spl:     `DestinationIp=10.0.0.0/8 Hashes=* NOT OriginalFileName=* DestinationPort>=1024`,
			kqlq:    "SecurityEvent\n| where ipv4_is_in_range(DestinationIp, @\"10.0.0.0/8\") and isnotempty(Hashes) and isempty(OriginalFileName) and toreal(DestinationPort) >= 1024",
			esqlq:   "FROM logs-*\n| WHERE CIDR_MATCH(TO_IP(DestinationIp), \"\"\"10.0.0.0/8\"\"\") AND Hashes IS NOT NULL AND OriginalFileName IS NULL AND TO_DOUBLE(DestinationPort) >= 1024",
		},
		{
			name:    "? wildcard and windash",
			det:     "  sel:\n    CommandLine|contains|windash: ' -w h?dden'\n  condition: sel",
			mapping: "sysmon",
			spl:     `| where match('CommandLine', "(?i)^.* -w h.dden.*$") OR match('CommandLine', "(?i)^.* /w h.dden.*$") OR match('CommandLine', "(?i)^.* –w h.dden.*$") OR match('CommandLine', "(?i)^.* —w h.dden.*$") OR match('CommandLine', "(?i)^.* ―w h.dden.*$")`,
			kqlq:    "SecurityEvent\n| where CommandLine matches regex @\"(?i)^.* -w h.dden.*$\" or CommandLine matches regex @\"(?i)^.* /w h.dden.*$\" or CommandLine matches regex @\"(?i)^.* –w h.dden.*$\" or CommandLine matches regex @\"(?i)^.* —w h.dden.*$\" or CommandLine matches regex @\"(?i)^.* ―w h.dden.*$\"",
			esqlq:   "FROM logs-*\n| WHERE TO_LOWER(CommandLine) LIKE \"\"\"* -w h?dden*\"\"\" OR TO_LOWER(CommandLine) LIKE \"\"\"* /w h?dden*\"\"\" OR TO_LOWER(CommandLine) LIKE \"\"\"* –w h?dden*\"\"\" OR TO_LOWER(CommandLine) LIKE \"\"\"* —w h?dden*\"\"\" OR TO_LOWER(CommandLine) LIKE \"\"\"* ―w h?dden*\"\"\"",
		},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := rule(t, c.det)
			for lang, want := range map[string]string{"spl": c.spl, "kql": c.kqlq, "esql": c.esqlq} {
				got, err := converters[lang](r, backend.Options{Mapping: c.mapping})
				if err != nil {
					t.Errorf("%s: %v", lang, err)
					continue
				}
				if got != want {
					t.Errorf("%s:\n got %s\nwant %s", lang, got, want)
				}
			}
		})
	}
}

func TestSourceAndErrors(t *testing.T) {
	r := rule(t, "  sel:\n    Image: x\n  condition: sel")
	opts := backend.Options{Mapping: "sysmon", Source: "index=win sourcetype=XmlWinEventLog"}
	if got, _ := splunk.Convert(r, opts); got != `index=win sourcetype=XmlWinEventLog Image="x"` {
		t.Errorf("spl source: %s", got)
	}
	if got, _ := kql.Convert(r, backend.Options{Source: "DeviceEvents"}); !strings.HasPrefix(got, "DeviceEvents\n| where FolderPath =~") {
		t.Errorf("kql table: %s", got)
	}
	if got, _ := esql.Convert(r, backend.Options{Source: "winlogbeat-*"}); !strings.HasPrefix(got, "FROM winlogbeat-*\n") {
		t.Errorf("esql source: %s", got)
	}
	kw := rule(t, "  keywords:\n    - mimikatz\n  condition: keywords")
	for _, lang := range []string{"kql", "esql"} {
		if _, err := converters[lang](kw, backend.Options{}); !errors.Is(err, backend.ErrUnsupported) {
			t.Errorf("%s keyword: %v", lang, err)
		}
	}
	if got, err := splunk.Convert(kw, backend.Options{}); err != nil || got != `"*mimikatz*"` {
		t.Errorf("spl keyword: %q %v", got, err)
	}
	if _, err := splunk.Convert(r, backend.Options{Mapping: "nope"}); err == nil {
		t.Error("unknown mapping accepted")
	}
}

func TestLuceneRegex(t *testing.T) {
	for _, c := range []struct{ re, flags, want string }{
		{`^abc$`, "", `abc`},
		{`a.c`, "", `.*a.c.*`},
		{`\d{2,}x`, "", `.*[0-9][0-9]+x.*`},
		{`(foo|bar)\.exe$`, "i", `.*([fF][oO][oO]|[bB][aA][rR])\.[eE][xX][eE]`},
		{`a"b`, "", `.*a\"b.*`},
		{`(ab)+c`, "", `.*(ab)+c.*`},
	} {
		got, err := backend.LuceneRegex(c.re, c.flags)
		if err != nil || got != c.want {
			t.Errorf("LuceneRegex(%q, %q) = %q, %v; want %q", c.re, c.flags, got, err, c.want)
		}
	}
	if _, err := backend.LuceneRegex(`\bword\b`, ""); err == nil {
		t.Error("word boundary accepted")
	}
}

// balanced reports whether the query's parentheses balance outside string literals, a cheap
// check that no value broke out of its quotes.
func balanced(q, lang string) bool {
	depth := 0
	for i := 0; i < len(q); i++ {
		c := q[i]
		switch {
		case lang == "esql" && strings.HasPrefix(q[i:], `"""`):
			end := strings.Index(q[i+3:], `"""`)
			if end < 0 {
				return false
			}
			i += 3 + end + 2
			for i+1 < len(q) && q[i+1] == '"' { // a literal ending in quotes
				i++
			}
		case lang == "kql" && strings.HasPrefix(q[i:], `@"`):
			i += 2
			for ; i < len(q); i++ {
				if q[i] == '"' {
					if i+1 < len(q) && q[i+1] == '"' {
						i++
						continue
					}
					break
				}
			}
			if i >= len(q) {
				return false
			}
		case c == '"' || (c == '\'' && lang != "esql"):
			quote := c
			for i++; i < len(q) && q[i] != quote; i++ {
				if q[i] == '\\' {
					i++
				}
			}
			if i >= len(q) {
				return false
			}
		case c == '(':
			depth++
		case c == ')':
			depth--
			if depth < 0 {
				return false
			}
		}
	}
	return depth == 0
}

// TestCorpusTranslates: at least 95 % of SigmaHQ's 1,391 rules translate to each language
// (the bar), each translation well-formed; failures are listed with their reasons.
func TestCorpusTranslates(t *testing.T) {
	dir := testcorpus.Path(t, "sigma/rules")
	rules, errs := sigma.LoadPaths([]string{dir}, sigma.LoadOptions{})
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	for _, lang := range []string{"spl", "kql", "esql"} {
		ok := 0
		for _, r := range rules {
			q, err := converters[lang](r, backend.Options{})
			if err != nil {
				t.Logf("%s: %s: %v", lang, filepath.Base(r.Path), err)
				continue
			}
			if !balanced(q, lang) {
				t.Errorf("%s: %s: unbalanced query: %s", lang, filepath.Base(r.Path), q)
				continue
			}
			ok++
		}
		pct := 100 * float64(ok) / float64(len(rules))
		t.Logf("%s: %d of %d rules translate (%.1f %%)", lang, ok, len(rules), pct)
		if pct < 95 {
			t.Errorf("%s: only %.1f %% of the rules translate", lang, pct)
		}
	}
}

func BenchmarkConvertCorpus(b *testing.B) {
	dir := testcorpus.Path(b, "sigma/rules")
	rules, _ := sigma.LoadPaths([]string{dir}, sigma.LoadOptions{})
	for _, lang := range []string{"spl", "kql", "esql"} {
		b.Run(lang, func(b *testing.B) {
			for b.Loop() {
				for _, r := range rules {
					converters[lang](r, backend.Options{})
				}
			}
			b.ReportMetric(float64(len(rules)*b.N)/b.Elapsed().Seconds(), "rules/s")
		})
	}
}

func FuzzConvertValue(f *testing.F) {
	for _, s := range []string{`a"b`, `\`, `x""" OR 1`, `'`, `)(`, `*?\*`, "\x00\n", `@"`, "`"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		det := "  sel:\n    CommandLine|contains: " + yamlQuote(v) + "\n    Image: " + yamlQuote(v) + "\n  condition: sel"
		r, err := sigma.Parse("f.yml", []byte("title: t\nlogsource:\n  product: windows\ndetection:\n"+det))
		if err != nil {
			return
		}
		for lang, conv := range converters {
			q, err := conv(r, backend.Options{Mapping: "sysmon"})
			if err != nil {
				continue
			}
			if !balanced(q, lang) {
				t.Errorf("%s: value %q broke the query: %s", lang, v, q)
			}
		}
	})
}

func yamlQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }
