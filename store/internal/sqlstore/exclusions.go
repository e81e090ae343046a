package sqlstore

import (
	"context"
	"fmt"

	"github.com/hunchsec/hunch/misp"
)

const exclusionCols = `id, value, comment, from_json`

func scanExclusion(sc Scanner) (*misp.CorrelationExclusion, error) {
	var (
		x        misp.CorrelationExclusion
		id, json int64
	)
	if err := sc.Scan(&id, &x.Value, &x.Comment, &json); err != nil {
		return nil, err
	}
	x.ID, x.FromJSON = misp.FlexInt(id), json != 0
	return &x, nil
}

// AddCorrelationExclusion stores x and sets its id.
func (s *Store) AddCorrelationExclusion(ctx context.Context, x *misp.CorrelationExclusion) error {
	if x.Value == "" {
		return fmt.Errorf("add correlation exclusion: empty value")
	}
	return s.c.Write(ctx, func(tx Querier) error {
		var id int64
		err := tx.QueryRow(ctx, `INSERT INTO correlation_exclusions (value, comment, from_json) VALUES (?, ?, ?)
RETURNING id`, x.Value, x.Comment, B2I(bool(x.FromJSON))).Scan(&id)
		if err != nil {
			return fmt.Errorf("add correlation exclusion %q: %w", x.Value, s.c.ConstraintErr(err))
		}
		x.ID = misp.FlexInt(id)
		return nil
	})
}

// CorrelationExclusion returns exclusion id.
func (s *Store) CorrelationExclusion(ctx context.Context, id int64) (*misp.CorrelationExclusion, error) {
	return one(s, ctx, "correlation exclusion", exclusionCols, "correlation_exclusions", "id = ?", id, scanExclusion)
}

// ListCorrelationExclusions returns every exclusion, by id.
func (s *Store) ListCorrelationExclusions(ctx context.Context) ([]misp.CorrelationExclusion, error) {
	r, err := s.c.Reader()
	if err != nil {
		return nil, err
	}
	rows, err := r.Query(ctx, `SELECT `+exclusionCols+` FROM correlation_exclusions ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("list correlation exclusions: %w", err)
	}
	defer rows.Close()
	out := []misp.CorrelationExclusion{}
	for rows.Next() {
		x, err := scanExclusion(rows)
		if err != nil {
			return nil, fmt.Errorf("list correlation exclusions: %w", err)
		}
		out = append(out, *x)
	}
	return out, rows.Err()
}

// DeleteCorrelationExclusion removes exclusion id.
func (s *Store) DeleteCorrelationExclusion(ctx context.Context, id int64) error {
	return s.c.Write(ctx, func(tx Querier) error {
		n, err := tx.Exec(ctx, `DELETE FROM correlation_exclusions WHERE id = ?`, id)
		return s.affected(n, err, "correlation exclusion", id)
	})
}
