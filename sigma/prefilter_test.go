package sigma

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/hunchsec/hunch/evtx"
	"github.com/hunchsec/hunch/internal/testcorpus"
	"github.com/hunchsec/hunch/record"
)

// TestPrefilterSkipsOnlyNonMatches runs every corpus rule over every regression-pair event
// twice, with the literal prefilter and with every rule tested, and requires the same matches.
func TestPrefilterSkipsOnlyNonMatches(t *testing.T) {
	rules, errs := LoadPaths([]string{testcorpus.Path(t, "sigma/rules")}, LoadOptions{})
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	fast, _ := NewMatcher(rules, Options{AllEvents: true})
	slow, _ := NewMatcher(rules, Options{AllEvents: true})
	for _, c := range slow.rules {
		c.filtered = false
	}
	files, _ := filepath.Glob(filepath.Join(testcorpus.Path(t, "sigma/regression_data"), "*", "*", "*", "*", "*.evtx"))
	logs, _ := filepath.Glob(filepath.Join(testcorpus.Path(t, "logs/evtx"), "*.evtx"))
	files = append(files, logs...)
	events, matches, filtered := 0, 0, 0
	for _, c := range fast.rules {
		if c.filtered {
			filtered++
		}
	}
	for _, p := range files {
		f, err := os.Open(p)
		if err != nil {
			t.Fatal(err)
		}
		st, _ := f.Stat()
		for rec, err := range evtx.Read(context.Background(), f, st.Size(), p, evtx.Options{}) {
			if err != nil {
				break
			}
			events++
			a, b := titles(fast.Match(rec)), titles(slow.Match(rec))
			if !slices.Equal(a, b) {
				t.Errorf("%s: prefiltered %v, all rules %v", filepath.Base(p), a, b)
			}
			matches += len(b)
		}
		f.Close()
	}
	t.Logf("%d of %d rules prefiltered; %d events, %d matches, the same either way", filtered, len(fast.rules), events, matches)
	if events < 200 || matches == 0 {
		t.Errorf("too little data: %d events, %d matches", events, matches)
	}
}

func titles(rs []*Rule) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = r.ID
	}
	return out
}

func TestNecessary(t *testing.T) {
	glob := func(f, p string) *Match { return &Match{Field: f, Op: OpGlob, Pattern: ParsePattern(p)} }
	for _, c := range []struct {
		e    Expr
		want string
	}{
		{glob("A", "*Mimi*katz*"), "[mimi] true"},
		{And{glob("A", "*a*"), glob("B", "*Longer*")}, "[longer] true"},
		{And{Or{glob("A", "*xx*"), glob("A", "*yy*")}, glob("B", "*zzz*")}, "[zzz] true"},
		{Or{glob("A", "*x*"), &Match{Field: "B", Op: OpRegex, Regex: "y"}}, "[] false"},
		{Not{X: glob("A", "*x*")}, "[] false"},
		{And{Not{X: glob("A", "*x*")}, glob("B", "*abc*")}, "[abc] true"},
		{glob("", "*kw*"), "[] false"},
		{glob("A", "*"), "[] false"},
	} {
		l, ok := necessary(c.e)
		if got := fmt.Sprint(l, " ", ok); got != c.want && !(c.want == "[] false" && !ok) {
			t.Errorf("%+v: %s, want %s", c.e, got, c.want)
		}
	}
	a := newAutomaton([]string{"he", "she", "his", "hers"}, []int32{0, 1, 2, 3})
	hit := make([]bool, 4)
	a.scan("ushers", hit)
	if fmt.Sprint(hit) != "[true true false true]" {
		t.Errorf("aho-corasick: %v", hit)
	}
	var r record.Record
	r.Append("x", record.Strings("a", "HIS"))
	clear(hit)
	a.scanRecord(r, hit)
	if fmt.Sprint(hit) != "[false false true false]" {
		t.Errorf("record scan: %v", hit)
	}
}
