// Package warninglist reads MISP warninglists (the misp-warninglists repository's lists/<name>/list.json) and
// matches values against them through indexes built once: a hash set for string lists, a suffix walk over
// labels for hostname lists, sorted address segments for cidr lists, an Aho-Corasick automaton for substring
// lists and compiled RE2 expressions for regex lists. It is pure: enabled state and ids belong to its callers.
package warninglist

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
)

// Type is how a list's entries match a value.
type Type string

// The list types of MISP's schema.
const (
	// TypeString matches a value equal to an entry.
	TypeString Type = "string"
	// TypeSubstring matches a value that contains an entry.
	TypeSubstring Type = "substring"
	// TypeHostname matches a host equal to an entry or a subdomain of one; URLs are reduced to their host.
	TypeHostname Type = "hostname"
	// TypeCIDR matches an IP address (or a range) inside an entry's range.
	TypeCIDR Type = "cidr"
	// TypeRegex matches a value an entry's PCRE-style /expression/flags matches.
	TypeRegex Type = "regex"
)

// Valid reports whether t is one of MISP's list types.
func (t Type) Valid() bool {
	switch t {
	case TypeString, TypeSubstring, TypeHostname, TypeCIDR, TypeRegex:
		return true
	}
	return false
}

// List is one warninglist as its list.json gives it.
type List struct {
	// Name is the list's name, unique among lists; MISP keys its state by it.
	Name        string
	Description string
	// Version is the list's version, by convention its date as yyyymmdd.
	Version int64
	Type    Type
	// Entries are the list's values in file order.
	Entries []string
	// MatchingAttributes are the MISP attribute types the list applies to; empty means every type.
	MatchingAttributes []string
	// Path is the file the list was read from, "" when it was parsed from bytes.
	Path string
}

// AppliesTo reports whether the list is consulted for attribute type typ ("" means any type, as
// warninglists/checkValue asks).
func (l *List) AppliesTo(typ string) bool {
	if typ == "" || len(l.MatchingAttributes) == 0 {
		return true
	}
	for _, t := range l.MatchingAttributes {
		if t == typ {
			return true
		}
	}
	return false
}

// fileJSON is list.json as MISP's schema defines it. Unknown fields are refused (additionalProperties false).
type fileJSON struct {
	Name               *string         `json:"name"`
	Description        *string         `json:"description"`
	Version            json.RawMessage `json:"version"`
	Type               *string         `json:"type"`
	List               *[]string       `json:"list"`
	MatchingAttributes *[]string       `json:"matching_attributes"`
}

// Parse reads one list.json document, checked against MISP's schema: an object with exactly the fields name,
// description, version (an integer), type (one of the five types), list (strings, each once) and optionally
// matching_attributes (strings, each once).
func Parse(data []byte) (*List, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var f fileJSON
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("not a warninglist: %w", err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, errors.New("not a warninglist: data after the object")
	}
	switch {
	case f.Name == nil:
		return nil, errors.New("missing field name")
	case f.Description == nil:
		return nil, errors.New("missing field description")
	case f.Version == nil || string(f.Version) == "null":
		return nil, errors.New("missing field version")
	case f.Type == nil:
		return nil, errors.New("missing field type")
	case f.List == nil:
		return nil, errors.New("missing field list")
	}
	if *f.Name == "" {
		return nil, errors.New("empty name")
	}
	v, err := strconv.ParseInt(string(f.Version), 10, 64)
	if err != nil {
		return nil, fmt.Errorf("version %s is not an integer", f.Version)
	}
	t := Type(*f.Type)
	if !t.Valid() {
		return nil, fmt.Errorf("unknown type %q (want string, substring, hostname, cidr or regex)", *f.Type)
	}
	if dup := firstDuplicate(*f.List); dup != "" {
		return nil, fmt.Errorf("list holds %q more than once", dup)
	}
	l := &List{Name: *f.Name, Description: *f.Description, Version: v, Type: t, Entries: *f.List}
	if f.MatchingAttributes != nil {
		if dup := firstDuplicate(*f.MatchingAttributes); dup != "" {
			return nil, fmt.Errorf("matching_attributes holds %q more than once", dup)
		}
		l.MatchingAttributes = *f.MatchingAttributes
	}
	return l, nil
}

func firstDuplicate(xs []string) string {
	seen := make(map[string]struct{}, len(xs))
	for _, x := range xs {
		if _, ok := seen[x]; ok {
			return x
		}
		seen[x] = struct{}{}
	}
	return ""
}

// Load reads and parses the list file at path; errors name the file.
func Load(path string) (*List, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read warninglist: %w", err)
	}
	l, err := Parse(data)
	if err != nil {
		return nil, fmt.Errorf("warninglist %s: %w", path, err)
	}
	l.Path = path
	return l, nil
}

// Files returns the list files under dir, a misp-warninglists "lists" directory: dir/<name>/list.json for each
// sub-directory that has one, in the order of the sub-directories' names. A dir that does not exist has none.
func Files(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	} else if err != nil {
		return nil, fmt.Errorf("read warninglists: %w", err)
	}
	var out []string
	for _, d := range entries {
		if !d.IsDir() {
			continue
		}
		p := filepath.Join(dir, d.Name(), "list.json")
		if fi, err := os.Stat(p); err == nil && fi.Mode().IsRegular() {
			out = append(out, p)
		}
	}
	sort.Strings(out)
	return out, nil
}

// LoadDir loads every list file under dir (see Files). Lists that fail to load are left out and reported in the
// error, joined; the others are returned in file order.
func LoadDir(dir string) ([]*List, error) {
	files, err := Files(dir)
	if err != nil {
		return nil, err
	}
	var lists []*List
	var errs []error
	for _, p := range files {
		l, err := Load(p)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		lists = append(lists, l)
	}
	return lists, errors.Join(errs...)
}
