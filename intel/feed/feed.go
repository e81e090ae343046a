// Package feed reads MISP feeds: it fetches a feed's files over http(s) or from an allowed local directory under
// size and time limits, and parses what they hold — a MISP feed's manifest.json, its <uuid>.json event files and
// hashes.csv cache, a CSV feed's values by column, a freetext feed's lines — without touching any store. The intel
// service (intel/feeds.go) decides what to import or cache.
package feed

import (
	"bufio"
	"bytes"
	"context"
	"crypto/md5"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"github.com/hunchsec/hunch/misp"
)

// ErrLimit is wrapped by every error about a feed that breaks a limit (bytes per file, events per fetch, values
// per feed).
var ErrLimit = errors.New("feed limit exceeded")

// Source reads the files of feeds.
type Source struct {
	// Client fetches network feeds; nil means http.DefaultClient. Its own timeout applies besides the context's.
	Client *http.Client
	// MaxBytes bounds one file read (required, > 0).
	MaxBytes int64
	// LocalDir is the only directory local feeds may be read from; empty refuses every local feed.
	LocalDir string
}

// Read returns the file name of feed f: name joined to the feed's url (a base URL for misp feeds, "" for the url
// itself), over the network with the feed's headers, or from the local directory for input_source local.
func (s Source) Read(ctx context.Context, f *misp.Feed, name string) ([]byte, error) {
	if f.InputSource == misp.FeedInputLocal {
		return s.readLocal(f.URL, name)
	}
	u := f.URL
	if name != "" {
		u = strings.TrimSuffix(u, "/") + "/" + name
	}
	return s.get(ctx, u, f.Headers)
}

func (s Source) get(ctx context.Context, u, headers string) ([]byte, error) {
	pu, err := url.Parse(u)
	if err != nil || (pu.Scheme != "http" && pu.Scheme != "https") || pu.Host == "" {
		return nil, fmt.Errorf("feed url %q: not an http or https url", redactURL(u))
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, fmt.Errorf("feed url %q: %w", redactURL(u), err)
	}
	for k, v := range ParseHeaders(headers) {
		req.Header.Set(k, v)
	}
	req.Header.Set("Accept", "application/json, text/plain, */*")
	client := s.Client
	if client == nil {
		client = http.DefaultClient
	}
	resp, err := client.Do(req)
	if err != nil {
		// The error names the url; the headers (credentials) are never part of it.
		return nil, fmt.Errorf("get %s: %w", redactURL(u), unwrapURLError(err))
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("get %s: %s", redactURL(u), resp.Status)
	}
	if resp.ContentLength > s.MaxBytes {
		return nil, fmt.Errorf("get %s: %d bytes, more than %d bytes: %w", redactURL(u), resp.ContentLength, s.MaxBytes, ErrLimit)
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, s.MaxBytes+1))
	if err != nil {
		return nil, fmt.Errorf("get %s: %w", redactURL(u), err)
	}
	if int64(len(data)) > s.MaxBytes {
		return nil, fmt.Errorf("get %s: more than %d bytes: %w", redactURL(u), s.MaxBytes, ErrLimit)
	}
	return data, nil
}

func unwrapURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// redactURL drops a url's user information, which may hold a password.
func redactURL(u string) string {
	pu, err := url.Parse(u)
	if err != nil || pu.User == nil {
		return u
	}
	pu.User = nil
	return pu.String()
}

// RemoveLocal deletes the file of a local feed f (its delete_local_file setting, applied after a fetch), from
// under LocalDir only.
func (s Source) RemoveLocal(f *misp.Feed) error {
	if f.InputSource != misp.FeedInputLocal {
		return nil
	}
	p, err := s.localPath(f.URL, "")
	if err != nil {
		return err
	}
	return os.Remove(p)
}

// readLocal reads base (a file, or with name a directory holding name) from under LocalDir only.
func (s Source) readLocal(base, name string) ([]byte, error) {
	real, err := s.localPath(base, name)
	if err != nil {
		return nil, err
	}
	fh, err := os.Open(real)
	if err != nil {
		return nil, fmt.Errorf("local feed file: %w", err)
	}
	defer fh.Close()
	data, err := io.ReadAll(io.LimitReader(fh, s.MaxBytes+1))
	if err != nil {
		return nil, fmt.Errorf("local feed file %s: %w", real, err)
	}
	if int64(len(data)) > s.MaxBytes {
		return nil, fmt.Errorf("local feed file %s: more than %d bytes: %w", real, s.MaxBytes, ErrLimit)
	}
	return data, nil
}

// localPath resolves base (and name in it) to a real path under LocalDir, links followed; anything outside is an
// error.
func (s Source) localPath(base, name string) (string, error) {
	if s.LocalDir == "" {
		return "", errors.New("local feeds are not allowed: no local feed directory is configured")
	}
	root, err := filepath.Abs(s.LocalDir)
	if err != nil {
		return "", err
	}
	p := base
	if name != "" {
		if strings.ContainsAny(name, `/\`) || name == ".." || name == "." {
			return "", fmt.Errorf("feed file %q: not a plain file name", name)
		}
		p = filepath.Join(base, name)
	}
	if !filepath.IsAbs(p) {
		p = filepath.Join(root, p)
	}
	p = filepath.Clean(p)
	// Resolve links so that a link inside the directory cannot lead out of it.
	real, err := filepath.EvalSymlinks(p)
	if err != nil {
		return "", fmt.Errorf("local feed file %s: %w", p, err)
	}
	realRoot, err := filepath.EvalSymlinks(root)
	if err != nil {
		return "", fmt.Errorf("local feed directory %s: %w", root, err)
	}
	if rel, err := filepath.Rel(realRoot, real); err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return "", fmt.Errorf("local feed file %s: outside the local feed directory %s", p, root)
	}
	return real, nil
}

// ParseHeaders reads a feed's headers as MISP stores them: one "Name: value" per line (lines may be separated by
// real or literal \r\n or \n). Malformed lines are skipped.
func ParseHeaders(s string) map[string]string {
	s = strings.NewReplacer(`\r\n`, "\n", `\n`, "\n", "\r\n", "\n").Replace(s)
	out := map[string]string{}
	for line := range strings.SplitSeq(s, "\n") {
		k, v, ok := strings.Cut(line, ":")
		k, v = strings.TrimSpace(k), strings.TrimSpace(v)
		if !ok || k == "" || strings.ContainsAny(k, " \t") {
			continue
		}
		out[k] = v
	}
	return out
}

// ManifestEvent is one event a MISP feed's manifest lists.
type ManifestEvent struct {
	UUID string
	misp.FeedManifestEntry
}

// ParseManifest reads manifest.json: an object of event uuid → summary. Entries come back sorted by uuid (lower
// case). More than maxEvents entries is an ErrLimit error; a key that is not a uuid is an error.
func ParseManifest(data []byte, maxEvents int) ([]ManifestEvent, error) {
	var m map[string]misp.FeedManifestEntry
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, fmt.Errorf("manifest.json: not a MISP feed manifest: %w", err)
	}
	if len(m) > maxEvents {
		return nil, fmt.Errorf("manifest.json lists %d events, more than %d: %w", len(m), maxEvents, ErrLimit)
	}
	out := make([]ManifestEvent, 0, len(m))
	for k, v := range m {
		if !misp.ValidUUID(k) {
			return nil, fmt.Errorf("manifest.json: key %q is not an event uuid", k)
		}
		out = append(out, ManifestEvent{UUID: strings.ToLower(k), FeedManifestEntry: v})
	}
	slices.SortFunc(out, func(a, b ManifestEvent) int { return strings.Compare(a.UUID, b.UUID) })
	return out, nil
}

// ParseEvent reads one <uuid>.json event file: {"Event": {…}} (or the bare event, or a one-element list of it, as
// some generators write) whose uuid must be want when want is not empty.
func ParseEvent(data []byte, want string, lim misp.Limits) (*misp.Event, error) {
	one := func(data []byte) ([]byte, error) {
		data = bytes.TrimSpace(data)
		if len(data) > 0 && data[0] == '[' {
			var list []json.RawMessage
			if err := json.Unmarshal(data, &list); err != nil || len(list) != 1 {
				return nil, fmt.Errorf("event file %s: not one MISP event", want)
			}
			data = list[0]
		}
		return data, nil
	}
	data, err := one(data)
	if err != nil {
		return nil, err
	}
	var wrap map[string]json.RawMessage
	if err := json.Unmarshal(data, &wrap); err != nil {
		return nil, fmt.Errorf("event file %s: not a MISP event: %w", want, err)
	}
	if r, ok := wrap["response"]; ok {
		if data, err = one(r); err != nil {
			return nil, err
		}
		if err := json.Unmarshal(data, &wrap); err != nil {
			return nil, fmt.Errorf("event file %s: not a MISP event: %w", want, err)
		}
	}
	if _, ok := wrap["Event"]; !ok {
		data = append(append([]byte(`{"Event":`), data...), '}')
	}
	e, err := lim.DecodeEvent(data)
	if err != nil {
		return nil, fmt.Errorf("event file %s: %w", want, err)
	}
	if e.UUID == "" {
		return nil, fmt.Errorf("event file %s: event uuid field missing", want)
	}
	if want != "" && !strings.EqualFold(e.UUID, want) {
		return nil, fmt.Errorf("event file %s: holds event %s", want, e.UUID)
	}
	return e, nil
}

// ParseHashes reads hashes.csv: one "<md5 of a value>,<event uuid>" per line. It returns the digests (lower case),
// once each; lines that are not a 32-digit hex digest are skipped. More than maxValues digests is an ErrLimit error.
func ParseHashes(data []byte, maxValues int) ([]string, error) {
	var out []string
	seen := map[string]bool{}
	for line := range bytes.SplitSeq(data, []byte("\n")) {
		h, _, _ := bytes.Cut(bytes.TrimSpace(line), []byte(","))
		h = bytes.Trim(h, `"' `)
		if len(h) != 32 {
			continue
		}
		if _, err := hex.DecodeString(string(h)); err != nil {
			continue
		}
		s := strings.ToLower(string(h))
		if seen[s] {
			continue
		}
		if len(out) >= maxValues {
			return nil, fmt.Errorf("hashes.csv holds more than %d values: %w", maxValues, ErrLimit)
		}
		seen[s] = true
		out = append(out, s)
	}
	return out, nil
}

// Hash is the digest a feed cache keeps of a value: the lower-case hex md5 of it, as MISP's feed cache.
func Hash(value string) string {
	h := md5.Sum([]byte(value))
	return hex.EncodeToString(h[:])
}

// ValueHashes returns the digests a value is looked up by: of the whole value, and for a composite value
// (filename|md5, ip-dst|port) of each part too, as MISP hashes composites per part.
func ValueHashes(value string) []string {
	out := []string{Hash(value)}
	if a, b, ok := strings.Cut(value, "|"); ok {
		out = append(out, Hash(a), Hash(b))
	}
	return out
}

// CompileExclude turns MISP's exclude regex (a delimited PCRE: "/^#/i") into a Go regular expression; "" is nil.
// A pattern RE2 cannot compile is an error.
func CompileExclude(pattern string) (*regexp.Regexp, error) {
	pattern = strings.TrimSpace(pattern)
	if pattern == "" {
		return nil, nil
	}
	body, flags := pattern, ""
	if len(pattern) >= 2 {
		d := pattern[0]
		if !(d >= 'a' && d <= 'z' || d >= 'A' && d <= 'Z' || d >= '0' && d <= '9' || d == '\\' || d == ' ') {
			end := d
			switch d {
			case '(':
				end = ')'
			case '{':
				end = '}'
			case '[':
				end = ']'
			case '<':
				end = '>'
			}
			if i := strings.LastIndexByte(pattern, end); i > 0 {
				body, flags = pattern[1:i], pattern[i+1:]
			}
		}
	}
	prefix := ""
	for _, f := range flags {
		switch f {
		case 'i', 'm', 's', 'U':
			prefix += string(f)
		case 'x', 'u', 'D':
		default:
			return nil, fmt.Errorf("invalid exclude regex %q: unknown flag %q", pattern, f)
		}
	}
	if prefix != "" {
		body = "(?" + prefix + ")" + body
	}
	re, err := regexp.Compile(body)
	if err != nil {
		return nil, fmt.Errorf("invalid exclude regex %q: %w", pattern, err)
	}
	return re, nil
}

// Lines returns the non-empty lines of a freetext feed that exclude does not match, trimmed, at most maxLines
// (more is an ErrLimit error).
func Lines(data []byte, exclude *regexp.Regexp, maxLines int) ([]string, error) {
	var out []string
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 64<<10), len(data)+1)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || exclude != nil && exclude.MatchString(line) {
			continue
		}
		if len(out) >= maxLines {
			return nil, fmt.Errorf("feed holds more than %d values: %w", maxLines, ErrLimit)
		}
		out = append(out, line)
	}
	return out, sc.Err()
}

// CSVValues returns the values of a CSV feed: for each record exclude does not match (on the raw line) and that
// does not start with '#', the fields of columns (0-based), trimmed and non-empty, at most maxValues (more is an
// ErrLimit error). delimiter is one character; "" means ','; MISP's "\t" spelled out is a tab.
func CSVValues(data []byte, columns []int, delimiter string, exclude *regexp.Regexp, maxValues int) ([]string, error) {
	comma := ','
	switch d := []rune(delimiter); {
	case delimiter == `\t`:
		comma = '\t'
	case len(d) == 1:
		comma = d[0]
	case len(d) > 1:
		return nil, fmt.Errorf("csv delimiter %q: not one character", delimiter)
	}
	if comma == '"' || comma == '\r' || comma == '\n' || comma == 0xFFFD {
		return nil, fmt.Errorf("csv delimiter %q: not usable", delimiter)
	}
	var out []string
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 64<<10), len(data)+1)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") || exclude != nil && exclude.MatchString(line) {
			continue
		}
		r := csv.NewReader(strings.NewReader(line))
		r.Comma, r.LazyQuotes, r.FieldsPerRecord, r.TrimLeadingSpace = comma, true, -1, true
		rec, err := r.Read()
		if err != nil {
			continue // a line CSV cannot read holds no value, as MISP skips it
		}
		for _, c := range columns {
			if c < 0 || c >= len(rec) {
				continue
			}
			v := strings.TrimSpace(rec[c])
			if v == "" {
				continue
			}
			if len(out) >= maxValues {
				return nil, fmt.Errorf("feed holds more than %d values: %w", maxValues, ErrLimit)
			}
			out = append(out, v)
		}
	}
	return out, sc.Err()
}

// Rules are a MISP feed's pull rules (its rules field): events are fetched only when they carry one of Tags.OR
// (when given) and none of Tags.NOT, and their creator organisation (by uuid or name) is one of Orgs.OR (when
// given) and none of Orgs.NOT, as MISP's Feed::checkEventAgainstRules decides on the manifest.
type Rules struct {
	Tags, Orgs struct {
		OR  []string `json:"OR"`
		NOT []string `json:"NOT"`
	}
}

// ParseRules reads a feed's rules: "" or null are no rules. Lists MISP sends as objects keyed by index are read
// too.
func ParseRules(s string) (Rules, error) {
	var raw struct {
		Tags, Orgs map[string]json.RawMessage
	}
	var r Rules
	if strings.TrimSpace(s) == "" || strings.TrimSpace(s) == "null" || strings.TrimSpace(s) == "[]" {
		return r, nil
	}
	if err := json.Unmarshal([]byte(s), &raw); err != nil {
		return r, fmt.Errorf("feed rules: %w", err)
	}
	list := func(m map[string]json.RawMessage, k string) ([]string, error) {
		v, ok := m[k]
		if !ok || string(v) == "null" || string(v) == `""` {
			return nil, nil
		}
		var l []string
		if err := json.Unmarshal(v, &l); err == nil {
			return l, nil
		}
		var o map[string]string
		if err := json.Unmarshal(v, &o); err != nil {
			return nil, fmt.Errorf("feed rules %s: want a list of strings", k)
		}
		for _, x := range o {
			l = append(l, x)
		}
		slices.Sort(l)
		return l, nil
	}
	var err error
	if r.Tags.OR, err = list(raw.Tags, "OR"); err != nil {
		return r, err
	}
	if r.Tags.NOT, err = list(raw.Tags, "NOT"); err != nil {
		return r, err
	}
	if r.Orgs.OR, err = list(raw.Orgs, "OR"); err != nil {
		return r, err
	}
	if r.Orgs.NOT, err = list(raw.Orgs, "NOT"); err != nil {
		return r, err
	}
	return r, nil
}

// Allows reports whether an event with tags created by the organisation (orgName, orgUUID) passes the rules.
func (r Rules) Allows(tags []string, orgName, orgUUID string) bool {
	any := func(list, have []string) bool {
		for _, x := range list {
			if slices.Contains(have, x) {
				return true
			}
		}
		return false
	}
	if len(r.Tags.OR) > 0 && !any(r.Tags.OR, tags) || any(r.Tags.NOT, tags) {
		return false
	}
	org := []string{orgName, orgUUID}
	if len(r.Orgs.OR) > 0 && !any(r.Orgs.OR, org) || any(r.Orgs.NOT, org) {
		return false
	}
	return true
}
