package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/hunchsec/hunch/store"
	"github.com/hunchsec/hunch/store/internal/sqlstore"
)

var _ store.Intel = (*DB)(nil)

// PostgreSQL's SQLSTATEs for constraint failures (Appendix A of its manual).
const (
	pgUniqueViolation     = "23505"
	pgForeignKeyViolation = "23503"
)

// constraintErr maps a constraint failure to the store's sentinels: a unique violation to store.ErrConflict, a
// foreign key violation to store.ErrNotFound (a reference to a row that does not exist).
func constraintErr(err error) error {
	var pe *pgconn.PgError
	if !errors.As(err, &pe) {
		return err
	}
	switch pe.Code {
	case pgUniqueViolation:
		return fmt.Errorf("%w: %w", store.ErrConflict, err)
	case pgForeignKeyViolation:
		return fmt.Errorf("%w: %w", store.ErrNotFound, err)
	}
	return err
}

// write runs fn in one transaction and commits it when fn returns nil. Writers run concurrently, each on its
// own connection, under read committed: unique constraints settle races between them.
func (db *DB) write(ctx context.Context, fn func(tx pgx.Tx) error) error {
	if err := db.check(); err != nil {
		return err
	}
	tx, err := db.pool.Begin(ctx)
	if err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		return errors.Join(err, ignoreDone(tx.Rollback(context.WithoutCancel(ctx))))
	}
	return tx.Commit(ctx)
}

func ignoreDone(err error) error {
	if errors.Is(err, pgx.ErrTxClosed) {
		return nil
	}
	return err
}

// reader returns the pool, or store.ErrClosed.
func (db *DB) reader() (*pgxpool.Pool, error) {
	if err := db.check(); err != nil {
		return nil, err
	}
	return db.pool, nil
}

// affected returns notFound when tag changed no row.
func affected(tag pgconn.CommandTag, err error, what string, key any) error {
	if err != nil {
		return constraintErr(err)
	}
	if tag.RowsAffected() == 0 {
		return sqlstore.NotFound(what, key)
	}
	return nil
}
