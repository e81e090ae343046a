// Package sql is a siem.Source over SQL databases — SQLite files and PostgreSQL — for hunting in
// data kept in a database. Queries name their parameters (:name) and the values are bound with
// siem.BindSQL in the driver's placeholder style, never written into the SQL. Connections are
// read-only: SQLite files are opened with mode=ro and query_only, PostgreSQL sessions with
// default_transaction_read_only, so a query cannot change the data it hunts in.
package sql

import (
	"context"
	dbsql "database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	_ "modernc.org/sqlite" // registers the "sqlite" driver

	"github.com/hunchsec/hunch/enrich/providers"
	"github.com/hunchsec/hunch/record"
	"github.com/hunchsec/hunch/siem"
)

// DefaultTimeout bounds one query unless Config.Timeout or WithTimeout says otherwise.
const DefaultTimeout = 10 * time.Minute

// Config is the settings of one SQL connection (siem.connections.NAME in hunch's configuration).
type Config struct {
	// Path is the SQLite database file (kind sqlite).
	Path string `yaml:"path"`
	// DSN is the PostgreSQL connection string or URL (kind postgres), a secret: env:NAME,
	// file:PATH or inline.
	DSN providers.Secret `yaml:"dsn"`
	// Timeout bounds each query (default 10m).
	Timeout time.Duration `yaml:"timeout"`
}

// Option changes a Source.
type Option func(*Source)

// WithTimeout bounds each query; 0 keeps the default.
func WithTimeout(d time.Duration) Option {
	return func(s *Source) {
		if d > 0 {
			s.timeout = d
		}
	}
}

var _ siem.Source = (*Source)(nil)

// Source runs SQL queries against one database.
type Source struct {
	db      *dbsql.DB
	style   siem.Placeholder
	timeout time.Duration
}

// NewSQLite opens the SQLite file cfg.Path read-only. The file must exist.
func NewSQLite(cfg Config, opts ...Option) (*Source, error) {
	if strings.TrimSpace(cfg.Path) == "" {
		return nil, errors.New("sqlite: no path")
	}
	if _, err := os.Stat(cfg.Path); err != nil {
		return nil, fmt.Errorf("sqlite: %w", err)
	}
	dsn := "file:" + (&url.URL{Path: cfg.Path}).EscapedPath() + "?mode=ro&_pragma=query_only(1)&_pragma=busy_timeout(5000)"
	db, err := dbsql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("sqlite: %w", err)
	}
	return newSource(db, siem.Question, cfg, opts), nil
}

// NewPostgres connects to the PostgreSQL server named by cfg.DSN (resolved with getenv), with
// every transaction read-only. The connection is made lazily, by the first query.
func NewPostgres(cfg Config, getenv func(string) string, opts ...Option) (*Source, error) {
	if !cfg.DSN.IsSet() {
		return nil, errors.New("postgres: no dsn")
	}
	dsn, err := cfg.DSN.Resolve(getenv)
	if err != nil {
		return nil, fmt.Errorf("postgres: dsn: %w", err)
	}
	pc, err := pgx.ParseConfig(dsn)
	if err != nil {
		// pgx's message can quote the DSN, password included: say only that it is malformed.
		return nil, errors.New("postgres: dsn cannot be parsed")
	}
	pc.RuntimeParams["default_transaction_read_only"] = "on"
	pc.RuntimeParams["application_name"] = "hunch"
	return newSource(stdlib.OpenDB(*pc), siem.Dollar, cfg, opts), nil
}

func newSource(db *dbsql.DB, style siem.Placeholder, cfg Config, opts []Option) *Source {
	s := &Source{db: db, style: style, timeout: DefaultTimeout}
	WithTimeout(cfg.Timeout)(s)
	for _, o := range opts {
		o(s)
	}
	return s
}

// Close closes the database.
func (s *Source) Close() error { return s.db.Close() }

// Search runs q, whose Text is SQL with no parameters other than :from and :to (see
// SearchParams).
func (s *Source) Search(ctx context.Context, q siem.Query) record.Stream {
	return s.SearchParams(ctx, q, nil)
}

// SearchParams runs q with its :name parameters bound to params. A non-zero q.Range.From or
// q.Range.To is bound as :from or :to, which the query must then use (a range the query cannot
// apply is refused, not ignored). q.Limit stops the stream after that many rows. Each row is a
// record with the columns in select order, typed as the driver reports them.
func (s *Source) SearchParams(ctx context.Context, q siem.Query, params map[string]any) record.Stream {
	return func(yield func(record.Record, error) bool) {
		if q.Language == "" {
			q.Language = siem.SQL
		}
		if err := q.Validate(); err != nil {
			yield(record.Record{}, err)
			return
		}
		if q.Language != siem.SQL {
			yield(record.Record{}, fmt.Errorf("sql source: cannot run a %s query", q.Language))
			return
		}
		all := make(map[string]any, len(params)+2)
		for k, v := range params {
			all[k] = v
		}
		for name, t := range map[string]time.Time{"from": q.Range.From, "to": q.Range.To} {
			if t.IsZero() {
				continue
			}
			if _, clash := all[name]; clash {
				yield(record.Record{}, fmt.Errorf("sql: parameter :%s is both given and set by the time range", name))
				return
			}
			all[name] = t.UTC()
		}
		text, args, err := siem.BindSQL(q.Text, all, s.style)
		if err != nil {
			if !q.Range.From.IsZero() || !q.Range.To.IsZero() {
				err = fmt.Errorf("%w (a time range is bound as :from and :to, which the query must use)", err)
			}
			yield(record.Record{}, err)
			return
		}
		qctx, cancel := context.WithTimeout(ctx, s.timeout)
		defer cancel()
		rows, err := s.db.QueryContext(qctx, text, args...)
		if err != nil {
			yield(record.Record{}, s.queryErr(ctx, qctx, err))
			return
		}
		defer rows.Close()
		cols, err := rows.Columns()
		if err != nil {
			yield(record.Record{}, fmt.Errorf("sql: %w", err))
			return
		}
		cells := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range cells {
			ptrs[i] = &cells[i]
		}
		n := 0
		for rows.Next() {
			if err := rows.Scan(ptrs...); err != nil {
				yield(record.Record{}, fmt.Errorf("sql: row %d: %w", n+1, err))
				return
			}
			fields := make([]record.Field, len(cols))
			for i, c := range cols {
				fields[i] = record.Field{Name: c, Value: Value(cells[i])}
			}
			if !yield(record.WithFields(fields), nil) {
				return
			}
			n++
			if q.Limit > 0 && n >= q.Limit {
				return
			}
		}
		if err := rows.Err(); err != nil {
			yield(record.Record{}, s.queryErr(ctx, qctx, err))
		} else if err := ctx.Err(); err != nil {
			yield(record.Record{}, err)
		}
	}
}

// queryErr tells the caller's cancellation and the query timeout apart from database errors.
func (s *Source) queryErr(ctx, qctx context.Context, err error) error {
	switch {
	case ctx.Err() != nil:
		return ctx.Err()
	case errors.Is(qctx.Err(), context.DeadlineExceeded):
		return fmt.Errorf("sql: query ran longer than its timeout of %s: %w", s.timeout, context.DeadlineExceeded)
	}
	return fmt.Errorf("sql: %w", err)
}

// Value converts one cell as database/sql scanned it into a record value: integers, floats,
// booleans and times keep their type, text and valid UTF-8 bytes become strings, other bytes a
// hex string, NULL a null.
func Value(v any) record.Value {
	switch x := v.(type) {
	case nil:
		return record.Null()
	case int64:
		return record.Int(x)
	case int32:
		return record.Int(int64(x))
	case int:
		return record.Int(int64(x))
	case float64:
		return record.Float(x)
	case float32:
		return record.Float(float64(x))
	case bool:
		return record.Bool(x)
	case time.Time:
		return record.Time(x)
	case string:
		return record.String(x)
	case []byte:
		if utf8.Valid(x) {
			return record.String(string(x))
		}
		return record.String(fmt.Sprintf("%x", x))
	}
	return record.String(fmt.Sprint(v))
}
