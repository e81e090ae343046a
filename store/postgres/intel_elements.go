package postgres

import (
	"context"
	"database/sql"

	"github.com/hunchsec/hunch/store/internal/sqlstore"

	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/hunchsec/hunch/misp"
	"github.com/hunchsec/hunch/store"
)

// eventOf returns the id of the event that the row id of table belongs to.
// It locks that event's row as requireEvent does.
func eventOf(ctx context.Context, tx pgx.Tx, table string, id int64) (int64, error) {
	var ev int64
	err := tx.QueryRow(ctx, `SELECT event_id FROM `+table+` WHERE id = $1`, id).Scan(&ev)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, sqlstore.NotFound(strings.TrimSuffix(table, "s"), id)
	}
	if err != nil {
		return 0, err
	}
	return ev, requireEvent(ctx, tx, ev)
}

// requireEvent checks that event id exists and locks its row until the transaction ends. Writers run side by side
// on PostgreSQL, and each statement of a read-committed transaction sees what others committed before it began:
// with the event locked first, writes to one event's elements take turns, so that the duplicate check, the
// timestamp rule and the attribute count see every earlier write, as with SQLite's single writer.
func requireEvent(ctx context.Context, tx pgx.Tx, id int64) error {
	var one int
	err := tx.QueryRow(ctx, `SELECT 1 FROM events WHERE id = $1 FOR UPDATE`, id).Scan(&one)
	if errors.Is(err, pgx.ErrNoRows) {
		return sqlstore.NotFound("event", id)
	}
	return err
}

// ---- attributes ----

// AddAttribute stores a with its tags in event eventID.
func (db *DB) AddAttribute(ctx context.Context, eventID int64, a *misp.Attribute) error {
	err := db.write(ctx, func(tx pgx.Tx) error {
		if err := requireEvent(ctx, tx, eventID); err != nil {
			return err
		}
		s := newSaver(ctx, tx, db.now, eventID, true)
		if err := s.attribute(a, int64(a.ObjectID)); err != nil {
			return err
		}
		return changed(ctx, tx, db.now(), eventID)
	})
	if err != nil {
		return fmt.Errorf("add attribute to event %d: %w", eventID, err)
	}
	return nil
}

func (db *DB) loadAttribute(ctx context.Context, where string, key any) (*misp.Attribute, error) {
	r, err := db.reader()
	if err != nil {
		return nil, err
	}
	var tags sql.NullString
	a, err := sqlstore.ScanAttribute(r.QueryRow(ctx, `SELECT `+sqlstore.AttrCols+`, `+attrTagsSQL+` FROM attributes a WHERE `+where, key), &tags)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, sqlstore.NotFound("attribute", key)
	}
	if err != nil {
		return nil, fmt.Errorf("read attribute %v: %w", key, err)
	}
	if a.Tag, err = sqlstore.DecodeTags(tags); err != nil {
		return nil, fmt.Errorf("read attribute %v: %w", key, err)
	}
	return a, nil
}

// Attribute returns attribute id with its tags.
func (db *DB) Attribute(ctx context.Context, id int64) (*misp.Attribute, error) {
	return db.loadAttribute(ctx, "a.id = $1", id)
}

// AttributeByUUID returns the attribute with uuid with its tags.
func (db *DB) AttributeByUUID(ctx context.Context, uuid string) (*misp.Attribute, error) {
	return db.loadAttribute(ctx, "a.uuid = lower($1)", uuid)
}

// EditAttribute replaces the fields of an attribute under the timestamp rule.
func (db *DB) EditAttribute(ctx context.Context, a *misp.Attribute) error {
	err := db.write(ctx, func(tx pgx.Tx) error {
		where, key := "id = $1", any(int64(a.ID))
		if a.ID == 0 {
			where, key = "uuid = lower($1)", any(a.UUID)
		}
		var id, ev, obj, ts int64
		var uuid string
		err := tx.QueryRow(ctx, `SELECT id, event_id, object_id, timestamp, uuid FROM attributes WHERE `+where, key).
			Scan(&id, &ev, &obj, &ts, &uuid)
		if errors.Is(err, pgx.ErrNoRows) {
			return sqlstore.NotFound("attribute", key)
		}
		if err != nil {
			return err
		}
		if err := requireEvent(ctx, tx, ev); err != nil {
			return err
		}
		// Read again under the event's lock: another writer may have changed the attribute meanwhile.
		err = tx.QueryRow(ctx, `SELECT object_id, timestamp FROM attributes WHERE id = $1`, id).Scan(&obj, &ts)
		if errors.Is(err, pgx.ErrNoRows) {
			return sqlstore.NotFound("attribute", key)
		}
		if err != nil {
			return err
		}
		if !misp.IsNewer(a.Timestamp, misp.Timestamp(ts)) {
			return &store.NotNewerError{What: "Attribute", Incoming: a.Timestamp, Stored: misp.Timestamp(ts)}
		}
		a.ID, a.EventID, a.ObjectID, a.UUID = misp.FlexInt(id), misp.FlexInt(ev), misp.FlexInt(obj), uuid
		if err := editAttribute(ctx, tx, db.now, a, obj, true); err != nil {
			return err
		}
		return changed(ctx, tx, db.now(), ev)
	})
	if err != nil {
		return fmt.Errorf("edit attribute: %w", err)
	}
	return nil
}

// DeleteAttribute deletes attribute id, softly or for good.
func (db *DB) DeleteAttribute(ctx context.Context, id int64, hard bool, at time.Time) error {
	err := db.write(ctx, func(tx pgx.Tx) error {
		ev, err := eventOf(ctx, tx, "attributes", id)
		if err != nil {
			return err
		}
		if hard {
			if _, err := tx.Exec(ctx, `DELETE FROM attributes WHERE id = $1`, id); err != nil {
				return err
			}
		} else if _, err := tx.Exec(ctx, `UPDATE attributes SET deleted = 1, timestamp = $1 WHERE id = $2`,
			at.Unix(), id); err != nil {
			return err
		}
		return changed(ctx, tx, at, ev)
	})
	if err != nil {
		return fmt.Errorf("delete attribute: %w", err)
	}
	return nil
}

// RestoreAttribute undoes a soft delete.
func (db *DB) RestoreAttribute(ctx context.Context, id int64, at time.Time) error {
	err := db.write(ctx, func(tx pgx.Tx) error {
		if _, err := eventOf(ctx, tx, "attributes", id); err != nil {
			return err
		}
		a, err := attributeIn(ctx, tx, id)
		if err != nil {
			return err
		}
		a.Deleted = false
		s := &saver{ctx: ctx, tx: tx, now: db.now, eventID: int64(a.EventID), checkDups: true}
		if err := s.checkDuplicate(a, int64(a.ObjectID)); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE attributes SET deleted = 0, timestamp = $1 WHERE id = $2`, at.Unix(), id); err != nil {
			return err
		}
		return changed(ctx, tx, at, int64(a.EventID))
	})
	if err != nil {
		return fmt.Errorf("restore attribute: %w", err)
	}
	return nil
}

func attributeIn(ctx context.Context, tx pgx.Tx, id int64) (*misp.Attribute, error) {
	a, err := sqlstore.ScanAttribute(tx.QueryRow(ctx, `SELECT `+sqlstore.AttrCols+` FROM attributes a WHERE a.id = $1`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, sqlstore.NotFound("attribute", id)
	}
	return a, err
}

// ---- objects ----

// AddObject stores o with its attributes and references in event eventID.
func (db *DB) AddObject(ctx context.Context, eventID int64, o *misp.Object) error {
	err := db.write(ctx, func(tx pgx.Tx) error {
		if err := requireEvent(ctx, tx, eventID); err != nil {
			return err
		}
		s := newSaver(ctx, tx, db.now, eventID, false)
		if err := s.object(o); err != nil {
			return err
		}
		for i := range o.ObjectReference {
			if err := s.reference(&o.ObjectReference[i], int64(o.ID), o.UUID); err != nil {
				return err
			}
		}
		return changed(ctx, tx, db.now(), eventID)
	})
	if err != nil {
		return fmt.Errorf("add object to event %d: %w", eventID, err)
	}
	return nil
}

func (db *DB) loadObject(ctx context.Context, where string, key any) (*misp.Object, error) {
	r, err := db.reader()
	if err != nil {
		return nil, err
	}
	o, err := sqlstore.ScanObject(r.QueryRow(ctx, `SELECT `+sqlstore.ObjectCols+` FROM objects o WHERE `+where, key))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, sqlstore.NotFound("object", key)
	}
	if err != nil {
		return nil, fmt.Errorf("read object %v: %w", key, err)
	}
	rows, err := r.Query(ctx, `SELECT `+sqlstore.AttrCols+`, `+attrTagsSQL+` FROM attributes a WHERE a.object_id = $1
ORDER BY a.id`, int64(o.ID))
	if err != nil {
		return nil, fmt.Errorf("read object %v: %w", key, err)
	}
	for rows.Next() {
		var tags sql.NullString
		a, err := sqlstore.ScanAttribute(rows, &tags)
		if err == nil {
			a.Tag, err = sqlstore.DecodeTags(tags)
		}
		if err != nil {
			rows.Close()
			return nil, fmt.Errorf("read object %v: %w", key, err)
		}
		o.Attribute = append(o.Attribute, *a)
	}
	if err := closeRows(rows); err != nil {
		return nil, fmt.Errorf("read object %v: %w", key, err)
	}
	rows, err = r.Query(ctx, sqlstore.RefSQL+`WHERE r.object_id = $1 ORDER BY r.id`, int64(o.ID))
	if err != nil {
		return nil, fmt.Errorf("read object %v: %w", key, err)
	}
	defer rows.Close()
	for rows.Next() {
		ref, err := sqlstore.ScanReference(rows)
		if err != nil {
			return nil, fmt.Errorf("read object %v: %w", key, err)
		}
		o.ObjectReference = append(o.ObjectReference, *ref)
	}
	return o, rows.Err()
}

// Object returns object id with its attributes and references.
func (db *DB) Object(ctx context.Context, id int64) (*misp.Object, error) {
	return db.loadObject(ctx, "o.id = $1", id)
}

// ObjectByUUID returns the object with uuid.
func (db *DB) ObjectByUUID(ctx context.Context, uuid string) (*misp.Object, error) {
	return db.loadObject(ctx, "o.uuid = lower($1)", uuid)
}

// DeleteObject deletes object id, softly (with its attributes) or for good.
func (db *DB) DeleteObject(ctx context.Context, id int64, hard bool, at time.Time) error {
	err := db.write(ctx, func(tx pgx.Tx) error {
		ev, err := eventOf(ctx, tx, "objects", id)
		if err != nil {
			return err
		}
		qs := []string{
			`UPDATE objects SET deleted = 1, timestamp = $1 WHERE id = $2`,
			`UPDATE attributes SET deleted = 1, timestamp = $1 WHERE object_id = $2`,
		}
		if hard {
			qs = []string{
				`DELETE FROM attributes WHERE $1::bigint IS NOT NULL AND object_id = $2`,
				`DELETE FROM objects WHERE $1::bigint IS NOT NULL AND id = $2`,
			}
		}
		for _, q := range qs {
			if _, err := tx.Exec(ctx, q, at.Unix(), id); err != nil {
				return err
			}
		}
		return changed(ctx, tx, at, ev)
	})
	if err != nil {
		return fmt.Errorf("delete object: %w", err)
	}
	return nil
}

// AddObjectReference stores r.
func (db *DB) AddObjectReference(ctx context.Context, r *misp.ObjectReference) error {
	err := db.write(ctx, func(tx pgx.Tx) error {
		var objID, ev int64
		var objUUID string
		where, key := "id = $1", any(int64(r.ObjectID))
		if r.ObjectID == 0 {
			where, key = "uuid = lower($1)", any(r.ObjectUUID)
		}
		err := tx.QueryRow(ctx, `SELECT id, event_id, uuid FROM objects WHERE `+where, key).Scan(&objID, &ev, &objUUID)
		if errors.Is(err, pgx.ErrNoRows) {
			return sqlstore.NotFound("object", key)
		}
		if err != nil {
			return err
		}
		s := &saver{ctx: ctx, tx: tx, now: db.now, eventID: ev, uuids: map[string]ref{}}
		r.ObjectUUID = objUUID
		return s.reference(r, objID, objUUID)
	})
	if err != nil {
		return fmt.Errorf("add object reference: %w", err)
	}
	return nil
}

// DeleteObjectReference deletes reference id, softly or for good.
func (db *DB) DeleteObjectReference(ctx context.Context, id int64, hard bool, at time.Time) error {
	return db.write(ctx, func(tx pgx.Tx) error {
		q, args := `UPDATE object_references SET deleted = 1, timestamp = $1 WHERE id = $2`, []any{at.Unix(), id}
		if hard {
			q, args = `DELETE FROM object_references WHERE id = $1`, []any{id}
		}
		tag, err := tx.Exec(ctx, q, args...)
		if err := affected(tag, err, "object reference", id); err != nil {
			return fmt.Errorf("delete object reference: %w", err)
		}
		return nil
	})
}

// CreateTag stores t and sets its id.
func (db *DB) CreateTag(ctx context.Context, t *misp.Tag) error {
	if t.Name == "" {
		return errors.New("create tag: empty name")
	}
	return db.write(ctx, func(tx pgx.Tx) error {
		id, err := insertTag(ctx, tx, t)
		if err != nil {
			return fmt.Errorf("create tag %q: %w", t.Name, err)
		}
		t.ID = misp.FlexInt(id)
		return nil
	})
}

func (db *DB) tagWhere(ctx context.Context, where string, key any) (*misp.Tag, error) {
	r, err := db.reader()
	if err != nil {
		return nil, err
	}
	t, err := sqlstore.ScanTag(r.QueryRow(ctx, `SELECT `+sqlstore.TagCols+` FROM tags WHERE `+where, key))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, sqlstore.NotFound("tag", key)
	}
	if err != nil {
		return nil, fmt.Errorf("read tag %v: %w", key, err)
	}
	return t, nil
}

// Tag returns tag id.
func (db *DB) Tag(ctx context.Context, id int64) (*misp.Tag, error) {
	return db.tagWhere(ctx, "id = $1", id)
}

// TagByName returns the tag named name.
func (db *DB) TagByName(ctx context.Context, name string) (*misp.Tag, error) {
	return db.tagWhere(ctx, "name = $1", name)
}

// ListTags returns every tag, by name.
func (db *DB) ListTags(ctx context.Context) ([]misp.Tag, error) {
	r, err := db.reader()
	if err != nil {
		return nil, err
	}
	rows, err := r.Query(ctx, `SELECT `+sqlstore.TagCols+` FROM tags ORDER BY name`)
	if err != nil {
		return nil, fmt.Errorf("list tags: %w", err)
	}
	defer rows.Close()
	var out []misp.Tag
	for rows.Next() {
		t, err := sqlstore.ScanTag(rows)
		if err != nil {
			return nil, fmt.Errorf("list tags: %w", err)
		}
		out = append(out, *t)
	}
	return out, rows.Err()
}

// UpdateTag replaces the fields of tag t.ID.
func (db *DB) UpdateTag(ctx context.Context, t *misp.Tag) error {
	return db.write(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `UPDATE tags SET name = $1, colour = $2, exportable = $3, org_id = $4, user_id = $5,
hide_tag = $6, numerical_value = $7, is_galaxy = $8, is_custom_galaxy = $9, local_only = $10 WHERE id = $11`,
			t.Name, t.Colour, sqlstore.B2I(bool(t.Exportable)), int64(t.OrgID), int64(t.UserID), sqlstore.B2I(bool(t.HideTag)),
			sqlstore.NumArg(t.NumericalValue), sqlstore.B2I(bool(t.IsGalaxy)), sqlstore.B2I(bool(t.IsCustomGalaxy)), sqlstore.B2I(bool(t.LocalOnly)), int64(t.ID))
		if err := affected(tag, err, "tag", t.ID); err != nil {
			return fmt.Errorf("update tag: %w", err)
		}
		return nil
	})
}

// DeleteTag deletes tag id and its attachments.
func (db *DB) DeleteTag(ctx context.Context, id int64) error {
	return db.write(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `DELETE FROM tags WHERE id = $1`, id)
		if err := affected(tag, err, "tag", id); err != nil {
			return fmt.Errorf("delete tag: %w", err)
		}
		return nil
	})
}

// AttachEventTag attaches tag tagID to event eventID.
func (db *DB) AttachEventTag(ctx context.Context, eventID, tagID int64, local bool, relationshipType string) error {
	return db.write(ctx, func(tx pgx.Tx) error {
		if err := requireEvent(ctx, tx, eventID); err != nil {
			return err
		}
		return attachEventTag(ctx, tx, eventID, tagID, local, relationshipType)
	})
}

// DetachEventTag removes tag tagID from event eventID.
func (db *DB) DetachEventTag(ctx context.Context, eventID, tagID int64) error {
	return db.write(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `DELETE FROM event_tags WHERE event_id = $1 AND tag_id = $2`, eventID, tagID)
		if err := affected(tag, err, "event tag", fmt.Sprintf("%d/%d", eventID, tagID)); err != nil {
			return fmt.Errorf("detach tag: %w", err)
		}
		return nil
	})
}

// AttachAttributeTag attaches tag tagID to attribute attributeID.
func (db *DB) AttachAttributeTag(ctx context.Context, attributeID, tagID int64, local bool, relationshipType string) error {
	return db.write(ctx, func(tx pgx.Tx) error {
		ev, err := eventOf(ctx, tx, "attributes", attributeID)
		if err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `INSERT INTO attribute_tags (attribute_id, event_id, tag_id, local, relationship_type)
VALUES ($1, $2, $3, $4, $5) ON CONFLICT (attribute_id, tag_id) DO UPDATE SET local = excluded.local,
relationship_type = excluded.relationship_type`, attributeID, ev, tagID, sqlstore.B2I(local), relationshipType)
		if err != nil {
			return fmt.Errorf("attach tag %d to attribute %d: %w", tagID, attributeID, constraintErr(err))
		}
		return nil
	})
}

// DetachAttributeTag removes tag tagID from attribute attributeID.
func (db *DB) DetachAttributeTag(ctx context.Context, attributeID, tagID int64) error {
	return db.write(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `DELETE FROM attribute_tags WHERE attribute_id = $1 AND tag_id = $2`, attributeID, tagID)
		if err := affected(tag, err, "attribute tag", fmt.Sprintf("%d/%d", attributeID, tagID)); err != nil {
			return fmt.Errorf("detach tag: %w", err)
		}
		return nil
	})
}

// ---- sightings ----

// AddSighting stores s.
func (db *DB) AddSighting(ctx context.Context, s *misp.Sighting) error {
	err := db.write(ctx, func(tx pgx.Tx) error {
		where, key := "id = $1", any(int64(s.AttributeID))
		if s.AttributeID == 0 {
			where, key = "uuid = lower($1)", any(s.AttributeUUID)
		}
		var attr, ev int64
		var uuid string
		err := tx.QueryRow(ctx, `SELECT id, event_id, uuid FROM attributes WHERE `+where, key).Scan(&attr, &ev, &uuid)
		if errors.Is(err, pgx.ErrNoRows) {
			return sqlstore.NotFound("attribute", key)
		}
		if err != nil {
			return err
		}
		s.UUID = sqlstore.UUIDOr(s.UUID)
		if s.DateSighting == 0 {
			s.DateSighting = misp.TimestampOf(db.now())
		}
		var id int64
		err = tx.QueryRow(ctx, `INSERT INTO sightings (uuid, attribute_id, event_id, org_id, date_sighting, source,
type) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`, s.UUID, attr, ev, int64(s.OrgID), int64(s.DateSighting), s.Source,
			int64(s.Type)).Scan(&id)
		if err != nil {
			return constraintErr(err)
		}
		s.ID, s.AttributeID, s.AttributeUUID, s.EventID = misp.FlexInt(id), misp.FlexInt(attr), uuid, misp.FlexInt(ev)
		_, err = tx.Exec(ctx, `UPDATE events SET sighting_timestamp = greatest(sighting_timestamp, $1) WHERE id = $2`,
			int64(s.DateSighting), ev)
		return err
	})
	if err != nil {
		return fmt.Errorf("add sighting: %w", err)
	}
	return nil
}

func (db *DB) sightings(ctx context.Context, col string, id int64) ([]misp.Sighting, error) {
	r, err := db.reader()
	if err != nil {
		return nil, err
	}
	rows, err := r.Query(ctx, `SELECT s.id, s.uuid, s.attribute_id, a.uuid, s.event_id, s.org_id, s.date_sighting,
s.source, s.type FROM sightings s JOIN attributes a ON a.id = s.attribute_id WHERE s.`+col+` = $1 ORDER BY s.id`, id)
	if err != nil {
		return nil, fmt.Errorf("read sightings: %w", err)
	}
	defer rows.Close()
	var out []misp.Sighting
	for rows.Next() {
		var (
			s                           misp.Sighting
			sid, attr, ev, org, ds, typ int64
		)
		if err := rows.Scan(&sid, &s.UUID, &attr, &s.AttributeUUID, &ev, &org, &ds, &s.Source, &typ); err != nil {
			return nil, fmt.Errorf("read sightings: %w", err)
		}
		s.ID, s.AttributeID, s.EventID, s.OrgID = misp.FlexInt(sid), misp.FlexInt(attr), misp.FlexInt(ev), misp.FlexInt(org)
		s.DateSighting, s.Type = misp.Timestamp(ds), misp.SightingType(typ)
		out = append(out, s)
	}
	return out, rows.Err()
}

// SightingsByAttribute returns the sightings of attribute attributeID.
func (db *DB) SightingsByAttribute(ctx context.Context, attributeID int64) ([]misp.Sighting, error) {
	return db.sightings(ctx, "attribute_id", attributeID)
}

// SightingsByEvent returns the sightings of event eventID's attributes.
func (db *DB) SightingsByEvent(ctx context.Context, eventID int64) ([]misp.Sighting, error) {
	return db.sightings(ctx, "event_id", eventID)
}

// DeleteSighting deletes sighting id.
func (db *DB) DeleteSighting(ctx context.Context, id int64) error {
	return db.write(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `DELETE FROM sightings WHERE id = $1`, id)
		if err := affected(tag, err, "sighting", id); err != nil {
			return fmt.Errorf("delete sighting: %w", err)
		}
		return nil
	})
}
