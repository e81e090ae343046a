// Package mispapi serves hunch's intel store through MISP's REST API, as the real PyMISP client
// and MISP's own synchronisation speak it: API keys in the Authorization (or X-MISP-AUTH)
// header, JSON bodies, MISP's paths with an optional .json suffix, and MISP's error shape
// {"name", "message", "url"} with MISP's status codes and messages, verbatim.
//
// What is served so far is the handshake PyMISP makes when it connects: servers/getVersion,
// users/view/me and attributes/describeTypes.json. Every other path is answered as MISP answers
// an unknown controller, 404 "Not Found", after authentication.
//
// Two details follow MISP rather than common HTTP practice: a missing, malformed, unknown or
// expired key is answered 403, not 401 (MISP's AppController throws ForbiddenException), and
// "Authorization: Bearer <key>" is not a key (MISP takes the header's value, or each of its
// comma-separated parts, as the key itself). Where MISP takes any method on a path, hunch takes
// the ones clients use and answers the others 405 with an Allow header.
package mispapi

import (
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"

	"github.com/hunchsec/hunch/intel"
	"github.com/hunchsec/hunch/intel/acl"
	"github.com/hunchsec/hunch/misp"
	"github.com/hunchsec/hunch/server"
)

// Version is the MISP version hunch answers servers/getVersion with, and the PyMISP version it
// recommends: the MISP release whose API hunch follows.
const Version = "2.5.1"

// MaxKeysPerRequest bounds how many comma-separated keys of one Authorization header are tried,
// so that a header full of keys cannot buy many bcrypt checks.
const MaxKeysPerRequest = 4

// DefaultMaxDecodedBodyBytes bounds a request body after gzip decoding when Deps leaves it zero.
const DefaultMaxDecodedBodyBytes = 32 << 20

// msgInternal is CakePHP's message for every 500 outside debug mode.
const msgInternal = "An Internal Error Has Occurred."

// Deps are what the handler needs.
type Deps struct {
	// Intel is the intel service the API serves. Without it only the handshake paths (getVersion, users/view/me,
	// describeTypes) are served, and every other path is unknown (404).
	Intel *intel.Service
	// Auth resolves API keys; when nil, keys are looked up in Intel's store (StoreKeyLookup) through a
	// KeyAuthenticator. One of Auth and Intel is required.
	Auth Authenticator
	// Logger receives the errors the handler answers 500 for; nil discards them.
	Logger *slog.Logger
	// InstanceUUID is this instance's uuid, shown to sync users by servers/getVersion as MISP
	// shows MISP.uuid; others see "-".
	InstanceUUID string
	// MaxDecodedBodyBytes bounds a gzip-encoded request body once decoded; zero means
	// DefaultMaxDecodedBodyBytes.
	MaxDecodedBodyBytes int64
}

type handler struct {
	svc  *intel.Service // nil without Deps.Intel
	deps Deps
	log  *slog.Logger
	mux  *http.ServeMux
}

type principalKey struct{}

// New returns the MISP-compatible API handler. It panics when both d.Auth and d.Intel are nil,
// which is a programming error.
func New(d Deps) http.Handler {
	if d.Auth == nil && d.Intel == nil {
		panic("mispapi: Deps.Auth and Deps.Intel are both nil")
	}
	if d.Auth == nil {
		d.Auth = NewKeyAuthenticator(StoreKeyLookup(d.Intel), acl.NewKeyChecker(DefaultKeyCacheTTL, DefaultKeyCacheSize, nil), nil)
	}
	if d.MaxDecodedBodyBytes <= 0 {
		d.MaxDecodedBodyBytes = DefaultMaxDecodedBodyBytes
	}
	h := &handler{deps: d, log: d.Logger, mux: http.NewServeMux()}
	if h.log == nil {
		h.log = slog.New(slog.DiscardHandler)
	}
	read := []string{http.MethodGet, http.MethodPost}
	for _, p := range []string{"/servers/getVersion", "/servers/getVersion.json"} {
		h.route(p, h.getVersion, read...)
	}
	h.route("/users/view/{id}", h.viewUser, read...)
	for _, p := range []string{"/attributes/describeTypes", "/attributes/describeTypes.json"} {
		h.route(p, h.describeTypes, read...)
	}
	if d.Intel != nil {
		h.svc = d.Intel
		// One registration per group of MISP controllers, each in its own file.
		h.eventRoutes()
		h.attributeRoutes()
		h.searchRoutes()
		h.objectRoutes()
		h.sightingRoutes()
		h.tagRoutes()
		h.taxonomyRoutes()
		h.adminRoutes()
		h.warninglistRoutes()
		h.serverRoutes()
		h.feedRoutes()
	}
	h.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		// MISP's answer to an unknown controller or action (MissingControllerException outside
		// debug mode).
		server.WriteError(w, r, http.StatusNotFound, "Not Found")
	})
	return h
}

// route registers fn for path under each method (GET includes HEAD), and MISP's 405 for the
// others.
func (h *handler) route(path string, fn func(http.ResponseWriter, *http.Request, Principal), methods ...string) {
	wrapped := func(w http.ResponseWriter, r *http.Request) {
		fn(w, r, r.Context().Value(principalKey{}).(Principal))
	}
	allow := make([]string, 0, len(methods)+1)
	for _, m := range methods {
		h.mux.HandleFunc(m+" "+path, wrapped)
		allow = append(allow, m)
		if m == http.MethodGet {
			allow = append(allow, http.MethodHead)
		}
	}
	msg := "This function can only be accessed via " + strings.Join(methods, " or ") + " requests."
	allowHeader := strings.Join(allow, ", ")
	h.mux.HandleFunc(path, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Allow", allowHeader)
		server.WriteError(w, r, http.StatusMethodNotAllowed, msg)
	})
}

// ServeHTTP authenticates every request, then routes it.
func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p, err := h.authenticate(r)
	if err != nil {
		h.writeErr(w, r, err)
		return
	}
	server.SetUserID(r.Context(), int64(p.User.ID))
	if !p.KeyExpiration.IsZero() {
		// As MISP, for automation that renews keys before they lapse (PHP's date('c')).
		w.Header().Set("X-Auth-Key-Expiration", p.KeyExpiration.Format("2006-01-02T15:04:05-07:00"))
	}
	if err := h.decodeBody(r); err != nil {
		h.writeErr(w, r, err)
		return
	}
	h.mux.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), principalKey{}, p)))
}

// authenticate reads the key as MISP's AppController does: X-MISP-AUTH when present, else
// Authorization; a value starting with "Basic" is not a key; several keys may be given,
// separated by commas, and the first that belongs to a user decides.
func (h *handler) authenticate(r *http.Request) (Principal, error) {
	header := r.Header.Get("X-MISP-AUTH")
	if header == "" {
		header = r.Header.Get("Authorization")
	}
	if header == "" || len(header) >= 5 && strings.EqualFold(header[:5], "Basic") {
		return Principal{}, ErrBadKey
	}
	tried := 0
	for part := range strings.SplitSeq(header, ",") {
		key := strings.TrimSpace(part)
		if !acl.ValidKey(key) {
			continue
		}
		if tried == MaxKeysPerRequest {
			break
		}
		tried++
		p, err := h.deps.Auth.Authenticate(r.Context(), key)
		if err == nil || !errors.Is(err, ErrBadKey) {
			return p, err
		}
	}
	return Principal{}, ErrBadKey
}

// decodeBody replaces a gzip-encoded body by its decoding, as MISP's CompressedRequestHandler
// does, with MISP's 400 answers for what it cannot decode. The decoded size is bounded by
// MaxDecodedBodyBytes: reading past it fails with *http.MaxBytesError, as the server's own limit
// on the encoded size does. MISP also takes brotli when PHP has it; hunch answers it as MISP
// without the extension does.
func (h *handler) decodeBody(r *http.Request) error {
	switch enc := r.Header.Get("Content-Encoding"); enc {
	case "":
		return nil
	case "gzip":
	case "br":
		return badRequest("This server doesn't support brotli compressed requests.")
	default:
		return badRequest("Unsupported content encoding '" + enc + "'.")
	}
	if r.Body == nil || r.Body == http.NoBody || r.ContentLength == 0 {
		return badRequest("Request data should be gzip encoded, but request is empty.")
	}
	zr, err := gzip.NewReader(r.Body)
	if err != nil {
		if server.IsBodyTooLarge(err) {
			return err
		}
		return badRequest(msgInvalidCompressed)
	}
	r.Body = &decodedBody{zr: zr, orig: r.Body, left: h.deps.MaxDecodedBodyBytes, limit: h.deps.MaxDecodedBodyBytes}
	r.Header.Del("Content-Encoding")
	r.ContentLength = -1
	return nil
}

const msgInvalidCompressed = "Invalid compressed data."

func badRequest(msg string) *apiError { return &apiError{status: http.StatusBadRequest, message: msg} }

// decodedBody is a gzip-decoded request body with a limit on its decoded size. Corrupt data
// reads as a 400 apiError, so that a handler answers it as MISP does.
type decodedBody struct {
	zr          *gzip.Reader
	orig        io.ReadCloser
	left, limit int64
}

func (b *decodedBody) Read(p []byte) (int, error) {
	if b.left <= 0 {
		var one [1]byte
		n, err := b.zr.Read(one[:])
		if n > 0 {
			return 0, &http.MaxBytesError{Limit: b.limit}
		}
		return 0, b.wrap(err)
	}
	if int64(len(p)) > b.left {
		p = p[:b.left]
	}
	n, err := b.zr.Read(p)
	b.left -= int64(n)
	return n, b.wrap(err)
}

func (b *decodedBody) wrap(err error) error {
	if err == nil || err == io.EOF || server.IsBodyTooLarge(err) {
		return err
	}
	return badRequest(msgInvalidCompressed)
}

func (b *decodedBody) Close() error {
	return errors.Join(b.zr.Close(), b.orig.Close())
}

// apiError is a refusal this package makes itself, with its status and MISP's message.
type apiError struct {
	status  int
	message string
}

func (e *apiError) Error() string {
	return "mispapi: " + strings.ToLower(e.message[:1]) + e.message[1:]
}

// writeErr answers err in MISP's shape: refusals with their status and message, anything else
// with CakePHP's 500 (and a log line with the cause, which the client does not see).
func (h *handler) writeErr(w http.ResponseWriter, r *http.Request, err error) {
	var ae *apiError
	var aclErr *acl.Error
	var tooLarge *http.MaxBytesError
	var invalid *intel.InvalidError
	switch {
	case errors.As(err, &invalid):
		writeSaveFailed(w, r, http.StatusForbidden, invalid.Message, invalid.Fields)
	case errors.As(err, &ae):
		server.WriteError(w, r, ae.status, ae.message)
	case errors.As(err, &aclErr) && aclErr.Detail() != "":
		writeSaveFailed(w, r, aclErr.Status(), aclErr.Message(), aclErr.Detail())
	case errors.As(err, &aclErr):
		server.WriteError(w, r, aclErr.Status(), aclErr.Message())
	case errors.Is(err, acl.ErrUnauthenticated):
		server.WriteError(w, r, http.StatusForbidden, authMessage(err))
	case errors.As(err, &tooLarge):
		server.WriteError(w, r, http.StatusRequestEntityTooLarge,
			fmt.Sprintf("Request body too large: the limit is %d bytes.", tooLarge.Limit))
	default:
		h.log.LogAttrs(r.Context(), slog.LevelError, "mispapi request failed",
			slog.String("request_id", server.RequestID(r.Context())),
			slog.String("path", r.URL.Path),
			slog.String("error", err.Error()))
		server.WriteError(w, r, http.StatusInternalServerError, msgInternal)
	}
}

// writeJSON answers 200 with a JSON body (only its length to HEAD).
func writeJSON(w http.ResponseWriter, r *http.Request, body []byte) {
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=UTF-8")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		_, _ = w.Write(body)
	}
}

// getVersion answers servers/getVersion as MISP's ServersController does, with the permissions
// of the request's key (a read-only key has lost them).
func (h *handler) getVersion(w http.ResponseWriter, r *http.Request, p Principal) {
	role := p.ACL().EffectiveRole()
	uuid := "-"
	if role.PermSync && h.deps.InstanceUUID != "" {
		uuid = h.deps.InstanceUUID
	}
	body, err := json.Marshal(struct {
		Version                  string   `json:"version"`
		PyMISPRecommendedVersion string   `json:"pymisp_recommended_version"`
		PermSync                 bool     `json:"perm_sync"`
		PermSighting             bool     `json:"perm_sighting"`
		PermGalaxyEditor         bool     `json:"perm_galaxy_editor"`
		PermAnalystData          bool     `json:"perm_analyst_data"`
		UUID                     string   `json:"uuid"`
		RequestEncoding          []string `json:"request_encoding"`
		FilterSightings          bool     `json:"filter_sightings"`
	}{
		Version:                  Version,
		PyMISPRecommendedVersion: Version,
		PermSync:                 role.PermSync,
		PermSighting:             role.PermSighting,
		PermGalaxyEditor:         role.PermGalaxyEditor,
		PermAnalystData:          role.PermAnalystData,
		UUID:                     uuid,
		RequestEncoding:          []string{"gzip"},
		FilterSightings:          true,
	})
	if err != nil {
		h.writeErr(w, r, fmt.Errorf("encode version: %w", err))
		return
	}
	writeJSON(w, r, body)
}

// msgInvalidUserOrNotAuthorised is users/view's answer for another user's id.
const msgInvalidUserOrNotAuthorised = "Invalid user or not authorised."

// viewUser answers users/view/me (and the caller's own id) with {User, Role, UserSetting,
// Organisation}, which PyMISP reads at connect time: it needs Role, and a UserSetting it can
// iterate. Other users' ids are answered by viewOtherUser.
func (h *handler) viewUser(w http.ResponseWriter, r *http.Request, p Principal) {
	id := strings.TrimSuffix(r.PathValue("id"), ".json")
	if id != "me" && id != strconv.FormatInt(int64(p.User.ID), 10) {
		// Other users are for site admins and, for their organisation's users, org admins (admins.go).
		h.viewOtherUser(w, r, p, id)
		return
	}
	u := p.User
	if u.Role != nil {
		role := u.Role.WithPermission()
		u.Role = &role
	}
	if u.Settings == nil {
		u.Settings = map[string]json.RawMessage{}
	}
	u.Authkey, u.Password = "", ""
	body, err := misp.EncodeUser(&u)
	if err != nil {
		h.writeErr(w, r, fmt.Errorf("encode user %d: %w", u.ID, err))
		return
	}
	writeJSON(w, r, body)
}

// describeTypes answers attributes/describeTypes.json with the category/type matrix.
func (h *handler) describeTypes(w http.ResponseWriter, r *http.Request, _ Principal) {
	writeJSON(w, r, misp.DescribeTypesJSON())
}
