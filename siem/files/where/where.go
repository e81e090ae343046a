// Package where is the filter language of hunch's file source: a small boolean expression over
// record fields, parsed by its own parser and evaluated against record.Record values.
//
// Grammar (keywords are case-insensitive):
//
//	expr    = and { "or" and }
//	and     = unary { "and" unary }
//	unary   = "not" unary | "(" expr ")" | test
//	test    = field "exists"
//	        | field [ "not" ] "in" "(" literal { "," literal } ")"
//	        | field op literal
//	op      = "=" | "!=" | "<" | "<=" | ">" | ">=" | "~" | "!~"
//	        | "contains" | "startswith" | "endswith"
//	        | "icontains" | "istartswith" | "iendswith"      (case-insensitive)
//	field   = name | "`" any bytes but "`" "`"
//	name    = ( letter | "_" | "@" ) { letter | digit | "_" | "@" | "." | "-" }
//	literal = string | number | "true" | "false"
//	string  = '"' { any byte but '"' and '\' | '\\' | '\"' } '"'
//	number  = [ "-" ] digits [ "." digits ] [ ( "e" | "E" ) [ "+" | "-" ] digits ]
//
// Strings are written exactly as siem.QuoteSPL writes them: a backslash escapes only a backslash
// or a double quote, and every other byte (line breaks included) stands for itself, so any
// QuoteSPL(x) reads back as the literal x and can never end early.
//
// Fields are looked up by exact name first, then as a dotted path into object values
// (Event.System.EventID); "_file" falls back to the record's Meta.Source.
//
// Comparisons: a number literal against an int, float or numeric string compares numerically;
// a literal against a time field, or against a string field holding a date-time (see TextTime),
// is read as a time (RFC 3339 and the forms siem.ParseTime takes) and compares in time; otherwise values compare as text, byte-wise. = and the string operators
// are case-sensitive unless i-prefixed. ~ is an RE2 regular expression searched anywhere in the
// text (anchor with ^ and $, (?i) for case). A list field matches when any element does.
// A missing or null field fails every test but exists; the negated forms (!=, !~, not in) are
// exactly "not" of their positive forms, so they hold for a missing field.
package where

import (
	"errors"
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/hunchsec/hunch/record"
	"github.com/hunchsec/hunch/siem"
)

// Default limits.
const (
	DefaultMaxBytes = 64 << 10 // longest expression accepted
	DefaultMaxDepth = 64       // deepest nesting of parentheses and "not"
)

// Options sets the parser's limits; zero fields take the defaults.
type Options struct {
	MaxBytes int       // longest expression in bytes; 0 means DefaultMaxBytes
	MaxDepth int       // deepest nesting; 0 means DefaultMaxDepth
	Now      time.Time // reference for relative times in literals (-24h); zero means time.Now()
}

// ErrTooLong and ErrTooDeep report an expression over the limits in Options.
var (
	ErrTooLong = errors.New("where: expression too long")
	ErrTooDeep = errors.New("where: expression nested too deeply")
)

// Expr is a parsed expression, safe for concurrent use.
type Expr struct{ root node }

// Match reports whether r satisfies the expression. A nil *Expr matches everything.
func (e *Expr) Match(r record.Record) bool {
	if e == nil || e.root == nil {
		return true
	}
	return e.root.eval(r)
}

// Parse parses an expression. Empty text or "*" gives an Expr that matches every record.
func Parse(text string, opts Options) (*Expr, error) {
	if opts.MaxBytes <= 0 {
		opts.MaxBytes = DefaultMaxBytes
	}
	if opts.MaxDepth <= 0 {
		opts.MaxDepth = DefaultMaxDepth
	}
	if opts.Now.IsZero() {
		opts.Now = time.Now()
	}
	if len(text) > opts.MaxBytes {
		return nil, fmt.Errorf("%w: %d bytes, limit %d", ErrTooLong, len(text), opts.MaxBytes)
	}
	if t := strings.TrimSpace(text); t == "" || t == "*" {
		return &Expr{}, nil
	}
	p := parser{src: text, opts: opts}
	if err := p.next(); err != nil {
		return nil, err
	}
	n, err := p.or(0)
	if err != nil {
		return nil, err
	}
	if p.tok.kind != tEOF {
		return nil, p.errf("unexpected %s", p.tok)
	}
	return &Expr{root: n}, nil
}

// ---- lexer ----

type tokKind int

const (
	tEOF tokKind = iota
	tWord
	tField // back-quoted
	tString
	tNumber
	tOp
	tLParen
	tRParen
	tComma
)

type token struct {
	kind tokKind
	text string // word, field name, decoded string, number text or operator
	pos  int
}

func (t token) String() string {
	switch t.kind {
	case tEOF:
		return "end of expression"
	case tString:
		return "string " + siem.QuoteSPL(t.text)
	}
	return strconv.Quote(t.text)
}

type parser struct {
	src  string
	pos  int
	tok  token
	opts Options
}

func (p *parser) errf(format string, args ...any) error {
	return fmt.Errorf("where: at byte %d: %s", p.tok.pos, fmt.Sprintf(format, args...))
}

func isNameStart(c byte) bool {
	return c == '_' || c == '@' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

func isNameByte(c byte) bool {
	return isNameStart(c) || c >= '0' && c <= '9' || c == '.' || c == '-'
}

func (p *parser) next() error {
	s := p.src
	for p.pos < len(s) && (s[p.pos] == ' ' || s[p.pos] == '\t' || s[p.pos] == '\n' || s[p.pos] == '\r') {
		p.pos++
	}
	start := p.pos
	p.tok = token{pos: start}
	if p.pos == len(s) {
		p.tok.kind = tEOF
		return nil
	}
	c := s[p.pos]
	switch {
	case c == '(':
		p.pos++
		p.tok.kind, p.tok.text = tLParen, "("
	case c == ')':
		p.pos++
		p.tok.kind, p.tok.text = tRParen, ")"
	case c == ',':
		p.pos++
		p.tok.kind, p.tok.text = tComma, ","
	case c == '"':
		v, n, err := scanString(s[p.pos:])
		if err != nil {
			return fmt.Errorf("where: at byte %d: %w", start, err)
		}
		p.pos += n
		p.tok.kind, p.tok.text = tString, v
	case c == '`':
		end := strings.IndexByte(s[p.pos+1:], '`')
		if end < 0 {
			return fmt.Errorf("where: at byte %d: field name has no closing back quote", start)
		}
		p.tok.kind, p.tok.text = tField, s[p.pos+1:p.pos+1+end]
		p.pos += end + 2
	case c == '-' || c >= '0' && c <= '9':
		n := scanNumber(s[p.pos:])
		if n == 0 {
			return fmt.Errorf("where: at byte %d: malformed number", start)
		}
		p.tok.kind, p.tok.text = tNumber, s[p.pos:p.pos+n]
		p.pos += n
	case isNameStart(c):
		n := 1
		for p.pos+n < len(s) && isNameByte(s[p.pos+n]) {
			n++
		}
		p.tok.kind, p.tok.text = tWord, s[p.pos:p.pos+n]
		p.pos += n
	default:
		for _, op := range []string{"<=", ">=", "!=", "!~", "=", "<", ">", "~"} {
			if strings.HasPrefix(s[p.pos:], op) {
				p.pos += len(op)
				p.tok.kind, p.tok.text = tOp, op
				return nil
			}
		}
		return fmt.Errorf("where: at byte %d: unexpected character %q", start, c)
	}
	return nil
}

// scanString reads a double-quoted literal in QuoteSPL's escaping at the start of s.
func scanString(s string) (string, int, error) {
	var b strings.Builder
	for i := 1; i < len(s); i++ {
		switch c := s[i]; c {
		case '"':
			return b.String(), i + 1, nil
		case '\\':
			if i+1 == len(s) {
				return "", 0, errors.New("string ends inside an escape")
			}
			i++
			if s[i] != '\\' && s[i] != '"' {
				return "", 0, fmt.Errorf("unknown escape \\%c (only \\\\ and \\\" are escapes)", s[i])
			}
			b.WriteByte(s[i])
		default:
			b.WriteByte(c)
		}
	}
	return "", 0, errors.New("string has no closing double quote")
}

func scanNumber(s string) int {
	i := 0
	if i < len(s) && s[i] == '-' {
		i++
	}
	digits := func() int {
		j := i
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		return i - j
	}
	if digits() == 0 {
		return 0
	}
	if i < len(s) && s[i] == '.' {
		i++
		if digits() == 0 {
			return 0
		}
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		if digits() == 0 {
			return 0
		}
	}
	if i < len(s) && isNameByte(s[i]) {
		return 0
	}
	return i
}

func (p *parser) isWord(w string) bool {
	return p.tok.kind == tWord && strings.EqualFold(p.tok.text, w)
}

// ---- parser ----

func (p *parser) deeper(depth int) error {
	if depth >= p.opts.MaxDepth {
		return fmt.Errorf("%w: limit %d", ErrTooDeep, p.opts.MaxDepth)
	}
	return nil
}

func (p *parser) or(depth int) (node, error) {
	n, err := p.and(depth)
	if err != nil {
		return nil, err
	}
	for p.isWord("or") {
		if err := p.next(); err != nil {
			return nil, err
		}
		m, err := p.and(depth)
		if err != nil {
			return nil, err
		}
		if o, ok := n.(orNode); ok {
			n = append(o, m)
		} else {
			n = orNode{n, m}
		}
	}
	return n, nil
}

func (p *parser) and(depth int) (node, error) {
	n, err := p.unary(depth)
	if err != nil {
		return nil, err
	}
	for p.isWord("and") {
		if err := p.next(); err != nil {
			return nil, err
		}
		m, err := p.unary(depth)
		if err != nil {
			return nil, err
		}
		if a, ok := n.(andNode); ok {
			n = append(a, m)
		} else {
			n = andNode{n, m}
		}
	}
	return n, nil
}

func (p *parser) unary(depth int) (node, error) {
	if err := p.deeper(depth); err != nil {
		return nil, err
	}
	switch {
	case p.isWord("not"):
		if err := p.next(); err != nil {
			return nil, err
		}
		n, err := p.unary(depth + 1)
		if err != nil {
			return nil, err
		}
		return notNode{n}, nil
	case p.tok.kind == tLParen:
		if err := p.next(); err != nil {
			return nil, err
		}
		n, err := p.or(depth + 1)
		if err != nil {
			return nil, err
		}
		if p.tok.kind != tRParen {
			return nil, p.errf("want ), got %s", p.tok)
		}
		return n, p.next()
	}
	return p.test()
}

var keywords = map[string]bool{"and": true, "or": true, "not": true, "in": true, "exists": true}

func (p *parser) test() (node, error) {
	var field string
	switch {
	case p.tok.kind == tField:
		field = p.tok.text
	case p.tok.kind == tWord && !keywords[strings.ToLower(p.tok.text)]:
		field = p.tok.text
	default:
		return nil, p.errf("want a field name, got %s", p.tok)
	}
	if err := p.next(); err != nil {
		return nil, err
	}
	f := newFieldRef(field)
	if p.isWord("exists") {
		return existsNode{f}, p.next()
	}
	negate := false
	if p.isWord("not") {
		negate = true
		if err := p.next(); err != nil {
			return nil, err
		}
		if !p.isWord("in") {
			return nil, p.errf("want in after not, got %s", p.tok)
		}
	}
	if p.isWord("in") {
		n, err := p.inList(f)
		if err != nil {
			return nil, err
		}
		if negate {
			return notNode{n}, nil
		}
		return n, nil
	}
	var op string
	switch {
	case p.tok.kind == tOp:
		op = p.tok.text
	case p.tok.kind == tWord:
		switch w := strings.ToLower(p.tok.text); w {
		case "contains", "startswith", "endswith", "icontains", "istartswith", "iendswith":
			op = w
		}
	}
	if op == "" {
		return nil, p.errf("want an operator after field %q, got %s", field, p.tok)
	}
	opPos := p.tok.pos
	if err := p.next(); err != nil {
		return nil, err
	}
	lit, err := p.literal()
	if err != nil {
		return nil, err
	}
	switch op {
	case "~", "!~":
		re, err := regexp.Compile(lit.s)
		if err != nil {
			return nil, fmt.Errorf("where: at byte %d: bad regular expression: %w", opPos, err)
		}
		var n node = regexNode{f, re}
		if op == "!~" {
			n = notNode{n}
		}
		return n, nil
	case "=":
		return cmpNode{f, opEq, lit}, nil
	case "!=":
		return notNode{cmpNode{f, opEq, lit}}, nil
	case "<":
		return cmpNode{f, opLt, lit}, nil
	case "<=":
		return cmpNode{f, opLe, lit}, nil
	case ">":
		return cmpNode{f, opGt, lit}, nil
	case ">=":
		return cmpNode{f, opGe, lit}, nil
	}
	fold := op[0] == 'i'
	if fold {
		op = op[1:]
		lit.s = strings.ToLower(lit.s)
	}
	return strNode{f, op, lit.s, fold}, nil
}

func (p *parser) inList(f fieldRef) (node, error) {
	if err := p.next(); err != nil {
		return nil, err
	}
	if p.tok.kind != tLParen {
		return nil, p.errf("want ( after in, got %s", p.tok)
	}
	var n orNode
	for {
		if err := p.next(); err != nil {
			return nil, err
		}
		lit, err := p.literal()
		if err != nil {
			return nil, err
		}
		n = append(n, cmpNode{f, opEq, lit})
		if p.tok.kind == tRParen {
			return n, p.next()
		}
		if p.tok.kind != tComma {
			return nil, p.errf("want , or ) in list, got %s", p.tok)
		}
	}
}

// literal is a value written in the expression, pre-read as a number and a time where it can be.
type literal struct {
	s     string
	num   float64
	isNum bool
	t     time.Time
	isT   bool
}

func (p *parser) literal() (literal, error) {
	var l literal
	switch {
	case p.tok.kind == tString:
		l.s = p.tok.text
		if t, err := siem.ParseTime(l.s, p.opts.Now); err == nil && !isPlainNumber(l.s) {
			l.t, l.isT = t, true
		}
	case p.tok.kind == tNumber:
		l.s = p.tok.text
		f, err := strconv.ParseFloat(l.s, 64)
		if err != nil {
			return l, p.errf("bad number %s: %v", l.s, err)
		}
		l.num, l.isNum = f, true
		if t, err := siem.ParseTime(l.s, p.opts.Now); err == nil {
			l.t, l.isT = t, true
		}
	case p.isWord("true") || p.isWord("false"):
		l.s = strings.ToLower(p.tok.text)
	default:
		return l, p.errf("want a value, got %s", p.tok)
	}
	return l, p.next()
}

func isPlainNumber(s string) bool {
	_, err := strconv.ParseFloat(s, 64)
	return err == nil
}

// ---- evaluation ----

type node interface{ eval(record.Record) bool }

type orNode []node

func (n orNode) eval(r record.Record) bool {
	for _, m := range n {
		if m.eval(r) {
			return true
		}
	}
	return false
}

type andNode []node

func (n andNode) eval(r record.Record) bool {
	for _, m := range n {
		if !m.eval(r) {
			return false
		}
	}
	return true
}

type notNode struct{ n node }

func (n notNode) eval(r record.Record) bool { return !n.n.eval(r) }

type fieldRef struct {
	name string
	path []string // dotted path, when name has dots
}

func newFieldRef(name string) fieldRef {
	f := fieldRef{name: name}
	if strings.Contains(name, ".") {
		f.path = strings.Split(name, ".")
	}
	return f
}

// Lookup returns the value of a field as the language sees it: by exact name, else by dotted
// path into objects, else "_file" as Meta.Source. A null value counts as missing.
func Lookup(r record.Record, name string) (record.Value, bool) {
	return newFieldRef(name).get(r)
}

func (f fieldRef) get(r record.Record) (record.Value, bool) {
	if v, ok := r.Get(f.name); ok {
		return v, !v.IsNull()
	}
	if f.path != nil {
		cur := r
		for i, part := range f.path {
			v, ok := cur.Get(part)
			if !ok || v.IsNull() {
				break
			}
			if i == len(f.path)-1 {
				return v, true
			}
			if cur, ok = v.Object(); !ok {
				break
			}
		}
	}
	if f.name == "_file" && r.Meta.Source != "" {
		return record.String(r.Meta.Source), true
	}
	return record.Value{}, false
}

// any applies test to v, or to each element when v is a list.
func anyOf(v record.Value, test func(record.Value) bool) bool {
	if v.Kind() == record.KindList {
		for _, e := range v.List() {
			if anyOf(e, test) {
				return true
			}
		}
		return false
	}
	return test(v)
}

type existsNode struct{ f fieldRef }

func (n existsNode) eval(r record.Record) bool { _, ok := n.f.get(r); return ok }

type cmpOp int

const (
	opEq cmpOp = iota
	opLt
	opLe
	opGt
	opGe
)

type cmpNode struct {
	f   fieldRef
	op  cmpOp
	lit literal
}

func (n cmpNode) eval(r record.Record) bool {
	v, ok := n.f.get(r)
	if !ok {
		return false
	}
	return anyOf(v, n.test)
}

func (n cmpNode) test(v record.Value) bool {
	c, ok := compare(v, n.lit)
	if !ok {
		return false
	}
	switch n.op {
	case opEq:
		return c == 0
	case opLt:
		return c < 0
	case opLe:
		return c <= 0
	case opGt:
		return c > 0
	default:
		return c >= 0
	}
}

// compare orders v against l: -1, 0, 1; false when they cannot be compared (NaN).
func compare(v record.Value, l literal) (int, bool) {
	switch v.Kind() {
	case record.KindTime:
		if !l.isT {
			return 0, false
		}
		t, _ := v.Time()
		return t.Compare(l.t), true
	case record.KindInt, record.KindFloat:
		if l.isNum {
			f, _ := v.Float()
			return cmpFloat(f, l.num)
		}
	case record.KindString:
		s, _ := v.Str()
		if l.isNum {
			if f, err := strconv.ParseFloat(strings.TrimSpace(s), 64); err == nil {
				return cmpFloat(f, l.num)
			}
		}
		if l.isT && !l.isNum {
			if t, ok := TextTime(s); ok {
				return t.Compare(l.t), true
			}
		}
	case record.KindObject:
		return 0, false
	}
	return strings.Compare(v.Text(), l.s), true
}

// TextTime reads a time written in a string field: a date-time with or without zone in the
// absolute forms siem.ParseTime takes (RFC 3339, "2006-01-02 15:04:05.999", …), zone-less ones
// in UTC. Relative times and bare numbers are not read, so ordinary text never becomes a time.
func TextTime(s string) (time.Time, bool) {
	if len(s) < 10 || s[0] < '0' || s[0] > '9' || s[4] != '-' {
		return time.Time{}, false
	}
	t, err := siem.ParseTime(s, time.Unix(0, 0).UTC())
	return t, err == nil
}

func cmpFloat(a, b float64) (int, bool) {
	if math.IsNaN(a) || math.IsNaN(b) {
		return 0, false
	}
	switch {
	case a < b:
		return -1, true
	case a > b:
		return 1, true
	}
	return 0, true
}

type regexNode struct {
	f  fieldRef
	re *regexp.Regexp
}

func (n regexNode) eval(r record.Record) bool {
	v, ok := n.f.get(r)
	if !ok {
		return false
	}
	return anyOf(v, func(e record.Value) bool { return n.re.MatchString(e.Text()) })
}

type strNode struct {
	f    fieldRef
	op   string // contains, startswith, endswith
	s    string // lower-cased when fold
	fold bool
}

func (n strNode) eval(r record.Record) bool {
	v, ok := n.f.get(r)
	if !ok {
		return false
	}
	return anyOf(v, func(e record.Value) bool {
		t := e.Text()
		if n.fold {
			t = strings.ToLower(t)
		}
		switch n.op {
		case "contains":
			return strings.Contains(t, n.s)
		case "startswith":
			return strings.HasPrefix(t, n.s)
		}
		return strings.HasSuffix(t, n.s)
	})
}
