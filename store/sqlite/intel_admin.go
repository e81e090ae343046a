package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	msqlite "modernc.org/sqlite"

	"github.com/hunchsec/hunch/store"
	"github.com/hunchsec/hunch/store/internal/sqlstore"
)

var _ store.Intel = (*DB)(nil)

// SQLite's extended result codes for constraint failures (sqlite3.h).
const (
	sqliteConstraintForeignKey = 787
	sqliteConstraintPrimaryKey = 1555
	sqliteConstraintUnique     = 2067
)

// constraintErr maps a constraint failure to the store's sentinels: a unique or primary key violation to
// store.ErrConflict, a foreign key violation to store.ErrNotFound (a reference to a row that does not exist).
func constraintErr(err error) error {
	var se *msqlite.Error
	if !errors.As(err, &se) {
		return err
	}
	switch se.Code() {
	case sqliteConstraintUnique, sqliteConstraintPrimaryKey:
		return fmt.Errorf("%w: %w", store.ErrConflict, err)
	case sqliteConstraintForeignKey:
		return fmt.Errorf("%w: %w", store.ErrNotFound, err)
	}
	return err
}

// write runs fn in one write transaction (BEGIN IMMEDIATE on the single writer connection) and commits it
// when fn returns nil.
func (db *DB) write(ctx context.Context, fn func(tx *sql.Tx) error) error {
	if db.closed.Load() {
		return store.ErrClosed
	}
	tx, err := db.w.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		return errors.Join(err, ignoreDone(tx.Rollback()))
	}
	return tx.Commit()
}

func ignoreDone(err error) error {
	if errors.Is(err, sql.ErrTxDone) {
		return nil
	}
	return err
}

// reader returns the read pool, or store.ErrClosed.
func (db *DB) reader() (*sql.DB, error) {
	if db.closed.Load() {
		return nil, store.ErrClosed
	}
	return db.r, nil
}

// affected returns notFound when res changed no row.
func affected(res sql.Result, err error, what string, key any) error {
	if err != nil {
		return constraintErr(err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n == 0 {
		return sqlstore.NotFound(what, key)
	}
	return nil
}
