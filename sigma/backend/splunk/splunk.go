// Package splunk translates Sigma rules into Splunk's Search Processing Language.
//
// A rule whose matches the search command can express (wildcard values, which Splunk compares
// case-insensitively, CIDR values, field=* for presence) becomes search terms, which Splunk
// answers from its index. A rule that needs more — a regular expression, a ? wildcard or a
// literal *, a comparison of two fields, a case-sensitive value — becomes one where clause over
// eval functions (match, cidrmatch, isnull, like), so the whole rule keeps its logic.
package splunk

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/hunchsec/hunch/sigma"
	"github.com/hunchsec/hunch/sigma/backend"
)

// DefaultMapping is the field mapping used when Options names none: Splunk's CIM.
const DefaultMapping = "cim"

var errNeedsWhere = errors.New("needs a where clause")

// Convert translates r into an SPL search.
func Convert(r *sigma.Rule, opts backend.Options) (string, error) {
	e, m, err := backend.Compile(r, opts, DefaultMapping)
	if err != nil {
		return "", err
	}
	prefix := opts.Source
	if s, err := backend.Render(e, searchForm{}, m); err == nil {
		return join(prefix, s), nil
	} else if !errors.Is(err, errNeedsWhere) {
		return "", err
	}
	s, err := backend.Render(e, whereForm{}, m)
	if err != nil {
		return "", err
	}
	if prefix == "" {
		return "| where " + s, nil
	}
	return prefix + " | where " + s, nil
}

func join(prefix, s string) string {
	if prefix == "" {
		return s
	}
	return prefix + " " + s
}

// searchForm renders the search command's terms.
type searchForm struct{}

func (searchForm) And(p []string) string { return strings.Join(p, " ") }
func (searchForm) Or(p []string) string  { return strings.Join(p, " OR ") }
func (searchForm) Not(p string) string   { return "NOT " + p }

var plainField = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_.\-]*$`)

func (searchForm) Match(m *sigma.Match, field string) (string, error) {
	if field != "" && !plainField.MatchString(field) {
		return "", errNeedsWhere
	}
	switch m.Op {
	case sigma.OpGlob:
		if m.Cased {
			return "", errNeedsWhere
		}
		v, ok := searchValue(m.Pattern)
		if !ok {
			return "", errNeedsWhere
		}
		if field == "" {
			return v, nil
		}
		if v == `""` {
			return "", errNeedsWhere // field="" does not match an empty field in search
		}
		return field + "=" + v, nil
	case sigma.OpCIDR:
		return field + "=" + m.Prefix.String(), nil // unquoted: search matches an IP field against a CIDR
	case sigma.OpExists:
		if m.Exists {
			return field + "=*", nil
		}
		return "NOT " + field + "=*", nil
	case sigma.OpNull:
		return "NOT " + field + "=*", nil
	case sigma.OpLT, sigma.OpLTE, sigma.OpGT, sigma.OpGTE:
		return field + compareOp(m.Op) + strconv.FormatFloat(m.Number, 'f', -1, 64), nil
	}
	return "", errNeedsWhere
}

// searchValue writes a pattern as a quoted search value: * stays a wildcard; a ? wildcard or a
// literal * cannot be written in search terms.
func searchValue(p sigma.Pattern) (string, bool) {
	var b strings.Builder
	b.WriteByte('"')
	for _, t := range p {
		switch t.Wild {
		case '*':
			b.WriteByte('*')
		case '?':
			return "", false
		default:
			if strings.Contains(t.Lit, "*") {
				return "", false
			}
			b.WriteString(escape(t.Lit))
		}
	}
	b.WriteByte('"')
	return b.String(), true
}

func escape(s string) string {
	return strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s)
}

func quote(s string) string { return `"` + escape(s) + `"` }

func compareOp(op sigma.Op) string { return backend.CompareOp(op) }

// whereForm renders an eval expression for | where.
type whereForm struct{}

func (whereForm) And(p []string) string { return strings.Join(p, " AND ") }
func (whereForm) Or(p []string) string  { return strings.Join(p, " OR ") }
func (whereForm) Not(p string) string   { return "NOT " + p }

// evalField writes a field name for eval: single-quoted, which also allows dots.
func evalField(f string) string { return "'" + strings.ReplaceAll(f, "'", `\'`) + "'" }

func (whereForm) Match(m *sigma.Match, field string) (string, error) {
	f := evalField(field)
	if field == "" {
		f = "_raw"
	}
	switch m.Op {
	case sigma.OpGlob:
		p := m.Pattern
		if field == "" { // a keyword: anywhere in the event
			p = append(append(sigma.Pattern{{Wild: '*'}}, p...), sigma.Token{Wild: '*'})
		}
		return fmt.Sprintf("match(%s, %s)", f, quote(backend.GlobRegex(p, m.Cased))), nil
	case sigma.OpRegex:
		re := m.Regex
		if m.Flags != "" {
			re = "(?" + m.Flags + ")" + re
		}
		return fmt.Sprintf("match(%s, %s)", f, quote(re)), nil
	case sigma.OpCIDR:
		return fmt.Sprintf("cidrmatch(%s, %s)", quote(m.Prefix.String()), f), nil
	case sigma.OpExists:
		if m.Exists {
			return "isnotnull(" + f + ")", nil
		}
		return "isnull(" + f + ")", nil
	case sigma.OpNull:
		return "isnull(" + f + ")", nil
	case sigma.OpFieldRef:
		a, b := "lower("+f+")", "lower("+evalField(m.Ref)+")"
		switch m.RefKind {
		case sigma.RefContains:
			return fmt.Sprintf("like(%s, \"%%\".%s.\"%%\")", a, b), nil
		case sigma.RefStartsWith:
			return fmt.Sprintf("like(%s, %s.\"%%\")", a, b), nil
		case sigma.RefEndsWith:
			return fmt.Sprintf("like(%s, \"%%\".%s)", a, b), nil
		}
		return a + "==" + b, nil
	case sigma.OpLT, sigma.OpLTE, sigma.OpGT, sigma.OpGTE:
		return fmt.Sprintf("tonumber(%s)%s%s", f, compareOp(m.Op), strconv.FormatFloat(m.Number, 'f', -1, 64)), nil
	}
	return "", backend.Unsupported("spl", "match operation %d", m.Op)
}
