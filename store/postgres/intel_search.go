package postgres

import (
	"context"
	"database/sql"
	"encoding/json"

	"github.com/hunchsec/hunch/store/internal/sqlstore"

	"fmt"
	"iter"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/hunchsec/hunch/misp"
	"github.com/hunchsec/hunch/store"
)

// dialect is PostgreSQL's SQL for the shared search builder.
var dialect = sqlstore.Dialect{
	Placeholder:  func(n int) string { return "$" + strconv.Itoa(n) },
	Like:         "ILIKE",
	BoolArgs:     true,
	LowerUUIDArg: func(arg string) string { return "lower(" + arg + ")" },
	ExactValue: func(q *sqlstore.Query, a, v string) string {
		c := "(" + a + ".value1 = " + q.Arg(v) + " OR (" + a + ".value2 <> '' AND " + a + ".value2 = " + q.Arg(v) + ")"
		if v1, v2, ok := strings.Cut(v, "|"); ok {
			c += " OR (" + a + ".value1 = " + q.Arg(v1) + " AND " + a + ".value2 = " + q.Arg(v2) + ")"
		}
		return c + ")"
	},
}

// fetchBatch is how many rows a search cursor hands over at a time.
const fetchBatch = 256

// SearchAttributes streams the attributes f selects, by id. The query runs as a cursor in a read-only
// transaction, read fetchBatch rows at a time: the server plans it for a fast first row, and breaking out of the
// loop closes the cursor instead of reading (as a plain query's Close must) every remaining row off the wire.
func (db *DB) SearchAttributes(ctx context.Context, f store.AttributeFilter) iter.Seq2[*misp.Attribute, error] {
	return func(yield func(*misp.Attribute, error) bool) {
		r, err := db.reader()
		if err != nil {
			yield(nil, err)
			return
		}
		q := sqlstore.AttributeQuery(&dialect, f)
		// The attributes' own tags are read a batch at a time (attributeTags), not by a subquery per row.
		cols := sqlstore.AttrCols + ", NULL, e.uuid"
		if f.IncludeEventTags {
			cols += ", " + eventTagsSQL
		} else {
			cols += ", NULL"
		}
		text := "SELECT " + cols + sqlstore.AttrFrom + "\nWHERE " + q.Clause() + "\nORDER BY a.id" + q.Page(f.Limit, f.Page)
		tx, err := r.BeginTx(ctx, pgx.TxOptions{AccessMode: pgx.ReadOnly})
		if err != nil {
			yield(nil, fmt.Errorf("search attributes: %w", err))
			return
		}
		defer tx.Rollback(context.WithoutCancel(ctx))
		if _, err := tx.Exec(ctx, "DECLARE attribute_search NO SCROLL CURSOR FOR "+text, q.Args...); err != nil {
			yield(nil, fmt.Errorf("search attributes: %w", err))
			return
		}
		for {
			batch, err := fetchAttributes(ctx, tx, f.IncludeEventUUID)
			if err != nil {
				yield(nil, fmt.Errorf("search attributes: %w", err))
				return
			}
			for _, a := range batch {
				if !yield(a, nil) {
					return
				}
			}
			if len(batch) < fetchBatch {
				return
			}
		}
	}
}

// fetchAttributes reads the next batch of rows from the attribute_search cursor, then the batch's own tags in one
// query, each attribute's tags before its event's.
func fetchAttributes(ctx context.Context, tx pgx.Tx, withEventUUID bool) ([]*misp.Attribute, error) {
	rows, err := tx.Query(ctx, "FETCH "+strconv.Itoa(fetchBatch)+" FROM attribute_search")
	if err != nil {
		return nil, err
	}
	batch := make([]*misp.Attribute, 0, fetchBatch)
	evTags := make([][]misp.Tag, 0, fetchBatch)
	for rows.Next() {
		var (
			tags, evt sql.NullString
			evUUID    string
		)
		a, err := sqlstore.ScanAttribute(rows, &tags, &evUUID, &evt)
		var et []misp.Tag
		if err == nil {
			et, err = sqlstore.DecodeTags(evt)
		}
		if err != nil {
			rows.Close()
			return nil, err
		}
		if withEventUUID {
			a.EventUUID = evUUID
		}
		batch = append(batch, a)
		evTags = append(evTags, et)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if err := attributeTags(ctx, tx, batch); err != nil {
		return nil, err
	}
	for i, a := range batch {
		a.Tag = append(a.Tag, evTags[i]...)
	}
	return batch, nil
}

// attributeTags gives each attribute of batch its own tags, in the order they were attached.
func attributeTags(ctx context.Context, tx pgx.Tx, batch []*misp.Attribute) error {
	if len(batch) == 0 {
		return nil
	}
	ids := make([]int64, len(batch))
	index := make(map[int64]*misp.Attribute, len(batch))
	for i, a := range batch {
		ids[i] = int64(a.ID)
		index[int64(a.ID)] = a
	}
	rows, err := tx.Query(ctx, `SELECT j.attribute_id, `+tagJSON+`::text FROM attribute_tags j JOIN tags t ON t.id = j.tag_id
WHERE j.attribute_id = ANY($1) ORDER BY j.attribute_id, j.id`, ids)
	if err != nil {
		return fmt.Errorf("tags: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var (
			id  int64
			raw []byte
		)
		if err := rows.Scan(&id, &raw); err != nil {
			return fmt.Errorf("tags: %w", err)
		}
		var t misp.Tag
		if err := json.Unmarshal(raw, &t); err != nil {
			return fmt.Errorf("decode tag: %w", err)
		}
		if a := index[id]; a != nil {
			a.Tag = append(a.Tag, t)
		}
	}
	return rows.Err()
}

// CountAttributes counts the attributes f selects, ignoring paging.
func (db *DB) CountAttributes(ctx context.Context, f store.AttributeFilter) (int64, error) {
	r, err := db.reader()
	if err != nil {
		return 0, err
	}
	q := sqlstore.AttributeQuery(&dialect, f)
	var n int64
	if err := r.QueryRow(ctx, "SELECT count(*)"+sqlstore.AttrFrom+"\nWHERE "+q.Clause(), q.Args...).Scan(&n); err != nil {
		return 0, fmt.Errorf("count attributes: %w", err)
	}
	return n, nil
}

// searchBatch is how many events SearchEvents reads at a time.
const searchBatch = 64

// SearchEvents streams the events f selects, by id. The matching ids are read first (8 bytes an event); the
// events are then read and filled in batches, so that no connection is held while another is needed to fill an
// event in, and a pool of one connection serves a search.
func (db *DB) SearchEvents(ctx context.Context, f store.EventFilter) iter.Seq2[*misp.Event, error] {
	return func(yield func(*misp.Event, error) bool) {
		r, err := db.reader()
		if err != nil {
			yield(nil, err)
			return
		}
		q := sqlstore.EventQuery(&dialect, f)
		rows, err := r.Query(ctx, "SELECT e.id FROM events e\nWHERE "+q.Clause()+"\nORDER BY e.id"+q.Page(f.Limit, f.Page), q.Args...)
		if err != nil {
			yield(nil, fmt.Errorf("search events: %w", err))
			return
		}
		ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
		if err != nil {
			yield(nil, fmt.Errorf("search events: %w", err))
			return
		}
		cond := f.Conditions
		opts := sqlstore.LoadOpts{Cond: &cond, Deleted: f.Deleted, Metadata: f.Metadata}
		for len(ids) > 0 {
			batch := ids[:min(searchBatch, len(ids))]
			ids = ids[len(batch):]
			events, err := db.eventsByID(ctx, r, batch)
			if err != nil {
				yield(nil, fmt.Errorf("search events: %w", err))
				return
			}
			for _, ev := range events {
				if err := db.fillEvent(ctx, r, ev.e, ev.tags, opts); err != nil {
					yield(nil, fmt.Errorf("search events: %w", err))
					return
				}
				if !yield(ev.e, nil) {
					return
				}
			}
		}
	}
}

type eventRow struct {
	e    *misp.Event
	tags sql.NullString
}

// eventsByID reads the event rows of ids, by id; events deleted since the ids were read are left out.
func (db *DB) eventsByID(ctx context.Context, r *pgxpool.Pool, ids []int64) ([]eventRow, error) {
	rows, err := r.Query(ctx, "SELECT "+sqlstore.EventCols+", "+eventTagsSQL+" FROM events e WHERE e.id = ANY($1) ORDER BY e.id", ids)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []eventRow
	for rows.Next() {
		var ev eventRow
		if ev.e, err = sqlstore.ScanEvent(rows, &ev.tags); err != nil {
			return nil, err
		}
		out = append(out, ev)
	}
	return out, rows.Err()
}

// CountEvents counts the events f selects, ignoring paging.
func (db *DB) CountEvents(ctx context.Context, f store.EventFilter) (int64, error) {
	r, err := db.reader()
	if err != nil {
		return 0, err
	}
	q := sqlstore.EventQuery(&dialect, f)
	var n int64
	if err := r.QueryRow(ctx, "SELECT count(*) FROM events e\nWHERE "+q.Clause(), q.Args...).Scan(&n); err != nil {
		return 0, fmt.Errorf("count events: %w", err)
	}
	return n, nil
}
