package mispapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/hunchsec/hunch/intel/acl"
	"github.com/hunchsec/hunch/misp"
	"github.com/hunchsec/hunch/server"
	"github.com/hunchsec/hunch/store"
)

// MsgInvalidJSON is MISP's answer (405) to a request body that is not JSON.
const MsgInvalidJSON = "Invalid JSON input. Make sure that the JSON input is a correctly formatted JSON string. " +
	"This request has been blocked to avoid an unfiltered request."

// Args are a request's CakePHP-style path arguments after the action: positional ones in order ("12" in
// /events/view/12) and named ones ("metadata:1" in /events/add/metadata:1). A ".json" suffix on the last
// segment is dropped, as MISP drops it.
type Args struct {
	Positional []string
	Named      map[string]string
}

// Arg returns positional argument i, or "" when there are fewer.
func (a Args) Arg(i int) string {
	if i < len(a.Positional) {
		return a.Positional[i]
	}
	return ""
}

// ID reads the first positional argument as a positive numeric id; anything else is a not-found refusal with
// MISP's message for the controller (acl.NotFound(invalid)).
func (a Args) ID(invalid string) (int64, error) {
	id, err := strconv.ParseInt(a.Arg(0), 10, 64)
	if err != nil || id <= 0 {
		return 0, acl.NotFound(invalid)
	}
	return id, nil
}

// Flag reports whether named argument name is set to a true value ("1", "true").
func (a Args) Flag(name string) bool {
	v := strings.ToLower(a.Named[name])
	return v == "1" || v == "true"
}

// Handler is a route's function: the request, its authenticated principal and its path arguments.
type Handler func(w http.ResponseWriter, r *http.Request, p Principal, a Args)

// routeArgs registers fn for each base path (aliases, e.g. snake_case and camelCase controller names) with any
// number of path arguments after it, under methods (GET includes HEAD), with MISP's 405 for other methods.
func (h *handler) routeArgs(bases []string, fn Handler, methods ...string) {
	wrapped := func(w http.ResponseWriter, r *http.Request, p Principal) {
		fn(w, r, p, parseArgs(r.PathValue("args")))
	}
	for _, b := range bases {
		h.route(b, wrapped, methods...)
		h.route(b+".json", wrapped, methods...)
		h.route(b+"/{args...}", wrapped, methods...)
	}
}

// parseArgs splits the rest of a path into positional and named arguments.
func parseArgs(rest string) Args {
	a := Args{Named: map[string]string{}}
	if rest == "" {
		return a
	}
	segs := strings.Split(rest, "/")
	if last := len(segs) - 1; strings.HasSuffix(segs[last], ".json") {
		segs[last] = strings.TrimSuffix(segs[last], ".json")
	}
	for _, s := range segs {
		if s == "" {
			continue
		}
		if k, v, ok := strings.Cut(s, ":"); ok && k != "" && !strings.ContainsAny(k, ".-") {
			a.Named[k] = v
			continue
		}
		a.Positional = append(a.Positional, s)
	}
	return a
}

// Ref is a reference to a row from a path or body: a numeric id or a uuid.
type Ref struct {
	ID   int64
	UUID string
}

// IsZero reports whether r names nothing.
func (r Ref) IsZero() bool { return r.ID == 0 && r.UUID == "" }

// String renders r as it was given.
func (r Ref) String() string {
	if r.UUID != "" {
		return r.UUID
	}
	return strconv.FormatInt(r.ID, 10)
}

// ParseRef reads an id or a uuid; ok is false for anything else (MISP answers those as not found).
func ParseRef(s string) (Ref, bool) {
	s = strings.TrimSpace(s)
	if misp.ValidUUID(s) {
		return Ref{UUID: strings.ToLower(s)}, true
	}
	id, err := strconv.ParseInt(s, 10, 64)
	if err != nil || id <= 0 {
		return Ref{}, false
	}
	return Ref{ID: id}, true
}

// readBody reads the request body. An empty body is nil. A body that is not JSON is MISP's 405 MsgInvalidJSON;
// a body over the size limit is answered 413 by writeErr.
func readBody(r *http.Request) ([]byte, error) {
	if r.Body == nil || r.Body == http.NoBody {
		return nil, nil
	}
	b, err := io.ReadAll(r.Body)
	if err != nil {
		if server.IsBodyTooLarge(err) {
			return nil, err
		}
		var ae *apiError
		if errors.As(err, &ae) {
			return nil, err
		}
		return nil, badRequest("Could not read the request body.")
	}
	b = bytes.TrimSpace(b)
	if len(b) == 0 {
		return nil, nil
	}
	if !json.Valid(b) {
		return nil, &apiError{status: http.StatusMethodNotAllowed, message: MsgInvalidJSON}
	}
	return b, nil
}

// unwrap strips MISP's optional wrappers from a request body: the legacy {"request": …} and {"response": …}, then
// the entity key (e.g. {"Event": …}) when the object holds it. Anything else is returned as it is.
func unwrap(body []byte, key string) []byte {
	for _, k := range []string{"request", "response", key} {
		if k == "" {
			continue
		}
		var m map[string]json.RawMessage
		if json.Unmarshal(body, &m) != nil {
			return body
		}
		if v, ok := m[k]; ok && len(m) == 1 && len(v) > 0 && (v[0] == '{' || v[0] == '[') {
			body = v
		}
	}
	return body
}

// saved is MISP's success reply to an action (RestResponse::saveSuccessResponse and friends).
type saved struct {
	Saved   bool   `json:"saved"`
	Success bool   `json:"success"`
	Name    string `json:"name"`
	Message string `json:"message"`
	URL     string `json:"url"`
	ID      string `json:"id,omitempty"`
}

// writeSaved answers 200 with MISP's success message for the request's path, and the id acted on ("" for none).
func writeSaved(w http.ResponseWriter, r *http.Request, message, id string) {
	writeValue(w, r, saved{Saved: true, Success: true, Name: message, Message: message, URL: r.URL.EscapedPath(), ID: id})
}

// saveFailed is MISP's reply to a refused save (RestResponse::saveFailResponse): 403 with the reason in errors.
type saveFailed struct {
	Saved   bool   `json:"saved"`
	Name    string `json:"name"`
	Message string `json:"message"`
	URL     string `json:"url"`
	Errors  any    `json:"errors"`
}

// writeSaveFailed answers status (MISP uses 403) with message and the errors field.
func writeSaveFailed(w http.ResponseWriter, r *http.Request, status int, message string, errs any) {
	writeValueStatus(w, r, status, saveFailed{Name: message, Message: message, URL: r.URL.EscapedPath(), Errors: errs})
}

// writeValue answers 200 with v encoded as JSON (HTML characters not escaped, as PHP's json_encode with MISP's
// flags).
func writeValue(w http.ResponseWriter, r *http.Request, v any) {
	writeValueStatus(w, r, http.StatusOK, v)
}

func writeValueStatus(w http.ResponseWriter, r *http.Request, status int, v any) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		server.WriteError(w, r, http.StatusInternalServerError, msgInternal)
		return
	}
	body := bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
	hd := w.Header()
	hd.Set("Content-Type", "application/json; charset=UTF-8")
	hd.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	if r.Method != http.MethodHead {
		_, _ = w.Write(body)
	}
}

// notFound is a 404 refusal with MISP's message.
func notFound(msg string) *apiError { return &apiError{status: http.StatusNotFound, message: msg} }

// forbidden is a 403 refusal with MISP's message.
func forbidden(msg string) *apiError { return &apiError{status: http.StatusForbidden, message: msg} }

// storeErr maps a store error about the row what to the answer MISP gives: a missing row is 404 notFoundMsg, a
// conflict 403 with the error's message; anything else is returned unchanged (answered 500).
func storeErr(err error, notFoundMsg string) error {
	var dup *store.DuplicateAttributeError
	var nn *store.NotNewerError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &dup):
		return forbidden(dup.Error())
	case errors.As(err, &nn):
		return forbidden(nn.Error())
	case errors.Is(err, store.ErrNotFound):
		return notFound(notFoundMsg)
	case errors.Is(err, acl.ErrUnauthenticated), errors.As(err, new(*acl.Error)), errors.As(err, new(*apiError)):
		return err
	}
	return fmt.Errorf("%s: %w", strings.ToLower(strings.TrimSuffix(notFoundMsg, ".")), err)
}
