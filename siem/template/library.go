package template

import (
	"embed"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
)

//go:embed builtin/*.yaml
var builtinFS embed.FS

// Library is a set of templates by name: the built-ins, then user folders in order.
type Library struct {
	byName map[string]*Template
	// Notes say which user templates replaced built-ins (or earlier user templates).
	Notes []string
}

// Builtin returns the embedded templates.
func Builtin() ([]*Template, error) {
	entries, err := fs.ReadDir(builtinFS, "builtin")
	if err != nil {
		return nil, fmt.Errorf("builtin templates: %w", err)
	}
	var out []*Template
	for _, e := range entries {
		data, err := builtinFS.ReadFile(path.Join("builtin", e.Name()))
		if err != nil {
			return nil, fmt.Errorf("builtin templates: %w", err)
		}
		ts, err := Parse(data, "builtin:"+e.Name())
		if err != nil {
			return nil, err
		}
		out = append(out, ts...)
	}
	return out, nil
}

// Load builds a library from the built-ins and then every *.yaml and *.yml file in dirs (not
// recursive), in order. A template named like an earlier one replaces it, with a note. A name
// used twice within the built-ins or within one folder is an error; so is a missing folder.
func Load(dirs []string) (*Library, error) {
	lib := &Library{byName: map[string]*Template{}}
	builtin, err := Builtin()
	if err != nil {
		return nil, err
	}
	if err := lib.add(builtin, false); err != nil {
		return nil, err
	}
	for _, dir := range dirs {
		entries, err := os.ReadDir(dir)
		if err != nil {
			return nil, fmt.Errorf("template folder: %w", err)
		}
		var ts []*Template
		for _, e := range entries {
			ext := strings.ToLower(filepath.Ext(e.Name()))
			if e.IsDir() || (ext != ".yaml" && ext != ".yml") {
				continue
			}
			p := filepath.Join(dir, e.Name())
			data, err := os.ReadFile(p)
			if err != nil {
				return nil, fmt.Errorf("template: %w", err)
			}
			got, err := Parse(data, p)
			if err != nil {
				return nil, err
			}
			ts = append(ts, got...)
		}
		if err := lib.add(ts, true); err != nil {
			return nil, err
		}
	}
	return lib, nil
}

func (l *Library) add(ts []*Template, override bool) error {
	seen := map[string]*Template{}
	for _, t := range ts {
		if prev, dup := seen[t.Name]; dup {
			return fmt.Errorf("template %s is defined in both %s and %s", t.Name, prev.Origin, t.Origin)
		}
		seen[t.Name] = t
		if prev, ok := l.byName[t.Name]; ok {
			if !override {
				return fmt.Errorf("template %s is defined in both %s and %s", t.Name, prev.Origin, t.Origin)
			}
			l.Notes = append(l.Notes, fmt.Sprintf("template %s from %s replaces the one from %s", t.Name, t.Origin, prev.Origin))
		}
		l.byName[t.Name] = t
	}
	return nil
}

// Get returns the template called name.
func (l *Library) Get(name string) (*Template, error) {
	t, ok := l.byName[name]
	if !ok {
		return nil, fmt.Errorf("no template %q (see hunch query list)", name)
	}
	return t, nil
}

// Filter selects templates; empty fields match everything.
type Filter struct {
	Backend Backend
	Family  string
	Tag     string
}

// List returns the templates matching f, sorted by name.
func (l *Library) List(f Filter) []*Template {
	var out []*Template
	for _, t := range l.byName {
		if f.Backend != "" && t.Backend != f.Backend ||
			f.Family != "" && !strings.EqualFold(t.Family, f.Family) ||
			f.Tag != "" && !slices.ContainsFunc(t.Tags, func(s string) bool { return strings.EqualFold(s, f.Tag) }) {
			continue
		}
		out = append(out, t)
	}
	slices.SortFunc(out, func(a, b *Template) int { return strings.Compare(a.Name, b.Name) })
	return out
}
