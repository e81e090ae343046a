// Package files reads log files as record streams and searches them as a siem.Source: CSV, JSON
// and NDJSON (through record.Read), Zeek TSV and Zeek JSON logs, syslog (RFC 3164 and RFC 5424)
// and Linux auditd logs, many files at once by glob (with ** for any depth), filtered by the
// where-expression language of package siem/files/where.
//
// Formats are read by a Reader looked up in a format → Reader table (Options.Readers), so a
// format such as EVTX, read by another package, is added by putting its Reader in the table.
// Every record carries the name of its file in Meta.Source (and the where-language sees it as
// the field _file); a bad line is a non-fatal *record.ParseError naming file and line, and
// reading goes on with the next one.
package files

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"time"

	"github.com/hunchsec/hunch/evtx"
	"github.com/hunchsec/hunch/record"
)

// Format names a log format.
type Format string

// The formats this package reads. Auto detects the format of each file (see Detect).
const (
	Auto     Format = ""
	Text     Format = "text"     // one record per line, field _raw
	CSV      Format = "csv"      // comma-separated values with a header row
	JSON     Format = "json"     // a JSON array of objects, or objects one after another
	NDJSON   Format = "ndjson"   // one JSON object per line
	Zeek     Format = "zeek"     // Zeek TSV log with #separator/#fields/#types headers
	ZeekJSON Format = "zeekjson" // Zeek JSON log: NDJSON whose ts becomes a time
	Syslog   Format = "syslog"   // RFC 3164 or RFC 5424 lines, told apart per line
	Auditd   Format = "auditd"   // Linux audit log, records of one event grouped
	EVTX     Format = "evtx"     // Windows event log (package evtx names the fields); needs a file, not a stream
)

// Default limits.
const (
	DefaultMaxLineBytes = 1 << 20 // longest line accepted by the line-based readers here
	DefaultMaxFiles     = 10000   // most files one glob may match
	DefaultMaxOpenAudit = 64      // most auditd events held open while waiting for their records
)

// ErrTooManyFiles is returned when a glob matches more files than Options.MaxFiles.
var ErrTooManyFiles = errors.New("too many files")

// Reader reads the records of one file. name goes into Meta.Source and errors.
type Reader func(ctx context.Context, r io.Reader, name string, opts Options) record.Stream

// Options controls reading. The zero value detects formats and uses the defaults.
type Options struct {
	Format       Format                      // force one format for every file; Auto detects per file
	MaxLineBytes int                         // longest line; 0 means DefaultMaxLineBytes. A longer one is a ParseError
	MaxFiles     int                         // most files a glob may match; 0 means DefaultMaxFiles
	MaxOpenAudit int                         // auditd events held open at once; 0 means DefaultMaxOpenAudit
	Now          time.Time                   // reference for RFC 3164's missing year; zero means time.Now()
	Location     *time.Location              // zone of RFC 3164 timestamps; nil means UTC
	Readers      map[Format]Reader           // the format table; nil means DefaultReaders()
	Detect       func(string, []byte) Format // detection; nil means Detect
}

func (o Options) withDefaults() Options {
	if o.MaxLineBytes <= 0 {
		o.MaxLineBytes = DefaultMaxLineBytes
	}
	if o.MaxFiles <= 0 {
		o.MaxFiles = DefaultMaxFiles
	}
	if o.MaxOpenAudit <= 0 {
		o.MaxOpenAudit = DefaultMaxOpenAudit
	}
	if o.Now.IsZero() {
		o.Now = time.Now()
	}
	if o.Location == nil {
		o.Location = time.UTC
	}
	if o.Readers == nil {
		o.Readers = DefaultReaders()
	}
	if o.Detect == nil {
		o.Detect = Detect
	}
	return o
}

// DefaultReaders returns a new format table holding this package's readers. Callers add
// formats read elsewhere (EVTX) to the returned map and pass it as Options.Readers.
func DefaultReaders() map[Format]Reader {
	plain := func(f record.Format) Reader {
		return func(ctx context.Context, r io.Reader, name string, opts Options) record.Stream {
			return record.Read(ctx, r, name, record.ReadOptions{Format: f, MaxLineBytes: opts.MaxLineBytes})
		}
	}
	return map[Format]Reader{
		Text:     plain(record.FormatText),
		CSV:      plain(record.FormatCSV),
		JSON:     plain(record.FormatJSON),
		NDJSON:   plain(record.FormatNDJSON),
		Zeek:     readZeek,
		ZeekJSON: readZeekJSON,
		Syslog:   readSyslog,
		Auditd:   readAuditd,
	}
}

// ParseFormat reads a format name as given in configuration or on the command line.
func ParseFormat(s string) (Format, error) {
	switch f := Format(strings.ToLower(strings.TrimSpace(s))); f {
	case "auto":
		return Auto, nil
	case "jsonl":
		return NDJSON, nil
	case "txt":
		return Text, nil
	case "audit":
		return Auditd, nil
	default:
		return f, nil // checked against the reader table when used
	}
}

// Detect guesses a file's format from its name and its first bytes: the EVTX signature or
// extension, Zeek's #separator header,
// an auditd "type=… msg=audit(" line, a syslog "<PRI>" or "Mmm dd hh:mm:ss" start, a JSON line
// with Zeek's ts and uid or _path, then the extensions record.Read knows; text when nothing fits.
func Detect(name string, head []byte) Format {
	head = bytes.TrimPrefix(head, []byte{0xEF, 0xBB, 0xBF})
	first := head
	if i := bytes.IndexByte(first, '\n'); i >= 0 {
		first = first[:i]
	}
	first = bytes.TrimRight(first, "\r")
	switch {
	case bytes.HasPrefix(head, []byte(evtx.Signature)) || strings.EqualFold(filepath.Ext(name), ".evtx"):
		return EVTX
	case bytes.HasPrefix(first, []byte("#separator")):
		return Zeek
	case bytes.HasPrefix(first, []byte("type=")) && bytes.Contains(first, []byte("msg=audit(")):
		return Auditd
	case len(first) > 0 && first[0] == '{' && bytes.Contains(first, []byte(`"ts":`)) &&
		(bytes.Contains(first, []byte(`"uid":`)) || bytes.Contains(first, []byte(`"_path":`))):
		return ZeekJSON
	case looksSyslog(first):
		return Syslog
	}
	switch strings.ToLower(filepath.Ext(name)) {
	case ".csv", ".tsv":
		return CSV
	case ".json":
		if len(first) > 0 && first[0] == '{' && bytes.HasSuffix(bytes.TrimSpace(first), []byte("}")) {
			return NDJSON
		}
		return JSON
	case ".ndjson", ".jsonl":
		return NDJSON
	}
	switch {
	case len(first) > 0 && first[0] == '{':
		return NDJSON
	case len(first) > 0 && first[0] == '[':
		return JSON
	}
	return Text
}

// ReadFile streams the records of one file, detecting its format unless opts.Format is set.
func ReadFile(ctx context.Context, name string, opts Options) record.Stream {
	opts = opts.withDefaults()
	return func(yield func(record.Record, error) bool) {
		f, err := os.Open(name)
		if err != nil {
			yield(record.Record{}, fmt.Errorf("open %s: %w", name, err))
			return
		}
		defer f.Close()
		br := bufio.NewReaderSize(f, 64<<10)
		format := opts.Format
		if format == Auto {
			head, _ := br.Peek(4096)
			format = opts.Detect(name, head)
		}
		if format == EVTX { // random access to chunks: the file itself, not a stream of it
			readEVTX(ctx, f, name, yield)
			return
		}
		rd, ok := opts.Readers[format]
		if !ok {
			yield(record.Record{}, fmt.Errorf("read %s: unknown format %q", name, format))
			return
		}
		for r, err := range rd(ctx, br, name, opts) {
			if !yield(r, err) {
				return
			}
		}
	}
}

// Read streams the records of every file matched by the patterns, in pattern order and, within
// a pattern, in lexical path order. A pattern without glob characters names one file.
func Read(ctx context.Context, patterns []string, opts Options) record.Stream {
	opts = opts.withDefaults()
	return func(yield func(record.Record, error) bool) {
		names, err := Glob(patterns, opts.MaxFiles)
		if err != nil {
			yield(record.Record{}, err)
			return
		}
		for _, name := range names {
			for r, err := range ReadFile(ctx, name, opts) {
				if !yield(r, err) {
					return
				}
				if err != nil && !record.IsParseError(err) {
					return
				}
			}
		}
	}
}

// Glob expands the patterns into file names. Besides path.Match's * ? [..] within one path
// element, ** matches any number of directories. A pattern that matches nothing is an error,
// as are more than maxFiles names in all (0 means DefaultMaxFiles); a name is listed once.
func Glob(patterns []string, maxFiles int) ([]string, error) {
	if maxFiles <= 0 {
		maxFiles = DefaultMaxFiles
	}
	if len(patterns) == 0 {
		return nil, errors.New("no file patterns")
	}
	seen := map[string]bool{}
	var out []string
	for _, pat := range patterns {
		n := 0
		err := globOne(pat, func(name string) error {
			n++
			if seen[name] {
				return nil
			}
			seen[name] = true
			out = append(out, name)
			if len(out) > maxFiles {
				return fmt.Errorf("%w: more than %d match %q", ErrTooManyFiles, maxFiles, pat)
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
		if n == 0 {
			return nil, fmt.Errorf("no files match %q", pat)
		}
	}
	return out, nil
}

func hasMeta(s string) bool { return strings.ContainsAny(s, `*?[\`) }

func globOne(pat string, add func(string) error) error {
	pat = filepath.ToSlash(filepath.Clean(pat))
	if !hasMeta(pat) {
		st, err := os.Stat(filepath.FromSlash(pat))
		if err != nil {
			return fmt.Errorf("open %s: %w", pat, err)
		}
		if st.IsDir() {
			return fmt.Errorf("%s is a directory: use a pattern such as %s/**/*.log", pat, pat)
		}
		return add(filepath.FromSlash(pat))
	}
	parts := strings.Split(pat, "/")
	base := []string{}
	for len(parts) > 0 && !hasMeta(parts[0]) {
		base = append(base, parts[0])
		parts = parts[1:]
	}
	root := strings.Join(base, "/")
	if root == "" {
		root = "."
		if strings.HasPrefix(pat, "/") {
			root = "/"
		}
	}
	for _, p := range parts {
		if _, err := path.Match(p, ""); err != nil && p != "**" {
			return fmt.Errorf("bad pattern %q: %w", pat, err)
		}
	}
	return filepath.WalkDir(filepath.FromSlash(root), func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if p == filepath.FromSlash(root) {
				return fmt.Errorf("open %s: %w", root, err)
			}
			return nil // unreadable subdirectory: skip it
		}
		rel, _ := filepath.Rel(filepath.FromSlash(root), p)
		if rel == "." {
			return nil
		}
		segs := strings.Split(filepath.ToSlash(rel), "/")
		if d.IsDir() {
			if !prefixCanMatch(parts, segs) {
				return fs.SkipDir
			}
			return nil
		}
		if d.Type().IsRegular() && matchSegs(parts, segs) {
			return add(p)
		}
		return nil
	})
}

// matchSegs matches path elements against pattern elements, ** matching zero or more elements.
func matchSegs(pat, segs []string) bool {
	if len(pat) == 0 {
		return len(segs) == 0
	}
	if pat[0] == "**" {
		for i := 0; i <= len(segs); i++ {
			if matchSegs(pat[1:], segs[i:]) {
				return true
			}
		}
		return false
	}
	if len(segs) == 0 {
		return false
	}
	ok, _ := path.Match(pat[0], segs[0])
	return ok && matchSegs(pat[1:], segs[1:])
}

// prefixCanMatch reports whether a directory at segs could hold a match of pat.
func prefixCanMatch(pat, segs []string) bool {
	if len(segs) == 0 {
		return true
	}
	if len(pat) == 0 {
		return false
	}
	if pat[0] == "**" {
		return true
	}
	ok, _ := path.Match(pat[0], segs[0])
	return ok && prefixCanMatch(pat[1:], segs[1:])
}

// lines splits a reader into lines no longer than max, reporting longer ones.
type lines struct {
	br   *bufio.Reader
	max  int
	n    int
	buf  []byte
	name string
}

func newLines(r io.Reader, name string, max int) *lines {
	br, ok := r.(*bufio.Reader)
	if !ok {
		br = bufio.NewReaderSize(r, 64<<10)
	}
	return &lines{br: br, max: max, name: name}
}

// next returns the next line without its line break. A line over the limit comes back with
// a *record.ParseError; err is io.EOF at the end. The line is valid until the next call.
func (l *lines) next() ([]byte, error) {
	l.buf = l.buf[:0]
	over := false
	for {
		frag, err := l.br.ReadSlice('\n')
		if len(frag) > 0 || err == nil {
			if !over {
				if len(l.buf)+len(frag) > l.max+2 {
					over = true
					l.buf = l.buf[:0]
				} else {
					l.buf = append(l.buf, frag...)
				}
			}
		}
		if errors.Is(err, bufio.ErrBufferFull) {
			continue
		}
		if err != nil && !errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("read %s: %w", l.name, err)
		}
		if errors.Is(err, io.EOF) && len(l.buf) == 0 && !over {
			return nil, io.EOF
		}
		l.n++
		line := bytes.TrimSuffix(bytes.TrimSuffix(l.buf, []byte{'\n'}), []byte{'\r'})
		if over || len(line) > l.max {
			return nil, l.bad(fmt.Sprintf("line longer than %d bytes", l.max))
		}
		return line, nil
	}
}

func (l *lines) bad(reason string) *record.ParseError {
	return &record.ParseError{Source: l.name, Line: l.n, Reason: reason}
}

// eachLine calls fn for every line of r, yielding over-long lines as ParseErrors and stopping
// on cancellation, a read error or fn returning false.
func eachLine(ctx context.Context, r io.Reader, name string, opts Options, yield func(record.Record, error) bool, fn func(n int, line []byte) bool) {
	l := newLines(r, name, opts.MaxLineBytes)
	for {
		if err := ctx.Err(); err != nil {
			yield(record.Record{}, err)
			return
		}
		line, err := l.next()
		if errors.Is(err, io.EOF) {
			return
		}
		var pe *record.ParseError
		if errors.As(err, &pe) {
			if !yield(record.Record{}, pe) {
				return
			}
			continue
		}
		if err != nil {
			yield(record.Record{}, err)
			return
		}
		if !fn(l.n, line) {
			return
		}
	}
}

// readEVTX streams an EVTX file's events.
func readEVTX(ctx context.Context, f *os.File, name string, yield func(record.Record, error) bool) {
	st, err := f.Stat()
	if err != nil {
		yield(record.Record{}, fmt.Errorf("read %s: %w", name, err))
		return
	}
	for r, err := range evtx.Read(ctx, f, st.Size(), name, evtx.Options{}) {
		if !yield(r, err) {
			return
		}
	}
}
