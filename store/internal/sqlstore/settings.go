package sqlstore

import (
	"context"
	"errors"
	"fmt"
	"strings"
)

// Setting returns the value stored under name.
func (s *Store) Setting(ctx context.Context, name string) (string, error) {
	r, err := s.c.Reader()
	if err != nil {
		return "", err
	}
	var v string
	err = r.QueryRow(ctx, `SELECT value FROM settings WHERE name = ?`, name).Scan(&v)
	if errors.Is(err, ErrNoRows) {
		return "", NotFound("setting", name)
	}
	if err != nil {
		return "", fmt.Errorf("read setting %s: %w", name, err)
	}
	return v, nil
}

// PutSetting stores value under name.
func (s *Store) PutSetting(ctx context.Context, name, value string) error {
	return s.c.Write(ctx, func(tx Querier) error {
		_, err := tx.Exec(ctx, `INSERT INTO settings (name, value) VALUES (?, ?)
			ON CONFLICT (name) DO UPDATE SET value = excluded.value`, name, value)
		if err != nil {
			return fmt.Errorf("store setting %s: %w", name, err)
		}
		return nil
	})
}

// DeleteSetting removes name.
func (s *Store) DeleteSetting(ctx context.Context, name string) error {
	return s.c.Write(ctx, func(tx Querier) error {
		n, err := tx.Exec(ctx, `DELETE FROM settings WHERE name = ?`, name)
		return s.affected(n, err, "setting", name)
	})
}

// ListSettings returns the settings whose names start with prefix.
func (s *Store) ListSettings(ctx context.Context, prefix string) (map[string]string, error) {
	r, err := s.c.Reader()
	if err != nil {
		return nil, err
	}
	rows, err := r.Query(ctx, `SELECT name, value FROM settings WHERE substr(name, 1, ?) = ? ORDER BY name`,
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
		if strings.HasPrefix(n, prefix) {
			out[n] = v
		}
	}
	return out, rows.Err()
}
