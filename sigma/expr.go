package sigma

import (
	"encoding/base64"
	"fmt"
	"math"
	"net/netip"
	"path"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"unicode/utf16"

	sigmago "github.com/bradleyjkemp/sigma-go"
)

// Expr is a compiled detection: And, Or, Not or *Match.
type Expr interface{ isExpr() }

// And holds when all its parts hold (an empty And holds).
type And []Expr

// Or holds when any of its parts holds (an empty Or does not).
type Or []Expr

// Not holds when X does not.
type Not struct{ X Expr }

func (And) isExpr()    {}
func (Or) isExpr()     {}
func (Not) isExpr()    {}
func (*Match) isExpr() {}

// Op is what a Match tests.
type Op int

// The tests a Match can make.
const (
	OpGlob     Op = iota // the field's value matches Pattern (case-insensitively unless Cased)
	OpRegex              // the field's value matches the RE2 expression Regex
	OpCIDR               // the field holds an IP address inside Prefix
	OpExists             // the field is present (Exists) or absent (!Exists)
	OpNull               // the field is absent or null
	OpFieldRef           // the field's value equals (or contains, starts or ends with) field Ref's
	OpLT                 // the field's number is < Number
	OpLTE                // <=
	OpGT                 // >
	OpGTE                // >=
)

// RefKind is how an OpFieldRef match compares the two fields.
type RefKind int

// How fieldref compares.
const (
	RefEquals RefKind = iota
	RefContains
	RefStartsWith
	RefEndsWith
)

// Match is one test on one field. Field is empty for a keyword, which matches any field.
type Match struct {
	Field   string
	Op      Op
	Pattern Pattern      // OpGlob
	Cased   bool         // OpGlob: compare case-sensitively (the cased modifier)
	Regex   string       // OpRegex, without flags
	Flags   string       // OpRegex: any of "i", "m", "s"
	Prefix  netip.Prefix // OpCIDR
	Exists  bool         // OpExists
	Ref     string       // OpFieldRef: the other field
	RefKind RefKind      // OpFieldRef
	Number  float64      // OpLT…OpGTE
}

// Pattern is a Sigma string value: literal text with * (any run) and ? (one character)
// wildcards, escapes already resolved.
type Pattern []Token

// Token is literal text, or a wildcard when Wild is '*' or '?'.
type Token struct {
	Lit  string
	Wild byte
}

// Shape names the common forms of a Pattern, which every backend writes with its own operator.
type Shape int

// Pattern shapes.
const (
	ShapeExact    Shape = iota // no wildcard: equals Lit
	ShapeContains              // *Lit*
	ShapePrefix                // Lit*
	ShapeSuffix                // *Lit
	ShapeAny                   // * alone: any value
	ShapeGlob                  // anything else
)

// Shape returns the pattern's shape and, except for ShapeGlob and ShapeAny, its literal text.
func (p Pattern) Shape() (Shape, string) {
	switch {
	case len(p) == 0:
		return ShapeExact, ""
	case len(p) == 1 && p[0].Wild == 0:
		return ShapeExact, p[0].Lit
	case len(p) == 1 && p[0].Wild == '*':
		return ShapeAny, ""
	case len(p) == 2 && p[0].Wild == 0 && p[1].Wild == '*':
		return ShapePrefix, p[0].Lit
	case len(p) == 2 && p[0].Wild == '*' && p[1].Wild == 0:
		return ShapeSuffix, p[1].Lit
	case len(p) == 3 && p[0].Wild == '*' && p[1].Wild == 0 && p[2].Wild == '*':
		return ShapeContains, p[1].Lit
	}
	return ShapeGlob, ""
}

// String writes the pattern back in Sigma's syntax (wildcards bare, literal *, ? and \ escaped).
func (p Pattern) String() string {
	var b strings.Builder
	for _, t := range p {
		if t.Wild != 0 {
			b.WriteByte(t.Wild)
			continue
		}
		for _, r := range t.Lit {
			if r == '*' || r == '?' || r == '\\' {
				b.WriteByte('\\')
			}
			b.WriteRune(r)
		}
	}
	return b.String()
}

// literalText is the text of a pattern that has no wildcards.
func (p Pattern) literalText() (string, bool) {
	var b strings.Builder
	for _, t := range p {
		if t.Wild != 0 {
			return "", false
		}
		b.WriteString(t.Lit)
	}
	return b.String(), true
}

// ParsePattern reads a Sigma string value: * and ? are wildcards; \*, \? and \\ are the
// characters themselves; any other backslash is literal.
func ParsePattern(s string) Pattern {
	var (
		p   Pattern
		lit strings.Builder
	)
	flush := func() {
		if lit.Len() > 0 {
			p = append(p, Token{Lit: lit.String()})
			lit.Reset()
		}
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '\\' && i+1 < len(s) && (s[i+1] == '*' || s[i+1] == '?' || s[i+1] == '\\'):
			lit.WriteByte(s[i+1])
			i++
		case c == '*' || c == '?':
			flush()
			if c == '*' && len(p) > 0 && p[len(p)-1].Wild == '*' {
				continue // ** is *
			}
			p = append(p, Token{Wild: c})
		default:
			lit.WriteByte(c)
		}
	}
	flush()
	return p
}

func literal(s string) Pattern {
	if s == "" {
		return nil
	}
	return Pattern{{Lit: s}}
}

// Compile turns a rule's detection into an Expr. Every modifier is applied here; one hunch
// does not support, a regular expression RE2 cannot compile, or a condition naming a search
// that does not exist is an error.
func Compile(r *Rule) (Expr, error) {
	searches := map[string]Expr{}
	names := make([]string, 0, len(r.Detection.Searches))
	for name, s := range r.Detection.Searches {
		e, err := compileSearch(s)
		if err != nil {
			return nil, fmt.Errorf("search %s: %w", name, err)
		}
		searches[name] = e
		names = append(names, name)
	}
	sort.Strings(names)
	var out Or
	for _, c := range r.Detection.Conditions {
		if c.Aggregation != nil {
			return nil, fmt.Errorf("aggregations (| count() …) are not supported")
		}
		e, err := compileCondition(c.Search, searches, names)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	if len(out) == 1 {
		return out[0], nil
	}
	return out, nil
}

func compileCondition(c sigmago.SearchExpr, searches map[string]Expr, names []string) (Expr, error) {
	matching := func(pattern string) ([]Expr, error) {
		var out []Expr
		for _, n := range names {
			if ok, _ := path.Match(pattern, n); ok {
				out = append(out, searches[n])
			}
		}
		if len(out) == 0 {
			return nil, fmt.Errorf("condition: no search matches %q", pattern)
		}
		return out, nil
	}
	all := func() []Expr {
		out := make([]Expr, 0, len(names))
		for _, n := range names {
			out = append(out, searches[n])
		}
		return out
	}
	switch c := c.(type) {
	case sigmago.SearchIdentifier:
		e, ok := searches[c.Name]
		if !ok {
			return nil, fmt.Errorf("condition names search %q, which the rule does not define", c.Name)
		}
		return e, nil
	case sigmago.And:
		out, err := compileConditions(c, searches, names)
		return And(out), err
	case sigmago.Or:
		out, err := compileConditions(c, searches, names)
		return Or(out), err
	case sigmago.Not:
		e, err := compileCondition(c.Expr, searches, names)
		if err != nil {
			return nil, err
		}
		return Not{X: e}, nil
	case sigmago.OneOfIdentifier:
		return compileCondition(c.Ident, searches, names)
	case sigmago.AllOfIdentifier:
		return compileCondition(c.Ident, searches, names)
	case sigmago.OneOfPattern:
		es, err := matching(c.Pattern)
		if err != nil {
			return nil, err
		}
		return Or(es), nil
	case sigmago.AllOfPattern:
		es, err := matching(c.Pattern)
		if err != nil {
			return nil, err
		}
		return And(es), nil
	case sigmago.OneOfThem:
		return Or(all()), nil
	case sigmago.AllOfThem:
		return And(all()), nil
	}
	return nil, fmt.Errorf("condition: unsupported expression %T", c)
}

func compileConditions(cs []sigmago.SearchExpr, searches map[string]Expr, names []string) ([]Expr, error) {
	out := make([]Expr, 0, len(cs))
	for _, x := range cs {
		e, err := compileCondition(x, searches, names)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, nil
}

func compileSearch(s sigmago.Search) (Expr, error) {
	var out Or
	for _, k := range s.Keywords {
		p := ParsePattern(k)
		out = append(out, &Match{Op: OpGlob, Pattern: wrap(p, true, true)})
	}
	for _, em := range s.EventMatchers {
		and := make(And, 0, len(em))
		for _, fm := range em {
			e, err := compileField(fm)
			if err != nil {
				return nil, err
			}
			and = append(and, e)
		}
		if len(and) == 1 {
			out = append(out, and[0])
		} else {
			out = append(out, and)
		}
	}
	if len(out) == 1 {
		return out[0], nil
	}
	return out, nil
}

// wrap adds a leading and/or trailing * unless the pattern already has one.
func wrap(p Pattern, lead, trail bool) Pattern {
	out := make(Pattern, 0, len(p)+2)
	if lead && (len(p) == 0 || p[0].Wild != '*') {
		out = append(out, Token{Wild: '*'})
	}
	out = append(out, p...)
	if trail && (len(out) == 0 || out[len(out)-1].Wild != '*') {
		out = append(out, Token{Wild: '*'})
	}
	return out
}

// windashRE finds the dashes pySigma's windash modifier expands: a - or / that starts a word.
var windashRE = regexp.MustCompile(`\B[-/]\b`)

// windashes are the characters Windows command-line parsers accept for a leading dash.
var windashes = []string{"-", "/", "\u2013", "\u2014", "\u2015"}

// windash expands every option dash of p into each of windashes (all combinations).
func windash(p Pattern) []Pattern {
	out := []Pattern{nil}
	for _, t := range p {
		if t.Wild != 0 {
			for i := range out {
				out[i] = append(out[i], t)
			}
			continue
		}
		// Split the literal at its option dashes; each gap takes every variant.
		locs := windashRE.FindAllStringIndex(t.Lit, -1)
		if len(locs) == 0 {
			for i := range out {
				out[i] = append(out[i], t)
			}
			continue
		}
		variants := []string{""}
		prev := 0
		for _, l := range locs {
			var next []string
			for _, v := range variants {
				for _, d := range windashes {
					next = append(next, v+t.Lit[prev:l[0]]+d)
				}
			}
			variants = next
			prev = l[1]
		}
		var grown []Pattern
		for _, o := range out {
			for _, v := range variants {
				grown = append(grown, append(append(Pattern(nil), o...), Token{Lit: v + t.Lit[prev:]}))
			}
		}
		out = grown
	}
	for i := range out {
		out[i] = merge(out[i])
	}
	return out
}

// merge joins adjacent literal tokens.
func merge(p Pattern) Pattern {
	var out Pattern
	for _, t := range p {
		if t.Wild == 0 && len(out) > 0 && out[len(out)-1].Wild == 0 {
			out[len(out)-1].Lit += t.Lit
			continue
		}
		out = append(out, t)
	}
	return out
}

// base64Offsets are the three encodings of s at each alignment, with the characters that
// depend on the unknown neighbours cut off, as pySigma's base64offset modifier computes them.
func base64Offsets(s []byte) []string {
	start := []int{0, 2, 3}
	end := []int{0, -3, -2}
	out := make([]string, 0, 3)
	for i := range 3 {
		enc := base64.StdEncoding.EncodeToString(append([]byte(strings.Repeat(" ", i)), s...))
		e := len(enc)
		if x := end[(len(s)+i)%3]; x != 0 {
			e += x
		}
		if start[i] > e {
			continue
		}
		out = append(out, enc[start[i]:e])
	}
	return out
}

func utf16Bytes(s string, bigEndian, bom bool) []byte {
	var out []byte
	if bom {
		out = append(out, 0xff, 0xfe)
	}
	for _, u := range utf16.Encode([]rune(s)) {
		if bigEndian {
			out = append(out, byte(u>>8), byte(u))
		} else {
			out = append(out, byte(u), byte(u>>8))
		}
	}
	return out
}

// valueText is a YAML scalar as Sigma text.
func valueText(v any) (string, bool) {
	switch v := v.(type) {
	case string:
		return v, true
	case int:
		return strconv.Itoa(v), true
	case int64:
		return strconv.FormatInt(v, 10), true
	case uint64:
		return strconv.FormatUint(v, 10), true
	case float64:
		if v == math.Trunc(v) && math.Abs(v) < 1e15 {
			return strconv.FormatInt(int64(v), 10), true
		}
		return strconv.FormatFloat(v, 'g', -1, 64), true
	case bool:
		return strconv.FormatBool(v), true
	}
	return "", false
}

func compileField(fm sigmago.FieldMatcher) (Expr, error) {
	var (
		kind        string // "", contains, startswith, endswith
		all, cased  bool
		op          = OpGlob
		flags       string
		transforms  []string
		refKind     = RefEquals
		comparisons = map[string]Op{"lt": OpLT, "lte": OpLTE, "gt": OpGT, "gte": OpGTE}
	)
	for i, m := range fm.Modifiers {
		switch m {
		case "contains", "startswith", "endswith":
			kind = m
			refKind = map[string]RefKind{"contains": RefContains, "startswith": RefStartsWith, "endswith": RefEndsWith}[m]
		case "all":
			all = true
		case "cased":
			cased = true
		case "re":
			op = OpRegex
		case "i", "m", "s":
			if op != OpRegex || i == 0 {
				return nil, fmt.Errorf("field %s: modifier %s only follows re", fm.Field, m)
			}
			flags += m
		case "cidr":
			op = OpCIDR
		case "exists":
			op = OpExists
		case "fieldref":
			op = OpFieldRef
		case "lt", "lte", "gt", "gte":
			op = comparisons[m]
		case "windash", "base64", "base64offset", "wide", "utf16le", "utf16be", "utf16":
			transforms = append(transforms, m)
		case "expand":
			return nil, fmt.Errorf("field %s: the expand modifier needs placeholder values, which hunch does not have", fm.Field)
		default:
			return nil, fmt.Errorf("field %s: unknown modifier %q", fm.Field, m)
		}
	}
	values := fm.Values
	if len(values) == 0 {
		values = []any{nil} // "Field:" with nothing after it is null
	}
	parts := make([]Expr, 0, len(values))
	for _, v := range values {
		e, err := compileValue(fm.Field, v, op, kind, flags, transforms, cased, refKind)
		if err != nil {
			return nil, err
		}
		parts = append(parts, e)
	}
	if len(parts) == 1 {
		return parts[0], nil
	}
	if all {
		return And(parts), nil
	}
	return Or(parts), nil
}

func compileValue(field string, v any, op Op, kind, flags string, transforms []string, cased bool, refKind RefKind) (Expr, error) {
	if v == nil && op == OpGlob && len(transforms) == 0 {
		return &Match{Field: field, Op: OpNull}, nil
	}
	text, ok := valueText(v)
	if !ok {
		return nil, fmt.Errorf("field %s: value %v of type %T", field, v, v)
	}
	switch op {
	case OpRegex:
		if kind != "" || len(transforms) > 0 {
			return nil, fmt.Errorf("field %s: re cannot be combined with %s", field, kind+strings.Join(transforms, ""))
		}
		if _, err := regexp.Compile(regexFlags(flags) + text); err != nil {
			return nil, fmt.Errorf("field %s: regular expression %q is not RE2: %w", field, text, err)
		}
		return &Match{Field: field, Op: OpRegex, Regex: text, Flags: flags}, nil
	case OpCIDR:
		p, err := netip.ParsePrefix(strings.TrimSpace(text))
		if err != nil {
			return nil, fmt.Errorf("field %s: cidr value %q: %w", field, text, err)
		}
		return &Match{Field: field, Op: OpCIDR, Prefix: p.Masked()}, nil
	case OpExists:
		b, err := strconv.ParseBool(text)
		if err != nil {
			return nil, fmt.Errorf("field %s: exists takes true or false, not %q", field, text)
		}
		return &Match{Field: field, Op: OpExists, Exists: b}, nil
	case OpFieldRef:
		return &Match{Field: field, Op: OpFieldRef, Ref: text, RefKind: refKind}, nil
	case OpLT, OpLTE, OpGT, OpGTE:
		n, err := strconv.ParseFloat(text, 64)
		if err != nil {
			return nil, fmt.Errorf("field %s: comparison with %q, which is not a number", field, text)
		}
		return &Match{Field: field, Op: op, Number: n}, nil
	}
	pats := []Pattern{ParsePattern(text)}
	for _, t := range transforms {
		var next []Pattern
		for _, p := range pats {
			if t == "windash" {
				next = append(next, windash(p)...)
				continue
			}
			s, ok := p.literalText()
			if !ok {
				return nil, fmt.Errorf("field %s: %s of a value with wildcards", field, t)
			}
			b := []byte(s)
			switch t {
			case "wide", "utf16le":
				next = append(next, literal(string(utf16Bytes(s, false, false))))
			case "utf16be":
				next = append(next, literal(string(utf16Bytes(s, true, false))))
			case "utf16":
				next = append(next, literal(string(utf16Bytes(s, false, true))))
			case "base64":
				next = append(next, literal(base64.StdEncoding.EncodeToString(b)))
			case "base64offset":
				for _, o := range base64Offsets(b) {
					next = append(next, literal(o))
				}
			}
		}
		pats = next
	}
	out := make(Or, 0, len(pats))
	for _, p := range pats {
		switch kind {
		case "contains":
			p = wrap(p, true, true)
		case "startswith":
			p = wrap(p, false, true)
		case "endswith":
			p = wrap(p, true, false)
		}
		out = append(out, &Match{Field: field, Op: OpGlob, Pattern: p, Cased: cased})
	}
	if len(out) == 1 {
		return out[0], nil
	}
	return out, nil
}
