package misp

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strings"
)

// MaxTemplateSize is the largest template definition file LoadTemplates reads (the
// largest misp-objects template is under 100 KB).
const MaxTemplateSize = 4 << 20

// ErrInvalidObject: an object's attributes do not satisfy its template (an *ObjectError
// lists why).
var ErrInvalidObject = errors.New("object does not match its template")

// ErrInvalidTemplate: a template definition cannot be used.
var ErrInvalidTemplate = errors.New("invalid object template")

// Template is one misp-objects template (objects/<name>/definition.json). Values returned
// by Templates are shared: treat them as read-only.
type Template struct {
	Name          string                       `json:"name"`
	UUID          string                       `json:"uuid"`
	Version       int                          `json:"version"`
	MetaCategory  string                       `json:"meta-category"`
	Description   string                       `json:"description"`
	Attributes    map[string]TemplateAttribute `json:"attributes"` // by object relation
	Required      []string                     `json:"required,omitempty"`
	RequiredOneOf []string                     `json:"requiredOneOf,omitempty"`
}

// TemplateAttribute describes one object relation of a template.
type TemplateAttribute struct {
	Type               string   `json:"misp-attribute"` // the attribute type of the relation's values
	Description        string   `json:"description"`
	UIPriority         int      `json:"ui-priority"`
	Categories         []string `json:"categories,omitempty"` // categories offered; empty means the type's default
	Multiple           bool     `json:"multiple,omitempty"`   // the relation may occur more than once
	DisableCorrelation bool     `json:"disable_correlation,omitempty"`
	ToIDS              *bool    `json:"to_ids,omitempty"` // nil: the type's default (DefaultToIDS)
	Recommended        bool     `json:"recommended,omitempty"`
	SaneDefault        []string `json:"sane_default,omitempty"` // suggested values
	ValuesList         []string `json:"values_list,omitempty"`  // the values a user is offered
}

// TemplateRelationship is one entry of the object reference vocabulary
// (relationships/definition.json): "related-to", "drops", "connects-to", ….
type TemplateRelationship struct {
	Name        string   `json:"name"`
	Description string   `json:"description"`
	Opposite    string   `json:"opposite,omitempty"`
	Format      []string `json:"format,omitempty"`
}

// Templates is a set of object templates and the object reference vocabulary, loaded
// from a misp-objects tree. It is immutable and safe for concurrent use.
type Templates struct {
	byName        map[string]*Template
	byUUID        map[string]*Template
	names         []string
	relationships []TemplateRelationship
	relByName     map[string]int
}

// ObjAttr is one attribute of an object as ValidateObject sees it.
type ObjAttr struct {
	Relation string // object_relation
	Type     string // attribute type
	Value    string
}

// ObjectError lists every way an object breaks its template. It unwraps to
// ErrInvalidObject.
type ObjectError struct {
	Template string
	Problems []string // MISP's wording where MISP has one
}

// Error names the template and the problems.
func (e *ObjectError) Error() string {
	return fmt.Sprintf("object %q does not match its template: %s", e.Template, strings.Join(e.Problems, "; "))
}

// Unwrap returns ErrInvalidObject.
func (e *ObjectError) Unwrap() error { return ErrInvalidObject }

// LoadTemplates reads a misp-objects tree: every objects/<name>/definition.json, and
// relationships/definition.json when present. fsys is typically os.DirFS of a checkout
// of github.com/MISP/misp-objects. Every template must parse (see ParseTemplate), be
// stored under its own name, and have a unique name and uuid.
func LoadTemplates(fsys fs.FS) (*Templates, error) {
	files, err := fs.Glob(fsys, "objects/*/definition.json")
	if err != nil {
		return nil, fmt.Errorf("listing object templates: %w", err)
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("loading object templates: no objects/*/definition.json found")
	}
	ts := &Templates{
		byName:    make(map[string]*Template, len(files)),
		byUUID:    make(map[string]*Template, len(files)),
		relByName: map[string]int{},
	}
	for _, f := range files {
		b, err := readLimited(fsys, f)
		if err != nil {
			return nil, err
		}
		t, err := ParseTemplate(b)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", f, err)
		}
		if dir := path.Base(path.Dir(f)); t.Name != dir {
			return nil, fmt.Errorf("%s: %w: name %q differs from its directory %q", f, ErrInvalidTemplate, t.Name, dir)
		}
		id := strings.ToLower(t.UUID)
		if other, dup := ts.byUUID[id]; dup {
			return nil, fmt.Errorf("%s: %w: uuid %s used by template %q too", f, ErrInvalidTemplate, t.UUID, other.Name)
		}
		ts.byName[t.Name] = t
		ts.byUUID[id] = t
		ts.names = append(ts.names, t.Name)
	}
	slices.Sort(ts.names)

	const relFile = "relationships/definition.json"
	b, err := readLimited(fsys, relFile)
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		return nil, err
	default:
		var rel struct {
			Values []TemplateRelationship `json:"values"`
		}
		if err := json.Unmarshal(b, &rel); err != nil {
			return nil, fmt.Errorf("%s: decoding relationships: %w", relFile, err)
		}
		for _, r := range rel.Values {
			if r.Name == "" {
				return nil, fmt.Errorf("%s: a relationship has no name", relFile)
			}
			if _, dup := ts.relByName[r.Name]; dup {
				continue // the vocabulary repeats a few names; the first wins
			}
			ts.relByName[r.Name] = len(ts.relationships)
			ts.relationships = append(ts.relationships, r)
		}
	}
	return ts, nil
}

func readLimited(fsys fs.FS, name string) ([]byte, error) {
	f, err := fsys.Open(name)
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", name, err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", name, err)
	}
	if fi.Size() > MaxTemplateSize {
		return nil, fmt.Errorf("reading %s: %d bytes, more than the limit of %d", name, fi.Size(), MaxTemplateSize)
	}
	b, err := fs.ReadFile(fsys, name)
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", name, err)
	}
	if len(b) > MaxTemplateSize {
		return nil, fmt.Errorf("reading %s: more than the limit of %d bytes", name, MaxTemplateSize)
	}
	return b, nil
}

// ParseTemplate decodes one template definition and checks it: a name, a uuid, at least
// one attribute, every relation's misp-attribute a MISP type, and every required and
// requiredOneOf relation defined. Errors wrap ErrInvalidTemplate.
func ParseTemplate(data []byte) (*Template, error) {
	var t Template
	if err := json.Unmarshal(data, &t); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidTemplate, err)
	}
	if t.Name == "" {
		return nil, fmt.Errorf("%w: no name", ErrInvalidTemplate)
	}
	if t.UUID == "" {
		return nil, fmt.Errorf("%w %q: no uuid", ErrInvalidTemplate, t.Name)
	}
	if len(t.Attributes) == 0 {
		return nil, fmt.Errorf("%w %q: no attributes", ErrInvalidTemplate, t.Name)
	}
	for rel, a := range t.Attributes {
		if rel == "" {
			return nil, fmt.Errorf("%w %q: an attribute has an empty relation", ErrInvalidTemplate, t.Name)
		}
		if !ValidType(a.Type) {
			return nil, fmt.Errorf("%w %q: relation %q has unknown type %q", ErrInvalidTemplate, t.Name, rel, a.Type)
		}
	}
	for _, list := range [][]string{t.Required, t.RequiredOneOf} {
		for _, rel := range list {
			if _, ok := t.Attributes[rel]; !ok {
				return nil, fmt.Errorf("%w %q: required relation %q is not defined", ErrInvalidTemplate, t.Name, rel)
			}
		}
	}
	return &t, nil
}

// Get returns the template called name, or nil and false.
func (ts *Templates) Get(name string) (*Template, bool) {
	t, ok := ts.byName[name]
	return t, ok
}

// GetByUUID returns the template with the given uuid (in any case), or nil and false.
func (ts *Templates) GetByUUID(uuid string) (*Template, bool) {
	t, ok := ts.byUUID[strings.ToLower(uuid)]
	return t, ok
}

// Names returns the template names, sorted.
func (ts *Templates) Names() []string { return slices.Clone(ts.names) }

// Len returns the number of templates.
func (ts *Templates) Len() int { return len(ts.names) }

// Relationships returns the object reference vocabulary in its file's order.
func (ts *Templates) Relationships() []TemplateRelationship {
	return slices.Clone(ts.relationships)
}

// Relationship returns the vocabulary entry called name, or false. MISP accepts
// relationship types outside the vocabulary too; this only says whether one is known.
func (ts *Templates) Relationship(name string) (TemplateRelationship, bool) {
	i, ok := ts.relByName[name]
	if !ok {
		return TemplateRelationship{}, false
	}
	return ts.relationships[i], true
}

// ValidateObject checks an object's attributes against the template called name, as
// MISP does when it saves an object: every attribute has a relation the template
// defines, its type is the relation's type (ip-src and ip-dst stand for each other, as
// MISP and PyMISP accept either for an address relation), its value is valid for that
// type (NormalizeValue), every required relation is present, at least one requiredOneOf
// relation is present, and a relation without the multiple flag occurs once.
//
// An object of an unknown template is accepted unchecked, as MISP and PyMISP accept
// one: known is false and err is nil. Otherwise err is nil or an *ObjectError.
func (ts *Templates) ValidateObject(name string, attrs []ObjAttr) (known bool, err error) {
	t, ok := ts.byName[name]
	if !ok {
		return false, nil
	}
	return true, t.Validate(attrs)
}

// Validate checks an object's attributes against t; see Templates.ValidateObject. It
// returns nil or an *ObjectError.
func (t *Template) Validate(attrs []ObjAttr) error {
	var problems []string
	seen := make(map[string]int, len(attrs))
	for _, a := range attrs {
		if a.Relation == "" {
			problems = append(problems, "Object attribute sent, but no object_relation set.")
			continue
		}
		seen[a.Relation]++
		ta, ok := t.Attributes[a.Relation]
		if !ok {
			problems = append(problems, fmt.Sprintf("Object relation %q is not defined by the template.", a.Relation))
			continue
		}
		if !sameObjectType(a.Type, ta.Type) {
			problems = append(problems, fmt.Sprintf("Object relation %q takes type %s, not %q.", a.Relation, ta.Type, a.Type))
			continue
		}
		if _, err := NormalizeValue(a.Type, a.Value); err != nil {
			var ve *ValueError
			if errors.As(err, &ve) {
				problems = append(problems, fmt.Sprintf("Object relation %q: %s", a.Relation, ve.Reason))
			} else {
				problems = append(problems, fmt.Sprintf("Object relation %q: %v", a.Relation, err))
			}
		}
	}
	for _, rel := range t.Required {
		if seen[rel] == 0 {
			problems = append(problems, fmt.Sprintf("Could not save the object as a required attribute is not set (%s)", rel))
		}
	}
	if len(t.RequiredOneOf) > 0 && !slices.ContainsFunc(t.RequiredOneOf, func(rel string) bool { return seen[rel] > 0 }) {
		problems = append(problems, "Could not save the object as it requires at least one of the following attributes to be set: "+strings.Join(t.RequiredOneOf, ", "))
	}
	var multi []string
	for rel, n := range seen {
		if ta, ok := t.Attributes[rel]; ok && n > 1 && !ta.Multiple {
			multi = append(multi, rel)
		}
	}
	slices.Sort(multi)
	for _, rel := range multi {
		problems = append(problems, fmt.Sprintf("Could not save the object as a unique relationship within the object was assigned to more than one attribute (%s). This is only allowed if the multiple flag is set in the object template.", rel))
	}
	if problems != nil {
		return &ObjectError{Template: t.Name, Problems: problems}
	}
	return nil
}

// sameObjectType reports whether an attribute of type got may fill a relation of type
// want.
func sameObjectType(got, want string) bool {
	if got == want {
		return true
	}
	swap := func(s string) string {
		if r, ok := strings.CutPrefix(s, "ip-src"); ok {
			return "ip-dst" + r
		}
		return s
	}
	return swap(got) == swap(want)
}
