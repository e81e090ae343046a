package intel

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"iter"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/hunchsec/hunch/intel/acl"
	"github.com/hunchsec/hunch/misp"
	"github.com/hunchsec/hunch/store"
)

// MISP's messages for the events operations, verbatim.
const (
	// MsgCouldNotAddEvent is the message of a refused events/add (RestResponse::saveFailResponse).
	MsgCouldNotAddEvent = "Could not add Event"
	// MsgCouldNotEditEvent is the message of a refused events/edit.
	MsgCouldNotEditEvent = "Could not edit Event"
	// MsgEventExists answers events/add with the uuid of a stored event (404, with a Location header).
	MsgEventExists = "Event already exists, if you would like to edit it, use the url in the location header."
	// MsgEventDeleted is events/delete's success message.
	MsgEventDeleted = "Event deleted."
	// MsgEventPublished is events/publish's success message when publishing needs no background job.
	MsgEventPublished = "Event published without alerts"
	// MsgEventUnpublished is events/unpublish's success message.
	MsgEventUnpublished = "Event unpublished."
)

// EventExistsError refuses events/add of an event whose uuid is already stored: MISP answers 404 MsgEventExists
// and points its Location header at the stored event. It is returned only to callers who may read that event;
// others get the same refusal, since MISP discloses it to everyone who adds the uuid.
type EventExistsError struct {
	// ID is the stored event's id.
	ID int64
}

// Error returns MISP's message in hunch's error style.
func (e *EventExistsError) Error() string {
	return fmt.Sprintf("event %d already exists", e.ID)
}

// Is matches store.ErrConflict.
func (e *EventExistsError) Is(target error) bool { return target == store.ErrConflict }

// errEventNotDeleted is MISP's refusal of a delete of an event that does not exist, worded as every refused delete
// (403 "Could not delete Event", errors "Event was not deleted."): the policy's answer for an event nobody but its
// owner may delete, asked on behalf of a caller that owns nothing.
func (s *Service) errEventNotDeleted() error {
	u := acl.User{OrgID: -1, Role: acl.Role{PermAdd: true, PermAuth: true}}
	err := s.Policy().CanDeleteEvent(u, acl.Event{ID: -1, OrgID: -2, OrgcID: -2, Distribution: acl.OrgOnly})
	if err == nil {
		return errors.New("intel: delete refusal unavailable")
	}
	return err
}

// evtLoad returns the event ref names (an id or a uuid) with its whole aggregate; an event that does not exist, or
// a ref that is neither, is notFound.
func (s *Service) evtLoad(ctx context.Context, ref string, notFound error) (*misp.Event, error) {
	return s.evtFetch(ctx, ref, notFound, false)
}

// evtHeader is evtLoad without the event's elements (attributes, objects, reports): what an access check, a
// publication or a metadata view needs, at the same cost for an event of ten attributes and of a million.
func (s *Service) evtHeader(ctx context.Context, ref string, notFound error) (*misp.Event, error) {
	return s.evtFetch(ctx, ref, notFound, true)
}

func (s *Service) evtFetch(ctx context.Context, ref string, notFound error, header bool) (*misp.Event, error) {
	ref = strings.TrimSpace(ref)
	var (
		e   *misp.Event
		err error
		f   = store.EventFilter{Conditions: acl.Conditions{Unrestricted: true}, Metadata: true}
	)
	switch {
	case misp.ValidUUID(ref) && header:
		f.UUIDs = []string{strings.ToLower(ref)}
		e, err = firstEvent(s.st.SearchEvents(ctx, f))
	case misp.ValidUUID(ref):
		e, err = s.st.EventByUUID(ctx, strings.ToLower(ref))
	default:
		id, perr := strconv.ParseInt(ref, 10, 64)
		if perr != nil || id <= 0 {
			return nil, notFound
		}
		if header {
			f.IDs = []int64{id}
			e, err = firstEvent(s.st.SearchEvents(ctx, f))
		} else {
			e, err = s.st.Event(ctx, id)
		}
	}
	if errors.Is(err, store.ErrNotFound) {
		return nil, notFound
	}
	if err != nil {
		return nil, fmt.Errorf("load event %s: %w", ref, err)
	}
	return e, nil
}

// firstEvent returns the first event of seq, or store.ErrNotFound.
func firstEvent(seq iter.Seq2[*misp.Event, error]) (*misp.Event, error) {
	for e, err := range seq {
		return e, err
	}
	return nil, store.ErrNotFound
}

// AddEvent creates event e for u (events/add) and returns it as ViewEvent shows it to u, with its elements unless
// metadata. MISP's defaults fill what e leaves out: the instance's default distributions, threat level 4
// (undefined), analysis 0 (initial), today's date, each attribute type's default category and to_ids flag.
// The event belongs to u's organisation and is created by it, unless u is a sync user naming another creator
// organisation (e.Orgc, by uuid or name). Values are normalised as MISP saves them; anything invalid refuses the
// whole event with an *InvalidError and nothing is written. An event whose uuid is stored already is an
// *EventExistsError.
func (s *Service) AddEvent(ctx context.Context, u acl.User, e *misp.Event, metadata bool) (*misp.Event, error) {
	p := s.Policy()
	if err := p.CanAddEvent(u); err != nil {
		return nil, err
	}
	if e.UUID != "" {
		if !misp.ValidUUID(e.UUID) {
			return nil, Invalid(MsgCouldNotAddEvent, "uuid", "Please provide a valid RFC 4122 UUID")
		}
		e.UUID = strings.ToLower(e.UUID)
		old, err := s.st.EventByUUID(ctx, e.UUID)
		switch {
		case err == nil:
			return nil, &EventExistsError{ID: int64(old.ID)}
		case !errors.Is(err, store.ErrNotFound):
			return nil, fmt.Errorf("look up event uuid: %w", err)
		}
	}
	role := u.EffectiveRole()
	incoming := e.Timestamp
	e.ID, e.Timestamp, e.AttributeCount = 0, 0, 0
	e.OrgID, e.Org = misp.FlexInt(u.OrgID), nil
	e.UserID = misp.FlexInt(u.ID)
	if role.PermSync && (e.Orgc != nil && (e.Orgc.UUID != "" || e.Orgc.Name != "")) {
		// Synchronisation keeps the creator: the store finds (or creates) it by uuid, then name; and the
		// timestamp, which stops the event travelling back; sharing groups are mapped by uuid.
		e.OrgcID = 0
		e.Orgc.ID = 0
		e.Timestamp = incoming
		if err := s.captureSyncSharingGroups(ctx, u, e); err != nil {
			return nil, err
		}
	} else {
		e.OrgcID, e.Orgc = misp.FlexInt(u.OrgID), nil
		e.Locked = false
	}
	if !role.PermSync {
		e.Locked = false
	}
	if bool(e.Published) && !role.PermPublish {
		e.Published = false
	}
	e.PublishTimestamp = 0
	if e.Published {
		e.PublishTimestamp = misp.TimestampOf(s.now())
	}
	if e.Distribution == misp.DistributionUnset {
		e.Distribution = s.DefaultEventDistribution()
	}
	if e.ThreatLevel == 0 {
		e.ThreatLevel = misp.ThreatLevelUndefined
	}
	if e.Date.IsZero() {
		e.Date = misp.DateOf(s.now())
	}
	inv := &InvalidError{Message: MsgCouldNotAddEvent, Fields: map[string][]string{}}
	s.evtCheck(u, e, nil, inv)
	if len(inv.Fields) > 0 {
		return nil, inv
	}
	if err := s.evtCheckSharingGroups(u, e, nil); err != nil {
		return nil, err
	}
	if err := s.opts.Limits.CheckEvent(e); err != nil {
		return nil, Invalid(MsgCouldNotAddEvent, "Event", err.Error())
	}
	if err := s.st.SaveEvent(ctx, e); err != nil {
		if errors.Is(err, store.ErrConflict) && e.UUID != "" {
			if old, lerr := s.st.EventByUUID(ctx, e.UUID); lerr == nil {
				return nil, &EventExistsError{ID: int64(old.ID)}
			}
		}
		return nil, fmt.Errorf("save event: %w", err)
	}
	return s.ViewEvent(ctx, u, strconv.FormatInt(int64(e.ID), 10), EventViewOptions{Metadata: metadata})
}

// evtCheck validates the event's own fields and applies MISP's defaults to its elements, recording what is wrong
// in inv. stored is the stored copy on an edit (its elements keep their distribution when e's leave it out).
func (s *Service) evtCheck(u acl.User, e *misp.Event, stored *misp.Event, inv *InvalidError) {
	add := func(field, msg string) { inv.Fields[field] = append(inv.Fields[field], msg) }
	exportableTags(e)
	if strings.TrimSpace(e.Info) == "" {
		add("info", "Info cannot be empty.")
	}
	if !e.Distribution.ValidForEvent() {
		add("distribution", "Options: 0, 1, 2, 3, 4 (for Your organisation only, This community only, Connected communities, All communities, Sharing group)")
	}
	if !e.ThreatLevel.Valid() {
		add("threat_level_id", "Options : 1, 2, 3, 4 (for High, Medium, Low, Undefined)")
	}
	if !e.Analysis.Valid() {
		add("analysis", "Options : 0, 1, 2 (for Initial, Ongoing, Completed)")
	}
	if e.Distribution.Level() != int(acl.SharingGroupOnly) {
		e.SharingGroupID, e.SharingGroup = 0, nil
	} else if e.SharingGroupID == 0 {
		add("sharing_group_id", "If the distribution is set to \"Sharing Group\", a sharing group has to be selected.")
	}
	old := map[string]misp.Distribution{}
	if stored != nil {
		for _, a := range stored.Attribute {
			old[a.UUID] = a.Distribution
		}
		for _, o := range stored.Object {
			old[o.UUID] = o.Distribution
			for _, a := range o.Attribute {
				old[a.UUID] = a.Distribution
			}
		}
		for _, r := range stored.EventReport {
			old[r.UUID] = r.Distribution
		}
	}
	elemDist := func(d *misp.Distribution, sg *misp.FlexInt, uuid, field string) {
		if *d == misp.DistributionUnset {
			if prev, ok := old[strings.ToLower(uuid)]; ok && prev != misp.DistributionUnset {
				*d = prev
			} else {
				*d = s.DefaultAttributeDistribution()
			}
		}
		if !d.Valid() {
			add(field, "Options: 0, 1, 2, 3, 4, 5 (for Your organisation only, This community only, Connected communities, All communities, Sharing group, Inherit event)")
		}
		if d.Level() != int(acl.SharingGroupOnly) {
			*sg = 0
		} else if *sg == 0 {
			add(field, "If the distribution is set to \"Sharing Group\", a sharing group has to be selected.")
		}
	}
	for i := range e.Attribute {
		a := &e.Attribute[i]
		field := fmt.Sprintf("Attribute.%d", i)
		a.ObjectID, a.ObjectRelation = 0, ""
		s.evtCheckAttribute(a, field, add)
		elemDist(&a.Distribution, &a.SharingGroupID, a.UUID, field+".distribution")
	}
	for i := range e.Object {
		o := &e.Object[i]
		field := fmt.Sprintf("Object.%d", i)
		if strings.TrimSpace(o.Name) == "" {
			add(field+".name", "Name cannot be empty.")
		}
		elemDist(&o.Distribution, &o.SharingGroupID, o.UUID, field+".distribution")
		attrs := make([]misp.ObjAttr, 0, len(o.Attribute))
		for j := range o.Attribute {
			a := &o.Attribute[j]
			af := fmt.Sprintf("%s.Attribute.%d", field, j)
			s.evtCheckAttribute(a, af, add)
			elemDist(&a.Distribution, &a.SharingGroupID, a.UUID, af+".distribution")
			attrs = append(attrs, misp.ObjAttr{Relation: string(a.ObjectRelation), Type: a.Type, Value: a.Value})
		}
		if ts := s.opts.ObjectTemplates; ts != nil && o.Name != "" {
			if _, err := ts.ValidateObject(o.Name, attrs); err != nil {
				var oe *misp.ObjectError
				if errors.As(err, &oe) {
					for _, p := range oe.Problems {
						add(field, p)
					}
				} else {
					add(field, err.Error())
				}
			}
		}
	}
	for i := range e.EventReport {
		r := &e.EventReport[i]
		field := fmt.Sprintf("EventReport.%d", i)
		if strings.TrimSpace(r.Name) == "" {
			add(field+".name", "Name cannot be empty.")
		}
		elemDist(&r.Distribution, &r.SharingGroupID, r.UUID, field+".distribution")
	}
	for i := range e.Tag {
		if strings.TrimSpace(e.Tag[i].Name) == "" {
			add(fmt.Sprintf("Tag.%d.name", i), "Name cannot be empty.")
		}
	}
}

// exportable returns tags without the non-exportable ones (nil when none is left), reusing tags' array.
func exportable(tags []misp.Tag) []misp.Tag {
	out := tags[:0]
	for _, t := range tags {
		if t.Exportable {
			out = append(out, t)
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// dropUnexportableTags removes the non-exportable tags of e, its attributes and its objects' attributes.
func dropUnexportableTags(e *misp.Event) {
	drop := exportable
	e.Tag = drop(e.Tag)
	for i := range e.Attribute {
		e.Attribute[i].Tag = drop(e.Attribute[i].Tag)
	}
	for i := range e.Object {
		for j := range e.Object[i].Attribute {
			e.Object[i].Attribute[j].Tag = drop(e.Object[i].Attribute[j].Tag)
		}
	}
}

// exportableTags marks the tags of e exportable: a tag an event brings that is not stored yet is created
// exportable, as MISP's captureTag creates it (a stored tag keeps its own flags whatever the event says).
func exportableTags(e *misp.Event) {
	mark := func(tags []misp.Tag) {
		for i := range tags {
			tags[i].Exportable = true
		}
	}
	mark(e.Tag)
	for i := range e.Attribute {
		mark(e.Attribute[i].Tag)
	}
	for i := range e.Object {
		for j := range e.Object[i].Attribute {
			mark(e.Object[i].Attribute[j].Tag)
		}
	}
}

// evtCheckAttribute applies MISP's defaults to a (category, to_ids) and normalises its value.
func (s *Service) evtCheckAttribute(a *misp.Attribute, field string, add func(field, msg string)) {
	if !misp.ValidType(a.Type) {
		add(field+".type", "Options depend on the selected category.")
		return
	}
	cat, val, err := misp.NormalizeAttribute(a.Category, a.Type, a.Value)
	if err != nil {
		var ve *misp.ValueError
		switch {
		case errors.As(err, &ve):
			add(field+".value", ve.Reason)
		case a.Category != "" && !misp.ValidCategory(a.Category):
			add(field+".category", "Options : "+strings.Join(misp.Categories(), ", "))
		case a.Category != "" && !misp.CategoryAllows(a.Category, a.Type):
			add(field+".type", "Options depend on the selected category.")
		default:
			add(field+".value", err.Error())
		}
		return
	}
	a.Category, a.Value = cat, val
	if a.ToIDS == misp.BoolUnset {
		a.ToIDS = misp.OptBoolOf(misp.DefaultToIDS(a.Type))
	}
	a.ID, a.EventID = 0, 0
	if err := misp.CheckSeen(a.FirstSeen, a.LastSeen); err != nil {
		add(field+".first_seen", "first_seen cannot be after last_seen")
	}
}

// evtCheckSharingGroups refuses sharing groups u may not use on e and its elements; on an edit, groups the
// stored copy already uses are kept without asking.
func (s *Service) evtCheckSharingGroups(u acl.User, e *misp.Event, stored *misp.Event) error {
	p := s.Policy()
	known := map[int64]bool{}
	if stored != nil {
		known[int64(stored.SharingGroupID)] = true
		for _, a := range stored.Attribute {
			known[int64(a.SharingGroupID)] = true
		}
		for _, o := range stored.Object {
			known[int64(o.SharingGroupID)] = true
			for _, a := range o.Attribute {
				known[int64(a.SharingGroupID)] = true
			}
		}
	}
	check := func(id misp.FlexInt) error {
		if id == 0 || known[int64(id)] {
			return nil
		}
		if err := p.CanUseSharingGroup(u, int64(id)); err != nil {
			return err
		}
		known[int64(id)] = true
		return nil
	}
	ids := []misp.FlexInt{e.SharingGroupID}
	for _, a := range e.Attribute {
		ids = append(ids, a.SharingGroupID)
	}
	for _, o := range e.Object {
		ids = append(ids, o.SharingGroupID)
		for _, a := range o.Attribute {
			ids = append(ids, a.SharingGroupID)
		}
	}
	for _, r := range e.EventReport {
		ids = append(ids, r.SharingGroupID)
	}
	for _, id := range ids {
		if err := check(id); err != nil {
			return err
		}
	}
	return nil
}

// EventViewOptions say what ViewEvent returns beyond the live elements.
type EventViewOptions struct {
	// Deleted says which attributes, objects and reports are returned by their deleted flag (events/view's
	// deleted: 0 live, 1 both, [0,1] both; store.DeletedOnly for only deleted ones).
	Deleted store.DeletedFilter
	// Metadata returns the event without its elements (attributes, objects, reports).
	Metadata bool
	// Correlations fills RelatedEvent and each attribute's RelatedAttribute (Correlate), as events/view shows
	// them; the answers of writes leave them out, as they cost queries by value.
	Correlations bool
	// WarninglistHits sets each attribute's Warnings and the event's Warnings from the enabled warninglists
	// (includeWarninglistHits).
	WarninglistHits bool
	// FeedHits sets each attribute's Feed list from the cached feeds (includeFeedCorrelations).
	FeedHits bool
	// AllTags keeps non-exportable tags, which MISP's API leaves out of events (MISP#1394, includeAllTags).
	AllTags bool
}

// ViewEvent returns the event ref names (an id or a uuid) as u may see it (events/view): only the elements u may
// read, deleted elements only when opts asks for them. An event u may
// not see is refused exactly as one that does not exist (404 "Invalid event").
func (s *Service) ViewEvent(ctx context.Context, u acl.User, ref string, opts EventViewOptions) (*misp.Event, error) {
	e, err := s.evtFetch(ctx, ref, acl.NotFound(acl.MsgInvalidEvent), opts.Metadata)
	if err != nil {
		return nil, err
	}
	p := s.Policy()
	ev := ACLEvent(e)
	if err := p.CanReadEvent(u, ev); err != nil {
		return nil, err
	}
	keep := func(deleted misp.FlexBool) bool {
		switch opts.Deleted {
		case store.LiveAndDeleted:
			return true
		case store.DeletedOnly:
			return bool(deleted)
		}
		return !bool(deleted)
	}
	if opts.Metadata {
		e.Attribute, e.Object, e.EventReport = nil, nil, nil
	}
	attrs := e.Attribute[:0]
	for _, a := range e.Attribute {
		if keep(a.Deleted) && p.CanReadElement(u, ev, ACLElement(acl.KindAttribute, a.Distribution, a.SharingGroupID)) == nil {
			attrs = append(attrs, a)
		}
	}
	e.Attribute = attrs
	objs := e.Object[:0]
	for _, o := range e.Object {
		oel := ACLElement(acl.KindObject, o.Distribution, o.SharingGroupID)
		if p.CanReadElement(u, ev, oel) != nil {
			continue
		}
		inner := o.Attribute[:0]
		for _, a := range o.Attribute {
			if keep(a.Deleted) && p.CanReadObjectAttribute(u, ev, oel, ACLElement(acl.KindAttribute, a.Distribution, a.SharingGroupID)) == nil {
				inner = append(inner, a)
			}
		}
		o.Attribute = inner
		// A live object holding deleted attributes is shown when only deleted data is asked for.
		if !keep(o.Deleted) && !(opts.Deleted == store.DeletedOnly && len(inner) > 0) {
			continue
		}
		objs = append(objs, o)
	}
	e.Object = objs
	reps := e.EventReport[:0]
	for _, r := range e.EventReport {
		if keep(r.Deleted) && p.CanReadElement(u, ev, ACLElement(acl.KindEventReport, r.Distribution, r.SharingGroupID)) == nil {
			reps = append(reps, r)
		}
	}
	e.EventReport = reps
	if e.Distribution.Level() != int(acl.SharingGroupOnly) {
		e.SharingGroup = nil
	}
	if !opts.AllTags {
		dropUnexportableTags(e)
	}
	if opts.Correlations && !opts.Metadata {
		if err := s.Correlate(ctx, u, e); err != nil {
			return nil, err
		}
	}
	if err := s.attachGalaxies(ctx, e); err != nil {
		return nil, fmt.Errorf("intel: galaxies of event %d: %w", e.ID, err)
	}
	if opts.FeedHits && !opts.Metadata {
		if err := s.AttachFeedHits(ctx, u, e); err != nil {
			return nil, err
		}
	}
	if opts.WarninglistHits && !opts.Metadata {
		if _, err := s.FlagWarninglistHits(ctx, e); err != nil {
			return nil, err
		}
	}
	if e.RelatedEvent == nil {
		e.RelatedEvent = []misp.RelatedEvent{}
	}
	if e.ShadowAttribute == nil {
		e.ShadowAttribute = []misp.ShadowAttribute{}
	}
	return e, nil
}

// EventSightings returns the sightings u may see of the attributes of e, an event as ViewEvent returned it to u
// (MISP's events/view lists them beside the attributes, in the event's Sighting list), by id.
func (s *Service) EventSightings(ctx context.Context, u acl.User, e *misp.Event) ([]misp.Sighting, error) {
	if e == nil || e.ID == 0 || len(e.Attribute) == 0 && len(e.Object) == 0 {
		return []misp.Sighting{}, nil
	}
	all, err := s.st.SightingsByEvent(ctx, int64(e.ID))
	if err != nil {
		return nil, fmt.Errorf("sightings of event %d: %w", e.ID, err)
	}
	if len(all) == 0 {
		return []misp.Sighting{}, nil
	}
	return s.sgtVisible(ctx, u, e, all, map[int64]*misp.Organisation{})
}

// EventExists reports whether u may see the event ref names (events/view's HEAD).
func (s *Service) EventExists(ctx context.Context, u acl.User, ref string) (bool, error) {
	e, err := s.evtHeader(ctx, ref, acl.NotFound(acl.MsgInvalidEvent))
	if errors.Is(err, acl.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return s.Policy().CanReadEvent(u, ACLEvent(e)) == nil, nil
}

// EditEvent applies e to the event ref names (events/edit) under MISP's timestamp rule and returns the event as
// ViewEvent shows it to u. The owner, creator and creating user stay the stored ones; fields e leaves out keep
// their stored values; elements are matched by uuid (store.Events.UpdateEvent). The edit unpublishes the event,
// as MISP's does, unless it asks for published and u may publish, which publishes it again. An event not newer
// than the stored copy is a *store.NotNewerError.
func (s *Service) EditEvent(ctx context.Context, u acl.User, ref string, e *misp.Event, metadata bool) (*misp.Event, error) {
	stored, err := s.evtLoad(ctx, ref, acl.NotFound(acl.MsgInvalidEvent))
	if err != nil {
		return nil, err
	}
	if err := s.Policy().CanEditEvent(u, ACLEvent(stored)); err != nil {
		return nil, err
	}
	if u.EffectiveRole().PermSync {
		if err := s.captureSyncSharingGroups(ctx, u, e); err != nil {
			return nil, err
		}
	}
	e.ID, e.UUID = stored.ID, stored.UUID
	e.OrgID, e.OrgcID, e.UserID = stored.OrgID, stored.OrgcID, stored.UserID
	e.Org, e.Orgc, e.SharingGroup = nil, nil, nil
	e.Locked, e.AttributeCount = stored.Locked, 0
	// An edit unpublishes; one asking for published by a user who may publish publishes again after the save,
	// as MISP's _edit does.
	republish := bool(e.Published) && s.Policy().CanPublish(u, ACLEvent(stored)) == nil
	e.Published, e.PublishTimestamp = false, stored.PublishTimestamp
	if e.Distribution == misp.DistributionUnset {
		e.Distribution, e.SharingGroupID = stored.Distribution, stored.SharingGroupID
	}
	if e.ThreatLevel == 0 {
		e.ThreatLevel = stored.ThreatLevel
	}
	if e.Date.IsZero() {
		e.Date = stored.Date
	}
	if strings.TrimSpace(e.Info) == "" {
		e.Info = stored.Info
	}
	inv := &InvalidError{Message: MsgCouldNotEditEvent, Fields: map[string][]string{}}
	s.evtCheck(u, e, stored, inv)
	if len(inv.Fields) > 0 {
		return nil, inv
	}
	if err := s.evtCheckSharingGroups(u, e, stored); err != nil {
		return nil, err
	}
	if err := s.opts.Limits.CheckEvent(e); err != nil {
		return nil, Invalid(MsgCouldNotEditEvent, "Event", err.Error())
	}
	if err := s.st.UpdateEvent(ctx, e); err != nil {
		var nn *store.NotNewerError
		if errors.As(err, &nn) {
			return nil, err
		}
		return nil, fmt.Errorf("update event %d: %w", stored.ID, err)
	}
	if republish {
		if err := s.st.PublishEvent(ctx, int64(stored.ID), s.now()); err != nil {
			return nil, fmt.Errorf("publish event %d: %w", stored.ID, err)
		}
	}
	return s.ViewEvent(ctx, u, strconv.FormatInt(int64(stored.ID), 10), EventViewOptions{Metadata: metadata})
}

// DeleteEvent deletes the event ref names, for good, with everything in it (events/delete). Every refusal,
// a missing event included, is MISP's 403 "Could not delete Event" with errors "Event was not deleted.".
// It returns the deleted event's id.
func (s *Service) DeleteEvent(ctx context.Context, u acl.User, ref string) (int64, error) {
	e, err := s.evtHeader(ctx, ref, nil)
	if err != nil {
		return 0, err
	}
	if e == nil {
		if err := s.Policy().CanAddEvent(u); err != nil {
			return 0, err
		}
		return 0, s.errEventNotDeleted()
	}
	if err := s.Policy().CanDeleteEvent(u, ACLEvent(e)); err != nil {
		return 0, err
	}
	if err := s.st.DeleteEvent(ctx, int64(e.ID)); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return 0, s.errEventNotDeleted()
		}
		return 0, fmt.Errorf("delete event %d: %w", e.ID, err)
	}
	return int64(e.ID), nil
}

// PublishEvent publishes the event ref names (events/publish and events/alert) and returns its id. Publishing is
// immediate: hunch runs no background job, sends no e-mail and pushes to no server yet.
func (s *Service) PublishEvent(ctx context.Context, u acl.User, ref string) (int64, error) {
	e, err := s.evtHeader(ctx, ref, acl.NotFound(acl.MsgInvalidEventDot))
	if err != nil {
		return 0, err
	}
	if err := s.Policy().CanPublish(u, ACLEvent(e)); err != nil {
		return 0, err
	}
	if err := s.st.PublishEvent(ctx, int64(e.ID), s.now()); err != nil {
		return 0, fmt.Errorf("publish event %d: %w", e.ID, err)
	}
	return int64(e.ID), nil
}

// UnpublishEvent clears the published flag of the event ref names (events/unpublish) and returns its id.
func (s *Service) UnpublishEvent(ctx context.Context, u acl.User, ref string) (int64, error) {
	e, err := s.evtHeader(ctx, ref, acl.NotFound(acl.MsgInvalidEventDot))
	if err != nil {
		return 0, err
	}
	if err := s.Policy().CanUnpublish(u, ACLEvent(e)); err != nil {
		return 0, err
	}
	if err := s.st.UnpublishEvent(ctx, int64(e.ID)); err != nil {
		return 0, fmt.Errorf("unpublish event %d: %w", e.ID, err)
	}
	return int64(e.ID), nil
}

// EventIndexQuery is what events/index selects and how it orders the list. Filter narrows in the database (its
// Conditions and Metadata are the service's to set); the other fields narrow and order what it selects.
type EventIndexQuery struct {
	Filter store.EventFilter
	// NotIDs and NotUUIDs leave these events out (eventid "!12").
	NotIDs   []int64
	NotUUIDs []string
	// Distributions and Analyses keep events with one of these levels.
	Distributions []misp.Distribution
	Analyses      []misp.Analysis
	// QuickFilter keeps events whose info or uuid contains it, or that hold a readable attribute whose value
	// contains it, or that carry a tag whose name contains it (events/index's "all").
	QuickFilter string
	// Sort names the event field to order by (id, date, timestamp, publish_timestamp, info, threat_level_id,
	// analysis, distribution, attribute_count, uuid, orgc_id, org_id, published); "" orders by id. Desc reverses.
	Sort string
	Desc bool
}

// evtSortable are the fields IndexEvents orders by.
var evtSortable = map[string]func(a, b *misp.Event) int{
	"id":                func(a, b *misp.Event) int { return cmp.Compare(a.ID, b.ID) },
	"date":              func(a, b *misp.Event) int { return a.Date.Compare(b.Date.Time) },
	"timestamp":         func(a, b *misp.Event) int { return cmp.Compare(a.Timestamp, b.Timestamp) },
	"publish_timestamp": func(a, b *misp.Event) int { return cmp.Compare(a.PublishTimestamp, b.PublishTimestamp) },
	"info":              func(a, b *misp.Event) int { return strings.Compare(a.Info, b.Info) },
	"threat_level_id":   func(a, b *misp.Event) int { return cmp.Compare(a.ThreatLevel, b.ThreatLevel) },
	"analysis":          func(a, b *misp.Event) int { return cmp.Compare(a.Analysis, b.Analysis) },
	"distribution":      func(a, b *misp.Event) int { return cmp.Compare(a.Distribution.Level(), b.Distribution.Level()) },
	"attribute_count":   func(a, b *misp.Event) int { return cmp.Compare(a.AttributeCount, b.AttributeCount) },
	"uuid":              func(a, b *misp.Event) int { return strings.Compare(a.UUID, b.UUID) },
	"orgc_id":           func(a, b *misp.Event) int { return cmp.Compare(a.OrgcID, b.OrgcID) },
	"org_id":            func(a, b *misp.Event) int { return cmp.Compare(a.OrgID, b.OrgID) },
	"published": func(a, b *misp.Event) int {
		return cmp.Compare(boolInt(bool(a.Published)), boolInt(bool(b.Published)))
	},
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// IndexEvents lists the events q selects that u may see, without their elements (events/index), and the number
// selected before q.Filter's Limit and Page. Readability is decided in the database with u's conditions.
func (s *Service) IndexEvents(ctx context.Context, u acl.User, q EventIndexQuery) ([]*misp.Event, int64, error) {
	f := q.Filter
	f.Conditions = s.Policy().ReadableConditions(u)
	f.Metadata = true
	if q.QuickFilter != "" {
		ids, err := s.evtQuickFilter(ctx, f.Conditions, q.QuickFilter)
		if err != nil {
			return nil, 0, err
		}
		if len(f.IDs) > 0 || len(f.UUIDs) > 0 {
			// Both narrow: keep the quick filter's hits among the ids asked for.
			asked, err := s.evtCollect(ctx, store.EventFilter{Conditions: f.Conditions, Metadata: true, IDs: f.IDs, UUIDs: f.UUIDs})
			if err != nil {
				return nil, 0, err
			}
			hit := map[int64]bool{}
			for _, id := range ids {
				hit[id] = true
			}
			ids = ids[:0]
			for _, e := range asked {
				if hit[int64(e.ID)] {
					ids = append(ids, int64(e.ID))
				}
			}
			f.UUIDs = nil
		}
		if len(ids) == 0 {
			return []*misp.Event{}, 0, nil
		}
		f.IDs = ids
	}
	sorter, sortOK := evtSortable[q.Sort]
	inGo := len(q.NotIDs) > 0 || len(q.NotUUIDs) > 0 || len(q.Distributions) > 0 || len(q.Analyses) > 0 ||
		(sortOK && (q.Sort != "id" || q.Desc)) || (!sortOK && q.Desc)
	if !inGo {
		total, err := s.st.CountEvents(ctx, f)
		if err != nil {
			return nil, 0, fmt.Errorf("count events: %w", err)
		}
		events, err := s.evtCollect(ctx, f)
		return events, total, err
	}
	limit, page := f.Limit, f.Page
	f.Limit, f.Page = 0, 0
	all, err := s.evtCollect(ctx, f)
	if err != nil {
		return nil, 0, err
	}
	notID := map[int64]bool{}
	for _, id := range q.NotIDs {
		notID[id] = true
	}
	notUUID := map[string]bool{}
	for _, id := range q.NotUUIDs {
		notUUID[strings.ToLower(id)] = true
	}
	out := all[:0]
	for _, e := range all {
		if notID[int64(e.ID)] || notUUID[strings.ToLower(e.UUID)] {
			continue
		}
		if len(q.Distributions) > 0 && !slices.Contains(q.Distributions, e.Distribution) {
			continue
		}
		if len(q.Analyses) > 0 && !slices.Contains(q.Analyses, e.Analysis) {
			continue
		}
		out = append(out, e)
	}
	if !sortOK {
		sorter = evtSortable["id"]
	}
	slices.SortStableFunc(out, func(a, b *misp.Event) int {
		c := sorter(a, b)
		if c == 0 {
			c = cmp.Compare(a.ID, b.ID)
		}
		if q.Desc {
			return -c
		}
		return c
	})
	total := int64(len(out))
	if limit > 0 {
		if page < 1 {
			page = 1
		}
		start := min((page-1)*limit, len(out))
		out = out[start:min(start+limit, len(out))]
	}
	return out, total, nil
}

// evtCollect reads every event f selects.
func (s *Service) evtCollect(ctx context.Context, f store.EventFilter) ([]*misp.Event, error) {
	out := []*misp.Event{}
	for e, err := range s.st.SearchEvents(ctx, f) {
		if err != nil {
			return nil, fmt.Errorf("search events: %w", err)
		}
		out = append(out, e)
	}
	return out, nil
}

// evtQuickFilter returns the ids of the readable events whose info, uuid, attribute values or tag names contain v.
func (s *Service) evtQuickFilter(ctx context.Context, c acl.Conditions, v string) ([]int64, error) {
	pat := "%" + v + "%"
	filters := []store.EventFilter{
		{Info: store.Any(pat)},
		{Value: store.Any(pat)},
		{Tags: store.Any(pat)},
	}
	if misp.ValidUUID(strings.TrimSpace(v)) {
		filters = append(filters, store.EventFilter{UUIDs: []string{strings.ToLower(strings.TrimSpace(v))}})
	}
	seen := map[int64]bool{}
	var ids []int64
	for _, f := range filters {
		f.Conditions, f.Metadata = c, true
		events, err := s.evtCollect(ctx, f)
		if err != nil {
			return nil, err
		}
		for _, e := range events {
			if !seen[int64(e.ID)] {
				seen[int64(e.ID)] = true
				ids = append(ids, int64(e.ID))
			}
		}
	}
	slices.Sort(ids)
	return ids, nil
}

// evtTime is the time a relative MISP time filter ("7d", "12h", "30m", "45s", "2w") or a Unix time names,
// relative to now.
func evtTime(now time.Time, v string) (time.Time, bool) {
	if strings.TrimSpace(v) == "" {
		return time.Time{}, false
	}
	if b, err := parseTimeBound(v); err == nil {
		return b.Resolve(now), true
	}
	if d, err := misp.ParseDate(v); err == nil {
		return d.Time, true
	}
	return time.Time{}, false
}

// IndexTimeRange reads a MISP time filter as events/index and restSearch take it: one value (a Unix time,
// a relative time such as "7d", or a date) bounds the start; two values bound both ends. ok is false when a
// value cannot be read.
func (s *Service) IndexTimeRange(values ...string) (store.TimeRange, bool) {
	var r store.TimeRange
	now := s.now()
	switch len(values) {
	case 1:
		t, ok := evtTime(now, values[0])
		if !ok {
			return r, false
		}
		r.From = t
	case 2:
		for i, v := range values {
			if strings.TrimSpace(v) == "" {
				continue
			}
			t, ok := evtTime(now, v)
			if !ok {
				return r, false
			}
			if i == 0 {
				r.From = t
			} else {
				r.To = t
			}
		}
	default:
		return r, false
	}
	return r, true
}
