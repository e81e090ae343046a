package sigma

import (
	"testing"

	"github.com/hunchsec/hunch/record"
)

// FuzzParse feeds arbitrary YAML to the rule parser and compiler: an error is fine, a panic or
// a rule that compiles but cannot be evaluated is not.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"title: t\nlogsource:\n  product: windows\n  category: process_creation\ndetection:\n  sel:\n    Image|endswith: '\\x.exe'\n  condition: sel\n",
		"title: t\ndetection:\n  a:\n    A|contains|windash: ' -e '\n  b:\n    B|base64offset|contains: x\n  condition: 1 of a* and not b\n",
		"title: t\ndetection:\n  k:\n    - x\n  condition: all of them\n",
		"title: t\ndetection:\n  s:\n    A|re|i: '(a|b)+'\n    B|cidr: 10.0.0.0/8\n  condition: (s)\n",
		"title: [\n", "detection: 5", "",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := Parse("fuzz.yml", data)
		if err != nil {
			return
		}
		m, errs := NewMatcher([]*Rule{r}, Options{AllEvents: true})
		if len(errs) > 0 {
			return
		}
		var ev record.Record
		ev.Append("A", record.String("a -e x"))
		ev.Append("B", record.String("10.1.2.3"))
		m.Match(ev)
	})
}

// FuzzCondition parses arbitrary condition text.
func FuzzCondition(f *testing.F) {
	for _, s := range []string{"a and not (b or c)", "1 of sel_* or all of them", "((a))", "not not a", "all of", ")("} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		ParseCondition(s)
	})
}
