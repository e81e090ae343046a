package postgres

import (
	"context"
	"errors"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/hunchsec/hunch/store/internal/sqlstore"
)

// querier runs the shared store's statements on a pgx transaction or pool, numbering their placeholders.
type querier struct {
	q interface {
		Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
		QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
		Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	}
}

func (q querier) Exec(ctx context.Context, query string, args ...any) (int64, error) {
	tag, err := q.q.Exec(ctx, sqlstore.Rebind(query), args...)
	if err != nil {
		return 0, err
	}
	return tag.RowsAffected(), nil
}

func (q querier) QueryRow(ctx context.Context, query string, args ...any) sqlstore.Scanner {
	return row{q.q.QueryRow(ctx, sqlstore.Rebind(query), args...)}
}

func (q querier) Query(ctx context.Context, query string, args ...any) (sqlstore.Rows, error) {
	r, err := q.q.Query(ctx, sqlstore.Rebind(query), args...)
	if err != nil {
		return nil, err
	}
	return rows{r}, nil
}

// row is a pgx.Row whose missing row is sqlstore.ErrNoRows.
type row struct{ r pgx.Row }

func (r row) Scan(dest ...any) error {
	err := r.r.Scan(dest...)
	if errors.Is(err, pgx.ErrNoRows) {
		return sqlstore.ErrNoRows
	}
	return err
}

// rows adapts pgx.Rows, whose Close reports nothing, to sqlstore.Rows.
type rows struct{ pgx.Rows }

func (r rows) Close() error {
	r.Rows.Close()
	return nil
}

// conn is the shared store's view of a DB.
type conn struct{ db *DB }

func (c conn) Write(ctx context.Context, fn func(tx sqlstore.Querier) error) error {
	return c.db.write(ctx, func(tx pgx.Tx) error { return fn(querier{tx}) })
}

func (c conn) Reader() (sqlstore.Querier, error) {
	r, err := c.db.reader()
	if err != nil {
		return nil, err
	}
	return querier{r}, nil
}

func (c conn) ConstraintErr(err error) error { return constraintErr(err) }

// closeRows closes rows and returns the error that ended them, if any.
func closeRows(rows pgx.Rows) error {
	rows.Close()
	return rows.Err()
}
