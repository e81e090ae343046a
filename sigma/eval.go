package sigma

import (
	"context"
	"fmt"
	"net/netip"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/hunchsec/hunch/record"
)

// Options configures evaluation.
type Options struct {
	// Mapping names the field mapping of the records (sysmon, ecs, cim, mde; default sysmon).
	Mapping string
	// AllEvents runs every rule on every event, ignoring the rules' log sources.
	AllEvents bool
}

// Fields a match adds to the event, with the DRL's attribution.
const (
	FieldTitle  = "sigma_title"
	FieldID     = "sigma_id"
	FieldLevel  = "sigma_level"
	FieldAuthor = "sigma_author"
	FieldLink   = "sigma_link"
	FieldTags   = "sigma_tags"
)

// Matcher evaluates compiled rules against records. It is safe for concurrent use.
type Matcher struct {
	rules   []*compiled
	mapping Mapping
	all     bool
	// pre finds the literals in an event; a rule with a necessary condition (filtered) is
	// only tested when one of its literals occurs.
	pre     *automaton
	scratch sync.Pool // []bool, one per rule
}

type compiled struct {
	rule     *Rule
	expr     Expr
	sources  []Source
	test     func(*event) bool
	filtered bool
}

// event is one record under evaluation, with the lower-case text of the fields looked at.
type event struct {
	rec     record.Record
	mapping Mapping
	renames map[string]string
	lower   map[string][]string
}

// NewMatcher compiles rules. A rule that does not compile is reported in the errors (naming
// its file) and left out; the others are used.
func NewMatcher(rules []*Rule, opts Options) (*Matcher, []error) {
	m, err := MappingByName(opts.Mapping)
	if err != nil {
		return nil, []error{err}
	}
	out := &Matcher{mapping: m, all: opts.AllEvents}
	var errs []error
	for _, r := range rules {
		e, err := Compile(r)
		if err == nil {
			var test func(*event) bool
			if test, err = build(e); err == nil {
				out.rules = append(out.rules, &compiled{rule: r, expr: e, sources: r.Sources(), test: test})
				continue
			}
		}
		errs = append(errs, fmt.Errorf("%s: %w", r.Path, err))
	}
	var (
		lits  []string
		index []int32
	)
	for i, c := range out.rules {
		if l, ok := necessary(c.expr); ok {
			c.filtered = true
			for _, s := range l {
				lits = append(lits, s)
				index = append(index, int32(i))
			}
		}
	}
	out.pre = newAutomaton(lits, index)
	n := len(out.rules)
	out.scratch.New = func() any { b := make([]bool, n); return &b }
	return out, errs
}

// Len is the number of rules the matcher runs.
func (m *Matcher) Len() int { return len(m.rules) }

// Match returns the rules that match rec.
func (m *Matcher) Match(rec record.Record) []*Rule {
	var hits []*Rule
	ev := &event{rec: rec, mapping: m.mapping}
	eventID, channel := "", ""
	if v, ok := rec.Lookup(m.mapping.Field("EventID")); ok {
		eventID = v.Text()
	}
	if v, ok := rec.Lookup(m.mapping.Field("Channel")); ok {
		channel = v.Text()
	}
	hitp := m.scratch.Get().(*[]bool)
	defer m.scratch.Put(hitp)
	hit := *hitp
	clear(hit)
	m.pre.scanRecord(rec, hit)
	for i, c := range m.rules {
		if c.filtered && !hit[i] {
			continue // none of the literals the rule needs is in the event
		}
		ev.renames = nil
		if !m.all && c.sources != nil {
			src, ok := pickSource(c.sources, eventID, channel)
			if !ok {
				continue
			}
			if m.mapping.Name == "sysmon" {
				ev.renames = src.Fields
			}
		}
		if c.test(ev) {
			hits = append(hits, c.rule)
		}
	}
	return hits
}

// pickSource finds the source an event with this id and channel is (an event without an
// EventID field is not held to ids, nor one without a Channel to channels).
func pickSource(sources []Source, eventID, channel string) (Source, bool) {
	for _, s := range sources {
		if s.EventID != 0 && eventID != "" && eventID != strconv.Itoa(s.EventID) {
			continue
		}
		if s.Channel != "" && channel != "" && !strings.EqualFold(channel, s.Channel) {
			continue
		}
		return s, true
	}
	return Source{}, false
}

// Scan yields, for every record of in and every rule it matches, the record with the rule's
// title, id, level, author, link and tags appended (the DRL asks for the author with every
// hit). Errors in the input are passed through in their place.
func (m *Matcher) Scan(ctx context.Context, in record.Stream) record.Stream {
	return func(yield func(record.Record, error) bool) {
		for rec, err := range in {
			if err != nil {
				if !yield(rec, err) {
					return
				}
				continue
			}
			if ctx.Err() != nil {
				yield(record.Record{}, ctx.Err())
				return
			}
			for _, r := range m.Match(rec) {
				out := rec.Clone()
				out.Append(FieldTitle, record.String(r.Title))
				out.Append(FieldID, record.String(r.ID))
				out.Append(FieldLevel, record.String(r.Level))
				out.Append(FieldAuthor, record.String(r.Author))
				out.Append(FieldLink, record.String(r.Link()))
				out.Append(FieldTags, record.Strings(r.Tags...))
				if !yield(out, nil) {
					return
				}
			}
		}
	}
}

// values returns the field's values as text (a list gives each element); ok is false when
// the field is absent or null.
func (ev *event) values(field string) ([]string, bool) {
	name := field
	if r, ok := ev.renames[field]; ok {
		name = r
	}
	v, ok := ev.rec.Lookup(ev.mapping.Field(name))
	if !ok || v.IsNull() {
		return nil, false
	}
	if v.Kind() == record.KindList {
		return v.Texts(), true
	}
	return []string{v.Text()}, true
}

func (ev *event) lowerValues(field string) ([]string, bool) {
	if l, ok := ev.lower[field]; ok {
		return l, l != nil
	}
	vs, ok := ev.values(field)
	var out []string
	if ok {
		out = make([]string, len(vs))
		for i, s := range vs {
			out[i] = strings.ToLower(s)
		}
	}
	if ev.lower == nil {
		ev.lower = map[string][]string{}
	}
	ev.lower[field] = out
	return out, ok
}

// build turns an Expr into a test.
func build(e Expr) (func(*event) bool, error) {
	switch e := e.(type) {
	case And:
		parts, err := buildAll(e)
		if err != nil {
			return nil, err
		}
		return func(ev *event) bool {
			for _, p := range parts {
				if !p(ev) {
					return false
				}
			}
			return true
		}, nil
	case Or:
		parts, err := buildAll(e)
		if err != nil {
			return nil, err
		}
		return func(ev *event) bool {
			for _, p := range parts {
				if p(ev) {
					return true
				}
			}
			return false
		}, nil
	case Not:
		x, err := build(e.X)
		if err != nil {
			return nil, err
		}
		return func(ev *event) bool { return !x(ev) }, nil
	case *Match:
		return buildMatch(e)
	}
	return nil, fmt.Errorf("unknown expression %T", e)
}

func buildAll(es []Expr) ([]func(*event) bool, error) {
	out := make([]func(*event) bool, len(es))
	for i, e := range es {
		f, err := build(e)
		if err != nil {
			return nil, err
		}
		out[i] = f
	}
	return out, nil
}

func buildMatch(m *Match) (func(*event) bool, error) {
	field := m.Field
	switch m.Op {
	case OpGlob:
		test := globTest(m.Pattern, m.Cased)
		if field == "" { // a keyword: any field of the record
			return func(ev *event) bool {
				for _, f := range ev.rec.Fields() {
					for _, s := range textsOf(f.Value) {
						if !m.Cased {
							s = strings.ToLower(s)
						}
						if test(s) {
							return true
						}
					}
				}
				return false
			}, nil
		}
		return func(ev *event) bool {
			var vs []string
			if m.Cased {
				vs, _ = ev.values(field)
			} else {
				vs, _ = ev.lowerValues(field)
			}
			for _, s := range vs {
				if test(s) {
					return true
				}
			}
			return false
		}, nil
	case OpRegex:
		re, err := regexp.Compile(regexFlags(m.Flags) + m.Regex)
		if err != nil {
			return nil, err
		}
		return anyValue(field, re.MatchString), nil
	case OpCIDR:
		return anyValue(field, func(s string) bool {
			a, err := netip.ParseAddr(strings.TrimSpace(s))
			return err == nil && m.Prefix.Contains(a.Unmap())
		}), nil
	case OpExists:
		return func(ev *event) bool { _, ok := ev.values(field); return ok == m.Exists }, nil
	case OpNull:
		return func(ev *event) bool { _, ok := ev.values(field); return !ok }, nil
	case OpFieldRef:
		return func(ev *event) bool {
			a, ok1 := ev.lowerValues(field)
			b, ok2 := ev.lowerValues(m.Ref)
			if !ok1 || !ok2 {
				return false
			}
			for _, x := range a {
				for _, y := range b {
					switch m.RefKind {
					case RefContains:
						if strings.Contains(x, y) {
							return true
						}
					case RefStartsWith:
						if strings.HasPrefix(x, y) {
							return true
						}
					case RefEndsWith:
						if strings.HasSuffix(x, y) {
							return true
						}
					default:
						if x == y {
							return true
						}
					}
				}
			}
			return false
		}, nil
	case OpLT, OpLTE, OpGT, OpGTE:
		return anyValue(field, func(s string) bool {
			n, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
			if err != nil {
				return false
			}
			switch m.Op {
			case OpLT:
				return n < m.Number
			case OpLTE:
				return n <= m.Number
			case OpGT:
				return n > m.Number
			}
			return n >= m.Number
		}), nil
	}
	return nil, fmt.Errorf("unknown match operation %d", m.Op)
}

// regexFlags is the RE2 flag group for Sigma's re sub-modifiers.
func regexFlags(f string) string {
	if f == "" {
		return ""
	}
	return "(?" + f + ")"
}

func anyValue(field string, test func(string) bool) func(*event) bool {
	return func(ev *event) bool {
		vs, _ := ev.values(field)
		for _, s := range vs {
			if test(s) {
				return true
			}
		}
		return false
	}
}

func textsOf(v record.Value) []string {
	switch v.Kind() {
	case record.KindList:
		return v.Texts()
	case record.KindNull:
		return nil
	}
	return []string{v.Text()}
}

// globTest returns a test of (already lower-cased, unless cased) text against p.
func globTest(p Pattern, cased bool) func(string) bool {
	if !cased {
		low := make(Pattern, len(p))
		for i, t := range p {
			low[i] = Token{Lit: strings.ToLower(t.Lit), Wild: t.Wild}
		}
		p = low
	}
	switch shape, lit := p.Shape(); shape {
	case ShapeExact:
		return func(s string) bool { return s == lit }
	case ShapeContains:
		return func(s string) bool { return strings.Contains(s, lit) }
	case ShapePrefix:
		return func(s string) bool { return strings.HasPrefix(s, lit) }
	case ShapeSuffix:
		return func(s string) bool { return strings.HasSuffix(s, lit) }
	case ShapeAny:
		return func(string) bool { return true }
	}
	return func(s string) bool { return globMatch(p, s) }
}

// globMatch matches s against p, backtracking to the last * on a mismatch.
func globMatch(p Pattern, s string) bool {
	ti, si := 0, 0
	star, starSi := -1, 0
	for {
		if ti < len(p) {
			t := p[ti]
			switch {
			case t.Wild == '*':
				star, starSi = ti, si
				ti++
				continue
			case t.Wild == '?':
				if si < len(s) {
					_, w := utf8.DecodeRuneInString(s[si:])
					si += w
					ti++
					continue
				}
			case strings.HasPrefix(s[si:], t.Lit):
				si += len(t.Lit)
				ti++
				continue
			}
		} else if si == len(s) {
			return true
		}
		if star < 0 || starSi >= len(s) {
			return false
		}
		_, w := utf8.DecodeRuneInString(s[starSi:])
		starSi += w
		ti, si = star+1, starSi
	}
}
