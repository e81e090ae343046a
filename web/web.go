// Package web is hunch's web UI: html/template pages and htmx partials over the intel service, served by
// `hunch serve` under /ui/. Every page acts for the logged-in user through intel and intel/acl, exactly as the MISP
// API does, so the UI shows and changes only what that user may; its scripts and styles are embedded, vendored
// files (htmx, cytoscape) under a strict Content-Security-Policy with no inline script or style.
package web

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/hunchsec/hunch/automation"
	"github.com/hunchsec/hunch/automation/playbook"
	"github.com/hunchsec/hunch/intel"
	"github.com/hunchsec/hunch/intel/acl"
	"github.com/hunchsec/hunch/misp"
	"github.com/hunchsec/hunch/report"
	"github.com/hunchsec/hunch/server/mispapi"
)

//go:embed templates/*.html
var templateFiles embed.FS

//go:embed static
var staticFiles embed.FS

// Prefix is the path the UI is served under.
const Prefix = "/ui/"

// CSP is the Content-Security-Policy of every UI answer: nothing inline, nothing from elsewhere.
const CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; " +
	"base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

// Defaults of the limits in Deps.
const (
	// DefaultSessionIdle ends a session unused for this long.
	DefaultSessionIdle = time.Hour
	// DefaultSessionMax ends a session this long after login, however busy.
	DefaultSessionMax = 12 * time.Hour
	// DefaultLoginAttempts failed logins per e-mail, and per client address, are allowed in DefaultLoginWindow;
	// more are refused until the window has passed.
	DefaultLoginAttempts = 10
	DefaultLoginWindow   = 15 * time.Minute
	// DefaultMaxUploadBytes bounds an imported file or free text.
	DefaultMaxUploadBytes = 32 << 20
	// DefaultPageSize is how many events the event list shows per page.
	DefaultPageSize = 50
	// DefaultSearchLimit is how many attributes a search shows at most.
	DefaultSearchLimit = 500
	// DefaultGraphValues is how many correlating values a correlation graph shows at most, so that a huge event
	// does not make an unreadable graph.
	DefaultGraphValues = 300
)

// Deps are what the UI needs.
type Deps struct {
	// Intel is the intel service the UI works on. Required.
	Intel *intel.Service
	// Auth resolves API keys for the key login; nil builds mispapi's key authenticator over Intel's store.
	Auth mispapi.Authenticator
	// Logger receives the errors the UI answers 500 for; nil discards them.
	Logger *slog.Logger
	// Now is the clock of sessions and the login limiter; nil means time.Now.
	Now func() time.Time
	// SessionIdle and SessionMax are the idle and absolute session lifetimes; zero means the defaults.
	SessionIdle, SessionMax time.Duration
	// SecureCookies marks the session cookie Secure: set it when the server speaks TLS.
	SecureCookies bool
	// LoginAttempts and LoginWindow rate-limit failed logins per e-mail and per client address; zero means the
	// defaults.
	LoginAttempts int
	LoginWindow   time.Duration
	// MaxUploadBytes bounds an imported file or free text; zero means DefaultMaxUploadBytes.
	MaxUploadBytes int64
	// SearchLimit caps the attributes one search shows; zero means DefaultSearchLimit.
	SearchLimit int
	// GraphValues caps the value nodes of a correlation graph; zero means DefaultGraphValues.
	GraphValues int
	// AnalyzeMaxRecords caps the records /ui/analyze reads from a file; zero means report.DefaultMaxRecords.
	AnalyzeMaxRecords int
	// Incidents, Engine and SLA enable the incident pages and their war rooms (none when Incidents is nil). Chat, when
	// set, carries a war-room message to the incident's chat channel (its label chat:<channel>).
	Incidents *automation.Incidents
	Engine    *playbook.Engine
	SLA       automation.SLAPolicy
	Chat      func(ctx context.Context, channel string, lines []string) error
	// RunPivot enables the entity pages (/ui/pivot/KIND?value=V[&function=F&args=…]): it runs a function of the
	// pivot registry.
	RunPivot RunPivot
}

// handler serves the UI.
type handler struct {
	svc     *intel.Service
	d       Deps
	log     *slog.Logger
	now     func() time.Time
	pages   map[string]*template.Template
	mux     *http.ServeMux
	limiter *limiter
}

// pageNames are the templates, each parsed with layout.html.
var pageNames = []string{"login", "events", "event", "graph", "search", "import", "freetext", "export", "users", "orgs", "feeds", "error", "analyze", "incidents", "incident", "pivot"}

// New returns the UI handler, to be mounted at Prefix. It panics when d.Intel is nil or a template does not parse,
// which are programming errors.
func New(d Deps) http.Handler {
	if d.Intel == nil {
		panic("web: Deps.Intel is nil")
	}
	if d.Auth == nil {
		d.Auth = mispapi.NewKeyAuthenticator(mispapi.StoreKeyLookup(d.Intel), nil, d.Now)
	}
	if d.SessionIdle <= 0 {
		d.SessionIdle = DefaultSessionIdle
	}
	if d.SessionMax <= 0 {
		d.SessionMax = DefaultSessionMax
	}
	if d.LoginAttempts <= 0 {
		d.LoginAttempts = DefaultLoginAttempts
	}
	if d.LoginWindow <= 0 {
		d.LoginWindow = DefaultLoginWindow
	}
	if d.MaxUploadBytes <= 0 {
		d.MaxUploadBytes = DefaultMaxUploadBytes
	}
	if d.SearchLimit <= 0 {
		d.SearchLimit = DefaultSearchLimit
	}
	if d.GraphValues <= 0 {
		d.GraphValues = DefaultGraphValues
	}
	if d.AnalyzeMaxRecords <= 0 {
		d.AnalyzeMaxRecords = report.DefaultMaxRecords
	}
	h := &handler{svc: d.Intel, d: d, log: d.Logger, now: d.Now, pages: map[string]*template.Template{}, mux: http.NewServeMux()}
	if h.log == nil {
		h.log = slog.New(slog.DiscardHandler)
	}
	if h.now == nil {
		h.now = time.Now
	}
	h.limiter = newLimiter(d.LoginAttempts, d.LoginWindow, h.now)
	for _, name := range pageNames {
		h.pages[name] = template.Must(template.New(name).Funcs(funcs).ParseFS(templateFiles, "templates/layout.html", "templates/"+name+".html"))
	}
	static, err := fs.Sub(staticFiles, "static")
	if err != nil {
		panic(err)
	}
	h.mux.Handle("GET /ui/static/", http.StripPrefix("/ui/static/", staticHandler(http.FileServerFS(static))))
	h.mux.HandleFunc("GET /ui/login", h.loginPage)
	h.mux.HandleFunc("POST /ui/login", h.login)
	h.mux.HandleFunc("POST /ui/logout", h.authed(h.logout))
	h.mux.HandleFunc("GET /ui/{$}", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/ui/events", http.StatusSeeOther)
	})
	h.mux.HandleFunc("GET /ui/events", h.authed(h.events))
	h.mux.HandleFunc("GET /ui/events/{id}", h.authed(h.event))
	h.mux.HandleFunc("GET /ui/events/{id}/graph", h.authed(h.graphPage))
	h.mux.HandleFunc("GET /ui/events/{id}/graph.json", h.authed(h.graphJSON))
	h.mux.HandleFunc("GET /ui/search", h.authed(h.search))
	h.mux.HandleFunc("GET /ui/import", h.authed(h.importPage))
	h.mux.HandleFunc("POST /ui/import/json", h.authed(h.importJSON))
	h.mux.HandleFunc("POST /ui/import/freetext", h.authed(h.freetextGuess))
	h.mux.HandleFunc("POST /ui/import/freetext/save", h.authed(h.freetextSave))
	h.mux.HandleFunc("GET /ui/export", h.authed(h.exportPage))
	h.mux.HandleFunc("GET /ui/export/download", h.authed(h.exportDownload))
	h.mux.HandleFunc("GET /ui/admin/users", h.authed(h.users))
	h.mux.HandleFunc("POST /ui/admin/users", h.authed(h.addUser))
	h.mux.HandleFunc("GET /ui/admin/orgs", h.authed(h.orgs))
	h.mux.HandleFunc("POST /ui/admin/orgs", h.authed(h.addOrg))
	h.mux.HandleFunc("GET /ui/admin/feeds", h.authed(h.feeds))
	h.mux.HandleFunc("POST /ui/admin/feeds", h.authed(h.addFeed))
	h.mux.HandleFunc("POST /ui/admin/feeds/{id}/{action}", h.authed(h.feedAction))
	h.mux.Handle("GET /ui/static/report/", http.StripPrefix("/ui/static/report/", staticHandler(http.FileServerFS(report.Assets()))))
	h.mux.HandleFunc("GET /ui/analyze", h.authed(h.analyzePage))
	if d.RunPivot != nil {
		h.mux.HandleFunc("GET /ui/pivot/{kind}", h.authed(h.pivotPage))
	}
	if d.Incidents != nil {
		h.mux.HandleFunc("GET /ui/incidents", h.authed(h.incidents))
		h.mux.HandleFunc("GET /ui/incidents/{id}", h.authed(h.incident))
		h.mux.HandleFunc("GET /ui/incidents/{id}/journal", h.authed(h.incidentJournal))
		h.mux.HandleFunc("POST /ui/incidents/{id}/messages", h.authed(h.incidentMessage))
		h.mux.HandleFunc("POST /ui/incidents/{id}/tasks/{run}/{task}", h.authed(h.incidentTask))
	}
	h.mux.HandleFunc("POST /ui/analyze", h.authed(h.analyzeUpload))
	h.mux.HandleFunc("/ui/", func(w http.ResponseWriter, r *http.Request) {
		h.renderError(w, r, nil, http.StatusNotFound, "There is no such page.")
	})
	return h
}

// ServeHTTP sets the UI's security headers and routes the request.
func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	hd := w.Header()
	hd.Set("Content-Security-Policy", CSP)
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("X-Frame-Options", "DENY")
	hd.Set("Referrer-Policy", "same-origin")
	hd.Set("Cache-Control", "no-store")
	h.mux.ServeHTTP(w, r)
}

// staticHandler lets the embedded assets be cached for a day.
func staticHandler(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=86400")
		next.ServeHTTP(w, r)
	})
}

// funcs are the template helpers.
var funcs = template.FuncMap{
	"unix": func(t misp.Timestamp) string {
		if t == 0 {
			return ""
		}
		return t.Time().Format("2006-01-02 15:04")
	},
	"itoa": func(v misp.FlexInt) string { return strconv.FormatInt(int64(v), 10) },
	"join": strings.Join,
	"tagclass": func(name string) string {
		// Tag colours come from a fixed palette by name, as style attributes are not allowed.
		var n uint32
		for i := 0; i < len(name); i++ {
			n = n*31 + uint32(name[i])
		}
		return "tag tag-" + strconv.Itoa(int(n%8))
	},
}

// view is what every page template gets.
type view struct {
	Title string
	// User is the logged-in user, nil on the login page.
	User  *misp.User
	Admin bool
	// CSRF is the session's CSRF token, put in a meta tag for htmx and in every form.
	CSRF string
	// Notice and Error are shown above the page's content.
	Notice, Error string
	// Page is the page's own data.
	Page any
}

// render writes page name with status.
func (h *handler) render(w http.ResponseWriter, r *http.Request, rc *reqCtx, status int, name, title string, data any) {
	h.renderBlock(w, r, rc, status, name, "layout", title, data)
}

// renderBlock writes template block of page name (the whole page when block is "layout", a partial otherwise).
func (h *handler) renderBlock(w http.ResponseWriter, r *http.Request, rc *reqCtx, status int, name, block, title string, data any) {
	v := view{Title: title, Page: data}
	if rc != nil {
		v.User, v.CSRF, v.Admin = rc.user, rc.csrf, rc.admin()
		v.Notice, v.Error = rc.notice, rc.err
	}
	var b strings.Builder
	if err := h.pages[name].ExecuteTemplate(&b, block, v); err != nil {
		h.log.Error("render page", "page", name, "error", err.Error())
		http.Error(w, "The page could not be shown.", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write([]byte(b.String()))
}

// renderError shows message on the error page with status; a nil rc shows it without the navigation.
func (h *handler) renderError(w http.ResponseWriter, r *http.Request, rc *reqCtx, status int, message string) {
	if rc != nil {
		rc.err = message
	}
	h.render(w, r, rc, status, "error", http.StatusText(status), struct {
		Status  int
		Message string
	}{status, message})
}

// fail shows err on the error page: a refusal with its status and message, an invalid input with what is wrong
// with it, anything else as a 500 whose cause is logged and not shown.
func (h *handler) fail(w http.ResponseWriter, r *http.Request, rc *reqCtx, err error) {
	status, msg := h.describe(r, err)
	h.renderError(w, r, rc, status, msg)
}

// describe turns err into a status and a message fit for the page, logging what it does not show.
func (h *handler) describe(r *http.Request, err error) (int, string) {
	var ae *acl.Error
	var inv *intel.InvalidError
	var fe *intel.FormatError
	var se *intel.SearchError
	var ee *intel.EventExistsError
	var re *intel.RefusedError
	switch {
	case errors.As(err, &ae):
		msg := ae.Message()
		if d := ae.Detail(); d != "" {
			msg += " " + d
		}
		return ae.Status(), msg
	case errors.As(err, &inv):
		return http.StatusBadRequest, invalidText(inv)
	case errors.As(err, &fe):
		return http.StatusBadRequest, fe.Error()
	case errors.As(err, &se):
		return http.StatusBadRequest, se.Error()
	case errors.As(err, &ee):
		return http.StatusConflict, fmt.Sprintf("An event with this uuid is already stored: event %d.", ee.ID)
	case errors.As(err, &re):
		return re.Status, re.Message
	case errors.Is(err, misp.ErrMalformed), errors.Is(err, misp.ErrLimit), errors.Is(err, misp.ErrInvalidValue),
		errors.Is(err, misp.ErrUnknownType), errors.Is(err, misp.ErrInvalidCategory):
		return http.StatusBadRequest, err.Error()
	}
	h.log.Error("web ui", "method", r.Method, "path", r.URL.Path, "error", err.Error())
	return http.StatusInternalServerError, "Something went wrong on the server; the error is in its log."
}

// invalidText words an *intel.InvalidError for the page: the message, then each field and its complaints.
func invalidText(e *intel.InvalidError) string {
	var parts []string
	for f, msgs := range e.Fields {
		parts = append(parts, f+": "+strings.Join(msgs, " "))
	}
	slices.Sort(parts)
	return e.Message + " — " + strings.Join(parts, "; ")
}

// RootRedirect answers GET / for the server: a browser (one that accepts text/html) is sent to the UI, and any
// other client is passed to api, so that API clients see the MISP API's own answer.
func RootRedirect(api http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.Contains(r.Header.Get("Accept"), "text/html") {
			http.Redirect(w, r, Prefix, http.StatusSeeOther)
			return
		}
		api.ServeHTTP(w, r)
	})
}
