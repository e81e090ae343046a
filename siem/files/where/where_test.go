package where

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/hunchsec/hunch/record"
	"github.com/hunchsec/hunch/siem"
)

func sample() record.Record {
	t := time.Date(2026, 11, 23, 1, 0, 0, 0, time.UTC)
	inner := record.New(record.Field{Name: "EventID", Value: record.Int(4688)})
	r := record.New(
		record.Field{Name: "host", Value: record.String("WS01.corp")},
		record.Field{Name: "EventID", Value: record.Int(4688)},
		record.Field{Name: "score", Value: record.Float(2.5)},
		record.Field{Name: "port", Value: record.String("443")},
		record.Field{Name: "ts", Value: record.Time(t)},
		record.Field{Name: "cmd", Value: record.String(`C:\Windows\cmd.exe /c "whoami"`)},
		record.Field{Name: "tags", Value: record.Strings("a", "b")},
		record.Field{Name: "empty", Value: record.Null()},
		record.Field{Name: "ok", Value: record.Bool(true)},
		record.Field{Name: "System", Value: record.Object(record.New(record.Field{Name: "Inner", Value: record.Object(inner)}))},
		record.Field{Name: "odd name", Value: record.String("x")},
	)
	r.Meta.Source = "logs/a.log"
	return r
}

func TestMatch(t *testing.T) {
	r := sample()
	tests := []struct {
		expr string
		want bool
	}{
		{``, true},
		{`*`, true},
		{`host = "WS01.corp"`, true},
		{`host = "ws01.corp"`, false},
		{`host != "ws01.corp"`, true},
		{`EventID = 4688`, true},
		{`EventID = "4688"`, true},
		{`EventID > 4000 and EventID <= 4688`, true},
		{`EventID < 4688`, false},
		{`EventID >= 4689`, false},
		{`score > 2`, true},
		{`score < 2.5`, false},
		{`port > 100`, true},
		{`port = 443.0`, true},
		{`ts > "2026-11-23T00:00:00Z"`, true},
		{`ts < "2026-11-23T00:00:00Z"`, false},
		{`ts = "2026-11-23T01:00:00Z"`, true},
		{`ts >= 1795395600`, true},
		{`cmd ~ "(?i)WHOAMI"`, true},
		{`cmd ~ "^cmd"`, false},
		{`cmd !~ "^cmd"`, true},
		{`cmd contains "cmd.exe"`, true},
		{`cmd contains "CMD.EXE"`, false},
		{`cmd icontains "CMD.EXE"`, true},
		{`cmd startswith "C:\\Windows"`, true},
		{`cmd istartswith "c:\\windows"`, true},
		{`cmd endswith "\"whoami\""`, true},
		{`cmd iendswith "WHOAMI\""`, true},
		{`host in ("a", "WS01.corp")`, true},
		{`host not in ("a", "WS01.corp")`, false},
		{`EventID in (1, 4688)`, true},
		{`tags = "b"`, true},
		{`tags = "c"`, false},
		{`tags != "c"`, true},
		{`host exists`, true},
		{`nope exists`, false},
		{`empty exists`, false},
		{`nope = "x"`, false},
		{`nope != "x"`, true},
		{`not nope exists`, true},
		{`ok = true`, true},
		{`ok = false`, false},
		{`System.Inner.EventID = 4688`, true},
		{`System.Nope.EventID = 4688`, false},
		{"`odd name` = \"x\"", true},
		{`_file endswith "a.log"`, true},
		{`host = "x" or EventID = 4688`, true},
		{`host = "x" or EventID = 1 or score = 2.5`, true},
		{`(host = "x" or EventID = 4688) and not score > 3`, true},
		{`not (host = "x" or EventID = 4688)`, false},
		{`HOST = "WS01.corp" OR false_field exists`, false},
		{`host = "WS01.corp" AND NOT host = "x"`, true},
		{`score = -1`, false},
		{`score > -1e3`, true},
	}
	for _, tt := range tests {
		e, err := Parse(tt.expr, Options{})
		if err != nil {
			t.Errorf("Parse(%q): %v", tt.expr, err)
			continue
		}
		if got := e.Match(r); got != tt.want {
			t.Errorf("%q: got %v, want %v", tt.expr, got, tt.want)
		}
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct{ expr, want string }{
		{`host =`, "want a value"},
		{`host`, "want an operator"},
		{`= "x"`, "want a field name"},
		{`host = "x`, "no closing double quote"},
		{"host = \"a\nb\"", ""},
		{`host = "\n"`, "unknown escape"},
		{`host = "x" and`, "want a field name"},
		{`(host = "x"`, "want )"},
		{`host = "x")`, "unexpected"},
		{`host ~ "("`, "bad regular expression"},
		{`host in "x"`, "want ( after in"},
		{`host in ("x" "y")`, "want , or )"},
		{`host not = "x"`, "want in after not"},
		{`host = 12abc`, "malformed number"},
		{`host # "x"`, "unexpected character"},
		{"`host = 1", "back quote"},
		{`and = 1`, "want a field name"},
		{`host = "x" "y"`, "unexpected"},
		{`host = "\`, "inside an escape"},
	}
	for _, tt := range tests {
		_, err := Parse(tt.expr, Options{})
		if tt.want == "" {
			// raw line break inside a literal: QuoteSPL leaves them raw, so they are legal
			if err != nil {
				t.Errorf("Parse(%q): %v", tt.expr, err)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Parse(%q) = %v, want error containing %q", tt.expr, err, tt.want)
		}
	}
}

func TestLimits(t *testing.T) {
	long := `host = "` + strings.Repeat("a", 100) + `"`
	if _, err := Parse(long, Options{MaxBytes: 50}); !errors.Is(err, ErrTooLong) {
		t.Errorf("long: %v", err)
	}
	if _, err := Parse(long, Options{}); err != nil {
		t.Errorf("default limit: %v", err)
	}
	if _, err := Parse(strings.Repeat("a", DefaultMaxBytes+1), Options{}); !errors.Is(err, ErrTooLong) {
		t.Errorf("default MaxBytes not applied: %v", err)
	}
	deep := strings.Repeat("(", 10) + `a = 1` + strings.Repeat(")", 10)
	if _, err := Parse(deep, Options{MaxDepth: 5}); !errors.Is(err, ErrTooDeep) {
		t.Errorf("deep: %v", err)
	}
	if _, err := Parse(deep, Options{MaxDepth: 11}); err != nil {
		t.Errorf("deep within limit: %v", err)
	}
	nots := strings.Repeat("not ", DefaultMaxDepth+1) + `a = 1`
	if _, err := Parse(nots, Options{}); !errors.Is(err, ErrTooDeep) {
		t.Errorf("default MaxDepth not applied: %v", err)
	}
}

// TestQuoteSPLRoundTrip: every QuoteSPL(x) parses back to the literal x.
func TestQuoteSPLRoundTrip(t *testing.T) {
	values := []string{"", "plain", `a"b`, `a\b`, `\`, `"`, `\"`, "line\nbreak\r\t", `" or 1=1 or x = "`, "\x00\xff", "日本", `a\\"`}
	for _, x := range values {
		v, n, err := scanString(siem.QuoteSPL(x))
		if err != nil || v != x || n != len(siem.QuoteSPL(x)) {
			t.Errorf("scanString(QuoteSPL(%q)) = %q, %d, %v", x, v, n, err)
		}
	}
}

// TestInjection: a hostile value quoted by siem.QuoteSPL stays one literal: the expression
// compares one field to that exact value and nothing else.
func TestInjection(t *testing.T) {
	hostile := []string{
		`x" or host exists or host = "`,
		`x\" or host exists or "`,
		`x\\" or true`,
		`") or (host exists`,
		"x\" or host exists\n or \"",
	}
	for _, h := range hostile {
		e, err := Parse(`host = `+siem.QuoteSPL(h), Options{})
		if err != nil {
			t.Fatalf("%q: %v", h, err)
		}
		c, ok := e.root.(cmpNode)
		if !ok || c.lit.s != h || c.f.name != "host" {
			t.Errorf("%q parsed as %#v", h, e.root)
		}
		if e.Match(sample()) {
			t.Errorf("%q matched", h)
		}
		r := record.New(record.Field{Name: "host", Value: record.String(h)})
		if !e.Match(r) {
			t.Errorf("%q does not match itself", h)
		}
	}
}

func TestLookup(t *testing.T) {
	r := sample()
	if v, ok := Lookup(r, "System.Inner.EventID"); !ok || v.Text() != "4688" {
		t.Errorf("Lookup = %v %v", v, ok)
	}
	if _, ok := Lookup(r, "empty"); ok {
		t.Error("null counted as present")
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{`host = "x"`, `a in (1, "b") and not (c ~ "^x" or d exists)`, `ts >= "-24h"`, "`x y` icontains \"q\\\"\"", `((((a=1))))`} {
		f.Add(s)
	}
	r := sample()
	f.Fuzz(func(t *testing.T, s string) {
		e, err := Parse(s, Options{MaxDepth: 32})
		if err != nil {
			return
		}
		e.Match(r)
		// a quoted value always parses back to itself
		if v, n, err := scanString(siem.QuoteSPL(s)); err != nil || v != s || n != len(siem.QuoteSPL(s)) {
			t.Fatalf("round trip of %q failed", s)
		}
	})
}

func TestStringTimes(t *testing.T) {
	r := record.New(record.Field{Name: "when", Value: record.String("2020-10-18 10:56:18.799")},
		record.Field{Name: "n", Value: record.String("443")})
	for _, tt := range []struct {
		expr string
		want bool
	}{
		{`when >= "2020-10-18T10:00:00Z"`, true},
		{`when < "2020-10-18T10:00:00+02:00"`, false},
		{`when > "2020-10-19"`, false},
		{`n > "2020-10-19"`, true}, // not a date-time: compared as text, "4" > "2"
		{`n < "5"`, true},
	} {
		e, err := Parse(tt.expr, Options{})
		if err != nil {
			t.Fatal(err)
		}
		if got := e.Match(r); got != tt.want {
			t.Errorf("%s: %v", tt.expr, got)
		}
	}
	if _, ok := TextTime("now"); ok {
		t.Error("relative time read from text")
	}
}
