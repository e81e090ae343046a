package intel

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/hunchsec/hunch/intel/acl"
	"github.com/hunchsec/hunch/misp"
	"github.com/hunchsec/hunch/store"
)

// MISP's messages for object and object reference operations.
const (
	// MsgCouldNotAddObject is the message of a refused objects/add.
	MsgCouldNotAddObject = "Could not add Object"
	// MsgCouldNotEditObject is the message of a refused objects/edit.
	MsgCouldNotEditObject = "Could not edit Object"
	// MsgDuplicateObject is the complaint about an object that repeats one already in the event when the client
	// asked for breakOnDuplicate.
	MsgDuplicateObject = "Duplicate object found. Since breakOnDuplicate is set the object will not be added."
	// MsgCouldNotAddReference is the message of a refused objectReferences/add.
	MsgCouldNotAddReference = "Could not add ObjectReference"
	// MsgInvalidReference answers an object reference the caller may not see.
	MsgInvalidReference = "Invalid object reference."
	// MsgInvalidTemplate answers objects/add naming a template uuid that is not installed.
	MsgInvalidTemplate = "Invalid template."
	// MsgNoObjectDefined answers objectReferences/add naming no object.
	MsgNoObjectDefined = "No object defined."
	// MsgInvalidTarget answers objectReferences/add whose target does not exist.
	MsgInvalidTarget = "Invalid target."
	// MsgTargetOtherEvent answers objectReferences/add whose target is in another event.
	MsgTargetOtherEvent = "Invalid target. Target has to be within the same event or extending it."
)

// AddObjectOptions tune AddObject.
type AddObjectOptions struct {
	// Template names the template the object is built from (objects/add/{event}/{template}): a template uuid,
	// whose name, meta-category, description and version fill in what the object leaves empty. Numeric template
	// ids, which only a MISP database knows, are ignored.
	Template string
	// BreakOnDuplicate refuses an object whose name and attributes (relation, type, value) repeat those of a live
	// object already in the event.
	BreakOnDuplicate bool
}

// objUnpublish clears ev's published flag, as MISP does when an object of the event is added or removed.
func (s *Service) objUnpublish(ctx context.Context, ev *misp.Event) error {
	if !ev.Published {
		return nil
	}
	if err := s.st.UnpublishEvent(ctx, int64(ev.ID)); err != nil {
		return fmt.Errorf("unpublish event %d: %w", ev.ID, err)
	}
	ev.Published = false
	return nil
}

// objParseRef reads a path reference: a positive decimal id or a uuid (lower-cased).
func objParseRef(ref string) (id int64, uuid string, ok bool) {
	ref = strings.TrimSpace(ref)
	if misp.ValidUUID(ref) {
		return 0, strings.ToLower(ref), true
	}
	n, err := strconv.ParseInt(ref, 10, 64)
	if err != nil || n <= 0 {
		return 0, "", false
	}
	return n, "", true
}

// objEventByRef loads the event ref names; a missing one is refused as refusal.
func (s *Service) objEventByRef(ctx context.Context, ref string, refusal *acl.Error) (*misp.Event, error) {
	id, uuid, ok := objParseRef(ref)
	if !ok {
		return nil, refusal
	}
	var ev *misp.Event
	var err error
	if uuid != "" {
		ev, err = s.st.EventByUUID(ctx, uuid)
	} else {
		ev, err = s.st.Event(ctx, id)
	}
	if errors.Is(err, store.ErrNotFound) {
		return nil, refusal
	}
	if err != nil {
		return nil, fmt.Errorf("load event %s: %w", ref, err)
	}
	return ev, nil
}

// objByRef loads the object ref names with its event.
func (s *Service) objByRef(ctx context.Context, ref string) (*misp.Object, *misp.Event, error) {
	id, uuid, ok := objParseRef(ref)
	if !ok {
		return nil, nil, acl.NotFoundFor(acl.KindObject)
	}
	var o *misp.Object
	var err error
	if uuid != "" {
		o, err = s.st.ObjectByUUID(ctx, uuid)
	} else {
		o, err = s.st.Object(ctx, id)
	}
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil, acl.NotFoundFor(acl.KindObject)
	}
	if err != nil {
		return nil, nil, fmt.Errorf("load object %s: %w", ref, err)
	}
	ev, err := s.st.Event(ctx, int64(o.EventID))
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil, acl.NotFoundFor(acl.KindObject)
	}
	if err != nil {
		return nil, nil, fmt.Errorf("load event of object %s: %w", ref, err)
	}
	return o, ev, nil
}

// objCheckDistribution applies the default element distribution to *d and checks the sharing group an
// element at distribution 4 names; at any other distribution the sharing group is cleared, as MISP stores it.
func (s *Service) objCheckDistribution(u acl.User, d *misp.Distribution, sgp *misp.FlexInt, message string) error {
	*d = d.Or(s.DefaultAttributeDistribution())
	if !d.Valid() {
		return Invalid(message, "distribution", "Options: 0, 1, 2, 3, 4, 5")
	}
	if d.Level() != 4 {
		*sgp = 0
		return nil
	}
	if *sgp == 0 {
		return Invalid(message, "sharing_group_id", "Sharing group required for distribution 4")
	}
	return s.Policy().CanUseSharingGroup(u, int64(*sgp))
}

// objPrepareAttribute applies MISP's defaults to attribute a of an object in event eventID and validates it.
func (s *Service) objPrepareAttribute(u acl.User, a *misp.Attribute, eventID misp.FlexInt, message string) error {
	if a.Type == "" {
		return Invalid(message, "type", "The type of the attribute is required.")
	}
	if !misp.ValidType(a.Type) {
		return Invalid(message, "type", "Options depend on the selected category.")
	}
	if a.Category == "" {
		a.Category = misp.DefaultCategory(a.Type)
	}
	if !misp.ValidCategory(a.Category) || !misp.CategoryAllows(a.Category, a.Type) {
		return Invalid(message, "category", "Options depend on the selected type.")
	}
	if a.ObjectRelation == "" {
		return Invalid(message, "object_relation", "The object relation of an object's attribute is required.")
	}
	cat, val, err := misp.NormalizeAttribute(a.Category, a.Type, a.Value)
	if err != nil {
		var ve *misp.ValueError
		if errors.As(err, &ve) {
			return Invalid(message, "value", ve.Reason)
		}
		return Invalid(message, "value", err.Error())
	}
	a.Category, a.Value = cat, val
	a.ToIDS = a.ToIDS.Or(misp.DefaultToIDS(a.Type))
	if err := misp.CheckSeen(a.FirstSeen, a.LastSeen); err != nil {
		return Invalid(message, "last_seen", "last_seen must be after first_seen")
	}
	a.EventID = eventID
	return s.objCheckDistribution(u, &a.Distribution, &a.SharingGroupID, message)
}

// objValidateTemplate checks o's live attributes against its template, when the template is known.
func (s *Service) objValidateTemplate(o *misp.Object, message string) error {
	ts := s.ObjectTemplates()
	if ts == nil {
		return nil
	}
	attrs := make([]misp.ObjAttr, 0, len(o.Attribute))
	for _, a := range o.Attribute {
		if a.Deleted {
			continue
		}
		attrs = append(attrs, misp.ObjAttr{Relation: string(a.ObjectRelation), Type: a.Type, Value: a.Value})
	}
	_, err := ts.ValidateObject(o.Name, attrs)
	var oe *misp.ObjectError
	if errors.As(err, &oe) {
		return &InvalidError{Message: message, Fields: map[string][]string{"Attribute": oe.Problems}}
	}
	return err
}

// objFillFromTemplate fills what o leaves empty from the template named by ref (a uuid) or by o's template uuid or
// name.
func (s *Service) objFillFromTemplate(o *misp.Object, ref string) {
	ts := s.ObjectTemplates()
	if ts == nil {
		return
	}
	var t *misp.Template
	var ok bool
	if misp.ValidUUID(ref) {
		t, ok = ts.GetByUUID(strings.ToLower(ref))
	}
	if !ok && o.TemplateUUID != "" {
		t, ok = ts.GetByUUID(strings.ToLower(o.TemplateUUID))
	}
	if !ok && o.Name != "" {
		t, ok = ts.Get(o.Name)
	}
	if !ok {
		return
	}
	o.Name = cmp.Or(o.Name, t.Name)
	o.MetaCategory = cmp.Or(o.MetaCategory, t.MetaCategory)
	o.Description = cmp.Or(o.Description, t.Description)
	o.TemplateUUID = cmp.Or(o.TemplateUUID, t.UUID)
	if o.TemplateVersion == 0 {
		o.TemplateVersion = misp.FlexInt(t.Version)
	}
}

// objSignature is what breakOnDuplicate compares: the name and the sorted (relation, type, value) triples of
// the live attributes.
func objSignature(o *misp.Object) string {
	parts := make([]string, 0, len(o.Attribute))
	for _, a := range o.Attribute {
		if a.Deleted {
			continue
		}
		parts = append(parts, string(a.ObjectRelation)+"\x00"+a.Type+"\x00"+a.Value)
	}
	slices.Sort(parts)
	return o.Name + "\x01" + strings.Join(parts, "\x01")
}

// AddObject adds object o, with its attributes and references, to the event ref names (an id or uuid), as
// objects/add does: u must be allowed to add to the event (CanAddAttribute); MISP's defaults are applied to the
// object and each attribute (distribution, category, to_ids, normalised values); a known template validates the
// attributes (unknown templates are accepted, as MISP accepts them). The event is unpublished, as adding,
// editing or deleting objects and references does in MISP. It returns the stored object.
func (s *Service) AddObject(ctx context.Context, u acl.User, ref string, o *misp.Object, opts AddObjectOptions) (*misp.Object, error) {
	if ts := s.ObjectTemplates(); ts != nil && misp.ValidUUID(opts.Template) {
		if _, ok := ts.GetByUUID(strings.ToLower(opts.Template)); !ok {
			return nil, acl.NotFound(MsgInvalidTemplate)
		}
	}
	ev, err := s.objEventByRef(ctx, ref, acl.NotFound(acl.MsgInvalidEventDot))
	if err != nil {
		return nil, err
	}
	if err := s.Policy().CanAddAttribute(u, ACLEvent(ev)); err != nil {
		if errors.Is(err, acl.ErrNotFound) {
			// objects/add words it with a full stop.
			return nil, acl.NotFound(acl.MsgInvalidEventDot)
		}
		return nil, err
	}
	s.objFillFromTemplate(o, opts.Template)
	if o.Name == "" {
		return nil, Invalid(MsgCouldNotAddObject, "name", "The object name is required.")
	}
	if o.UUID != "" && !misp.ValidUUID(o.UUID) {
		return nil, Invalid(MsgCouldNotAddObject, "uuid", "Invalid UUID.")
	}
	if len(o.Attribute) == 0 {
		return nil, Invalid(MsgCouldNotAddObject, "Attribute", "An object needs at least one attribute.")
	}
	if err := misp.CheckSeen(o.FirstSeen, o.LastSeen); err != nil {
		return nil, Invalid(MsgCouldNotAddObject, "last_seen", "last_seen must be after first_seen")
	}
	o.ID, o.EventID, o.Deleted = 0, ev.ID, false
	if err := s.objCheckDistribution(u, &o.Distribution, &o.SharingGroupID, MsgCouldNotAddObject); err != nil {
		return nil, err
	}
	o.SharingGroup = nil
	for i := range o.Attribute {
		a := &o.Attribute[i]
		a.ID, a.ObjectID, a.Deleted = 0, 0, false
		if err := s.objPrepareAttribute(u, a, ev.ID, MsgCouldNotAddObject); err != nil {
			return nil, err
		}
	}
	for i := range o.ObjectReference {
		r := &o.ObjectReference[i]
		r.ID, r.ObjectID, r.EventID = 0, 0, ev.ID
		if r.RelationshipType == "" || !misp.ValidUUID(r.ReferencedUUID) {
			return nil, Invalid(MsgCouldNotAddObject, "ObjectReference", "A reference needs a relationship_type and a referenced_uuid.")
		}
	}
	if err := s.objValidateTemplate(o, MsgCouldNotAddObject); err != nil {
		return nil, err
	}
	if opts.BreakOnDuplicate {
		sig := objSignature(o)
		for i := range ev.Object {
			if !ev.Object[i].Deleted && objSignature(&ev.Object[i]) == sig {
				return nil, Invalid(MsgCouldNotAddObject, "object", MsgDuplicateObject)
			}
		}
	}
	if err := s.st.AddObject(ctx, int64(ev.ID), o); err != nil {
		if errors.Is(err, store.ErrConflict) {
			return nil, Invalid(MsgCouldNotAddObject, "uuid", "An object with this uuid already exists.")
		}
		return nil, fmt.Errorf("add object to event %d: %w", ev.ID, err)
	}
	if err := s.objUnpublish(ctx, ev); err != nil {
		return nil, err
	}
	stored, err := s.st.Object(ctx, int64(o.ID))
	if err != nil {
		return nil, fmt.Errorf("read added object %d: %w", o.ID, err)
	}
	return stored, nil
}

// objFilter drops from o what u may not see in ev: attributes that are not readable (CanReadObjectAttribute)
// and, unless the object itself is deleted, deleted attributes and references.
func (s *Service) objFilter(u acl.User, ev *misp.Event, o *misp.Object) {
	p := s.Policy()
	ae := ACLEvent(ev)
	oe := ACLElement(acl.KindObject, o.Distribution, o.SharingGroupID)
	attrs := o.Attribute[:0]
	for _, a := range o.Attribute {
		if a.Deleted && !o.Deleted {
			continue
		}
		if p.CanReadObjectAttribute(u, ae, oe, ACLElement(acl.KindAttribute, a.Distribution, a.SharingGroupID)) != nil {
			continue
		}
		attrs = append(attrs, a)
	}
	o.Attribute = attrs
	refs := o.ObjectReference[:0]
	for _, r := range o.ObjectReference {
		if r.Deleted && !o.Deleted {
			continue
		}
		refs = append(refs, r)
	}
	o.ObjectReference = refs
}

// Object returns the object ref names (an id or uuid) as objects/view shows it to u: refused as "Invalid
// object." when u may not read it, with only the attributes u may read.
func (s *Service) Object(ctx context.Context, u acl.User, ref string) (*misp.Object, error) {
	o, ev, err := s.objByRef(ctx, ref)
	if err != nil {
		return nil, err
	}
	if err := s.Policy().CanReadElement(u, ACLEvent(ev), ACLElement(acl.KindObject, o.Distribution, o.SharingGroupID)); err != nil {
		return nil, err
	}
	s.objFilter(u, ev, o)
	return o, nil
}

// objEditTimestamp is the timestamp an edit is stamped with: now, or one past stored when the clock has not moved
// past it, so that the edit is newer under MISP's timestamp rule.
func (s *Service) objEditTimestamp(stored misp.Timestamp) misp.Timestamp {
	ts := misp.TimestampOf(s.now())
	if ts <= stored {
		ts = stored + 1
	}
	return ts
}

// objEventShell is ev's own fields without its elements and tags: the partial event an element edit goes through
// store.UpdateEvent with, stamped newer than the stored event.
func (s *Service) objEventShell(ev *misp.Event) *misp.Event {
	e := *ev
	e.Attribute, e.Object, e.EventReport, e.Tag = nil, nil, nil, nil
	e.Galaxy, e.RelatedEvent, e.ShadowAttribute = nil, nil, nil
	e.Timestamp = s.objEditTimestamp(ev.Timestamp)
	e.Published = false
	return &e
}

// EditObject edits the object ref names (an id or uuid) with o, as objects/edit does: u must be allowed to edit
// it (CanEditElement); an object whose timestamp is not newer than the stored one is a *store.NotNewerError.
// o's fields replace the object's; its attributes are matched by uuid (new ones are added with MISP's
// defaults, older ones are skipped as MISP skips them, those left out are kept). The event's timestamp moves and
// it is unpublished, as any change of an event's content does in MISP. It returns the object as u now sees it.
func (s *Service) EditObject(ctx context.Context, u acl.User, ref string, o *misp.Object) (*misp.Object, error) {
	stored, ev, err := s.objByRef(ctx, ref)
	if err != nil {
		return nil, err
	}
	if err := s.Policy().CanEditElement(u, ACLEvent(ev), ACLElement(acl.KindObject, stored.Distribution, stored.SharingGroupID)); err != nil {
		return nil, err
	}
	if o.UUID != "" && !strings.EqualFold(o.UUID, stored.UUID) {
		return nil, Invalid(MsgCouldNotEditObject, "uuid", "The uuid of an object cannot be changed.")
	}
	if !misp.IsNewer(o.Timestamp, stored.Timestamp) {
		return nil, &store.NotNewerError{What: "Object", Incoming: o.Timestamp, Stored: stored.Timestamp}
	}
	edit := *o
	edit.ID, edit.UUID, edit.EventID = stored.ID, stored.UUID, stored.EventID
	edit.Name = cmp.Or(edit.Name, stored.Name)
	edit.MetaCategory = cmp.Or(edit.MetaCategory, stored.MetaCategory)
	edit.Description = cmp.Or(edit.Description, stored.Description)
	edit.TemplateUUID = cmp.Or(edit.TemplateUUID, stored.TemplateUUID)
	if edit.TemplateVersion == 0 {
		edit.TemplateVersion = stored.TemplateVersion
	}
	if edit.Distribution == misp.DistributionUnset {
		edit.Distribution, edit.SharingGroupID = stored.Distribution, stored.SharingGroupID
	}
	if err := s.objCheckDistribution(u, &edit.Distribution, &edit.SharingGroupID, MsgCouldNotEditObject); err != nil {
		return nil, err
	}
	if err := misp.CheckSeen(edit.FirstSeen, edit.LastSeen); err != nil {
		return nil, Invalid(MsgCouldNotEditObject, "last_seen", "last_seen must be after first_seen")
	}
	edit.SharingGroup = nil
	edit.Timestamp = s.objEditTimestamp(stored.Timestamp)
	byUUID := map[string]*misp.Attribute{}
	for i := range stored.Attribute {
		byUUID[strings.ToLower(stored.Attribute[i].UUID)] = &stored.Attribute[i]
	}
	edit.Attribute = slices.Clone(o.Attribute)
	for i := range edit.Attribute {
		a := &edit.Attribute[i]
		old := byUUID[strings.ToLower(a.UUID)]
		if a.UUID != "" && !misp.ValidUUID(a.UUID) {
			return nil, Invalid(MsgCouldNotEditObject, "uuid", "Invalid UUID.")
		}
		if old != nil {
			a.ID = old.ID
			a.Type = cmp.Or(a.Type, old.Type)
			a.ObjectRelation = cmp.Or(a.ObjectRelation, old.ObjectRelation)
			if a.Distribution == misp.DistributionUnset {
				a.Distribution, a.SharingGroupID = old.Distribution, old.SharingGroupID
			}
		} else {
			a.ID = 0
		}
		a.ObjectID = stored.ID
		if err := s.objPrepareAttribute(u, a, stored.EventID, MsgCouldNotEditObject); err != nil {
			return nil, err
		}
	}
	// The template is checked against the object as it will be: stored attributes the edit leaves out or does
	// not replace, and the edit's.
	merged := edit
	merged.Attribute = nil
	seen := map[string]bool{}
	for _, a := range edit.Attribute {
		if a.UUID != "" {
			seen[strings.ToLower(a.UUID)] = true
		}
		merged.Attribute = append(merged.Attribute, a)
	}
	for _, a := range stored.Attribute {
		if !seen[strings.ToLower(a.UUID)] {
			merged.Attribute = append(merged.Attribute, a)
		}
	}
	if err := s.objValidateTemplate(&merged, MsgCouldNotEditObject); err != nil {
		return nil, err
	}
	for i := range edit.ObjectReference {
		r := &edit.ObjectReference[i]
		r.ObjectID, r.ObjectUUID, r.EventID = stored.ID, stored.UUID, stored.EventID
		if r.RelationshipType == "" || !misp.ValidUUID(r.ReferencedUUID) {
			return nil, Invalid(MsgCouldNotEditObject, "ObjectReference", "A reference needs a relationship_type and a referenced_uuid.")
		}
	}
	shell := s.objEventShell(ev)
	shell.Object = []misp.Object{edit}
	if err := s.st.UpdateEvent(ctx, shell); err != nil {
		return nil, fmt.Errorf("edit object %d: %w", stored.ID, err)
	}
	return s.Object(ctx, u, stored.ID.String())
}

// DeleteObject deletes the object ref names (an id or uuid), softly or, when hard, for good, as objects/delete
// does: u must be allowed to delete it (CanDeleteElement). It returns the object as it was before (its EventID
// is what MISP's reply names).
func (s *Service) DeleteObject(ctx context.Context, u acl.User, ref string, hard bool) (*misp.Object, error) {
	o, ev, err := s.objByRef(ctx, ref)
	if err != nil {
		return nil, err
	}
	if err := s.Policy().CanDeleteElement(u, ACLEvent(ev), ACLElement(acl.KindObject, o.Distribution, o.SharingGroupID)); err != nil {
		return nil, err
	}
	if !hard && bool(o.Deleted) {
		// MISP refuses to soft-delete an object twice.
		return nil, acl.NotFoundFor(acl.KindObject)
	}
	if err := s.st.DeleteObject(ctx, int64(o.ID), hard, s.now()); err != nil {
		return nil, fmt.Errorf("delete object %d: %w", o.ID, err)
	}
	if err := s.objUnpublish(ctx, ev); err != nil {
		return nil, err
	}
	return o, nil
}

// AddObjectReference adds reference r from the object r.ObjectUUID (or r.ObjectID) names to the element
// r.ReferencedUUID names, as objectReferences/add does: an object that is missing, deleted, or in an event u may
// not add to (CanAddAttribute) is "Invalid object." (404); the target must be a live attribute or object of the
// same event ("Invalid target.", 404). The event is unpublished. It returns the stored reference.
func (s *Service) AddObjectReference(ctx context.Context, u acl.User, r *misp.ObjectReference) (*misp.ObjectReference, error) {
	ref := r.ObjectUUID
	if ref == "" && r.ObjectID != 0 {
		ref = r.ObjectID.String()
	}
	if ref == "" {
		return nil, acl.NotFound(MsgNoObjectDefined)
	}
	invalid := acl.NotFound(acl.MsgInvalidObject)
	o, ev, err := s.objByRef(ctx, ref)
	if errors.Is(err, acl.ErrNotFound) || err == nil && bool(o.Deleted) {
		return nil, invalid
	}
	if err != nil {
		return nil, err
	}
	if err := s.Policy().CanAddAttribute(u, ACLEvent(ev)); err != nil {
		if errors.Is(err, acl.ErrForbidden) && u.EffectiveRole().PermAdd || errors.Is(err, acl.ErrNotFound) {
			return nil, invalid
		}
		return nil, err
	}
	if r.RelationshipType == "" {
		return nil, Invalid(MsgCouldNotAddReference, "relationship_type", "A relationship type is required.")
	}
	target := strings.ToLower(strings.TrimSpace(r.ReferencedUUID))
	if !misp.ValidUUID(target) {
		return nil, acl.NotFound(MsgInvalidTarget)
	}
	found := false
	for _, a := range ev.Attribute {
		found = found || strings.EqualFold(a.UUID, target) && !bool(a.Deleted)
	}
	for _, obj := range ev.Object {
		found = found || strings.EqualFold(obj.UUID, target) && !bool(obj.Deleted)
		for _, a := range obj.Attribute {
			found = found || strings.EqualFold(a.UUID, target) && !bool(a.Deleted)
		}
	}
	if !found {
		if _, err := s.st.AttributeByUUID(ctx, target); err == nil {
			return nil, acl.NotFound(MsgTargetOtherEvent)
		}
		if _, err := s.st.ObjectByUUID(ctx, target); err == nil {
			return nil, acl.NotFound(MsgTargetOtherEvent)
		}
		return nil, acl.NotFound(MsgInvalidTarget)
	}
	if r.UUID != "" && !misp.ValidUUID(r.UUID) {
		return nil, Invalid(MsgCouldNotAddReference, "uuid", "Invalid UUID.")
	}
	add := misp.ObjectReference{UUID: strings.ToLower(r.UUID), ObjectID: o.ID, ObjectUUID: o.UUID,
		ReferencedUUID: target, RelationshipType: r.RelationshipType, Comment: r.Comment, EventID: ev.ID,
		SourceUUID: o.UUID, Timestamp: misp.TimestampOf(s.now())}
	if err := s.st.AddObjectReference(ctx, &add); err != nil {
		if errors.Is(err, store.ErrConflict) {
			return nil, Invalid(MsgCouldNotAddReference, "uuid", "A reference with this uuid already exists.")
		}
		return nil, fmt.Errorf("add object reference: %w", err)
	}
	if err := s.objUnpublish(ctx, ev); err != nil {
		return nil, err
	}
	return &add, nil
}

// DeleteObjectReference deletes the object reference ref names (an id or uuid), softly or for good, as
// objectReferences/delete does: u must be allowed to delete its object (CanDeleteElement). It returns the
// reference's id. The store has no lookup of a reference by itself, so the reference is found through the
// events (each event's aggregate is read until it turns up).
func (s *Service) DeleteObjectReference(ctx context.Context, u acl.User, ref string, hard bool) (int64, error) {
	id, uuid, ok := objParseRef(ref)
	if !ok {
		return 0, acl.NotFound(MsgInvalidReference)
	}
	for ev, err := range s.st.SearchEvents(ctx, store.EventFilter{Conditions: acl.Conditions{Unrestricted: true},
		Deleted: store.LiveAndDeleted}) {
		if err != nil {
			return 0, fmt.Errorf("find object reference %s: %w", ref, err)
		}
		for _, o := range ev.Object {
			for _, r := range o.ObjectReference {
				if (id != 0 && int64(r.ID) != id) || (uuid != "" && !strings.EqualFold(r.UUID, uuid)) {
					continue
				}
				if err := s.Policy().CanDeleteElement(u, ACLEvent(ev), ACLElement(acl.KindObject, o.Distribution, o.SharingGroupID)); err != nil {
					if errors.Is(err, acl.ErrNotFound) {
						return 0, acl.NotFound(MsgInvalidReference)
					}
					return 0, err
				}
				if bool(r.Deleted) && !hard {
					return 0, acl.NotFound(MsgInvalidReference)
				}
				if err := s.st.DeleteObjectReference(ctx, int64(r.ID), hard, s.now()); err != nil {
					return 0, fmt.Errorf("delete object reference %d: %w", r.ID, err)
				}
				if err := s.objUnpublish(ctx, ev); err != nil {
					return 0, err
				}
				return int64(r.ID), nil
			}
		}
	}
	return 0, acl.NotFound(MsgInvalidReference)
}
