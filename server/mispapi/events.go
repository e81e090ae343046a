package mispapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/hunchsec/hunch/intel"
	"github.com/hunchsec/hunch/intel/acl"
	"github.com/hunchsec/hunch/misp"
	"github.com/hunchsec/hunch/server"
	"github.com/hunchsec/hunch/store"
)

// msgNoEventData is events/add's answer (405) to a request without a body.
const msgNoEventData = "No valid event data received."

// eventRoutes registers MISP's EventsController actions: add, edit, view (GET, HEAD, POST), delete, index,
// publish, alert, unpublish and freeTextImport.
func (h *handler) eventRoutes() {
	h.correlationRoutes()
	h.routeArgs([]string{"/events/add"}, h.addEvent, http.MethodPost)
	h.routeArgs([]string{"/events/edit"}, h.editEvent, http.MethodPost, http.MethodPut)
	h.routeArgs([]string{"/events/view"}, h.viewEvent, http.MethodGet, http.MethodPost)
	h.routeArgs([]string{"/events/delete"}, h.deleteEvent, http.MethodPost, http.MethodDelete)
	h.routeArgs([]string{"/events/index"}, h.indexEvents, http.MethodGet, http.MethodPost)
	h.routeArgs([]string{"/events/publish"}, h.publishEvent("publish"), http.MethodPost, http.MethodPut)
	h.routeArgs([]string{"/events/alert"}, h.publishEvent("alert"), http.MethodPost, http.MethodPut)
	h.routeArgs([]string{"/events/unpublish"}, h.unpublishEvent, http.MethodPost, http.MethodPut)
	h.routeArgs([]string{"/events/freeTextImport", "/events/free_text_import"}, h.freeTextImport, http.MethodPost)
	h.routeArgs([]string{"/events/upload_stix"}, h.uploadSTIX, http.MethodPost)
}

// evDecodeBody reads an event body (wrapped, bare or in MISP's legacy envelopes). A missing body is MISP's 405;
// one that does not decode is a refused save with message.
func (h *handler) evDecodeBody(r *http.Request, message string) (*misp.Event, error) {
	body, err := readBody(r)
	if err != nil {
		return nil, err
	}
	if body == nil || bytes.Equal(body, []byte("{}")) || bytes.Equal(body, []byte("[]")) {
		return nil, &apiError{status: http.StatusMethodNotAllowed, message: msgNoEventData}
	}
	e, err := h.svc.Limits().DecodeEvent(body)
	if err != nil {
		return nil, intel.Invalid(message, "Event", err.Error())
	}
	return e, nil
}

// evWrite answers {"Event": …} as events/view shows it: with the Sighting list MISP puts beside the attributes
// unless sightings is nil (metadata answers and noSightings).
func (h *handler) evWrite(w http.ResponseWriter, r *http.Request, e *misp.Event, sightings []misp.Sighting) {
	b, err := misp.EncodeEvent(e)
	if err != nil {
		h.writeErr(w, r, fmt.Errorf("encode event %d: %w", e.ID, err))
		return
	}
	if sightings != nil && bytes.HasSuffix(b, []byte("}}")) {
		sb, err := json.Marshal(sightings)
		if err != nil {
			h.writeErr(w, r, fmt.Errorf("encode sightings of event %d: %w", e.ID, err))
			return
		}
		out := make([]byte, 0, len(b)+len(sb)+16)
		out = append(out, b[:len(b)-2]...)
		out = append(out, `,"Sighting":`...)
		out = append(out, sb...)
		b = append(out, "}}"...)
	}
	writeJSON(w, r, b)
}

// evWriteView answers the event with the sightings p may see of it.
func (h *handler) evWriteView(w http.ResponseWriter, r *http.Request, p Principal, e *misp.Event, noSightings bool) {
	if noSightings {
		h.evWrite(w, r, e, nil)
		return
	}
	s, err := h.svc.EventSightings(r.Context(), p.ACL(), e)
	if err != nil {
		h.writeErr(w, r, err)
		return
	}
	// Each attribute also lists its own sightings, where PyMISP's MISPAttribute reads them.
	byAttr := map[misp.FlexInt][]misp.Sighting{}
	for _, si := range s {
		byAttr[si.AttributeID] = append(byAttr[si.AttributeID], si)
	}
	for i := range e.Attribute {
		e.Attribute[i].Sighting = byAttr[e.Attribute[i].ID]
	}
	for i := range e.Object {
		for j := range e.Object[i].Attribute {
			e.Object[i].Attribute[j].Sighting = byAttr[e.Object[i].Attribute[j].ID]
		}
	}
	h.evWrite(w, r, e, s)
}

// addEvent answers events/add with the stored event, or MISP's 404 with a Location header for a uuid already
// stored.
func (h *handler) addEvent(w http.ResponseWriter, r *http.Request, p Principal, a Args) {
	e, err := h.evDecodeBody(r, intel.MsgCouldNotAddEvent)
	if err != nil {
		h.writeErr(w, r, err)
		return
	}
	metadata := a.Flag("metadata")
	saved, err := h.svc.AddEvent(r.Context(), p.ACL(), e, metadata)
	var exists *intel.EventExistsError
	if errors.As(err, &exists) {
		w.Header().Set("Location", "/events/"+strconv.FormatInt(exists.ID, 10))
		server.WriteError(w, r, http.StatusNotFound, intel.MsgEventExists)
		return
	}
	if err != nil {
		h.writeErr(w, r, err)
		return
	}
	h.evWriteView(w, r, p, saved, metadata)
}

// evSaveFailed is MISP's refused save carrying the id acted on.
type evSaveFailed struct {
	Saved   bool   `json:"saved"`
	Name    string `json:"name"`
	Message string `json:"message"`
	URL     string `json:"url"`
	Errors  any    `json:"errors"`
	ID      string `json:"id,omitempty"`
}

// editEvent answers events/edit/{id|uuid} with the edited event; an edit not newer than the stored copy is MISP's
// 403 "Could not edit Event" naming the timestamp rule.
func (h *handler) editEvent(w http.ResponseWriter, r *http.Request, p Principal, a Args) {
	ref := a.Arg(0)
	if _, ok := ParseRef(ref); !ok {
		h.writeErr(w, r, acl.NotFound(acl.MsgInvalidEvent))
		return
	}
	e, err := h.evDecodeBody(r, intel.MsgCouldNotEditEvent)
	if err != nil {
		h.writeErr(w, r, err)
		return
	}
	metadata := a.Flag("metadata")
	saved, err := h.svc.EditEvent(r.Context(), p.ACL(), ref, e, metadata)
	var nn *store.NotNewerError
	if errors.As(err, &nn) {
		writeValueStatus(w, r, http.StatusForbidden, evSaveFailed{Name: intel.MsgCouldNotEditEvent,
			Message: intel.MsgCouldNotEditEvent, URL: "/events/edit/" + ref,
			Errors: "Event could not be saved: " + nn.Error(), ID: ref})
		return
	}
	if err != nil {
		h.writeErr(w, r, err)
		return
	}
	h.evWriteView(w, r, p, saved, metadata)
}

// evDeleted reads events/view's deleted switch (named deleted:N or {"deleted": …} in the body): 0 live elements,
// 1 or [0,1] live and deleted ones, [1] deleted ones only. A sync user asking for 1 gets both, as MISP's
// workaround for older instances gives them.
func evDeleted(v json.RawMessage) store.DeletedFilter {
	var list []misp.FlexInt
	if json.Unmarshal(v, &list) == nil {
		live, del := slices.Contains(list, 0), slices.Contains(list, 1)
		switch {
		case live && del:
			return store.LiveAndDeleted
		case del:
			return store.DeletedOnly
		}
		return store.LiveOnly
	}
	var one misp.FlexInt
	if json.Unmarshal(v, &one) == nil && one == 1 {
		return store.LiveAndDeleted
	}
	var b bool // PyMISP's get_event(deleted=True) sends a JSON true
	if json.Unmarshal(v, &b) == nil && b {
		return store.LiveAndDeleted
	}
	return store.LiveOnly
}

// viewEvent answers events/view/{id|uuid}: the event as the caller may see it; HEAD answers 200 or 404 with no
// body, as PyMISP's event_exists expects.
func (h *handler) viewEvent(w http.ResponseWriter, r *http.Request, p Principal, a Args) {
	ref := a.Arg(0)
	if r.Method == http.MethodHead {
		ok := false
		if _, valid := ParseRef(ref); valid {
			var err error
			if ok, err = h.svc.EventExists(r.Context(), p.ACL(), ref); err != nil {
				h.writeErr(w, r, err)
				return
			}
		}
		if ok {
			w.WriteHeader(http.StatusOK)
		} else {
			w.WriteHeader(http.StatusNotFound)
		}
		return
	}
	if _, ok := ParseRef(ref); !ok {
		h.writeErr(w, r, acl.NotFound(acl.MsgInvalidEvent))
		return
	}
	// MISP's events/view flags warninglist hits unless asked not to (includeWarninglistHits:0).
	opts := intel.EventViewOptions{Correlations: true, WarninglistHits: true}
	if v, ok := a.Named["includeWarninglistHits"]; ok {
		opts.WarninglistHits = v != "0" && !strings.EqualFold(v, "false")
	}
	if v, ok := a.Named["deleted"]; ok {
		opts.Deleted = evDeleted(json.RawMessage(strconv.Quote(v)))
	}
	if v, ok := a.Named["includeFeedCorrelations"]; ok {
		opts.FeedHits = v != "0" && !strings.EqualFold(v, "false")
	}
	body, err := readBody(r)
	if err != nil {
		h.writeErr(w, r, err)
		return
	}
	if body != nil {
		var m map[string]json.RawMessage
		if json.Unmarshal(unwrap(body, ""), &m) == nil {
			if v, ok := m["deleted"]; ok {
				opts.Deleted = evDeleted(v)
			}
			if v, ok := m["includeFeedCorrelations"]; ok {
				var b misp.FlexBool
				opts.FeedHits = json.Unmarshal(v, &b) == nil && bool(b)
			}
		}
	}
	e, err := h.svc.ViewEvent(r.Context(), p.ACL(), ref, opts)
	if err != nil {
		h.writeErr(w, r, err)
		return
	}
	h.evWriteView(w, r, p, e, a.Flag("noSightings"))
}

// evDeleteIDs reads the ids a bulk events/delete names: {"id": [...]}, {"id": "12"} or {"Event": {"id": …}}.
func evDeleteIDs(body []byte) ([]string, bool) {
	var m struct {
		ID json.RawMessage `json:"id"`
	}
	if len(body) == 0 || json.Unmarshal(unwrap(body, "Event"), &m) != nil || len(m.ID) == 0 {
		return nil, false
	}
	var raw []json.RawMessage
	if json.Unmarshal(m.ID, &raw) == nil {
		out := make([]string, 0, len(raw))
		for _, v := range raw {
			out = append(out, evScalar(v))
		}
		return out, true
	}
	var one string
	if json.Unmarshal(m.ID, &one) == nil {
		return []string{one}, true
	}
	var n misp.FlexInt
	if json.Unmarshal(m.ID, &n) == nil {
		return []string{strconv.FormatInt(int64(n), 10)}, true
	}
	return nil, false
}

// deleteEvent answers events/delete/{id|uuid}, or a bulk delete of the ids in the body, with MISP's messages.
func (h *handler) deleteEvent(w http.ResponseWriter, r *http.Request, p Principal, a Args) {
	body, err := readBody(r)
	if err != nil {
		h.writeErr(w, r, err)
		return
	}
	// MISP echoes the id of the path as it was given (an id or a uuid), and none for ids from the body.
	ids, echo := []string{a.Arg(0)}, a.Arg(0)
	if a.Arg(0) == "" {
		list, ok := evDeleteIDs(body)
		if !ok || len(list) == 0 {
			h.writeErr(w, r, notFound("Invalid input."))
			return
		}
		ids = list
	}
	if len(ids) == 1 {
		if _, err := h.svc.DeleteEvent(r.Context(), p.ACL(), ids[0]); err != nil {
			h.writeErr(w, r, err)
			return
		}
		url := "/events/delete"
		if echo != "" {
			url += "/" + echo
		}
		writeValue(w, r, saved{Saved: true, Success: true, Name: intel.MsgEventDeleted, Message: intel.MsgEventDeleted,
			URL: url, ID: echo})
		return
	}
	done, failed := 0, 0
	for _, ref := range ids {
		_, err := h.svc.DeleteEvent(r.Context(), p.ACL(), ref)
		switch {
		case err == nil:
			done++
		case errors.As(err, new(*acl.Error)):
			failed++
		default:
			h.writeErr(w, r, err)
			return
		}
	}
	msg := ""
	switch {
	case done == 1:
		msg = "1 event deleted."
	case done > 1:
		msg = strconv.Itoa(done) + " events deleted."
	}
	if failed > 0 {
		msg += strconv.Itoa(failed) + " event(s) could not be deleted due to insufficient privileges or the event not being found."
	}
	if done == 0 {
		writeValueStatus(w, r, http.StatusForbidden, evSaveFailed{Name: acl.MsgCouldNotDeleteEvent,
			Message: acl.MsgCouldNotDeleteEvent, URL: "/events/delete", Errors: msg})
		return
	}
	writeValue(w, r, saved{Saved: true, Success: true, Name: msg, Message: msg, URL: "/events/delete"})
}

// publishEvent answers events/publish/{id} and events/alert/{id}. Publishing is immediate in hunch, so the reply
// is MISP's for an instance without background jobs; alert sends no e-mail and says so with publish's message.
func (h *handler) publishEvent(action string) Handler {
	return func(w http.ResponseWriter, r *http.Request, p Principal, a Args) {
		ref := a.Arg(0)
		if _, ok := ParseRef(ref); !ok {
			h.writeErr(w, r, acl.NotFound(acl.MsgInvalidEventDot))
			return
		}
		id, err := h.svc.PublishEvent(r.Context(), p.ACL(), ref)
		if err != nil {
			h.writeErr(w, r, err)
			return
		}
		sid := strconv.FormatInt(id, 10)
		writeValue(w, r, saved{Saved: true, Success: true, Name: intel.MsgEventPublished, Message: intel.MsgEventPublished,
			URL: "/events/" + action + "/" + sid, ID: sid})
	}
}

// unpublishEvent answers events/unpublish/{id}.
func (h *handler) unpublishEvent(w http.ResponseWriter, r *http.Request, p Principal, a Args) {
	ref := a.Arg(0)
	if _, ok := ParseRef(ref); !ok {
		h.writeErr(w, r, acl.NotFound(acl.MsgInvalidEventDot))
		return
	}
	id, err := h.svc.UnpublishEvent(r.Context(), p.ACL(), ref)
	if err != nil {
		h.writeErr(w, r, err)
		return
	}
	sid := strconv.FormatInt(id, 10)
	writeValue(w, r, saved{Saved: true, Success: true, Name: intel.MsgEventUnpublished, Message: intel.MsgEventUnpublished,
		URL: "/events/unpublish/" + sid, ID: sid})
}

// evOrg is the short organisation events/index attaches.
type evOrg struct {
	ID   misp.FlexInt `json:"id"`
	Name string       `json:"name"`
	UUID string       `json:"uuid"`
}

func evShortOrg(o *misp.Organisation, id misp.FlexInt) evOrg {
	if o == nil {
		return evOrg{ID: id}
	}
	return evOrg{ID: o.ID, Name: o.Name, UUID: o.UUID}
}

// evIndexTag is a tag as events/index attaches it to EventTag.
type evIndexTag struct {
	ID       misp.FlexInt  `json:"id"`
	Name     string        `json:"name"`
	Colour   string        `json:"colour"`
	IsGalaxy misp.FlexBool `json:"is_galaxy"`
}

// evEventTag is one EventTag row of events/index.
type evEventTag struct {
	EventID          misp.FlexInt    `json:"event_id"`
	TagID            misp.FlexInt    `json:"tag_id"`
	Local            misp.FlexBool   `json:"local"`
	RelationshipType misp.NullString `json:"relationship_type"`
	Tag              evIndexTag      `json:"Tag"`
}

// evIndexRow is one event of events/index: the event's own fields (user_id left out, as MISP leaves it), its
// organisations in short, its exportable tags, and its sharing group when it has one.
type evIndexRow struct {
	ID                 misp.FlexInt      `json:"id"`
	OrgcID             misp.FlexInt      `json:"orgc_id"`
	OrgID              misp.FlexInt      `json:"org_id"`
	Date               misp.Date         `json:"date"`
	ThreatLevel        misp.ThreatLevel  `json:"threat_level_id"`
	Info               string            `json:"info"`
	Published          misp.FlexBool     `json:"published"`
	UUID               string            `json:"uuid"`
	AttributeCount     misp.FlexInt      `json:"attribute_count"`
	Analysis           misp.Analysis     `json:"analysis"`
	Timestamp          misp.Timestamp    `json:"timestamp"`
	Distribution       misp.Distribution `json:"distribution"`
	ProposalEmailLock  misp.FlexBool     `json:"proposal_email_lock"`
	Locked             misp.FlexBool     `json:"locked"`
	PublishTimestamp   misp.Timestamp    `json:"publish_timestamp"`
	SightingTimestamp  misp.Timestamp    `json:"sighting_timestamp"`
	SharingGroupID     misp.FlexInt      `json:"sharing_group_id"`
	DisableCorrelation misp.FlexBool     `json:"disable_correlation"`
	ExtendsUUID        string            `json:"extends_uuid"`
	Protected          misp.FlexBool     `json:"protected"`
	Org                evOrg             `json:"Org"`
	Orgc               evOrg             `json:"Orgc"`
	SharingGroup       *evOrg            `json:"SharingGroup,omitempty"`
	EventTag           []evEventTag      `json:"EventTag"`
}

// evMinimalRow is one event of events/index with minimal:1, the form synchronisation pulls.
type evMinimalRow struct {
	ID                misp.FlexInt   `json:"id"`
	Timestamp         misp.Timestamp `json:"timestamp"`
	SightingTimestamp misp.Timestamp `json:"sighting_timestamp"`
	Published         misp.FlexBool  `json:"published"`
	UUID              string         `json:"uuid"`
	OrgcUUID          string         `json:"orgc_uuid"`
}

func evRow(e *misp.Event) evIndexRow {
	row := evIndexRow{ID: e.ID, OrgcID: e.OrgcID, OrgID: e.OrgID, Date: e.Date, ThreatLevel: e.ThreatLevel,
		Info: e.Info, Published: e.Published, UUID: e.UUID, AttributeCount: e.AttributeCount, Analysis: e.Analysis,
		Timestamp: e.Timestamp, Distribution: e.Distribution, ProposalEmailLock: e.ProposalEmailLock,
		Locked: e.Locked, PublishTimestamp: e.PublishTimestamp, SightingTimestamp: e.SightingTimestamp,
		SharingGroupID: e.SharingGroupID, DisableCorrelation: e.DisableCorrelation, ExtendsUUID: e.ExtendsUUID,
		Protected: e.Protected, Org: evShortOrg(e.Org, e.OrgID), Orgc: evShortOrg(e.Orgc, e.OrgcID),
		EventTag: []evEventTag{}}
	if e.SharingGroupID != 0 {
		sg := evOrg{ID: e.SharingGroupID}
		if e.SharingGroup != nil {
			sg.Name, sg.UUID = e.SharingGroup.Name, e.SharingGroup.UUID
		}
		row.SharingGroup = &sg
	}
	for _, t := range e.Tag {
		if !bool(t.Exportable) {
			continue
		}
		row.EventTag = append(row.EventTag, evEventTag{EventID: e.ID, TagID: t.ID, Local: t.Local,
			RelationshipType: t.RelationshipType,
			Tag:              evIndexTag{ID: t.ID, Name: t.Name, Colour: t.Colour, IsGalaxy: t.IsGalaxy}})
	}
	return row
}

// evArgs are events/index's parameters: the body's keys (lower-cased, "search" prefix dropped, as MISP reads
// them) over the named path arguments.
type evArgs map[string]json.RawMessage

func evIndexArgs(a Args, body []byte) (evArgs, error) {
	out := evArgs{}
	add := func(k string, v json.RawMessage) {
		k = strings.ToLower(k)
		if strings.HasPrefix(k, "search") && len(k) > len("search") {
			k = k[len("search"):]
		}
		out[k] = v
	}
	for k, v := range a.Named {
		add(k, json.RawMessage(strconv.Quote(v)))
	}
	if body != nil {
		var m map[string]json.RawMessage
		if err := json.Unmarshal(unwrap(body, ""), &m); err != nil {
			return nil, badRequest("The filters must be a JSON object.")
		}
		for k, v := range m {
			add(k, v)
		}
	}
	return out, nil
}

// list returns the values of parameter k: a JSON list's entries, or a scalar split at '|' when split is set.
func (ea evArgs) list(k string, split bool) []string {
	v, ok := ea[k]
	if !ok || len(v) == 0 || string(v) == "null" {
		return nil
	}
	var raw []json.RawMessage
	if json.Unmarshal(v, &raw) == nil {
		var out []string
		for _, r := range raw {
			out = append(out, evScalar(r))
		}
		return out
	}
	s := evScalar(v)
	if s == "" {
		return nil
	}
	if split {
		return strings.Split(s, "|")
	}
	return []string{s}
}

// evScalar renders a JSON scalar as text: strings unquoted, true and false as 1 and 0.
func evScalar(v json.RawMessage) string {
	var s string
	if json.Unmarshal(v, &s) == nil {
		return strings.TrimSpace(s)
	}
	switch string(v) {
	case "true":
		return "1"
	case "false":
		return "0"
	case "null":
		return ""
	}
	return strings.TrimSpace(string(v))
}

// evSplitNot separates "!x" pieces from the others.
func evSplitNot(pieces []string) (or, not []string) {
	for _, p := range pieces {
		p = strings.TrimSpace(p)
		switch {
		case p == "" || p == "!":
		case p[0] == '!':
			not = append(not, p[1:])
		default:
			or = append(or, p)
		}
	}
	return or, not
}

func evLike(list []string) []string {
	out := make([]string, len(list))
	for i, s := range list {
		out[i] = "%" + s + "%"
	}
	return out
}

// evLevels reads a list of small enumerated levels (threat level, distribution, analysis) with '!' negation, within
// [lo, hi]; ok is false when nothing can match.
func evLevels(pieces []string, lo, hi int) (levels []int, ok bool) {
	or, not := evSplitNot(pieces)
	in := map[int]bool{}
	if len(or) == 0 {
		for l := lo; l <= hi; l++ {
			in[l] = true
		}
	}
	for _, s := range or {
		if n, err := strconv.Atoi(s); err == nil && n >= lo && n <= hi {
			in[n] = true
		}
	}
	for _, s := range not {
		if n, err := strconv.Atoi(s); err == nil {
			delete(in, n)
		}
	}
	for l := lo; l <= hi; l++ {
		if in[l] {
			levels = append(levels, l)
		}
	}
	return levels, len(levels) > 0
}

// evIndexQuery turns events/index's parameters into the service's query; nothing is set when no event can match.
func (h *handler) evIndexQuery(r *http.Request, ea evArgs) (q intel.EventIndexQuery, minimal, nothing bool) {
	f := &q.Filter
	if v := ea.list("all", false); len(v) > 0 && v[0] != "" {
		q.QuickFilter = v[0]
	}
	for _, k := range []string{"attribute", "value"} {
		if v := ea.list(k, true); len(v) > 0 {
			or, not := evSplitNot(v)
			f.Value.OR = append(f.Value.OR, evLike(or)...)
			f.Value.NOT = append(f.Value.NOT, evLike(not)...)
		}
	}
	if v := ea.list("published", false); len(v) == 1 {
		switch strings.ToLower(v[0]) {
		case "1", "true":
			t := true
			f.Published = &t
		case "0", "false":
			t := false
			f.Published = &t
		}
	}
	if v := ea.list("eventid", true); len(v) > 0 {
		or, not := evSplitNot(v)
		for _, s := range or {
			switch ref, ok := ParseRef(s); {
			case !ok:
				f.IDs = append(f.IDs, -1)
			case ref.UUID != "":
				f.UUIDs = append(f.UUIDs, ref.UUID)
			default:
				f.IDs = append(f.IDs, ref.ID)
			}
		}
		for _, s := range not {
			if ref, ok := ParseRef(s); ok && ref.UUID != "" {
				q.NotUUIDs = append(q.NotUUIDs, ref.UUID)
			} else if ok {
				q.NotIDs = append(q.NotIDs, ref.ID)
			}
		}
	}
	for k, end := range map[string]int{"datefrom": 0, "dateuntil": 1} {
		if v := ea.list(k, false); len(v) > 0 && v[0] != "" {
			d, err := misp.ParseDate(v[0])
			if err != nil {
				return q, false, true
			}
			if end == 0 {
				f.Date.From = d.Time
			} else {
				f.Date.To = d.Time
			}
		}
	}
	for k, tr := range map[string]*store.TimeRange{"timestamp": &f.Timestamp, "publish_timestamp": &f.PublishTimestamp,
		"publishtimestamp": &f.PublishTimestamp} {
		if v := ea.list(k, false); len(v) > 0 {
			rng, ok := h.svc.IndexTimeRange(v...)
			if !ok {
				return q, false, true
			}
			*tr = rng
		}
	}
	if v := ea.list("eventinfo", true); len(v) > 0 {
		or, not := evSplitNot(v)
		f.Info = store.Match{OR: evLike(or), NOT: evLike(not)}
	}
	for _, k := range []string{"tag", "tags"} {
		v := ea.list(k, true)
		if len(v) == 0 {
			continue
		}
		or, not := evSplitNot(v)
		name := func(s string) string {
			if id, err := strconv.ParseInt(s, 10, 64); err == nil {
				if t, err := h.svc.Store().Tag(r.Context(), id); err == nil {
					return t.Name
				}
			}
			return s
		}
		for _, s := range or {
			f.Tags.OR = append(f.Tags.OR, name(s))
		}
		for _, s := range not {
			f.Tags.NOT = append(f.Tags.NOT, name(s))
		}
	}
	if v := ea.list("org", true); len(v) > 0 {
		or, not := evSplitNot(v)
		f.Orgs.OR, f.Orgs.NOT = append(f.Orgs.OR, or...), append(f.Orgs.NOT, not...)
	}
	if v := ea.list("threatlevel", true); len(v) > 0 {
		levels, ok := evLevels(v, 1, 4)
		if !ok {
			return q, false, true
		}
		for _, l := range levels {
			f.ThreatLevels = append(f.ThreatLevels, misp.ThreatLevel(l))
		}
	}
	if v := ea.list("distribution", true); len(v) > 0 {
		levels, ok := evLevels(v, 0, 4)
		if !ok {
			return q, false, true
		}
		for _, l := range levels {
			d, _ := misp.DistributionOf(l)
			q.Distributions = append(q.Distributions, d)
		}
	}
	if v := ea.list("analysis", true); len(v) > 0 {
		levels, ok := evLevels(v, 0, 2)
		if !ok {
			return q, false, true
		}
		for _, l := range levels {
			q.Analyses = append(q.Analyses, misp.Analysis(l))
		}
	}
	if v := ea.list("minimal", false); len(v) > 0 {
		minimal = v[0] != "" && v[0] != "0" && !strings.EqualFold(v[0], "false")
	}
	if v := ea.list("sort", false); len(v) > 0 {
		q.Sort = strings.TrimPrefix(strings.ToLower(v[0]), "event.")
	}
	if v := ea.list("direction", false); len(v) > 0 {
		q.Desc = strings.EqualFold(v[0], "desc")
	}
	if v := ea.list("limit", false); len(v) > 0 {
		if n, err := strconv.Atoi(v[0]); err == nil && n > 0 {
			f.Limit = n
		}
	}
	if v := ea.list("page", false); len(v) > 0 {
		if n, err := strconv.Atoi(v[0]); err == nil && n > 0 {
			f.Page = n
		}
	}
	return q, minimal, false
}

// indexEvents answers events/index: the flat list of the events the caller may see that the filters select, with
// the total before paging in X-Result-Count.
func (h *handler) indexEvents(w http.ResponseWriter, r *http.Request, p Principal, a Args) {
	body, err := readBody(r)
	if err != nil {
		h.writeErr(w, r, err)
		return
	}
	ea, err := evIndexArgs(a, body)
	if err != nil {
		h.writeErr(w, r, err)
		return
	}
	q, minimal, nothing := h.evIndexQuery(r, ea)
	if nothing {
		w.Header().Set("X-Result-Count", "0")
		writeJSON(w, r, []byte("[]"))
		return
	}
	events, total, err := h.svc.IndexEvents(r.Context(), p.ACL(), q)
	if err != nil {
		h.writeErr(w, r, err)
		return
	}
	w.Header().Set("X-Result-Count", strconv.FormatInt(total, 10))
	if minimal {
		rows := make([]evMinimalRow, 0, len(events))
		for _, e := range events {
			row := evMinimalRow{ID: e.ID, Timestamp: e.Timestamp, SightingTimestamp: e.SightingTimestamp,
				Published: e.Published, UUID: e.UUID}
			if e.Orgc != nil {
				row.OrgcUUID = e.Orgc.UUID
			}
			rows = append(rows, row)
		}
		writeValue(w, r, rows)
		return
	}
	rows := make([]evIndexRow, 0, len(events))
	for _, e := range events {
		rows = append(rows, evRow(e))
	}
	writeValue(w, r, rows)
}

// evTypes writes a guess's types as MISP does: an object mapping each type to itself, in order.
type evTypes []string

func (t evTypes) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, s := range t {
		if i > 0 {
			b.WriteByte(',')
		}
		k, err := json.Marshal(s)
		if err != nil {
			return nil, err
		}
		b.Write(k)
		b.WriteByte(':')
		b.Write(k)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// evGuess is one freetext guess as events/freeTextImport answers returnMetaAttributes.
type evGuess struct {
	Types       evTypes `json:"types"`
	DefaultType string  `json:"default_type"`
	Value       string  `json:"value"`
	Comment     string  `json:"comment,omitempty"`
	Category    string  `json:"category"`
	ToIDS       bool    `json:"to_ids"`
}

// freeTextImport answers events/freeTextImport/{event id}: the attributes it added ([{"Attribute": …}], as MISP
// answers without background jobs) or, with returnMetaAttributes, the typed values it found. adhereToWarninglists
// (body or second path argument) 1 leaves out values on an enabled warninglist, "soft" adds them with to_ids off.
func (h *handler) freeTextImport(w http.ResponseWriter, r *http.Request, p Principal, a Args) {
	ref := a.Arg(0)
	if _, ok := ParseRef(ref); !ok {
		h.writeErr(w, r, acl.NotFound(acl.MsgInvalidEventDot))
		return
	}
	body, err := readBody(r)
	if err != nil {
		h.writeErr(w, r, err)
		return
	}
	var in struct {
		Value                json.RawMessage   `json:"value"`
		ReturnMetaAttributes misp.FlexBool     `json:"returnMetaAttributes"`
		Adhere               json.RawMessage   `json:"adhereToWarninglists"`
		Distribution         misp.Distribution `json:"distribution"`
		SharingGroupID       misp.FlexInt      `json:"sharing_group_id"`
	}
	if body != nil {
		if err := json.Unmarshal(unwrap(body, "Attribute"), &in); err != nil {
			h.writeErr(w, r, intel.Invalid("Could not add Attribute", "value", "The request must hold the text in value."))
			return
		}
	}
	text := ""
	if len(in.Value) > 0 && json.Unmarshal(in.Value, &text) != nil {
		h.writeErr(w, r, intel.Invalid("Could not add Attribute", "value", "The text must be a string."))
		return
	}
	meta := bool(in.ReturnMetaAttributes)
	switch strings.ToLower(a.Arg(2)) {
	case "1", "true":
		meta = true
	}
	adhere := strings.ToLower(strings.Trim(string(in.Adhere), `"`))
	if arg := strings.ToLower(a.Arg(1)); arg != "" {
		adhere = arg
	}
	var mode string
	switch adhere {
	case "", "0", "false", "null":
	case "1", "true":
		mode = intel.WarninglistsSkip
	case "soft":
		mode = intel.WarninglistsSoft
	default:
		h.writeErr(w, r, intel.Invalid("Could not add Attribute", "adhereToWarninglists", "Options: 0, 1, soft"))
		return
	}
	res, err := h.svc.FreeTextImport(r.Context(), p.ACL(), ref, text, intel.FreeTextOptions{
		Distribution: in.Distribution, SharingGroupID: int64(in.SharingGroupID), MetaOnly: meta, Warninglists: mode})
	if err != nil {
		h.writeErr(w, r, err)
		return
	}
	if meta {
		out := make([]evGuess, 0, len(res.Guesses))
		for _, g := range res.Guesses {
			out = append(out, evGuess{Types: g.Types, DefaultType: g.Type, Value: g.Value, Comment: g.Comment,
				Category: g.Category, ToIDS: g.ToIDS})
		}
		writeValue(w, r, out)
		return
	}
	var b bytes.Buffer
	b.WriteByte('[')
	for i := range res.Added {
		enc, err := misp.EncodeAttribute(&res.Added[i])
		if err != nil {
			h.writeErr(w, r, fmt.Errorf("encode attribute %d: %w", res.Added[i].ID, err))
			return
		}
		if i > 0 {
			b.WriteByte(',')
		}
		b.Write(enc)
	}
	b.WriteByte(']')
	writeJSON(w, r, b.Bytes())
}
