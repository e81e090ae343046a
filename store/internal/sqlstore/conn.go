package sqlstore

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/hunchsec/hunch/misp"
	"github.com/hunchsec/hunch/store"
)

// ErrNoRows is what a Row's Scan returns when the query selected nothing, whichever driver ran it.
var ErrNoRows = errors.New("no rows in result set")

// Querier runs statements: a transaction or a pool. Statements are written with '?' placeholders; a backend
// whose driver numbers them ($1, $2, …) rewrites them with Rebind.
type Querier interface {
	// Exec runs a statement and returns how many rows it changed.
	Exec(ctx context.Context, query string, args ...any) (int64, error)
	// QueryRow runs a query for one row; its Scan returns ErrNoRows when there is none.
	QueryRow(ctx context.Context, query string, args ...any) Scanner
	// Query runs a query for many rows.
	Query(ctx context.Context, query string, args ...any) (Rows, error)
}

// Rows is the cursor of a query.
type Rows interface {
	Next() bool
	Scan(dest ...any) error
	Err() error
	Close() error
}

// Conn is what a backend gives the shared store: transactions, a reader, and its driver's errors in the store's
// terms.
type Conn interface {
	// Write runs fn in one write transaction and commits it when fn returns nil.
	Write(ctx context.Context, fn func(tx Querier) error) error
	// Reader returns what reads outside a transaction run on, or store.ErrClosed.
	Reader() (Querier, error)
	// ConstraintErr maps a constraint failure to the store's sentinels: a unique violation wraps
	// store.ErrConflict, a foreign key violation store.ErrNotFound; other errors are returned as they are.
	ConstraintErr(err error) error
}

// Store is the part of store.Intel written once in SQL both backends speak: organisations, users, API keys,
// sharing groups, settings and event reports. Backends embed it.
type Store struct {
	c   Conn
	now func() time.Time
}

// New returns the shared store over c, stamping unset times with now.
func New(c Conn, now func() time.Time) *Store {
	if now == nil {
		now = time.Now
	}
	return &Store{c: c, now: now}
}

// NotFound wraps store.ErrNotFound for the row what.
func NotFound(what string, key any) error {
	return fmt.Errorf("%s %v: %w", what, key, store.ErrNotFound)
}

// affected returns NotFound when n rows changed is zero, and err (mapped by c) when there is one.
func (s *Store) affected(n int64, err error, what string, key any) error {
	if err != nil {
		return s.c.ConstraintErr(err)
	}
	if n == 0 {
		return NotFound(what, key)
	}
	return nil
}

// UUIDOr returns u in lower case, or a new uuid when u is empty.
func UUIDOr(u string) string {
	if u == "" {
		return misp.NewUUID()
	}
	return strings.ToLower(u)
}

// Rebind rewrites the '?' placeholders of query as $1, $2, … (PostgreSQL's), leaving quoted text alone.
func Rebind(query string) string {
	if !strings.Contains(query, "?") {
		return query
	}
	var b strings.Builder
	b.Grow(len(query) + 16)
	n, quote := 0, byte(0)
	for i := 0; i < len(query); i++ {
		c := query[i]
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '\'' || c == '"':
			quote = c
		case c == '?':
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}
