// Package esql translates Sigma rules into Elasticsearch's ES|QL: FROM an index pattern, then
// one WHERE clause.
//
// Sigma compares case-insensitively, so values are compared with TO_LOWER(field) against the
// lower-cased value: == for exact values, LIKE (whose * and ? are Sigma's own wildcards) for
// patterns. Regular expressions become RLIKE in Lucene's syntax (backend.LuceneRegex), with
// case folding written out as [aA] classes. Strings are triple-quoted, so backslashes in
// Windows paths need no escaping of their own beyond LIKE's.
package esql

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/hunchsec/hunch/sigma"
	"github.com/hunchsec/hunch/sigma/backend"
)

// DefaultMapping is the field mapping used when Options names none: ECS.
const DefaultMapping = "ecs"

// DefaultSource is the FROM pattern used when Options names none.
const DefaultSource = "logs-*"

// Convert translates r into an ES|QL query.
func Convert(r *sigma.Rule, opts backend.Options) (string, error) {
	e, m, err := backend.Compile(r, opts, DefaultMapping)
	if err != nil {
		return "", err
	}
	s, err := backend.Render(e, form{}, m)
	if err != nil {
		return "", err
	}
	src := opts.Source
	if src == "" {
		src = DefaultSource
	}
	return "FROM " + src + "\n| WHERE " + s, nil
}

type form struct{}

func (form) And(p []string) string { return strings.Join(p, " AND ") }
func (form) Or(p []string) string  { return strings.Join(p, " OR ") }
func (form) Not(p string) string   { return "NOT " + p }

var identifier = regexp.MustCompile(`^[A-Za-z_@][A-Za-z0-9_.@]*$`)

// Field writes a column name, backquoted when it is not a plain (possibly dotted) identifier.
func Field(f string) string {
	if identifier.MatchString(f) {
		return f
	}
	return "`" + strings.ReplaceAll(f, "`", "``") + "`"
}

// Quote writes s as a string literal: triple-quoted (nothing escaped inside) when it can be,
// else double-quoted with \ and \" escapes.
func Quote(s string) string {
	if !strings.Contains(s, `"""`) && !strings.HasSuffix(s, `"`) {
		return `"""` + s + `"""`
	}
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) + `"`
}

// likePattern writes p for LIKE: * and ? wildcards, the characters *, ? and \ escaped.
func likePattern(p sigma.Pattern, lower bool) string {
	var b strings.Builder
	for _, t := range p {
		if t.Wild != 0 {
			b.WriteByte(t.Wild)
			continue
		}
		lit := t.Lit
		if lower {
			lit = strings.ToLower(lit)
		}
		b.WriteString(strings.NewReplacer(`\`, `\\`, `*`, `\*`, `?`, `\?`).Replace(lit))
	}
	return b.String()
}

func (form) Match(m *sigma.Match, field string) (string, error) {
	if field == "" {
		return "", backend.Unsupported("esql", "a keyword search (a value without a field)")
	}
	f := Field(field)
	low := "TO_LOWER(" + f + ")"
	switch m.Op {
	case sigma.OpGlob:
		shape, lit := m.Pattern.Shape()
		switch {
		case shape == sigma.ShapeAny:
			return f + " IS NOT NULL", nil
		case shape == sigma.ShapeExact && m.Cased:
			return f + " == " + Quote(lit), nil
		case shape == sigma.ShapeExact:
			return low + " == " + Quote(strings.ToLower(lit)), nil
		case m.Cased:
			return f + " LIKE " + Quote(likePattern(m.Pattern, false)), nil
		}
		return low + " LIKE " + Quote(likePattern(m.Pattern, true)), nil
	case sigma.OpRegex:
		re, err := backend.LuceneRegex(m.Regex, m.Flags)
		if err != nil {
			return "", backend.Unsupported("esql", "regular expression %q: %v", m.Regex, err)
		}
		return f + " RLIKE " + Quote(re), nil
	case sigma.OpCIDR:
		return fmt.Sprintf("CIDR_MATCH(TO_IP(%s), %s)", f, Quote(m.Prefix.String())), nil
	case sigma.OpExists:
		if m.Exists {
			return f + " IS NOT NULL", nil
		}
		return f + " IS NULL", nil
	case sigma.OpNull:
		return f + " IS NULL", nil
	case sigma.OpFieldRef:
		b := "TO_LOWER(" + Field(m.Ref) + ")"
		switch m.RefKind {
		case sigma.RefContains:
			return fmt.Sprintf("LOCATE(%s, %s) > 0", low, b), nil
		case sigma.RefStartsWith:
			return fmt.Sprintf("STARTS_WITH(%s, %s)", low, b), nil
		case sigma.RefEndsWith:
			return fmt.Sprintf("ENDS_WITH(%s, %s)", low, b), nil
		}
		return low + " == " + b, nil
	case sigma.OpLT, sigma.OpLTE, sigma.OpGT, sigma.OpGTE:
		op := backend.CompareOp(m.Op)
		return fmt.Sprintf("TO_DOUBLE(%s) %s %s", f, op, strconv.FormatFloat(m.Number, 'f', -1, 64)), nil
	}
	return "", backend.Unsupported("esql", "match operation %d", m.Op)
}
