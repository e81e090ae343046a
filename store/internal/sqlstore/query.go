package sqlstore

import (
	"strconv"
	"strings"

	"github.com/hunchsec/hunch/intel/acl"
	"github.com/hunchsec/hunch/misp"
	"github.com/hunchsec/hunch/store"
)

// Dialect is what differs between the SQL of the two backends in a search.
type Dialect struct {
	// Placeholder renders the n-th (1-based) argument's placeholder: "?" or "$n".
	Placeholder func(n int) string
	// Like is the case-insensitive LIKE operator: SQLite's LIKE, PostgreSQL's ILIKE.
	Like string
	// BoolArgs turns Go booleans into 0/1 integers (for PostgreSQL's integer flag columns).
	BoolArgs bool
	// LowerUUIDArg wraps a uuid argument compared with a stored (lower-case) uuid column; nil leaves it as is.
	LowerUUIDArg func(arg string) string
	// ExactValue renders an exact match of attribute a's value (value1 and value2 columns, or either part of a
	// composite) against the argument placeholders of v: each backend picks the plan its indexes serve best.
	ExactValue func(q *Query, a, v string) string
}

// Query accumulates a WHERE clause and its arguments. Every value goes through Arg, so no filter value is ever
// part of the SQL text.
type Query struct {
	d     *Dialect
	Where []string
	Args  []any
}

// Arg records v and returns its placeholder.
func (q *Query) Arg(v any) string {
	if b, ok := v.(bool); ok && q.d.BoolArgs {
		v = B2I(b) // flags are 0/1 integers; acl passes Go booleans
	}
	q.Args = append(q.Args, v)
	return q.d.Placeholder(len(q.Args))
}

// Add appends a condition, joined to the others with AND.
func (q *Query) Add(cond string) { q.Where = append(q.Where, cond) }

// Clause is the WHERE clause: the conditions joined with AND, or a true one when there are none.
func (q *Query) Clause() string {
	if len(q.Where) == 0 {
		return "1 = 1"
	}
	return strings.Join(q.Where, "\n AND ")
}

// Match adds the condition of m, where cond renders the test of one entry.
func (q *Query) Match(m store.Match, cond func(v string) string) {
	if len(m.OR) > 0 {
		parts := make([]string, len(m.OR))
		for i, v := range m.OR {
			parts[i] = cond(v)
		}
		q.Add("(" + strings.Join(parts, " OR ") + ")")
	}
	for _, v := range m.AND {
		q.Add(cond(v))
	}
	for _, v := range m.NOT {
		q.Add("NOT " + cond(v))
	}
}

// likeEscape escapes LIKE's own wildcard '_' and the escape character, keeping '%' as the wildcard.
func likeEscape(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `_`, `\_`)
	return r.Replace(s)
}

// TextCond compares col with v: the dialect's case-insensitive LIKE when v holds '%', else equality.
func (q *Query) TextCond(col, v string) string {
	if strings.Contains(v, "%") {
		return "(" + col + " " + q.d.Like + " " + q.Arg(likeEscape(v)) + ` ESCAPE '\')`
	}
	return "(" + col + " = " + q.Arg(v) + ")"
}

// ValueCond matches an attribute's value (a) against v: the whole value or either part of a composite one.
func (q *Query) ValueCond(a, v string) string {
	if strings.Contains(v, "%") {
		p, like := likeEscape(v), " "+q.d.Like+" "
		return "(" + a + ".value1" + like + q.Arg(p) + ` ESCAPE '\' OR ` + a + ".value2" + like + q.Arg(p) +
			` ESCAPE '\' OR (` + a + ".value2 <> '' AND " + a + ".value1 || '|' || " + a + ".value2" + like + q.Arg(p) +
			` ESCAPE '\'))`
	}
	return q.d.ExactValue(q, a, v)
}

// OrgCond matches the organisation id column col against v: an id, a name or a uuid.
func (q *Query) OrgCond(col, v string) string {
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		return "(" + col + " = " + q.Arg(n) + ")"
	}
	name := q.Arg(v)
	u := q.Arg(v)
	if q.d.LowerUUIDArg != nil {
		u = q.d.LowerUUIDArg(u)
	}
	return "(" + col + " IN (SELECT id FROM orgs WHERE name = " + name + " OR uuid = " + u + "))"
}

// EventTagCond, AttrTagCond and AnyAttrTagCond test for a tag named like v on the event (column ev), the
// attribute (column a), or any attribute of the event (column ev).
func (q *Query) EventTagCond(ev, v string) string {
	return "EXISTS (SELECT 1 FROM event_tags et JOIN tags t ON t.id = et.tag_id WHERE et.event_id = " + ev +
		" AND " + q.TextCond("t.name", v) + ")"
}

func (q *Query) AttrTagCond(a, v string) string {
	return "EXISTS (SELECT 1 FROM attribute_tags at JOIN tags t ON t.id = at.tag_id WHERE at.attribute_id = " + a +
		" AND " + q.TextCond("t.name", v) + ")"
}

func (q *Query) AnyAttrTagCond(ev, v string) string {
	return "EXISTS (SELECT 1 FROM attribute_tags at JOIN tags t ON t.id = at.tag_id WHERE at.event_id = " + ev +
		" AND " + q.TextCond("t.name", v) + ")"
}

// In adds "col IN (vals…)" when vals is not empty.
func (q *Query) In(col string, vals []any) {
	if len(vals) == 0 {
		return
	}
	ph := make([]string, len(vals))
	for i, v := range vals {
		ph[i] = q.Arg(v)
	}
	q.Add(col + " IN (" + strings.Join(ph, ", ") + ")")
}

// Anys converts vs to a list of arguments.
func Anys[T any](vs []T, conv func(T) any) []any {
	out := make([]any, len(vs))
	for i, v := range vs {
		out[i] = conv(v)
	}
	return out
}

// Lower is an argument of s in lower case (uuids are stored in lower case).
func Lower(s string) any { return strings.ToLower(s) }

// TimeRange bounds the unix-time column col by r.
func (q *Query) TimeRange(col string, r store.TimeRange) {
	if !r.From.IsZero() {
		q.Add(col + " >= " + q.Arg(r.From.Unix()))
	}
	if !r.To.IsZero() {
		q.Add(col + " <= " + q.Arg(r.To.Unix()))
	}
}

// DateRange bounds the YYYY-MM-DD column col by r.
func (q *Query) DateRange(col string, r store.TimeRange) {
	if !r.From.IsZero() {
		q.Add(col + " >= " + q.Arg(misp.DateOf(r.From).String()))
	}
	if !r.To.IsZero() {
		q.Add(col + " <= " + q.Arg(misp.DateOf(r.To).String()))
	}
}

// Flag adds col = b when b is set.
func (q *Query) Flag(col string, b *bool) {
	if b != nil {
		q.Add(col + " = " + q.Arg(B2I(*b)))
	}
}

// Deleted keeps the rows whose deleted column col d asks for.
func (q *Query) Deleted(col string, d store.DeletedFilter) {
	switch d {
	case store.LiveOnly:
		q.Add(col + " = 0")
	case store.DeletedOnly:
		q.Add(col + " = 1")
	}
}

// Page is the LIMIT/OFFSET suffix of a paged search, "" without a limit.
func (q *Query) Page(limit, page int) string {
	if limit <= 0 {
		return ""
	}
	page = max(page, 1)
	return " LIMIT " + q.Arg(int64(limit)) + " OFFSET " + q.Arg(int64(limit)*int64(page-1))
}

var (
	eventACLCols = acl.EventColumns{OrgID: "e.org_id", Distribution: "e.distribution",
		SharingGroupID: "e.sharing_group_id", Published: "e.published"}
	attrACLCols   = acl.ElementColumns{Distribution: "a.distribution", SharingGroupID: "a.sharing_group_id"}
	objectACLCols = acl.ElementColumns{Distribution: "o.distribution", SharingGroupID: "o.sharing_group_id", Nullable: true}
)

// AttrFrom joins an attribute (a) to its event (e) and object (o, NULL outside objects).
const AttrFrom = ` FROM attributes a JOIN events e ON e.id = a.event_id
LEFT JOIN objects o ON a.object_id <> 0 AND o.id = a.object_id`

// AttributeQuery is the WHERE clause of attributes/restSearch: the attributes f selects, a (attribute), e (its
// event) and o (its object) being the aliases of AttrFrom.
func AttributeQuery(d *Dialect, f store.AttributeFilter) *Query {
	q := &Query{d: d}
	q.Add(f.Conditions.ElementSQL(eventACLCols, attrACLCols, q.Arg, objectACLCols))
	q.Match(f.Value, func(v string) string { return q.ValueCond("a", v) })
	q.Match(f.Type, func(v string) string { return "(a.type = " + q.Arg(v) + ")" })
	q.Match(f.Category, func(v string) string { return "(a.category = " + q.Arg(v) + ")" })
	q.Match(f.ObjectRelation, func(v string) string { return "(a.object_relation = " + q.Arg(v) + ")" })
	q.Match(f.Tags, func(v string) string {
		return "(" + q.AttrTagCond("a.id", v) + " OR " + q.EventTagCond("a.event_id", v) + ")"
	})
	q.Match(f.EventTags, func(v string) string { return q.EventTagCond("a.event_id", v) })
	q.In("a.event_id", Anys(f.EventIDs, func(v int64) any { return v }))
	q.In("e.uuid", Anys(f.EventUUIDs, Lower))
	q.In("a.uuid", Anys(f.UUIDs, Lower))
	q.Match(f.Orgs, func(v string) string { return q.OrgCond("e.orgc_id", v) })
	q.Match(f.EventInfo, func(v string) string { return q.TextCond("e.info", v) })
	q.Flag("e.published", f.Published)
	if f.ToIDS != nil {
		q.Add("coalesce(a.to_ids, 0) = " + q.Arg(B2I(*f.ToIDS)))
	}
	q.TimeRange("a.timestamp", f.Timestamp)
	q.TimeRange("e.timestamp", f.EventTimestamp)
	q.TimeRange("e.publish_timestamp", f.PublishTimestamp)
	q.DateRange("e.date", f.Date)
	q.Deleted("a.deleted", f.Deleted)
	return q
}

// EventQuery is the WHERE clause of events/restSearch over events e.
func EventQuery(d *Dialect, f store.EventFilter) *Query {
	q := &Query{d: d}
	q.Add(f.Conditions.EventSQL(eventACLCols, q.Arg))
	if len(f.IDs) > 0 && len(f.UUIDs) > 0 {
		sub := &Query{d: d, Args: q.Args}
		sub.In("e.id", Anys(f.IDs, func(v int64) any { return v }))
		sub.In("e.uuid", Anys(f.UUIDs, Lower))
		q.Args = sub.Args
		q.Add("(" + strings.Join(sub.Where, " OR ") + ")")
	} else {
		q.In("e.id", Anys(f.IDs, func(v int64) any { return v }))
		q.In("e.uuid", Anys(f.UUIDs, Lower))
	}
	q.Match(f.Orgs, func(v string) string { return q.OrgCond("e.orgc_id", v) })
	q.Match(f.Info, func(v string) string { return q.TextCond("e.info", v) })
	q.Match(f.Tags, func(v string) string {
		if f.AttributeTags {
			return "(" + q.EventTagCond("e.id", v) + " OR " + q.AnyAttrTagCond("e.id", v) + ")"
		}
		return q.EventTagCond("e.id", v)
	})
	if !f.Value.Empty() || !f.Type.Empty() || !f.Category.Empty() {
		sub := &Query{d: d, Args: q.Args}
		sub.Add("a.event_id = e.id")
		sub.Add("a.deleted = 0")
		sub.Add(f.Conditions.ElementSQL(eventACLCols, attrACLCols, sub.Arg, objectACLCols))
		sub.Match(f.Value, func(v string) string { return sub.ValueCond("a", v) })
		sub.Match(f.Type, func(v string) string { return "(a.type = " + sub.Arg(v) + ")" })
		sub.Match(f.Category, func(v string) string { return "(a.category = " + sub.Arg(v) + ")" })
		q.Args = sub.Args
		q.Add("EXISTS (SELECT 1 FROM attributes a LEFT JOIN objects o ON a.object_id <> 0 AND o.id = a.object_id WHERE " +
			sub.Clause() + ")")
	}
	q.Flag("e.published", f.Published)
	q.In("e.threat_level_id", Anys(f.ThreatLevels, func(v misp.ThreatLevel) any { return int64(v) }))
	q.DateRange("e.date", f.Date)
	q.TimeRange("e.timestamp", f.Timestamp)
	q.TimeRange("e.publish_timestamp", f.PublishTimestamp)
	return q
}
