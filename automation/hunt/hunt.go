// Package hunt reads hunt files: a hunt written once and run again with new parameters, on
// demand or on a schedule — what papermill does for msticpy's notebooks. A hunt file declares
// typed parameters and a pipeline of steps, each one of hunch's verbs (query run, unpack,
// extract, lookup, analyze …, report, upload, incident ingest) with its flags, where any flag
// value may use the parameters as {{ .name }}; a query's text may write a text parameter only
// through {{ quote .name }}, which makes it one string literal. Each step reads the records of the step before
// it (or of the step it names) and writes records for the next; the runner lives with the CLI.
//
// The schema is documented in docs/hunts.md.
package hunt

import (
	"bytes"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"text/template"
	"text/template/parse"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/hunchsec/hunch/automation/playbook"
	"github.com/hunchsec/hunch/siem"
)

// Limits of a hunt file.
const (
	DefaultMaxBytes = 1 << 20
	DefaultMaxSteps = 50
)

// Verbs are the commands a step may run: those that read or write records, never one that
// serves, configures or deletes.
var Verbs = []string{
	"query run", "unpack", "extract", "lookup",
	"analyze cmdline", "analyze domains", "analyze sessions", "analyze proctree", "analyze outlier", "analyze timeseries", "analyze cluster",
	"sigma scan", "intel search", "report", "upload", "incident ingest",
}

// Param types.
var paramTypes = []string{"string", "int", "float", "bool", "duration", "time", "enum", "list"}

// File is a parsed hunt file.
type File struct {
	Name        string  `yaml:"name"`
	Description string  `yaml:"description"`
	Params      []Param `yaml:"parameters"`
	Steps       []Step  `yaml:"steps"`
	// Schedule runs the hunt from hunch serve: a cron expression and the parameter sets to
	// run it with (one run each; none runs it once with the defaults).
	Schedule *Schedule `yaml:"schedule"`

	Source []byte `yaml:"-"`
}

// Param is a declared parameter.
type Param struct {
	Name        string   `yaml:"name"`
	Type        string   `yaml:"type"`
	Default     *string  `yaml:"default"`
	Required    bool     `yaml:"required"`
	Values      []string `yaml:"values"` // of an enum
	Description string   `yaml:"description"`
}

// Step is one verb with its flags.
type Step struct {
	ID string `yaml:"id"`
	// Run is the verb, e.g. "extract" or "analyze timeseries".
	Run string `yaml:"run"`
	// With are its flags, by long name; a list repeats the flag; true gives a bare flag.
	With map[string]any `yaml:"with"`
	// Args are its arguments (files), after the flags.
	Args []string `yaml:"args"`
	// Input is the step whose records this one reads: the one before it when empty, "none"
	// for a step that reads nothing (a query).
	Input string `yaml:"input"`
	// When skips the step unless it renders to true.
	When string `yaml:"when"`
}

// Schedule is when hunch serve runs a hunt.
type Schedule struct {
	Cron string              `yaml:"cron"`
	Runs []map[string]string `yaml:"runs"`

	parsed *playbook.Schedule
}

// Next is the schedule's next time after t.
func (s *Schedule) Next(t time.Time) time.Time { return s.parsed.Next(t) }

var idRE = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_-]{0,63}$`)

// Parse reads and checks a hunt file, naming every problem.
func Parse(src []byte) (*File, error) {
	if len(src) > DefaultMaxBytes {
		return nil, fmt.Errorf("hunt: %d bytes, more than the limit of %d", len(src), DefaultMaxBytes)
	}
	var f File
	dec := yaml.NewDecoder(bytes.NewReader(src))
	dec.KnownFields(true)
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("hunt: %w", err)
	}
	f.Source = slices.Clone(src)
	var errs []string
	bad := func(format string, a ...any) { errs = append(errs, fmt.Sprintf(format, a...)) }
	if strings.TrimSpace(f.Name) == "" {
		bad("no name")
	}
	seen := map[string]bool{}
	for i, p := range f.Params {
		if !idRE.MatchString(p.Name) {
			bad("parameter %d: name %q: a letter, then letters, digits, _ and -", i+1, p.Name)
		}
		if seen[p.Name] {
			bad("parameter %q: declared twice", p.Name)
		}
		seen[p.Name] = true
		if p.Type == "" {
			f.Params[i].Type = "string"
			p.Type = "string"
		}
		if !slices.Contains(paramTypes, p.Type) {
			bad("parameter %q: type %q: want one of %s", p.Name, p.Type, strings.Join(paramTypes, ", "))
			continue
		}
		if p.Type == "enum" && len(p.Values) == 0 {
			bad("parameter %q: an enum needs values", p.Name)
		}
		if p.Default != nil {
			if _, err := p.convert(*p.Default, time.Now()); err != nil {
				bad("parameter %q: default: %v", p.Name, err)
			}
		}
	}
	if len(f.Steps) == 0 {
		bad("no steps")
	}
	if len(f.Steps) > DefaultMaxSteps {
		bad("%d steps, more than the limit of %d", len(f.Steps), DefaultMaxSteps)
	}
	ids := map[string]bool{}
	for i := range f.Steps {
		s := &f.Steps[i]
		if s.ID == "" {
			s.ID = fmt.Sprintf("step%d", i+1)
		}
		where := fmt.Sprintf("step %d (%s)", i+1, s.ID)
		if !idRE.MatchString(s.ID) || ids[s.ID] {
			bad("%s: id must be unique: a letter, then letters, digits, _ and -", where)
		}
		ids[s.ID] = true
		s.Run = strings.Join(strings.Fields(s.Run), " ")
		if !slices.Contains(Verbs, s.Run) {
			bad("%s: run %q: want one of %s", where, s.Run, strings.Join(Verbs, ", "))
		}
		if s.Input != "" && s.Input != "none" && !ids[s.Input] {
			bad("%s: input %q: no step before it has that id", where, s.Input)
		}
		for k, v := range s.With {
			if !flagRE.MatchString(k) || k == "config" || k == "data" || k == "output" || k == "o" {
				bad("%s: flag %q is not one a step may set", where, k)
			}
			for _, x := range flagValues(v) {
				if err := checkTemplate(x); err != nil {
					bad("%s: %s: %v", where, k, err)
				} else if s.Run == "query run" && k == "text" {
					if err := quotedOnly(x, &f); err != nil {
						bad("%s: text: %v", where, err)
					}
				}
			}
		}
		for _, a := range append(slices.Clone(s.Args), s.When) {
			if err := checkTemplate(a); err != nil {
				bad("%s: %v", where, err)
			}
		}
	}
	if f.Schedule != nil {
		sc, err := playbook.ParseSchedule(f.Schedule.Cron)
		if err != nil {
			bad("schedule: %v", err)
		} else {
			f.Schedule.parsed = sc
		}
		for i, set := range f.Schedule.Runs {
			if _, err := f.Resolve(set, time.Now()); err != nil {
				bad("schedule run %d: %v", i+1, err)
			}
		}
	}
	if len(errs) > 0 {
		name := f.Name
		if name == "" {
			name = "hunt"
		}
		return nil, fmt.Errorf("%s: %d problems:\n  %s", name, len(errs), strings.Join(errs, "\n  "))
	}
	return &f, nil
}

var flagRE = regexp.MustCompile(`^[a-z][a-z0-9-]*$`)

// flagValues lists the texts of a flag value (a list repeats the flag).
func flagValues(v any) []string {
	switch x := v.(type) {
	case []any:
		var out []string
		for _, y := range x {
			out = append(out, fmt.Sprint(y))
		}
		return out
	case nil:
		return nil
	}
	return []string{fmt.Sprint(v)}
}

var funcs = template.FuncMap{
	// quote writes a string literal for a query (siem.QuoteSPL's form, which the file
	// where-language and Splunk read), so a parameter cannot break out of its quotes.
	"quote": siem.QuoteSPL,
	"join":  strings.Join,
}

// quotedOnly checks that a query's text writes no text parameter (string, enum, list, time,
// duration) except through quote, so that no value can become query syntax: {{ if .host }} and
// {{ eq .types "all" }} may test one, {{ quote .host }} may write it, {{ .host }} may not.
func quotedOnly(text string, f *File) error {
	if !strings.Contains(text, "{{") {
		return nil
	}
	t, err := template.New("").Funcs(funcs).Parse(text)
	if err != nil {
		return err
	}
	textParam := map[string]bool{}
	for _, p := range f.Params {
		switch p.Type {
		case "int", "float", "bool":
		default:
			textParam[p.Name] = true
		}
	}
	var problem error
	var walk func(n parse.Node)
	walk = func(n parse.Node) {
		switch x := n.(type) {
		case *parse.ListNode:
			if x == nil {
				return
			}
			for _, c := range x.Nodes {
				walk(c)
			}
		case *parse.ActionNode:
			cmds := x.Pipe.Cmds
			last := cmds[len(cmds)-1]
			if id, ok := last.Args[0].(*parse.IdentifierNode); ok && id.Ident == "quote" {
				return
			}
			for _, c := range cmds {
				for _, a := range c.Args {
					if fld, ok := a.(*parse.FieldNode); ok && len(fld.Ident) > 0 && textParam[fld.Ident[0]] && problem == nil {
						problem = fmt.Errorf("{{%s}} writes parameter %s into the query as it is: write {{ quote .%s }}", x.Pipe, fld.Ident[0], fld.Ident[0])
					}
				}
			}
		case *parse.IfNode:
			walk(x.List)
			walk(x.ElseList)
		case *parse.RangeNode:
			walk(x.List)
			walk(x.ElseList)
		case *parse.WithNode:
			walk(x.List)
			walk(x.ElseList)
		}
	}
	walk(t.Tree.Root)
	return problem
}

func checkTemplate(s string) error {
	if !strings.Contains(s, "{{") {
		return nil
	}
	_, err := template.New("").Funcs(funcs).Parse(s)
	return err
}

// convert checks a value against the parameter's type and returns it typed.
func (p Param) convert(s string, now time.Time) (any, error) {
	s = strings.TrimSpace(s)
	switch p.Type {
	case "int":
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("%q is not an integer", s)
		}
		return n, nil
	case "float":
		f, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return nil, fmt.Errorf("%q is not a number", s)
		}
		return f, nil
	case "bool":
		b, err := strconv.ParseBool(s)
		if err != nil {
			return nil, fmt.Errorf("%q is not true or false", s)
		}
		return b, nil
	case "duration":
		if _, err := siem.ParseRange("", "", s, now); err != nil {
			if _, err2 := time.ParseDuration(s); err2 != nil {
				return nil, fmt.Errorf("%q is not a duration such as 30m, 24h or 7d", s)
			}
		}
		return s, nil
	case "time":
		t, err := siem.ParseTime(s, now)
		if err != nil {
			return nil, fmt.Errorf("%q is not a time (RFC 3339, a date, or relative such as -7d)", s)
		}
		return t.UTC().Format(time.RFC3339), nil
	case "enum":
		if !slices.Contains(p.Values, s) {
			return nil, fmt.Errorf("%q: want one of %s", s, strings.Join(p.Values, ", "))
		}
		return s, nil
	case "list":
		var out []string
		for _, x := range strings.Split(s, ",") {
			if x = strings.TrimSpace(x); x != "" {
				out = append(out, x)
			}
		}
		return out, nil
	}
	return s, nil
}

// Resolve checks given values against the declared parameters (every one declared, typed,
// required ones present; defaults filled in) and returns them typed.
func (f *File) Resolve(given map[string]string, now time.Time) (map[string]any, error) {
	out := map[string]any{}
	var errs []string
	declared := map[string]bool{}
	for _, p := range f.Params {
		declared[p.Name] = true
		v, ok := given[p.Name]
		if !ok {
			switch {
			case p.Default != nil:
				v = *p.Default
			case p.Required:
				errs = append(errs, fmt.Sprintf("parameter %s (%s) is required: -p %s=…", p.Name, p.Type, p.Name))
				continue
			default:
				out[p.Name] = ""
				continue
			}
		}
		x, err := p.convert(v, now)
		if err != nil {
			errs = append(errs, fmt.Sprintf("parameter %s (%s): %v", p.Name, p.Type, err))
			continue
		}
		out[p.Name] = x
	}
	var unknown []string
	for k := range given {
		if !declared[k] {
			unknown = append(unknown, k)
		}
	}
	sort.Strings(unknown)
	for _, k := range unknown {
		errs = append(errs, fmt.Sprintf("no parameter %q in this hunt", k))
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("%s", strings.Join(errs, "; "))
	}
	return out, nil
}

// Render fills a text with the parameters.
func Render(s string, params map[string]any) (string, error) {
	if !strings.Contains(s, "{{") {
		return s, nil
	}
	t, err := template.New("").Funcs(funcs).Option("missingkey=error").Parse(s)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	if err := t.Execute(&b, params); err != nil {
		return "", err
	}
	return b.String(), nil
}

// Command is a step's command line (the verb's words, its flags, its arguments), with the
// parameters filled in; skip is set when its When is false.
func (s Step) Command(params map[string]any) (args []string, skip bool, err error) {
	if s.When != "" {
		w, err := Render(s.When, params)
		if err != nil {
			return nil, false, fmt.Errorf("step %s: when: %w", s.ID, err)
		}
		if b, err := strconv.ParseBool(strings.TrimSpace(w)); err != nil {
			return nil, false, fmt.Errorf("step %s: when gave %q, not true or false", s.ID, w)
		} else if !b {
			return nil, true, nil
		}
	}
	args = strings.Fields(s.Run)
	keys := make([]string, 0, len(s.With))
	for k := range s.With {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		v := s.With[k]
		if b, ok := v.(bool); ok {
			args = append(args, fmt.Sprintf("--%s=%t", k, b))
			continue
		}
		for _, x := range flagValues(v) {
			r, err := Render(x, params)
			if err != nil {
				return nil, false, fmt.Errorf("step %s: --%s: %w", s.ID, k, err)
			}
			args = append(args, "--"+k+"="+r)
		}
	}
	for _, a := range s.Args {
		r, err := Render(a, params)
		if err != nil {
			return nil, false, fmt.Errorf("step %s: %w", s.ID, err)
		}
		args = append(args, r)
	}
	return args, false, nil
}

// Summary describes the hunt for `hunch hunt check`.
func (f *File) Summary() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %d steps\n", f.Name, len(f.Steps))
	if f.Description != "" {
		fmt.Fprintf(&b, "  %s\n", strings.TrimSpace(f.Description))
	}
	for _, p := range f.Params {
		line := fmt.Sprintf("  -p %s=%s", p.Name, p.Type)
		if p.Type == "enum" {
			line += "(" + strings.Join(p.Values, "|") + ")"
		}
		switch {
		case p.Required:
			line += ", required"
		case p.Default != nil:
			line += fmt.Sprintf(", default %q", *p.Default)
		}
		if p.Description != "" {
			line += ": " + p.Description
		}
		b.WriteString(line + "\n")
	}
	for _, s := range f.Steps {
		in := s.Input
		if in == "" {
			in = "previous"
		}
		fmt.Fprintf(&b, "  step %-12s hunch %s (input: %s)\n", s.ID, s.Run, in)
	}
	if f.Schedule != nil {
		fmt.Fprintf(&b, "  schedule: %s, %d parameter sets\n", f.Schedule.Cron, max(1, len(f.Schedule.Runs)))
	}
	return b.String()
}
