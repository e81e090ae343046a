package intel

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/hunchsec/hunch/intel/acl"
	"github.com/hunchsec/hunch/misp"
	"github.com/hunchsec/hunch/store"
)

// MISP's messages for sighting operations.
const (
	// MsgCouldNotAddSighting is the message of a refused sightings/add.
	MsgCouldNotAddSighting = "Could not add Sighting"
	// MsgCouldNotAddSightingReason prefixes MISP's reason for a sightings/add that sighted nothing.
	MsgCouldNotAddSightingReason = "Could not add the Sighting. Reason: "
	// MsgNoSightingTarget is the complaint about a sightings/add that names no attribute the caller can see.
	MsgNoSightingTarget = "No valid attributes found that match the criteria."
	// MsgInvalidSightingContext answers a sightings/restSearch or listSightings context other than "attribute"
	// and "event".
	MsgInvalidSightingContext = "Invalid context."
)

// SightingInput is a sightings/add request: either Attribute names one attribute (an id or uuid) or Values
// name values, every attribute holding one of which that the caller can see is sighted.
type SightingInput struct {
	Attribute string
	Values    []string
	Type      misp.SightingType
	Source    string
	// Timestamp is when the value was seen; zero means now.
	Timestamp misp.Timestamp
}

// SightingFilter selects sightings (sightings/restSearch). Zero fields filter nothing.
type SightingFilter struct {
	// Context is "attribute" or "event" to restrict the search to the attribute or event ID names (an id or
	// uuid), or "" for every sighting the caller may see.
	Context string
	ID      string
	// Type keeps one type of sighting.
	Type *misp.SightingType
	// From and To bound date_sighting (inclusive).
	From, To time.Time
	// OrgID keeps sightings reported by one organisation; Source those with this source.
	OrgID  int64
	Source string
	// Limit caps the answer (0: no cap).
	Limit int
}

// SightingHit is one sighting SearchSightings found, with the attribute it sights and that attribute's event
// (without its elements), for answers that include them (restSearch's includeAttribute and includeEvent).
type SightingHit struct {
	Sighting  misp.Sighting
	Attribute *misp.Attribute
	Event     *misp.Event
}

// sgtAttributeByRef loads the attribute ref names (an id or uuid) with its event.
func (s *Service) sgtAttributeByRef(ctx context.Context, ref string) (*misp.Attribute, *misp.Event, error) {
	id, uuid, ok := objParseRef(ref)
	if !ok {
		return nil, nil, acl.NotFoundFor(acl.KindAttribute)
	}
	var a *misp.Attribute
	var err error
	if uuid != "" {
		a, err = s.st.AttributeByUUID(ctx, uuid)
	} else {
		a, err = s.st.Attribute(ctx, id)
	}
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil, acl.NotFoundFor(acl.KindAttribute)
	}
	if err != nil {
		return nil, nil, fmt.Errorf("load attribute %s: %w", ref, err)
	}
	ev, err := s.st.Event(ctx, int64(a.EventID))
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil, acl.NotFoundFor(acl.KindAttribute)
	}
	if err != nil {
		return nil, nil, fmt.Errorf("load event of attribute %s: %w", ref, err)
	}
	return a, ev, nil
}

// sgtAttributeReadable decides whether u may read attribute a of ev, inside its object when it has one.
func (s *Service) sgtAttributeReadable(u acl.User, ev *misp.Event, a *misp.Attribute) error {
	p := s.Policy()
	el := ACLElement(acl.KindAttribute, a.Distribution, a.SharingGroupID)
	if a.ObjectID != 0 {
		for _, o := range ev.Object {
			if o.ID == a.ObjectID {
				return p.CanReadObjectAttribute(u, ACLEvent(ev), ACLElement(acl.KindObject, o.Distribution, o.SharingGroupID), el)
			}
		}
	}
	return p.CanReadElement(u, ACLEvent(ev), el)
}

// sgtValueMatches reports whether a holds value, whole or as a part of a composite value.
func sgtValueMatches(a *misp.Attribute, value string) bool {
	if a.Value == value {
		return true
	}
	if first, second, ok := misp.SplitComposite(a.Type, a.Value); ok {
		return first == value || second == value
	}
	return false
}

// AddSightings records sightings as sightings/add does: of the attribute in.Attribute names, or of every
// attribute u can read that holds one of in.Values. u needs perm_sighting and must see each attribute
// (CanAddSighting); deleted attributes are not sighted. It returns the stored sightings.
func (s *Service) AddSightings(ctx context.Context, u acl.User, in SightingInput) ([]misp.Sighting, error) {
	if !in.Type.Valid() {
		return nil, Invalid(MsgCouldNotAddSighting, "type", "Invalid type.")
	}
	p := s.Policy()
	type target struct {
		a  *misp.Attribute
		ev *misp.Event
	}
	var targets []target
	switch {
	case in.Attribute != "":
		a, ev, err := s.sgtAttributeByRef(ctx, in.Attribute)
		if err != nil {
			return nil, err
		}
		if a.Deleted {
			return nil, acl.NotFoundFor(acl.KindAttribute)
		}
		if err := s.sgtAttributeReadable(u, ev, a); err != nil {
			return nil, err
		}
		targets = append(targets, target{a, ev})
	case len(in.Values) > 0:
		events := map[misp.FlexInt]*misp.Event{}
		for a, err := range s.st.SearchAttributes(ctx, store.AttributeFilter{Conditions: p.ReadableConditions(u),
			Value: store.Any(in.Values...)}) {
			if err != nil {
				return nil, fmt.Errorf("find attributes to sight: %w", err)
			}
			hit := false
			for _, v := range in.Values {
				hit = hit || sgtValueMatches(a, v)
			}
			if !hit {
				continue
			}
			ev := events[a.EventID]
			if ev == nil {
				if ev, err = s.st.Event(ctx, int64(a.EventID)); err != nil {
					return nil, fmt.Errorf("load event of attribute %d: %w", a.ID, err)
				}
				events[a.EventID] = ev
			}
			targets = append(targets, target{a, ev})
		}
	}
	if len(targets) == 0 {
		return nil, Invalid(MsgCouldNotAddSightingReason+MsgNoSightingTarget, "value", MsgNoSightingTarget)
	}
	for _, t := range targets {
		if err := p.CanAddSighting(u, ACLEvent(t.ev), ACLElement(acl.KindAttribute, t.a.Distribution, t.a.SharingGroupID)); err != nil {
			return nil, err
		}
	}
	ts := in.Timestamp
	if ts == 0 {
		ts = misp.TimestampOf(s.now())
	}
	out := make([]misp.Sighting, 0, len(targets))
	for _, t := range targets {
		sg := misp.Sighting{AttributeID: t.a.ID, EventID: t.ev.ID, OrgID: misp.FlexInt(u.OrgID), DateSighting: ts,
			Source: strings.TrimSpace(in.Source), Type: in.Type}
		if err := s.st.AddSighting(ctx, &sg); err != nil {
			return nil, fmt.Errorf("add sighting of attribute %d: %w", t.a.ID, err)
		}
		sg.AttributeUUID = t.a.UUID
		out = append(out, sg)
	}
	return out, nil
}

// sgtVisible keeps the sightings of ev that u may see (CanSeeSighting on readable attributes), with their
// Organisation filled in, or, where ShowSightingOrg says u may not learn it, blanked (org_id 0).
func (s *Service) sgtVisible(ctx context.Context, u acl.User, ev *misp.Event, list []misp.Sighting, orgs map[int64]*misp.Organisation) ([]misp.Sighting, error) {
	p := s.Policy()
	attrs := sgtAttributes(ev)
	all, err := s.st.SightingsByEvent(ctx, int64(ev.ID))
	if err != nil {
		return nil, fmt.Errorf("sightings of event %d: %w", ev.ID, err)
	}
	reported := false
	for _, sg := range all {
		reported = reported || int64(sg.OrgID) == u.OrgID
	}
	out := []misp.Sighting{}
	for _, sg := range list {
		a := attrs[sg.AttributeID]
		if a == nil || s.sgtAttributeReadable(u, ev, a) != nil {
			continue
		}
		as := acl.Sighting{OrgID: int64(sg.OrgID)}
		if !p.CanSeeSighting(u, ACLEvent(ev), ACLElement(acl.KindAttribute, a.Distribution, a.SharingGroupID), as, reported) {
			continue
		}
		sg.AttributeUUID = a.UUID
		if !p.ShowSightingOrg(u, as) {
			sg.OrgID, sg.Organisation = 0, nil
		} else if org, err := s.sgtOrg(ctx, int64(sg.OrgID), orgs); err != nil {
			return nil, err
		} else {
			sg.Organisation = org
		}
		out = append(out, sg)
	}
	return out, nil
}

// sgtAttributes indexes ev's attributes, inside objects too, by id.
func sgtAttributes(ev *misp.Event) map[misp.FlexInt]*misp.Attribute {
	attrs := map[misp.FlexInt]*misp.Attribute{}
	for i := range ev.Attribute {
		attrs[ev.Attribute[i].ID] = &ev.Attribute[i]
	}
	for i := range ev.Object {
		for j := range ev.Object[i].Attribute {
			attrs[ev.Object[i].Attribute[j].ID] = &ev.Object[i].Attribute[j]
		}
	}
	return attrs
}

// sgtOrg returns the short form of organisation id MISP attaches to sightings, through cache.
func (s *Service) sgtOrg(ctx context.Context, id int64, cache map[int64]*misp.Organisation) (*misp.Organisation, error) {
	if o, ok := cache[id]; ok {
		return o, nil
	}
	o, err := s.st.Org(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		cache[id] = nil
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("organisation of sighting: %w", err)
	}
	short := &misp.Organisation{ID: o.ID, UUID: o.UUID, Name: o.Name}
	cache[id] = short
	return short, nil
}

// Sightings lists the sightings u may see of the attribute (context "attribute") or event (context "event") ref
// names, as sightings/listSightings does. An attribute or event u cannot read is refused as not found.
func (s *Service) Sightings(ctx context.Context, u acl.User, context, ref string) ([]misp.Sighting, error) {
	hits, err := s.SearchSightings(ctx, u, SightingFilter{Context: context, ID: ref})
	if err != nil {
		return nil, err
	}
	out := make([]misp.Sighting, 0, len(hits))
	for _, h := range hits {
		out = append(out, h.Sighting)
	}
	return out, nil
}

// SearchSightings returns the sightings f selects among those u may see, by event and then id
// (sightings/restSearch), each with its attribute and event.
func (s *Service) SearchSightings(ctx context.Context, u acl.User, f SightingFilter) ([]SightingHit, error) {
	p := s.Policy()
	var events []*misp.Event
	var attrID misp.FlexInt
	switch f.Context {
	case "attribute":
		a, ev, err := s.sgtAttributeByRef(ctx, f.ID)
		if err != nil {
			return nil, err
		}
		if a.Deleted {
			return nil, acl.NotFoundFor(acl.KindAttribute)
		}
		if err := s.sgtAttributeReadable(u, ev, a); err != nil {
			return nil, err
		}
		attrID, events = a.ID, []*misp.Event{ev}
	case "event":
		ev, err := s.objEventByRef(ctx, f.ID, acl.NotFound(acl.MsgInvalidEvent))
		if err != nil {
			return nil, err
		}
		if err := p.CanReadEvent(u, ACLEvent(ev)); err != nil {
			return nil, err
		}
		events = []*misp.Event{ev}
	case "":
		var ids []int64
		for ev, err := range s.st.SearchEvents(ctx, store.EventFilter{Conditions: p.ReadableConditions(u), Metadata: true}) {
			if err != nil {
				return nil, fmt.Errorf("list events for sightings: %w", err)
			}
			ids = append(ids, int64(ev.ID))
		}
		for _, id := range ids {
			ev, err := s.st.Event(ctx, id)
			if err != nil {
				return nil, fmt.Errorf("load event %d for sightings: %w", id, err)
			}
			events = append(events, ev)
		}
	default:
		return nil, Invalid(MsgCouldNotAddSighting, "context", MsgInvalidSightingContext)
	}
	orgs := map[int64]*misp.Organisation{}
	out := []SightingHit{}
	for _, ev := range events {
		list, err := s.st.SightingsByEvent(ctx, int64(ev.ID))
		if err != nil {
			return nil, fmt.Errorf("sightings of event %d: %w", ev.ID, err)
		}
		kept := list[:0]
		for _, sg := range list {
			switch {
			case attrID != 0 && sg.AttributeID != attrID,
				f.Type != nil && sg.Type != *f.Type,
				!f.From.IsZero() && sg.DateSighting.Time().Before(f.From),
				!f.To.IsZero() && sg.DateSighting.Time().After(f.To),
				f.OrgID != 0 && int64(sg.OrgID) != f.OrgID,
				f.Source != "" && sg.Source != f.Source:
				continue
			}
			kept = append(kept, sg)
		}
		vis, err := s.sgtVisible(ctx, u, ev, kept, orgs)
		if err != nil {
			return nil, err
		}
		if len(vis) == 0 {
			continue
		}
		attrs := sgtAttributes(ev)
		meta := *ev
		meta.Attribute, meta.Object, meta.EventReport, meta.ShadowAttribute, meta.RelatedEvent = nil, nil, nil, nil, nil
		for _, sg := range vis {
			out = append(out, SightingHit{Sighting: sg, Attribute: attrs[sg.AttributeID], Event: &meta})
		}
		if f.Limit > 0 && len(out) >= f.Limit {
			return out[:f.Limit], nil
		}
	}
	return out, nil
}

// DeleteSighting deletes the sighting ref names (an id or uuid) as sightings/delete does: u needs perm_sighting and perm_modify_org, and
// must be a site admin or of the organisation that reported it (CanDeleteSighting); anything else, a missing
// sighting included, is "Invalid sighting.". The store has no lookup of a sighting by id, so it is found through
// the events' sightings.
func (s *Service) DeleteSighting(ctx context.Context, u acl.User, ref string) error {
	id, uuid, ok := objParseRef(ref)
	if !ok {
		return acl.NotFound(acl.MsgInvalidSighting)
	}
	var found *misp.Sighting
	for ev, err := range s.st.SearchEvents(ctx, store.EventFilter{Conditions: acl.Conditions{Unrestricted: true}, Metadata: true}) {
		if err != nil {
			return fmt.Errorf("find sighting %s: %w", ref, err)
		}
		list, err := s.st.SightingsByEvent(ctx, int64(ev.ID))
		if err != nil {
			return fmt.Errorf("find sighting %s: %w", ref, err)
		}
		for i := range list {
			if id != 0 && int64(list[i].ID) == id || uuid != "" && strings.EqualFold(list[i].UUID, uuid) {
				found = &list[i]
				break
			}
		}
		if found != nil {
			break
		}
	}
	if found == nil {
		return acl.NotFound(acl.MsgInvalidSighting)
	}
	if err := s.Policy().CanDeleteSighting(u, acl.Sighting{OrgID: int64(found.OrgID)}); err != nil {
		return err
	}
	if err := s.st.DeleteSighting(ctx, int64(found.ID)); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return acl.NotFound(acl.MsgInvalidSighting)
		}
		return fmt.Errorf("delete sighting %d: %w", found.ID, err)
	}
	return nil
}
