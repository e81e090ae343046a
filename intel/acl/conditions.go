package acl

import (
	"slices"
	"strings"
)

// Conditions describes, declaratively, which events and elements a user may read, so that list and search paths
// filter in the database instead of after loading. It says the same as CanReadEvent and CanReadElement, case for case
// (the package's tests check this over the whole access matrix, in Go and in SQLite):
//
//	event readable   ⇔ Unrestricted
//	                   ∨ event.org_id = OwnerOrgID
//	                   ∨ (¬PublishedOnly ∨ event.published) ∧ (event.distribution ∈ EventDistributions
//	                        ∨ event.distribution = 4 ∧ event.sharing_group_id ∈ SharingGroupIDs)
//	element readable ⇔ Unrestricted
//	                   ∨ event.org_id = OwnerOrgID
//	                   ∨ the non-owner event branch above ∧ (element.distribution ∈ ElementDistributions
//	                        ∨ element.distribution = 4 ∧ element.sharing_group_id ∈ SharingGroupIDs)
//
// Nothing overrides everything: a user who may read nothing (a disabled account) gets Nothing set.
type Conditions struct {
	// Nothing: no row is readable.
	Nothing bool
	// Unrestricted: every row is readable (site admins); the other fields are then empty.
	Unrestricted bool
	// OwnerOrgID: events owned by this organisation are readable with all their elements.
	OwnerOrgID int64
	// PublishedOnly: the non-owner branches also require a published event (UnpublishedPrivate).
	PublishedOnly bool
	// EventDistributions are the event distributions readable without a sharing group: 1, 2, 3.
	EventDistributions []Distribution
	// ElementDistributions are the element distributions readable without a sharing group: 1, 2, 3, 5.
	ElementDistributions []Distribution
	// SharingGroupIDs are the sharing groups whose data (distribution 4) is readable, ascending.
	SharingGroupIDs []int64
}

// ReadableConditions returns the declarative form of u's read access.
func (p *Policy) ReadableConditions(u User) Conditions {
	if u.Disabled {
		return Conditions{Nothing: true}
	}
	r := u.EffectiveRole()
	if r.PermSiteAdmin {
		return Conditions{Unrestricted: true}
	}
	c := Conditions{
		OwnerOrgID:           u.OrgID,
		PublishedOnly:        p.settings.UnpublishedPrivate,
		EventDistributions:   []Distribution{Community, Connected, All},
		ElementDistributions: []Distribution{Community, Connected, All, Inherit},
	}
	for _, id := range p.ordered {
		if p.canReadSharingGroupData(u.OrgID, r, id) {
			c.SharingGroupIDs = append(c.SharingGroupIDs, id)
		}
	}
	return c
}

// nonOwnerEvent evaluates the non-owner event branch.
func (c Conditions) nonOwnerEvent(ev Event) bool {
	if c.PublishedOnly && !ev.Published {
		return false
	}
	return slices.Contains(c.EventDistributions, ev.Distribution) ||
		(ev.Distribution == SharingGroupOnly && slices.Contains(c.SharingGroupIDs, ev.SharingGroupID))
}

// MatchEvent evaluates the conditions on one event, as a database would.
func (c Conditions) MatchEvent(ev Event) bool {
	switch {
	case c.Nothing:
		return false
	case c.Unrestricted:
		return true
	}
	return ev.OrgID == c.OwnerOrgID || c.nonOwnerEvent(ev)
}

// MatchElement evaluates the conditions on element el of ev, and on each of its parents (an attribute's object),
// as a database would.
func (c Conditions) MatchElement(ev Event, el Element, parents ...Element) bool {
	switch {
	case c.Nothing:
		return false
	case c.Unrestricted || ev.OrgID == c.OwnerOrgID:
		return true
	}
	if !c.nonOwnerEvent(ev) {
		return false
	}
	for _, e := range append([]Element{el}, parents...) {
		if !slices.Contains(c.ElementDistributions, e.Distribution) &&
			!(e.Distribution == SharingGroupOnly && slices.Contains(c.SharingGroupIDs, e.SharingGroupID)) {
			return false
		}
	}
	return true
}

// EventColumns names the SQL expressions of an event's columns, e.g. "e.org_id".
type EventColumns struct {
	OrgID, Distribution, SharingGroupID, Published string
}

// ElementColumns names the SQL expressions of an element's columns. Nullable marks a LEFT JOINed parent (an
// attribute's object) whose absence, a NULL distribution, counts as readable.
type ElementColumns struct {
	Distribution, SharingGroupID string
	Nullable                     bool
}

// EventSQL renders the event conditions as a boolean SQL expression over cols. Every value goes through arg, which
// records it and returns its placeholder ("?" for SQLite, "$n" for PostgreSQL); column names are the caller's and are
// inserted as given, so they must not come from user input.
func (c Conditions) EventSQL(cols EventColumns, arg func(v any) string) string {
	switch {
	case c.Nothing:
		return "(1 = 0)"
	case c.Unrestricted:
		return "(1 = 1)"
	}
	return "(" + cols.OrgID + " = " + arg(c.OwnerOrgID) + " OR " + c.nonOwnerEventSQL(cols, arg) + ")"
}

// ElementSQL renders the element conditions as a boolean SQL expression: the event's columns, the element's, and
// those of each parent element that must be readable as well.
func (c Conditions) ElementSQL(ev EventColumns, el ElementColumns, arg func(v any) string, parents ...ElementColumns) string {
	switch {
	case c.Nothing:
		return "(1 = 0)"
	case c.Unrestricted:
		return "(1 = 1)"
	}
	var b strings.Builder
	b.WriteString("(" + ev.OrgID + " = " + arg(c.OwnerOrgID) + " OR (" + c.nonOwnerEventSQL(ev, arg))
	for _, e := range append([]ElementColumns{el}, parents...) {
		b.WriteString(" AND ")
		b.WriteString(c.elementSQL(e, arg))
	}
	b.WriteString("))")
	return b.String()
}

func (c Conditions) nonOwnerEventSQL(cols EventColumns, arg func(v any) string) string {
	var b strings.Builder
	b.WriteString("(")
	if c.PublishedOnly {
		b.WriteString(cols.Published + " = " + arg(true) + " AND ")
	}
	b.WriteString("(" + inList(cols.Distribution, c.EventDistributions, arg))
	if len(c.SharingGroupIDs) > 0 {
		b.WriteString(" OR (" + cols.Distribution + " = " + arg(int(SharingGroupOnly)) + " AND " +
			inList(cols.SharingGroupID, c.SharingGroupIDs, arg) + ")")
	}
	b.WriteString("))")
	return b.String()
}

func (c Conditions) elementSQL(cols ElementColumns, arg func(v any) string) string {
	var b strings.Builder
	b.WriteString("(")
	if cols.Nullable {
		b.WriteString(cols.Distribution + " IS NULL OR ")
	}
	b.WriteString(inList(cols.Distribution, c.ElementDistributions, arg))
	if len(c.SharingGroupIDs) > 0 {
		b.WriteString(" OR (" + cols.Distribution + " = " + arg(int(SharingGroupOnly)) + " AND " +
			inList(cols.SharingGroupID, c.SharingGroupIDs, arg) + ")")
	}
	b.WriteString(")")
	return b.String()
}

// inList renders "col IN (…)", or a false expression for an empty list.
func inList[T Distribution | int64](col string, vals []T, arg func(v any) string) string {
	if len(vals) == 0 {
		return "(1 = 0)"
	}
	ph := make([]string, len(vals))
	for i, v := range vals {
		switch x := any(v).(type) {
		case Distribution:
			ph[i] = arg(int(x))
		default:
			ph[i] = arg(x)
		}
	}
	return col + " IN (" + strings.Join(ph, ", ") + ")"
}
