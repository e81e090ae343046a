package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"iter"
	"strconv"
	"strings"

	"github.com/hunchsec/hunch/intel/acl"
	"github.com/hunchsec/hunch/misp"
	"github.com/hunchsec/hunch/store"
)

// query accumulates a WHERE clause and its arguments. Every value goes through arg, so no filter value is ever
// part of the SQL text.
type query struct {
	where []string
	args  []any
}

func (q *query) arg(v any) string {
	q.args = append(q.args, v)
	return "?"
}

func (q *query) add(cond string) { q.where = append(q.where, cond) }

func (q *query) clause() string {
	if len(q.where) == 0 {
		return "1 = 1"
	}
	return strings.Join(q.where, "\n AND ")
}

// match adds the condition of m, where cond renders the test of one entry.
func (q *query) match(m store.Match, cond func(v string) string) {
	if len(m.OR) > 0 {
		parts := make([]string, len(m.OR))
		for i, v := range m.OR {
			parts[i] = cond(v)
		}
		q.add("(" + strings.Join(parts, " OR ") + ")")
	}
	for _, v := range m.AND {
		q.add(cond(v))
	}
	for _, v := range m.NOT {
		q.add("NOT " + cond(v))
	}
}

// likeEscape escapes LIKE's own wildcard '_' and the escape character, keeping '%' as the wildcard.
func likeEscape(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `_`, `\_`)
	return r.Replace(s)
}

// textCond compares col with v: LIKE (case-insensitive for ASCII) when v holds '%', else equality.
func (q *query) textCond(col, v string) string {
	if strings.Contains(v, "%") {
		return "(" + col + " LIKE " + q.arg(likeEscape(v)) + ` ESCAPE '\')`
	}
	return "(" + col + " = " + q.arg(v) + ")"
}

// valueCond matches an attribute's value (a) against v: the whole value or either part of a composite.
func (q *query) valueCond(a, v string) string {
	if strings.Contains(v, "%") {
		p := likeEscape(v)
		return "(" + a + ".value1 LIKE " + q.arg(p) + ` ESCAPE '\' OR ` + a + ".value2 LIKE " + q.arg(p) +
			` ESCAPE '\' OR (` + a + ".value2 <> '' AND " + a + ".value1 || '|' || " + a + ".value2 LIKE " + q.arg(p) +
			` ESCAPE '\'))`
	}
	// The matching ids come from the value indexes as a set of rowids, which the outer query then reads in id
	// order: a value held by many attributes costs their ids in memory, never a sort of whole rows.
	c := "(" + a + ".id IN (SELECT id FROM attributes WHERE value1 = " + q.arg(v) +
		" UNION ALL SELECT id FROM attributes WHERE value2 = " + q.arg(v) + " AND value2 <> ''"
	if v1, v2, ok := strings.Cut(v, "|"); ok {
		c += " UNION ALL SELECT id FROM attributes WHERE value1 = " + q.arg(v1) + " AND value2 = " + q.arg(v2)
	}
	return c + "))"
}

// orgCond matches the organisation id column col against v: an id, a name or a uuid.
func (q *query) orgCond(col, v string) string {
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		return "(" + col + " = " + q.arg(n) + ")"
	}
	return "(" + col + " IN (SELECT id FROM orgs WHERE name = " + q.arg(v) + " OR uuid = " + q.arg(v) + "))"
}

// eventTagCond and attrTagCond test for a tag named like v on the event (column ev) or attribute (column a).
func (q *query) eventTagCond(ev, v string) string {
	return "EXISTS (SELECT 1 FROM event_tags et JOIN tags t ON t.id = et.tag_id WHERE et.event_id = " + ev +
		" AND " + q.textCond("t.name", v) + ")"
}

func (q *query) attrTagCond(a, v string) string {
	return "EXISTS (SELECT 1 FROM attribute_tags at JOIN tags t ON t.id = at.tag_id WHERE at.attribute_id = " + a +
		" AND " + q.textCond("t.name", v) + ")"
}

func (q *query) anyAttrTagCond(ev, v string) string {
	return "EXISTS (SELECT 1 FROM attribute_tags at JOIN tags t ON t.id = at.tag_id WHERE at.event_id = " + ev +
		" AND " + q.textCond("t.name", v) + ")"
}

func (q *query) in(col string, vals []any) {
	if len(vals) == 0 {
		return
	}
	ph := make([]string, len(vals))
	for i, v := range vals {
		ph[i] = q.arg(v)
	}
	q.add(col + " IN (" + strings.Join(ph, ", ") + ")")
}

func anys[T any](vs []T, conv func(T) any) []any {
	out := make([]any, len(vs))
	for i, v := range vs {
		out[i] = conv(v)
	}
	return out
}

func lower(s string) any { return strings.ToLower(s) }

func (q *query) timeRange(col string, r store.TimeRange) {
	if !r.From.IsZero() {
		q.add(col + " >= " + q.arg(r.From.Unix()))
	}
	if !r.To.IsZero() {
		q.add(col + " <= " + q.arg(r.To.Unix()))
	}
}

func (q *query) dateRange(col string, r store.TimeRange) {
	if !r.From.IsZero() {
		q.add(col + " >= " + q.arg(misp.DateOf(r.From).String()))
	}
	if !r.To.IsZero() {
		q.add(col + " <= " + q.arg(misp.DateOf(r.To).String()))
	}
}

func (q *query) flag(col string, b *bool) {
	if b != nil {
		q.add(col + " = " + q.arg(b2i(*b)))
	}
}

func (q *query) deleted(col string, d store.DeletedFilter) {
	switch d {
	case store.LiveOnly:
		q.add(col + " = 0")
	case store.DeletedOnly:
		q.add(col + " = 1")
	}
}

func (q *query) page(limit, page int) string {
	if limit <= 0 {
		return ""
	}
	page = max(page, 1)
	return " LIMIT " + q.arg(int64(limit)) + " OFFSET " + q.arg(int64(limit)*int64(page-1))
}

var (
	eventACLCols = acl.EventColumns{OrgID: "e.org_id", Distribution: "e.distribution",
		SharingGroupID: "e.sharing_group_id", Published: "e.published"}
	attrACLCols   = acl.ElementColumns{Distribution: "a.distribution", SharingGroupID: "a.sharing_group_id"}
	objectACLCols = acl.ElementColumns{Distribution: "o.distribution", SharingGroupID: "o.sharing_group_id", Nullable: true}
)

// attrFrom joins an attribute (a) to its event (e) and object (o, NULL outside objects).
const attrFrom = ` FROM attributes a JOIN events e ON e.id = a.event_id
LEFT JOIN objects o ON a.object_id <> 0 AND o.id = a.object_id`

func attributeQuery(f store.AttributeFilter) *query {
	q := &query{}
	q.add(f.Conditions.ElementSQL(eventACLCols, attrACLCols, q.arg, objectACLCols))
	q.match(f.Value, func(v string) string { return q.valueCond("a", v) })
	q.match(f.Type, func(v string) string { return "(a.type = " + q.arg(v) + ")" })
	q.match(f.Category, func(v string) string { return "(a.category = " + q.arg(v) + ")" })
	q.match(f.ObjectRelation, func(v string) string { return "(a.object_relation = " + q.arg(v) + ")" })
	q.match(f.Tags, func(v string) string {
		return "(" + q.attrTagCond("a.id", v) + " OR " + q.eventTagCond("a.event_id", v) + ")"
	})
	q.match(f.EventTags, func(v string) string { return q.eventTagCond("a.event_id", v) })
	q.in("a.event_id", anys(f.EventIDs, func(v int64) any { return v }))
	q.in("e.uuid", anys(f.EventUUIDs, lower))
	q.in("a.uuid", anys(f.UUIDs, lower))
	q.match(f.Orgs, func(v string) string { return q.orgCond("e.orgc_id", v) })
	q.match(f.EventInfo, func(v string) string { return q.textCond("e.info", v) })
	q.flag("e.published", f.Published)
	if f.ToIDS != nil {
		q.add("coalesce(a.to_ids, 0) = " + q.arg(b2i(*f.ToIDS)))
	}
	q.timeRange("a.timestamp", f.Timestamp)
	q.timeRange("e.timestamp", f.EventTimestamp)
	q.timeRange("e.publish_timestamp", f.PublishTimestamp)
	q.dateRange("e.date", f.Date)
	q.deleted("a.deleted", f.Deleted)
	return q
}

// SearchAttributes streams the attributes f selects, by id. The sequence reads its rows as it yields them and
// holds one read connection until the loop ends; breaking out of the loop releases it.
func (db *DB) SearchAttributes(ctx context.Context, f store.AttributeFilter) iter.Seq2[*misp.Attribute, error] {
	return func(yield func(*misp.Attribute, error) bool) {
		r, err := db.reader()
		if err != nil {
			yield(nil, err)
			return
		}
		q := attributeQuery(f)
		cols := attrCols + ", " + attrTagsSQL + ", e.uuid"
		if f.IncludeEventTags {
			cols += ", " + eventTagsSQL
		} else {
			cols += ", NULL"
		}
		text := "SELECT " + cols + attrFrom + "\nWHERE " + q.clause() + "\nORDER BY a.id" + q.page(f.Limit, f.Page)
		rows, err := r.QueryContext(ctx, text, q.args...)
		if err != nil {
			yield(nil, fmt.Errorf("search attributes: %w", err))
			return
		}
		defer rows.Close()
		for rows.Next() {
			var (
				tags, evTags sql.NullString
				evUUID       string
			)
			a, err := scanAttribute(rows, &tags, &evUUID, &evTags)
			if err == nil {
				a.Tag, err = decodeTags(tags)
			}
			var et []misp.Tag
			if err == nil {
				et, err = decodeTags(evTags)
			}
			if err != nil {
				yield(nil, fmt.Errorf("search attributes: %w", err))
				return
			}
			a.Tag = append(a.Tag, et...)
			if f.IncludeEventUUID {
				a.EventUUID = evUUID
			}
			if !yield(a, nil) {
				return
			}
		}
		if err := rows.Err(); err != nil {
			yield(nil, fmt.Errorf("search attributes: %w", err))
		}
	}
}

// CountAttributes counts the attributes f selects, ignoring paging.
func (db *DB) CountAttributes(ctx context.Context, f store.AttributeFilter) (int64, error) {
	r, err := db.reader()
	if err != nil {
		return 0, err
	}
	q := attributeQuery(f)
	var n int64
	if err := r.QueryRowContext(ctx, "SELECT count(*)"+attrFrom+"\nWHERE "+q.clause(), q.args...).Scan(&n); err != nil {
		return 0, fmt.Errorf("count attributes: %w", err)
	}
	return n, nil
}

func eventQuery(f store.EventFilter) *query {
	q := &query{}
	q.add(f.Conditions.EventSQL(eventACLCols, q.arg))
	if len(f.IDs) > 0 && len(f.UUIDs) > 0 {
		sub := &query{args: q.args}
		sub.in("e.id", anys(f.IDs, func(v int64) any { return v }))
		sub.in("e.uuid", anys(f.UUIDs, lower))
		q.args = sub.args
		q.add("(" + strings.Join(sub.where, " OR ") + ")")
	} else {
		q.in("e.id", anys(f.IDs, func(v int64) any { return v }))
		q.in("e.uuid", anys(f.UUIDs, lower))
	}
	q.match(f.Orgs, func(v string) string { return q.orgCond("e.orgc_id", v) })
	q.match(f.Info, func(v string) string { return q.textCond("e.info", v) })
	q.match(f.Tags, func(v string) string {
		if f.AttributeTags {
			return "(" + q.eventTagCond("e.id", v) + " OR " + q.anyAttrTagCond("e.id", v) + ")"
		}
		return q.eventTagCond("e.id", v)
	})
	if !f.Value.Empty() || !f.Type.Empty() || !f.Category.Empty() {
		sub := &query{args: q.args}
		sub.add("a.event_id = e.id")
		sub.add("a.deleted = 0")
		sub.add(f.Conditions.ElementSQL(eventACLCols, attrACLCols, sub.arg, objectACLCols))
		sub.match(f.Value, func(v string) string { return sub.valueCond("a", v) })
		sub.match(f.Type, func(v string) string { return "(a.type = " + sub.arg(v) + ")" })
		sub.match(f.Category, func(v string) string { return "(a.category = " + sub.arg(v) + ")" })
		q.args = sub.args
		q.add("EXISTS (SELECT 1 FROM attributes a LEFT JOIN objects o ON a.object_id <> 0 AND o.id = a.object_id WHERE " +
			sub.clause() + ")")
	}
	q.flag("e.published", f.Published)
	q.in("e.threat_level_id", anys(f.ThreatLevels, func(v misp.ThreatLevel) any { return int64(v) }))
	q.dateRange("e.date", f.Date)
	q.timeRange("e.timestamp", f.Timestamp)
	q.timeRange("e.publish_timestamp", f.PublishTimestamp)
	return q
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
		opts := loadOpts{cond: &cond, deleted: f.Deleted, metadata: f.Metadata}
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
			q := eventQuery(f)
			q.add("e.id > " + q.arg(after))
			text := "SELECT e.id FROM events e\nWHERE " + q.clause() + "\nORDER BY e.id LIMIT " + q.arg(int64(n)) +
				" OFFSET " + q.arg(int64(offset))
			ids, err := readIDs(ctx, r, text, q.args...)
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
	q := eventQuery(f)
	var n int64
	if err := r.QueryRowContext(ctx, "SELECT count(*) FROM events e\nWHERE "+q.clause(), q.args...).Scan(&n); err != nil {
		return 0, fmt.Errorf("count events: %w", err)
	}
	return n, nil
}
