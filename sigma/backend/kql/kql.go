// Package kql translates Sigma rules into Kusto Query Language for Microsoft Sentinel, Log
// Analytics and Defender advanced hunting: a table, then one where clause.
//
// Sigma compares case-insensitively, and so does the translation: =~ for equality, contains,
// startswith and endswith (their _cs forms for the cased modifier), matches regex with (?i)
// for other wildcard patterns. Strings are written as verbatim literals (@"…"), so Windows
// paths keep their backslashes as they are.
package kql

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/hunchsec/hunch/sigma"
	"github.com/hunchsec/hunch/sigma/backend"
)

// DefaultMapping is the field mapping used when Options names none: Defender / Sentinel
// advanced-hunting tables.
const DefaultMapping = "mde"

// tables are the advanced-hunting tables of Sigma's log-source categories.
var tables = map[string]string{
	"process_creation": "DeviceProcessEvents", "image_load": "DeviceImageLoadEvents",
	"network_connection": "DeviceNetworkEvents", "file_event": "DeviceFileEvents", "file_delete": "DeviceFileEvents",
	"file_change": "DeviceFileEvents", "file_rename": "DeviceFileEvents", "registry_event": "DeviceRegistryEvents",
	"registry_add": "DeviceRegistryEvents", "registry_set": "DeviceRegistryEvents", "registry_delete": "DeviceRegistryEvents",
	"registry_rename": "DeviceRegistryEvents", "dns_query": "DeviceEvents", "ps_script": "DeviceEvents", "ps_module": "DeviceEvents",
}

// Table is the table a rule is run on: Options.Source, else by log source (DeviceProcessEvents
// for process_creation with the mde mapping; SecurityEvent for the Windows event-log names;
// union * otherwise).
func Table(r *sigma.Rule, opts backend.Options) string {
	if opts.Source != "" {
		return opts.Source
	}
	mapping := opts.Mapping
	if mapping == "" {
		mapping = DefaultMapping
	}
	if t, ok := tables[strings.ToLower(r.Logsource.Category)]; ok && mapping == "mde" {
		return t
	}
	if strings.EqualFold(r.Logsource.Product, "windows") && mapping == "sysmon" {
		return "SecurityEvent"
	}
	return "union *"
}

// Convert translates r into a KQL query.
func Convert(r *sigma.Rule, opts backend.Options) (string, error) {
	e, m, err := backend.Compile(r, opts, DefaultMapping)
	if err != nil {
		return "", err
	}
	s, err := backend.Render(e, form{}, m)
	if err != nil {
		return "", err
	}
	return Table(r, opts) + "\n| where " + s, nil
}

type form struct{}

func (form) And(p []string) string { return strings.Join(p, " and ") }
func (form) Or(p []string) string  { return strings.Join(p, " or ") }
func (form) Not(p string) string   { return "not(" + p + ")" }

var identifier = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// Field writes a column name, bracketed when it is not a plain identifier.
func Field(f string) string {
	if identifier.MatchString(f) {
		return f
	}
	return `['` + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(f) + `']`
}

// Quote writes s as a verbatim string literal, in which only the quote is doubled.
func Quote(s string) string { return `@"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

func (form) Match(m *sigma.Match, field string) (string, error) {
	if field == "" {
		return "", backend.Unsupported("kql", "a keyword search (a value without a field)")
	}
	f := Field(field)
	cs := ""
	if m.Cased {
		cs = "_cs"
	}
	switch m.Op {
	case sigma.OpGlob:
		switch shape, lit := m.Pattern.Shape(); shape {
		case sigma.ShapeExact:
			if m.Cased {
				return f + " == " + Quote(lit), nil
			}
			return f + " =~ " + Quote(lit), nil
		case sigma.ShapeContains:
			return f + " contains" + cs + " " + Quote(lit), nil
		case sigma.ShapePrefix:
			return f + " startswith" + cs + " " + Quote(lit), nil
		case sigma.ShapeSuffix:
			return f + " endswith" + cs + " " + Quote(lit), nil
		case sigma.ShapeAny:
			return "isnotnull(" + f + ")", nil
		}
		return f + " matches regex " + Quote(backend.GlobRegex(m.Pattern, m.Cased)), nil
	case sigma.OpRegex:
		re := m.Regex
		if m.Flags != "" {
			re = "(?" + m.Flags + ")" + re
		}
		return f + " matches regex " + Quote(re), nil
	case sigma.OpCIDR:
		if m.Prefix.Addr().Is4() {
			return fmt.Sprintf("ipv4_is_in_range(%s, %s)", f, Quote(m.Prefix.String())), nil
		}
		return fmt.Sprintf("ipv6_is_in_range(%s, %s)", f, Quote(m.Prefix.String())), nil
	case sigma.OpExists:
		if m.Exists {
			return "isnotempty(" + f + ")", nil
		}
		return "isempty(" + f + ")", nil
	case sigma.OpNull:
		return "isempty(" + f + ")", nil
	case sigma.OpFieldRef:
		a, b := "tolower("+f+")", "tolower("+Field(m.Ref)+")"
		switch m.RefKind {
		case sigma.RefContains:
			return fmt.Sprintf("indexof(%s, %s) >= 0", a, b), nil
		case sigma.RefStartsWith:
			return fmt.Sprintf("indexof(%s, %s) == 0", a, b), nil
		case sigma.RefEndsWith:
			return fmt.Sprintf("substring(%s, strlen(%s) - strlen(%s)) == %s", a, a, b, b), nil
		}
		return a + " == " + b, nil
	case sigma.OpLT, sigma.OpLTE, sigma.OpGT, sigma.OpGTE:
		op := backend.CompareOp(m.Op)
		return fmt.Sprintf("toreal(%s) %s %s", f, op, strconv.FormatFloat(m.Number, 'f', -1, 64)), nil
	}
	return "", backend.Unsupported("kql", "match operation %d", m.Op)
}
