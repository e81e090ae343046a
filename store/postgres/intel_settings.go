package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// Setting returns the value stored under name.
func (db *DB) Setting(ctx context.Context, name string) (string, error) {
	r, err := db.reader()
	if err != nil {
		return "", err
	}
	var v string
	err = r.QueryRow(ctx, `SELECT value FROM settings WHERE name = $1`, name).Scan(&v)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", notFound("setting", name)
	}
	if err != nil {
		return "", fmt.Errorf("read setting %s: %w", name, err)
	}
	return v, nil
}

// PutSetting stores value under name.
func (db *DB) PutSetting(ctx context.Context, name, value string) error {
	return db.write(ctx, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO settings (name, value) VALUES ($1, $2)
			ON CONFLICT (name) DO UPDATE SET value = excluded.value`, name, value)
		if err != nil {
			return fmt.Errorf("store setting %s: %w", name, err)
		}
		return nil
	})
}

// DeleteSetting removes name.
func (db *DB) DeleteSetting(ctx context.Context, name string) error {
	return db.write(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `DELETE FROM settings WHERE name = $1`, name)
		return affected(tag, err, "setting", name)
	})
}

// ListSettings returns the settings whose names start with prefix.
func (db *DB) ListSettings(ctx context.Context, prefix string) (map[string]string, error) {
	r, err := db.reader()
	if err != nil {
		return nil, err
	}
	rows, err := r.Query(ctx, `SELECT name, value FROM settings WHERE left(name, $1) = $2 ORDER BY name`,
		len([]rune(prefix)), prefix)
	if err != nil {
		return nil, fmt.Errorf("list settings: %w", err)
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var n, v string
		if err := rows.Scan(&n, &v); err != nil {
			return nil, fmt.Errorf("list settings: %w", err)
		}
		out[n] = v
	}
	return out, rows.Err()
}
