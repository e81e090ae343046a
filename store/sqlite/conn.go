package sqlite

import (
	"context"
	"database/sql"
	"errors"

	"github.com/hunchsec/hunch/store/internal/sqlstore"
)

// querier runs the shared store's statements on a transaction or a pool of database/sql.
type querier struct {
	q interface {
		ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
		QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
		QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	}
}

func (q querier) Exec(ctx context.Context, query string, args ...any) (int64, error) {
	res, err := q.q.ExecContext(ctx, query, args...)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

func (q querier) QueryRow(ctx context.Context, query string, args ...any) sqlstore.Scanner {
	return row{q.q.QueryRowContext(ctx, query, args...)}
}

func (q querier) Query(ctx context.Context, query string, args ...any) (sqlstore.Rows, error) {
	return q.q.QueryContext(ctx, query, args...)
}

// row is a *sql.Row whose missing row is sqlstore.ErrNoRows.
type row struct{ r *sql.Row }

func (r row) Scan(dest ...any) error {
	err := r.r.Scan(dest...)
	if errors.Is(err, sql.ErrNoRows) {
		return sqlstore.ErrNoRows
	}
	return err
}

// conn is the shared store's view of a DB.
type conn struct{ db *DB }

func (c conn) Write(ctx context.Context, fn func(tx sqlstore.Querier) error) error {
	return c.db.write(ctx, func(tx *sql.Tx) error { return fn(querier{tx}) })
}

func (c conn) Reader() (sqlstore.Querier, error) {
	r, err := c.db.reader()
	if err != nil {
		return nil, err
	}
	return querier{r}, nil
}

func (c conn) ConstraintErr(err error) error { return constraintErr(err) }
