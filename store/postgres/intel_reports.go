package postgres

import (
	"context"

	"github.com/hunchsec/hunch/store/internal/sqlrow"

	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/hunchsec/hunch/misp"
	"github.com/hunchsec/hunch/store"
)

// AddEventReport stores r in event eventID.
func (db *DB) AddEventReport(ctx context.Context, eventID int64, r *misp.EventReport) error {
	err := db.write(ctx, func(tx pgx.Tx) error {
		var one int
		if err := tx.QueryRow(ctx, `SELECT 1 FROM events WHERE id = $1`, eventID).Scan(&one); err != nil {
			if errors.Is(err, pgx.ErrNoRows) {
				return notFound("event", eventID)
			}
			return err
		}
		s := &saver{ctx: ctx, tx: tx, eventID: eventID, now: db.now}
		return s.report(r)
	})
	if err != nil {
		return fmt.Errorf("add event report: %w", err)
	}
	return nil
}

func (db *DB) reportWhere(ctx context.Context, where string, key any) (*misp.EventReport, error) {
	rd, err := db.reader()
	if err != nil {
		return nil, err
	}
	r, err := sqlrow.ScanReport(rd.QueryRow(ctx, `SELECT `+sqlrow.ReportCols+` FROM event_reports WHERE `+where, key))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, notFound("event report", key)
	}
	if err != nil {
		return nil, fmt.Errorf("read event report %v: %w", key, err)
	}
	return r, nil
}

// EventReport returns report id.
func (db *DB) EventReport(ctx context.Context, id int64) (*misp.EventReport, error) {
	return db.reportWhere(ctx, "id = $1", id)
}

// EventReportByUUID returns the report with uuid.
func (db *DB) EventReportByUUID(ctx context.Context, uuid string) (*misp.EventReport, error) {
	return db.reportWhere(ctx, "uuid = $1", strings.ToLower(uuid))
}

// EditEventReport replaces the fields of report r.ID (or r.UUID) under the timestamp rule.
func (db *DB) EditEventReport(ctx context.Context, r *misp.EventReport) error {
	err := db.write(ctx, func(tx pgx.Tx) error {
		where, key := "id = $1", any(int64(r.ID))
		if r.ID == 0 {
			where, key = "uuid = $1", strings.ToLower(r.UUID)
		}
		var id, ev, ts int64
		err := tx.QueryRow(ctx, `SELECT id, event_id, timestamp FROM event_reports WHERE `+where, key).Scan(&id, &ev, &ts)
		if errors.Is(err, pgx.ErrNoRows) {
			return notFound("event report", key)
		}
		if err != nil {
			return err
		}
		if r.Timestamp != 0 && !misp.IsNewer(r.Timestamp, misp.Timestamp(ts)) {
			return &store.NotNewerError{What: "Event report", Incoming: r.Timestamp, Stored: misp.Timestamp(ts)}
		}
		r.Timestamp = 0
		sqlrow.Stamp(&r.Timestamp, db.now)
		r.ID, r.EventID = misp.FlexInt(id), misp.FlexInt(ev)
		_, err = tx.Exec(ctx, `UPDATE event_reports SET name = $1, content = $2, distribution = $3,
sharing_group_id = $4, timestamp = $5, deleted = $6 WHERE id = $7`, r.Name, r.Content, sqlrow.DistArg(r.Distribution),
			int64(r.SharingGroupID), int64(r.Timestamp), sqlrow.B2I(bool(r.Deleted)), id)
		return err
	})
	if err != nil {
		return fmt.Errorf("edit event report: %w", err)
	}
	return nil
}

// DeleteEventReport deletes report id, soft or hard.
func (db *DB) DeleteEventReport(ctx context.Context, id int64, hard bool, at time.Time) error {
	err := db.write(ctx, func(tx pgx.Tx) error {
		if hard {
			res, err := tx.Exec(ctx, `DELETE FROM event_reports WHERE id = $1`, id)
			return affected(res, err, "event report", id)
		}
		res, err := tx.Exec(ctx, `UPDATE event_reports SET deleted = 1, timestamp = $1 WHERE id = $2`, at.Unix(), id)
		return affected(res, err, "event report", id)
	})
	if err != nil {
		return fmt.Errorf("delete event report: %w", err)
	}
	return nil
}

// ListEventReports returns the reports of event eventID.
func (db *DB) ListEventReports(ctx context.Context, eventID int64) ([]misp.EventReport, error) {
	rd, err := db.reader()
	if err != nil {
		return nil, err
	}
	rows, err := rd.Query(ctx, `SELECT `+sqlrow.ReportCols+` FROM event_reports WHERE event_id = $1 ORDER BY id`, eventID)
	if err != nil {
		return nil, fmt.Errorf("list event reports: %w", err)
	}
	defer rows.Close()
	var out []misp.EventReport
	for rows.Next() {
		r, err := sqlrow.ScanReport(rows)
		if err != nil {
			return nil, fmt.Errorf("list event reports: %w", err)
		}
		out = append(out, *r)
	}
	return out, rows.Err()
}
