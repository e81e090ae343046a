package mispapi

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/hunchsec/hunch/intel"
	"github.com/hunchsec/hunch/intel/acl"
	"github.com/hunchsec/hunch/misp"
)

// MISP's messages for sightings, verbatim.
const (
	msgSightingDeleted       = "Sighting successfully deleted."
	msgSightingInvalidObject = "Invalid object."
	msgSightingContextNoID   = "An ID or UUID must be provided if the context is set."
	msgSightingBadOutput     = "Invalid output format."
	msgSightingBadDuration   = "Invalid last filter."
)

// sightingRoutes registers MISP's SightingsController actions.
func (h *handler) sightingRoutes() {
	h.routeArgs([]string{"/sightings/add"}, h.addSighting, http.MethodPost)
	h.routeArgs([]string{"/sightings/listSightings"}, h.listSightings, http.MethodGet, http.MethodPost)
	h.routeArgs([]string{"/sightings/delete"}, h.deleteSighting, http.MethodPost, http.MethodDelete)
	h.routeArgs([]string{"/sightings/restSearch"}, h.restSearchSightings, http.MethodGet, http.MethodPost)
	h.routeArgs([]string{"/sightings/index"}, h.indexSightings, http.MethodGet, http.MethodPost)
}

// addSighting answers sightings/add[/{attribute id|uuid}] as MISP 2.5 does: {"Sighting": …}, the last sighting
// saved, whether one attribute is named (in the path, or by id or uuid in the body) or values are.
func (h *handler) addSighting(w http.ResponseWriter, r *http.Request, p Principal, a Args) {
	body, err := readBody(r)
	if err != nil {
		h.writeErr(w, r, err)
		return
	}
	req := &misp.Sighting{}
	if body != nil {
		// Decoded field by field rather than with misp.DecodeSighting, which wants a whole sighting: PyMISP
		// may send no more than {"type": "0"}.
		if err := json.Unmarshal(unwrap(body, "Sighting"), req); err != nil {
			h.writeErr(w, r, intel.Invalid(intel.MsgCouldNotAddSighting, "Sighting", sightingDecodeComplaint(err)))
			return
		}
	}
	in := intel.SightingInput{Attribute: a.Arg(0), Type: req.Type, Source: req.Source, Timestamp: req.Timestamp}
	if in.Timestamp == 0 {
		in.Timestamp = req.DateSighting
	}
	if in.Attribute == "" {
		switch {
		case req.Value != "":
			in.Values = []string{req.Value}
		case len(req.Values) > 0:
			in.Values = req.Values
		case req.UUID != "":
			in.Attribute = req.UUID
		case req.ID != 0:
			in.Attribute = req.ID.String()
		case req.AttributeUUID != "":
			in.Attribute = req.AttributeUUID
		case req.AttributeID != 0:
			in.Attribute = req.AttributeID.String()
		}
	}
	added, err := h.svc.AddSightings(r.Context(), p.ACL(), in)
	if err != nil {
		h.writeErr(w, r, err)
		return
	}
	// MISP 2.5 answers the last sighting it saved, for values as for one attribute.
	writeValue(w, r, sightingOut{Sighting: wireSighting(added[len(added)-1])})
}

// flexString reads a JSON string, number or boolean as text ("" for null or anything else).
func flexString(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return strings.TrimSpace(s)
	}
	var n json.Number
	if json.Unmarshal(raw, &n) == nil {
		return n.String()
	}
	var b bool
	if json.Unmarshal(raw, &b) == nil {
		return strconv.FormatBool(b)
	}
	return ""
}

// listSightings answers sightings/listSightings ({"context": "attribute"|"event", "id": …, "org_id"?} in the
// body, or /{id}/{context}/{org_id} in the path) as MISP does: [{"Sighting": …, "Organisation": {"name": …}}, …],
// the organisation beside the sighting and named only (blank where the instance anonymises it).
func (h *handler) listSightings(w http.ResponseWriter, r *http.Request, p Principal, a Args) {
	body, err := readBody(r)
	if err != nil {
		h.writeErr(w, r, err)
		return
	}
	f := intel.SightingFilter{ID: a.Arg(0), Context: a.Arg(1)}
	org := a.Arg(2)
	if body != nil {
		var m map[string]json.RawMessage
		if json.Unmarshal(unwrap(body, ""), &m) == nil {
			if v := flexString(m["id"]); v != "" {
				f.ID = v
			}
			if v := flexString(m["context"]); v != "" {
				f.Context = v
			}
			if v := flexString(m["org_id"]); v != "" {
				org = v
			}
		}
	}
	if f.Context == "" {
		f.Context = "attribute"
	}
	if f.Context != "attribute" && f.Context != "event" {
		h.writeErr(w, r, &apiError{status: http.StatusMethodNotAllowed, message: intel.MsgInvalidSightingContext})
		return
	}
	if org != "" {
		n, err := strconv.ParseInt(org, 10, 64)
		if err != nil || n < 0 {
			h.writeErr(w, r, badRequest("Invalid org_id."))
			return
		}
		f.OrgID = n
	}
	hits, err := h.svc.SearchSightings(r.Context(), p.ACL(), f)
	if errors.Is(err, acl.ErrNotFound) {
		err = &apiError{status: http.StatusMethodNotAllowed, message: msgSightingInvalidObject}
	}
	if err != nil {
		h.writeErr(w, r, err)
		return
	}
	// Newest first, as MISP orders them.
	slices.SortStableFunc(hits, func(x, y intel.SightingHit) int {
		return cmp.Or(cmp.Compare(y.Sighting.DateSighting, x.Sighting.DateSighting), cmp.Compare(y.Sighting.ID, x.Sighting.ID))
	})
	writeValue(w, r, listedSightings(hits))
}

// indexSightings answers sightings/index (PyMISP's sightings() without an entity) with every sighting the
// caller may see, in listSightings' shape.
func (h *handler) indexSightings(w http.ResponseWriter, r *http.Request, p Principal, a Args) {
	hits, err := h.svc.SearchSightings(r.Context(), p.ACL(), intel.SightingFilter{})
	if err != nil {
		h.writeErr(w, r, err)
		return
	}
	writeValue(w, r, listedSightings(hits))
}

// listedSighting is one entry of listSightings: the sighting, and beside it its organisation's name.
type listedSighting struct {
	Sighting     sightingFields `json:"Sighting"`
	Organisation struct {
		Name string `json:"name"`
	} `json:"Organisation"`
}

func listedSightings(hits []intel.SightingHit) []listedSighting {
	out := make([]listedSighting, 0, len(hits))
	for _, h := range hits {
		e := listedSighting{Sighting: wireSighting(h.Sighting)}
		e.Sighting.Organisation = nil
		if h.Sighting.Organisation != nil {
			e.Organisation.Name = h.Sighting.Organisation.Name
		}
		out = append(out, e)
	}
	return out
}

// deleteSighting answers sightings/delete/{id|uuid} with MISP's "Sighting successfully deleted.".
func (h *handler) deleteSighting(w http.ResponseWriter, r *http.Request, p Principal, a Args) {
	if err := h.svc.DeleteSighting(r.Context(), p.ACL(), a.Arg(0)); err != nil {
		h.writeErr(w, r, err)
		return
	}
	writeSaved(w, r, msgSightingDeleted, a.Arg(0))
}

// sightingTime reads a from/to filter: a unix timestamp or a date (YYYY-MM-DD) or RFC 3339 time.
func sightingTime(v string) (time.Time, bool) {
	if v == "" {
		return time.Time{}, true
	}
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		return time.Unix(n, 0).UTC(), true
	}
	for _, layout := range []string{"2006-01-02", time.RFC3339, "2006-01-02 15:04:05"} {
		if t, err := time.Parse(layout, v); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// sightingLast reads a last filter: seconds, or a number with a unit (s, m, h, d, w).
func sightingLast(v string) (time.Duration, bool) {
	if v == "" {
		return 0, true
	}
	unit := time.Second
	switch v[len(v)-1] {
	case 's':
		v = v[:len(v)-1]
	case 'm':
		unit, v = time.Minute, v[:len(v)-1]
	case 'h':
		unit, v = time.Hour, v[:len(v)-1]
	case 'd':
		unit, v = 24*time.Hour, v[:len(v)-1]
	case 'w':
		unit, v = 7*24*time.Hour, v[:len(v)-1]
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 0 || n > 100*365*24*3600 {
		return 0, false
	}
	return time.Duration(n) * unit, true
}

// restSearchSightings answers sightings/restSearch[/{context}] as MISP's JSON export does:
// {"response": [{"Sighting": {…, "value", "Organisation"?, "Attribute"?, "Event"?}}, …]}. Without from and to, or
// last, it searches the last 30 days, as MISP does.
func (h *handler) restSearchSightings(w http.ResponseWriter, r *http.Request, p Principal, a Args) {
	body, err := readBody(r)
	if err != nil {
		h.writeErr(w, r, err)
		return
	}
	m := map[string]json.RawMessage{}
	if body != nil {
		if json.Unmarshal(unwrap(body, ""), &m) != nil {
			h.writeErr(w, r, badRequest("The search filters must be a JSON object."))
			return
		}
	}
	get := func(k string) string {
		if v := a.Named[k]; v != "" {
			return v
		}
		return flexString(m[k])
	}
	f := intel.SightingFilter{Context: a.Arg(0), Source: get("source")}
	if f.Context == "" {
		f.Context = get("context")
	}
	if f.Context != "" && f.Context != "attribute" && f.Context != "event" {
		h.writeErr(w, r, badRequest(fmt.Sprintf("Invalid context %s.", f.Context)))
		return
	}
	id, uuid := get("id"), get("uuid")
	if id != "" {
		if n, err := strconv.ParseInt(id, 10, 64); err != nil || n <= 0 {
			h.writeErr(w, r, badRequest(fmt.Sprintf("Invalid ID `%s` provided.", id)))
			return
		}
	}
	if f.Context != "" {
		if f.ID = cmp.Or(id, uuid); f.ID == "" {
			h.writeErr(w, r, badRequest(msgSightingContextNoID))
			return
		}
	}
	if rf := get("returnFormat"); rf != "" && rf != "json" && rf != "download" {
		h.writeErr(w, r, notFound(msgSightingBadOutput))
		return
	}
	if t := get("type"); t != "" {
		n, err := strconv.Atoi(t)
		st := misp.SightingType(n)
		if err != nil || !st.Valid() {
			h.writeErr(w, r, badRequest("Invalid type."))
			return
		}
		f.Type = &st
	}
	if o := get("org_id"); o != "" {
		n, err := strconv.ParseInt(o, 10, 64)
		if err != nil || n < 0 {
			h.writeErr(w, r, badRequest("Invalid org_id."))
			return
		}
		f.OrgID = n
	}
	from, to, last := get("from"), get("to"), get("last")
	switch {
	case from != "" && to != "":
		var ok1, ok2 bool
		f.From, ok1 = sightingTime(from)
		f.To, ok2 = sightingTime(to)
		if !ok1 || !ok2 {
			h.writeErr(w, r, badRequest("Invalid from or to filter."))
			return
		}
	default:
		if last == "" {
			last = "30d"
		}
		d, ok := sightingLast(last)
		if !ok {
			h.writeErr(w, r, badRequest(msgSightingBadDuration))
			return
		}
		f.From = h.svc.Now().Add(-d)
	}
	if l := get("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n < 0 {
			h.writeErr(w, r, badRequest("Invalid limit."))
			return
		}
		f.Limit = n
	}
	hits, err := h.svc.SearchSightings(r.Context(), p.ACL(), f)
	if err != nil {
		h.writeErr(w, r, err)
		return
	}
	withAttr, withEvent, withUUID := flagOn(get("includeAttribute")), flagOn(get("includeEvent")), flagOn(get("includeUuid"))
	out := make([]searchedSighting, 0, len(hits))
	for _, hit := range hits {
		s := hit.Sighting
		e := searchedSighting{ID: s.ID, AttributeID: s.AttributeID, EventID: s.EventID, DateSighting: s.DateSighting,
			UUID: s.UUID, Source: s.Source, Type: s.Type}
		if s.OrgID != 0 {
			org := s.OrgID
			e.OrgID = &org
		}
		if o := s.Organisation; o != nil {
			e.Organisation = &sightingOrgOut{ID: o.ID, UUID: o.UUID, Name: o.Name}
		}
		if at := hit.Attribute; at != nil {
			e.Value = at.Value
			if withAttr {
				e.Attribute = &searchedAttribute{ID: at.ID, Value: at.Value, UUID: at.UUID, Type: at.Type,
					Category: at.Category, ToIDS: at.ToIDS.Bool()}
			}
			if withUUID {
				e.AttributeUUID = at.UUID
			}
		}
		if ev := hit.Event; ev != nil {
			if withUUID {
				e.EventUUID = ev.UUID
			}
			if withEvent {
				se := &searchedEvent{ID: ev.ID, UUID: ev.UUID, OrgcID: ev.OrgcID, OrgID: ev.OrgID, Info: ev.Info}
				if ev.Orgc != nil {
					se.Orgc.Name = ev.Orgc.Name
				}
				e.Event = se
			}
		}
		out = append(out, e)
	}
	type entry struct {
		Sighting searchedSighting `json:"Sighting"`
	}
	entries := make([]entry, 0, len(out))
	for _, e := range out {
		entries = append(entries, entry{e})
	}
	writeValue(w, r, struct {
		Response []entry `json:"response"`
	}{entries})
}

// searchedSighting is one sighting of sightings/restSearch's JSON export, MISP's fields in MISP's order.
type searchedSighting struct {
	ID            misp.FlexInt       `json:"id"`
	AttributeID   misp.FlexInt       `json:"attribute_id"`
	EventID       misp.FlexInt       `json:"event_id"`
	OrgID         *misp.FlexInt      `json:"org_id,omitempty"`
	DateSighting  misp.Timestamp     `json:"date_sighting"`
	UUID          string             `json:"uuid"`
	Source        string             `json:"source"`
	Type          misp.SightingType  `json:"type"`
	Value         string             `json:"value"`
	AttributeUUID string             `json:"attribute_uuid,omitempty"`
	EventUUID     string             `json:"event_uuid,omitempty"`
	Attribute     *searchedAttribute `json:"Attribute,omitempty"`
	Event         *searchedEvent     `json:"Event,omitempty"`
	Organisation  *sightingOrgOut    `json:"Organisation,omitempty"`
}

// searchedAttribute is restSearch's includeAttribute.
type searchedAttribute struct {
	ID       misp.FlexInt `json:"id"`
	Value    string       `json:"value"`
	UUID     string       `json:"uuid"`
	Type     string       `json:"type"`
	Category string       `json:"category"`
	ToIDS    bool         `json:"to_ids"`
}

// searchedEvent is restSearch's includeEvent.
type searchedEvent struct {
	ID     misp.FlexInt `json:"id"`
	UUID   string       `json:"uuid"`
	OrgcID misp.FlexInt `json:"orgc_id"`
	OrgID  misp.FlexInt `json:"org_id"`
	Info   string       `json:"info"`
	Orgc   struct {
		Name string `json:"name"`
	} `json:"Orgc"`
}

// flagOn reads a restSearch switch: 1, true.
func flagOn(v string) bool {
	v = strings.ToLower(v)
	return v == "1" || v == "true"
}

// sightingDecodeComplaint words why a sightings/add body does not decode.
func sightingDecodeComplaint(err error) string {
	if strings.Contains(err.Error(), "sighting type") {
		return "Invalid type."
	}
	return "The sighting could not be read: " + err.Error()
}

// sightingOrgOut is the organisation MISP attaches to a listed sighting: its id, uuid and name only.
type sightingOrgOut struct {
	ID   misp.FlexInt `json:"id"`
	UUID string       `json:"uuid"`
	Name string       `json:"name"`
}

// sightingFields is a sighting as MISP writes it, without the request-only keys and with the short
// organisation.
type sightingFields struct {
	ID            misp.FlexInt      `json:"id"`
	UUID          string            `json:"uuid"`
	AttributeID   misp.FlexInt      `json:"attribute_id"`
	AttributeUUID string            `json:"attribute_uuid,omitempty"`
	EventID       misp.FlexInt      `json:"event_id"`
	OrgID         misp.FlexInt      `json:"org_id"`
	DateSighting  misp.Timestamp    `json:"date_sighting"`
	Source        string            `json:"source"`
	Type          misp.SightingType `json:"type"`
	Organisation  *sightingOrgOut   `json:"Organisation,omitempty"`
}

// sightingOut is one {"Sighting": …} entry.
type sightingOut struct {
	Sighting sightingFields `json:"Sighting"`
}

func wireSighting(s misp.Sighting) sightingFields {
	out := sightingFields{ID: s.ID, UUID: s.UUID, AttributeID: s.AttributeID, AttributeUUID: s.AttributeUUID,
		EventID: s.EventID, OrgID: s.OrgID, DateSighting: s.DateSighting, Source: s.Source, Type: s.Type}
	if o := s.Organisation; o != nil {
		out.Organisation = &sightingOrgOut{ID: o.ID, UUID: o.UUID, Name: o.Name}
	}
	return out
}
