package taxii

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/hunchsec/hunch/taxii"

	"github.com/hunchsec/hunch/intel"
	"github.com/hunchsec/hunch/misp"
	"github.com/hunchsec/hunch/stix"
	"github.com/hunchsec/hunch/store"
)

// Collection is TAXII's collection resource.
type Collection struct {
	ID          string   `json:"id"`
	Title       string   `json:"title"`
	Description string   `json:"description,omitempty"`
	Alias       string   `json:"alias,omitempty"`
	CanRead     bool     `json:"can_read"`
	CanWrite    bool     `json:"can_write"`
	MediaTypes  []string `json:"media_types,omitempty"`

	sg *misp.SharingGroup // nil for the published collection
}

// userCollections returns the collections user r may see: the published one, and one per sharing group of its
// organisation.
func (h *handler) userCollections(r *request) ([]Collection, error) {
	write := h.svc.Policy().CanAddEvent(r.u) == nil
	out := []Collection{{ID: PublishedCollectionID(h.d.InstanceUUID), Title: "Published events", Alias: "published",
		Description: "every published event you may read", CanRead: true, CanWrite: write, MediaTypes: []string{MediaSTIX}}}
	groups, err := h.svc.SharingGroups(r.Context(), r.u, false)
	if err != nil {
		return nil, err
	}
	for i := range groups {
		sg := &groups[i]
		if !member(sg, r.u.OrgID) {
			continue
		}
		out = append(out, Collection{ID: sg.UUID, Title: "Sharing group " + sg.Name,
			Description: "published events shared with the sharing group " + sg.Name, CanRead: true, CanWrite: write,
			MediaTypes: []string{MediaSTIX}, sg: sg})
	}
	return out, nil
}

// member reports whether organisation org belongs to sharing group sg.
func member(sg *misp.SharingGroup, org int64) bool {
	if int64(sg.OrgID) == org {
		return true
	}
	for _, o := range sg.SharingGroupOrg {
		if int64(o.OrgID) == org {
			return true
		}
	}
	return false
}

func (h *handler) collections(w http.ResponseWriter, r *request) {
	cs, err := h.userCollections(r)
	if err != nil {
		h.writeAPIError(w, r.Request, err)
		return
	}
	writeJSON(w, r.Request, http.StatusOK, struct {
		Collections []Collection `json:"collections"`
	}{cs})
}

// findCollection returns the collection of the request's path, or answers 404.
func (h *handler) findCollection(w http.ResponseWriter, r *request) (*Collection, bool) {
	cs, err := h.userCollections(r)
	if err != nil {
		h.writeAPIError(w, r.Request, err)
		return nil, false
	}
	id := r.PathValue("collection")
	for i := range cs {
		if strings.EqualFold(cs[i].ID, id) || cs[i].Alias != "" && cs[i].Alias == id {
			return &cs[i], true
		}
	}
	writeError(w, r.Request, http.StatusNotFound, "Collection not found", "no collection "+id+" that you may read")
	return nil, false
}

func (h *handler) collection(w http.ResponseWriter, r *request) {
	if c, ok := h.findCollection(w, r); ok {
		writeJSON(w, r.Request, http.StatusOK, c)
	}
}

// cursor is a position in a collection: an event by date_added and id, and an object of it.
type cursor struct {
	added time.Time
	event int64
	index int
}

func (c cursor) compare(added time.Time, event int64) int {
	if d := c.added.Compare(added); d != 0 {
		return d
	}
	return cmp.Compare(c.event, event)
}

// eventRef is an event of a collection.
type eventRef struct {
	id    int64
	added time.Time
}

// collectionEvents returns the events of collection c that u may read, added at or after from (to the second),
// in (date_added, id) order.
func (h *handler) collectionEvents(ctx context.Context, r *request, c *Collection, from time.Time) ([]eventRef, error) {
	pub := true
	queries := []intel.Search{{Published: &pub}}
	if !from.IsZero() {
		// date_added is the later of the two times: either may be the one at or after from
		at := intel.TimeRange{From: intel.TimeBound{At: from.Truncate(time.Second)}}
		queries = []intel.Search{{Published: &pub, Timestamp: at}, {Published: &pub, PublishTimestamp: at}}
	}
	seen := map[int64]bool{}
	var out []eventRef
	for _, q := range queries {
		heads, err := h.svc.EventHeads(ctx, r.u, q)
		if err != nil {
			return nil, err
		}
		for _, e := range heads {
			if seen[e.ID] {
				continue
			}
			seen[e.ID] = true
			if c.sg != nil && (e.Distribution != 4 || e.SharingGroupID != int64(c.sg.ID)) {
				continue
			}
			added := e.Timestamp.Time()
			if p := e.PublishTimestamp.Time(); e.PublishTimestamp != 0 && p.After(added) {
				added = p
			}
			out = append(out, eventRef{id: e.ID, added: added})
		}
	}
	slices.SortFunc(out, func(a, b eventRef) int {
		if d := a.added.Compare(b.added); d != 0 {
			return d
		}
		return cmp.Compare(a.id, b.id)
	})
	return out, nil
}

// entry is one object of a collection.
type entry struct {
	raw          json.RawMessage
	id, typ      string
	specVersion  string
	version      string
	versionTime  time.Time
	added        time.Time
	pos          cursor
	mediaVersion string
}

// page reads events from the store in batches, first small (a page may need one event), then larger, up to
// maxEventBatch (a bound on the events held at once).
const (
	firstEventBatch = 4
	maxEventBatch   = 64
)

// loadEvents reads the events of refs as u reads them, by id; an event gone since the collection was listed is
// missing from the map.
func (h *handler) loadEvents(ctx context.Context, r *request, refs []eventRef) (map[int64]*misp.Event, error) {
	ids := make([]int64, len(refs))
	for i, ref := range refs {
		ids[i] = ref.id
	}
	out := make(map[int64]*misp.Event, len(refs))
	seq, _ := h.svc.SearchEvents(ctx, r.u, intel.Search{EventIDs: ids})
	for e, err := range seq {
		if err != nil {
			return nil, err
		}
		out[int64(e.ID)] = e
	}
	return out, nil
}

// eventObjects returns the STIX objects of event ev, as the stix2 export writes them.
func eventObjects(ev *misp.Event, ref eventRef) ([]entry, error) {
	var buf bytes.Buffer
	bw := stix.NewBundleWriter(&buf, stix.Options{BundleID: ev.UUID})
	if err := bw.WriteEvent(ev); err != nil {
		return nil, err
	}
	if err := bw.Close(); err != nil {
		return nil, err
	}
	var b struct {
		Objects []json.RawMessage `json:"objects"`
	}
	if err := json.Unmarshal(buf.Bytes(), &b); err != nil {
		return nil, fmt.Errorf("read back the stix of event %d: %w", ref.id, err)
	}
	out := make([]entry, 0, len(b.Objects))
	for i, raw := range b.Objects {
		var m struct {
			Type        string `json:"type"`
			ID          string `json:"id"`
			SpecVersion string `json:"spec_version"`
			Modified    string `json:"modified"`
			Created     string `json:"created"`
		}
		if err := json.Unmarshal(raw, &m); err != nil {
			return nil, fmt.Errorf("read back the stix of event %d: %w", ref.id, err)
		}
		en := entry{raw: raw, id: m.ID, typ: m.Type, specVersion: cmp.Or(m.SpecVersion, "2.1"), added: ref.added,
			pos: cursor{added: ref.added, event: ref.id, index: i}}
		v := cmp.Or(m.Modified, m.Created)
		if t, err := time.Parse(time.RFC3339Nano, v); err == nil {
			en.versionTime = t.UTC()
		} else {
			en.versionTime = ref.added
		}
		en.version = stampMillis(en.versionTime)
		out = append(out, en)
	}
	return out, nil
}

// stampMillis writes a version as STIX writes modified: milliseconds.
func stampMillis(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

// query is what the objects, manifest, object and versions endpoints are asked for.
type query struct {
	addedAfter   time.Time
	limit        int
	next         *cursor
	ids, types   []string
	specVersions []string
	versions     []string // "last" (default), "first", "all", or timestamps
	versionTimes []time.Time
}

// parseQuery reads the URL parameters; a refusal is answered 400 and reported false.
func (h *handler) parseQuery(w http.ResponseWriter, r *request) (query, bool) {
	v := r.URL.Query()
	q := query{limit: h.d.PageSize}
	bad := func(param, why string) (query, bool) {
		writeError(w, r.Request, http.StatusBadRequest, "Bad request", param+": "+why)
		return q, false
	}
	if s := v.Get("added_after"); s != "" {
		t, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			return bad("added_after", "not a timestamp: "+s)
		}
		q.addedAfter = t.UTC()
	}
	if s := v.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			return bad("limit", "want a positive number, got "+s)
		}
		q.limit = min(n, h.d.MaxPageSize)
	}
	if s := v.Get("next"); s != "" {
		c, ok := decodeNext(s)
		if !ok {
			return bad("next", "not a token this server gave")
		}
		q.next = &c
	}
	list := func(name string) []string {
		var out []string
		for _, s := range v[name] {
			for p := range strings.SplitSeq(s, ",") {
				if p = strings.TrimSpace(p); p != "" {
					out = append(out, p)
				}
			}
		}
		return out
	}
	q.ids, q.types, q.specVersions = list("match[id]"), list("match[type]"), list("match[spec_version]")
	q.versions = list("match[version]")
	for _, s := range q.versions {
		switch s {
		case "last", "first", "all":
			continue
		}
		t, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			return bad("match[version]", "want last, first, all or timestamps, got "+s)
		}
		q.versionTimes = append(q.versionTimes, t.UTC())
	}
	if len(q.versions) == 0 {
		q.versions = []string{"last"}
	}
	return q, true
}

// keep applies the match filters but match[version] to e.
func (q *query) keep(e *entry) bool {
	if len(q.ids) > 0 && !slices.Contains(q.ids, e.id) {
		return false
	}
	if len(q.types) > 0 && !slices.Contains(q.types, e.typ) {
		return false
	}
	if len(q.specVersions) > 0 && !slices.Contains(q.specVersions, e.specVersion) {
		return false
	}
	return true
}

// versionFilter keeps, of the objects of one event, the versions match[version] asks for.
func (q *query) versionFilter(es []entry) []entry {
	if slices.Contains(q.versions, "all") {
		return es
	}
	first, last := map[string]time.Time{}, map[string]time.Time{}
	for _, e := range es {
		if t, ok := first[e.id]; !ok || e.versionTime.Before(t) {
			first[e.id] = e.versionTime
		}
		if t, ok := last[e.id]; !ok || e.versionTime.After(t) {
			last[e.id] = e.versionTime
		}
	}
	out := es[:0:0]
	for _, e := range es {
		ok := slices.Contains(q.versions, "first") && e.versionTime.Equal(first[e.id]) ||
			slices.Contains(q.versions, "last") && e.versionTime.Equal(last[e.id]) ||
			slices.ContainsFunc(q.versionTimes, func(t time.Time) bool { return t.Equal(e.versionTime) })
		if ok {
			out = append(out, e)
		}
	}
	return out
}

// page returns the next page of collection c's objects matching q, whether more follow, and the position after
// the last.
func (h *handler) page(ctx context.Context, r *request, c *Collection, q query) ([]entry, bool, error) {
	from := q.addedAfter
	if q.next != nil && q.next.added.After(from) {
		from = q.next.added
	}
	events, err := h.collectionEvents(ctx, r, c, from)
	if err != nil {
		return nil, false, err
	}
	events = slices.DeleteFunc(events, func(ev eventRef) bool {
		return !q.addedAfter.IsZero() && !ev.added.After(q.addedAfter) || q.next != nil && q.next.compare(ev.added, ev.id) > 0
	})
	var out []entry
	var loaded map[int64]*misp.Event
	batch, batchEnd := firstEventBatch, 0
	for i, ev := range events {
		if i == batchEnd {
			batchEnd = min(i+batch, len(events))
			if loaded, err = h.loadEvents(ctx, r, events[i:batchEnd]); err != nil {
				return nil, false, err
			}
			batch = min(2*batch, maxEventBatch)
		}
		e := loaded[ev.id]
		if e == nil {
			continue // gone since the collection was listed
		}
		objs, err := eventObjects(e, ev)
		if err != nil {
			return nil, false, err
		}
		if q.next != nil && q.next.compare(ev.added, ev.id) == 0 {
			objs = objs[min(q.next.index, len(objs)):]
		}
		kept := objs[:0:0]
		for j := range objs {
			if q.keep(&objs[j]) {
				kept = append(kept, objs[j])
			}
		}
		kept = q.versionFilter(kept)
		room := q.limit - len(out)
		if len(kept) > room {
			return append(out, kept[:room]...), true, nil
		}
		out = append(out, kept...)
		if len(out) == q.limit {
			return out, i < len(events)-1, nil
		}
	}
	return out, false, nil
}

// envelope is TAXII's envelope resource.
type envelope struct {
	More    bool              `json:"more"`
	Next    string            `json:"next,omitempty"`
	Objects []json.RawMessage `json:"objects,omitempty"`
}

// dateHeaders sets X-TAXII-Date-Added-First and -Last from the entries served.
func dateHeaders(w http.ResponseWriter, es []entry) {
	if len(es) == 0 {
		return
	}
	w.Header().Set("X-TAXII-Date-Added-First", stamp(es[0].added))
	w.Header().Set("X-TAXII-Date-Added-Last", stamp(es[len(es)-1].added))
}

// serveEntries answers the objects or manifest endpoint (manifest: rows instead of objects).
func (h *handler) serveEntries(w http.ResponseWriter, r *request, manifest bool, force func(*query)) {
	c, ok := h.findCollection(w, r)
	if !ok {
		return
	}
	q, ok := h.parseQuery(w, r)
	if !ok {
		return
	}
	if force != nil {
		force(&q)
	}
	es, more, err := h.page(r.Context(), r, c, q)
	if err != nil {
		h.writeAPIError(w, r.Request, err)
		return
	}
	dateHeaders(w, es)
	next := ""
	if more && len(es) > 0 {
		last := es[len(es)-1].pos
		last.index++
		next = encodeNext(last)
	}
	if manifest {
		type row struct {
			ID        string `json:"id"`
			DateAdded string `json:"date_added"`
			Version   string `json:"version"`
			MediaType string `json:"media_type"`
		}
		rows := make([]row, len(es))
		for i, e := range es {
			rows[i] = row{ID: e.id, DateAdded: stamp(e.added), Version: e.version, MediaType: MediaSTIX}
		}
		writeJSON(w, r.Request, http.StatusOK, struct {
			More    bool   `json:"more"`
			Next    string `json:"next,omitempty"`
			Objects []row  `json:"objects,omitempty"`
		}{more, next, rows})
		return
	}
	env := envelope{More: more, Next: next}
	for _, e := range es {
		env.Objects = append(env.Objects, e.raw)
	}
	writeJSON(w, r.Request, http.StatusOK, env)
}

func (h *handler) getObjects(w http.ResponseWriter, r *request) { h.serveEntries(w, r, false, nil) }

func (h *handler) manifest(w http.ResponseWriter, r *request) { h.serveEntries(w, r, true, nil) }

// getObject answers one object's versions (match[version], default the last) as an envelope; an object the
// collection does not hold for the user is 404.
func (h *handler) getObject(w http.ResponseWriter, r *request) {
	c, ok := h.findCollection(w, r)
	if !ok {
		return
	}
	q, ok := h.parseQuery(w, r)
	if !ok {
		return
	}
	id := r.PathValue("object")
	q.ids = []string{id}
	es, more, err := h.page(r.Context(), r, c, q)
	if err != nil {
		h.writeAPIError(w, r.Request, err)
		return
	}
	if len(es) == 0 && q.next == nil {
		writeError(w, r.Request, http.StatusNotFound, "Object not found", "no object "+id+" in collection "+c.ID)
		return
	}
	dateHeaders(w, es)
	env := envelope{More: more}
	if more {
		last := es[len(es)-1].pos
		last.index++
		env.Next = encodeNext(last)
	}
	for _, e := range es {
		env.Objects = append(env.Objects, e.raw)
	}
	writeJSON(w, r.Request, http.StatusOK, env)
}

// versions answers the versions of one object.
func (h *handler) versions(w http.ResponseWriter, r *request) {
	c, ok := h.findCollection(w, r)
	if !ok {
		return
	}
	q, ok := h.parseQuery(w, r)
	if !ok {
		return
	}
	id := r.PathValue("object")
	q.ids, q.versions, q.versionTimes = []string{id}, []string{"all"}, nil
	es, more, err := h.page(r.Context(), r, c, q)
	if err != nil {
		h.writeAPIError(w, r.Request, err)
		return
	}
	if len(es) == 0 && q.next == nil {
		writeError(w, r.Request, http.StatusNotFound, "Object not found", "no object "+id+" in collection "+c.ID)
		return
	}
	dateHeaders(w, es)
	var vs []string
	for _, e := range es {
		if !slices.Contains(vs, e.version) {
			vs = append(vs, e.version)
		}
	}
	slices.Sort(vs)
	out := struct {
		More     bool     `json:"more"`
		Next     string   `json:"next,omitempty"`
		Versions []string `json:"versions,omitempty"`
	}{More: more, Versions: vs}
	if more {
		last := es[len(es)-1].pos
		last.index++
		out.Next = encodeNext(last)
	}
	writeJSON(w, r.Request, http.StatusOK, out)
}

// Status is TAXII's status resource, as the client package reads it.
type Status = taxii.Status

// StatusDetails is one object of a status resource.
type StatusDetails = taxii.StatusDetails

// addObjects adds an envelope of STIX objects to a collection: they are read into MISP events (package stix) and
// each event is added for the user (or, when its uuid is stored already, applied as an edit under MISP's
// timestamp rule). The answer is the status resource, 202.
func (h *handler) addObjects(w http.ResponseWriter, r *request) {
	if !taxiiContentType(r.Header.Get("Content-Type")) {
		writeError(w, r.Request, http.StatusUnsupportedMediaType, "Unsupported media type",
			"the body must be "+MediaTAXII+", not "+r.Header.Get("Content-Type"))
		return
	}
	c, ok := h.findCollection(w, r)
	if !ok {
		return
	}
	if !c.CanWrite {
		writeError(w, r.Request, http.StatusForbidden, "Forbidden", "you may not add events")
		return
	}
	now := h.d.Now()
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, h.d.MaxBodyBytes))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			writeError(w, r.Request, http.StatusRequestEntityTooLarge, "Request too large",
				fmt.Sprintf("the body is larger than max_content_length, %d bytes", h.d.MaxBodyBytes))
			return
		}
		writeError(w, r.Request, http.StatusBadRequest, "Bad request", "reading the body: "+err.Error())
		return
	}
	var env struct {
		Objects []json.RawMessage `json:"objects"`
	}
	if err := json.Unmarshal(body, &env); err != nil {
		writeError(w, r.Request, http.StatusBadRequest, "Bad request", "the body is not a TAXII envelope: "+err.Error())
		return
	}
	cluster, err := h.clusterMatcher(r.Context())
	if err != nil {
		h.internal(w, r.Request, err)
		return
	}
	res, err := stix.ParseObjects("", env.Objects, stix.ParseOptions{Cluster: cluster})
	if err != nil {
		writeError(w, r.Request, http.StatusBadRequest, "Bad request", err.Error())
		return
	}
	st := Status{ID: misp.NewUUID(), Status: "complete", RequestTimestamp: stamp(now), TotalCount: len(env.Objects)}
	versions := objectVersions(env.Objects)
	failed := map[string]string{}
	for _, s := range res.Skipped {
		if s.ID != "" {
			failed[s.ID] = s.Reason
		}
	}
	for i, ev := range res.Events {
		if c.sg != nil {
			ev.Distribution = misp.Distribution("4")
			ev.SharingGroupID = c.sg.ID
		}
		if err := h.saveEvent(r, ev); err != nil {
			var ae interface{ Status() int }
			if !errors.As(err, &ae) && !isRefusal(err) {
				h.internal(w, r.Request, err)
				return
			}
			for _, id := range res.Sources[i] {
				failed[id] = "the event it belongs to was refused: " + err.Error()
			}
		}
	}
	for _, v := range versions {
		d := StatusDetails{ID: v.id, Version: v.version}
		if why, bad := failed[v.id]; bad {
			d.Message = why
			st.Failures = append(st.Failures, d)
		} else {
			st.Successes = append(st.Successes, d)
		}
	}
	st.SuccessCount, st.FailureCount = len(st.Successes), len(st.Failures)
	h.statuses.put(r.u.ID, st, now)
	writeJSON(w, r.Request, http.StatusAccepted, st)
}

// isRefusal reports whether err is the service refusing one event rather than failing.
func isRefusal(err error) bool {
	var inv *intel.InvalidError
	return errors.As(err, &inv) || errors.Is(err, store.ErrConflict) || errors.Is(err, store.ErrNotFound)
}

// saveEvent adds ev for the user, or applies it as an edit of the stored event of the same uuid; an edit that is
// not newer than the stored event changes nothing and is no failure.
func (h *handler) saveEvent(r *request, ev *misp.Event) error {
	ctx := r.Context()
	_, err := h.svc.AddEvent(ctx, r.u, ev, false)
	var exists *intel.EventExistsError
	if !errors.As(err, &exists) {
		return err
	}
	_, err = h.svc.EditEvent(ctx, r.u, strconv.FormatInt(exists.ID, 10), ev, false)
	if errors.Is(err, store.ErrNotNewer) {
		return nil
	}
	return err
}

type objectVersion struct{ id, version string }

// objectVersions reads the id and version of each object of an envelope.
func objectVersions(objs []json.RawMessage) []objectVersion {
	out := make([]objectVersion, 0, len(objs))
	for i, raw := range objs {
		var m struct {
			ID       string `json:"id"`
			Modified string `json:"modified"`
			Created  string `json:"created"`
		}
		_ = json.Unmarshal(raw, &m)
		if m.ID == "" {
			m.ID = fmt.Sprintf("objects[%d]", i)
		}
		out = append(out, objectVersion{m.ID, cmp.Or(m.Modified, m.Created)})
	}
	return out
}

// clusterMatcher returns the matcher of STIX names to installed galaxy clusters, built on first use and kept:
// galaxies installed later are matched after a restart.
func (h *handler) clusterMatcher(ctx context.Context) (func(string, string) (string, bool), error) {
	h.clusterMu.Lock()
	defer h.clusterMu.Unlock()
	if h.cluster == nil {
		m, err := h.svc.STIXClusterMatcher(ctx)
		if err != nil {
			return nil, err
		}
		h.cluster = m
	}
	return h.cluster, nil
}
