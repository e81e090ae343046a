package sqlstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/hunchsec/hunch/store"
)

const incidentCols = `id, name, type, severity, status, owner, labels, created, updated, journal_count, journal_head`

func scanIncident(sc Scanner) (*store.Incident, error) {
	var (
		inc              store.Incident
		labels           string
		created, updated int64
	)
	if err := sc.Scan(&inc.ID, &inc.Name, &inc.Type, &inc.Severity, &inc.Status, &inc.Owner, &labels, &created, &updated,
		&inc.JournalCount, &inc.JournalHead); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(labels), &inc.Labels); err != nil {
		return nil, fmt.Errorf("incident %d labels: %w", inc.ID, err)
	}
	inc.Created, inc.Updated = time.Unix(0, created).UTC(), time.Unix(0, updated).UTC()
	return &inc, nil
}

func labelsJSON(l []string) string {
	if l == nil {
		l = []string{}
	}
	b, _ := json.Marshal(l)
	return string(b)
}

// CreateIncident stores inc and sets its ID.
func (s *Store) CreateIncident(ctx context.Context, inc *store.Incident) error {
	if inc.Created.IsZero() {
		inc.Created = s.now().UTC()
	}
	if inc.Updated.IsZero() {
		inc.Updated = inc.Created
	}
	return s.c.Write(ctx, func(tx Querier) error {
		err := tx.QueryRow(ctx, `INSERT INTO incidents (name, type, severity, status, owner, labels, created, updated)
VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, inc.Name, inc.Type, inc.Severity, inc.Status, inc.Owner, labelsJSON(inc.Labels),
			inc.Created.UnixNano(), inc.Updated.UnixNano()).Scan(&inc.ID)
		if err != nil {
			return fmt.Errorf("create incident: %w", s.c.ConstraintErr(err))
		}
		return nil
	})
}

// Incident returns incident id.
func (s *Store) Incident(ctx context.Context, id int64) (*store.Incident, error) {
	return one(s, ctx, "incident", incidentCols, "incidents", "id = ?", id, scanIncident)
}

// ListIncidents returns incidents, newest first.
func (s *Store) ListIncidents(ctx context.Context, f store.IncidentFilter) ([]store.Incident, error) {
	r, err := s.c.Reader()
	if err != nil {
		return nil, err
	}
	q, args := `SELECT `+incidentCols+` FROM incidents`, []any{}
	if f.Status != "" {
		q += ` WHERE status = ?`
		args = append(args, f.Status)
	}
	q += ` ORDER BY id DESC`
	if f.Limit > 0 {
		q += ` LIMIT ?`
		args = append(args, f.Limit)
	}
	rows, err := r.Query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("list incidents: %w", err)
	}
	defer rows.Close()
	var out []store.Incident
	for rows.Next() {
		inc, err := scanIncident(rows)
		if err != nil {
			return nil, fmt.Errorf("list incidents: %w", err)
		}
		out = append(out, *inc)
	}
	return out, rows.Err()
}

// UpdateIncident stores inc's fields that change.
func (s *Store) UpdateIncident(ctx context.Context, inc *store.Incident) error {
	if inc.Updated.IsZero() {
		inc.Updated = s.now().UTC()
	}
	return s.c.Write(ctx, func(tx Querier) error {
		n, err := tx.Exec(ctx, `UPDATE incidents SET name = ?, type = ?, severity = ?, status = ?, owner = ?, labels = ?,
updated = ? WHERE id = ?`, inc.Name, inc.Type, inc.Severity, inc.Status, inc.Owner, labelsJSON(inc.Labels), inc.Updated.UnixNano(), inc.ID)
		return s.affected(n, err, "incident", inc.ID)
	})
}

const journalCols = `incident_id, seq, time, kind, actor, body, prev, hash`

func scanJournal(sc Scanner) (store.JournalEntry, error) {
	var (
		e    store.JournalEntry
		t    int64
		body string
	)
	if err := sc.Scan(&e.IncidentID, &e.Seq, &t, &e.Kind, &e.Actor, &body, &e.Prev, &e.Hash); err != nil {
		return e, err
	}
	e.Time, e.Body = time.Unix(0, t).UTC(), []byte(body)
	return e, nil
}

// AppendJournal appends the entry next builds to the incident's journal, in one transaction.
func (s *Store) AppendJournal(ctx context.Context, incidentID int64, next func(last *store.JournalEntry) (store.JournalEntry, error)) (store.JournalEntry, error) {
	var out store.JournalEntry
	err := s.c.Write(ctx, func(tx Querier) error {
		// Touching the incident's row first locks it (PostgreSQL), so appends to one journal queue up.
		n, err := tx.Exec(ctx, `UPDATE incidents SET journal_count = journal_count WHERE id = ?`, incidentID)
		if err := s.affected(n, err, "incident", incidentID); err != nil {
			return err
		}
		var last *store.JournalEntry
		e, err := scanJournal(tx.QueryRow(ctx, `SELECT `+journalCols+` FROM journal WHERE incident_id = ? ORDER BY id DESC LIMIT 1`, incidentID))
		switch {
		case err == nil:
			last = &e
		case !errors.Is(err, ErrNoRows):
			return err
		}
		if out, err = next(last); err != nil {
			return err
		}
		out.IncidentID = incidentID
		if _, err := tx.Exec(ctx, `INSERT INTO journal (`+journalCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, incidentID, out.Seq,
			out.Time.UnixNano(), out.Kind, out.Actor, string(out.Body), out.Prev, out.Hash); err != nil {
			return fmt.Errorf("append journal entry: %w", err)
		}
		_, err = tx.Exec(ctx, `UPDATE incidents SET journal_count = journal_count + 1, journal_head = ? WHERE id = ?`, out.Hash, incidentID)
		return err
	})
	return out, err
}

// Journal returns the incident's entries in the order they were written.
func (s *Store) Journal(ctx context.Context, incidentID int64) ([]store.JournalEntry, error) {
	if _, err := s.Incident(ctx, incidentID); err != nil {
		return nil, err
	}
	r, err := s.c.Reader()
	if err != nil {
		return nil, err
	}
	rows, err := r.Query(ctx, `SELECT `+journalCols+` FROM journal WHERE incident_id = ? ORDER BY id`, incidentID)
	if err != nil {
		return nil, fmt.Errorf("read journal: %w", err)
	}
	defer rows.Close()
	var out []store.JournalEntry
	for rows.Next() {
		e, err := scanJournal(rows)
		if err != nil {
			return nil, fmt.Errorf("read journal: %w", err)
		}
		out = append(out, e)
	}
	return out, rows.Err()
}
