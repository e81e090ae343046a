// Package backend holds what the Sigma translators share: the walk over a compiled rule
// (sigma.Expr) with parentheses where precedence needs them, field mapping, and conversions
// of Sigma's wildcard patterns and RE2 expressions into other regular-expression dialects.
// The languages themselves are its subpackages: splunk (SPL), kql (Kusto) and esql (ES|QL).
package backend

import (
	"errors"
	"fmt"
	"regexp"
	"regexp/syntax"
	"strings"

	"github.com/hunchsec/hunch/sigma"
)

// Options configures a translation.
type Options struct {
	// Mapping names the field mapping of the target data (sigma.Mappings: sysmon, ecs, cim,
	// mde). Each language has its own default.
	Mapping string
	// Source replaces the language's default source: Splunk search terms such as
	// `index=win sourcetype=XmlWinEventLog`, a Kusto table, or ES|QL's FROM pattern.
	Source string
}

// ErrUnsupported is wrapped by errors for what a language cannot express.
var ErrUnsupported = errors.New("not expressible in the target language")

// Unsupported returns an error wrapping ErrUnsupported.
func Unsupported(lang, format string, args ...any) error {
	return fmt.Errorf("%s: %s: %w", lang, fmt.Sprintf(format, args...), ErrUnsupported)
}

// Renderer writes one language's boolean operators and matches.
type Renderer interface {
	And(parts []string) string
	Or(parts []string) string
	Not(part string) string
	// Match renders m on field, the name already mapped for the target.
	Match(m *sigma.Match, field string) (string, error)
}

// Compile compiles r and resolves the field mapping (fallback when opts names none).
func Compile(r *sigma.Rule, opts Options, fallback string) (sigma.Expr, sigma.Mapping, error) {
	name := opts.Mapping
	if name == "" {
		name = fallback
	}
	m, err := sigma.MappingByName(name)
	if err != nil {
		return nil, sigma.Mapping{}, err
	}
	e, err := sigma.Compile(r)
	if err != nil {
		return nil, sigma.Mapping{}, err
	}
	return e, m, nil
}

// Render walks e, parenthesising an Or inside an And and any composite under a Not.
func Render(e sigma.Expr, r Renderer, m sigma.Mapping) (string, error) {
	s, _, err := render(e, r, m)
	return s, err
}

// render returns the text and whether it is a composite (needs parentheses inside another).
func render(e sigma.Expr, r Renderer, m sigma.Mapping) (string, bool, error) {
	switch e := e.(type) {
	case sigma.And:
		return renderList(e, "and", r.And, r, m)
	case sigma.Or:
		return renderList(e, "or", r.Or, r, m)
	case sigma.Not:
		s, comp, err := render(e.X, r, m)
		if err != nil {
			return "", false, err
		}
		if comp {
			s = "(" + s + ")"
		}
		return r.Not(s), false, nil
	case *sigma.Match:
		field := ""
		if e.Field != "" {
			field = m.Field(e.Field)
		}
		s, err := r.Match(e, field)
		return s, false, err
	}
	return "", false, fmt.Errorf("unknown expression %T", e)
}

// renderList renders the parts of an And or Or and joins them, parenthesising a part that is
// the other connective.
func renderList(parts []sigma.Expr, what string, join func([]string) string, r Renderer, m sigma.Mapping) (string, bool, error) {
	if len(parts) == 0 {
		return "", false, errors.New("empty " + what)
	}
	if len(parts) == 1 {
		return render(parts[0], r, m)
	}
	out := make([]string, len(parts))
	for i, x := range parts {
		s, comp, err := render(x, r, m)
		if err != nil {
			return "", false, err
		}
		_, isAnd := x.(sigma.And)
		_, isOr := x.(sigma.Or)
		if comp && ((what == "and" && isOr) || (what == "or" && isAnd)) {
			s = "(" + s + ")"
		}
		out[i] = s
	}
	return join(out), true, nil
}

// CompareOp is the operator of a gt/gte/lt/lte match, as SPL, KQL and ES|QL all write it.
func CompareOp(op sigma.Op) string {
	return map[sigma.Op]string{sigma.OpLT: "<", sigma.OpLTE: "<=", sigma.OpGT: ">", sigma.OpGTE: ">="}[op]
}

// GlobRegex is an RE2 expression matching what p matches (case-insensitively unless cased),
// anchored at both ends.
func GlobRegex(p sigma.Pattern, cased bool) string {
	var b strings.Builder
	if !cased {
		b.WriteString("(?i)")
	}
	b.WriteByte('^')
	for _, t := range p {
		switch t.Wild {
		case '*':
			b.WriteString(".*")
		case '?':
			b.WriteByte('.')
		default:
			b.WriteString(regexp.QuoteMeta(t.Lit))
		}
	}
	b.WriteByte('$')
	return b.String()
}

// luceneReserved are the characters Lucene's regular-expression syntax (used by
// Elasticsearch's regexp query and ES|QL's RLIKE) gives a meaning.
const luceneReserved = `.?+*|{}[]()"\#@&<>~`

// LuceneRegex converts an RE2 expression (Sigma's re modifier; flags as sigma.Match.Flags)
// into Lucene's regular-expression syntax, which is anchored at both ends, has no flags and
// no \d-style classes: classes are written out, case folding becomes [aA] per letter, and a
// missing ^ or $ becomes .* at that end. Word boundaries, line anchors in the middle and
// other constructs Lucene lacks are refused.
func LuceneRegex(re, flags string) (string, error) {
	pf := syntax.Perl
	if strings.Contains(flags, "i") {
		pf |= syntax.FoldCase
	}
	if strings.Contains(flags, "s") {
		pf |= syntax.DotNL
	}
	t, err := syntax.Parse(re, pf)
	if err != nil {
		return "", err
	}
	t = t.Simplify()
	subs := []*syntax.Regexp{t}
	if t.Op == syntax.OpConcat {
		subs = t.Sub
	}
	var b strings.Builder
	start, end := 0, len(subs)
	if len(subs) > 0 && (subs[0].Op == syntax.OpBeginText || subs[0].Op == syntax.OpBeginLine) {
		start = 1
	} else {
		b.WriteString(".*")
	}
	anchoredEnd := len(subs) > start && (subs[len(subs)-1].Op == syntax.OpEndText || subs[len(subs)-1].Op == syntax.OpEndLine)
	if anchoredEnd {
		end--
	}
	for _, s := range subs[start:end] {
		if err := lucene(&b, s); err != nil {
			return "", err
		}
	}
	if !anchoredEnd {
		b.WriteString(".*")
	}
	return b.String(), nil
}

func luceneLit(b *strings.Builder, r rune, fold bool) {
	lo, up := strings.ToLower(string(r)), strings.ToUpper(string(r))
	if fold && lo != up {
		b.WriteString("[" + lo + up + "]")
		return
	}
	if strings.ContainsRune(luceneReserved, r) {
		b.WriteByte('\\')
	}
	b.WriteRune(r)
}

func lucene(b *strings.Builder, t *syntax.Regexp) error {
	fold := t.Flags&syntax.FoldCase != 0
	switch t.Op {
	case syntax.OpLiteral:
		for _, r := range t.Rune {
			luceneLit(b, r, fold)
		}
	case syntax.OpCharClass:
		if len(t.Rune) == 2 && t.Rune[0] == 0 && t.Rune[1] == 0x10FFFF {
			b.WriteByte('.')
			return nil
		}
		b.WriteByte('[')
		for i := 0; i+1 < len(t.Rune); i += 2 {
			lo, hi := t.Rune[i], t.Rune[i+1]
			classRune(b, lo)
			if hi != lo {
				b.WriteByte('-')
				classRune(b, hi)
			}
		}
		b.WriteByte(']')
	case syntax.OpAnyChar, syntax.OpAnyCharNotNL:
		b.WriteByte('.')
	case syntax.OpCapture:
		if t.Sub[0].Op == syntax.OpAlternate { // writes its own parentheses
			return lucene(b, t.Sub[0])
		}
		b.WriteByte('(')
		if err := lucene(b, t.Sub[0]); err != nil {
			return err
		}
		b.WriteByte(')')
	case syntax.OpConcat:
		for _, s := range t.Sub {
			if err := lucene(b, s); err != nil {
				return err
			}
		}
	case syntax.OpAlternate:
		b.WriteByte('(')
		for i, s := range t.Sub {
			if i > 0 {
				b.WriteByte('|')
			}
			if err := lucene(b, s); err != nil {
				return err
			}
		}
		b.WriteByte(')')
	case syntax.OpStar, syntax.OpPlus, syntax.OpQuest, syntax.OpRepeat:
		sub := t.Sub[0]
		single := sub.Op == syntax.OpCharClass || sub.Op == syntax.OpAnyChar || sub.Op == syntax.OpAnyCharNotNL ||
			sub.Op == syntax.OpCapture || sub.Op == syntax.OpAlternate || (sub.Op == syntax.OpLiteral && len(sub.Rune) == 1)
		if !single {
			b.WriteByte('(')
		}
		if err := lucene(b, sub); err != nil {
			return err
		}
		if !single {
			b.WriteByte(')')
		}
		switch t.Op {
		case syntax.OpStar:
			b.WriteByte('*')
		case syntax.OpPlus:
			b.WriteByte('+')
		case syntax.OpQuest:
			b.WriteByte('?')
		default:
			if t.Max < 0 {
				fmt.Fprintf(b, "{%d,}", t.Min)
			} else {
				fmt.Fprintf(b, "{%d,%d}", t.Min, t.Max)
			}
		}
	case syntax.OpEmptyMatch:
		b.WriteString("()")
	default:
		return fmt.Errorf("regular expression construct %v has no Lucene form", t.Op)
	}
	return nil
}

// classRune writes one bound of a character-class range, escaped where Lucene needs it.
func classRune(b *strings.Builder, r rune) {
	if strings.ContainsRune(luceneReserved+"-^", r) {
		b.WriteByte('\\')
	}
	b.WriteRune(r)
}
