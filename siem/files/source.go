package files

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/hunchsec/hunch/record"
	"github.com/hunchsec/hunch/siem"
	"github.com/hunchsec/hunch/siem/files/where"
)

// DefaultTimeFields returns the fields tried, in order, for a query's time range when
// Config.TimeField is empty.
func DefaultTimeFields() []string {
	return []string{"TimeCreated", "@timestamp", "_time", "ts", "timestamp", "time"}
}

// Config configures a Source.
type Config struct {
	Paths        []string `yaml:"paths"`          // files or glob patterns (** for any depth)
	Format       string   `yaml:"format"`         // one format for every file; empty detects per file
	TimeField    string   `yaml:"time_field"`     // field the query range applies to; empty tries DefaultTimeFields()
	Timezone     string   `yaml:"timezone"`       // IANA zone of RFC 3164 syslog timestamps; empty means UTC
	MaxLineBytes int      `yaml:"max_line_bytes"` // 0 means DefaultMaxLineBytes
	MaxFiles     int      `yaml:"max_files"`      // 0 means DefaultMaxFiles
	MaxExprBytes int      `yaml:"max_expr_bytes"` // 0 means where.DefaultMaxBytes
	MaxExprDepth int      `yaml:"max_expr_depth"` // 0 means where.DefaultMaxDepth
	// FileField, when set, names a field added at the end of every matching record holding the
	// path of the file it came from (which otherwise lives only in the record's meta and is lost
	// once the records are written out).
	FileField string `yaml:"file_field"`
}

// Option changes a Source built by New.
type Option func(*Source)

// WithReaders sets the format table (for example DefaultReaders plus an EVTX reader).
func WithReaders(readers map[Format]Reader) Option {
	return func(s *Source) { s.opts.Readers = readers }
}

// WithNow sets the clock used for relative times in expressions and RFC 3164 years.
func WithNow(now func() time.Time) Option {
	return func(s *Source) { s.now = now }
}

// Source searches log files with where-expressions; it implements siem.Source.
type Source struct {
	paths     []string
	timeField string
	fileField string
	opts      Options
	exprOpts  where.Options
	now       func() time.Time
}

// New checks cfg and returns a Source. The files are globbed at each Search.
func New(cfg Config, opts ...Option) (*Source, error) {
	if len(cfg.Paths) == 0 {
		return nil, errors.New("files: no paths configured")
	}
	f, err := ParseFormat(cfg.Format)
	if err != nil {
		return nil, err
	}
	s := &Source{
		paths:     cfg.Paths,
		timeField: cfg.TimeField,
		fileField: cfg.FileField,
		opts:      Options{Format: f, MaxLineBytes: cfg.MaxLineBytes, MaxFiles: cfg.MaxFiles},
		exprOpts:  where.Options{MaxBytes: cfg.MaxExprBytes, MaxDepth: cfg.MaxExprDepth},
		now:       time.Now,
	}
	if cfg.Timezone != "" {
		loc, err := time.LoadLocation(cfg.Timezone)
		if err != nil {
			return nil, fmt.Errorf("files: timezone: %w", err)
		}
		s.opts.Location = loc
	}
	for _, o := range opts {
		o(s)
	}
	readers := s.opts.Readers
	if readers == nil {
		readers = DefaultReaders()
	}
	if _, ok := readers[f]; f != Auto && !ok {
		return nil, fmt.Errorf("files: unknown format %q", cfg.Format)
	}
	return s, nil
}

// Search streams the records of the configured files that match q.Text (a where-expression;
// empty or "*" matches all), fall in q.Range on the time field, up to q.Limit records.
// q.Language must be siem.Where or empty. With a range set, a record without a readable time field
// is left out. Bad lines come through as *record.ParseError and do not count to the limit.
func (s *Source) Search(ctx context.Context, q siem.Query) record.Stream {
	return func(yield func(record.Record, error) bool) {
		if q.Language != "" && q.Language != siem.Where {
			yield(record.Record{}, fmt.Errorf("files: query language %q, want %q", q.Language, siem.Where))
			return
		}
		if q.Limit < 0 {
			yield(record.Record{}, fmt.Errorf("files: limit %d is negative", q.Limit))
			return
		}
		now := s.now()
		eo := s.exprOpts
		eo.Now = now
		expr, err := where.Parse(q.Text, eo)
		if err != nil {
			yield(record.Record{}, err)
			return
		}
		opts := s.opts
		opts.Now = now
		ranged := !q.Range.From.IsZero() || !q.Range.To.IsZero()
		n := 0
		for r, err := range Read(ctx, s.paths, opts) {
			if err != nil {
				if !yield(r, err) {
					return
				}
				continue
			}
			if ranged {
				t, ok := s.recordTime(r)
				if !ok || !q.Range.From.IsZero() && t.Before(q.Range.From) || !q.Range.To.IsZero() && !t.Before(q.Range.To) {
					continue
				}
			}
			if !expr.Match(r) {
				continue
			}
			if s.fileField != "" {
				r.Set(s.fileField, record.String(r.Meta.Source))
			}
			if !yield(r, nil) {
				return
			}
			n++
			if q.Limit > 0 && n >= q.Limit {
				return
			}
		}
	}
}

// recordTime finds the record's time: the configured field, else the first of
// DefaultTimeFields() present. Strings are read by where.TextTime, numbers as unix seconds.
func (s *Source) recordTime(r record.Record) (time.Time, bool) {
	names := DefaultTimeFields()
	if s.timeField != "" {
		names = []string{s.timeField}
	}
	for _, name := range names {
		v, ok := where.Lookup(r, name)
		if !ok {
			continue
		}
		if t, ok := v.Time(); ok {
			return t, true
		}
		if f, ok := v.Float(); ok {
			t, err := epochTime(strconv.FormatFloat(f, 'f', -1, 64))
			return t, err == nil
		}
		if str, ok := v.Str(); ok {
			return where.TextTime(str)
		}
		return time.Time{}, false
	}
	return time.Time{}, false
}
