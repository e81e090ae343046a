// Package sqlstore is the SQL that hunch's two databases (store/sqlite and store/postgres) share: the parts of
// store.Intel written once over a small Conn each backend provides (organisations, users, API keys, sharing groups,
// settings, event reports), the conversions between package misp's values and SQL columns, the scanners that read
// rows into misp values, and the restSearch query builder with its per-backend Dialect.
package sqlstore

import (
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/hunchsec/hunch/intel/acl"
	"github.com/hunchsec/hunch/misp"
	"github.com/hunchsec/hunch/store"
)

// ACLElement is what acl needs to know of an element with distribution d and sharing group sg.
func ACLElement(kind acl.ElementKind, d misp.Distribution, sg misp.FlexInt) acl.Element {
	return acl.Element{Kind: kind, Distribution: acl.Distribution(d.Level()), SharingGroupID: int64(sg)}
}

// ACLEvent is what acl needs to know of e.
func ACLEvent(e *misp.Event) acl.Event {
	return acl.Event{ID: int64(e.ID), OrgID: int64(e.OrgID), OrgcID: int64(e.OrgcID), UserID: int64(e.UserID),
		Distribution: acl.Distribution(e.Distribution.Level()), SharingGroupID: int64(e.SharingGroupID),
		Published: bool(e.Published), Locked: bool(e.Locked)}
}

// AttrCols are an attribute's columns (alias a), in ScanAttribute's order.
const AttrCols = `a.id, a.uuid, a.event_id, a.object_id, a.object_relation, a.category, a.type, a.value1, a.value2,
a.to_ids, a.timestamp, a.distribution, a.sharing_group_id, a.comment, a.deleted, a.disable_correlation, a.first_seen,
a.last_seen, a.data, a.galaxies`

// B2I is b as a 0/1 column value.
func B2I(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

// Composite reports whether values of type typ are stored split into value1 and value2.
func Composite(typ string) bool { return strings.Contains(typ, "|") || typ == "malware-sample" }

// DecodeTags reads a JSON array of tags (a tag subquery's column); NULL is no tags.
func DecodeTags(s sql.NullString) ([]misp.Tag, error) {
	if !s.Valid || s.String == "" || s.String == "[]" {
		return nil, nil
	}
	var tags []misp.Tag
	if err := json.Unmarshal([]byte(s.String), &tags); err != nil {
		return nil, fmt.Errorf("decode tags: %w", err)
	}
	return tags, nil
}

// ---- value conversions between misp types and columns ----

func DistArg(d misp.Distribution) any {
	if l := d.Level(); l >= 0 {
		return int64(l)
	}
	return nil
}

// DistOf reads a distribution column; NULL is unset.
func DistOf(n sql.NullInt64) misp.Distribution {
	if !n.Valid {
		return misp.DistributionUnset
	}
	d, _ := misp.DistributionOf(int(n.Int64))
	return d
}

// EventArgs are the values of the event columns after id, in EventCols' order.
func EventArgs(e *misp.Event, org, orgc int64) ([]any, error) {
	gal, err := JSONArg(e.Galaxy)
	if err != nil {
		return nil, err
	}
	return []any{strings.ToLower(e.UUID), org, orgc, int64(e.UserID), e.Date.String(), int64(e.ThreatLevel), e.Info,
		B2I(bool(e.Published)), int64(e.AttributeCount), int64(e.Analysis), int64(e.Timestamp), DistArg(e.Distribution),
		int64(e.SharingGroupID), B2I(bool(e.ProposalEmailLock)), B2I(bool(e.Locked)), int64(e.PublishTimestamp),
		int64(e.SightingTimestamp), B2I(bool(e.DisableCorrelation)), e.ExtendsUUID, B2I(bool(e.Protected)),
		e.EventCreatorEmail, gal}, nil
}

// EventCols are an event's columns (alias e), in ScanEvent's order.
const EventCols = `e.id, e.uuid, e.org_id, e.orgc_id, e.user_id, e.date, e.threat_level_id, e.info, e.published,
e.attribute_count, e.analysis, e.timestamp, e.distribution, e.sharing_group_id, e.proposal_email_lock, e.locked,
e.publish_timestamp, e.sighting_timestamp, e.disable_correlation, e.extends_uuid, e.protected,
e.event_creator_email, e.galaxies`

// JoinValue is the inverse of SplitValue; a Composite value stored without a second part loads without '|'.
func JoinValue(v1, v2 string) string {
	if v2 == "" {
		return v1
	}
	return v1 + "|" + v2
}

// JSONArg is v as a JSON column value, NULL when empty.
func JSONArg[T any](v []T) (any, error) {
	if len(v) == 0 {
		return nil, nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return string(b), nil
}

// ---- API keys ----

const KeyCols = `id, uuid, user_id, authkey, authkey_start, authkey_end, expiration, read_only, comment, created`

// LiveAttributes counts e's attributes that are not deleted, inside objects included (attribute_count).
func LiveAttributes(e *misp.Event) int64 {
	var n int64
	for i := range e.Attribute {
		if !e.Attribute[i].Deleted {
			n++
		}
	}
	for i := range e.Object {
		for j := range e.Object[i].Attribute {
			if !e.Object[i].Attribute[j].Deleted {
				n++
			}
		}
	}
	return n
}

// LoadOpts narrow what loading an event returns: the elements Cond lets a reader see (all when nil), deleted ones
// per Deleted, and no elements at all with Metadata.
type LoadOpts struct {
	Cond     *acl.Conditions
	Deleted  store.DeletedFilter
	Metadata bool
}

// KeepDeleted reports whether an element whose deleted flag is del is loaded.
func (o LoadOpts) KeepDeleted(del bool) bool {
	switch o.Deleted {
	case store.DeletedOnly:
		return del
	case store.LiveAndDeleted:
		return true
	}
	return !del
}

// MicroArg is m as microseconds since the epoch, NULL when unset.
func MicroArg(m misp.MicroTime) any {
	if m.IsZero() {
		return nil
	}
	return m.UnixMicro()
}

// MicroOf reads a microsecond column; NULL is unset.
func MicroOf(n sql.NullInt64) misp.MicroTime {
	if !n.Valid {
		return misp.MicroTime{}
	}
	return misp.MicroTime{Time: time.UnixMicro(n.Int64).UTC()}
}

// NumArg is *n as a column value, NULL when n is nil.
func NumArg(n *misp.FlexInt) any {
	if n == nil {
		return nil
	}
	return int64(*n)
}

// ObjectCols are an object's columns (alias o), in ScanObject's order.
const ObjectCols = `o.id, o.uuid, o.event_id, o.name, o.meta_category, o.description, o.template_uuid,
o.template_version, o.timestamp, o.distribution, o.sharing_group_id, o.comment, o.deleted, o.first_seen, o.last_seen`

// OptBoolArg is o as a 0/1 column value, NULL when unset.
func OptBoolArg(o misp.OptBool) any {
	if !o.IsSet() {
		return nil
	}
	return B2I(o.Bool())
}

// OptBoolOf reads a 0/1 column; NULL is unset.
func OptBoolOf(n sql.NullInt64) misp.OptBool {
	if !n.Valid {
		return misp.BoolUnset
	}
	return misp.OptBoolOf(n.Int64 != 0)
}

// ---- organisations ----

const OrgCols = `id, uuid, name, local, data`

// OrgData is the JSON of the organisation's fields that have no column of their own.
func OrgData(o *misp.Organisation) (string, error) {
	c := *o
	c.ID, c.UUID, c.Name, c.Local = 0, "", "", false
	b, err := json.Marshal(c)
	return string(b), err
}

// OrgOf builds an organisation from its columns.
func OrgOf(id int64, uuid, name string, local int64, data string) (*misp.Organisation, error) {
	var o misp.Organisation
	if err := json.Unmarshal([]byte(data), &o); err != nil {
		return nil, fmt.Errorf("decode organisation %d: %w", id, err)
	}
	o.ID, o.UUID, o.Name, o.Local = misp.FlexInt(id), uuid, name, misp.FlexBool(local != 0)
	return &o, nil
}

// Prefixed qualifies each column of the list cols with alias.
func Prefixed(alias, cols string) string {
	parts := strings.Split(cols, ",")
	for i, p := range parts {
		parts[i] = alias + "." + strings.TrimSpace(p)
	}
	return strings.Join(parts, ", ")
}

// RefSQL selects references with their source object's uuid and a summary of their target.
const RefSQL = `SELECT r.id, r.uuid, r.timestamp, r.object_id, src.uuid, r.referenced_uuid, r.referenced_id,
r.referenced_type, r.relationship_type, r.comment, r.deleted, r.event_id, r.source_uuid,
t.name, t.meta_category, t.uuid, t.distribution, t.sharing_group_id,
ta.uuid, ta.value1, ta.value2, ta.type, ta.category, ta.to_ids, ta.distribution, ta.sharing_group_id
FROM object_references r JOIN objects src ON src.id = r.object_id
LEFT JOIN objects t ON r.referenced_type = 1 AND t.uuid = r.referenced_uuid
LEFT JOIN attributes ta ON r.referenced_type = 0 AND ta.uuid = r.referenced_uuid `

// ReportCols are an event report's columns, in ScanReport's order.
const ReportCols = `id, uuid, event_id, name, content, distribution, sharing_group_id, timestamp, deleted`

// ScanAttribute reads an attribute from AttrCols and then extra destinations.
func ScanAttribute(sc Scanner, extra ...any) (*misp.Attribute, error) {
	var (
		a                            misp.Attribute
		id, ev, obj, ts, sg, del, dc int64
		rel, v1, v2                  string
		toIDS, dist, fs, ls          sql.NullInt64
		gal                          sql.NullString
	)
	dst := []any{&id, &a.UUID, &ev, &obj, &rel, &a.Category, &a.Type, &v1, &v2, &toIDS, &ts, &dist, &sg, &a.Comment,
		&del, &dc, &fs, &ls, &a.Data, &gal}
	if err := sc.Scan(append(dst, extra...)...); err != nil {
		return nil, err
	}
	a.ID, a.EventID, a.ObjectID, a.ObjectRelation = misp.FlexInt(id), misp.FlexInt(ev), misp.FlexInt(obj), misp.NullString(rel)
	a.Value, a.ToIDS, a.Timestamp, a.Distribution = JoinValue(v1, v2), OptBoolOf(toIDS), misp.Timestamp(ts), DistOf(dist)
	a.SharingGroupID, a.Deleted, a.DisableCorrelation = misp.FlexInt(sg), del != 0, dc != 0
	a.FirstSeen, a.LastSeen = MicroOf(fs), MicroOf(ls)
	if gal.Valid {
		if err := json.Unmarshal([]byte(gal.String), &a.Galaxy); err != nil {
			return nil, fmt.Errorf("attribute %d galaxies: %w", id, err)
		}
	}
	return &a, nil
}

// ScanEvent reads an event from EventCols and then extra destinations.
func ScanEvent(sc Scanner, extra ...any) (*misp.Event, error) {
	var (
		e                                           misp.Event
		id, org, orgc, user, tl, pub, count, an, ts int64
		sg, pel, locked, pts, sts, dc, prot         int64
		date                                        string
		dist                                        sql.NullInt64
		gal                                         sql.NullString
	)
	dst := []any{&id, &e.UUID, &org, &orgc, &user, &date, &tl, &e.Info, &pub, &count, &an, &ts, &dist, &sg, &pel,
		&locked, &pts, &sts, &dc, &e.ExtendsUUID, &prot, &e.EventCreatorEmail, &gal}
	if err := sc.Scan(append(dst, extra...)...); err != nil {
		return nil, err
	}
	e.ID, e.OrgID, e.OrgcID, e.UserID = misp.FlexInt(id), misp.FlexInt(org), misp.FlexInt(orgc), misp.FlexInt(user)
	if date != "" {
		d, err := misp.ParseDate(date)
		if err != nil {
			return nil, fmt.Errorf("event %d: %w", id, err)
		}
		e.Date = d
	}
	e.ThreatLevel, e.Published, e.AttributeCount = misp.ThreatLevel(tl), pub != 0, misp.FlexInt(count)
	e.Analysis, e.Timestamp, e.Distribution = misp.Analysis(an), misp.Timestamp(ts), DistOf(dist)
	e.SharingGroupID, e.ProposalEmailLock, e.Locked = misp.FlexInt(sg), pel != 0, locked != 0
	e.PublishTimestamp, e.SightingTimestamp = misp.Timestamp(pts), misp.Timestamp(sts)
	e.DisableCorrelation, e.Protected = dc != 0, prot != 0
	if gal.Valid {
		if err := json.Unmarshal([]byte(gal.String), &e.Galaxy); err != nil {
			return nil, fmt.Errorf("event %d galaxies: %w", id, err)
		}
	}
	return &e, nil
}

// ScanKey reads an API key from KeyCols.
func ScanKey(sc Scanner) (store.AuthKey, error) {
	var (
		k                 store.AuthKey
		exp, ro, creation int64
	)
	err := sc.Scan(&k.ID, &k.UUID, &k.UserID, &k.Hash, &k.Start, &k.End, &exp, &ro, &k.Comment, &creation)
	if exp != 0 {
		k.Expiration = time.Unix(exp, 0).UTC()
	}
	k.ReadOnly = ro != 0
	k.Created = time.Unix(creation, 0).UTC()
	return k, err
}

// ScanObject reads an object from ObjectCols.
func ScanObject(sc Scanner) (*misp.Object, error) {
	var (
		o                       misp.Object
		id, ev, tv, ts, sg, del int64
		dist, fs, ls            sql.NullInt64
	)
	if err := sc.Scan(&id, &o.UUID, &ev, &o.Name, &o.MetaCategory, &o.Description, &o.TemplateUUID, &tv, &ts, &dist,
		&sg, &o.Comment, &del, &fs, &ls); err != nil {
		return nil, err
	}
	o.ID, o.EventID, o.TemplateVersion, o.Timestamp = misp.FlexInt(id), misp.FlexInt(ev), misp.FlexInt(tv), misp.Timestamp(ts)
	o.Distribution, o.SharingGroupID, o.Deleted = DistOf(dist), misp.FlexInt(sg), del != 0
	o.FirstSeen, o.LastSeen = MicroOf(fs), MicroOf(ls)
	return &o, nil
}

// ScanOrg reads an organisation from OrgCols.
func ScanOrg(sc Scanner) (*misp.Organisation, error) {
	var (
		id, local  int64
		uuid, name string
		data       string
	)
	if err := sc.Scan(&id, &uuid, &name, &local, &data); err != nil {
		return nil, err
	}
	return OrgOf(id, uuid, name, local, data)
}

// ScanReference reads an object reference from RefSQL's columns, with the summary of its target.
func ScanReference(sc Scanner) (*misp.ObjectReference, error) {
	var (
		r                                misp.ObjectReference
		id, ts, obj, rid, rtype, del, ev int64
		tName, tMeta, tUUID              sql.NullString
		tDist, tSG                       sql.NullInt64
		aUUID, aV1, aV2, aType, aCat     sql.NullString
		aToIDS, aDist, aSG               sql.NullInt64
	)
	if err := sc.Scan(&id, &r.UUID, &ts, &obj, &r.ObjectUUID, &r.ReferencedUUID, &rid, &rtype, &r.RelationshipType,
		&r.Comment, &del, &ev, &r.SourceUUID, &tName, &tMeta, &tUUID, &tDist, &tSG,
		&aUUID, &aV1, &aV2, &aType, &aCat, &aToIDS, &aDist, &aSG); err != nil {
		return nil, err
	}
	r.ID, r.Timestamp, r.ObjectID, r.ReferencedID = misp.FlexInt(id), misp.Timestamp(ts), misp.FlexInt(obj), misp.FlexInt(rid)
	r.ReferencedType, r.Deleted, r.EventID = misp.ReferencedType(rtype), del != 0, misp.FlexInt(ev)
	if tUUID.Valid {
		r.Object = &misp.ReferencedObjectInfo{Name: tName.String, MetaCategory: tMeta.String, UUID: tUUID.String,
			Distribution: DistOf(tDist), SharingGroupID: misp.FlexInt(tSG.Int64)}
	}
	if aUUID.Valid {
		r.Attribute = &misp.ReferencedAttributeInfo{UUID: aUUID.String, Value: JoinValue(aV1.String, aV2.String),
			Type: aType.String, Category: aCat.String, ToIDS: OptBoolOf(aToIDS), Distribution: DistOf(aDist),
			SharingGroupID: misp.FlexInt(aSG.Int64)}
	}
	return &r, nil
}

// ScanReport reads an event report from ReportCols.
func ScanReport(sc Scanner) (*misp.EventReport, error) {
	var (
		r                 misp.EventReport
		id, ev, sg, ts, d int64
		dist              sql.NullInt64
	)
	if err := sc.Scan(&id, &r.UUID, &ev, &r.Name, &r.Content, &dist, &sg, &ts, &d); err != nil {
		return nil, err
	}
	r.ID, r.EventID, r.Distribution, r.SharingGroupID = misp.FlexInt(id), misp.FlexInt(ev), DistOf(dist), misp.FlexInt(sg)
	r.Timestamp, r.Deleted = misp.Timestamp(ts), d != 0
	return &r, nil
}

// ScanTag reads a tag from TagCols.
func ScanTag(sc Scanner) (*misp.Tag, error) {
	var (
		t                                   misp.Tag
		id, exp, org, user, hide, gal, cust int64
		lo                                  int64
		num                                 sql.NullInt64
	)
	if err := sc.Scan(&id, &t.Name, &t.Colour, &exp, &org, &user, &hide, &num, &gal, &cust, &lo); err != nil {
		return nil, err
	}
	t.ID, t.Exportable, t.OrgID, t.UserID, t.HideTag = misp.FlexInt(id), exp != 0, misp.FlexInt(org), misp.FlexInt(user), hide != 0
	if num.Valid {
		n := misp.FlexInt(num.Int64)
		t.NumericalValue = &n
	}
	t.IsGalaxy, t.IsCustomGalaxy, t.LocalOnly = gal != 0, cust != 0, lo != 0
	return &t, nil
}

// ScanUser reads a user from UserCols.
func ScanUser(sc Scanner) (*misp.User, error) {
	var (
		u                       misp.User
		id, org, role, disabled int64
		email, data             string
	)
	if err := sc.Scan(&id, &org, &email, &role, &disabled, &data); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(data), &u); err != nil {
		return nil, fmt.Errorf("decode user %d: %w", id, err)
	}
	u.Email = email
	u.ID, u.OrgID, u.RoleID, u.Disabled = misp.FlexInt(id), misp.FlexInt(org), misp.FlexInt(role), disabled != 0
	return &u, nil
}

// ---- loading ----

type Scanner interface{ Scan(...any) error }

// ---- sharing groups ----

const SGCols = `id, uuid, name, description, releasability, local, active, roaming, organisation_uuid, org_id,
sync_user_id, created, modified`

// SplitValue splits a Composite value at its first '|', as MISP stores it.
func SplitValue(typ, value string) (string, string) {
	if Composite(typ) {
		if v1, v2, ok := strings.Cut(value, "|"); ok {
			return v1, v2
		}
	}
	return value, ""
}

// Stamp sets an unset timestamp to the current time of the clock now.
func Stamp(t *misp.Timestamp, now func() time.Time) {
	if *t == 0 {
		*t = misp.TimestampOf(now())
	}
}

// ---- tags ----

const TagCols = `id, name, colour, exportable, org_id, user_id, hide_tag, numerical_value, is_galaxy,
is_custom_galaxy, local_only`

// ---- users ----

const UserCols = `id, org_id, email, role_id, disabled, data`

// UserData is the JSON of the user's fields that have no column of their own.
func UserData(u *misp.User) (string, error) {
	c := *u
	c.ID, c.OrgID, c.Email, c.RoleID, c.Disabled = 0, 0, "", 0, false
	c.Authkey, c.Password, c.Role, c.Organisation, c.Settings = "", "", nil, nil, nil
	b, err := json.Marshal(c)
	return string(b), err
}
