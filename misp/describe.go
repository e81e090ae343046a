package misp

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"
)

// describeTypesJSON is PyMISP's copy of MISP's describeTypes answer (see data/README.md).
//
//go:embed data/describeTypes.json
var describeTypesJSON []byte

// Matrix is MISP's category/type matrix: the attribute types, the categories, which types
// each category allows, and each type's default category and to_ids flag. A Matrix is
// immutable; every method is safe for concurrent use.
type Matrix struct {
	types      []string                // in describeTypes order
	categories []string                // in describeTypes order
	info       map[string]typeDefaults // by type
	catTypes   map[string][]string     // category → types, in describeTypes order
	allowed    map[catType]struct{}
	composite  []string
	compact    []byte // {"result": …} without insignificant white space
}

type typeDefaults struct {
	defaultCategory string
	toIDS           bool
}

type catType struct{ category, typ string }

// describeTypesFile is the shape of describeTypes.json.
type describeTypesFile struct {
	Result *struct {
		SaneDefaults map[string]struct {
			DefaultCategory string `json:"default_category"`
			ToIDS           int    `json:"to_ids"`
		} `json:"sane_defaults"`
		Types                []string            `json:"types"`
		Categories           []string            `json:"categories"`
		CategoryTypeMappings map[string][]string `json:"category_type_mappings"`
	} `json:"result"`
}

// DescribeTypes returns MISP's category/type matrix as embedded in hunch (194 types,
// 16 categories, 486 category/type pairs). It is parsed once, on first use.
func DescribeTypes() *Matrix { return describeTypes() }

var describeTypes = sync.OnceValue(func() *Matrix {
	m, err := parseMatrix(describeTypesJSON)
	if err != nil {
		// The embedded file is part of the build and covered by tests.
		panic(fmt.Errorf("misp: embedded describeTypes.json: %w", err))
	}
	return m
})

// parseMatrix builds a Matrix from a describeTypes.json document, checking that it is
// consistent: every type has sane defaults, every default category exists and allows
// its type, and every mapped type and category is declared.
func parseMatrix(doc []byte) (*Matrix, error) {
	var f describeTypesFile
	if err := json.Unmarshal(doc, &f); err != nil {
		return nil, fmt.Errorf("decoding describeTypes: %w", err)
	}
	r := f.Result
	if r == nil {
		return nil, fmt.Errorf("decoding describeTypes: no \"result\" object")
	}
	m := &Matrix{
		types:      slices.Clone(r.Types),
		categories: slices.Clone(r.Categories),
		info:       make(map[string]typeDefaults, len(r.Types)),
		catTypes:   make(map[string][]string, len(r.Categories)),
		allowed:    make(map[catType]struct{}),
	}
	cats := make(map[string]bool, len(r.Categories))
	for _, c := range r.Categories {
		if cats[c] {
			return nil, fmt.Errorf("describeTypes: category %q listed twice", c)
		}
		cats[c] = true
	}
	for _, t := range r.Types {
		if _, dup := m.info[t]; dup {
			return nil, fmt.Errorf("describeTypes: type %q listed twice", t)
		}
		d, ok := r.SaneDefaults[t]
		if !ok {
			return nil, fmt.Errorf("describeTypes: type %q has no sane_defaults", t)
		}
		if !cats[d.DefaultCategory] {
			return nil, fmt.Errorf("describeTypes: type %q: unknown default category %q", t, d.DefaultCategory)
		}
		m.info[t] = typeDefaults{defaultCategory: d.DefaultCategory, toIDS: d.ToIDS != 0}
		if strings.Contains(t, "|") || t == "malware-sample" {
			m.composite = append(m.composite, t)
		}
	}
	for _, c := range r.Categories {
		for _, t := range r.CategoryTypeMappings[c] {
			if _, ok := m.info[t]; !ok {
				return nil, fmt.Errorf("describeTypes: category %q maps unknown type %q", c, t)
			}
			m.catTypes[c] = append(m.catTypes[c], t)
			m.allowed[catType{c, t}] = struct{}{}
		}
	}
	for c := range r.CategoryTypeMappings {
		if !cats[c] {
			return nil, fmt.Errorf("describeTypes: category_type_mappings names unknown category %q", c)
		}
	}
	for t, ti := range m.info {
		if _, ok := m.allowed[catType{ti.defaultCategory, t}]; !ok {
			return nil, fmt.Errorf("describeTypes: type %q: default category %q does not allow it", t, ti.defaultCategory)
		}
	}
	var buf bytes.Buffer
	if err := json.Compact(&buf, doc); err != nil {
		return nil, fmt.Errorf("compacting describeTypes: %w", err)
	}
	m.compact = buf.Bytes()
	return m, nil
}

// Types returns every attribute type, in MISP's order.
func (m *Matrix) Types() []string { return slices.Clone(m.types) }

// Categories returns every category, in MISP's order.
func (m *Matrix) Categories() []string { return slices.Clone(m.categories) }

// CategoryTypes returns the types category allows, in MISP's order, or nil for an
// unknown category.
func (m *Matrix) CategoryTypes(category string) []string {
	return slices.Clone(m.catTypes[category])
}

// ValidType reports whether typ is a MISP attribute type. Type names are case-sensitive
// ("AS", "named pipe").
func (m *Matrix) ValidType(typ string) bool {
	_, ok := m.info[typ]
	return ok
}

// ValidCategory reports whether category is a MISP category (case-sensitive).
func (m *Matrix) ValidCategory(category string) bool {
	_, ok := m.catTypes[category]
	return ok
}

// CategoryAllows reports whether an attribute of type typ may be filed under category.
func (m *Matrix) CategoryAllows(category, typ string) bool {
	_, ok := m.allowed[catType{category, typ}]
	return ok
}

// DefaultCategory returns the category MISP assigns to an attribute of type typ sent
// without one, or "" for an unknown type.
func (m *Matrix) DefaultCategory(typ string) string { return m.info[typ].defaultCategory }

// DefaultToIDS returns the to_ids flag MISP assigns to an attribute of type typ sent
// without one (false for an unknown type).
func (m *Matrix) DefaultToIDS(typ string) bool { return m.info[typ].toIDS }

// CompositeTypes returns the composite types, whose values are two parts joined by '|':
// every type with a '|' in its name, and malware-sample ("filename|md5").
func (m *Matrix) CompositeTypes() []string { return slices.Clone(m.composite) }

// IsComposite reports whether typ is a composite type.
func (m *Matrix) IsComposite(typ string) bool {
	return strings.IndexByte(typ, '|') >= 0 && m.ValidType(typ) || typ == "malware-sample"
}

// JSON returns the matrix as MISP serves it from GET /attributes/describeTypes.json:
// {"result": {"sane_defaults": …, "types": …, "categories": …, "category_type_mappings": …}}.
// The caller owns the returned slice.
func (m *Matrix) JSON() []byte { return slices.Clone(m.compact) }

// Types returns every MISP attribute type, in MISP's order.
func Types() []string { return DescribeTypes().Types() }

// Categories returns every MISP category, in MISP's order.
func Categories() []string { return DescribeTypes().Categories() }

// CategoryTypes returns the types a MISP category allows, or nil for an unknown category.
func CategoryTypes(category string) []string { return DescribeTypes().CategoryTypes(category) }

// ValidType reports whether typ is a MISP attribute type.
func ValidType(typ string) bool { return DescribeTypes().ValidType(typ) }

// ValidCategory reports whether category is a MISP category.
func ValidCategory(category string) bool { return DescribeTypes().ValidCategory(category) }

// CategoryAllows reports whether an attribute of type typ may be filed under category.
func CategoryAllows(category, typ string) bool {
	return DescribeTypes().CategoryAllows(category, typ)
}

// DefaultCategory returns MISP's default category for type typ, or "" for an unknown type.
func DefaultCategory(typ string) string { return DescribeTypes().DefaultCategory(typ) }

// DefaultToIDS returns MISP's default to_ids flag for type typ.
func DefaultToIDS(typ string) bool { return DescribeTypes().DefaultToIDS(typ) }

// CompositeTypes returns MISP's composite types (values of the form "first|second").
func CompositeTypes() []string { return DescribeTypes().CompositeTypes() }

// IsComposite reports whether typ is a composite type.
func IsComposite(typ string) bool { return DescribeTypes().IsComposite(typ) }

// DescribeTypesJSON returns exactly the body MISP serves from
// GET /attributes/describeTypes.json: {"result": {…}}. The caller owns the slice.
func DescribeTypesJSON() []byte { return DescribeTypes().JSON() }
