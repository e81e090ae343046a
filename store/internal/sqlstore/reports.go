package sqlstore

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/hunchsec/hunch/misp"
	"github.com/hunchsec/hunch/store"
)

// AddEventReport stores r in event eventID.
func (s *Store) AddEventReport(ctx context.Context, eventID int64, r *misp.EventReport) error {
	err := s.c.Write(ctx, func(tx Querier) error {
		var one int
		if err := tx.QueryRow(ctx, `SELECT 1 FROM events WHERE id = ?`, eventID).Scan(&one); err != nil {
			if errors.Is(err, ErrNoRows) {
				return NotFound("event", eventID)
			}
			return err
		}
		return s.InsertReport(ctx, tx, eventID, r)
	})
	if err != nil {
		return fmt.Errorf("add event report: %w", err)
	}
	return nil
}

// InsertReport stores r in event eventID (a new uuid when empty, the current time when unset) and sets its ids.
func (s *Store) InsertReport(ctx context.Context, tx Querier, eventID int64, r *misp.EventReport) error {
	r.UUID = UUIDOr(r.UUID)
	Stamp(&r.Timestamp, s.now)
	var id int64
	err := tx.QueryRow(ctx, `INSERT INTO event_reports (uuid, event_id, name, content, distribution,
sharing_group_id, timestamp, deleted) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		r.UUID, eventID, r.Name, r.Content, DistArg(r.Distribution), int64(r.SharingGroupID), int64(r.Timestamp),
		B2I(bool(r.Deleted))).Scan(&id)
	if err != nil {
		return fmt.Errorf("event report %s: %w", r.UUID, s.c.ConstraintErr(err))
	}
	r.ID, r.EventID = misp.FlexInt(id), misp.FlexInt(eventID)
	return nil
}

func (s *Store) reportWhere(ctx context.Context, where string, key any) (*misp.EventReport, error) {
	return one(s, ctx, "event report", ReportCols, "event_reports", where, key, ScanReport)
}

// EventReport returns report id.
func (s *Store) EventReport(ctx context.Context, id int64) (*misp.EventReport, error) {
	return s.reportWhere(ctx, "id = ?", id)
}

// EventReportByUUID returns the report with uuid.
func (s *Store) EventReportByUUID(ctx context.Context, uuid string) (*misp.EventReport, error) {
	return s.reportWhere(ctx, "uuid = ?", strings.ToLower(uuid))
}

// EditEventReport replaces the fields of report r.ID (or r.UUID) under the timestamp rule.
func (s *Store) EditEventReport(ctx context.Context, r *misp.EventReport) error {
	err := s.c.Write(ctx, func(tx Querier) error {
		where, key := "id = ?", any(int64(r.ID))
		if r.ID == 0 {
			where, key = "uuid = ?", strings.ToLower(r.UUID)
		}
		var id, ev, ts int64
		err := tx.QueryRow(ctx, `SELECT id, event_id, timestamp FROM event_reports WHERE `+where, key).Scan(&id, &ev, &ts)
		if errors.Is(err, ErrNoRows) {
			return NotFound("event report", key)
		}
		if err != nil {
			return err
		}
		if r.Timestamp != 0 && !misp.IsNewer(r.Timestamp, misp.Timestamp(ts)) {
			return &store.NotNewerError{What: "Event report", Incoming: r.Timestamp, Stored: misp.Timestamp(ts)}
		}
		r.Timestamp = 0
		Stamp(&r.Timestamp, s.now)
		r.ID, r.EventID = misp.FlexInt(id), misp.FlexInt(ev)
		_, err = tx.Exec(ctx, `UPDATE event_reports SET name = ?, content = ?, distribution = ?,
sharing_group_id = ?, timestamp = ?, deleted = ? WHERE id = ?`, r.Name, r.Content, DistArg(r.Distribution),
			int64(r.SharingGroupID), int64(r.Timestamp), B2I(bool(r.Deleted)), id)
		return err
	})
	if err != nil {
		return fmt.Errorf("edit event report: %w", err)
	}
	return nil
}

// DeleteEventReport deletes report id, soft or hard.
func (s *Store) DeleteEventReport(ctx context.Context, id int64, hard bool, at time.Time) error {
	err := s.c.Write(ctx, func(tx Querier) error {
		if hard {
			n, err := tx.Exec(ctx, `DELETE FROM event_reports WHERE id = ?`, id)
			return s.affected(n, err, "event report", id)
		}
		n, err := tx.Exec(ctx, `UPDATE event_reports SET deleted = 1, timestamp = ? WHERE id = ?`, at.Unix(), id)
		return s.affected(n, err, "event report", id)
	})
	if err != nil {
		return fmt.Errorf("delete event report: %w", err)
	}
	return nil
}

// ListEventReports returns the reports of event eventID.
func (s *Store) ListEventReports(ctx context.Context, eventID int64) ([]misp.EventReport, error) {
	rd, err := s.c.Reader()
	if err != nil {
		return nil, err
	}
	rows, err := rd.Query(ctx, `SELECT `+ReportCols+` FROM event_reports WHERE event_id = ? ORDER BY id`, eventID)
	if err != nil {
		return nil, fmt.Errorf("list event reports: %w", err)
	}
	defer rows.Close()
	var out []misp.EventReport
	for rows.Next() {
		r, err := ScanReport(rows)
		if err != nil {
			return nil, fmt.Errorf("list event reports: %w", err)
		}
		out = append(out, *r)
	}
	return out, rows.Err()
}
