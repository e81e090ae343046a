package mispapi

import (
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"strings"

	"github.com/hunchsec/hunch/intel"
	"github.com/hunchsec/hunch/server"
)

// msgInvalidFormat is MISP's answer (404) to a returnFormat it does not know.
const msgInvalidFormat = "Invalid output format."

// searchRoutes registers events/restSearch and attributes/restSearch: a JSON body of filters (or none, with GET),
// or MISP's legacy positional URL form (/attributes/restSearch/json/<value>/<type>/…).
func (h *handler) searchRoutes() {
	read := []string{http.MethodGet, http.MethodPost}
	h.routeArgs([]string{"/events/restSearch", "/events/restsearch"}, h.restSearch(intel.ScopeEvents), read...)
	h.routeArgs([]string{"/attributes/restSearch", "/attributes/restsearch"}, h.restSearch(intel.ScopeAttributes), read...)
}

// Positional parameters of the legacy URL forms, in order (EventsController::restSearch and
// AttributesController::restSearch).
var (
	eventSearchArgs = []string{"returnFormat", "value", "type", "category", "org", "tags", "searchall", "from", "to",
		"last", "eventid", "withAttachments", "metadata", "uuid", "publish_timestamp", "timestamp", "published",
		"enforceWarninglist", "sgReferenceOnly", "eventinfo", "excludeLocalTags", "threat_level_id"}
	attributeSearchArgs = []string{"returnFormat", "value", "type", "category", "org", "tags", "from", "to", "last",
		"eventid", "withAttachments", "uuid", "publish_timestamp", "published", "timestamp", "enforceWarninglist",
		"to_ids", "deleted", "includeEventUuid", "event_timestamp", "threat_level_id"}
)

// restSearch answers a restSearch of scope: the X-Result-Count header (every match, ignoring limit and page),
// then the result in the requested format, streamed as the store reads it.
func (h *handler) restSearch(scope intel.Scope) Handler {
	return func(w http.ResponseWriter, r *http.Request, p Principal, a Args) {
		body, err := readBody(r)
		if err != nil {
			h.writeErr(w, r, err)
			return
		}
		if len(a.Positional) > 0 {
			names := attributeSearchArgs
			if scope == intel.ScopeEvents {
				names = eventSearchArgs
			}
			if body, err = withURLParams(body, names, a.Positional); err != nil {
				h.writeErr(w, r, err)
				return
			}
		}
		q, err := intel.ParseSearch(body)
		if err != nil {
			h.writeErr(w, r, searchErr(err))
			return
		}
		u := p.ACL()
		n, err := h.svc.CountSearch(r.Context(), u, scope, q)
		if err != nil {
			h.writeErr(w, r, searchErr(err))
			return
		}
		format := q.Format
		if format == "" {
			format = intel.FormatJSON
		}
		hd := w.Header()
		hd.Set("Content-Type", format.ContentType())
		hd.Set("X-Result-Count", strconv.FormatInt(n, 10))
		hd.Set("X-Response-Format", string(format))
		if r.Method == http.MethodHead {
			w.WriteHeader(http.StatusOK)
			return
		}
		sw := &startWriter{w: w}
		if err := h.svc.Export(r.Context(), u, scope, q, sw); err != nil {
			if !sw.started {
				hd.Del("X-Result-Count")
				hd.Del("X-Response-Format")
				h.writeErr(w, r, searchErr(err))
				return
			}
			// The status is sent and part of the body with it: all that is left is to cut the answer short,
			// so that the client sees a broken reply rather than a complete-looking one.
			h.log.LogAttrs(r.Context(), slog.LevelError, "mispapi restSearch failed while streaming",
				slog.String("request_id", server.RequestID(r.Context())),
				slog.String("path", r.URL.Path),
				slog.String("error", err.Error()))
			panic(http.ErrAbortHandler)
		}
		if !sw.started {
			w.WriteHeader(http.StatusOK)
		}
	}
}

// startWriter sends the status with the first bytes written, so that an export failing before it writes
// anything can still be answered with an error.
type startWriter struct {
	w       http.ResponseWriter
	started bool
}

func (s *startWriter) Write(b []byte) (int, error) {
	if !s.started {
		s.started = true
		s.w.WriteHeader(http.StatusOK)
	}
	n, err := s.w.Write(b)
	if f, ok := s.w.(http.Flusher); ok && err == nil {
		f.Flush()
	}
	return n, err
}

// searchErr maps the search's refusals to MISP's answers: an unknown format is 404 "Invalid output format.", a
// format hunch does not write 400 naming it, a filter it cannot read 400 naming the filter.
func searchErr(err error) error {
	var fe *intel.FormatError
	var se *intel.SearchError
	switch {
	case errors.As(err, &fe) && fe.Known:
		return badRequest("Return format " + fe.Format + " is not supported by this server: use " + intel.FormatNames() + ".")
	case errors.As(err, &fe):
		return notFound(msgInvalidFormat)
	case errors.As(err, &se) && se.Param != "":
		return badRequest("Invalid filter " + se.Param + ": " + se.Reason + ".")
	case errors.As(err, &se):
		return badRequest("Invalid restSearch request: " + se.Reason + ".")
	}
	return err
}

// withURLParams adds the legacy positional parameters to body's filters where the body does not give them.
// "false", "null" and "" mean "not given"; "a||b" is a list and "a&&b" an AND, with "!" marking NOT.
func withURLParams(body []byte, names, values []string) ([]byte, error) {
	params := map[string]json.RawMessage{}
	if len(body) > 0 {
		if err := json.Unmarshal(body, &params); err != nil {
			return nil, badRequest("Invalid restSearch request: the body is not a JSON object.")
		}
	}
	for i, v := range values {
		if i >= len(names) {
			break
		}
		if _, ok := params[names[i]]; ok || v == "" || v == "false" || v == "null" {
			continue
		}
		var val any = v
		switch {
		case strings.Contains(v, "&&"):
			val = map[string][]string{"AND": strings.Split(v, "&&")}
		case strings.Contains(v, "||"):
			val = strings.Split(v, "||")
		}
		b, err := json.Marshal(val)
		if err != nil {
			return nil, err
		}
		params[names[i]] = b
	}
	return json.Marshal(params)
}
