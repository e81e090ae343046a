package web

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/hunchsec/hunch/intel"
	"github.com/hunchsec/hunch/intel/acl"
	"github.com/hunchsec/hunch/misp"
	"github.com/hunchsec/hunch/store"
)

// eventsView is the event list's data.
type eventsView struct {
	Q, Published, Org, Tag, From, To string
	Events                           []*misp.Event
	Total                            int64
	Page, Pages                      int
	PrevURL, NextURL                 string
}

// events lists the events the user may see, filtered; an htmx request gets the table alone.
func (h *handler) events(w http.ResponseWriter, r *http.Request, rc *reqCtx) {
	qs := r.URL.Query()
	v := eventsView{Q: strings.TrimSpace(qs.Get("q")), Published: qs.Get("published"), Org: strings.TrimSpace(qs.Get("org")),
		Tag: strings.TrimSpace(qs.Get("tag")), From: qs.Get("from"), To: qs.Get("to"), Page: 1}
	if p, err := strconv.Atoi(qs.Get("page")); err == nil && p > 1 {
		v.Page = p
	}
	q := intel.EventIndexQuery{QuickFilter: v.Q, Sort: "id", Desc: true,
		Filter: store.EventFilter{Limit: DefaultPageSize, Page: v.Page}}
	switch v.Published {
	case "1", "0":
		b := v.Published == "1"
		q.Filter.Published = &b
	}
	if v.Org != "" {
		q.Filter.Orgs = store.Any(v.Org)
	}
	if v.Tag != "" {
		q.Filter.Tags = store.Any(v.Tag)
	}
	for _, d := range []struct {
		in  string
		out *time.Time
		end bool
	}{{v.From, &q.Filter.Date.From, false}, {v.To, &q.Filter.Date.To, true}} {
		if d.in == "" {
			continue
		}
		t, err := time.Parse("2006-01-02", d.in)
		if err != nil {
			rc.err = fmt.Sprintf("Dates are YYYY-MM-DD: %q is not one.", d.in)
			continue
		}
		if d.end {
			t = t.Add(24*time.Hour - time.Second)
		}
		*d.out = t
	}
	list, total, err := h.svc.IndexEvents(r.Context(), rc.acl, q)
	if err != nil {
		h.fail(w, r, rc, err)
		return
	}
	v.Events, v.Total = list, total
	v.Pages = int((total + DefaultPageSize - 1) / DefaultPageSize)
	link := func(page int) string {
		c := url.Values{}
		for k, vs := range qs {
			c[k] = vs
		}
		c.Set("page", strconv.Itoa(page))
		return "/ui/events?" + c.Encode()
	}
	if v.Page > 1 {
		v.PrevURL = link(v.Page - 1)
	}
	if v.Page < v.Pages {
		v.NextURL = link(v.Page + 1)
	}
	if r.Header.Get("HX-Request") != "" && r.Header.Get("HX-Target") == "event-table" {
		h.renderBlock(w, r, rc, http.StatusOK, "events", "eventtable", "Events", v)
		return
	}
	h.render(w, r, rc, http.StatusOK, "events", "Events", v)
}

// attrRow is an attribute as the event page shows it, with its warninglist hits (from the attribute's Warnings,
// which ViewEvent sets with WarninglistHits) and feed hits.
type attrRow struct {
	misp.Attribute
	// Warninglists are the names of the enabled warninglists its value hits.
	Warninglists []string
	// Feeds are the names of the enabled, cached feeds that hold its value and the user may see.
	Feeds []string
}

// objectView is an object with its attributes as rows.
type objectView struct {
	misp.Object
	Rows []attrRow
}

// eventView is the event page's data.
type eventView struct {
	Event     *misp.Event
	Rows      []attrRow
	Objects   []objectView
	Sightings []misp.Sighting
	// Correlations counts the attributes that correlate with other events.
	Correlations int
}

// eventRef reads the {id} path value: a number or a uuid.
func eventRef(r *http.Request) (string, bool) {
	ref := r.PathValue("id")
	if _, err := strconv.ParseInt(ref, 10, 64); err == nil || misp.ValidUUID(ref) {
		return ref, true
	}
	return "", false
}

// event shows one event with its attributes, objects, tags, galaxies, correlations, warninglist hits and sightings.
func (h *handler) event(w http.ResponseWriter, r *http.Request, rc *reqCtx) {
	ref, ok := eventRef(r)
	if !ok {
		h.renderError(w, r, rc, http.StatusNotFound, acl.MsgInvalidEvent)
		return
	}
	ctx := r.Context()
	e, err := h.svc.ViewEvent(ctx, rc.acl, ref, intel.EventViewOptions{Correlations: true, WarninglistHits: true})
	if err != nil {
		h.fail(w, r, rc, err)
		return
	}
	if err := h.svc.AttachFeedHits(ctx, rc.acl, e); err != nil {
		h.fail(w, r, rc, err)
		return
	}
	sightings, err := h.svc.EventSightings(ctx, rc.acl, e)
	if err != nil {
		h.fail(w, r, rc, err)
		return
	}
	v := eventView{Event: e, Sightings: sightings}
	row := func(a misp.Attribute) attrRow {
		if len(a.RelatedAttribute) > 0 {
			v.Correlations++
		}
		r := attrRow{Attribute: a}
		for _, w := range a.Warnings {
			r.Warninglists = append(r.Warninglists, w.WarninglistName)
		}
		for _, f := range a.Feed {
			r.Feeds = append(r.Feeds, f.Name)
		}
		return r
	}
	for _, a := range e.Attribute {
		v.Rows = append(v.Rows, row(a))
	}
	for _, o := range e.Object {
		ov := objectView{Object: o}
		for _, a := range o.Attribute {
			ov.Rows = append(ov.Rows, row(a))
		}
		v.Objects = append(v.Objects, ov)
	}
	h.render(w, r, rc, http.StatusOK, "event", e.Info, v)
}

// graphPage shows the correlation graph of an event (drawn by the UI's script from graph.json).
func (h *handler) graphPage(w http.ResponseWriter, r *http.Request, rc *reqCtx) {
	ref, ok := eventRef(r)
	if !ok {
		h.renderError(w, r, rc, http.StatusNotFound, acl.MsgInvalidEvent)
		return
	}
	e, err := h.svc.ViewEvent(r.Context(), rc.acl, ref, intel.EventViewOptions{Metadata: true})
	if err != nil {
		h.fail(w, r, rc, err)
		return
	}
	h.render(w, r, rc, http.StatusOK, "graph", "Correlation graph: "+e.Info, e)
}

// graphNode and graphEdge are cytoscape's element data.
type graphNode struct {
	ID    string `json:"id"`
	Label string `json:"label"`
	Kind  string `json:"kind"` // event, related (another event) or value
	URL   string `json:"url,omitempty"`
}

type graphEdge struct {
	ID     string `json:"id"`
	Source string `json:"source"`
	Target string `json:"target"`
}

// Graph is the correlation graph of one event: the event, each of its values that correlates, and the other
// events holding those values, as graph.json serves it.
type Graph struct {
	Nodes []graphNode `json:"nodes"`
	Edges []graphEdge `json:"edges"`
}

// graphJSON serves the correlation graph of an event, from the correlations ViewEvent gives the user (so only
// events the user may see appear).
func (h *handler) graphJSON(w http.ResponseWriter, r *http.Request, rc *reqCtx) {
	ref, ok := eventRef(r)
	if !ok {
		http.Error(w, `{"error":"invalid event"}`, http.StatusNotFound)
		return
	}
	e, err := h.svc.ViewEvent(r.Context(), rc.acl, ref, intel.EventViewOptions{Correlations: true})
	if err != nil {
		status, msg := h.describe(r, err)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_ = json.NewEncoder(w).Encode(map[string]string{"error": msg})
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(buildGraph(e, h.d.GraphValues))
}

// buildGraph makes the graph of e's correlations, with at most maxValues value nodes.
func buildGraph(e *misp.Event, maxValues int) Graph {
	root := "e" + e.ID.String()
	g := Graph{Nodes: []graphNode{{ID: root, Label: e.Info, Kind: "event", URL: "/ui/events/" + e.ID.String()}}, Edges: []graphEdge{}}
	info := map[string]string{}
	for _, re := range e.RelatedEvent {
		info[re.Event.ID.String()] = re.Event.Info
	}
	events := map[string]bool{}
	values, edges := map[string]bool{}, map[string]bool{}
	nvalues := 0
	attrs := append([]misp.Attribute(nil), e.Attribute...)
	for _, o := range e.Object {
		attrs = append(attrs, o.Attribute...)
	}
	for _, a := range attrs {
		if len(a.RelatedAttribute) == 0 {
			continue
		}
		vid := "v" + a.Value
		if !values[vid] {
			if nvalues >= maxValues {
				continue
			}
			values[vid] = true
			nvalues++
			g.Nodes = append(g.Nodes, graphNode{ID: vid, Label: a.Value, Kind: "value"})
			g.Edges = append(g.Edges, graphEdge{ID: "l" + root + "\x00" + vid, Source: root, Target: vid})
		}
		for _, ra := range a.RelatedAttribute {
			eid := "e" + ra.EventID.String()
			if !events[eid] {
				events[eid] = true
				label := info[ra.EventID.String()]
				if label == "" {
					label = "event " + ra.EventID.String()
				}
				g.Nodes = append(g.Nodes, graphNode{ID: eid, Label: label, Kind: "related", URL: "/ui/events/" + ra.EventID.String()})
			}
			edge := "l" + vid + "\x00" + eid
			if !edges[edge] {
				edges[edge] = true
				g.Edges = append(g.Edges, graphEdge{ID: edge, Source: vid, Target: eid})
			}
		}
	}
	return g
}

// searchView is the search page's data: the form's values and the attributes found.
type searchView struct {
	Value, Type, Category, Tags, EventInfo, Org, From, To, ToIDS, Published string
	Limit, Max                                                              int
	Ran                                                                     bool
	Attributes                                                              []*misp.Attribute
	Count                                                                   int64
}

// searchParams turns the form's values into restSearch parameters (the same ones the MISP API reads).
func searchParams(qs url.Values, limit int) map[string]any {
	p := map[string]any{}
	for form, param := range map[string]string{"value": "value", "type": "type", "category": "category",
		"tags": "tags", "eventinfo": "eventinfo", "org": "org", "from": "from", "to": "to", "eventid": "eventid"} {
		if v := strings.TrimSpace(qs.Get(form)); v != "" {
			if form == "tags" || form == "type" {
				var list []string
				for s := range strings.SplitSeq(v, ",") {
					if s = strings.TrimSpace(s); s != "" {
						list = append(list, s)
					}
				}
				p[param] = list
				continue
			}
			p[param] = v
		}
	}
	for _, b := range []string{"to_ids", "published"} {
		if v := qs.Get(b); v == "1" || v == "0" {
			p[b] = v == "1"
		}
	}
	if limit > 0 {
		p["limit"] = limit
	}
	return p
}

// search runs an attribute search with restSearch's parameters and shows the attributes found.
func (h *handler) search(w http.ResponseWriter, r *http.Request, rc *reqCtx) {
	qs := r.URL.Query()
	v := searchView{Value: qs.Get("value"), Type: qs.Get("type"), Category: qs.Get("category"), Tags: qs.Get("tags"),
		EventInfo: qs.Get("eventinfo"), Org: qs.Get("org"), From: qs.Get("from"), To: qs.Get("to"),
		ToIDS: qs.Get("to_ids"), Published: qs.Get("published"), Limit: min(100, h.d.SearchLimit), Max: h.d.SearchLimit}
	if n, err := strconv.Atoi(qs.Get("limit")); err == nil && n > 0 {
		v.Limit = min(n, h.d.SearchLimit)
	}
	params := searchParams(qs, v.Limit)
	delete(params, "limit")
	if len(params) > 0 {
		params["limit"] = v.Limit
		body, _ := json.Marshal(params)
		q, err := intel.ParseSearch(body)
		if err != nil {
			h.fail(w, r, rc, err)
			return
		}
		q.IncludeEventUUID, q.IncludeWarninglistHits = true, true
		seq, count := h.svc.SearchAttributes(r.Context(), rc.acl, q)
		for a, err := range seq {
			if err != nil {
				h.fail(w, r, rc, err)
				return
			}
			v.Attributes = append(v.Attributes, a)
		}
		n, err := count()
		if err != nil {
			h.fail(w, r, rc, err)
			return
		}
		v.Count, v.Ran = n, true
	}
	if r.Header.Get("HX-Request") != "" && r.Header.Get("HX-Target") == "results" {
		h.renderBlock(w, r, rc, http.StatusOK, "search", "results", "Search", v)
		return
	}
	h.render(w, r, rc, http.StatusOK, "search", "Search", v)
}

// importView is the import page's data: what the last import did.
type importView struct {
	Imported []importResult
	Events   []*misp.Event // events the user may add attributes to (targets of a free-text import)
	Max      string
}

type importResult struct {
	ID    int64
	Info  string
	Error string
}

// importPage shows the two import forms.
func (h *handler) importPage(w http.ResponseWriter, r *http.Request, rc *reqCtx) {
	h.showImport(w, r, rc, http.StatusOK, nil)
}

func (h *handler) showImport(w http.ResponseWriter, r *http.Request, rc *reqCtx, status int, res []importResult) {
	list, _, err := h.svc.IndexEvents(r.Context(), rc.acl, intel.EventIndexQuery{Sort: "id", Desc: true,
		Filter: store.EventFilter{Limit: 100, Page: 1}})
	if err != nil {
		h.fail(w, r, rc, err)
		return
	}
	h.render(w, r, rc, status, "import", "Import", importView{Imported: res, Events: list, Max: byteCount(h.d.MaxUploadBytes)})
}

// byteCount words n bytes for the page.
func byteCount(n int64) string {
	if n >= 1<<20 && n%(1<<20) == 0 {
		return strconv.FormatInt(n>>20, 10) + " MiB"
	}
	return strconv.FormatInt(n, 10) + " bytes"
}

// importJSON adds the events of an uploaded MISP JSON file ({"Event": …}, a list, or restSearch's response).
func (h *handler) importJSON(w http.ResponseWriter, r *http.Request, rc *reqCtx) {
	f, _, err := r.FormFile("file")
	if err != nil {
		rc.err = "Choose a MISP JSON file to import."
		h.showImport(w, r, rc, http.StatusBadRequest, nil)
		return
	}
	defer f.Close()
	body, err := io.ReadAll(io.LimitReader(f, h.d.MaxUploadBytes+1))
	if err != nil {
		h.fail(w, r, rc, fmt.Errorf("read upload: %w", err))
		return
	}
	if int64(len(body)) > h.d.MaxUploadBytes {
		rc.err = "The file is larger than " + byteCount(h.d.MaxUploadBytes) + "."
		h.showImport(w, r, rc, http.StatusRequestEntityTooLarge, nil)
		return
	}
	events, err := h.svc.Limits().DecodeEvents(body)
	if err != nil {
		_, rc.err = h.describe(r, err)
		h.showImport(w, r, rc, http.StatusBadRequest, nil)
		return
	}
	var res []importResult
	for _, e := range events {
		saved, err := h.svc.AddEvent(r.Context(), rc.acl, e, false)
		if err != nil {
			_, msg := h.describe(r, err)
			var ee *intel.EventExistsError
			id := int64(0)
			if errors.As(err, &ee) {
				id = ee.ID
			}
			res = append(res, importResult{ID: id, Info: e.Info, Error: msg})
			continue
		}
		res = append(res, importResult{ID: int64(saved.ID), Info: saved.Info})
	}
	if len(res) == 1 && res[0].Error == "" {
		http.Redirect(w, r, "/ui/events/"+strconv.FormatInt(res[0].ID, 10)+"?imported=1", http.StatusSeeOther)
		return
	}
	rc.notice = fmt.Sprintf("%d event(s) in the file.", len(res))
	h.showImport(w, r, rc, http.StatusOK, res)
}

// freetextView is the free-text review page: each value found with the types it may have, for the analyst to
// pick from before saving.
type freetextView struct {
	Guesses []intel.FreeTextGuess
	// Warninglists are, by index of Guesses, the enabled warninglists each value hits (its IDS box starts unticked).
	Warninglists [][]string
	// EventID is the event to add to, or 0 for a new event named Info.
	EventID int64
	Info    string
}

// freetextGuess finds the indicators in a pasted text and shows them for review.
func (h *handler) freetextGuess(w http.ResponseWriter, r *http.Request, rc *reqCtx) {
	text := r.PostFormValue("text")
	if int64(len(text)) > h.d.MaxUploadBytes {
		rc.err = "The text is longer than " + byteCount(h.d.MaxUploadBytes) + "."
		h.showImport(w, r, rc, http.StatusRequestEntityTooLarge, nil)
		return
	}
	v := freetextView{Guesses: intel.GuessFreeText(text), Info: strings.TrimSpace(r.PostFormValue("info"))}
	if id, err := strconv.ParseInt(r.PostFormValue("event"), 10, 64); err == nil && id > 0 {
		v.EventID = id
	}
	if len(v.Guesses) == 0 {
		rc.err = "No indicator was found in the text."
		h.showImport(w, r, rc, http.StatusOK, nil)
		return
	}
	if v.EventID == 0 && v.Info == "" {
		v.Info = "Free-text import " + h.now().UTC().Format("2006-01-02 15:04")
	}
	// The values are flagged as an event's attributes would be (intel.FlagWarninglistHits).
	probe := &misp.Event{}
	for _, g := range v.Guesses {
		probe.Attribute = append(probe.Attribute, misp.Attribute{Type: g.Type, Value: g.Value})
	}
	if _, err := h.svc.FlagWarninglistHits(r.Context(), probe); err != nil {
		h.fail(w, r, rc, err)
		return
	}
	v.Warninglists = make([][]string, len(v.Guesses))
	for i, a := range probe.Attribute {
		for _, hit := range a.Warnings {
			v.Warninglists[i] = append(v.Warninglists[i], hit.WarninglistName)
		}
		if len(v.Warninglists[i]) > 0 {
			v.Guesses[i].ToIDS = false
		}
	}
	h.render(w, r, rc, http.StatusOK, "freetext", "Review the values", v)
}

// freetextSave adds the values the analyst kept, with the types picked, to an event (a new one when none).
func (h *handler) freetextSave(w http.ResponseWriter, r *http.Request, rc *reqCtx) {
	if err := r.ParseForm(); err != nil {
		h.renderError(w, r, rc, http.StatusBadRequest, "The form could not be read.")
		return
	}
	n, _ := strconv.Atoi(r.PostFormValue("n"))
	if n < 0 || n > 100000 {
		h.renderError(w, r, rc, http.StatusBadRequest, "The form could not be read.")
		return
	}
	var attrs []misp.Attribute
	for i := range n {
		k := strconv.Itoa(i)
		if r.PostFormValue("keep"+k) == "" {
			continue
		}
		typ := r.PostFormValue("type" + k)
		cat := misp.DefaultCategory(typ)
		if cat == "" {
			h.renderError(w, r, rc, http.StatusBadRequest, fmt.Sprintf("%q is not an attribute type.", typ))
			return
		}
		attrs = append(attrs, misp.Attribute{Type: typ, Category: cat, Value: r.PostFormValue("value" + k),
			ToIDS: misp.OptBoolOf(r.PostFormValue("ids"+k) != ""), Comment: r.PostFormValue("comment" + k)})
	}
	if len(attrs) == 0 {
		rc.err = "No value was kept: nothing was saved."
		h.showImport(w, r, rc, http.StatusOK, nil)
		return
	}
	ctx := r.Context()
	eventID, _ := strconv.ParseInt(r.PostFormValue("event"), 10, 64)
	if eventID <= 0 {
		info := strings.TrimSpace(r.PostFormValue("info"))
		if info == "" {
			info = "Free-text import"
		}
		saved, err := h.svc.AddEvent(ctx, rc.acl, &misp.Event{Info: info, Attribute: attrs}, false)
		if err != nil {
			h.fail(w, r, rc, err)
			return
		}
		http.Redirect(w, r, "/ui/events/"+saved.ID.String(), http.StatusSeeOther)
		return
	}
	res, err := h.svc.AddAttributes(ctx, rc.acl, strconv.FormatInt(eventID, 10), attrs, intel.AddAttributesOptions{})
	if err != nil {
		h.fail(w, r, rc, err)
		return
	}
	to := "/ui/events/" + strconv.FormatInt(eventID, 10)
	if len(res.Failed) > 0 {
		to += "?skipped=" + strconv.Itoa(len(res.Failed))
	}
	http.Redirect(w, r, to, http.StatusSeeOther)
}

// exportView is the export page's data.
type exportView struct {
	Formats []intel.Format
	EventID string
}

// exportPage shows the export form: every format intel writes.
func (h *handler) exportPage(w http.ResponseWriter, r *http.Request, rc *reqCtx) {
	h.render(w, r, rc, http.StatusOK, "export", "Export", exportView{Formats: intel.Formats(), EventID: r.URL.Query().Get("eventid")})
}

// lazyWriter delays the download headers until the first byte, so that an export that fails at once can still
// show the error page.
type lazyWriter struct {
	w       http.ResponseWriter
	set     func()
	started bool
}

func (l *lazyWriter) Write(p []byte) (int, error) {
	if !l.started {
		l.started = true
		l.set()
	}
	return l.w.Write(p)
}

// exportDownload writes an export as a file download: restSearch's parameters from the form, at event or
// attribute level, in any format of intel.Formats.
func (h *handler) exportDownload(w http.ResponseWriter, r *http.Request, rc *reqCtx) {
	qs := r.URL.Query()
	params := searchParams(qs, 0)
	params["returnFormat"] = qs.Get("format")
	if v := qs.Get("to_ids"); v == "any" {
		params["to_ids"] = []int{0, 1}
	}
	if v := qs.Get("published"); v == "any" {
		params["published"] = []int{0, 1}
	}
	body, _ := json.Marshal(params)
	q, err := intel.ParseSearch(body)
	if err != nil {
		h.fail(w, r, rc, err)
		return
	}
	scope := intel.ScopeAttributes
	if qs.Get("scope") == "events" {
		scope = intel.ScopeEvents
	}
	ext := map[intel.Format]string{intel.FormatJSON: "json", intel.FormatCSV: "csv", intel.FormatText: "txt",
		intel.FormatSuricata: "rules", intel.FormatSnort: "rules", intel.FormatHashes: "txt", intel.FormatRPZ: "rpz",
		intel.FormatZeek: "intel", intel.FormatBro: "intel", intel.FormatSTIX2: "json"}[q.Format]
	if ext == "" {
		ext = "txt"
	}
	name := fmt.Sprintf("hunch-%s-%s.%s", scope, q.Format, ext)
	lw := &lazyWriter{w: w, set: func() {
		w.Header().Set("Content-Type", q.Format.ContentType())
		w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
	}}
	if err := h.svc.Export(r.Context(), rc.acl, scope, q, lw); err != nil {
		if lw.started {
			h.log.Error("export cut short", "format", string(q.Format), "error", err.Error())
			return
		}
		h.fail(w, r, rc, err)
		return
	}
	if !lw.started {
		lw.set() // an empty export is an empty file
		w.WriteHeader(http.StatusOK)
	}
}

// usersView is the users page's data.
type usersView struct {
	Users []misp.User
	Orgs  []misp.Organisation
	Roles []misp.Role
	// NewKey is the API key of a user just added, shown this once.
	NewKey, NewEmail string
	MinPassword      int
}

// users lists the users the admin manages, with the form to add one.
func (h *handler) users(w http.ResponseWriter, r *http.Request, rc *reqCtx) {
	h.showUsers(w, r, rc, http.StatusOK, "", "")
}

func (h *handler) showUsers(w http.ResponseWriter, r *http.Request, rc *reqCtx, status int, key, email string) {
	if !rc.admin() {
		h.renderError(w, r, rc, http.StatusForbidden, acl.MsgNoFunctionality)
		return
	}
	list, err := h.svc.Users(r.Context(), rc.acl, intel.UserFilter{})
	if err != nil {
		h.fail(w, r, rc, err)
		return
	}
	orgs, err := h.svc.Orgs(r.Context(), rc.acl, intel.OrgScopeAll, "")
	if err != nil {
		h.fail(w, r, rc, err)
		return
	}
	if !rc.acl.EffectiveRole().PermSiteAdmin {
		own := orgs[:0]
		for _, o := range orgs {
			if int64(o.ID) == rc.acl.OrgID {
				own = append(own, o)
			}
		}
		orgs = own
	}
	h.render(w, r, rc, status, "users", "Users", usersView{Users: list, Orgs: orgs, Roles: misp.DefaultRoles(), NewKey: key,
		NewEmail: email, MinPassword: h.svc.MinPasswordLength()})
}

// addUser adds a user (with a password when one is given) and shows its API key once.
func (h *handler) addUser(w http.ResponseWriter, r *http.Request, rc *reqCtx) {
	if !rc.admin() {
		h.renderError(w, r, rc, http.StatusForbidden, acl.MsgNoFunctionality)
		return
	}
	orgID, _ := strconv.ParseInt(r.PostFormValue("org_id"), 10, 64)
	roleID, _ := strconv.ParseInt(r.PostFormValue("role_id"), 10, 64)
	nu := &misp.User{Email: strings.TrimSpace(r.PostFormValue("email")), OrgID: misp.FlexInt(orgID),
		RoleID: misp.FlexInt(roleID), Password: r.PostFormValue("password")}
	key, err := h.svc.AddUser(r.Context(), rc.acl, nu)
	if err != nil {
		status, msg := h.describe(r, err)
		rc.err = msg
		h.showUsers(w, r, rc, status, "", "")
		return
	}
	rc.notice = "User " + nu.Email + " added."
	h.showUsers(w, r, rc, http.StatusOK, key, nu.Email)
}

// orgs lists the organisations, with the form to add one for site admins.
func (h *handler) orgs(w http.ResponseWriter, r *http.Request, rc *reqCtx) {
	h.showOrgs(w, r, rc, http.StatusOK)
}

func (h *handler) showOrgs(w http.ResponseWriter, r *http.Request, rc *reqCtx, status int) {
	if !rc.admin() {
		h.renderError(w, r, rc, http.StatusForbidden, acl.MsgNoFunctionality)
		return
	}
	list, err := h.svc.Orgs(r.Context(), rc.acl, intel.OrgScopeAll, "")
	if err != nil {
		h.fail(w, r, rc, err)
		return
	}
	h.render(w, r, rc, status, "orgs", "Organisations", struct {
		Orgs      []misp.Organisation
		SiteAdmin bool
	}{list, rc.acl.EffectiveRole().PermSiteAdmin})
}

// addOrg adds an organisation (site admins only, as intel decides).
func (h *handler) addOrg(w http.ResponseWriter, r *http.Request, rc *reqCtx) {
	if !rc.admin() {
		h.renderError(w, r, rc, http.StatusForbidden, acl.MsgNoFunctionality)
		return
	}
	o := &misp.Organisation{Name: strings.TrimSpace(r.PostFormValue("name")), Description: r.PostFormValue("description"),
		Nationality: r.PostFormValue("nationality"), Sector: r.PostFormValue("sector"), Local: r.PostFormValue("local") != ""}
	if err := h.svc.AddOrg(r.Context(), rc.acl, o); err != nil {
		status, msg := h.describe(r, err)
		rc.err = msg
		h.showOrgs(w, r, rc, status)
		return
	}
	rc.notice = "Organisation " + o.Name + " added."
	h.showOrgs(w, r, rc, http.StatusOK)
}

// feeds lists the feeds with their state and what can be done with them (site admins, as intel decides).
func (h *handler) feeds(w http.ResponseWriter, r *http.Request, rc *reqCtx) {
	h.showFeeds(w, r, rc, http.StatusOK)
}

func (h *handler) showFeeds(w http.ResponseWriter, r *http.Request, rc *reqCtx, status int) {
	list, err := h.svc.Feeds(r.Context(), rc.acl)
	if err != nil {
		h.fail(w, r, rc, err)
		return
	}
	h.render(w, r, rc, status, "feeds", "Feeds", struct{ Feeds []misp.Feed }{list})
}

// addFeed adds a feed from the form: name, provider, url, format, enabled and caching.
func (h *handler) addFeed(w http.ResponseWriter, r *http.Request, rc *reqCtx) {
	f := &misp.Feed{Name: strings.TrimSpace(r.PostFormValue("name")), Provider: strings.TrimSpace(r.PostFormValue("provider")),
		URL: strings.TrimSpace(r.PostFormValue("url")), SourceFormat: r.PostFormValue("source_format"),
		Enabled: r.PostFormValue("enabled") != "", CachingEnabled: r.PostFormValue("caching_enabled") != "",
		LookupVisible: true, InputSource: "network", Distribution: misp.DistributionUnset}
	if err := h.svc.AddFeed(r.Context(), rc.acl, f, nil); err != nil {
		status, msg := h.describe(r, err)
		rc.err = msg
		h.showFeeds(w, r, rc, status)
		return
	}
	rc.notice = "Feed " + f.Name + " added."
	h.showFeeds(w, r, rc, http.StatusOK)
}

// feedAction fetches (imports) or caches (fills the value index of) one feed, and says what it did.
func (h *handler) feedAction(w http.ResponseWriter, r *http.Request, rc *reqCtx) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		h.renderError(w, r, rc, http.StatusNotFound, "Invalid feed.")
		return
	}
	switch r.PathValue("action") {
	case "fetch":
		res, err := h.svc.FetchFeed(r.Context(), rc.acl, id)
		if err != nil {
			status, msg := h.describe(r, err)
			rc.err = msg
			h.showFeeds(w, r, rc, status)
			return
		}
		rc.notice = fmt.Sprintf("Fetched: %d events added, %d updated, %d unchanged, %d left out by its rules; %d values.",
			res.Added, res.Updated, res.Unchanged, res.Blocked, res.Values)
	case "cache":
		n, err := h.svc.CacheFeed(r.Context(), rc.acl, id)
		if err != nil {
			status, msg := h.describe(r, err)
			rc.err = msg
			h.showFeeds(w, r, rc, status)
			return
		}
		rc.notice = fmt.Sprintf("Cached: the feed holds %d values.", n)
	default:
		h.renderError(w, r, rc, http.StatusNotFound, "Unknown feed action.")
		return
	}
	h.showFeeds(w, r, rc, http.StatusOK)
}
