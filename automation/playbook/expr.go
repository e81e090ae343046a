package playbook

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"text/template"
)

// Expressions. A string that is exactly ${path} takes the value at the dotted path as it is (a
// list stays a list), as XSOAR's context paths do; any other string containing {{ }} is a Go
// template over the same context, rendered to text; other strings are literal. The context
// holds incident, alert (the payload that opened the run, when one did), inputs, tasks.ID
// (each done task's output, status and error), run, and in a for-each item and index.

// pathRef reports whether s is exactly ${path}, and the path.
func pathRef(s string) (string, bool) {
	s = strings.TrimSpace(s)
	if strings.HasPrefix(s, "${") && strings.HasSuffix(s, "}") && !strings.Contains(s[2:len(s)-1], "}") {
		return strings.TrimSpace(s[2 : len(s)-1]), true
	}
	return "", false
}

// lookup finds a dotted path in ctx; list elements are reached by their index.
func lookup(ctx map[string]any, path string) (any, bool) {
	var cur any = ctx
	for _, part := range strings.Split(path, ".") {
		switch x := cur.(type) {
		case map[string]any:
			v, ok := x[part]
			if !ok {
				return nil, false
			}
			cur = v
		case []any:
			i, err := strconv.Atoi(part)
			if err != nil || i < 0 || i >= len(x) {
				return nil, false
			}
			cur = x[i]
		default:
			return nil, false
		}
	}
	return cur, true
}

// eval evaluates one expression.
func eval(s string, ctx map[string]any) (any, error) {
	if p, ok := pathRef(s); ok {
		v, ok := lookup(ctx, p)
		if !ok {
			return nil, fmt.Errorf("${%s}: nothing there", p)
		}
		return v, nil
	}
	if !strings.Contains(s, "{{") {
		return s, nil
	}
	t, err := template.New("").Funcs(funcs).Option("missingkey=zero").Parse(s)
	if err != nil {
		return nil, err
	}
	var b strings.Builder
	if err := t.Execute(&b, ctx); err != nil {
		return nil, fmt.Errorf("%s: %w", s, err)
	}
	return strings.ReplaceAll(b.String(), "<no value>", ""), nil
}

// evalArgs evaluates every string in v (maps and lists walked).
func evalArgs(v any, ctx map[string]any) (any, error) {
	switch x := v.(type) {
	case string:
		return eval(x, ctx)
	case []any:
		out := make([]any, len(x))
		for i, y := range x {
			e, err := evalArgs(y, ctx)
			if err != nil {
				return nil, err
			}
			out[i] = e
		}
		return out, nil
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, y := range x {
			e, err := evalArgs(y, ctx)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", k, err)
			}
			out[k] = e
		}
		return out, nil
	}
	return v, nil
}

// truth reads a condition's value.
func truth(v any) (bool, error) {
	switch x := v.(type) {
	case bool:
		return x, nil
	case nil:
		return false, nil
	case string:
		switch strings.ToLower(strings.TrimSpace(x)) {
		case "true", "yes", "1":
			return true, nil
		case "false", "no", "0", "":
			return false, nil
		}
		return false, fmt.Errorf("%q is neither true nor false", x)
	case float64:
		return x != 0, nil
	case []any:
		return len(x) > 0, nil
	}
	return false, fmt.Errorf("a %T is neither true nor false", v)
}

// number converts what JSON and YAML give to a float64.
func number(v any) (float64, bool) {
	switch x := v.(type) {
	case float64:
		return x, true
	case int:
		return float64(x), true
	case int64:
		return float64(x), true
	case string:
		f, err := strconv.ParseFloat(strings.TrimSpace(x), 64)
		return f, err == nil
	case json.Number:
		f, err := x.Float64()
		return f, err == nil
	}
	return 0, false
}

// compare orders a and b as numbers when both are, else as text.
func compare(a, b any) int {
	x, okx := number(a)
	y, oky := number(b)
	if okx && oky {
		switch {
		case x < y:
			return -1
		case x > y:
			return 1
		}
		return 0
	}
	return strings.Compare(fmt.Sprint(a), fmt.Sprint(b))
}

// funcs are the template functions; the comparisons replace text/template's so that numbers
// from JSON (float64) compare with literals (int).
var funcs = template.FuncMap{
	"eq": func(a, b any) bool { return compare(a, b) == 0 },
	"ne": func(a, b any) bool { return compare(a, b) != 0 },
	"lt": func(a, b any) bool { return compare(a, b) < 0 },
	"le": func(a, b any) bool { return compare(a, b) <= 0 },
	"gt": func(a, b any) bool { return compare(a, b) > 0 },
	"ge": func(a, b any) bool { return compare(a, b) >= 0 },
	"json": func(v any) (string, error) {
		b, err := json.Marshal(v)
		return string(b), err
	},
	"lower": strings.ToLower,
	"upper": strings.ToUpper,
	"join": func(v any, sep string) string {
		var parts []string
		if l, ok := v.([]any); ok {
			for _, x := range l {
				parts = append(parts, fmt.Sprint(x))
			}
		} else if l, ok := v.([]string); ok {
			parts = l
		}
		return strings.Join(parts, sep)
	},
	"default": func(def, v any) any {
		if v == nil || v == "" || (reflect.ValueOf(v).Kind() == reflect.Slice && reflect.ValueOf(v).Len() == 0) {
			return def
		}
		return v
	},
	"contains": func(s, sub any) bool { return strings.Contains(fmt.Sprint(s), fmt.Sprint(sub)) },
	// pluck takes one field of every map in a list.
	"pluck": func(l any, field string) []any {
		var out []any
		if xs, ok := l.([]any); ok {
			for _, x := range xs {
				if m, ok := x.(map[string]any); ok {
					out = append(out, m[field])
				}
			}
		}
		return out
	},
	"count": func(l any) int {
		if v := reflect.ValueOf(l); v.Kind() == reflect.Slice || v.Kind() == reflect.Map {
			return v.Len()
		}
		return 0
	},
}
