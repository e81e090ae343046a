package mispapi

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"

	"github.com/hunchsec/hunch/intel"
	"github.com/hunchsec/hunch/misp"
)

// feedRoutes registers MISP's FeedsController as PyMISP calls it (index, view, add, edit, delete, enable,
// disable, fetchFromFeed, fetchFromAllFeeds, cacheFeeds, compareFeeds, loadDefaultFeeds), site admins only.
// Fetching and caching run in the background and answer at once, as MISP's background jobs do.
func (h *handler) feedRoutes() {
	get, post := http.MethodGet, http.MethodPost
	h.route("/feeds", func(w http.ResponseWriter, r *http.Request, p Principal) { h.indexFeeds(w, r, p, Args{}) }, get)
	h.routeArgs([]string{"/feeds/index"}, h.indexFeeds, get)
	h.routeArgs([]string{"/feeds/view"}, h.viewFeed, get)
	h.routeArgs([]string{"/feeds/add"}, h.addFeed, post)
	h.routeArgs([]string{"/feeds/edit"}, h.editFeed, post, http.MethodPut)
	h.routeArgs([]string{"/feeds/delete"}, h.deleteFeed, post, http.MethodDelete)
	h.routeArgs([]string{"/feeds/enable"}, func(w http.ResponseWriter, r *http.Request, p Principal, a Args) {
		h.toggleFeed(w, r, p, a, true)
	}, get, post)
	h.routeArgs([]string{"/feeds/disable"}, func(w http.ResponseWriter, r *http.Request, p Principal, a Args) {
		h.toggleFeed(w, r, p, a, false)
	}, get, post)
	h.routeArgs([]string{"/feeds/fetchFromFeed"}, h.fetchFromFeed, get, post)
	h.routeArgs([]string{"/feeds/fetchFromAllFeeds"}, h.fetchFromAllFeeds, get, post)
	h.routeArgs([]string{"/feeds/cacheFeeds"}, h.cacheFeeds, get, post)
	h.routeArgs([]string{"/feeds/compareFeeds"}, h.compareFeeds, get)
	h.routeArgs([]string{"/feeds/loadDefaultFeeds"}, h.loadDefaultFeeds, get, post)
}

// feedOut is a feed as MISP writes it.
type feedOut struct {
	Feed misp.Feed `json:"Feed"`
}

func (h *handler) indexFeeds(w http.ResponseWriter, r *http.Request, p Principal, _ Args) {
	list, err := h.svc.Feeds(r.Context(), p.ACL())
	if err != nil {
		h.writeErr(w, r, err)
		return
	}
	out := make([]feedOut, 0, len(list))
	for _, f := range list {
		out = append(out, feedOut{f})
	}
	writeValue(w, r, out)
}

// feedID reads the numeric id of the path; anything else is MISP's "Invalid feed.".
func feedID(a Args) (int64, error) { return a.ID(intel.MsgInvalidFeed) }

// feedGate refuses who may not manage feeds before anything else is read.
func (h *handler) feedGate(w http.ResponseWriter, r *http.Request, p Principal) bool {
	if err := h.svc.Policy().CanManageFeeds(p.ACL()); err != nil {
		h.writeErr(w, r, err)
		return false
	}
	return true
}

func (h *handler) viewFeed(w http.ResponseWriter, r *http.Request, p Principal, a Args) {
	if !h.feedGate(w, r, p) {
		return
	}
	id, err := feedID(a)
	if err == nil {
		var f *misp.Feed
		if f, err = h.svc.Feed(r.Context(), p.ACL(), id); err == nil {
			writeValue(w, r, feedOut{*f})
			return
		}
	}
	h.writeErr(w, r, err)
}

// feedBody reads {"Feed": {…}} (or the bare object) as the fields given.
func feedBody(r *http.Request, msg string) (map[string]json.RawMessage, error) {
	body, err := readBody(r)
	if err != nil {
		return nil, err
	}
	var m map[string]json.RawMessage
	if body == nil || json.Unmarshal(unwrap(body, "Feed"), &m) != nil {
		return nil, intel.Invalid(msg, "Feed", "The request body must be a JSON object holding the feed.")
	}
	return m, nil
}

func (h *handler) addFeed(w http.ResponseWriter, r *http.Request, p Principal, _ Args) {
	if !h.feedGate(w, r, p) {
		return
	}
	m, err := feedBody(r, intel.MsgCouldNotAddFeed)
	if err != nil {
		h.writeErr(w, r, err)
		return
	}
	raw, _ := json.Marshal(m)
	var f misp.Feed
	if err := json.Unmarshal(raw, &f); err != nil {
		h.writeErr(w, r, intel.Invalid(intel.MsgCouldNotAddFeed, "Feed", "The feed could not be read: "+err.Error()))
		return
	}
	present := map[string]bool{}
	for k := range m {
		present[k] = true
	}
	if err := h.svc.AddFeed(r.Context(), p.ACL(), &f, present); err != nil {
		h.writeErr(w, r, err)
		return
	}
	stored, err := h.svc.Feed(r.Context(), p.ACL(), int64(f.ID))
	if err != nil {
		h.writeErr(w, r, err)
		return
	}
	writeValue(w, r, feedOut{*stored})
}

func (h *handler) editFeed(w http.ResponseWriter, r *http.Request, p Principal, a Args) {
	if !h.feedGate(w, r, p) {
		return
	}
	id, err := feedID(a)
	if err != nil {
		h.writeErr(w, r, err)
		return
	}
	m, err := feedBody(r, intel.MsgCouldNotEditFeed)
	if err != nil {
		h.writeErr(w, r, err)
		return
	}
	f, err := h.svc.EditFeed(r.Context(), p.ACL(), id, m)
	if err != nil {
		h.writeErr(w, r, err)
		return
	}
	writeValue(w, r, feedOut{*f})
}

func (h *handler) deleteFeed(w http.ResponseWriter, r *http.Request, p Principal, a Args) {
	if !h.feedGate(w, r, p) {
		return
	}
	id, err := feedID(a)
	if err == nil {
		err = h.svc.DeleteFeed(r.Context(), p.ACL(), id)
	}
	if err != nil {
		h.writeErr(w, r, err)
		return
	}
	writeSaved(w, r, intel.MsgFeedDeleted, strconv.FormatInt(id, 10))
}

// toggleMessage is MISP's answer to feeds/enable and feeds/disable.
type toggleMessage struct {
	Name    string `json:"name"`
	Message string `json:"message"`
	URL     string `json:"url"`
}

func (h *handler) toggleFeed(w http.ResponseWriter, r *http.Request, p Principal, a Args, enable bool) {
	if !h.feedGate(w, r, p) {
		return
	}
	id, err := feedID(a)
	var msg string
	if err == nil {
		msg, err = h.svc.SetFeedEnabled(r.Context(), p.ACL(), id, enable)
	}
	if err != nil {
		h.writeErr(w, r, err)
		return
	}
	writeValue(w, r, toggleMessage{Name: msg, Message: msg, URL: r.URL.EscapedPath()})
}

// feedResult is MISP's answer to the fetch actions.
type feedResult struct {
	Result string `json:"result"`
}

func (h *handler) fetchFromFeed(w http.ResponseWriter, r *http.Request, p Principal, a Args) {
	if !h.feedGate(w, r, p) {
		return
	}
	id, err := feedID(a)
	var f *misp.Feed
	if err == nil {
		f, err = h.svc.Feed(r.Context(), p.ACL(), id)
	}
	if err != nil {
		h.writeErr(w, r, err)
		return
	}
	if !f.Enabled {
		writeValue(w, r, feedResult{intel.MsgFeedNotEnabled})
		return
	}
	u := p.ACL()
	h.svc.StartFeedJob("fetch feed "+f.Name, func(ctx context.Context) error {
		_, err := h.svc.FetchFeed(ctx, u, id)
		return err
	})
	writeValue(w, r, feedResult{intel.MsgFeedPullQueued})
}

func (h *handler) fetchFromAllFeeds(w http.ResponseWriter, r *http.Request, p Principal, _ Args) {
	if !h.feedGate(w, r, p) {
		return
	}
	u := p.ACL()
	h.svc.StartFeedJob("fetch all feeds", func(ctx context.Context) error {
		_, err := h.svc.FetchFeeds(ctx, u)
		return err
	})
	writeValue(w, r, feedResult{intel.MsgFeedPullQueued})
}

func (h *handler) cacheFeeds(w http.ResponseWriter, r *http.Request, p Principal, a Args) {
	if !h.feedGate(w, r, p) {
		return
	}
	scope := a.Arg(0)
	if scope == "" {
		scope = "freetext"
	}
	if _, err := strconv.ParseInt(scope, 10, 64); err == nil {
		if _, err := h.svc.Feed(r.Context(), p.ACL(), mustID(scope)); err != nil {
			h.writeErr(w, r, err)
			return
		}
	} else if scope != "all" && scope != "freetext" && scope != "misp" && scope != "csv" {
		h.writeErr(w, r, intel.Invalid("Could not cache feeds", "scope", "Invalid scope; use all, freetext, misp or a feed id."))
		return
	}
	u := p.ACL()
	h.svc.StartFeedJob("cache feeds "+scope, func(ctx context.Context) error {
		_, err := h.svc.CacheFeeds(ctx, u, scope)
		return err
	})
	writeSaved(w, r, intel.MsgFeedCachingStarted, "")
}

func mustID(s string) int64 {
	n, _ := strconv.ParseInt(s, 10, 64)
	return n
}

func (h *handler) compareFeeds(w http.ResponseWriter, r *http.Request, p Principal, _ Args) {
	out, err := h.svc.CompareFeeds(r.Context(), p.ACL())
	if err != nil {
		h.writeErr(w, r, err)
		return
	}
	writeValue(w, r, out)
}

func (h *handler) loadDefaultFeeds(w http.ResponseWriter, r *http.Request, p Principal, _ Args) {
	if _, err := h.svc.LoadDefaultFeeds(r.Context(), p.ACL()); err != nil {
		h.writeErr(w, r, err)
		return
	}
	writeSaved(w, r, intel.MsgDefaultFeedsLoaded, "")
}
