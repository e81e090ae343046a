package template

import (
	"strings"
	"testing"

	"github.com/hunchsec/hunch/siem"
)

// FuzzParse feeds arbitrary YAML to Parse; whatever it accepts must render with its examples
// or fail with an error, never panic or leave a placeholder.
func FuzzParse(f *testing.F) {
	ts, err := Builtin()
	if err != nil {
		f.Fatal(err)
	}
	for _, tm := range ts[:4] {
		f.Add("name: " + tm.Name + "\nbackend: " + string(tm.Backend) + "\nbody: |\n  " + strings.ReplaceAll(tm.Body, "\n", "\n  ") + "\nparameters:\n" + paramsYAML(tm))
	}
	f.Fuzz(func(t *testing.T, data string) {
		got, err := Parse([]byte(data), "fuzz.yaml")
		if err != nil {
			return
		}
		for _, tm := range got {
			for _, p := range tm.Params {
				if strings.ContainsAny(p.Example, "{}") || p.Default != nil && strings.ContainsAny(*p.Default, "{}") {
					return
				}
			}
			r, err := tm.Render(examples(tm), now)
			if err == nil && placeholder.MatchString(r.Query.Text) && !placeholder.MatchString(placeholder.ReplaceAllString(tm.Body, "")) {
				t.Errorf("placeholder left in %q", r.Query.Text)
			}
		}
	})
}

func paramsYAML(tm *Template) string {
	var b strings.Builder
	for _, p := range tm.Params {
		b.WriteString("  - {name: " + p.Name + ", type: " + string(p.Type))
		if p.Required {
			b.WriteString(", required: true")
		} else {
			b.WriteString(", default: '" + strings.ReplaceAll(*p.Default, "'", "''") + "'")
		}
		b.WriteString("}\n")
	}
	return b.String()
}

// FuzzQuoteRoundTrip renders an arbitrary value into a template of every language and reads
// the literal back: the value must come back whole, as one literal.
func FuzzQuoteRoundTrip(f *testing.F) {
	for _, s := range []string{`" | delete`, `'; drop table x; --`, "a\nb", `\"`, `x" or "1"="1`, ""} {
		f.Add(s)
	}
	langs := []struct {
		b       Backend
		l       siem.Language
		unquote func(string) (string, error)
	}{
		{Splunk, siem.SPL, siem.UnquoteSPL}, {Sentinel, siem.KQL, siem.UnquoteKQL},
		{Elastic, siem.Lucene, siem.UnquoteLucene}, {Elastic, siem.ESQL, siem.UnquoteESQL}, {Files, siem.Where, siem.UnquoteSPL},
	}
	f.Fuzz(func(t *testing.T, v string) {
		for _, lang := range langs {
			tm := &Template{Name: "f", Backend: lang.b, Language: lang.l, Body: "a {{v}} z", Params: []Param{{Name: "v", Required: true}}}
			if err := tm.check(); err != nil {
				t.Fatal(err)
			}
			r, err := tm.Render(map[string]string{"v": v}, now)
			if err != nil {
				t.Fatal(err)
			}
			lit := strings.TrimSuffix(strings.TrimPrefix(r.Query.Text, "a "), " z")
			if strings.TrimSpace(v) != v {
				continue // Render trims the query; a value's own outer spaces stay inside the quotes
			}
			got, err := lang.unquote(lit)
			if err != nil || got != v {
				t.Errorf("%s: %q rendered as %q reads back %q, %v", lang.l, v, lit, got, err)
			}
		}
	})
}
