package local

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/hunchsec/hunch/enrich"
	"github.com/hunchsec/hunch/ioc"
)

// The columns (CSV) and keys (JSON) of a list file.
var columns = []string{"value", "type", "verdict", "summary", "reference", "tags"}

// ReadFile reads the entries of one list file, choosing the format by extension: .csv for CSV;
// .json, .ndjson and .jsonl for JSON (an array of objects or one object per line). Errors name
// the file and line.
func ReadFile(path string) ([]Entry, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read list: %w", err)
	}
	switch strings.ToLower(filepath.Ext(path)) {
	case ".csv":
		return ReadCSV(data, path)
	case ".json", ".ndjson", ".jsonl":
		return ReadJSON(data, path)
	}
	return nil, fmt.Errorf("%s: unknown list format: use a .csv, .json, .ndjson or .jsonl file", path)
}

// ReadCSV reads a CSV list: a header naming the columns value and verdict, and optionally type,
// summary, reference and tags (in any order, any case), then one entry per row. Lines starting
// with '#' are comments. Tags are separated by ';' or ','. name prefixes error messages.
func ReadCSV(data []byte, name string) ([]Entry, error) {
	r := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(data, []byte("\ufeff"))))
	r.Comment = '#'
	r.TrimLeadingSpace = true
	header, err := r.Read()
	if err == io.EOF {
		return nil, fmt.Errorf("%s: empty file: expected a header line (%s)", name, strings.Join(columns, ","))
	}
	if err != nil {
		return nil, csvError(name, err)
	}
	hline, _ := r.FieldPos(0)
	col := map[string]int{}
	for i, h := range header {
		h = strings.ToLower(strings.TrimSpace(h))
		if !slices.Contains(columns, h) {
			return nil, fmt.Errorf("%s:%d: unknown column %q: use %s", name, hline, h, strings.Join(columns, ", "))
		}
		if _, dup := col[h]; dup {
			return nil, fmt.Errorf("%s:%d: column %q given twice", name, hline, h)
		}
		col[h] = i
	}
	for _, req := range []string{"value", "verdict"} {
		if _, ok := col[req]; !ok {
			return nil, fmt.Errorf("%s:%d: the header has no %q column", name, hline, req)
		}
	}
	get := func(rec []string, c string) string {
		if i, ok := col[c]; ok {
			return strings.TrimSpace(rec[i])
		}
		return ""
	}
	var out []Entry
	for {
		rec, err := r.Read()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return nil, csvError(name, err)
		}
		line, _ := r.FieldPos(0)
		src := name + ":" + strconv.Itoa(line)
		e, err := makeEntry(get(rec, "value"), get(rec, "type"), get(rec, "verdict"), get(rec, "summary"),
			get(rec, "reference"), splitTags(get(rec, "tags")), src)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
}

func csvError(name string, err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return fmt.Errorf("%s:%d: %v", name, pe.Line, pe.Err)
	}
	return fmt.Errorf("%s: %w", name, err)
}

// jsonEntry is one entry as written in a JSON list.
type jsonEntry struct {
	Value     *string         `json:"value"`
	Type      string          `json:"type"`
	Verdict   json.RawMessage `json:"verdict"`
	Summary   string          `json:"summary"`
	Reference string          `json:"reference"`
	Tags      json.RawMessage `json:"tags"`
}

// ReadJSON reads a JSON list: an array of objects, or one object per line (NDJSON; blank lines
// are skipped). An object has the keys value and verdict and optionally type, summary,
// reference and tags; verdict is a name or a number 0–3, tags an array of strings or one
// string separated like CSV tags. name prefixes error messages.
func ReadJSON(data []byte, name string) ([]Entry, error) {
	data = bytes.TrimPrefix(data, []byte("\ufeff"))
	trimmed := bytes.TrimLeft(data, " \t\r\n")
	if len(trimmed) == 0 {
		return nil, nil
	}
	if trimmed[0] != '[' {
		var out []Entry
		for n, line := range bytes.Split(data, []byte("\n")) {
			if len(bytes.TrimSpace(line)) == 0 {
				continue
			}
			e, err := decodeEntry(line, fmt.Sprintf("%s:%d", name, n+1))
			if err != nil {
				return nil, err
			}
			out = append(out, e)
		}
		return out, nil
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	if _, err := dec.Token(); err != nil { // '['
		return nil, jsonError(name, data, err)
	}
	var out []Entry
	for dec.More() {
		start := skipSpace(data, int(dec.InputOffset()))
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return nil, jsonError(name, data, err)
		}
		e, err := decodeEntry(raw, fmt.Sprintf("%s:%d", name, lineAt(data, start)))
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	if _, err := dec.Token(); err != nil { // ']'
		return nil, jsonError(name, data, err)
	}
	if rest := bytes.TrimSpace(data[dec.InputOffset():]); len(rest) > 0 {
		return nil, fmt.Errorf("%s:%d: text after the closing ']'", name, lineAt(data, skipSpace(data, int(dec.InputOffset()))))
	}
	return out, nil
}

func decodeEntry(obj []byte, src string) (Entry, error) {
	dec := json.NewDecoder(bytes.NewReader(obj))
	dec.DisallowUnknownFields()
	var j jsonEntry
	if err := dec.Decode(&j); err != nil {
		return Entry{}, fmt.Errorf("%s: %v (keys: %s)", src, err, strings.Join(columns, ", "))
	}
	if dec.More() {
		return Entry{}, fmt.Errorf("%s: more than one JSON value on the line", src)
	}
	if j.Value == nil {
		return Entry{}, fmt.Errorf("%s: no \"value\"", src)
	}
	verdict := ""
	if len(j.Verdict) > 0 && string(j.Verdict) != "null" {
		var s string
		if err := json.Unmarshal(j.Verdict, &s); err == nil {
			verdict = s
		} else if n, err := strconv.Atoi(string(j.Verdict)); err == nil {
			verdict = strconv.Itoa(n)
		} else {
			return Entry{}, fmt.Errorf("%s: verdict %s: use a name or a number 0-3", src, j.Verdict)
		}
	}
	var tags []string
	if len(j.Tags) > 0 && string(j.Tags) != "null" {
		var s string
		if err := json.Unmarshal(j.Tags, &s); err == nil {
			tags = splitTags(s)
		} else if err := json.Unmarshal(j.Tags, &tags); err != nil {
			return Entry{}, fmt.Errorf("%s: tags: use an array of strings or one string", src)
		}
	}
	return makeEntry(strings.TrimSpace(*j.Value), strings.TrimSpace(j.Type), strings.TrimSpace(verdict),
		strings.TrimSpace(j.Summary), strings.TrimSpace(j.Reference), tags, src)
}

func jsonError(name string, data []byte, err error) error {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		return fmt.Errorf("%s:%d: %v", name, lineAt(data, int(se.Offset)), err)
	case errors.As(err, &te):
		return fmt.Errorf("%s:%d: %v", name, lineAt(data, int(te.Offset)), err)
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return fmt.Errorf("%s:%d: unexpected end of the JSON array", name, lineAt(data, len(data)))
	}
	return fmt.Errorf("%s: %v", name, err)
}

// makeEntry checks and normalises one row.
func makeEntry(value, typ, verdict, summary, reference string, tags []string, src string) (Entry, error) {
	if value == "" {
		return Entry{}, fmt.Errorf("%s: the value is empty", src)
	}
	if verdict == "" {
		return Entry{}, fmt.Errorf("%s: no verdict for %q", src, clip(value))
	}
	v, err := enrich.ParseVerdict(verdict)
	if err != nil {
		return Entry{}, fmt.Errorf("%s: %w", src, err)
	}
	t, err := entryType(typ, value)
	if err != nil {
		return Entry{}, fmt.Errorf("%s: %w", src, err)
	}
	if err := checkValue(t, value); err != nil {
		return Entry{}, fmt.Errorf("%s: %w", src, err)
	}
	e := Entry{Value: value, Type: t, Verdict: v, Summary: summary, Reference: reference, Tags: tags, Source: src}
	if p, err := netip.ParsePrefix(value); err == nil && (t == "" || t == ioc.IPv4 || t == ioc.IPv6) {
		e.prefix = normPrefix(p)
		e.Value = e.prefix.String()
	} else {
		e.Value = Normalize(t, value)
	}
	return e, nil
}

// entryType resolves a type column: empty (any type), a built-in type name, or the shorthands
// "ip" (the value's address family) and "hash" (md5, sha1, sha256 or sha512 by length).
func entryType(typ, value string) (ioc.Type, error) {
	switch strings.ToLower(typ) {
	case "":
		return "", nil
	case "ip":
		a, err := netip.ParseAddr(value)
		if err != nil {
			p, perr := netip.ParsePrefix(value)
			if perr != nil {
				return "", fmt.Errorf("type ip: %q is not an IP address or network", clip(value))
			}
			a = p.Addr()
		}
		if a.Unmap().Is4() {
			return ioc.IPv4, nil
		}
		return ioc.IPv6, nil
	case "hash":
		t := guessType(value)
		switch t {
		case ioc.MD5, ioc.SHA1, ioc.SHA256, ioc.SHA512:
			return t, nil
		}
		return "", fmt.Errorf("type hash: %q is not an MD5, SHA-1, SHA-256 or SHA-512 in hex", clip(value))
	}
	t, err := ioc.ParseType(typ)
	if err != nil {
		return "", fmt.Errorf("%w (or ip, hash, or empty for any type)", err)
	}
	return t, nil
}

// checkValue rejects a value that cannot be of type t.
func checkValue(t ioc.Type, v string) error {
	switch t {
	case ioc.IPv4, ioc.IPv6:
		a, err := netip.ParseAddr(v)
		if err != nil {
			p, perr := netip.ParsePrefix(v)
			if perr != nil {
				return fmt.Errorf("%q is not an IP address or network", clip(v))
			}
			a = p.Addr()
		}
		if a.Zone() != "" {
			return fmt.Errorf("%q: an address with a zone never matches", clip(v))
		}
		if (t == ioc.IPv4) != a.Unmap().Is4() {
			return fmt.Errorf("%q is not an %s address or network", clip(v), t)
		}
	case ioc.MD5, ioc.SHA1, ioc.SHA256, ioc.SHA512:
		if guessType(v) != t {
			return fmt.Errorf("%q is not an %s in hex", clip(v), t)
		}
	}
	return nil
}

func splitTags(s string) []string {
	var out []string
	for _, t := range strings.FieldsFunc(s, func(r rune) bool { return r == ';' || r == ',' }) {
		if t = strings.TrimSpace(t); t != "" {
			out = append(out, t)
		}
	}
	return out
}

func skipSpace(data []byte, i int) int {
	for i < len(data) && (data[i] == ' ' || data[i] == '\t' || data[i] == '\r' || data[i] == '\n' || data[i] == ',') {
		i++
	}
	return i
}

// lineAt is the 1-based line of byte offset off.
func lineAt(data []byte, off int) int {
	off = min(max(off, 0), len(data))
	return 1 + bytes.Count(data[:off], []byte("\n"))
}

func clip(s string) string {
	if len(s) > 80 {
		return s[:80] + "…"
	}
	return s
}
