package stix

// The STIX 2.1 patterning language (STIX 2.1 part 9): a parser of patterns into their syntax tree, and the reading
// of the patterns MISP's exports write (comparison expressions joined by AND/OR inside observation expressions
// joined by AND/OR) back into MISP attributes.

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// MaxPatternLength bounds the patterns ParsePattern reads; longer ones are refused.
const MaxPatternLength = 1 << 20

// maxPatternDepth bounds the nesting of parentheses and brackets in a pattern.
const maxPatternDepth = 100

// Pattern is a parsed STIX pattern: a tree of observation expressions.
type Pattern struct {
	// Root is the outermost observation expression.
	Root *Observation
}

// Observation is an observation expression: a leaf holding a comparison expression between brackets, or Op
// ("AND", "OR", "FOLLOWEDBY") joining Left and Right. Qualifiers are those that follow it (WITHIN, REPEATS,
// START … STOP), as written.
type Observation struct {
	Op          string
	Left, Right *Observation
	Comparison  *ComparisonExpr
	Qualifiers  []string
}

// ComparisonExpr is a comparison expression: a leaf Test, or Op ("AND", "OR") joining Left and Right.
type ComparisonExpr struct {
	Op          string
	Left, Right *ComparisonExpr
	Test        *Comparison
}

// Comparison is one comparison: an object path, an operator and a literal (none for EXISTS).
type Comparison struct {
	// Type is the SCO type of the object path ("ipv4-addr").
	Type string
	// Path is the property path with its steps joined by '.', quotes and list indexes removed
	// ("dst_ref.value", "hashes.SHA-256", "to_refs.value").
	Path string
	// Not is set for a negated operator (NOT =, NOT IN…).
	Not bool
	// Op is the operator: =, !=, <, <=, >, >=, IN, LIKE, MATCHES, ISSUBSET, ISSUPERSET, EXISTS.
	Op string
	// Value is the literal: strings unquoted and unescaped, numbers, booleans and timestamps as written, a set
	// as its elements in Set.
	Value string
	// Kind is the literal's kind: "string", "int", "float", "bool", "timestamp", "hex", "binary", "set", "" for
	// EXISTS.
	Kind string
	// Set holds the elements of a set literal (IN).
	Set []string
}

// PatternError is a pattern that cannot be read: where (byte offset) and why.
type PatternError struct {
	Offset int
	Reason string
}

// Error says where the pattern is wrong.
func (e *PatternError) Error() string {
	return fmt.Sprintf("stix pattern: at byte %d: %s", e.Offset, e.Reason)
}

// ParsePattern parses a STIX 2.1 pattern.
func ParsePattern(s string) (*Pattern, error) {
	if len(s) > MaxPatternLength {
		return nil, &PatternError{0, fmt.Sprintf("pattern of %d bytes is longer than %d", len(s), MaxPatternLength)}
	}
	p := &patternParser{s: s}
	p.next()
	o, err := p.observationOr(0)
	if err != nil {
		return nil, err
	}
	if p.tok.kind != tokEOF {
		return nil, p.errf("unexpected %q after the pattern", p.tok.text)
	}
	return &Pattern{Root: o}, nil
}

type tokKind int

const (
	tokEOF tokKind = iota
	tokWord
	tokString
	tokNumber
	tokPunct
	tokTyped // t'…', h'…', b'…'
)

type token struct {
	kind tokKind
	text string // the word, punctuation or number as written; a string's unescaped value
	pre  byte   // the prefix of a typed literal
	off  int
}

type patternParser struct {
	s   string
	pos int
	tok token
	err error
}

func (p *patternParser) errf(format string, args ...any) error {
	if p.err != nil {
		return p.err
	}
	return &PatternError{p.tok.off, fmt.Sprintf(format, args...)}
}

// next reads the next token into p.tok.
func (p *patternParser) next() {
	s := p.s
	for p.pos < len(s) {
		r, n := utf8.DecodeRuneInString(s[p.pos:])
		if !unicode.IsSpace(r) {
			break
		}
		p.pos += n
	}
	start := p.pos
	if p.pos >= len(s) {
		p.tok = token{kind: tokEOF, off: start}
		return
	}
	c := s[p.pos]
	switch {
	case c == '\'':
		v, ok := p.quoted()
		if !ok {
			p.err = &PatternError{start, "unterminated string literal"}
			p.tok = token{kind: tokEOF, off: start}
			return
		}
		p.tok = token{kind: tokString, text: v, off: start}
	case (c == 't' || c == 'h' || c == 'b') && p.pos+1 < len(s) && s[p.pos+1] == '\'':
		p.pos++
		v, ok := p.quoted()
		if !ok {
			p.err = &PatternError{start, "unterminated literal"}
			p.tok = token{kind: tokEOF, off: start}
			return
		}
		p.tok = token{kind: tokTyped, text: v, pre: c, off: start}
	case c >= '0' && c <= '9' || (c == '-' || c == '+') && p.pos+1 < len(s) && s[p.pos+1] >= '0' && s[p.pos+1] <= '9':
		p.pos++
		for p.pos < len(s) && (s[p.pos] >= '0' && s[p.pos] <= '9' || s[p.pos] == '.' || s[p.pos] == 'e' || s[p.pos] == 'E') {
			p.pos++
		}
		p.tok = token{kind: tokNumber, text: s[start:p.pos], off: start}
	case isWordByte(c):
		for p.pos < len(s) && isWordByte(s[p.pos]) {
			p.pos++
		}
		p.tok = token{kind: tokWord, text: s[start:p.pos], off: start}
	default:
		n := 1
		if p.pos+1 < len(s) {
			switch s[p.pos : p.pos+2] {
			case "!=", "<=", ">=":
				n = 2
			}
		}
		p.pos += n
		p.tok = token{kind: tokPunct, text: s[start:p.pos], off: start}
	}
}

func isWordByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-'
}

// quoted reads a '…' literal at p.pos, with \' and \\ escapes.
func (p *patternParser) quoted() (string, bool) {
	var b strings.Builder
	i := p.pos + 1
	for i < len(p.s) {
		c := p.s[i]
		switch c {
		case '\\':
			if i+1 >= len(p.s) {
				return "", false
			}
			b.WriteByte(p.s[i+1])
			i += 2
			continue
		case '\'':
			p.pos = i + 1
			return b.String(), true
		}
		b.WriteByte(c)
		i++
	}
	return "", false
}

func (p *patternParser) isWord(w string) bool {
	return p.tok.kind == tokWord && strings.EqualFold(p.tok.text, w)
}

func (p *patternParser) isPunct(c string) bool { return p.tok.kind == tokPunct && p.tok.text == c }

// observationOr: observationAnd (OR observationAnd)*, where FOLLOWEDBY binds tighter than AND, AND than OR.
func (p *patternParser) observationOr(depth int) (*Observation, error) {
	return p.obsBinary(depth, "OR", func() (*Observation, error) {
		return p.obsBinary(depth, "AND", func() (*Observation, error) {
			return p.obsBinary(depth, "FOLLOWEDBY", func() (*Observation, error) { return p.observationTerm(depth) })
		})
	})
}

func (p *patternParser) obsBinary(_ int, op string, operand func() (*Observation, error)) (*Observation, error) {
	l, err := operand()
	if err != nil {
		return nil, err
	}
	for p.isWord(op) {
		p.next()
		r, err := operand()
		if err != nil {
			return nil, err
		}
		l = &Observation{Op: op, Left: l, Right: r}
	}
	return l, nil
}

func (p *patternParser) observationTerm(depth int) (*Observation, error) {
	if depth > maxPatternDepth {
		return nil, p.errf("nested deeper than %d", maxPatternDepth)
	}
	var o *Observation
	switch {
	case p.isPunct("["):
		p.next()
		c, err := p.comparisonOr(depth + 1)
		if err != nil {
			return nil, err
		}
		if !p.isPunct("]") {
			return nil, p.errf("want ] to close the observation expression, got %q", p.tok.text)
		}
		p.next()
		o = &Observation{Comparison: c}
	case p.isPunct("("):
		p.next()
		inner, err := p.observationOr(depth + 1)
		if err != nil {
			return nil, err
		}
		if !p.isPunct(")") {
			return nil, p.errf("want ) to close the observation expression, got %q", p.tok.text)
		}
		p.next()
		o = inner
	default:
		if p.err != nil {
			return nil, p.err
		}
		return nil, p.errf("want [ or ( to start an observation expression, got %q", p.tok.text)
	}
	for {
		q, ok, err := p.qualifier()
		if err != nil {
			return nil, err
		}
		if !ok {
			return o, nil
		}
		o.Qualifiers = append(o.Qualifiers, q)
	}
}

// qualifier reads WITHIN n SECONDS, REPEATS n TIMES or START t'…' STOP t'…'.
func (p *patternParser) qualifier() (string, bool, error) {
	want := func(kind tokKind, word string) (string, error) {
		if p.tok.kind != kind || (word != "" && !strings.EqualFold(p.tok.text, word)) {
			return "", p.errf("malformed qualifier at %q", p.tok.text)
		}
		t := p.tok.text
		if p.tok.kind == tokTyped {
			t = string(p.tok.pre) + "'" + t + "'"
		}
		p.next()
		return t, nil
	}
	var parts []string
	var seq []struct {
		kind tokKind
		word string
	}
	switch {
	case p.isWord("WITHIN"):
		seq = []struct {
			kind tokKind
			word string
		}{{tokWord, "WITHIN"}, {tokNumber, ""}, {tokWord, "SECONDS"}}
	case p.isWord("REPEATS"):
		seq = []struct {
			kind tokKind
			word string
		}{{tokWord, "REPEATS"}, {tokNumber, ""}, {tokWord, "TIMES"}}
	case p.isWord("START"):
		seq = []struct {
			kind tokKind
			word string
		}{{tokWord, "START"}, {tokTyped, ""}, {tokWord, "STOP"}, {tokTyped, ""}}
	default:
		return "", false, nil
	}
	for _, s := range seq {
		t, err := want(s.kind, s.word)
		if err != nil {
			return "", false, err
		}
		parts = append(parts, t)
	}
	return strings.Join(parts, " "), true, nil
}

func (p *patternParser) comparisonOr(depth int) (*ComparisonExpr, error) {
	l, err := p.comparisonAnd(depth)
	if err != nil {
		return nil, err
	}
	for p.isWord("OR") {
		p.next()
		r, err := p.comparisonAnd(depth)
		if err != nil {
			return nil, err
		}
		l = &ComparisonExpr{Op: "OR", Left: l, Right: r}
	}
	return l, nil
}

func (p *patternParser) comparisonAnd(depth int) (*ComparisonExpr, error) {
	l, err := p.comparisonTerm(depth)
	if err != nil {
		return nil, err
	}
	for p.isWord("AND") {
		p.next()
		r, err := p.comparisonTerm(depth)
		if err != nil {
			return nil, err
		}
		l = &ComparisonExpr{Op: "AND", Left: l, Right: r}
	}
	return l, nil
}

func (p *patternParser) comparisonTerm(depth int) (*ComparisonExpr, error) {
	if depth > maxPatternDepth {
		return nil, p.errf("nested deeper than %d", maxPatternDepth)
	}
	if p.isPunct("(") {
		p.next()
		c, err := p.comparisonOr(depth + 1)
		if err != nil {
			return nil, err
		}
		if !p.isPunct(")") {
			return nil, p.errf("want ) to close the comparison expression, got %q", p.tok.text)
		}
		p.next()
		return c, nil
	}
	c := &Comparison{}
	if p.isWord("EXISTS") {
		p.next()
		if err := p.objectPath(c); err != nil {
			return nil, err
		}
		c.Op = "EXISTS"
		return &ComparisonExpr{Test: c}, nil
	}
	if err := p.objectPath(c); err != nil {
		return nil, err
	}
	if p.isWord("NOT") {
		c.Not = true
		p.next()
	}
	switch {
	case p.tok.kind == tokPunct && (p.tok.text == "=" || p.tok.text == "!=" || p.tok.text == "<" || p.tok.text == "<=" ||
		p.tok.text == ">" || p.tok.text == ">="):
		c.Op = p.tok.text
	case p.tok.kind == tokWord && (p.isWord("IN") || p.isWord("LIKE") || p.isWord("MATCHES") || p.isWord("ISSUBSET") ||
		p.isWord("ISSUPERSET")):
		c.Op = strings.ToUpper(p.tok.text)
	default:
		if p.err != nil {
			return nil, p.err
		}
		return nil, p.errf("want a comparison operator, got %q", p.tok.text)
	}
	p.next()
	if c.Op == "IN" {
		if !p.isPunct("(") {
			return nil, p.errf("IN wants a set in parentheses")
		}
		p.next()
		for {
			v, _, err := p.literal()
			if err != nil {
				return nil, err
			}
			c.Set = append(c.Set, v)
			if p.isPunct(",") {
				p.next()
				continue
			}
			break
		}
		if !p.isPunct(")") {
			return nil, p.errf("want ) to close the set, got %q", p.tok.text)
		}
		p.next()
		c.Kind = "set"
		return &ComparisonExpr{Test: c}, nil
	}
	v, kind, err := p.literal()
	if err != nil {
		return nil, err
	}
	c.Value, c.Kind = v, kind
	return &ComparisonExpr{Test: c}, nil
}

func (p *patternParser) literal() (string, string, error) {
	t := p.tok
	switch {
	case t.kind == tokString:
		p.next()
		return t.text, "string", nil
	case t.kind == tokNumber:
		kind := "int"
		if _, err := strconv.ParseInt(t.text, 10, 64); err != nil {
			if _, ferr := strconv.ParseFloat(t.text, 64); ferr != nil {
				return "", "", p.errf("malformed number %q", t.text)
			}
			kind = "float"
		}
		p.next()
		return t.text, kind, nil
	case t.kind == tokTyped:
		p.next()
		return t.text, map[byte]string{'t': "timestamp", 'h': "hex", 'b': "binary"}[t.pre], nil
	case p.isWord("true") || p.isWord("false"):
		p.next()
		return strings.ToLower(t.text), "bool", nil
	}
	if p.err != nil {
		return "", "", p.err
	}
	return "", "", p.errf("want a literal, got %q", t.text)
}

// objectPath reads type:path into c.
func (p *patternParser) objectPath(c *Comparison) error {
	if p.tok.kind != tokWord {
		if p.err != nil {
			return p.err
		}
		return p.errf("want an object path, got %q", p.tok.text)
	}
	c.Type = strings.ToLower(p.tok.text)
	p.next()
	if !p.isPunct(":") {
		return p.errf("want : after the object type %q", c.Type)
	}
	p.next()
	var steps []string
	for {
		switch p.tok.kind {
		case tokWord, tokString:
			steps = append(steps, p.tok.text)
		default:
			return p.errf("want a property name, got %q", p.tok.text)
		}
		p.next()
		for p.isPunct("[") {
			p.next()
			if !(p.isPunct("*") || p.tok.kind == tokNumber) {
				return p.errf("want * or an index in a list step, got %q", p.tok.text)
			}
			p.next()
			if !p.isPunct("]") {
				return p.errf("want ] to close a list step, got %q", p.tok.text)
			}
			p.next()
		}
		if !p.isPunct(".") {
			break
		}
		p.next()
	}
	c.Path = strings.Join(steps, ".")
	return nil
}

// errNotMISP says a pattern is valid STIX but not one of the shapes read back into MISP attributes.
var errNotMISP = errors.New("not a pattern of comparisons MISP attributes express")

// patternNodes reads a pattern of the shapes MISP writes — observation expressions joined by AND or OR, no
// qualifiers, each holding '=' comparisons joined by AND (one observable) or OR (alternatives) — into the
// observables it describes.
func patternNodes(pat *Pattern) ([]*node, error) {
	var out []*node
	var walk func(o *Observation) error
	walk = func(o *Observation) error {
		if len(o.Qualifiers) > 0 {
			return fmt.Errorf("%w: qualifier %s", errNotMISP, o.Qualifiers[0])
		}
		if o.Comparison == nil {
			if o.Op == "FOLLOWEDBY" {
				return fmt.Errorf("%w: FOLLOWEDBY", errNotMISP)
			}
			if err := walk(o.Left); err != nil {
				return err
			}
			return walk(o.Right)
		}
		for _, branch := range orBranches(o.Comparison) {
			var tests []*Comparison
			if err := andTests(branch, &tests); err != nil {
				return err
			}
			nodes, err := testsNodes(tests)
			if err != nil {
				return err
			}
			out = append(out, nodes...)
		}
		return nil
	}
	if err := walk(pat.Root); err != nil {
		return nil, err
	}
	return out, nil
}

func orBranches(c *ComparisonExpr) []*ComparisonExpr {
	if c.Op == "OR" {
		return append(orBranches(c.Left), orBranches(c.Right)...)
	}
	return []*ComparisonExpr{c}
}

func andTests(c *ComparisonExpr, out *[]*Comparison) error {
	switch c.Op {
	case "OR":
		return fmt.Errorf("%w: OR inside AND", errNotMISP)
	case "AND":
		if err := andTests(c.Left, out); err != nil {
			return err
		}
		return andTests(c.Right, out)
	}
	t := c.Test
	if t.Not || t.Op != "=" {
		op := t.Op
		if t.Not {
			op = "NOT " + op
		}
		return fmt.Errorf("%w: operator %s", errNotMISP, op)
	}
	*out = append(*out, t)
	return nil
}

// testsNodes turns the '=' comparisons of one observation into observables, one per SCO type; a
// network-traffic with a port but no address and a domain-name make one (MISP's hostname|port).
func testsNodes(tests []*Comparison) ([]*node, error) {
	byType := map[string]*node{}
	var order []*node
	for _, t := range tests {
		n := byType[t.Type]
		if n == nil {
			n = newNode(t.Type)
			byType[t.Type] = n
			order = append(order, n)
		}
		if err := n.setPath(t.Path, t.Value); err != nil {
			return nil, err
		}
	}
	if nt, d := byType["network-traffic"], byType["domain-name"]; nt != nil && d != nil &&
		len(nt.refs["dst_ref"]) == 0 && len(nt.refs["src_ref"]) == 0 {
		nt.refs["dst_ref"] = []*node{d}
		out := order[:0]
		for _, n := range order {
			if n != d {
				out = append(out, n)
			}
		}
		order = out
	}
	return order, nil
}

// setPath sets the property at path (as Comparison.Path spells it) to v, making the referenced observables a
// path goes through (dst_ref.value, to_refs.value, body_multipart.body_raw_ref.name).
func (n *node) setPath(path, v string) error {
	steps := strings.Split(path, ".")
	for i, s := range steps {
		if strings.HasSuffix(s, "_ref") || strings.HasSuffix(s, "_refs") {
			key := strings.Join(steps[:i+1], ".")
			rest := steps[i+1:]
			if len(rest) == 0 {
				return fmt.Errorf("%w: a comparison of the reference %s itself", errNotMISP, key)
			}
			var child *node
			if l := n.refs[key]; len(l) > 0 && (strings.HasSuffix(s, "_ref") || !l[len(l)-1].has(rest)) {
				child = l[len(l)-1]
			} else {
				child = newNode("")
				n.refs[key] = append(n.refs[key], child)
			}
			if len(rest) == 1 && rest[0] == "type" {
				child.typ = v
				return nil
			}
			return child.setPath(strings.Join(rest, "."), v)
		}
	}
	n.props[path] = append(n.props[path], v)
	return nil
}

// has reports whether the node has a value at path already (a second one starts another list element).
func (n *node) has(path []string) bool {
	if len(path) == 1 && path[0] == "type" {
		return n.typ != ""
	}
	return len(n.props[strings.Join(path, ".")]) > 0
}
