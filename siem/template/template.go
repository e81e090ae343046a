// Package template reads hunting query templates — YAML files with metadata, typed parameters
// and a body in a SIEM's query language — and renders them into siem.Query values. Every value
// is quoted for the body's language with the siem quoters (or bound as a SQL parameter), never
// pasted, so a hostile parameter stays one literal. A built-in library is embedded; user folders
// add to it and override built-ins by name.
package template

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/hunchsec/hunch/siem"
)

// Backend is the kind of source a template is written for.
type Backend string

// The backends templates are written for.
const (
	Splunk   Backend = "splunk"
	Sentinel Backend = "sentinel"
	Elastic  Backend = "elastic"
	Files    Backend = "files"
	SQL      Backend = "sql"
)

// Backends lists every backend, in the order listings show them.
func Backends() []Backend { return []Backend{Splunk, Sentinel, Elastic, Files, SQL} }

// ParamType is the type of a template parameter.
type ParamType string

// The parameter types.
const (
	String   ParamType = "string"
	Int      ParamType = "int"
	Datetime ParamType = "datetime"
	List     ParamType = "list"
)

// Param is one typed parameter of a template.
type Param struct {
	Name        string    `yaml:"name"`
	Type        ParamType `yaml:"type"`
	Description string    `yaml:"description"`
	// Required parameters have no default and must be given.
	Required bool `yaml:"required"`
	// Default is used when the parameter is not given, written as on the command line.
	Default *string `yaml:"default"`
	// Aliases are other names the parameter answers to.
	Aliases []string `yaml:"aliases"`
	// Example is a sample value for documentation and tests.
	Example string `yaml:"example"`
}

// Template is one query template.
type Template struct {
	Name        string        `yaml:"name"`
	Description string        `yaml:"description"`
	Backend     Backend       `yaml:"backend"`
	Language    siem.Language `yaml:"language"` // default from the backend: spl, kql, lucene, where, sql
	Family      string        `yaml:"family"`   // data family: process, logon, network, dns, …
	Tags        []string      `yaml:"tags"`
	Params      []Param       `yaml:"parameters"`
	Body        string        `yaml:"body"`
	// Origin is where the template was read from ("builtin:FILE" or a path).
	Origin string `yaml:"-"`
}

// placeholder matches {{ name }} in a body.
var placeholder = regexp.MustCompile(`\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}`)

var templateName = regexp.MustCompile(`^[a-z][a-z0-9_.-]{0,99}$`)

var paramName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]{0,62}$`)

// DefaultLanguage returns the language a backend's templates are written in unless they say.
func DefaultLanguage(b Backend) siem.Language {
	switch b {
	case Splunk:
		return siem.SPL
	case Sentinel:
		return siem.KQL
	case Elastic:
		return siem.Lucene
	case Files:
		return siem.Where
	case SQL:
		return siem.SQL
	}
	return ""
}

func languageAllowed(b Backend, l siem.Language) bool {
	switch b {
	case Elastic:
		return l == siem.Lucene || l == siem.ESQL
	default:
		return l == DefaultLanguage(b)
	}
}

// Parse reads every template in data, a YAML stream of one or more documents separated by ---.
// origin names the file in errors. Unknown keys are errors.
func Parse(data []byte, origin string) ([]*Template, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	var out []*Template
	for i := 1; ; i++ {
		var t Template
		err := dec.Decode(&t)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%s: template %d: %w", origin, i, err)
		}
		t.Origin = origin
		if err := t.check(); err != nil {
			return nil, fmt.Errorf("%s: template %d: %w", origin, i, err)
		}
		out = append(out, &t)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s: no templates", origin)
	}
	return out, nil
}

// check validates a template's metadata, parameters and body.
func (t *Template) check() error {
	if !templateName.MatchString(t.Name) {
		return fmt.Errorf("name %q: want lower-case letters, digits, '.', '_' or '-', starting with a letter", t.Name)
	}
	if !slices.Contains(Backends(), t.Backend) {
		return fmt.Errorf("%s: unknown backend %q (known: splunk, sentinel, elastic, files, sql)", t.Name, t.Backend)
	}
	if t.Language == "" {
		t.Language = DefaultLanguage(t.Backend)
	}
	if !languageAllowed(t.Backend, t.Language) {
		return fmt.Errorf("%s: language %q does not fit backend %s", t.Name, t.Language, t.Backend)
	}
	if strings.TrimSpace(t.Body) == "" {
		return fmt.Errorf("%s: empty body", t.Name)
	}
	names := map[string]string{}
	for i := range t.Params {
		p := &t.Params[i]
		if !paramName.MatchString(p.Name) {
			return fmt.Errorf("%s: parameter %d: bad name %q", t.Name, i+1, p.Name)
		}
		switch p.Type {
		case "":
			p.Type = String
		case String, Int, Datetime, List:
		default:
			return fmt.Errorf("%s: parameter %s: unknown type %q (string, int, datetime, list)", t.Name, p.Name, p.Type)
		}
		if p.Required && p.Default != nil {
			return fmt.Errorf("%s: parameter %s: required and has a default", t.Name, p.Name)
		}
		if !p.Required && p.Default == nil {
			return fmt.Errorf("%s: parameter %s: neither required nor given a default", t.Name, p.Name)
		}
		for _, n := range append([]string{p.Name}, p.Aliases...) {
			if !paramName.MatchString(n) {
				return fmt.Errorf("%s: parameter %s: bad alias %q", t.Name, p.Name, n)
			}
			if other, dup := names[n]; dup {
				return fmt.Errorf("%s: name %q used by parameters %s and %s", t.Name, n, other, p.Name)
			}
			names[n] = p.Name
		}
		if p.Default != nil {
			if _, err := p.parse(*p.Default, time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)); err != nil {
				return fmt.Errorf("%s: parameter %s: default: %w", t.Name, p.Name, err)
			}
		}
	}
	if t.Language == siem.SQL {
		// A list binds as :NAME_1, :NAME_2 …, which must not be another parameter's name.
		for _, l := range t.Params {
			for _, p := range t.Params {
				if l.Type == List && strings.HasPrefix(p.Name, l.Name+"_") && strings.Trim(p.Name[len(l.Name)+1:], "0123456789") == "" {
					return fmt.Errorf("%s: parameter %s clashes with the names list %s binds as (:%s_1, :%s_2 …)", t.Name, p.Name, l.Name, l.Name, l.Name)
				}
			}
		}
	}
	used := map[string]bool{}
	for _, m := range placeholder.FindAllStringSubmatch(t.Body, -1) {
		if t.param(m[1]) == nil {
			return fmt.Errorf("%s: body uses {{%s}}, which is not a parameter", t.Name, m[1])
		}
		used[m[1]] = true
	}
	for _, p := range t.Params {
		if !used[p.Name] {
			return fmt.Errorf("%s: parameter %s is not used by the body", t.Name, p.Name)
		}
	}
	return nil
}

func (t *Template) param(name string) *Param {
	for i := range t.Params {
		if t.Params[i].Name == name {
			return &t.Params[i]
		}
	}
	return nil
}

// value is a parsed parameter value.
type value struct {
	s    string
	n    int64
	t    time.Time
	list []string
}

// parse reads a value written as on the command line: an int in decimal, a datetime as
// siem.ParseTime reads it (RFC 3339, unix seconds, -24h@h relative to now), a list split on commas.
func (p *Param) parse(s string, now time.Time) (value, error) {
	switch p.Type {
	case Int:
		n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
		if err != nil {
			return value{}, fmt.Errorf("%q is not an integer", s)
		}
		return value{n: n}, nil
	case Datetime:
		t, err := siem.ParseTime(s, now)
		if err != nil {
			return value{}, err
		}
		return value{t: t}, nil
	case List:
		var items []string
		for item := range strings.SplitSeq(s, ",") {
			if item = strings.TrimSpace(item); item != "" {
				items = append(items, item)
			}
		}
		if len(items) == 0 {
			return value{}, errors.New("empty list")
		}
		return value{list: items}, nil
	}
	return value{s: s}, nil
}

// Rendered is a template filled in: a query ready for a source, and for SQL the values of its
// :name parameters (bind them with siem.BindSQL in the driver's placeholder style).
type Rendered struct {
	Query  siem.Query
	Params map[string]any
}

// Render fills the template with values given by name or alias, written as on the command line
// (see Param). Unknown names, missing required parameters, a parameter given twice (under two
// names) and values of the wrong type are errors. now anchors relative datetimes.
func (t *Template) Render(values map[string]string, now time.Time) (Rendered, error) {
	got := map[string]value{}
	var errs []error
	given := map[string]string{}
	for _, k := range sortedKeys(values) {
		canon := ""
		for _, p := range t.Params {
			if p.Name == k || slices.Contains(p.Aliases, k) {
				canon = p.Name
			}
		}
		if canon == "" {
			errs = append(errs, fmt.Errorf("unknown parameter %q (parameters: %s)", k, strings.Join(t.paramNames(), ", ")))
			continue
		}
		if prev, dup := given[canon]; dup {
			errs = append(errs, fmt.Errorf("parameter %s given twice (as %s and %s)", canon, prev, k))
			continue
		}
		given[canon] = k
		p := t.param(canon)
		v, err := p.parse(values[k], now)
		if err != nil {
			errs = append(errs, fmt.Errorf("parameter %s (%s): %w", canon, p.Type, err))
			continue
		}
		got[canon] = v
	}
	for _, p := range t.Params {
		if _, ok := got[p.Name]; ok {
			continue
		}
		if _, failed := given[p.Name]; failed {
			continue
		}
		if p.Required {
			errs = append(errs, fmt.Errorf("parameter %s is required", p.Name))
			continue
		}
		v, err := p.parse(*p.Default, now)
		if err != nil {
			errs = append(errs, fmt.Errorf("parameter %s: default: %w", p.Name, err))
			continue
		}
		got[p.Name] = v
	}
	if err := errors.Join(errs...); err != nil {
		return Rendered{}, fmt.Errorf("template %s: %w", t.Name, err)
	}
	r := Rendered{Query: siem.Query{Language: t.Language}}
	if t.Language == siem.SQL {
		r.Params = map[string]any{}
	}
	var rerr error
	r.Query.Text = placeholder.ReplaceAllStringFunc(t.Body, func(m string) string {
		name := placeholder.FindStringSubmatch(m)[1]
		lit, err := t.literal(t.param(name), got[name], r.Params)
		if err != nil && rerr == nil {
			rerr = err
		}
		return lit
	})
	if rerr != nil {
		return Rendered{}, fmt.Errorf("template %s: %w", t.Name, rerr)
	}
	r.Query.Text = strings.TrimSpace(r.Query.Text)
	return r, nil
}

// literal writes v as a literal of the template's language. For SQL it writes :name
// placeholders and records the values in params.
func (t *Template) literal(p *Param, v value, params map[string]any) (string, error) {
	lang := t.Language
	if lang == siem.SQL {
		switch p.Type {
		case List:
			names := make([]string, len(v.list))
			for i, item := range v.list {
				n := fmt.Sprintf("%s_%d", p.Name, i+1)
				params[n] = item
				names[i] = ":" + n
			}
			return "(" + strings.Join(names, ", ") + ")", nil
		case Int:
			params[p.Name] = v.n
		case Datetime:
			params[p.Name] = v.t.UTC()
		default:
			params[p.Name] = v.s
		}
		return ":" + p.Name, nil
	}
	quote := func(s string) (string, error) {
		if lang == siem.Where {
			return siem.QuoteSPL(s), nil
		}
		return siem.Quote(lang, s)
	}
	switch p.Type {
	case Int:
		return strconv.FormatInt(v.n, 10), nil
	case Datetime:
		return timeLiteral(lang, v.t)
	case List:
		items := make([]string, len(v.list))
		for i, item := range v.list {
			q, err := quote(item)
			if err != nil {
				return "", err
			}
			items[i] = q
		}
		if lang == siem.Lucene {
			return "(" + strings.Join(items, " OR ") + ")", nil
		}
		return "(" + strings.Join(items, ", ") + ")", nil
	}
	return quote(v.s)
}

// timeLiteral writes t as the language's time literal: unix seconds for SPL (earliest=, latest=,
// _time comparisons), datetime(…) for KQL, TO_DATETIME("…") for ES|QL, and a quoted RFC 3339
// string for Lucene range queries and the files source.
func timeLiteral(lang siem.Language, t time.Time) (string, error) {
	s := t.UTC().Format(time.RFC3339Nano)
	switch lang {
	case siem.SPL:
		return strconv.FormatInt(t.Unix(), 10), nil
	case siem.KQL:
		return "datetime(" + s + ")", nil
	case siem.ESQL:
		return "TO_DATETIME(" + siem.QuoteESQL(s) + ")", nil
	case siem.Lucene:
		return siem.QuoteLucene(s), nil
	case siem.Where:
		return siem.QuoteSPL(s), nil
	}
	return "", fmt.Errorf("no time literal for language %q", lang)
}

func (t *Template) paramNames() []string {
	var out []string
	for _, p := range t.Params {
		out = append(out, p.Name)
	}
	if len(out) == 0 {
		return []string{"none"}
	}
	return out
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
