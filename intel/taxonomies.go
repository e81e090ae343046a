package intel

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/hunchsec/hunch/intel/acl"
	"github.com/hunchsec/hunch/misp"
	"github.com/hunchsec/hunch/store"
)

// SettingTaxonomyPrefix prefixes the setting that says whether a taxonomy is enabled: "taxonomy.<namespace>" holds
// "1" (enabled) or "0"; a taxonomy without the setting is disabled, as MISP installs them.
const SettingTaxonomyPrefix = "taxonomy."

// SettingTaxonomyRequiredPrefix prefixes the setting that says whether a taxonomy is required: "taxonomyrequired.<namespace>"
// holds "1" when it is (taxonomies/toggleRequired).
const SettingTaxonomyRequiredPrefix = "taxonomyrequired."

// SettingTaxonomyVersionPrefix prefixes the setting that remembers the version of a taxonomy the last
// taxonomies/update saw: "taxonomyversion.<namespace>".
const SettingTaxonomyVersionPrefix = "taxonomyversion."

// Taxonomy is an installed taxonomy (a misp-taxonomies namespace) as taxonomies/index and view describe it.
// IDs number the installed namespaces in the order of their directory names, from 1, so they are the same on
// every start as long as the installed set does not change.
type Taxonomy struct {
	ID          int64
	Namespace   string
	Description string
	Version     int64
	Enabled     bool
	Exclusive   bool
	Required    bool
	Highlighted bool
	// TotalCount is how many tags the taxonomy defines; CurrentCount how many of them exist as tags.
	TotalCount, CurrentCount int
	// Entries are the taxonomy's tags, filled by TaxonomyByRef only.
	Entries []TaxonomyEntry
}

// TaxonomyEntry is one tag a taxonomy defines.
type TaxonomyEntry struct {
	// Tag is the machine tag: namespace:predicate or namespace:predicate="value".
	Tag                string
	Expanded           string
	Description        string
	Colour             string
	NumericalValue     *int64
	ExclusivePredicate bool
	// Existing is the stored tag of this name, nil when it does not exist yet.
	Existing *misp.Tag
}

// machineTagFile is the part of a misp-taxonomies machinetag.json hunch reads.
type machineTagFile struct {
	Namespace   string          `json:"namespace"`
	Description string          `json:"description"`
	Version     misp.FlexInt    `json:"version"`
	Exclusive   misp.FlexBool   `json:"exclusive"`
	Highlighted misp.FlexBool   `json:"highlighted"`
	Expanded    string          `json:"expanded"`
	Predicates  []taxonomyValue `json:"predicates"`
	Values      []struct {
		Predicate string          `json:"predicate"`
		Entry     []taxonomyValue `json:"entry"`
	} `json:"values"`
}

type taxonomyValue struct {
	Value          string        `json:"value"`
	Expanded       string        `json:"expanded"`
	Description    string        `json:"description"`
	Colour         string        `json:"colour"`
	NumericalValue *misp.FlexInt `json:"numerical_value"`
	Exclusive      misp.FlexBool `json:"exclusive"`
}

// entries lists the tags f defines, in file order: a predicate with values gives one tag per value, one without
// values gives itself.
func (f *machineTagFile) entries() []TaxonomyEntry {
	values := map[string][]taxonomyValue{}
	for _, v := range f.Values {
		values[v.Predicate] = append(values[v.Predicate], v.Entry...)
	}
	var out []TaxonomyEntry
	for _, p := range f.Predicates {
		vs, ok := values[p.Value]
		if !ok {
			out = append(out, taxonomyEntry(misp.FormatMachineTag(f.Namespace, p.Value, ""), p, false))
			continue
		}
		for _, v := range vs {
			out = append(out, taxonomyEntry(misp.FormatMachineTag(f.Namespace, p.Value, v.Value), v, bool(p.Exclusive)))
		}
	}
	return out
}

func taxonomyEntry(tag string, v taxonomyValue, exclusivePredicate bool) TaxonomyEntry {
	e := TaxonomyEntry{Tag: tag, Expanded: v.Expanded, Description: v.Description, Colour: v.Colour,
		ExclusivePredicate: exclusivePredicate}
	if e.Expanded == "" {
		e.Expanded = tag
	}
	if v.NumericalValue != nil {
		n := int64(*v.NumericalValue)
		e.NumericalValue = &n
	}
	return e
}

// taxonomyDirs returns the installed namespaces' machinetag.json paths in id order; none installed is empty.
func (s *Service) taxonomyDirs() ([]string, error) {
	if s.DataDir() == "" {
		return nil, nil
	}
	root := filepath.Join(s.DataDir(), "taxonomies")
	list, err := os.ReadDir(root)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	} else if err != nil {
		return nil, fmt.Errorf("read taxonomies: %w", err)
	}
	var out []string
	for _, d := range list {
		if !d.IsDir() {
			continue
		}
		p := filepath.Join(root, d.Name(), "machinetag.json")
		if _, err := os.Stat(p); err == nil {
			out = append(out, p)
		}
	}
	return out, nil
}

// machineTagFile returns the taxonomy file at path, parsed once while it stays unchanged. Callers must not
// modify what it returns.
func (s *Service) machineTagFile(path string) (*machineTagFile, error) {
	v, err := s.files.load(path, func(p string) (any, error) { return readMachineTagFile(p) })
	if err != nil {
		return nil, err
	}
	return v.(*machineTagFile), nil
}

func readMachineTagFile(path string) (*machineTagFile, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read taxonomy: %w", err)
	}
	var f machineTagFile
	if err := json.Unmarshal(data, &f); err != nil {
		return nil, fmt.Errorf("taxonomy %s: %w", path, err)
	}
	if f.Namespace == "" {
		f.Namespace = filepath.Base(filepath.Dir(path))
	}
	return &f, nil
}

// loadTaxonomies reads every installed taxonomy with its enabled state and, with counts, its tag counts. Parsed
// files are kept while they do not change (Service.files).
func (s *Service) loadTaxonomies(ctx context.Context, counts bool) ([]Taxonomy, error) {
	paths, err := s.taxonomyDirs()
	if err != nil || len(paths) == 0 {
		return nil, err
	}
	enabled, err := s.taxonomySettings(ctx, "")
	if err != nil {
		return nil, err
	}
	var existing map[string]bool
	if counts {
		tags, err := s.st.ListTags(ctx)
		if err != nil {
			return nil, fmt.Errorf("list tags: %w", err)
		}
		existing = make(map[string]bool, len(tags))
		for _, t := range tags {
			existing[strings.ToUpper(t.Name)] = true
		}
	}
	out := make([]Taxonomy, 0, len(paths))
	for i, p := range paths {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		f, err := s.machineTagFile(p)
		if err != nil {
			return nil, err
		}
		t := taxonomyOf(int64(i+1), f, enabled)
		if counts {
			for _, e := range f.entries() {
				t.TotalCount++
				if existing[strings.ToUpper(e.Tag)] {
					t.CurrentCount++
				}
			}
		}
		out = append(out, t)
	}
	return out, nil
}

// taxonomySettings reads the enabled and required settings of every taxonomy, or of the one of namespace ns.
func (s *Service) taxonomySettings(ctx context.Context, ns string) (map[string]string, error) {
	enabled, err := s.st.ListSettings(ctx, SettingTaxonomyPrefix+ns)
	if err != nil {
		return nil, fmt.Errorf("read taxonomy settings: %w", err)
	}
	required, err := s.st.ListSettings(ctx, SettingTaxonomyRequiredPrefix+ns)
	if err != nil {
		return nil, fmt.Errorf("read taxonomy settings: %w", err)
	}
	maps.Copy(enabled, required)
	return enabled, nil
}

func taxonomyOf(id int64, f *machineTagFile, settings map[string]string) Taxonomy {
	return Taxonomy{ID: id, Namespace: f.Namespace, Description: f.Description, Version: int64(f.Version),
		Enabled: settings[SettingTaxonomyPrefix+f.Namespace] == "1", Exclusive: bool(f.Exclusive),
		Required: settings[SettingTaxonomyRequiredPrefix+f.Namespace] == "1", Highlighted: bool(f.Highlighted)}
}

// Taxonomies lists the installed taxonomies with their tag counts (taxonomies/index); none installed is an empty
// list.
func (s *Service) Taxonomies(ctx context.Context, u acl.User) ([]Taxonomy, error) {
	if err := s.Policy().CanUseAPI(u); err != nil {
		return nil, err
	}
	return s.loadTaxonomies(ctx, true)
}

// findTaxonomy returns the taxonomy ref names (its id, or its namespace ignoring case) with its file; a ref that
// names none wraps store.ErrNotFound.
func (s *Service) findTaxonomy(ctx context.Context, ref string) (*Taxonomy, *machineTagFile, error) {
	paths, err := s.taxonomyDirs()
	if err != nil {
		return nil, nil, err
	}
	idx := -1
	if id, err := strconv.ParseInt(ref, 10, 64); err == nil {
		if id >= 1 && id <= int64(len(paths)) {
			idx = int(id - 1)
		}
	} else {
		for i, p := range paths {
			if strings.EqualFold(filepath.Base(filepath.Dir(p)), ref) {
				idx = i
				break
			}
		}
	}
	if idx < 0 {
		return nil, nil, fmt.Errorf("taxonomy %q: %w", ref, store.ErrNotFound)
	}
	f, err := s.machineTagFile(paths[idx])
	if err != nil {
		return nil, nil, err
	}
	settings, err := s.taxonomySettings(ctx, f.Namespace)
	if err != nil {
		return nil, nil, err
	}
	t := taxonomyOf(int64(idx+1), f, settings)
	return &t, f, nil
}

// TaxonomyByRef returns one taxonomy (taxonomies/view) by id or namespace, with its entries and the tags that
// exist for them. One that is not installed wraps store.ErrNotFound.
func (s *Service) TaxonomyByRef(ctx context.Context, u acl.User, ref string) (*Taxonomy, error) {
	if err := s.Policy().CanUseAPI(u); err != nil {
		return nil, err
	}
	t, f, err := s.findTaxonomy(ctx, ref)
	if err != nil {
		return nil, err
	}
	tags, err := s.st.ListTags(ctx)
	if err != nil {
		return nil, fmt.Errorf("list tags: %w", err)
	}
	byName := make(map[string]*misp.Tag, len(tags))
	for i := range tags {
		byName[strings.ToUpper(tags[i].Name)] = &tags[i]
	}
	t.Entries = f.entries()
	for i := range t.Entries {
		t.TotalCount++
		if tag := byName[strings.ToUpper(t.Entries[i].Tag)]; tag != nil {
			t.Entries[i].Existing = tag
			t.CurrentCount++
		}
	}
	return t, nil
}

// SetTaxonomyEnabled enables or disables taxonomy id (taxonomies/enable and disable; site admins) and returns it.
// One that is not installed wraps store.ErrNotFound.
func (s *Service) SetTaxonomyEnabled(ctx context.Context, u acl.User, id int64, enabled bool) (*Taxonomy, error) {
	t, err := s.setTaxonomyFlag(ctx, u, id, SettingTaxonomyPrefix, enabled)
	if err == nil {
		t.Enabled = enabled
	}
	return t, err
}

// SetTaxonomyRequired sets whether taxonomy id is required (taxonomies/toggleRequired; site admins) and returns it.
// One that is not installed wraps store.ErrNotFound.
func (s *Service) SetTaxonomyRequired(ctx context.Context, u acl.User, id int64, required bool) (*Taxonomy, error) {
	t, err := s.setTaxonomyFlag(ctx, u, id, SettingTaxonomyRequiredPrefix, required)
	if err == nil {
		t.Required = required
	}
	return t, err
}

// setTaxonomyFlag stores the setting prefix+namespace of taxonomy id as on ("1") or off ("0"). Taxonomies' flags
// are for site admins, as editing tags is.
func (s *Service) setTaxonomyFlag(ctx context.Context, u acl.User, id int64, prefix string, on bool) (*Taxonomy, error) {
	if err := s.Policy().CanEditTags(u); err != nil {
		return nil, err
	}
	t, _, err := s.findTaxonomy(ctx, strconv.FormatInt(id, 10))
	if err != nil {
		return nil, err
	}
	v := "0"
	if on {
		v = "1"
	}
	if err := s.st.PutSetting(ctx, prefix+t.Namespace, v); err != nil {
		return nil, fmt.Errorf("store taxonomy %s state: %w", t.Namespace, err)
	}
	return t, nil
}

// UpdateTaxonomies is taxonomies/update (site admins): it reads the installed taxonomies again and returns how
// many are new or of another version than the last update saw. Taxonomies are installed by `hunch intel update`;
// this picks up what it installed and remembers their versions.
func (s *Service) UpdateTaxonomies(ctx context.Context, u acl.User) (int, error) {
	if err := s.Policy().CanManageServers(u); err != nil {
		return 0, err
	}
	ts, err := s.loadTaxonomies(ctx, false)
	if err != nil {
		return 0, err
	}
	seen, err := s.st.ListSettings(ctx, SettingTaxonomyVersionPrefix)
	if err != nil {
		return 0, fmt.Errorf("read taxonomy versions: %w", err)
	}
	n := 0
	for _, t := range ts {
		key, v := SettingTaxonomyVersionPrefix+t.Namespace, strconv.FormatInt(t.Version, 10)
		if seen[key] == v {
			continue
		}
		if err := s.st.PutSetting(ctx, key, v); err != nil {
			return n, fmt.Errorf("store taxonomy %s version: %w", t.Namespace, err)
		}
		n++
	}
	return n, nil
}

// AddTaxonomyTags creates the tags of taxonomy id that do not exist yet (taxonomies/addTag; perm_tagger, as in
// MISP), with the colours and numerical values the taxonomy gives them, and returns how many it created.
func (s *Service) AddTaxonomyTags(ctx context.Context, u acl.User, id int64) (int, error) {
	if err := tagGate(s.Policy(), u); err != nil {
		return 0, err
	}
	_, f, err := s.findTaxonomy(ctx, strconv.FormatInt(id, 10))
	if err != nil {
		return 0, err
	}
	tags, err := s.st.ListTags(ctx)
	if err != nil {
		return 0, fmt.Errorf("list tags: %w", err)
	}
	have := make(map[string]bool, len(tags))
	for _, t := range tags {
		have[strings.ToUpper(t.Name)] = true
	}
	created := 0
	for _, e := range f.entries() {
		if have[strings.ToUpper(e.Tag)] {
			continue
		}
		have[strings.ToUpper(e.Tag)] = true
		t := misp.Tag{Name: e.Tag, Colour: e.Colour, Exportable: true}
		if e.NumericalValue != nil {
			n := misp.FlexInt(*e.NumericalValue)
			t.NumericalValue = &n
		}
		if !colourRE.MatchString(t.Colour) {
			t.Colour = ""
		}
		if err := validateTag(&t); err != nil {
			continue // a name MISP would not save either (too long)
		}
		if err := s.st.CreateTag(ctx, &t); err != nil {
			if errors.Is(err, store.ErrConflict) {
				continue
			}
			return created, fmt.Errorf("create tag %q: %w", t.Name, err)
		}
		created++
	}
	return created, nil
}
