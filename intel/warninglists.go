package intel

import (
	"context"
	"fmt"
	"log/slog"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/hunchsec/hunch/intel/acl"
	"github.com/hunchsec/hunch/intel/warninglist"
	"github.com/hunchsec/hunch/misp"
	"github.com/hunchsec/hunch/store"
)

// SettingWarninglistPrefix prefixes the setting that says whether a warninglist is enabled: "warninglist.<name>"
// holds "1" (enabled) or "0"; a list without the setting is disabled, as a fresh MISP installs them.
const SettingWarninglistPrefix = "warninglist."

// Warninglist is an installed warninglist as warninglists/index and view describe it. IDs number the list files
// (<DataDir>/warninglists/lists/<dir>/list.json) in the order of their directory names, from 1, so they stay the
// same while the installed set does not change.
type Warninglist struct {
	ID          int64
	Name        string
	Description string
	Version     int64
	// Type is string, substring, hostname, cidr or regex.
	Type    string
	Enabled bool
	// EntryCount is how many entries the list holds.
	EntryCount int
	// MatchingAttributes are the attribute types the list applies to; empty means every type.
	MatchingAttributes []string
	// Entries are the list's values, filled by WarninglistByID only.
	Entries []string
}

// WarninglistQuery filters warninglists/index as MISP's does.
type WarninglistQuery struct {
	// Value keeps the lists whose name or description contains it, or whose type is it, ignoring case.
	Value string
	// Enabled, when set, keeps the enabled (or the disabled) lists only.
	Enabled *bool
}

// WarninglistHit is one enabled list a value hits (warninglists/checkValue).
type WarninglistHit struct {
	ID   int64
	Name string
	// Matched is the list entry that matched (an address range as address/length for cidr lists).
	Matched string
}

// ValueHits are the enabled lists one checked value hits.
type ValueHits struct {
	Value string
	Hits  []WarninglistHit
}

// WarninglistToggle says what SetWarninglistsEnabled did: how many lists it changed, and MISP's verb for it
// ("enabled", "disabled", or "toggled" when several lists were flipped without a target state).
type WarninglistToggle struct {
	Count  int
	Action string
}

// warninglistSnapshot is one load of the installed lists: immutable, shared by concurrent requests.
type warninglistSnapshot struct {
	set *warninglist.Set
	ids []int64 // the id of each of set's lists
}

// warninglistCache keeps the parsed and indexed lists of one lists directory while its files do not change. It
// lives in Service.files under the directory's path, so a directory that is replaced starts a new one.
type warninglistCache struct {
	mu       sync.Mutex
	sig      []warninglistFileSig
	parsed   map[string]parsedWarninglist // by path
	snap     *warninglistSnapshot
	versions map[string]int64 // list name → version, at the previous load
}

type warninglistFileSig struct {
	path string
	mod  time.Time
	size int64
}

type parsedWarninglist struct {
	sig  warninglistFileSig
	list *warninglist.List
}

// warninglistsDir is where the installed lists are: <DataDir>/warninglists/lists.
func (s *Service) warninglistsDir() string {
	if s.DataDir() == "" {
		return ""
	}
	return filepath.Join(s.DataDir(), "warninglists", "lists")
}

// warninglists returns the installed lists, indexed, reading again the files that changed since the last call;
// updated counts the lists that are new or have a higher version than at the previous load (0 on the first).
// A list file that is not a valid warninglist is left out and logged, with the file's name.
func (s *Service) warninglists() (snap *warninglistSnapshot, updated int, err error) {
	dir := s.warninglistsDir()
	if dir == "" {
		return emptyWarninglists(), 0, nil
	}
	v, err := s.files.load(dir, func(string) (any, error) { return &warninglistCache{}, nil })
	if err != nil {
		return nil, 0, err
	}
	return v.(*warninglistCache).current(dir, s.log)
}

func emptyWarninglists() *warninglistSnapshot {
	set, _ := warninglist.NewSet(nil)
	return &warninglistSnapshot{set: set}
}

func (c *warninglistCache) current(dir string, log *slog.Logger) (*warninglistSnapshot, int, error) {
	files, err := warninglist.Files(dir)
	if err != nil {
		return nil, 0, err
	}
	sig := make([]warninglistFileSig, 0, len(files))
	for _, p := range files {
		fi, err := os.Stat(p)
		if err != nil {
			continue // removed since it was listed
		}
		sig = append(sig, warninglistFileSig{path: p, mod: fi.ModTime(), size: fi.Size()})
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.snap != nil && sameSigs(c.sig, sig) {
		return c.snap, 0, nil
	}
	parsed := make(map[string]parsedWarninglist, len(sig))
	var lists []*warninglist.List
	var ids []int64
	for i, fs := range sig {
		pl, ok := c.parsed[fs.path]
		if !ok || pl.sig != fs {
			l, err := warninglist.Load(fs.path)
			if err != nil {
				log.Warn("warninglist left out", slog.String("error", err.Error()))
				continue
			}
			pl = parsedWarninglist{sig: fs, list: l}
		}
		parsed[fs.path] = pl
		lists = append(lists, pl.list)
		ids = append(ids, int64(i+1))
	}
	set, err := warninglist.NewSet(lists)
	if err != nil {
		return nil, 0, fmt.Errorf("index warninglists: %w", err)
	}
	for _, p := range set.Problems() {
		log.Warn("warninglist entry left out", slog.String("error", p.Error()))
	}
	updated := 0
	versions := make(map[string]int64, len(lists))
	for _, l := range lists {
		if old, ok := c.versions[l.Name]; c.versions != nil && (!ok || l.Version > old) {
			updated++
		}
		versions[l.Name] = l.Version
	}
	c.sig, c.parsed, c.versions = sig, parsed, versions
	c.snap = &warninglistSnapshot{set: set, ids: ids}
	return c.snap, updated, nil
}

func sameSigs(a, b []warninglistFileSig) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// enabledWarninglists returns the installed lists and a filter over the enabled ones.
func (s *Service) enabledWarninglists(ctx context.Context) (*warninglistSnapshot, *warninglist.Filter, error) {
	snap, _, err := s.warninglists()
	if err != nil {
		return nil, nil, err
	}
	enabled, err := s.warninglistEnabled(ctx)
	if err != nil {
		return nil, nil, err
	}
	return snap, snap.set.Filter(enabled), nil
}

// warninglistEnabled reads which lists are enabled, by name.
func (s *Service) warninglistEnabled(ctx context.Context) (func(name string) bool, error) {
	m, err := s.st.ListSettings(ctx, SettingWarninglistPrefix)
	if err != nil {
		return nil, fmt.Errorf("read warninglist settings: %w", err)
	}
	return func(name string) bool { return m[SettingWarninglistPrefix+name] == "1" }, nil
}

func warninglistOf(id int64, l *warninglist.List, enabled bool) Warninglist {
	return Warninglist{ID: id, Name: l.Name, Description: l.Description, Version: l.Version, Type: string(l.Type),
		Enabled: enabled, EntryCount: countEntries(l.Entries), MatchingAttributes: l.MatchingAttributes}
}

// countEntries counts the non-empty entries, the ones MISP stores.
func countEntries(es []string) int {
	n := 0
	for _, e := range es {
		if e != "" {
			n++
		}
	}
	return n
}

// Warninglists lists the installed warninglists with their state and entry counts (warninglists/index), by
// descending id as MISP orders them; none installed is an empty list.
func (s *Service) Warninglists(ctx context.Context, u acl.User, q WarninglistQuery) ([]Warninglist, error) {
	if err := s.Policy().CanUseAPI(u); err != nil {
		return nil, err
	}
	snap, _, err := s.warninglists()
	if err != nil {
		return nil, err
	}
	enabled, err := s.warninglistEnabled(ctx)
	if err != nil {
		return nil, err
	}
	value := strings.ToLower(q.Value)
	lists := snap.set.Lists()
	out := make([]Warninglist, 0, len(lists))
	for i := len(lists) - 1; i >= 0; i-- {
		l := lists[i]
		if value != "" && !strings.Contains(strings.ToLower(l.Name), value) &&
			!strings.Contains(strings.ToLower(l.Description), value) && string(l.Type) != value {
			continue
		}
		w := warninglistOf(snap.ids[i], l, enabled(l.Name))
		if q.Enabled != nil && w.Enabled != *q.Enabled {
			continue
		}
		out = append(out, w)
	}
	return out, nil
}

// WarninglistByID returns one warninglist with its entries (warninglists/view). One that is not installed wraps
// store.ErrNotFound.
func (s *Service) WarninglistByID(ctx context.Context, u acl.User, id int64) (*Warninglist, error) {
	if err := s.Policy().CanUseAPI(u); err != nil {
		return nil, err
	}
	snap, _, err := s.warninglists()
	if err != nil {
		return nil, err
	}
	enabled, err := s.warninglistEnabled(ctx)
	if err != nil {
		return nil, err
	}
	for i, l := range snap.set.Lists() {
		if snap.ids[i] == id {
			w := warninglistOf(id, l, enabled(l.Name))
			w.Entries = make([]string, 0, w.EntryCount)
			for _, e := range l.Entries {
				if e != "" {
					w.Entries = append(w.Entries, e)
				}
			}
			return &w, nil
		}
	}
	return nil, fmt.Errorf("warninglist %d: %w", id, store.ErrNotFound)
}

// canManageWarninglists is MISP's gate on toggling warninglists: perm_warninglist, which site admins have with
// every other permission.
func (s *Service) canManageWarninglists(u acl.User) error {
	if err := s.Policy().CanUseAPI(u); err != nil {
		return err
	}
	if u.EffectiveRole().PermWarninglist {
		return nil
	}
	// The site-admin gate answers with MISP's 403 "You do not have permission to use this functionality.".
	return s.Policy().CanManageServers(u)
}

// SetWarninglistsEnabled is warninglists/toggleEnable: it selects the lists with the given ids, or else those whose
// name matches one of names as MISP's SQL LIKE does (ignoring case, "%" any run of characters, "_" one character),
// and sets them to enabled, or flips each one when enabled is nil. It needs perm_warninglist (site admins). No
// list selected wraps store.ErrNotFound.
func (s *Service) SetWarninglistsEnabled(ctx context.Context, u acl.User, ids []int64, names []string, enabled *bool) (WarninglistToggle, error) {
	if err := s.canManageWarninglists(u); err != nil {
		return WarninglistToggle{}, err
	}
	snap, _, err := s.warninglists()
	if err != nil {
		return WarninglistToggle{}, err
	}
	var patterns []*regexp.Regexp
	if len(ids) == 0 {
		for _, n := range names {
			patterns = append(patterns, likeRegexp(n))
		}
	}
	wanted := map[int64]bool{}
	for _, id := range ids {
		wanted[id] = true
	}
	var chosen []*warninglist.List
	for i, l := range snap.set.Lists() {
		ok := wanted[snap.ids[i]]
		for _, p := range patterns {
			ok = ok || p.MatchString(l.Name)
		}
		if ok {
			chosen = append(chosen, l)
		}
	}
	if len(chosen) == 0 {
		return WarninglistToggle{}, fmt.Errorf("warninglists %v %q: %w", ids, names, store.ErrNotFound)
	}
	state, err := s.warninglistEnabled(ctx)
	if err != nil {
		return WarninglistToggle{}, err
	}
	res := WarninglistToggle{}
	for _, l := range chosen {
		on := !state(l.Name)
		if enabled != nil {
			on = *enabled
		}
		v := "0"
		if on {
			v = "1"
		}
		if err := s.st.PutSetting(ctx, SettingWarninglistPrefix+l.Name, v); err != nil {
			return res, fmt.Errorf("store warninglist %q state: %w", l.Name, err)
		}
		res.Count++
		res.Action = "disabled"
		if on {
			res.Action = "enabled"
		}
	}
	if enabled == nil && len(chosen) > 1 {
		res.Action = "toggled"
	}
	return res, nil
}

// UpdateWarninglists is warninglists/update (site admins): it reads the installed lists again and returns how many
// are new or of a higher version than when they were last read. Lists are installed by `hunch intel update`;
// this picks up what it installed.
func (s *Service) UpdateWarninglists(ctx context.Context, u acl.User) (int, error) {
	if err := s.Policy().CanManageServers(u); err != nil {
		return 0, err
	}
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	_, updated, err := s.warninglists()
	return updated, err
}

// CheckValue is warninglists/checkValue: for each value (trimmed; each distinct value once, in the order given)
// the enabled lists it hits, whatever their matching attributes, as MISP checks values without a type. Values
// that hit nothing are left out.
func (s *Service) CheckValue(ctx context.Context, u acl.User, values []string) ([]ValueHits, error) {
	if err := s.Policy().CanUseAPI(u); err != nil {
		return nil, err
	}
	snap, f, err := s.enabledWarninglists(ctx)
	if err != nil {
		return nil, err
	}
	var out []ValueHits
	seen := map[string]bool{}
	for _, v := range values {
		v = strings.TrimSpace(v)
		if seen[v] {
			continue
		}
		seen[v] = true
		hits := f.Match("", v)
		if len(hits) == 0 {
			continue
		}
		vh := ValueHits{Value: v}
		for _, h := range hits {
			vh.Hits = append(vh.Hits, WarninglistHit{ID: snap.ids[h.Index], Name: h.List.Name, Matched: h.Matched})
		}
		out = append(out, vh)
	}
	return out, nil
}

// WarninglistFilter returns a function that reports whether an attribute value of a type hits an enabled
// warninglist that applies to the type (composite values checked part by part), for restSearch's
// enforceWarninglist. It reads the enabled lists once; the function is safe for concurrent use.
func (s *Service) WarninglistFilter(ctx context.Context) (func(typ, value string) bool, error) {
	_, f, err := s.enabledWarninglists(ctx)
	if err != nil {
		return nil, err
	}
	if f.Enabled() == 0 {
		return func(string, string) bool { return false }, nil
	}
	return f.Hit, nil
}

// warninglistCategory is the category MISP gives lists that do not name one: their values are false positives.
const warninglistCategory = "false_positive"

// warner flags attributes with the enabled warninglists their values hit.
type warner struct {
	snap *warninglistSnapshot
	f    *warninglist.Filter
	// lists are the lists hit so far, by id: an event's warnings.
	lists map[string]string
}

// newWarner reads the enabled warninglists once for a view or a search; nil (and no error) when none is enabled.
func (s *Service) newWarner(ctx context.Context) (*warner, error) {
	snap, f, err := s.enabledWarninglists(ctx)
	if err != nil {
		return nil, err
	}
	if f.Enabled() == 0 {
		return nil, nil
	}
	return &warner{snap: snap, f: f, lists: map[string]string{}}, nil
}

// warn sets a's Warnings to the enabled lists that apply to its type and that its value hits (composite values
// part by part). MISP flags only to_ids attributes unless MISP.warning_for_all is set; hunch flags every
// attribute, as the check costs a lookup per value. A nil warner flags nothing.
func (w *warner) warn(a *misp.Attribute) {
	if w == nil || a.Value == "" {
		return
	}
	a.Warnings = nil
	for _, h := range w.f.Match(a.Type, a.Value) {
		id := w.snap.ids[h.Index]
		a.Warnings = append(a.Warnings, misp.WarninglistWarning{Value: h.Value, Match: h.Matched,
			WarninglistID: misp.FlexInt(id), WarninglistName: h.List.Name, WarninglistCategory: warninglistCategory})
		w.lists[strconv.FormatInt(id, 10)] = h.List.Name
	}
}

// warnEvent flags every attribute of e, its objects' included, and sets e's Warnings to the lists hit (nil when
// none).
func (w *warner) warnEvent(e *misp.Event) {
	if w == nil {
		return
	}
	clear(w.lists)
	for i := range e.Attribute {
		w.warn(&e.Attribute[i])
	}
	for i := range e.Object {
		for j := range e.Object[i].Attribute {
			w.warn(&e.Object[i].Attribute[j])
		}
	}
	if len(w.lists) > 0 {
		e.Warnings = maps.Clone(w.lists)
	}
}

// FlagWarninglistHits sets the Warnings of each attribute of e (objects' included) that hits an enabled
// warninglist, and e's Warnings to the lists hit, as events/view does with includeWarninglistHits; importers call
// it to report what they saved. It returns the number of attributes flagged.
func (s *Service) FlagWarninglistHits(ctx context.Context, e *misp.Event) (int, error) {
	w, err := s.newWarner(ctx)
	if err != nil || w == nil {
		return 0, err
	}
	w.warnEvent(e)
	n := 0
	for _, a := range e.Attribute {
		if len(a.Warnings) > 0 {
			n++
		}
	}
	for _, o := range e.Object {
		for _, a := range o.Attribute {
			if len(a.Warnings) > 0 {
				n++
			}
		}
	}
	return n, nil
}
