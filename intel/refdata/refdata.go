// Package refdata installs reference data — MISP's misp-objects templates, taxonomies, warninglists and
// galaxies, and SigmaHQ's detection rules — from the upstream repositories' zip archives (or any URL serving one), a local zip file, or a local
// directory in the repositories' layout, into the directories hunch reads them from. A source that cannot be
// fetched, is not a zip, breaks a limit, escapes its directory or holds invalid JSON leaves what was installed
// before untouched.
package refdata

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"strings"
)

// The reference data sets, named as `hunch intel update --only` names them.
const (
	Objects      = "objects"
	Taxonomies   = "taxonomies"
	Warninglists = "warninglists"
	Galaxies     = "galaxies"
	// Sigma is SigmaHQ's rule set, installed by `hunch sigma update` (not one of Names).
	Sigma = "sigma"
)

// Names are the sets in the order they are installed.
var Names = []string{Objects, Taxonomies, Warninglists, Galaxies, Feeds}

// DefaultURLs are the upstream repositories' archives of their default branches.
var DefaultURLs = map[string]string{
	Objects:      "https://github.com/MISP/misp-objects/archive/refs/heads/main.zip",
	Taxonomies:   "https://github.com/MISP/misp-taxonomies/archive/refs/heads/main.zip",
	Warninglists: "https://github.com/MISP/misp-warninglists/archive/refs/heads/main.zip",
	Galaxies:     "https://github.com/MISP/misp-galaxy/archive/refs/heads/main.zip",
	Feeds:        FeedsURL,
	Sigma:        "https://github.com/SigmaHQ/sigma/releases/latest/download/sigma_all_rules.zip",
}

// layout is, per set, the files that must be present (path.Match patterns, at least one match each) for an
// installation to be accepted.
var layout = map[string][]string{
	Objects:      {"objects/*/definition.json"},
	Taxonomies:   {"*/machinetag.json"},
	Warninglists: {"lists/*/list.json"},
	Galaxies:     {"galaxies/*.json", "clusters/*.json"},
	Feeds:        {"defaults.json"},
	Sigma:        {"rules/windows/*/*.yml"},
}

// Limits bound one source. Zero fields take the defaults.
type Limits struct {
	// MaxArchiveBytes bounds a downloaded or local archive (default 256 MiB).
	MaxArchiveBytes int64
	// MaxFileBytes bounds one extracted file (default 64 MiB).
	MaxFileBytes int64
	// MaxFiles bounds how many files one source installs (default 50 000).
	MaxFiles int
}

func (l Limits) withDefaults() Limits {
	if l.MaxArchiveBytes <= 0 {
		l.MaxArchiveBytes = 256 << 20
	}
	if l.MaxFileBytes <= 0 {
		l.MaxFileBytes = 64 << 20
	}
	if l.MaxFiles <= 0 {
		l.MaxFiles = 50000
	}
	return l
}

// Source is one set to install: from From (an http(s) URL of a zip archive, a local .zip file, or a local
// directory in the upstream layout) into Dest.
type Source struct {
	Name string
	From string
	Dest string
}

// Result is what one source installed.
type Result struct {
	Name  string
	Dest  string
	Files int
	Bytes int64
}

// ErrLimit is wrapped by the error of a source that breaks a Limits bound.
var ErrLimit = errors.New("limit exceeded")

// Install fetches src, keeps its JSON and licence files, checks that each JSON file parses and that the set's
// layout is there, and only then replaces src.Dest with it (the old directory is removed after the swap).
// client fetches http(s) sources; nil means http.DefaultClient.
func Install(ctx context.Context, client *http.Client, src Source, lim Limits) (Result, error) {
	lim = lim.withDefaults()
	res := Result{Name: src.Name, Dest: src.Dest}
	want, ok := layout[src.Name]
	if !ok {
		return res, fmt.Errorf("unknown reference data %q (want one of %s)", src.Name, strings.Join(Names, ", "))
	}
	if err := os.MkdirAll(filepath.Dir(src.Dest), 0o755); err != nil {
		return res, err
	}
	tmp, err := os.MkdirTemp(filepath.Dir(src.Dest), "."+filepath.Base(src.Dest)+".new-")
	if err != nil {
		return res, err
	}
	defer os.RemoveAll(tmp) // gone after the swap; removes a failed attempt
	w := &writer{dir: tmp, lim: lim, set: src.Name}
	get := fetch
	if src.Name == Feeds {
		get = feedList
	}
	if err := get(ctx, client, src.From, lim, w); err != nil {
		return res, fmt.Errorf("%s from %s: %w", src.Name, src.From, err)
	}
	for _, pattern := range want {
		if !w.has(pattern) {
			return res, fmt.Errorf("%s from %s: no %s in it: not the %s repository's layout", src.Name, src.From, pattern, src.Name)
		}
	}
	if err := swap(tmp, src.Dest); err != nil {
		return res, fmt.Errorf("%s: install into %s: %w", src.Name, src.Dest, err)
	}
	res.Files, res.Bytes = len(w.paths), w.bytes
	return res, nil
}

// swap puts dir in place of dest, keeping dest until dir is there.
func swap(dir, dest string) error {
	old := ""
	if _, err := os.Stat(dest); err == nil {
		old = dest + ".old"
		if err := os.RemoveAll(old); err != nil {
			return err
		}
		if err := os.Rename(dest, old); err != nil {
			return err
		}
	}
	if err := os.Rename(dir, dest); err != nil {
		if old != "" {
			_ = os.Rename(old, dest)
		}
		return err
	}
	if old != "" {
		return os.RemoveAll(old)
	}
	return nil
}

// fetch reads from (URL, zip file or directory) into w.
func fetch(ctx context.Context, client *http.Client, from string, lim Limits, w *writer) error {
	if strings.HasPrefix(from, "http://") || strings.HasPrefix(from, "https://") {
		data, err := download(ctx, client, from, lim.MaxArchiveBytes)
		if err != nil {
			return err
		}
		return w.zip(data)
	}
	fi, err := os.Stat(from)
	if err != nil {
		return err
	}
	if fi.IsDir() {
		return w.tree(ctx, from)
	}
	if fi.Size() > lim.MaxArchiveBytes {
		return fmt.Errorf("archive of %d bytes: %w (%d)", fi.Size(), ErrLimit, lim.MaxArchiveBytes)
	}
	data, err := os.ReadFile(from)
	if err != nil {
		return err
	}
	return w.zip(data)
}

func download(ctx context.Context, client *http.Client, url string, max int64) ([]byte, error) {
	if client == nil {
		client = http.DefaultClient
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("download: %s", resp.Status)
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, max+1))
	if err != nil {
		return nil, fmt.Errorf("download: %w", err)
	}
	if int64(len(data)) > max {
		return nil, fmt.Errorf("archive larger than %d bytes: %w", max, ErrLimit)
	}
	return data, nil
}

// writer writes the kept files of a source under dir.
type writer struct {
	set   string // which reference data: decides the files kept
	dir   string
	lim   Limits
	paths []string
	bytes int64
}

// keep reports whether a file of the repositories is installed: licences, and JSON data (Sigma
// rules, YAML, for the Sigma set).
func (w *writer) keep(name string) bool {
	base := path.Base(name)
	if w.set == Sigma {
		return strings.HasSuffix(base, ".yml") || strings.HasSuffix(base, ".yaml") || strings.HasPrefix(base, "LICENSE")
	}
	return strings.HasSuffix(base, ".json") || strings.HasPrefix(base, "LICENSE")
}

// add checks and writes one file at rel (slash-separated, relative to the source's root).
func (w *writer) add(rel string, r io.Reader) error {
	clean := path.Clean(rel)
	if rel == "" || path.IsAbs(rel) || clean == ".." || strings.HasPrefix(clean, "../") || strings.Contains(rel, "\\") {
		return fmt.Errorf("file %q: outside the archive's directory", rel)
	}
	if !w.keep(clean) {
		return nil
	}
	if len(w.paths) >= w.lim.MaxFiles {
		return fmt.Errorf("more than %d files: %w", w.lim.MaxFiles, ErrLimit)
	}
	data, err := io.ReadAll(io.LimitReader(r, w.lim.MaxFileBytes+1))
	if err != nil {
		return fmt.Errorf("file %s: %w", clean, err)
	}
	if int64(len(data)) > w.lim.MaxFileBytes {
		return fmt.Errorf("file %s larger than %d bytes: %w", clean, w.lim.MaxFileBytes, ErrLimit)
	}
	if strings.HasSuffix(clean, ".json") && !json.Valid(data) {
		return fmt.Errorf("file %s: not valid JSON", clean)
	}
	dst := filepath.Join(w.dir, filepath.FromSlash(clean))
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(dst, data, 0o644); err != nil {
		return err
	}
	w.paths = append(w.paths, clean)
	w.bytes += int64(len(data))
	return nil
}

// has reports whether a written file matches pattern.
func (w *writer) has(pattern string) bool {
	for _, p := range w.paths {
		if ok, _ := path.Match(pattern, p); ok {
			return true
		}
	}
	return false
}

// zip writes the kept files of a zip archive, without the single top-level directory GitHub's archives have.
func (w *writer) zip(data []byte) error {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return fmt.Errorf("not a zip archive: %w", err)
	}
	prefix := commonTop(zr.File)
	for _, f := range zr.File {
		if f.FileInfo().IsDir() {
			continue
		}
		if !f.Mode().IsRegular() {
			continue // links and devices are never installed
		}
		rel := strings.TrimPrefix(f.Name, prefix)
		if !w.keep(rel) {
			if err := w.add(rel, strings.NewReader("")); err != nil { // still refuse escaping names
				return err
			}
			continue
		}
		rc, err := f.Open()
		if err != nil {
			return fmt.Errorf("file %s: %w", f.Name, err)
		}
		err = w.add(rel, rc)
		rc.Close()
		if err != nil {
			return err
		}
	}
	return nil
}

// commonTop is "dir/" when every entry of files lies under the one directory dir, as in GitHub's archives.
func commonTop(files []*zip.File) string {
	top := ""
	for _, f := range files {
		first, _, ok := strings.Cut(f.Name, "/")
		if !ok || first == "" || (top != "" && first != top) {
			return ""
		}
		top = first
	}
	if top == "" {
		return ""
	}
	return top + "/"
}

// tree copies the kept files of a local directory.
func (w *writer) tree(ctx context.Context, root string) error {
	return filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if !d.Type().IsRegular() {
			return nil
		}
		rel, err := filepath.Rel(root, p)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		if !w.keep(rel) {
			return nil
		}
		f, err := os.Open(p)
		if err != nil {
			return err
		}
		defer f.Close()
		return w.add(rel, f)
	})
}
