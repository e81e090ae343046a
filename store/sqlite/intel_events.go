package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/hunchsec/hunch/store/internal/sqlstore"

	"github.com/hunchsec/hunch/intel/acl"
	"github.com/hunchsec/hunch/misp"
	"github.com/hunchsec/hunch/store"
)

// ---- tags ----

// ensureTag returns the id of the tag named t.Name, creating it with t's fields when missing; cache remembers
// names already resolved in this transaction.
func ensureTag(ctx context.Context, tx *sql.Tx, t *misp.Tag, cache map[string]int64) (int64, error) {
	if id, ok := cache[t.Name]; ok {
		return id, nil
	}
	if t.Name == "" {
		return 0, errors.New("tag with an empty name")
	}
	var id int64
	err := tx.QueryRowContext(ctx, `SELECT id FROM tags WHERE name = ?`, t.Name).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		id, err = insertTag(ctx, tx, t)
	}
	if err != nil {
		return 0, fmt.Errorf("tag %q: %w", t.Name, err)
	}
	if cache != nil {
		cache[t.Name] = id
	}
	return id, nil
}

func insertTag(ctx context.Context, tx *sql.Tx, t *misp.Tag) (int64, error) {
	var id int64
	err := tx.QueryRowContext(ctx, `INSERT INTO tags (name, colour, exportable, org_id, user_id, hide_tag,
numerical_value, is_galaxy, is_custom_galaxy, local_only) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		t.Name, t.Colour, sqlstore.B2I(bool(t.Exportable)), int64(t.OrgID), int64(t.UserID), sqlstore.B2I(bool(t.HideTag)),
		sqlstore.NumArg(t.NumericalValue), sqlstore.B2I(bool(t.IsGalaxy)), sqlstore.B2I(bool(t.IsCustomGalaxy)), sqlstore.B2I(bool(t.LocalOnly))).Scan(&id)
	return id, constraintErr(err)
}

// tagJSON is a SQL expression building the JSON of a tag row t joined to its attachment row j, decoded by
// sqlstore.DecodeTags.
const tagJSON = `json_object('id', t.id, 'name', t.name, 'colour', t.colour, 'exportable', t.exportable,
'org_id', t.org_id, 'user_id', t.user_id, 'hide_tag', t.hide_tag, 'numerical_value', t.numerical_value,
'is_galaxy', t.is_galaxy, 'is_custom_galaxy', t.is_custom_galaxy, 'local_only', t.local_only, 'local', j.local,
'relationship_type', j.relationship_type)`

// attrTagsSQL and eventTagsSQL are correlated subqueries giving an attribute's and an event's tags as a JSON list.
const (
	attrTagsSQL = `(SELECT json_group_array(json(x)) FROM (SELECT ` + tagJSON + ` AS x FROM attribute_tags j
JOIN tags t ON t.id = j.tag_id WHERE j.attribute_id = a.id ORDER BY j.id))`
	eventTagsSQL = `(SELECT json_group_array(json(x)) FROM (SELECT ` + tagJSON + ` AS x FROM event_tags j
JOIN tags t ON t.id = j.tag_id WHERE j.event_id = e.id ORDER BY j.id))`
)

// ---- inserting an event aggregate ----

// saver inserts the elements of one event inside one transaction with prepared statements.
type saver struct {
	ctx     context.Context
	tx      *sql.Tx
	eventID int64
	tags    map[string]int64
	attr    *sql.Stmt
	attrTag *sql.Stmt
	// now is the store's clock.
	now func() time.Time
	// checkDups applies the duplicate rule of single-attribute writes.
	checkDups bool
	// bulk queues attributes for batched inserts (queue, flush) instead of inserting them one by one.
	bulk bool
	// uuids maps the uuids of this event's objects and attributes to their ids and referenced types, for
	// references.
	uuids map[string]ref

	// The batch of attributes queued for insertion (whole-event saves).
	nextID     int64
	batch      []any
	batchUUIDs []string
	batchTags  []queuedTags
	batchStmt  *sql.Stmt
}

type ref struct {
	id  int64
	typ misp.ReferencedType
}

const insertAttrSQL = `INSERT INTO attributes (uuid, event_id, object_id, object_relation, category, type,
value1, value2, to_ids, timestamp, distribution, sharing_group_id, comment, deleted, disable_correlation,
first_seen, last_seen, data, galaxies) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`

func newSaver(ctx context.Context, tx *sql.Tx, now func() time.Time, eventID int64, checkDups bool) (*saver, error) {
	s := &saver{ctx: ctx, tx: tx, now: now, eventID: eventID, tags: map[string]int64{}, uuids: map[string]ref{},
		checkDups: checkDups}
	var err error
	if s.attr, err = tx.PrepareContext(ctx, insertAttrSQL); err != nil {
		return nil, err
	}
	if s.attrTag, err = tx.PrepareContext(ctx, `INSERT INTO attribute_tags (attribute_id, event_id, tag_id, local,
relationship_type) VALUES (?, ?, ?, ?, ?) ON CONFLICT (attribute_id, tag_id) DO UPDATE SET local = excluded.local,
relationship_type = excluded.relationship_type`); err != nil {
		s.attr.Close()
		return nil, err
	}
	return s, nil
}

func (s *saver) close() {
	s.attr.Close()
	s.attrTag.Close()
	if s.batchStmt != nil {
		s.batchStmt.Close()
	}
}

// attrBatch is how many attributes a whole-event save inserts per statement: fewer statements cost less than
// one per row, and 64 rows of 20 values stay far below SQLite's limit on parameters.
const attrBatch = 64

const insertAttrColsWithID = `(id, uuid, event_id, object_id, object_relation, category, type, value1, value2,
to_ids, timestamp, distribution, sharing_group_id, comment, deleted, disable_correlation, first_seen, last_seen,
data, galaxies)`

func insertAttrsSQL(n int) string {
	row := "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
	return "INSERT INTO attributes " + insertAttrColsWithID + " VALUES " + strings.Repeat(row+", ", n-1) + row
}

type queuedTags struct {
	attrID int64
	tags   []misp.Tag
}

// queue adds a (in object objectID, 0 for none) to the batch of attributes to insert, giving it the next id:
// whole-event saves hold the single writer's transaction, so ids after the largest stored one are free.
func (s *saver) queue(a *misp.Attribute, objectID int64) error {
	if a.Type == "" {
		return fmt.Errorf("attribute %s: empty type", a.UUID)
	}
	if s.nextID == 0 {
		if err := s.tx.QueryRowContext(s.ctx, `SELECT coalesce(max(id), 0) FROM attributes`).Scan(&s.nextID); err != nil {
			return err
		}
	}
	a.UUID = sqlstore.UUIDOr(a.UUID)
	sqlstore.Stamp(&a.Timestamp, s.now)
	gal, err := sqlstore.JSONArg(a.Galaxy)
	if err != nil {
		return fmt.Errorf("attribute %s: %w", a.UUID, err)
	}
	s.nextID++
	id := s.nextID
	v1, v2 := sqlstore.SplitValue(a.Type, a.Value)
	s.batch = append(s.batch, id, a.UUID, s.eventID, objectID, string(a.ObjectRelation), a.Category, a.Type,
		v1, v2, sqlstore.OptBoolArg(a.ToIDS), int64(a.Timestamp), sqlstore.DistArg(a.Distribution), int64(a.SharingGroupID), a.Comment,
		sqlstore.B2I(bool(a.Deleted)), sqlstore.B2I(bool(a.DisableCorrelation)), sqlstore.MicroArg(a.FirstSeen), sqlstore.MicroArg(a.LastSeen), a.Data, gal)
	s.batchUUIDs = append(s.batchUUIDs, a.UUID)
	a.ID, a.EventID, a.ObjectID = misp.FlexInt(id), misp.FlexInt(s.eventID), misp.FlexInt(objectID)
	s.uuids[a.UUID] = ref{id, misp.ReferencedAttribute}
	if len(a.Tag) > 0 {
		s.batchTags = append(s.batchTags, queuedTags{id, a.Tag})
	}
	if len(s.batchUUIDs) == attrBatch {
		return s.flush()
	}
	return nil
}

// flush inserts the queued attributes and then their tags.
func (s *saver) flush() error {
	n := len(s.batchUUIDs)
	if n == 0 {
		return nil
	}
	var err error
	if n == attrBatch {
		if s.batchStmt == nil {
			if s.batchStmt, err = s.tx.PrepareContext(s.ctx, insertAttrsSQL(attrBatch)); err != nil {
				return err
			}
		}
		_, err = s.batchStmt.ExecContext(s.ctx, s.batch...)
	} else {
		_, err = s.tx.ExecContext(s.ctx, insertAttrsSQL(n), s.batch...)
	}
	if err != nil {
		return fmt.Errorf("attributes %s…: %w", s.batchUUIDs[0], constraintErr(err))
	}
	s.batch, s.batchUUIDs = s.batch[:0], s.batchUUIDs[:0]
	for _, q := range s.batchTags {
		if err := s.attributeTags(q.attrID, q.tags); err != nil {
			return err
		}
	}
	s.batchTags = s.batchTags[:0]
	return nil
}

// checkDuplicate refuses a live attribute outside objects that repeats one already in the event.
func (s *saver) checkDuplicate(a *misp.Attribute, objectID int64) error {
	if !s.checkDups || objectID != 0 || bool(a.Deleted) {
		return nil
	}
	v1, v2 := sqlstore.SplitValue(a.Type, a.Value)
	var one int
	err := s.tx.QueryRowContext(s.ctx, `SELECT 1 FROM attributes WHERE event_id = ? AND object_id = 0 AND deleted = 0
AND type = ? AND category = ? AND value1 = ? AND value2 = ? AND uuid <> ? LIMIT 1`,
		s.eventID, a.Type, a.Category, v1, v2, a.UUID).Scan(&one)
	switch {
	case err == nil:
		return &store.DuplicateAttributeError{EventID: s.eventID, Type: a.Type, Category: a.Category, Value: a.Value}
	case errors.Is(err, sql.ErrNoRows):
		return nil
	}
	return err
}

// attribute inserts a (in object objectID, 0 for none) with its tags and sets its ids.
func (s *saver) attribute(a *misp.Attribute, objectID int64) error {
	if a.Type == "" {
		return fmt.Errorf("attribute %s: empty type", a.UUID)
	}
	a.UUID = sqlstore.UUIDOr(a.UUID)
	if err := s.checkDuplicate(a, objectID); err != nil {
		return err
	}
	sqlstore.Stamp(&a.Timestamp, s.now)
	gal, err := sqlstore.JSONArg(a.Galaxy)
	if err != nil {
		return fmt.Errorf("attribute %s: %w", a.UUID, err)
	}
	v1, v2 := sqlstore.SplitValue(a.Type, a.Value)
	var id int64
	err = s.attr.QueryRowContext(s.ctx, a.UUID, s.eventID, objectID, string(a.ObjectRelation), a.Category, a.Type,
		v1, v2, sqlstore.OptBoolArg(a.ToIDS), int64(a.Timestamp), sqlstore.DistArg(a.Distribution), int64(a.SharingGroupID), a.Comment,
		sqlstore.B2I(bool(a.Deleted)), sqlstore.B2I(bool(a.DisableCorrelation)), sqlstore.MicroArg(a.FirstSeen), sqlstore.MicroArg(a.LastSeen), a.Data,
		gal).Scan(&id)
	if err != nil {
		return fmt.Errorf("attribute %s: %w", a.UUID, constraintErr(err))
	}
	a.ID, a.EventID, a.ObjectID = misp.FlexInt(id), misp.FlexInt(s.eventID), misp.FlexInt(objectID)
	s.uuids[a.UUID] = ref{id, misp.ReferencedAttribute}
	return s.attributeTags(id, a.Tag)
}

func (s *saver) attributeTags(attrID int64, tags []misp.Tag) error {
	for i := range tags {
		t := &tags[i]
		tid, err := ensureTag(s.ctx, s.tx, t, s.tags)
		if err != nil {
			return err
		}
		t.ID = misp.FlexInt(tid)
		if _, err := s.attrTag.ExecContext(s.ctx, attrID, s.eventID, tid, sqlstore.B2I(bool(t.Local)),
			string(t.RelationshipType)); err != nil {
			return fmt.Errorf("tag %q on attribute %d: %w", t.Name, attrID, constraintErr(err))
		}
	}
	return nil
}

func (s *saver) eventTags(tags []misp.Tag) error {
	for i := range tags {
		t := &tags[i]
		tid, err := ensureTag(s.ctx, s.tx, t, s.tags)
		if err != nil {
			return err
		}
		t.ID = misp.FlexInt(tid)
		if err := attachEventTag(s.ctx, s.tx, s.eventID, tid, bool(t.Local), string(t.RelationshipType)); err != nil {
			return err
		}
	}
	return nil
}

func attachEventTag(ctx context.Context, tx *sql.Tx, eventID, tagID int64, local bool, rel string) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO event_tags (event_id, tag_id, local, relationship_type) VALUES (?, ?, ?, ?)
ON CONFLICT (event_id, tag_id) DO UPDATE SET local = excluded.local, relationship_type = excluded.relationship_type`,
		eventID, tagID, sqlstore.B2I(local), rel)
	if err != nil {
		return fmt.Errorf("tag %d on event %d: %w", tagID, eventID, constraintErr(err))
	}
	return nil
}

// object inserts o (without its references) and its attributes.
func (s *saver) object(o *misp.Object) error {
	o.UUID = sqlstore.UUIDOr(o.UUID)
	sqlstore.Stamp(&o.Timestamp, s.now)
	var id int64
	err := s.tx.QueryRowContext(s.ctx, `INSERT INTO objects (uuid, event_id, name, meta_category, description,
template_uuid, template_version, timestamp, distribution, sharing_group_id, comment, deleted, first_seen, last_seen)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		o.UUID, s.eventID, o.Name, o.MetaCategory, o.Description, o.TemplateUUID, int64(o.TemplateVersion),
		int64(o.Timestamp), sqlstore.DistArg(o.Distribution), int64(o.SharingGroupID), o.Comment, sqlstore.B2I(bool(o.Deleted)),
		sqlstore.MicroArg(o.FirstSeen), sqlstore.MicroArg(o.LastSeen)).Scan(&id)
	if err != nil {
		return fmt.Errorf("object %s: %w", o.UUID, constraintErr(err))
	}
	o.ID, o.EventID = misp.FlexInt(id), misp.FlexInt(s.eventID)
	s.uuids[o.UUID] = ref{id, misp.ReferencedObject}
	for i := range o.Attribute {
		add := s.attribute
		if s.bulk {
			add = s.queue
		}
		if err := add(&o.Attribute[i], id); err != nil {
			return err
		}
	}
	return nil
}

// reference inserts r of object objectID, resolving its target among this event's elements or in the store.
func (s *saver) reference(r *misp.ObjectReference, objectID int64, objectUUID string) error {
	r.UUID = sqlstore.UUIDOr(r.UUID)
	sqlstore.Stamp(&r.Timestamp, s.now)
	r.ReferencedUUID = strings.ToLower(r.ReferencedUUID)
	if t, ok := s.uuids[r.ReferencedUUID]; ok {
		r.ReferencedID, r.ReferencedType = misp.FlexInt(t.id), t.typ
	} else if t, ok, err := lookupElement(s.ctx, s.tx, r.ReferencedUUID); err != nil {
		return err
	} else if ok {
		r.ReferencedID, r.ReferencedType = misp.FlexInt(t.id), t.typ
	}
	var id int64
	err := s.tx.QueryRowContext(s.ctx, `INSERT INTO object_references (uuid, timestamp, object_id, event_id,
source_uuid, referenced_uuid, referenced_id, referenced_type, relationship_type, comment, deleted)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		r.UUID, int64(r.Timestamp), objectID, s.eventID, r.SourceUUID, r.ReferencedUUID, int64(r.ReferencedID),
		int64(r.ReferencedType), r.RelationshipType, r.Comment, sqlstore.B2I(bool(r.Deleted))).Scan(&id)
	if err != nil {
		return fmt.Errorf("object reference %s: %w", r.UUID, constraintErr(err))
	}
	r.ID, r.ObjectID, r.EventID = misp.FlexInt(id), misp.FlexInt(objectID), misp.FlexInt(s.eventID)
	if r.ObjectUUID == "" {
		r.ObjectUUID = objectUUID
	}
	return nil
}

// lookupElement finds an object or attribute by uuid anywhere in the store.
func lookupElement(ctx context.Context, tx *sql.Tx, uuid string) (ref, bool, error) {
	var id int64
	err := tx.QueryRowContext(ctx, `SELECT id FROM objects WHERE uuid = ?`, uuid).Scan(&id)
	if err == nil {
		return ref{id, misp.ReferencedObject}, true, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return ref{}, false, err
	}
	err = tx.QueryRowContext(ctx, `SELECT id FROM attributes WHERE uuid = ?`, uuid).Scan(&id)
	if err == nil {
		return ref{id, misp.ReferencedAttribute}, true, nil
	}
	if errors.Is(err, sql.ErrNoRows) {
		return ref{}, false, nil
	}
	return ref{}, false, err
}

func (s *saver) report(r *misp.EventReport) error {
	r.UUID = sqlstore.UUIDOr(r.UUID)
	sqlstore.Stamp(&r.Timestamp, s.now)
	var id int64
	err := s.tx.QueryRowContext(s.ctx, `INSERT INTO event_reports (uuid, event_id, name, content, distribution,
sharing_group_id, timestamp, deleted) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		r.UUID, s.eventID, r.Name, r.Content, sqlstore.DistArg(r.Distribution), int64(r.SharingGroupID), int64(r.Timestamp),
		sqlstore.B2I(bool(r.Deleted))).Scan(&id)
	if err != nil {
		return fmt.Errorf("event report %s: %w", r.UUID, constraintErr(err))
	}
	r.ID, r.EventID = misp.FlexInt(id), misp.FlexInt(s.eventID)
	return nil
}

// resolveOrg returns id when set, else the id of the organisation o names by uuid or name, created when missing.
func resolveOrg(ctx context.Context, tx *sql.Tx, id misp.FlexInt, o *misp.Organisation) (int64, error) {
	if id != 0 || o == nil {
		return int64(id), nil
	}
	var found int64
	err := tx.QueryRowContext(ctx, `SELECT id FROM orgs WHERE (uuid = ? AND ? <> '') OR name = ? ORDER BY uuid = ? DESC LIMIT 1`,
		o.UUID, o.UUID, o.Name, o.UUID).Scan(&found)
	if err == nil {
		return found, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return 0, err
	}
	c := *o
	c.ID = 0
	if err := sqlstore.InsertOrg(ctx, querier{tx}, &c, constraintErr); err != nil {
		return 0, err
	}
	return int64(c.ID), nil
}

// SaveEvent stores a new event with its whole aggregate in one transaction.
func (db *DB) SaveEvent(ctx context.Context, e *misp.Event) error {
	if err := db.write(ctx, func(tx *sql.Tx) error { return saveEvent(ctx, tx, e, db.now) }); err != nil {
		return fmt.Errorf("save event %s: %w", e.UUID, err)
	}
	return nil
}

func saveEvent(ctx context.Context, tx *sql.Tx, e *misp.Event, now func() time.Time) error {
	org, err := resolveOrg(ctx, tx, e.OrgID, e.Org)
	if err != nil {
		return err
	}
	orgc, err := resolveOrg(ctx, tx, e.OrgcID, e.Orgc)
	if err != nil {
		return err
	}
	if orgc == 0 {
		orgc = org
	}
	e.UUID = sqlstore.UUIDOr(e.UUID)
	sqlstore.Stamp(&e.Timestamp, now)
	e.AttributeCount = misp.FlexInt(sqlstore.LiveAttributes(e))
	args, err := sqlstore.EventArgs(e, org, orgc)
	if err != nil {
		return err
	}
	var id int64
	err = tx.QueryRowContext(ctx, `INSERT INTO events (`+strings.ReplaceAll(sqlstore.EventCols[len("e.id, "):], "e.", "")+`)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, args...).Scan(&id)
	if err != nil {
		return constraintErr(err)
	}
	e.ID, e.OrgID, e.OrgcID = misp.FlexInt(id), misp.FlexInt(org), misp.FlexInt(orgc)
	s, err := newSaver(ctx, tx, now, id, false)
	if err != nil {
		return err
	}
	defer s.close()
	s.bulk = true
	if err := s.eventTags(e.Tag); err != nil {
		return err
	}
	for i := range e.Attribute {
		if err := s.queue(&e.Attribute[i], 0); err != nil {
			return err
		}
	}
	for i := range e.Object {
		if err := s.object(&e.Object[i]); err != nil {
			return err
		}
	}
	if err := s.flush(); err != nil {
		return err
	}
	for i := range e.Object {
		o := &e.Object[i]
		for j := range o.ObjectReference {
			if err := s.reference(&o.ObjectReference[j], int64(o.ID), o.UUID); err != nil {
				return err
			}
		}
	}
	for i := range e.EventReport {
		if err := s.report(&e.EventReport[i]); err != nil {
			return err
		}
	}
	return nil
}

// loadEvent reads the event selected by where with its aggregate.
func (db *DB) loadEvent(ctx context.Context, where string, key any, opts sqlstore.LoadOpts) (*misp.Event, error) {
	r, err := db.reader()
	if err != nil {
		return nil, err
	}
	var tagsJSON sql.NullString
	e, err := sqlstore.ScanEvent(r.QueryRowContext(ctx, `SELECT `+sqlstore.EventCols+`, `+eventTagsSQL+` FROM events e WHERE `+where, key),
		&tagsJSON)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, sqlstore.NotFound("event", key)
	}
	if err != nil {
		return nil, fmt.Errorf("read event %v: %w", key, err)
	}
	if err := db.fillEvent(ctx, r, e, tagsJSON, opts); err != nil {
		return nil, fmt.Errorf("read event %v: %w", key, err)
	}
	return e, nil
}

// fillEvent reads e's organisations, sharing group, tags and (unless opts.Metadata) elements.
func (db *DB) fillEvent(ctx context.Context, r *sql.DB, e *misp.Event, tagsJSON sql.NullString, opts sqlstore.LoadOpts) error {
	var err error
	if e.Tag, err = sqlstore.DecodeTags(tagsJSON); err != nil {
		return err
	}
	if e.Org, err = db.Org(ctx, int64(e.OrgID)); err != nil {
		return err
	}
	if e.Orgc, err = db.Org(ctx, int64(e.OrgcID)); err != nil {
		return err
	}
	if e.SharingGroupID != 0 {
		if sg, err := db.SharingGroup(ctx, int64(e.SharingGroupID)); err == nil {
			e.SharingGroup = sg
		} else if !errors.Is(err, store.ErrNotFound) {
			return err
		}
	}
	if opts.Metadata {
		return nil
	}
	ev := sqlstore.ACLEvent(e)
	readable := func(kind acl.ElementKind, d misp.Distribution, sg misp.FlexInt, parents ...acl.Element) bool {
		return opts.Cond == nil || opts.Cond.MatchElement(ev, sqlstore.ACLElement(kind, d, sg), parents...)
	}

	// Objects first, so that their attributes can be placed.
	rows, err := r.QueryContext(ctx, `SELECT `+sqlstore.ObjectCols+` FROM objects o WHERE o.event_id = ? ORDER BY o.id`, int64(e.ID))
	if err != nil {
		return err
	}
	objIndex := map[int64]int{}
	for rows.Next() {
		o, err := sqlstore.ScanObject(rows)
		if err != nil {
			rows.Close()
			return err
		}
		if !opts.KeepDeleted(bool(o.Deleted)) || !readable(acl.KindObject, o.Distribution, o.SharingGroupID) {
			continue
		}
		objIndex[int64(o.ID)] = len(e.Object)
		e.Object = append(e.Object, *o)
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return err
	}

	// The attributes' tags in one query for the whole event, rather than one subquery an attribute: a large
	// event loads in half the time.
	attrTags, err := eventAttributeTags(ctx, r, int64(e.ID))
	if err != nil {
		return err
	}
	rows, err = r.QueryContext(ctx, `SELECT `+sqlstore.AttrCols+`, NULL FROM attributes a WHERE a.event_id = ?
ORDER BY a.id`, int64(e.ID))
	if err != nil {
		return err
	}
	if e.Attribute == nil && e.AttributeCount > 0 {
		e.Attribute = make([]misp.Attribute, 0, min(int(e.AttributeCount), 1<<16))
	}
	for rows.Next() {
		var tags sql.NullString
		a, err := sqlstore.ScanAttribute(rows, &tags)
		if err != nil {
			rows.Close()
			return err
		}
		a.Tag = attrTags[int64(a.ID)]
		if !opts.KeepDeleted(bool(a.Deleted)) {
			continue
		}
		if a.ObjectID == 0 {
			if readable(acl.KindAttribute, a.Distribution, a.SharingGroupID) {
				e.Attribute = append(e.Attribute, *a)
			}
			continue
		}
		i, ok := objIndex[int64(a.ObjectID)]
		if !ok {
			continue // its object is deleted or unreadable
		}
		o := &e.Object[i]
		if readable(acl.KindAttribute, a.Distribution, a.SharingGroupID, sqlstore.ACLElement(acl.KindObject, o.Distribution, o.SharingGroupID)) {
			o.Attribute = append(o.Attribute, *a)
		}
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return err
	}

	rows, err = r.QueryContext(ctx, sqlstore.RefSQL+`WHERE r.event_id = ? ORDER BY r.id`, int64(e.ID))
	if err != nil {
		return err
	}
	for rows.Next() {
		ref, err := sqlstore.ScanReference(rows)
		if err != nil {
			rows.Close()
			return err
		}
		if i, ok := objIndex[int64(ref.ObjectID)]; ok && opts.KeepDeleted(bool(ref.Deleted)) {
			e.Object[i].ObjectReference = append(e.Object[i].ObjectReference, *ref)
		}
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return err
	}

	rows, err = r.QueryContext(ctx, `SELECT id, uuid, event_id, name, content, distribution, sharing_group_id,
timestamp, deleted FROM event_reports WHERE event_id = ? ORDER BY id`, int64(e.ID))
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var (
			rep               misp.EventReport
			id, ev, sg, ts, d int64
			dist              sql.NullInt64
		)
		if err := rows.Scan(&id, &rep.UUID, &ev, &rep.Name, &rep.Content, &dist, &sg, &ts, &d); err != nil {
			return err
		}
		rep.ID, rep.EventID, rep.Distribution, rep.SharingGroupID = misp.FlexInt(id), misp.FlexInt(ev), sqlstore.DistOf(dist), misp.FlexInt(sg)
		rep.Timestamp, rep.Deleted = misp.Timestamp(ts), d != 0
		if opts.KeepDeleted(bool(rep.Deleted)) && readable(acl.KindEventReport, rep.Distribution, rep.SharingGroupID) {
			e.EventReport = append(e.EventReport, rep)
		}
	}
	return rows.Err()
}

// eventAttributeTags returns the tags of event id's attributes by attribute id, each list in the order the
// tags were attached.
func eventAttributeTags(ctx context.Context, r *sql.DB, id int64) (map[int64][]misp.Tag, error) {
	rows, err := r.QueryContext(ctx, `SELECT attribute_id, json_group_array(json(x)) FROM (SELECT j.attribute_id,
`+tagJSON+` AS x FROM attribute_tags j JOIN tags t ON t.id = j.tag_id WHERE j.event_id = ? ORDER BY j.attribute_id, j.id)
GROUP BY attribute_id`, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	tags := map[int64][]misp.Tag{}
	for rows.Next() {
		var (
			attr int64
			list sql.NullString
		)
		if err := rows.Scan(&attr, &list); err != nil {
			return nil, err
		}
		if tags[attr], err = sqlstore.DecodeTags(list); err != nil {
			return nil, err
		}
	}
	return tags, rows.Err()
}

// Event returns event id with its whole aggregate.
func (db *DB) Event(ctx context.Context, id int64) (*misp.Event, error) {
	return db.loadEvent(ctx, "e.id = ?", id, sqlstore.LoadOpts{Deleted: store.LiveAndDeleted})
}

// EventByUUID returns the event with uuid with its whole aggregate.
func (db *DB) EventByUUID(ctx context.Context, uuid string) (*misp.Event, error) {
	return db.loadEvent(ctx, "e.uuid = ?", uuid, sqlstore.LoadOpts{Deleted: store.LiveAndDeleted})
}

// ---- editing ----

// UpdateEvent applies an edit of an existing event under the timestamp rule.
func (db *DB) UpdateEvent(ctx context.Context, e *misp.Event) error {
	err := db.write(ctx, func(tx *sql.Tx) error { return updateEvent(ctx, tx, e, db.now) })
	if err != nil {
		return fmt.Errorf("update event %s: %w", e.UUID, err)
	}
	return nil
}

func updateEvent(ctx context.Context, tx *sql.Tx, e *misp.Event, now func() time.Time) error {
	var (
		id, org, orgc, ts int64
		where             = "id = ?"
		key               any
	)
	key = int64(e.ID)
	if e.ID == 0 {
		where, key = "uuid = ?", e.UUID
	}
	err := tx.QueryRowContext(ctx, `SELECT id, org_id, orgc_id, timestamp FROM events WHERE `+where, key).
		Scan(&id, &org, &orgc, &ts)
	if errors.Is(err, sql.ErrNoRows) {
		return sqlstore.NotFound("event", key)
	}
	if err != nil {
		return err
	}
	if !misp.IsNewer(e.Timestamp, misp.Timestamp(ts)) {
		return &store.NotNewerError{What: "Event", Incoming: e.Timestamp, Stored: misp.Timestamp(ts)}
	}
	sqlstore.Stamp(&e.Timestamp, now)
	if e.OrgID != 0 {
		org = int64(e.OrgID)
	}
	if e.OrgcID != 0 {
		orgc = int64(e.OrgcID)
	}
	var storedUUID string
	if err := tx.QueryRowContext(ctx, `SELECT uuid FROM events WHERE id = ?`, id).Scan(&storedUUID); err != nil {
		return err
	}
	e.ID, e.UUID, e.OrgID, e.OrgcID = misp.FlexInt(id), storedUUID, misp.FlexInt(org), misp.FlexInt(orgc)
	args, err := sqlstore.EventArgs(e, org, orgc)
	if err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, `UPDATE events SET uuid = ?, org_id = ?, orgc_id = ?, user_id = ?, date = ?,
threat_level_id = ?, info = ?, published = ?, attribute_count = ?, analysis = ?, timestamp = ?, distribution = ?,
sharing_group_id = ?, proposal_email_lock = ?, locked = ?, publish_timestamp = ?, sighting_timestamp = ?,
disable_correlation = ?, extends_uuid = ?, protected = ?, event_creator_email = ?, galaxies = ? WHERE id = ?`,
		append(args, id)...)
	if err != nil {
		return constraintErr(err)
	}
	s, err := newSaver(ctx, tx, now, id, false)
	if err != nil {
		return err
	}
	defer s.close()
	if e.Tag != nil {
		if _, err := tx.ExecContext(ctx, `DELETE FROM event_tags WHERE event_id = ?`, id); err != nil {
			return err
		}
		if err := s.eventTags(e.Tag); err != nil {
			return err
		}
	}
	for i := range e.Attribute {
		if err := s.upsertAttribute(&e.Attribute[i], 0); err != nil {
			return err
		}
	}
	for i := range e.Object {
		if err := s.upsertObject(&e.Object[i]); err != nil {
			return err
		}
	}
	for i := range e.Object {
		o := &e.Object[i]
		for j := range o.ObjectReference {
			if err := s.upsertReference(&o.ObjectReference[j], int64(o.ID), o.UUID); err != nil {
				return err
			}
		}
	}
	for i := range e.EventReport {
		if err := s.upsertReport(&e.EventReport[i]); err != nil {
			return err
		}
	}
	return recount(ctx, tx, id)
}

// recount refreshes an event's attribute_count.
// changed records a change to an element of event eventID at at: its attribute_count again, and its timestamp
// moved up to at, as MISP moves an event's timestamp when an attribute or object in it is added, edited,
// deleted or restored (sync and restSearch's timestamp filters then see the event changed).
func changed(ctx context.Context, tx *sql.Tx, at time.Time, eventID int64) error {
	_, err := tx.ExecContext(ctx, `UPDATE events SET attribute_count =
(SELECT count(*) FROM attributes WHERE event_id = ? AND deleted = 0), timestamp = max(timestamp, ?) WHERE id = ?`,
		eventID, at.Unix(), eventID)
	return err
}

func recount(ctx context.Context, tx *sql.Tx, eventID int64) error {
	_, err := tx.ExecContext(ctx, `UPDATE events SET attribute_count =
(SELECT count(*) FROM attributes WHERE event_id = ? AND deleted = 0) WHERE id = ?`, eventID, eventID)
	return err
}

// existing returns the id, event and timestamp of the row of table with uuid; ok is false when there is none.
func existing(ctx context.Context, tx *sql.Tx, table, uuid string) (id, event, ts int64, ok bool, err error) {
	err = tx.QueryRowContext(ctx, `SELECT id, event_id, timestamp FROM `+table+` WHERE uuid = ?`, uuid).Scan(&id, &event, &ts)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, 0, 0, false, nil
	}
	return id, event, ts, err == nil, err
}

func (s *saver) upsertAttribute(a *misp.Attribute, objectID int64) error {
	if a.UUID == "" {
		return s.attribute(a, objectID)
	}
	a.UUID = strings.ToLower(a.UUID)
	id, ev, ts, ok, err := existing(s.ctx, s.tx, "attributes", a.UUID)
	if err != nil {
		return err
	}
	if !ok {
		return s.attribute(a, objectID)
	}
	if ev != s.eventID {
		return fmt.Errorf("attribute %s belongs to another event: %w", a.UUID, store.ErrConflict)
	}
	a.ID, a.EventID, a.ObjectID = misp.FlexInt(id), misp.FlexInt(ev), misp.FlexInt(objectID)
	s.uuids[a.UUID] = ref{id, misp.ReferencedAttribute}
	if !misp.IsNewer(a.Timestamp, misp.Timestamp(ts)) {
		return nil
	}
	if err := editAttribute(s.ctx, s.tx, s.now, a, objectID, false); err != nil {
		return err
	}
	if a.Tag != nil {
		if _, err := s.tx.ExecContext(s.ctx, `DELETE FROM attribute_tags WHERE attribute_id = ?`, id); err != nil {
			return err
		}
		return s.attributeTags(id, a.Tag)
	}
	return nil
}

// editAttribute writes a's fields over the stored attribute a.ID (keeping its event), after the duplicate check
// when checkDups is set.
func editAttribute(ctx context.Context, tx *sql.Tx, now func() time.Time, a *misp.Attribute, objectID int64,
	checkDups bool) error {
	s := &saver{ctx: ctx, tx: tx, now: now, eventID: int64(a.EventID), checkDups: checkDups}
	if err := s.checkDuplicate(a, objectID); err != nil {
		return err
	}
	sqlstore.Stamp(&a.Timestamp, s.now)
	gal, err := sqlstore.JSONArg(a.Galaxy)
	if err != nil {
		return err
	}
	v1, v2 := sqlstore.SplitValue(a.Type, a.Value)
	_, err = tx.ExecContext(ctx, `UPDATE attributes SET object_id = ?, object_relation = ?, category = ?, type = ?,
value1 = ?, value2 = ?, to_ids = ?, timestamp = ?, distribution = ?, sharing_group_id = ?, comment = ?, deleted = ?,
disable_correlation = ?, first_seen = ?, last_seen = ?, data = ?, galaxies = ? WHERE id = ?`,
		objectID, string(a.ObjectRelation), a.Category, a.Type, v1, v2, sqlstore.OptBoolArg(a.ToIDS), int64(a.Timestamp),
		sqlstore.DistArg(a.Distribution), int64(a.SharingGroupID), a.Comment, sqlstore.B2I(bool(a.Deleted)), sqlstore.B2I(bool(a.DisableCorrelation)),
		sqlstore.MicroArg(a.FirstSeen), sqlstore.MicroArg(a.LastSeen), a.Data, gal, int64(a.ID))
	if err != nil {
		return fmt.Errorf("attribute %s: %w", a.UUID, constraintErr(err))
	}
	return nil
}

func (s *saver) upsertObject(o *misp.Object) error {
	if o.UUID == "" {
		return s.object(o)
	}
	o.UUID = strings.ToLower(o.UUID)
	id, ev, ts, ok, err := existing(s.ctx, s.tx, "objects", o.UUID)
	if err != nil {
		return err
	}
	if !ok {
		return s.object(o)
	}
	if ev != s.eventID {
		return fmt.Errorf("object %s belongs to another event: %w", o.UUID, store.ErrConflict)
	}
	o.ID, o.EventID = misp.FlexInt(id), misp.FlexInt(ev)
	s.uuids[o.UUID] = ref{id, misp.ReferencedObject}
	if misp.IsNewer(o.Timestamp, misp.Timestamp(ts)) {
		sqlstore.Stamp(&o.Timestamp, s.now)
		if _, err := s.tx.ExecContext(s.ctx, `UPDATE objects SET name = ?, meta_category = ?, description = ?,
template_uuid = ?, template_version = ?, timestamp = ?, distribution = ?, sharing_group_id = ?, comment = ?,
deleted = ?, first_seen = ?, last_seen = ? WHERE id = ?`, o.Name, o.MetaCategory, o.Description, o.TemplateUUID,
			int64(o.TemplateVersion), int64(o.Timestamp), sqlstore.DistArg(o.Distribution), int64(o.SharingGroupID), o.Comment,
			sqlstore.B2I(bool(o.Deleted)), sqlstore.MicroArg(o.FirstSeen), sqlstore.MicroArg(o.LastSeen), id); err != nil {
			return fmt.Errorf("object %s: %w", o.UUID, constraintErr(err))
		}
	}
	for i := range o.Attribute {
		if err := s.upsertAttribute(&o.Attribute[i], id); err != nil {
			return err
		}
	}
	return nil
}

func (s *saver) upsertReference(r *misp.ObjectReference, objectID int64, objectUUID string) error {
	if r.UUID == "" {
		return s.reference(r, objectID, objectUUID)
	}
	r.UUID = strings.ToLower(r.UUID)
	id, ev, ts, ok, err := existing(s.ctx, s.tx, "object_references", r.UUID)
	if err != nil {
		return err
	}
	if !ok {
		return s.reference(r, objectID, objectUUID)
	}
	if ev != s.eventID {
		return fmt.Errorf("object reference %s belongs to another event: %w", r.UUID, store.ErrConflict)
	}
	r.ID, r.EventID, r.ObjectID = misp.FlexInt(id), misp.FlexInt(ev), misp.FlexInt(objectID)
	if !misp.IsNewer(r.Timestamp, misp.Timestamp(ts)) {
		return nil
	}
	sqlstore.Stamp(&r.Timestamp, s.now)
	_, err = s.tx.ExecContext(s.ctx, `UPDATE object_references SET timestamp = ?, relationship_type = ?, comment = ?,
deleted = ? WHERE id = ?`, int64(r.Timestamp), r.RelationshipType, r.Comment, sqlstore.B2I(bool(r.Deleted)), id)
	return constraintErr(err)
}

func (s *saver) upsertReport(r *misp.EventReport) error {
	if r.UUID == "" {
		return s.report(r)
	}
	r.UUID = strings.ToLower(r.UUID)
	id, ev, ts, ok, err := existing(s.ctx, s.tx, "event_reports", r.UUID)
	if err != nil {
		return err
	}
	if !ok {
		return s.report(r)
	}
	if ev != s.eventID {
		return fmt.Errorf("event report %s belongs to another event: %w", r.UUID, store.ErrConflict)
	}
	r.ID, r.EventID = misp.FlexInt(id), misp.FlexInt(ev)
	if !misp.IsNewer(r.Timestamp, misp.Timestamp(ts)) {
		return nil
	}
	sqlstore.Stamp(&r.Timestamp, s.now)
	_, err = s.tx.ExecContext(s.ctx, `UPDATE event_reports SET name = ?, content = ?, distribution = ?,
sharing_group_id = ?, timestamp = ?, deleted = ? WHERE id = ?`, r.Name, r.Content, sqlstore.DistArg(r.Distribution),
		int64(r.SharingGroupID), int64(r.Timestamp), sqlstore.B2I(bool(r.Deleted)), id)
	return constraintErr(err)
}

// DeleteEvent deletes event id and everything in it.
func (db *DB) DeleteEvent(ctx context.Context, id int64) error {
	return db.write(ctx, func(tx *sql.Tx) error {
		// Rows that reference the event without a foreign key go first.
		for _, q := range []string{
			`DELETE FROM sightings WHERE event_id = ?`,
			`DELETE FROM attribute_tags WHERE event_id = ?`,
			`DELETE FROM object_references WHERE event_id = ?`,
		} {
			if _, err := tx.ExecContext(ctx, q, id); err != nil {
				return fmt.Errorf("delete event %d: %w", id, err)
			}
		}
		res, err := tx.ExecContext(ctx, `DELETE FROM events WHERE id = ?`, id)
		if err := affected(res, err, "event", id); err != nil {
			return fmt.Errorf("delete event: %w", err)
		}
		return nil
	})
}

// PublishEvent marks event id published at at.
func (db *DB) PublishEvent(ctx context.Context, id int64, at time.Time) error {
	return db.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE events SET published = 1, publish_timestamp = ? WHERE id = ?`, at.Unix(), id)
		if err := affected(res, err, "event", id); err != nil {
			return fmt.Errorf("publish event: %w", err)
		}
		return nil
	})
}

// UnpublishEvent clears event id's published flag.
func (db *DB) UnpublishEvent(ctx context.Context, id int64) error {
	return db.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE events SET published = 0 WHERE id = ?`, id)
		if err := affected(res, err, "event", id); err != nil {
			return fmt.Errorf("unpublish event: %w", err)
		}
		return nil
	})
}
