// Package taxii serves hunch's intel store as a TAXII 2.1 server (OASIS TAXII Version 2.1): a discovery resource
// at /taxii2/, one API root at /taxii2/api/, its collections, their objects (paged, with added_after and the match
// filters), manifests, object versions, and adding objects (a STIX bundle becomes a MISP event) with the status
// resource.
//
// Collections. Every user sees the collection "published" (id PublishedCollectionID(instance uuid)): every
// published event the user may read. For each sharing group the user's organisation belongs to, it also sees
// that group's collection (id: the sharing group's uuid): the published events shared with the group
// (distribution 4). Objects added to a collection become an event of the adding user's organisation, shared with
// the sharing group for a sharing-group collection, with the instance's default distribution otherwise; only
// users whose role may add events may write (can_write).
//
// Objects. An event is written by the same STIX 2.1 writer as the stix2 export (package stix): its objects are the
// collection's objects, all with the event's date_added — the later of its last change and its last publication,
// with microsecond precision — and each object's version its modified (created for objects without one, the
// date_added for cyber-observables). Objects come in (date_added, event id, position) order; the `next` token is
// that position, so paging stays stable while events are added (they come after it) or edited (an edited event
// moves to the end, as a newer version). Objects shared by several events (the creator's identity, TLP marking
// definitions, galaxy clusters) are served with each event that carries them, each time with the version that
// event gives them; match[version] picks among the versions one event holds.
//
// Authentication: the MISP API's keys, in the Authorization header as the MISP API takes them, or as the password
// of HTTP Basic authentication (what TAXII clients send; the user name is ignored). A request without a key that
// is accepted is answered 401 with a Basic challenge. Reads and writes are decided by intel/acl through the
// intel service.
//
// Status resources of add-objects requests are kept in memory (Deps.MaxStatuses of them, each for
// Deps.StatusTTL); requests are processed before the answer, so a status is always "complete".
package taxii

import (
	"bytes"
	"context"
	"crypto/sha1"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/hunchsec/hunch/taxii"

	"github.com/hunchsec/hunch/intel"
	"github.com/hunchsec/hunch/intel/acl"
	"github.com/hunchsec/hunch/server/mispapi"
)

// Media types of TAXII 2.1 and STIX 2.1.
const (
	MediaTAXII = "application/taxii+json;version=2.1"
	MediaSTIX  = "application/stix+json;version=2.1"
)

// Defaults of the limits Deps leaves zero.
const (
	// DefaultPageSize is how many objects a page holds when the client gives no limit.
	DefaultPageSize = 100
	// DefaultMaxPageSize caps the limit a client asks for.
	DefaultMaxPageSize = 1000
	// DefaultMaxBodyBytes bounds an add-objects request body (the API root's max_content_length).
	DefaultMaxBodyBytes = 32 << 20
	// DefaultStatusTTL is how long the status of an add-objects request is kept.
	DefaultStatusTTL = 24 * time.Hour
	// DefaultMaxStatuses bounds how many statuses are kept; the oldest go first.
	DefaultMaxStatuses = 10000
)

// Prefix is the path the handler answers under; APIRoot the path of its one API root.
const (
	Prefix  = "/taxii2/"
	APIRoot = Prefix + "api/"
)

// Deps are what the handler needs.
type Deps struct {
	// Intel is the intel service served. Required.
	Intel *intel.Service
	// Auth resolves API keys; nil means keys of Intel's store, as the MISP API checks them.
	Auth mispapi.Authenticator
	// InstanceUUID is the instance's uuid, from which the id of the published-events collection is derived.
	InstanceUUID string
	// Title names the server in the discovery resource; "" means "hunch".
	Title string
	// Logger receives the errors answered 500; nil discards them.
	Logger *slog.Logger
	// PageSize, MaxPageSize, MaxBodyBytes, StatusTTL and MaxStatuses are the limits; zero means the Default….
	PageSize, MaxPageSize int
	MaxBodyBytes          int64
	StatusTTL             time.Duration
	MaxStatuses           int
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

type handler struct {
	d        Deps
	svc      *intel.Service
	log      *slog.Logger
	mux      *http.ServeMux
	allowed  map[string]string // methods by path, for 405's Allow
	statuses *statusStore

	clusterMu sync.Mutex
	cluster   func(stixType, name string) (string, bool)
}

// New returns the TAXII 2.1 handler, to be mounted at Prefix. It panics without d.Intel, a programming error.
func New(d Deps) http.Handler {
	if d.Intel == nil {
		panic("taxii: Deps.Intel is nil")
	}
	if d.Auth == nil {
		d.Auth = mispapi.NewKeyAuthenticator(mispapi.StoreKeyLookup(d.Intel),
			acl.NewKeyChecker(mispapi.DefaultKeyCacheTTL, mispapi.DefaultKeyCacheSize, nil), nil)
	}
	if d.PageSize <= 0 {
		d.PageSize = DefaultPageSize
	}
	if d.MaxPageSize <= 0 {
		d.MaxPageSize = DefaultMaxPageSize
	}
	d.PageSize = min(d.PageSize, d.MaxPageSize)
	if d.MaxBodyBytes <= 0 {
		d.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if d.StatusTTL <= 0 {
		d.StatusTTL = DefaultStatusTTL
	}
	if d.MaxStatuses <= 0 {
		d.MaxStatuses = DefaultMaxStatuses
	}
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.Title == "" {
		d.Title = "hunch"
	}
	h := &handler{d: d, svc: d.Intel, log: d.Logger, mux: http.NewServeMux(), allowed: map[string]string{},
		statuses: &statusStore{ttl: d.StatusTTL, max: d.MaxStatuses, byID: map[string]*statusEntry{}}}
	if h.log == nil {
		h.log = slog.New(slog.DiscardHandler)
	}
	h.route("GET", Prefix, h.discovery)
	h.route("GET", APIRoot, h.apiRoot)
	h.route("GET", APIRoot+"status/{status}/", h.status)
	h.route("GET", APIRoot+"collections/", h.collections)
	h.route("GET", APIRoot+"collections/{collection}/", h.collection)
	h.route("GET", APIRoot+"collections/{collection}/objects/", h.getObjects)
	h.route("POST", APIRoot+"collections/{collection}/objects/", h.addObjects)
	h.route("GET", APIRoot+"collections/{collection}/objects/{object}/", h.getObject)
	h.route("GET", APIRoot+"collections/{collection}/objects/{object}/versions/", h.versions)
	h.route("GET", APIRoot+"collections/{collection}/manifest/", h.manifest)
	h.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, r, http.StatusNotFound, "Not found", "no TAXII resource at "+r.URL.Path)
	})
	return h
}

// request is an authenticated request.
type request struct {
	*http.Request
	p mispapi.Principal
	u acl.User
}

// route registers fn for method on the exact path (GET includes HEAD), and a 405 for other methods once per path.
func (h *handler) route(method, path string, fn func(http.ResponseWriter, *request)) {
	h.mux.HandleFunc(method+" "+path+"{$}", func(w http.ResponseWriter, r *http.Request) {
		p := r.Context().Value(principalKey{}).(mispapi.Principal)
		fn(w, &request{Request: r, p: p, u: p.ACL()})
	})
	if h.allowed[path] == "" {
		h.mux.HandleFunc(path+"{$}", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Allow", h.allowed[path])
			writeError(w, r, http.StatusMethodNotAllowed, "Method not allowed", r.Method+" is not allowed on "+r.URL.Path)
		})
	}
	allow := method
	if method == http.MethodGet {
		allow += ", HEAD"
	}
	if h.allowed[path] != "" {
		allow = h.allowed[path] + ", " + allow
	}
	h.allowed[path] = allow
}

type principalKey struct{}

// ServeHTTP checks the Accept header, authenticates, then routes.
func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !acceptsTAXII(r.Header.Values("Accept")) {
		writeError(w, r, http.StatusNotAcceptable, "Not acceptable",
			"this server answers "+MediaTAXII+" only; the Accept header does not take it")
		return
	}
	key, ok := requestKey(r)
	if !ok {
		challenge(w, r, "an API key is needed: as the Authorization header, or as the password of HTTP Basic authentication")
		return
	}
	p, err := h.d.Auth.Authenticate(r.Context(), key)
	if err != nil {
		if errors.Is(err, acl.ErrUnauthenticated) {
			challenge(w, r, "the API key is not accepted")
			return
		}
		h.internal(w, r, err)
		return
	}
	h.mux.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), principalKey{}, p)))
}

func challenge(w http.ResponseWriter, r *http.Request, msg string) {
	w.Header().Set("WWW-Authenticate", `Basic realm="hunch TAXII", charset="UTF-8"`)
	writeError(w, r, http.StatusUnauthorized, "Unauthorized", msg)
}

// requestKey reads the API key: the password of Basic authentication, or the Authorization header's value as the
// MISP API takes it (the first of comma-separated keys that looks like one).
func requestKey(r *http.Request) (string, bool) {
	if _, pass, ok := r.BasicAuth(); ok {
		return pass, acl.ValidKey(pass)
	}
	header := r.Header.Get("Authorization")
	if header == "" {
		header = r.Header.Get("X-MISP-AUTH")
	}
	for part := range strings.SplitSeq(header, ",") {
		if k := strings.TrimSpace(part); acl.ValidKey(k) {
			return k, true
		}
	}
	return "", false
}

// acceptsTAXII reports whether the Accept header values take application/taxii+json of version 2.1 (or of no
// version, meaning the latest); no Accept header takes anything.
func acceptsTAXII(values []string) bool {
	if len(values) == 0 {
		return true
	}
	for _, v := range values {
		for part := range strings.SplitSeq(v, ",") {
			mt, params, err := mime.ParseMediaType(strings.TrimSpace(part))
			if err != nil {
				continue
			}
			if q, ok := params["q"]; ok {
				if f, err := strconv.ParseFloat(q, 64); err == nil && f == 0 {
					continue
				}
			}
			switch mt {
			case "*/*", "application/*":
				return true
			case "application/taxii+json":
				if ver, ok := params["version"]; !ok || ver == "2.1" {
					return true
				}
			}
		}
	}
	return false
}

// taxiiContentType reports whether a request body's Content-Type is TAXII 2.1's.
func taxiiContentType(v string) bool {
	mt, params, err := mime.ParseMediaType(v)
	if err != nil || mt != "application/taxii+json" {
		return false
	}
	ver, ok := params["version"]
	return !ok || ver == "2.1"
}

// Error is TAXII 2.1's error message resource (its StatusCode is not written).
type Error = taxii.Error

func writeError(w http.ResponseWriter, r *http.Request, status int, title, description string) {
	writeJSON(w, r, status, Error{Title: title, Description: description, HTTPStatus: strconv.Itoa(status)})
}

func (h *handler) internal(w http.ResponseWriter, r *http.Request, err error) {
	h.log.Error("taxii request failed", "path", r.URL.Path, "error", err.Error())
	writeError(w, r, http.StatusInternalServerError, "Internal error", "the server failed to answer; see its log")
}

// writeAPIError answers an error of the intel service: an access refusal as 403 (404 for what the user may not
// learn of), anything else 500.
func (h *handler) writeAPIError(w http.ResponseWriter, r *http.Request, err error) {
	var ae *acl.Error
	if errors.As(err, &ae) {
		status := ae.Status()
		if status == 0 || status == http.StatusMethodNotAllowed {
			status = http.StatusForbidden
		}
		writeError(w, r, status, http.StatusText(status), ae.Error())
		return
	}
	h.internal(w, r, err)
}

func writeJSON(w http.ResponseWriter, r *http.Request, status int, v any) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		http.Error(w, "encoding failed", http.StatusInternalServerError)
		return
	}
	writeBody(w, r, status, buf.Bytes())
}

func writeBody(w http.ResponseWriter, r *http.Request, status int, body []byte) {
	hd := w.Header()
	hd.Set("Content-Type", MediaTAXII)
	hd.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	if r.Method != http.MethodHead {
		_, _ = w.Write(body)
	}
}

// Discovery is TAXII's discovery resource.
type Discovery = taxii.Discovery

func (h *handler) discovery(w http.ResponseWriter, r *request) {
	writeJSON(w, r.Request, http.StatusOK, Discovery{Title: h.d.Title + " TAXII 2.1",
		Description: "the intel store of " + h.d.Title + " as STIX 2.1 collections", Default: APIRoot, APIRoots: []string{APIRoot}})
}

// APIRootInfo is TAXII's API root resource.
type APIRootInfo = taxii.APIRoot

func (h *handler) apiRoot(w http.ResponseWriter, r *request) {
	writeJSON(w, r.Request, http.StatusOK, APIRootInfo{Title: h.d.Title + " intel",
		Description: "published events as STIX 2.1", Versions: []string{MediaTAXII}, MaxContentLength: h.d.MaxBodyBytes})
}

// PublishedCollectionID is the id of the collection of every published event on the instance of uuid instance.
func PublishedCollectionID(instance string) string {
	s := sha1.Sum([]byte("hunch taxii published collection|" + instance))
	s[6] = s[6]&0x0f | 0x50
	s[8] = s[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", s[0:4], s[4:6], s[6:8], s[8:10], s[10:16])
}

// timeFormat is how TAXII timestamps are written: UTC, microseconds.
const timeFormat = "2006-01-02T15:04:05.000000Z"

func stamp(t time.Time) string { return t.UTC().Format(timeFormat) }

// encodeNext and decodeNext write and read the opaque paging token: the position after the last object served.
func encodeNext(c cursor) string {
	return base64.RawURLEncoding.EncodeToString(fmt.Appendf(nil, "%d.%d.%d", c.added.UnixMicro(), c.event, c.index))
}

func decodeNext(s string) (cursor, bool) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return cursor{}, false
	}
	parts := strings.Split(string(b), ".")
	if len(parts) != 3 {
		return cursor{}, false
	}
	var n [3]int64
	for i, p := range parts {
		v, err := strconv.ParseInt(p, 10, 64)
		if err != nil || v < 0 {
			return cursor{}, false
		}
		n[i] = v
	}
	return cursor{added: time.UnixMicro(n[0]).UTC(), event: n[1], index: int(n[2])}, true
}

// statusStore keeps the statuses of add-objects requests, bounded in number and age.
type statusStore struct {
	mu    sync.Mutex
	ttl   time.Duration
	max   int
	byID  map[string]*statusEntry
	order []string
}

type statusEntry struct {
	user    int64
	expires time.Time
	status  Status
}

func (s *statusStore) put(user int64, st Status, now time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.expire(now)
	for len(s.order) >= s.max {
		delete(s.byID, s.order[0])
		s.order = s.order[1:]
	}
	s.byID[st.ID] = &statusEntry{user: user, expires: now.Add(s.ttl), status: st}
	s.order = append(s.order, st.ID)
}

func (s *statusStore) get(user int64, id string, now time.Time) (Status, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.expire(now)
	e, ok := s.byID[id]
	if !ok || e.user != user {
		return Status{}, false
	}
	return e.status, true
}

func (s *statusStore) expire(now time.Time) {
	n := 0
	for _, id := range s.order {
		if e := s.byID[id]; e != nil && now.Before(e.expires) {
			break
		}
		delete(s.byID, id)
		n++
	}
	s.order = s.order[n:]
}

func (h *handler) status(w http.ResponseWriter, r *request) {
	st, ok := h.statuses.get(r.u.ID, r.PathValue("status"), h.d.Now())
	if !ok {
		writeError(w, r.Request, http.StatusNotFound, "Not found", "no status "+r.PathValue("status")+" (statuses are kept "+
			h.d.StatusTTL.String()+")")
		return
	}
	writeJSON(w, r.Request, http.StatusOK, st)
}
