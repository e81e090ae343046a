package sqlite_test

import (
	"context"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/hunchsec/hunch/intel/acl"
	"github.com/hunchsec/hunch/misp"
	"github.com/hunchsec/hunch/store"
	"github.com/hunchsec/hunch/store/sqlite"
)

// fuzzValues are the attributes FuzzSearchValue searches: plain and sqlstore.Composite values with the characters that
// matter to SQL and to LIKE.
var fuzzValues = []struct{ typ, value string }{
	{"domain", "evil.example"},
	{"domain", "EVIL.example"},
	{"text", "50%_off"},
	{"text", `back\slash`},
	{"text", "it's"},
	{"text", `"; DROP TABLE attributes; --`},
	{"text", "ünïcödé"},
	{"text", ""},
	{"text", "a|b"},
	{"filename|md5", "a.exe|0123456789abcdef0123456789abcdef"},
	{"ip-dst|port", "203.0.113.5|443"},
	{"domain|ip", "x.example|"},
	{"filename|sha1", "|abc"},
	{"malware-sample", "s.zip|ffff"},
}

// FuzzSearchValue searches attribute values with arbitrary filters and checks the answer against the filter's
// meaning evaluated in Go: the whole value or either part of a sqlstore.Composite, equal, or LIKE with '%' as the only
// wildcard (case-insensitive for ASCII). No filter value may fail the query or change what it selects otherwise.
func FuzzSearchValue(f *testing.F) {
	for _, v := range []string{"evil.example", "%.example", "%", "", "a.exe", "443", "203.0.113.5|443", "50%_off",
		"50_%", `back\slash`, `back\%`, "it's", `'; --`, "%ÜNÏ%", "%|%", "x.example|", "|abc", "a|b"} {
		f.Add(v)
	}
	ctx := context.Background()
	db, err := sqlite.OpenTemp(ctx, sqlite.Options{})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { db.Close() })
	e := &misp.Event{Info: "fuzz", Org: &misp.Organisation{Name: "ORG"}, Distribution: "1"}
	for _, v := range fuzzValues {
		e.Attribute = append(e.Attribute, misp.Attribute{Type: v.typ, Category: "Other", Value: v.value, Distribution: "5"})
	}
	if err := db.SaveEvent(ctx, e); err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, v string) {
		if !utf8.ValidString(v) || strings.ContainsRune(v, 0) {
			t.Skip("values are UTF-8 text without NUL")
		}
		got := map[string]bool{}
		ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		for a, err := range db.SearchAttributes(ctx, store.AttributeFilter{Conditions: acl.Conditions{Unrestricted: true},
			Value: store.Any(v)}) {
			if err != nil {
				t.Fatalf("search %q: %v", v, err)
			}
			got[a.UUID] = true
		}
		for _, a := range e.Attribute {
			start := time.Now()
			want := valueMatches(a.Type, a.Value, v)
			if d := time.Since(start); d > time.Second {
				t.Fatalf("matching %q took %v", v, d)
			}
			if got[a.UUID] != want {
				t.Errorf("search %q: %s %q selected %v, want %v", v, a.Type, a.Value, got[a.UUID], want)
			}
		}
	})
}

// valueMatches is the meaning of a value filter entry v for an attribute of type typ with value value.
func valueMatches(typ, value, v string) bool {
	v1, v2 := value, ""
	if strings.Contains(typ, "|") || typ == "malware-sample" {
		if a, b, ok := strings.Cut(value, "|"); ok {
			v1, v2 = a, b
		}
	}
	if strings.Contains(v, "%") {
		return like(v1, v) || like(v2, v) || (v2 != "" && like(v1+"|"+v2, v))
	}
	if v1 == v || (v2 != "" && v2 == v) {
		return true
	}
	a, b, ok := strings.Cut(v, "|")
	return ok && v1 == a && v2 == b
}

// like reports whether s matches pattern p, where '%' matches any run of characters and every other character
// matches itself, ASCII letters without regard to case.
func like(s, p string) bool {
	sr, pr := []rune(foldASCII(s)), []rune(foldASCII(p))
	// match[j] reports whether pr[:i] matches sr[:j], row by row.
	match := make([]bool, len(sr)+1)
	match[0] = true
	for _, c := range pr {
		next := make([]bool, len(sr)+1)
		if c == '%' {
			seen := false
			for j := range match {
				seen = seen || match[j]
				next[j] = seen
			}
		} else {
			for j := 1; j <= len(sr); j++ {
				next[j] = match[j-1] && sr[j-1] == c
			}
		}
		match = next
	}
	return match[len(sr)]
}

func foldASCII(s string) string {
	return strings.Map(func(r rune) rune {
		if 'A' <= r && r <= 'Z' {
			return r + 'a' - 'A'
		}
		return r
	}, s)
}
