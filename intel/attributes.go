package intel

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/hunchsec/hunch/intel/acl"
	"github.com/hunchsec/hunch/misp"
	"github.com/hunchsec/hunch/store"
)

// MISP's messages for attribute operations.
const (
	// MsgCouldNotAddAttribute is the message of a refused attributes/add.
	MsgCouldNotAddAttribute = "Could not add Attribute"
	// MsgCouldNotEditAttribute is the message of a refused attributes/edit.
	MsgCouldNotEditAttribute = "Could not edit Attribute"
	// MsgCouldNotRestoreAttribute is the message of a refused attributes/restore.
	MsgCouldNotRestoreAttribute = "Could not restore Attribute"
)

// MISP's complaints about attribute fields, as its Attribute model words them.
const (
	msgAttrType         = "Options depend on the selected category."
	msgAttrCategory     = "Options : Payload delivery, Antivirus detection, Payload installation, Files dropped ..."
	msgAttrDistribution = "Options: Your organisation only, This community only, Connected communities, All communities, Sharing group, Inherit event"
	msgAttrSharingGroup = "A sharing group is required when the distribution is \"Sharing group\"."
	msgAttrUUID         = "Please provide a valid RFC 4122 UUID"
	msgAttrUUIDUsed     = "The UUID provided is not unique"
	msgAttrLastSeen     = "Last seen value should be greater than first seen value"
)

// AddAttributesOptions tune AddAttributes.
type AddAttributesOptions struct {
	// UpdateDuplicates is MISP's breakOnDuplicate:0: an attribute that repeats the value, type and category of a
	// live attribute outside objects in the event updates that attribute (its timestamp always moves) instead of
	// being refused as a duplicate.
	UpdateDuplicates bool
}

// AddAttributesResult is the outcome of AddAttributes: attributes/add saves what validates and reports the rest.
type AddAttributesResult struct {
	// Added are the stored attributes, as attributes/view shows them, in the order they were given.
	Added []*misp.Attribute
	// Failed maps the index of each attribute that was not saved to why, worded as MISP words it
	// (message MsgCouldNotAddAttribute, field complaints such as store.MsgDuplicateAttribute under "value").
	Failed map[int]*InvalidError
}

// attrEvent loads the event with id (or uuid, when not empty) without its elements (what access decisions need), or the refusal.
func (s *Service) attrEvent(ctx context.Context, id int64, uuid string, refusal *acl.Error) (*misp.Event, error) {
	f := store.EventFilter{Conditions: acl.Conditions{Unrestricted: true}, Metadata: true, Limit: 1}
	if uuid != "" {
		f.UUIDs = []string{uuid}
	} else {
		f.IDs = []int64{id}
	}
	for ev, err := range s.st.SearchEvents(ctx, f) {
		if err != nil {
			if uuid != "" {
				return nil, fmt.Errorf("load event %s: %w", uuid, err)
			}
			return nil, fmt.Errorf("load event %d: %w", id, err)
		}
		return ev, nil
	}
	return nil, refusal
}

// attrRef reads a path reference: a positive decimal id or a uuid (lower-cased).
func attrRef(ref string) (id int64, uuid string, ok bool) {
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

// attrByRef loads the attribute ref names with its event (without elements) and, for an attribute inside an
// object, the object. A missing row of any of them is refused as "Invalid attribute".
func (s *Service) attrByRef(ctx context.Context, ref string) (*misp.Attribute, *misp.Event, *misp.Object, error) {
	notFound := acl.NotFoundFor(acl.KindAttribute)
	id, uuid, ok := attrRef(ref)
	if !ok {
		return nil, nil, nil, notFound
	}
	var a *misp.Attribute
	var err error
	if uuid != "" {
		a, err = s.st.AttributeByUUID(ctx, uuid)
	} else {
		a, err = s.st.Attribute(ctx, id)
	}
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil, nil, notFound
	}
	if err != nil {
		return nil, nil, nil, fmt.Errorf("load attribute %s: %w", ref, err)
	}
	ev, err := s.attrEvent(ctx, int64(a.EventID), "", notFound)
	if err != nil {
		return nil, nil, nil, err
	}
	var obj *misp.Object
	if a.ObjectID != 0 {
		obj, err = s.st.Object(ctx, int64(a.ObjectID))
		if errors.Is(err, store.ErrNotFound) {
			return nil, nil, nil, notFound
		}
		if err != nil {
			return nil, nil, nil, fmt.Errorf("load object of attribute %s: %w", ref, err)
		}
	}
	return a, ev, obj, nil
}

func attrElement(a *misp.Attribute) acl.Element {
	return ACLElement(acl.KindAttribute, a.Distribution, a.SharingGroupID)
}

// canReadAttr decides whether u may read a (inside obj, when not nil) of ev.
func (s *Service) canReadAttr(u acl.User, ev *misp.Event, obj *misp.Object, a *misp.Attribute) error {
	if obj != nil {
		return s.Policy().CanReadObjectAttribute(u, ACLEvent(ev), ACLElement(acl.KindObject, obj.Distribution, obj.SharingGroupID), attrElement(a))
	}
	return s.Policy().CanReadElement(u, ACLEvent(ev), attrElement(a))
}

// attrTimestamp is the timestamp an edit is stamped with: now, or one past stored when the clock has not moved
// past it, so that the edit is newer under MISP's timestamp rule.
func (s *Service) attrTimestamp(stored misp.Timestamp) misp.Timestamp {
	ts := misp.TimestampOf(s.now())
	if ts <= stored {
		ts = stored + 1
	}
	return ts
}

// checkAttribute validates a as MISP's Attribute model does when it saves one, applying MISP's defaults where a
// leaves them out: the type's default category and to_ids, the instance's default attribute distribution, the
// normalised value. A sharing group the caller may not use is refused with the policy's 403.
func (s *Service) checkAttribute(u acl.User, a *misp.Attribute, message string) error {
	if a.Type == "" || !misp.ValidType(a.Type) {
		return Invalid(message, "type", msgAttrType)
	}
	if a.Category != "" && !misp.ValidCategory(a.Category) {
		return Invalid(message, "category", msgAttrCategory)
	}
	cat, val, err := misp.NormalizeAttribute(a.Category, a.Type, a.Value)
	if err != nil {
		var ve *misp.ValueError
		switch {
		case errors.As(err, &ve):
			return Invalid(message, "value", ve.Reason)
		case errors.Is(err, misp.ErrInvalidCategory):
			// MISP checks the type against the category (validateTypeValue).
			return Invalid(message, "type", msgAttrType)
		case errors.Is(err, misp.ErrUnknownType):
			return Invalid(message, "type", msgAttrType)
		}
		return Invalid(message, "value", err.Error())
	}
	a.Category, a.Value = cat, val
	a.ToIDS = a.ToIDS.Or(misp.DefaultToIDS(a.Type))
	if a.UUID != "" && !misp.ValidUUID(a.UUID) {
		return Invalid(message, "uuid", msgAttrUUID)
	}
	a.UUID = strings.ToLower(a.UUID)
	if err := misp.CheckSeen(a.FirstSeen, a.LastSeen); err != nil {
		return Invalid(message, "last_seen", msgAttrLastSeen)
	}
	a.Distribution = a.Distribution.Or(s.DefaultAttributeDistribution())
	if !a.Distribution.Valid() {
		return Invalid(message, "distribution", msgAttrDistribution)
	}
	if a.Distribution.Level() == 4 {
		if a.SharingGroupID == 0 {
			return Invalid(message, "sharing_group_id", msgAttrSharingGroup)
		}
		if err := s.Policy().CanUseSharingGroup(u, int64(a.SharingGroupID)); err != nil {
			return err
		}
	} else {
		a.SharingGroupID = 0
	}
	a.SharingGroup = nil
	return nil
}

// captureTags resolves the tags of a body for attaching, as MISP's Tag::captureTag does: a tag is found by name
// (case-insensitively), and one that does not exist is created only for a caller with perm_tag_editor; a tag
// restricted to another organisation or user is not attached (site admins excepted), and neither is a local tag
// from outside the host organisation. Tags that cannot be attached are left out without failing the save, as
// MISP leaves them out.
func (s *Service) captureTags(ctx context.Context, u acl.User, ev *misp.Event, el acl.Element, tags []misp.Tag) ([]misp.Tag, error) {
	if len(tags) == 0 {
		return nil, nil
	}
	role := u.EffectiveRole()
	var all []misp.Tag // loaded on the first name not found exactly
	out := make([]misp.Tag, 0, len(tags))
	seen := map[string]bool{}
	for _, t := range tags {
		name := strings.TrimSpace(t.Name)
		if name == "" || seen[strings.ToLower(name)] {
			continue
		}
		if t.Local && s.Policy().CanTagElement(u, ACLEvent(ev), el, true) != nil {
			continue
		}
		stored, err := s.st.TagByName(ctx, name)
		if errors.Is(err, store.ErrNotFound) {
			stored = nil
			if all == nil {
				if all, err = s.st.ListTags(ctx); err != nil {
					return nil, fmt.Errorf("list tags: %w", err)
				}
			}
			for i := range all {
				if strings.EqualFold(all[i].Name, name) {
					stored = &all[i]
					break
				}
			}
		} else if err != nil {
			return nil, fmt.Errorf("look up tag %q: %w", name, err)
		}
		att := misp.Tag{Name: name, Exportable: true, Local: t.Local, RelationshipType: t.RelationshipType}
		switch {
		case stored != nil:
			if !role.PermSiteAdmin && (stored.OrgID != 0 && int64(stored.OrgID) != u.OrgID ||
				stored.UserID != 0 && int64(stored.UserID) != u.ID) {
				continue
			}
			att = *stored
			att.Local, att.RelationshipType = t.Local, t.RelationshipType
		case !role.PermTagEditor:
			continue
		default:
			// A new tag as MISP creates it: exportable, coloured from its name unless the body gives a colour.
			att.Colour = t.Colour
			if !colourRE.MatchString(att.Colour) {
				att.Colour = TagColour(name)
			}
			att.LocalOnly = t.LocalOnly
		}
		seen[strings.ToLower(name)] = true
		out = append(out, att)
	}
	return out, nil
}

// unpublish clears the published flag of ev, as MISP does when an event's content changes.
func (s *Service) unpublish(ctx context.Context, ev *misp.Event) error {
	if !ev.Published {
		return nil
	}
	if err := s.st.UnpublishEvent(ctx, int64(ev.ID)); err != nil {
		return fmt.Errorf("unpublish event %d: %w", ev.ID, err)
	}
	ev.Published = false
	return nil
}

// AddAttributes adds attrs to the event eventRef names (an id or uuid), as attributes/add does. u must be allowed
// to add to the event (CanAddAttribute): an event u cannot see is refused "Invalid event" (404), one u may not
// modify "You do not have permission to do that." (403), and a sharing group u may not use "Invalid Sharing
// Group or not authorised." (403); these refusals are returned as the error and nothing is saved.
//
// Each attribute is then checked and saved on its own, with MISP's defaults (category and to_ids from its
// type, the instance's default attribute distribution) and its normalised value; one that does not validate, or
// repeats a live attribute of the event (unless opts.UpdateDuplicates), is reported in the result's Failed and
// the others are still saved. Tags in an attribute's Tag list are attached as captureTags allows. The event is
// unpublished when anything was saved.
func (s *Service) AddAttributes(ctx context.Context, u acl.User, eventRef string, attrs []misp.Attribute, opts AddAttributesOptions) (*AddAttributesResult, error) {
	id, uuid, ok := attrRef(eventRef)
	if !ok {
		return nil, acl.NotFound(acl.MsgInvalidEvent)
	}
	ev, err := s.attrEvent(ctx, id, uuid, acl.NotFound(acl.MsgInvalidEvent))
	if err != nil {
		return nil, err
	}
	if err := s.Policy().CanAddAttribute(u, ACLEvent(ev)); err != nil {
		return nil, err
	}
	for i := range attrs {
		// MISP checks the sharing group of the request before anything is saved.
		if a := &attrs[i]; a.Distribution.Level() == 4 && a.SharingGroupID != 0 {
			if err := s.Policy().CanUseSharingGroup(u, int64(a.SharingGroupID)); err != nil {
				return nil, err
			}
		}
	}
	res := &AddAttributesResult{Failed: map[int]*InvalidError{}}
	for i := range attrs {
		a, invalid, err := s.addAttribute(ctx, u, ev, attrs[i], opts)
		if err != nil {
			return nil, err
		}
		if invalid != nil {
			res.Failed[i] = invalid
			continue
		}
		res.Added = append(res.Added, a)
	}
	if len(res.Added) > 0 {
		if err := s.unpublish(ctx, ev); err != nil {
			return nil, err
		}
	}
	return res, nil
}

// addAttribute checks and saves one attribute of AddAttributes.
func (s *Service) addAttribute(ctx context.Context, u acl.User, ev *misp.Event, a misp.Attribute, opts AddAttributesOptions) (*misp.Attribute, *InvalidError, error) {
	a.ID, a.EventID, a.ObjectID, a.ObjectRelation = 0, ev.ID, 0, ""
	a.Deleted, a.Event, a.EventUUID, a.Sighting, a.ShadowAttribute = false, nil, "", nil, nil
	if err := s.checkAttribute(u, &a, MsgCouldNotAddAttribute); err != nil {
		var invalid *InvalidError
		if errors.As(err, &invalid) {
			return nil, invalid, nil
		}
		return nil, nil, err
	}
	tags, err := s.captureTags(ctx, u, ev, attrElement(&a), a.Tag)
	if err != nil {
		return nil, nil, err
	}
	a.Tag = tags
	if opts.UpdateDuplicates {
		dup, err := s.findDuplicate(ctx, ev, &a)
		if err != nil {
			return nil, nil, err
		}
		if dup != nil {
			return s.overwriteDuplicate(ctx, dup, &a)
		}
	}
	err = s.st.AddAttribute(ctx, int64(ev.ID), &a)
	var dup *store.DuplicateAttributeError
	switch {
	case errors.As(err, &dup):
		return nil, Invalid(MsgCouldNotAddAttribute, "value", store.MsgDuplicateAttribute), nil
	case errors.Is(err, store.ErrConflict):
		return nil, Invalid(MsgCouldNotAddAttribute, "uuid", msgAttrUUIDUsed), nil
	case err != nil:
		return nil, nil, fmt.Errorf("add attribute to event %d: %w", ev.ID, err)
	}
	stored, err := s.st.Attribute(ctx, int64(a.ID))
	if err != nil {
		return nil, nil, fmt.Errorf("read added attribute %d: %w", a.ID, err)
	}
	return stored, nil, nil
}

// findDuplicate returns the live attribute outside objects of ev with a's value, type and category, or nil.
func (s *Service) findDuplicate(ctx context.Context, ev *misp.Event, a *misp.Attribute) (*misp.Attribute, error) {
	f := store.AttributeFilter{Conditions: acl.Conditions{Unrestricted: true}, EventIDs: []int64{int64(ev.ID)},
		Type: store.Any(a.Type), Category: store.Any(a.Category), Value: store.Any(a.Value)}
	for found, err := range s.st.SearchAttributes(ctx, f) {
		if err != nil {
			return nil, fmt.Errorf("look for a duplicate in event %d: %w", ev.ID, err)
		}
		if found.ObjectID == 0 && !found.Deleted && found.Value == a.Value && found.Type == a.Type &&
			found.Category == a.Category {
			return found, nil
		}
	}
	return nil, nil
}

// overwriteDuplicate saves a over the stored attribute dup (breakOnDuplicate:0), keeping dup's id and uuid and
// stamping it now, and attaches a's tags.
func (s *Service) overwriteDuplicate(ctx context.Context, dup, a *misp.Attribute) (*misp.Attribute, *InvalidError, error) {
	edit := *a
	edit.ID, edit.UUID, edit.EventID, edit.Tag = dup.ID, dup.UUID, dup.EventID, nil
	edit.Timestamp = s.attrTimestamp(dup.Timestamp)
	if err := s.st.EditAttribute(ctx, &edit); err != nil {
		return nil, nil, fmt.Errorf("update attribute %d: %w", dup.ID, err)
	}
	if err := s.attachTags(ctx, int64(dup.ID), a.Tag); err != nil {
		return nil, nil, err
	}
	stored, err := s.st.Attribute(ctx, int64(dup.ID))
	if err != nil {
		return nil, nil, fmt.Errorf("read updated attribute %d: %w", dup.ID, err)
	}
	return stored, nil, nil
}

// attachTags attaches tags (as captureTags returned them) to attribute id, creating the missing ones.
func (s *Service) attachTags(ctx context.Context, id int64, tags []misp.Tag) error {
	for _, t := range tags {
		if t.ID == 0 {
			nt := t
			nt.Local, nt.RelationshipType = false, ""
			if err := s.st.CreateTag(ctx, &nt); err != nil {
				if !errors.Is(err, store.ErrConflict) {
					return fmt.Errorf("create tag %q: %w", t.Name, err)
				}
				got, lerr := s.st.TagByName(ctx, t.Name)
				if lerr != nil {
					return fmt.Errorf("create tag %q: %w", t.Name, err)
				}
				nt = *got
			}
			t.ID = nt.ID
		}
		if err := s.st.AttachAttributeTag(ctx, id, int64(t.ID), bool(t.Local), string(t.RelationshipType)); err != nil {
			return fmt.Errorf("attach tag %q to attribute %d: %w", t.Name, id, err)
		}
	}
	return nil
}

// Attribute returns the attribute ref names (an id or uuid) with its tags, as attributes/view shows it: an
// attribute u may not read (CanReadElement, and for an attribute inside an object CanReadObjectAttribute), a
// deleted one, or one that does not exist is refused "Invalid attribute" (404).
func (s *Service) Attribute(ctx context.Context, u acl.User, ref string) (*misp.Attribute, error) {
	a, ev, obj, err := s.attrByRef(ctx, ref)
	if err != nil {
		return nil, err
	}
	if err := s.canReadAttr(u, ev, obj, a); err != nil {
		return nil, err
	}
	if a.Deleted {
		return nil, acl.NotFoundFor(acl.KindAttribute)
	}
	return a, nil
}

// EditableAttributeFields returns the JSON names of the attribute fields EditAttribute may change.
func EditableAttributeFields() []string {
	return []string{"type", "category", "value", "to_ids", "comment", "distribution", "sharing_group_id",
		"first_seen", "last_seen", "disable_correlation", "deleted", "timestamp", "Tag"}
}

// EditAttribute edits the attribute ref names (an id or uuid) with the fields of a named in fields (JSON names,
// as EditableAttributeFields lists them; others are ignored), as attributes/edit does: the fields not named keep
// their stored values. A nil fields names every field a sets to a non-zero value.
//
// u must be allowed to edit the attribute (CanEditElement, and read it inside its object); a deleted attribute is refused
// "Invalid attribute" (404). A timestamp that is not newer than the stored one is a *store.NotNewerError; no
// timestamp (PyMISP leaves it out of an attribute it has changed) stamps the edit now. The type, category and
// value are checked again as on add, and a value that repeats a live attribute of the event is refused with
// store.MsgDuplicateAttribute, both as *InvalidError with MsgCouldNotEditAttribute. An edit with deleted set
// soft-deletes the attribute, as PyMISP's update_attribute does it. Tags in a's Tag list are
// attached when u has perm_tagger (as captureTags allows); tags left out stay. The event is unpublished. It
// returns the attribute as stored.
func (s *Service) EditAttribute(ctx context.Context, u acl.User, ref string, a *misp.Attribute, fields []string) (*misp.Attribute, error) {
	stored, ev, obj, err := s.attrByRef(ctx, ref)
	if err != nil {
		return nil, err
	}
	// The policy first: MISP's role gate refuses a role without perm_add before anything is looked at.
	if err := s.Policy().CanEditElement(u, ACLEvent(ev), attrElement(stored)); err != nil {
		return nil, err
	}
	if err := s.canReadAttr(u, ev, obj, stored); err != nil {
		return nil, err
	}
	if stored.Deleted {
		return nil, acl.NotFoundFor(acl.KindAttribute)
	}
	set := map[string]bool{}
	if fields == nil {
		set["type"], set["category"], set["value"] = a.Type != "", a.Category != "", a.Value != ""
		set["to_ids"], set["comment"], set["distribution"] = a.ToIDS.IsSet(), a.Comment != "", a.Distribution != misp.DistributionUnset
		set["sharing_group_id"], set["first_seen"], set["last_seen"] = a.SharingGroupID != 0, !a.FirstSeen.IsZero(), !a.LastSeen.IsZero()
		set["disable_correlation"], set["timestamp"], set["Tag"] = bool(a.DisableCorrelation), a.Timestamp != 0, len(a.Tag) > 0
		set["deleted"] = bool(a.Deleted)
	} else {
		for _, f := range fields {
			set[f] = true
		}
	}
	if set["distribution"] && a.Distribution.Level() == 4 && a.SharingGroupID != 0 {
		if err := s.Policy().CanUseSharingGroup(u, int64(a.SharingGroupID)); err != nil {
			return nil, err
		}
	}
	if set["timestamp"] && !misp.IsNewer(a.Timestamp, stored.Timestamp) {
		return nil, &store.NotNewerError{What: "Attribute", Incoming: a.Timestamp, Stored: stored.Timestamp}
	}
	edit := *stored
	edit.Tag, edit.SharingGroup = nil, nil
	if set["type"] {
		edit.Type = a.Type
	}
	if set["category"] {
		edit.Category = a.Category
	}
	if set["value"] {
		edit.Value = a.Value
	}
	if set["to_ids"] && a.ToIDS.IsSet() {
		edit.ToIDS = a.ToIDS
	}
	if set["comment"] {
		edit.Comment = a.Comment
	}
	if set["distribution"] && a.Distribution != misp.DistributionUnset {
		edit.Distribution = a.Distribution
		if !set["sharing_group_id"] {
			edit.SharingGroupID = 0
		}
	}
	if set["sharing_group_id"] {
		edit.SharingGroupID = a.SharingGroupID
	}
	if set["first_seen"] {
		edit.FirstSeen = a.FirstSeen
	}
	if set["last_seen"] {
		edit.LastSeen = a.LastSeen
	}
	if set["disable_correlation"] {
		edit.DisableCorrelation = a.DisableCorrelation
	}
	if set["deleted"] {
		// PyMISP soft-deletes through an edit with deleted set (MISP's editable fields include it).
		edit.Deleted = a.Deleted
	}
	if err := s.checkAttribute(u, &edit, MsgCouldNotEditAttribute); err != nil {
		return nil, err
	}
	if set["timestamp"] && a.Timestamp != 0 {
		edit.Timestamp = a.Timestamp
	} else {
		edit.Timestamp = s.attrTimestamp(stored.Timestamp)
	}
	var tags []misp.Tag
	if set["Tag"] && u.EffectiveRole().PermTagger {
		if tags, err = s.captureTags(ctx, u, ev, attrElement(&edit), a.Tag); err != nil {
			return nil, err
		}
	}
	err = s.st.EditAttribute(ctx, &edit)
	var dup *store.DuplicateAttributeError
	switch {
	case errors.As(err, &dup):
		return nil, Invalid(MsgCouldNotEditAttribute, "value", store.MsgDuplicateAttribute)
	case err != nil:
		var nn *store.NotNewerError
		if errors.As(err, &nn) {
			return nil, nn
		}
		return nil, fmt.Errorf("edit attribute %d: %w", stored.ID, err)
	}
	if err := s.attachTags(ctx, int64(stored.ID), tags); err != nil {
		return nil, err
	}
	if err := s.unpublish(ctx, ev); err != nil {
		return nil, err
	}
	out, err := s.st.Attribute(ctx, int64(stored.ID))
	if err != nil {
		return nil, fmt.Errorf("read edited attribute %d: %w", stored.ID, err)
	}
	return out, nil
}

// DeleteAttribute deletes the attribute ref names (an id or uuid), as attributes/delete does: softly (it stays,
// flagged deleted, for synchronisation) or, when hard, for good with its tags and sightings. u must be allowed to
// delete it (CanDeleteElement); an attribute already soft-deleted can only be deleted hard, and is otherwise
// refused "Invalid attribute" (404), as MISP refuses it. The event is unpublished. It returns the attribute's id.
func (s *Service) DeleteAttribute(ctx context.Context, u acl.User, ref string, hard bool) (int64, error) {
	a, ev, obj, err := s.attrByRef(ctx, ref)
	if err != nil {
		return 0, err
	}
	if err := s.Policy().CanDeleteElement(u, ACLEvent(ev), attrElement(a)); err != nil {
		return 0, err
	}
	if err := s.canReadAttr(u, ev, obj, a); err != nil {
		return 0, err
	}
	if bool(a.Deleted) && !hard {
		return 0, acl.NotFoundFor(acl.KindAttribute)
	}
	if err := s.st.DeleteAttribute(ctx, int64(a.ID), hard, s.now()); err != nil {
		return 0, fmt.Errorf("delete attribute %d: %w", a.ID, err)
	}
	if err := s.unpublish(ctx, ev); err != nil {
		return 0, err
	}
	return int64(a.ID), nil
}

// RestoreAttribute undoes the soft delete of the attribute ref names (an id or uuid), as attributes/restore
// does: u must be allowed to edit it (CanEditElement). Restoring an attribute that repeats a live one of the
// event is refused with store.MsgDuplicateAttribute (*InvalidError with MsgCouldNotRestoreAttribute). An
// attribute that is not deleted is returned unchanged. The event is unpublished. It returns the attribute as
// stored.
func (s *Service) RestoreAttribute(ctx context.Context, u acl.User, ref string) (*misp.Attribute, error) {
	a, ev, obj, err := s.attrByRef(ctx, ref)
	if err != nil {
		return nil, err
	}
	if err := s.Policy().CanEditElement(u, ACLEvent(ev), attrElement(a)); err != nil {
		return nil, err
	}
	if err := s.canReadAttr(u, ev, obj, a); err != nil {
		return nil, err
	}
	if !a.Deleted {
		return a, nil
	}
	err = s.st.RestoreAttribute(ctx, int64(a.ID), s.attrTimestamp(a.Timestamp).Time())
	var dup *store.DuplicateAttributeError
	switch {
	case errors.As(err, &dup):
		return nil, Invalid(MsgCouldNotRestoreAttribute, "value", store.MsgDuplicateAttribute)
	case err != nil:
		return nil, fmt.Errorf("restore attribute %d: %w", a.ID, err)
	}
	if err := s.unpublish(ctx, ev); err != nil {
		return nil, err
	}
	out, err := s.st.Attribute(ctx, int64(a.ID))
	if err != nil {
		return nil, fmt.Errorf("read restored attribute %d: %w", a.ID, err)
	}
	return out, nil
}
