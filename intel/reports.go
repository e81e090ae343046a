package intel

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/hunchsec/hunch/intel/acl"
	"github.com/hunchsec/hunch/misp"
	"github.com/hunchsec/hunch/store"
)

// MISP's messages for event report operations.
const (
	// MsgCouldNotAddReport is the message of a refused eventReports/add.
	MsgCouldNotAddReport = "Could not add EventReport"
	// MsgCouldNotEditReport is the message of a refused eventReports/edit.
	MsgCouldNotEditReport = "Could not edit EventReport"
)

// rptByRef loads the report ref names (an id or uuid) with its event.
func (s *Service) rptByRef(ctx context.Context, ref string) (*misp.EventReport, *misp.Event, error) {
	id, uuid, ok := objParseRef(ref)
	if !ok {
		return nil, nil, acl.NotFoundFor(acl.KindEventReport)
	}
	var r *misp.EventReport
	var err error
	if uuid != "" {
		r, err = s.st.EventReportByUUID(ctx, uuid)
	} else {
		r, err = s.st.EventReport(ctx, id)
	}
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil, acl.NotFoundFor(acl.KindEventReport)
	}
	if err != nil {
		return nil, nil, fmt.Errorf("load event report %s: %w", ref, err)
	}
	ev, err := s.st.Event(ctx, int64(r.EventID))
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil, acl.NotFoundFor(acl.KindEventReport)
	}
	if err != nil {
		return nil, nil, fmt.Errorf("load event of report %s: %w", ref, err)
	}
	return r, ev, nil
}

func rptElement(r *misp.EventReport) acl.Element {
	return ACLElement(acl.KindEventReport, r.Distribution, r.SharingGroupID)
}

// AddEventReport adds report r to the event ref names (an id or uuid), as eventReports/add does: u must be
// allowed to add to the event (CanAddAttribute); a report needs a name; its distribution defaults to the
// instance's default attribute distribution. It returns the stored report.
func (s *Service) AddEventReport(ctx context.Context, u acl.User, ref string, r *misp.EventReport) (*misp.EventReport, error) {
	ev, err := s.objEventByRef(ctx, ref, acl.NotFound(acl.MsgInvalidEvent))
	if err != nil {
		return nil, err
	}
	if err := s.Policy().CanAddAttribute(u, ACLEvent(ev)); err != nil {
		return nil, err
	}
	if strings.TrimSpace(r.Name) == "" {
		return nil, Invalid(MsgCouldNotAddReport, "name", "Name cannot be empty.")
	}
	if r.UUID != "" && !misp.ValidUUID(r.UUID) {
		return nil, Invalid(MsgCouldNotAddReport, "uuid", "Invalid UUID.")
	}
	if err := s.objCheckDistribution(u, &r.Distribution, &r.SharingGroupID, MsgCouldNotAddReport); err != nil {
		return nil, err
	}
	add := *r
	add.ID, add.EventID, add.Deleted, add.SharingGroup = 0, ev.ID, false, nil
	add.UUID = strings.ToLower(add.UUID)
	if add.Timestamp == 0 {
		add.Timestamp = misp.TimestampOf(s.now())
	}
	if err := s.st.AddEventReport(ctx, int64(ev.ID), &add); err != nil {
		if errors.Is(err, store.ErrConflict) {
			return nil, Invalid(MsgCouldNotAddReport, "uuid", "An event report with this uuid already exists.")
		}
		return nil, fmt.Errorf("add event report to event %d: %w", ev.ID, err)
	}
	return s.st.EventReport(ctx, int64(add.ID))
}

// EventReport returns the report ref names (an id or uuid) if u may read it; anything else is refused as
// "Invalid report".
func (s *Service) EventReport(ctx context.Context, u acl.User, ref string) (*misp.EventReport, error) {
	r, ev, err := s.rptByRef(ctx, ref)
	if err != nil {
		return nil, err
	}
	if err := s.Policy().CanReadElement(u, ACLEvent(ev), rptElement(r)); err != nil {
		return nil, err
	}
	return r, nil
}

// EditEventReport replaces the name, content, distribution and sharing group of the report ref names with r's,
// as eventReports/edit does: u must be allowed to edit it (CanEditElement), and a timestamp that is not newer
// than the stored one is a *store.NotNewerError. Fields r leaves empty keep their stored value.
func (s *Service) EditEventReport(ctx context.Context, u acl.User, ref string, r *misp.EventReport) (*misp.EventReport, error) {
	stored, ev, err := s.rptByRef(ctx, ref)
	if err != nil {
		return nil, err
	}
	if err := s.Policy().CanEditElement(u, ACLEvent(ev), rptElement(stored)); err != nil {
		return nil, err
	}
	if !misp.IsNewer(r.Timestamp, stored.Timestamp) {
		return nil, &store.NotNewerError{What: "EventReport", Incoming: r.Timestamp, Stored: stored.Timestamp}
	}
	edit := *stored
	if r.Name != "" {
		edit.Name = r.Name
	}
	if r.Content != "" {
		edit.Content = r.Content
	}
	if r.Distribution != misp.DistributionUnset {
		edit.Distribution, edit.SharingGroupID = r.Distribution, r.SharingGroupID
	}
	if err := s.objCheckDistribution(u, &edit.Distribution, &edit.SharingGroupID, MsgCouldNotEditReport); err != nil {
		return nil, err
	}
	edit.SharingGroup = nil
	edit.Timestamp = s.objEditTimestamp(stored.Timestamp)
	if err := s.st.EditEventReport(ctx, &edit); err != nil {
		return nil, fmt.Errorf("edit event report %d: %w", stored.ID, err)
	}
	return s.st.EventReport(ctx, int64(stored.ID))
}

// DeleteEventReport deletes the report ref names, softly or, when hard, for good, as eventReports/delete does:
// u must be allowed to delete it (CanDeleteElement). It returns the report's id.
func (s *Service) DeleteEventReport(ctx context.Context, u acl.User, ref string, hard bool) (int64, error) {
	r, ev, err := s.rptByRef(ctx, ref)
	if err != nil {
		return 0, err
	}
	if err := s.Policy().CanDeleteElement(u, ACLEvent(ev), rptElement(r)); err != nil {
		return 0, err
	}
	if err := s.st.DeleteEventReport(ctx, int64(r.ID), hard, s.now()); err != nil {
		return 0, fmt.Errorf("delete event report %d: %w", r.ID, err)
	}
	return int64(r.ID), nil
}

// EventReports lists the reports u may read of the event ref names (an id or uuid), or of every event u may
// read when ref is empty, as eventReports/index does; deleted picks live reports (MISP's default), deleted ones
// or both.
func (s *Service) EventReports(ctx context.Context, u acl.User, ref string, deleted store.DeletedFilter) ([]misp.EventReport, error) {
	p := s.Policy()
	var events []*misp.Event
	if ref != "" {
		ev, err := s.objEventByRef(ctx, ref, acl.NotFound(acl.MsgInvalidEvent))
		if err != nil {
			return nil, err
		}
		if err := p.CanReadEvent(u, ACLEvent(ev)); err != nil {
			return nil, err
		}
		events = append(events, ev)
	} else {
		for ev, err := range s.st.SearchEvents(ctx, store.EventFilter{Conditions: p.ReadableConditions(u), Metadata: true}) {
			if err != nil {
				return nil, fmt.Errorf("list events for reports: %w", err)
			}
			events = append(events, ev)
		}
	}
	out := []misp.EventReport{}
	for _, ev := range events {
		list, err := s.st.ListEventReports(ctx, int64(ev.ID))
		if err != nil {
			return nil, fmt.Errorf("list reports of event %d: %w", ev.ID, err)
		}
		for _, r := range list {
			if bool(r.Deleted) && deleted == store.LiveOnly || !bool(r.Deleted) && deleted == store.DeletedOnly {
				continue
			}
			if p.CanReadElement(u, ACLEvent(ev), rptElement(&r)) != nil {
				continue
			}
			out = append(out, r)
		}
	}
	return out, nil
}
