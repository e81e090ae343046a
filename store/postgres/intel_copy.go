package postgres

import (
	"fmt"
	"strings"

	"github.com/hunchsec/hunch/store/internal/sqlstore"

	"github.com/jackc/pgx/v5"

	"github.com/hunchsec/hunch/misp"
)

// copyElements stores the elements of the new event s.eventID — attributes, their tags, objects, object
// references and event reports — with one COPY per table instead of a statement per row. Ids are drawn from the
// tables' sequences up front, in the order the row-by-row inserts would have taken them, so that the elements
// load back in the same order on either backend.
func (s *saver) copyElements(e *misp.Event) error {
	nAttr := len(e.Attribute)
	nRef := 0
	for i := range e.Object {
		nAttr += len(e.Object[i].Attribute)
		nRef += len(e.Object[i].ObjectReference)
	}
	objIDs, err := s.nextIDs("objects", len(e.Object))
	if err != nil {
		return err
	}
	attrIDs, err := s.nextIDs("attributes", nAttr)
	if err != nil {
		return err
	}
	refIDs, err := s.nextIDs("object_references", nRef)
	if err != nil {
		return err
	}
	repIDs, err := s.nextIDs("event_reports", len(e.EventReport))
	if err != nil {
		return err
	}

	var attrRows, tagRows, objRows, refRows, repRows [][]any
	attribute := func(a *misp.Attribute, objectID int64) error {
		if a.Type == "" {
			return fmt.Errorf("attribute %s: empty type", a.UUID)
		}
		a.UUID = sqlstore.UUIDOr(a.UUID)
		sqlstore.Stamp(&a.Timestamp, s.now)
		gal, err := sqlstore.JSONArg(a.Galaxy)
		if err != nil {
			return fmt.Errorf("attribute %s: %w", a.UUID, err)
		}
		id := attrIDs[0]
		attrIDs = attrIDs[1:]
		v1, v2 := sqlstore.SplitValue(a.Type, a.Value)
		attrRows = append(attrRows, []any{id, a.UUID, s.eventID, objectID, string(a.ObjectRelation), a.Category,
			a.Type, v1, v2, sqlstore.OptBoolArg(a.ToIDS), int64(a.Timestamp), sqlstore.DistArg(a.Distribution), int64(a.SharingGroupID),
			a.Comment, sqlstore.B2I(bool(a.Deleted)), sqlstore.B2I(bool(a.DisableCorrelation)), sqlstore.MicroArg(a.FirstSeen),
			sqlstore.MicroArg(a.LastSeen), a.Data, gal})
		a.ID, a.EventID, a.ObjectID = misp.FlexInt(id), misp.FlexInt(s.eventID), misp.FlexInt(objectID)
		s.uuids[a.UUID] = ref{id, misp.ReferencedAttribute}
		seen := map[int64]int{} // a tag given twice keeps its last attachment, as the upsert does
		for i := range a.Tag {
			t := &a.Tag[i]
			tid, err := ensureTag(s.ctx, s.tx, t, s.tags)
			if err != nil {
				return err
			}
			t.ID = misp.FlexInt(tid)
			row := []any{id, s.eventID, tid, sqlstore.B2I(bool(t.Local)), string(t.RelationshipType)}
			if j, ok := seen[tid]; ok {
				tagRows[j] = row
				continue
			}
			seen[tid] = len(tagRows)
			tagRows = append(tagRows, row)
		}
		return nil
	}

	for i := range e.Attribute {
		if err := attribute(&e.Attribute[i], 0); err != nil {
			return err
		}
	}
	for i := range e.Object {
		o := &e.Object[i]
		o.UUID = sqlstore.UUIDOr(o.UUID)
		sqlstore.Stamp(&o.Timestamp, s.now)
		id := objIDs[i]
		objRows = append(objRows, []any{id, o.UUID, s.eventID, o.Name, o.MetaCategory, o.Description, o.TemplateUUID,
			int64(o.TemplateVersion), int64(o.Timestamp), sqlstore.DistArg(o.Distribution), int64(o.SharingGroupID), o.Comment,
			sqlstore.B2I(bool(o.Deleted)), sqlstore.MicroArg(o.FirstSeen), sqlstore.MicroArg(o.LastSeen)})
		o.ID, o.EventID = misp.FlexInt(id), misp.FlexInt(s.eventID)
		s.uuids[o.UUID] = ref{id, misp.ReferencedObject}
		for j := range o.Attribute {
			if err := attribute(&o.Attribute[j], id); err != nil {
				return err
			}
		}
	}
	for i := range e.Object {
		o := &e.Object[i]
		for j := range o.ObjectReference {
			r := &o.ObjectReference[j]
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
			id := refIDs[0]
			refIDs = refIDs[1:]
			refRows = append(refRows, []any{id, r.UUID, int64(r.Timestamp), int64(o.ID), s.eventID, r.SourceUUID,
				r.ReferencedUUID, int64(r.ReferencedID), int64(r.ReferencedType), r.RelationshipType, r.Comment,
				sqlstore.B2I(bool(r.Deleted))})
			r.ID, r.ObjectID, r.EventID = misp.FlexInt(id), o.ID, misp.FlexInt(s.eventID)
			if r.ObjectUUID == "" {
				r.ObjectUUID = o.UUID
			}
		}
	}
	for i := range e.EventReport {
		r := &e.EventReport[i]
		r.UUID = sqlstore.UUIDOr(r.UUID)
		sqlstore.Stamp(&r.Timestamp, s.now)
		repRows = append(repRows, []any{repIDs[i], r.UUID, s.eventID, r.Name, r.Content, sqlstore.DistArg(r.Distribution),
			int64(r.SharingGroupID), int64(r.Timestamp), sqlstore.B2I(bool(r.Deleted))})
		r.ID, r.EventID = misp.FlexInt(repIDs[i]), misp.FlexInt(s.eventID)
	}

	copies := []struct {
		table string
		cols  []string
		rows  [][]any
	}{
		{"objects", []string{"id", "uuid", "event_id", "name", "meta_category", "description", "template_uuid",
			"template_version", "timestamp", "distribution", "sharing_group_id", "comment", "deleted", "first_seen",
			"last_seen"}, objRows},
		{"attributes", []string{"id", "uuid", "event_id", "object_id", "object_relation", "category", "type",
			"value1", "value2", "to_ids", "timestamp", "distribution", "sharing_group_id", "comment", "deleted",
			"disable_correlation", "first_seen", "last_seen", "data", "galaxies"}, attrRows},
		{"attribute_tags", []string{"attribute_id", "event_id", "tag_id", "local", "relationship_type"}, tagRows},
		{"object_references", []string{"id", "uuid", "timestamp", "object_id", "event_id", "source_uuid",
			"referenced_uuid", "referenced_id", "referenced_type", "relationship_type", "comment", "deleted"}, refRows},
		{"event_reports", []string{"id", "uuid", "event_id", "name", "content", "distribution", "sharing_group_id",
			"timestamp", "deleted"}, repRows},
	}
	for _, c := range copies {
		if len(c.rows) == 0 {
			continue
		}
		if _, err := s.tx.CopyFrom(s.ctx, pgx.Identifier{c.table}, c.cols, pgx.CopyFromRows(c.rows)); err != nil {
			return fmt.Errorf("copy %s: %w", c.table, constraintErr(err))
		}
	}
	return nil
}

// nextIDs draws n ids from the sequence of table's id column.
func (s *saver) nextIDs(table string, n int) ([]int64, error) {
	if n == 0 {
		return nil, nil
	}
	rows, err := s.tx.Query(s.ctx, `SELECT nextval(pg_get_serial_sequence($1, 'id')) FROM generate_series(1, $2)`, table, n)
	if err != nil {
		return nil, fmt.Errorf("allocate %s ids: %w", table, err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return nil, fmt.Errorf("allocate %s ids: %w", table, err)
	}
	return ids, nil
}
