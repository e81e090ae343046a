package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"strconv"
	"strings"

	"github.com/hunchsec/hunch/store/internal/sqlstore"

	"github.com/hunchsec/hunch/misp"
	"github.com/hunchsec/hunch/store"
)

// dialect is SQLite's SQL for the shared search builder.
var dialect = sqlstore.Dialect{
	Placeholder: func(int) string { return "?" },
	Like:        "LIKE",
	// The matching ids come from the value indexes as a set of rowids, which the outer query then reads in id
	// order: a value held by many attributes costs their ids in memory, never a sort of whole rows.
	ExactValue: func(q *sqlstore.Query, a, v string) string {
		c := "(" + a + ".id IN (SELECT id FROM attributes WHERE value1 = " + q.Arg(v) +
			" UNION ALL SELECT id FROM attributes WHERE value2 = " + q.Arg(v) + " AND value2 <> ''"
		if v1, v2, ok := strings.Cut(v, "|"); ok {
			c += " UNION ALL SELECT id FROM attributes WHERE value1 = " + q.Arg(v1) + " AND value2 = " + q.Arg(v2)
		}
		return c + "))"
	},
}

// SearchAttributes streams the attributes f selects, by id. The sequence reads its rows as it yields them and
// holds one read connection until the loop ends; breaking out of the loop releases it.
//
// The attributes' own tags are read a batch of rows at a time by a second statement on the same connection,
// inside the read transaction the first one holds open (so both see one snapshot): a subquery per row costs
// more than the rest of a large export together.
func (db *DB) SearchAttributes(ctx context.Context, f store.AttributeFilter) iter.Seq2[*misp.Attribute, error] {
	return func(yield func(*misp.Attribute, error) bool) {
		r, err := db.reader()
		if err != nil {
			yield(nil, err)
			return
		}
		conn, err := r.Conn(ctx)
		if err != nil {
			yield(nil, fmt.Errorf("search attributes: %w", err))
			return
		}
		defer conn.Close()
		q := sqlstore.AttributeQuery(&dialect, f)
		cols := sqlstore.AttrCols + ", NULL, e.uuid"
		if f.IncludeEventTags {
			cols += ", " + eventTagsSQL
		} else {
			cols += ", NULL"
		}
		text := "SELECT " + cols + sqlstore.AttrFrom + "\nWHERE " + q.Clause() + "\nORDER BY a.id" + q.Page(f.Limit, f.Page)
		rows, err := conn.QueryContext(ctx, text, q.Args...)
		if err != nil {
			yield(nil, fmt.Errorf("search attributes: %w", err))
			return
		}
		defer rows.Close()
		tb := tagBatcher{ctx: ctx, conn: conn}
		defer tb.close()
		for rows.Next() {
			var (
				tags, evTags sql.NullString
				evUUID       string
			)
			a, err := sqlstore.ScanAttribute(rows, &tags, &evUUID, &evTags)
			var et []misp.Tag
			if err == nil {
				et, err = sqlstore.DecodeTags(evTags)
			}
			if err != nil {
				yield(nil, fmt.Errorf("search attributes: %w", err))
				return
			}
			if f.IncludeEventUUID {
				a.EventUUID = evUUID
			}
			if !tb.add(a, et) {
				continue
			}
			if !tb.flush(yield) {
				return
			}
		}
		if err := rows.Err(); err != nil {
			yield(nil, fmt.Errorf("search attributes: %w", err))
			return
		}
		tb.flush(yield)
	}
}

// tagBatch is how many attributes SearchAttributes holds before reading their tags.
const tagBatch = 512

// tagBatcher gives a batch of attributes their own tags (then their event's, when asked) with one query.
type tagBatcher struct {
	ctx     context.Context
	conn    *sql.Conn
	list    *sql.Stmt // tags of listed attributes
	span    *sql.Stmt // tags of a range of attribute ids
	attrs   []*misp.Attribute
	evTags  [][]misp.Tag
	idsJSON []byte
}

// add queues a with its event's tags et and reports whether the batch is full.
func (b *tagBatcher) add(a *misp.Attribute, et []misp.Tag) bool {
	b.attrs = append(b.attrs, a)
	b.evTags = append(b.evTags, et)
	return len(b.attrs) == tagBatch
}

// flush reads the queued attributes' tags and yields them in order; false when the loop must end.
func (b *tagBatcher) flush(yield func(*misp.Attribute, error) bool) bool {
	if len(b.attrs) == 0 {
		return true
	}
	if err := b.readTags(); err != nil {
		yield(nil, fmt.Errorf("search attributes: tags: %w", err))
		return false
	}
	for i, a := range b.attrs {
		a.Tag = append(a.Tag, b.evTags[i]...)
		if !yield(a, nil) {
			return false
		}
	}
	b.attrs, b.evTags = b.attrs[:0], b.evTags[:0]
	return true
}

// readTags reads the tags of the batch: a dense batch (ids close together, as in an export of everything) by
// one range scan of the tag index, a sparse one by its list of ids.
func (b *tagBatcher) readTags() error {
	index := make(map[int64]*misp.Attribute, len(b.attrs))
	for _, a := range b.attrs {
		index[int64(a.ID)] = a
	}
	first, last := int64(b.attrs[0].ID), int64(b.attrs[len(b.attrs)-1].ID)
	var (
		rows *sql.Rows
		err  error
	)
	const cols = `SELECT j.attribute_id, ` + tagJSON + ` FROM attribute_tags j JOIN tags t ON t.id = j.tag_id WHERE `
	if last-first < 4*int64(len(b.attrs)) {
		if b.span == nil {
			if b.span, err = b.conn.PrepareContext(b.ctx, cols+`j.attribute_id BETWEEN ? AND ? ORDER BY j.attribute_id, j.id`); err != nil {
				return err
			}
		}
		rows, err = b.span.QueryContext(b.ctx, first, last)
	} else {
		if b.list == nil {
			if b.list, err = b.conn.PrepareContext(b.ctx, cols+`j.attribute_id IN (SELECT value FROM json_each(?))
ORDER BY j.attribute_id, j.id`); err != nil {
				return err
			}
		}
		b.idsJSON = append(b.idsJSON[:0], '[')
		for i, a := range b.attrs {
			if i > 0 {
				b.idsJSON = append(b.idsJSON, ',')
			}
			b.idsJSON = strconv.AppendInt(b.idsJSON, int64(a.ID), 10)
		}
		b.idsJSON = append(b.idsJSON, ']')
		rows, err = b.list.QueryContext(b.ctx, string(b.idsJSON))
	}
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var (
			id  int64
			raw []byte
		)
		if err := rows.Scan(&id, &raw); err != nil {
			return err
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

func (b *tagBatcher) close() {
	for _, st := range []*sql.Stmt{b.list, b.span} {
		if st != nil {
			st.Close()
		}
	}
}

// CountAttributes counts the attributes f selects, ignoring paging.
func (db *DB) CountAttributes(ctx context.Context, f store.AttributeFilter) (int64, error) {
	r, err := db.reader()
	if err != nil {
		return 0, err
	}
	q := sqlstore.AttributeQuery(&dialect, f)
	var n int64
	if err := r.QueryRowContext(ctx, "SELECT count(*)"+sqlstore.AttrFrom+"\nWHERE "+q.Clause(), q.Args...).Scan(&n); err != nil {
		return 0, fmt.Errorf("count attributes: %w", err)
	}
	return n, nil
}

// eventChunk is how many event ids SearchEvents reads per query. It reads ids a chunk at a time and loads each
// event after closing that query, so that it never holds a connection while the caller handles an event.
const eventChunk = 256

// SearchEvents streams the events f selects, by id.
func (db *DB) SearchEvents(ctx context.Context, f store.EventFilter) iter.Seq2[*misp.Event, error] {
	return func(yield func(*misp.Event, error) bool) {
		r, err := db.reader()
		if err != nil {
			yield(nil, err)
			return
		}
		cond := f.Conditions
		opts := sqlstore.LoadOpts{Cond: &cond, Deleted: f.Deleted, Metadata: f.Metadata}
		var (
			after     int64 = -1 << 63
			offset          = 0
			remaining       = f.Limit // 0: no cap
		)
		if f.Limit > 0 {
			offset = f.Limit * (max(f.Page, 1) - 1)
		}
		for {
			n := eventChunk
			if f.Limit > 0 {
				n = min(n, remaining)
			}
			q := sqlstore.EventQuery(&dialect, f)
			q.Add("e.id > " + q.Arg(after))
			text := "SELECT e.id FROM events e\nWHERE " + q.Clause() + "\nORDER BY e.id LIMIT " + q.Arg(int64(n)) +
				" OFFSET " + q.Arg(int64(offset))
			ids, err := readIDs(ctx, r, text, q.Args...)
			if err != nil {
				yield(nil, fmt.Errorf("search events: %w", err))
				return
			}
			for _, id := range ids {
				e, err := db.loadEvent(ctx, "e.id = ?", id, opts)
				if errors.Is(err, store.ErrNotFound) {
					continue // deleted since the ids were read
				}
				if err != nil {
					yield(nil, fmt.Errorf("search events: %w", err))
					return
				}
				if !yield(e, nil) {
					return
				}
			}
			if len(ids) < n {
				return
			}
			after, offset = ids[len(ids)-1], 0
			if f.Limit > 0 {
				if remaining -= len(ids); remaining <= 0 {
					return
				}
			}
		}
	}
}

func readIDs(ctx context.Context, r *sql.DB, text string, args ...any) ([]int64, error) {
	rows, err := r.QueryContext(ctx, text, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

// CountEvents counts the events f selects, ignoring paging.
func (db *DB) CountEvents(ctx context.Context, f store.EventFilter) (int64, error) {
	r, err := db.reader()
	if err != nil {
		return 0, err
	}
	q := sqlstore.EventQuery(&dialect, f)
	var n int64
	if err := r.QueryRowContext(ctx, "SELECT count(*) FROM events e\nWHERE "+q.Clause(), q.Args...).Scan(&n); err != nil {
		return 0, fmt.Errorf("count events: %w", err)
	}
	return n, nil
}
