package sigma

import (
	"strings"

	"github.com/hunchsec/hunch/record"
)

// A prefilter skips the rules that cannot match an event. Each rule gets a necessary
// condition where one can be read off its tree — a set of literals of which at least one must
// occur somewhere in the event (lower-cased) for the rule to match — and one Aho-Corasick scan
// of the event's text finds which literals occur. Rules without such a condition (a regular
// expression or a negation at the top, say) are always evaluated. The full test still decides:
// the prefilter only ever skips rules whose test would have been false.

// necessary returns literals at least one of which every event matching e contains (in some
// field, lower-cased), or ok false when e gives no such condition.
func necessary(e Expr) (lits []string, ok bool) {
	switch e := e.(type) {
	case *Match:
		if e.Op != OpGlob || e.Field == "" {
			return nil, false
		}
		best := ""
		for _, t := range e.Pattern {
			if t.Wild == 0 && len(t.Lit) > len(best) {
				best = t.Lit
			}
		}
		if best == "" {
			return nil, false
		}
		return []string{strings.ToLower(best)}, true
	case And:
		// Any part's condition is the whole's: take the one with the fewest, then the longest, literals.
		var pick []string
		found := false
		for _, x := range e {
			l, ok := necessary(x)
			if !ok {
				continue
			}
			if !found || len(l) < len(pick) || (len(l) == len(pick) && shortest(l) > shortest(pick)) {
				pick, found = l, true
			}
		}
		return pick, found
	case Or:
		var all []string
		for _, x := range e {
			l, ok := necessary(x)
			if !ok {
				return nil, false
			}
			all = append(all, l...)
		}
		return all, len(all) > 0
	}
	return nil, false
}

func shortest(l []string) int {
	n := -1
	for _, s := range l {
		if n < 0 || len(s) < n {
			n = len(s)
		}
	}
	return n
}

// automaton is an Aho-Corasick automaton over lower-cased bytes.
type automaton struct {
	root  [256]int32 // the root's transitions (0: stay at the root)
	edges [][]edge   // the other nodes' children
	fail  []int32
	out   [][]int32 // rule indexes whose literal ends at the node (through failure links too)
}

type edge struct {
	c    byte
	node int32
}

func (a *automaton) child(n int32, c byte) int32 {
	if n == 0 {
		return a.root[c]
	}
	for _, e := range a.edges[n] {
		if e.c == c {
			return e.node
		}
	}
	return -1
}

// newAutomaton builds the automaton of lits[i] → rule[i].
func newAutomaton(lits []string, rules []int32) *automaton {
	a := &automaton{edges: [][]edge{nil}, fail: []int32{0}, out: [][]int32{nil}}
	for i, l := range lits {
		n := int32(0)
		for j := 0; j < len(l); j++ {
			c := l[j]
			next := a.child(n, c)
			if next <= 0 {
				next = int32(len(a.edges))
				a.edges = append(a.edges, nil)
				a.fail = append(a.fail, 0)
				a.out = append(a.out, nil)
				if n == 0 {
					a.root[c] = next
				} else {
					a.edges[n] = append(a.edges[n], edge{c, next})
				}
			}
			n = next
		}
		a.out[n] = append(a.out[n], rules[i])
	}
	// Breadth first: failure links, and outputs inherited along them.
	var queue []int32
	for c := range 256 {
		if n := a.root[c]; n > 0 {
			queue = append(queue, n)
		}
	}
	for len(queue) > 0 {
		n := queue[0]
		queue = queue[1:]
		for _, e := range a.edges[n] {
			f := a.fail[n]
			for f != 0 && a.child(f, e.c) <= 0 {
				f = a.fail[f]
			}
			if g := a.child(f, e.c); g > 0 && g != e.node {
				a.fail[e.node] = g
			}
			a.out[e.node] = append(a.out[e.node], a.out[a.fail[e.node]]...)
			queue = append(queue, e.node)
		}
	}
	return a
}

// scan marks in hit every rule whose literal occurs in s (already lower-cased).
func (a *automaton) scan(s string, hit []bool) {
	n := int32(0)
	for i := 0; i < len(s); i++ {
		c := s[i]
		for {
			if next := a.child(n, c); next > 0 {
				n = next
				break
			}
			if n == 0 {
				break
			}
			n = a.fail[n]
		}
		for _, r := range a.out[n] {
			hit[r] = true
		}
	}
}

// scanRecord scans the text of every field of r, nested objects and lists included.
func (a *automaton) scanRecord(r record.Record, hit []bool) {
	for _, f := range r.Fields() {
		a.scanValue(f.Value, hit)
	}
}

func (a *automaton) scanValue(v record.Value, hit []bool) {
	switch v.Kind() {
	case record.KindNull:
	case record.KindList:
		for _, x := range v.List() {
			a.scanValue(x, hit)
		}
	case record.KindObject:
		o, _ := v.Object()
		a.scanRecord(o, hit)
	default:
		a.scan(strings.ToLower(v.Text()), hit)
	}
}
