package sqlstore

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/hunchsec/hunch/store"
)

const runCols = `id, incident_id, playbook, source, status, state, error, version, created, updated`

func scanRun(sc Scanner) (*store.PlaybookRun, error) {
	var (
		r                store.PlaybookRun
		state            string
		created, updated int64
	)
	if err := sc.Scan(&r.ID, &r.IncidentID, &r.Playbook, &r.Source, &r.Status, &state, &r.Error, &r.Version, &created, &updated); err != nil {
		return nil, err
	}
	r.State = []byte(state)
	r.Created, r.Updated = time.Unix(0, created).UTC(), time.Unix(0, updated).UTC()
	return &r, nil
}

// CreateRun stores run with version 1 and sets its ID.
func (s *Store) CreateRun(ctx context.Context, run *store.PlaybookRun) error {
	if run.Created.IsZero() {
		run.Created = s.now().UTC()
	}
	if run.Updated.IsZero() {
		run.Updated = run.Created
	}
	if run.Source == nil {
		run.Source = []byte{}
	}
	run.Version = 1
	return s.c.Write(ctx, func(tx Querier) error {
		err := tx.QueryRow(ctx, `INSERT INTO playbook_runs (incident_id, playbook, source, status, state, error, version, created, updated)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, run.IncidentID, run.Playbook, run.Source, run.Status, string(run.State), run.Error,
			run.Version, run.Created.UnixNano(), run.Updated.UnixNano()).Scan(&run.ID)
		if err != nil {
			return fmt.Errorf("create playbook run: %w", s.c.ConstraintErr(err))
		}
		return nil
	})
}

// PlaybookRun returns run id.
func (s *Store) PlaybookRun(ctx context.Context, id int64) (*store.PlaybookRun, error) {
	return one(s, ctx, "playbook run", runCols, "playbook_runs", "id = ?", id, scanRun)
}

// ListRuns returns runs, oldest first.
func (s *Store) ListRuns(ctx context.Context, f store.RunFilter) ([]store.PlaybookRun, error) {
	r, err := s.c.Reader()
	if err != nil {
		return nil, err
	}
	var (
		where []string
		args  []any
	)
	if len(f.Status) > 0 {
		where = append(where, `status IN (?`+strings.Repeat(`, ?`, len(f.Status)-1)+`)`)
		for _, st := range f.Status {
			args = append(args, st)
		}
	}
	if f.IncidentID != 0 {
		where = append(where, `incident_id = ?`)
		args = append(args, f.IncidentID)
	}
	q := `SELECT ` + runCols + ` FROM playbook_runs`
	if len(where) > 0 {
		q += ` WHERE ` + strings.Join(where, ` AND `)
	}
	q += ` ORDER BY id`
	if f.Limit > 0 {
		q += ` LIMIT ?`
		args = append(args, f.Limit)
	}
	rows, err := r.Query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("list playbook runs: %w", err)
	}
	defer rows.Close()
	var out []store.PlaybookRun
	for rows.Next() {
		run, err := scanRun(rows)
		if err != nil {
			return nil, fmt.Errorf("list playbook runs: %w", err)
		}
		out = append(out, *run)
	}
	return out, rows.Err()
}

// UpdateRun stores run's status, state and error when its version is current, and bumps the version.
func (s *Store) UpdateRun(ctx context.Context, run *store.PlaybookRun) error {
	updated := s.now().UTC()
	err := s.c.Write(ctx, func(tx Querier) error {
		n, err := tx.Exec(ctx, `UPDATE playbook_runs SET status = ?, state = ?, error = ?, version = version + 1, updated = ?
WHERE id = ? AND version = ?`, run.Status, string(run.State), run.Error, updated.UnixNano(), run.ID, run.Version)
		if err != nil {
			return fmt.Errorf("update playbook run %d: %w", run.ID, err)
		}
		if n == 0 {
			var v int64
			if err := tx.QueryRow(ctx, `SELECT version FROM playbook_runs WHERE id = ?`, run.ID).Scan(&v); err != nil {
				return NotFound("playbook run", run.ID)
			}
			return fmt.Errorf("playbook run %d changed meanwhile (version %d, not %d): %w", run.ID, v, run.Version, store.ErrConflict)
		}
		return nil
	})
	if err == nil {
		run.Version++
		run.Updated = updated
	}
	return err
}

// LeaseRun gives owner the run until the given time unless another owner's lease is still running.
func (s *Store) LeaseRun(ctx context.Context, id int64, owner string, until, now time.Time) (bool, error) {
	var ok bool
	err := s.c.Write(ctx, func(tx Querier) error {
		var one int
		if err := tx.QueryRow(ctx, `SELECT 1 FROM playbook_runs WHERE id = ?`, id).Scan(&one); err != nil {
			if errors.Is(err, ErrNoRows) {
				return nil
			}
			return fmt.Errorf("lease playbook run %d: %w", id, err)
		}
		n, err := tx.Exec(ctx, `INSERT INTO playbook_leases (run_id, owner, until) VALUES (?, ?, ?)
ON CONFLICT (run_id) DO UPDATE SET owner = excluded.owner, until = excluded.until
WHERE playbook_leases.owner = excluded.owner OR playbook_leases.owner = '' OR playbook_leases.until < ?`,
			id, owner, until.UnixNano(), now.UnixNano())
		if err != nil {
			return fmt.Errorf("lease playbook run %d: %w", id, err)
		}
		ok = n == 1
		return nil
	})
	return ok, err
}

// ReleaseRun ends owner's lease on the run.
func (s *Store) ReleaseRun(ctx context.Context, id int64, owner string) error {
	return s.c.Write(ctx, func(tx Querier) error {
		_, err := tx.Exec(ctx, `UPDATE playbook_leases SET owner = '', until = 0 WHERE run_id = ? AND owner = ?`, id, owner)
		return err
	})
}

const evidenceCols = `id, incident_id, kind, name, sha256, size, actor, entry, created`

func scanEvidence(sc Scanner, content bool) (store.Evidence, error) {
	var (
		ev      store.Evidence
		created int64
	)
	dst := []any{&ev.ID, &ev.IncidentID, &ev.Kind, &ev.Name, &ev.SHA256, &ev.Size, &ev.Actor, &ev.Entry, &created}
	if content {
		dst = append(dst, &ev.Content)
	}
	if err := sc.Scan(dst...); err != nil {
		return ev, err
	}
	ev.Created = time.Unix(0, created).UTC()
	return ev, nil
}

// AddEvidence stores ev and sets its ID.
func (s *Store) AddEvidence(ctx context.Context, ev *store.Evidence) error {
	if ev.Created.IsZero() {
		ev.Created = s.now().UTC()
	}
	content := ev.Content
	if content == nil {
		content = []byte{}
	}
	return s.c.Write(ctx, func(tx Querier) error {
		err := tx.QueryRow(ctx, `INSERT INTO evidence (incident_id, kind, name, sha256, size, content, actor, entry, created)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, ev.IncidentID, ev.Kind, ev.Name, ev.SHA256, ev.Size, content, ev.Actor, ev.Entry,
			ev.Created.UnixNano()).Scan(&ev.ID)
		if err != nil {
			return fmt.Errorf("add evidence: %w", s.c.ConstraintErr(err))
		}
		return nil
	})
}

// ListEvidence returns an incident's evidence without content, oldest first.
func (s *Store) ListEvidence(ctx context.Context, incidentID int64) ([]store.Evidence, error) {
	r, err := s.c.Reader()
	if err != nil {
		return nil, err
	}
	rows, err := r.Query(ctx, `SELECT `+evidenceCols+` FROM evidence WHERE incident_id = ? ORDER BY id`, incidentID)
	if err != nil {
		return nil, fmt.Errorf("list evidence: %w", err)
	}
	defer rows.Close()
	var out []store.Evidence
	for rows.Next() {
		ev, err := scanEvidence(rows, false)
		if err != nil {
			return nil, fmt.Errorf("list evidence: %w", err)
		}
		out = append(out, ev)
	}
	return out, rows.Err()
}

// EvidenceContent returns evidence id with its content.
func (s *Store) EvidenceContent(ctx context.Context, id int64) (*store.Evidence, error) {
	return one(s, ctx, "evidence", evidenceCols+`, content`, "evidence", "id = ?", id, func(sc Scanner) (*store.Evidence, error) {
		ev, err := scanEvidence(sc, true)
		return &ev, err
	})
}
