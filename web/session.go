package web

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/hunchsec/hunch/intel"
	"github.com/hunchsec/hunch/intel/acl"
	"github.com/hunchsec/hunch/misp"
	"github.com/hunchsec/hunch/store"
)

// Cookie names. The session cookie holds the session token; the login cookie holds the token the login form
// must echo (a double-submit check: a form posted from another site cannot know it).
const (
	SessionCookie = "hunch_session"
	loginCookie   = "hunch_login"
	// CSRFField is the form field, and CSRFHeader the header (which the UI's script sets on htmx requests), that
	// carry the session's CSRF token on every request that is not GET or HEAD.
	CSRFField  = "csrf_token"
	CSRFHeader = "X-CSRF-Token"
)

// formOverhead is what a form may hold beyond its file or text (MaxUploadBytes); maxFormMemory is how much of a
// multipart form is kept in memory, the rest going to temporary files (within the bound).
const (
	formOverhead  = 64 << 10
	maxFormMemory = 8 << 20
)

// touchEvery is how stale a session's last use may get before a request records it again: idle expiry is kept
// to the minute without a write per request.
const touchEvery = time.Minute

// reqCtx is the logged-in user of one request.
type reqCtx struct {
	user      *misp.User
	acl       acl.User
	csrf      string
	tokenHash string
	// notice and err are shown above the page.
	notice, err string
}

// admin reports whether the user may open the admin pages (org admins and site admins).
func (rc *reqCtx) admin() bool {
	r := rc.acl.EffectiveRole()
	return r.PermAdmin || r.PermSiteAdmin
}

// newToken returns a random 32-byte token, base64url.
func newToken() string {
	var b [32]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read does not fail (Go 1.24+)
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// tokenHash is how a session token is stored: its sha256, hex.
func tokenHash(token string) string {
	s := sha256.Sum256([]byte(token))
	return hex.EncodeToString(s[:])
}

// csrfToken is the CSRF token of the session whose token is token: derived from it, so it is never stored and
// cannot be computed from what the store holds.
func csrfToken(token string) string {
	s := sha256.Sum256([]byte("hunch-csrf\x00" + token))
	return hex.EncodeToString(s[:])
}

// sameToken compares two tokens in constant time.
func sameToken(a, b string) bool {
	return a != "" && subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}

// safeMethod reports whether m changes nothing and so needs no CSRF token.
func safeMethod(m string) bool { return m == http.MethodGet || m == http.MethodHead }

// authed wraps fn so that it runs only for a live session, with the session's user, and only with the session's
// CSRF token on requests that are not GET or HEAD. Without a session a page request is sent to the login page;
// an htmx request is told to go there (HX-Redirect).
func (h *handler) authed(fn func(http.ResponseWriter, *http.Request, *reqCtx)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		rc, why, err := h.session(r)
		if err != nil {
			status, msg := h.describe(r, err)
			h.renderError(w, r, nil, status, msg)
			return
		}
		if rc == nil {
			h.toLogin(w, r, why)
			return
		}
		if !safeMethod(r.Method) {
			// The body is bounded before anything reads it (the CSRF check reads the form).
			r.Body = http.MaxBytesReader(w, r.Body, h.d.MaxUploadBytes+formOverhead)
			var perr error
			if strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data") {
				perr = r.ParseMultipartForm(maxFormMemory)
			} else {
				perr = r.ParseForm()
			}
			var mbe *http.MaxBytesError
			switch {
			case errors.As(perr, &mbe):
				h.renderError(w, r, rc, http.StatusRequestEntityTooLarge, "The request is larger than "+byteCount(h.d.MaxUploadBytes+formOverhead)+".")
				return
			case perr != nil:
				h.renderError(w, r, rc, http.StatusBadRequest, "The form could not be read.")
				return
			}
			sent := r.Header.Get(CSRFHeader)
			if sent == "" {
				sent = r.PostFormValue(CSRFField)
			}
			if !sameToken(sent, rc.csrf) {
				h.renderError(w, r, rc, http.StatusForbidden, "The form is stale or did not come from this site (CSRF token missing or wrong). Reload the page and try again.")
				return
			}
		}
		fn(w, r, rc)
	}
}

// toLogin sends the browser to the login page, saying why and where it was going.
func (h *handler) toLogin(w http.ResponseWriter, r *http.Request, why string) {
	q := url.Values{}
	if why != "" {
		q.Set("why", why)
	}
	if safeMethod(r.Method) && r.Header.Get("HX-Request") == "" {
		q.Set("next", r.URL.RequestURI())
	}
	to := "/ui/login"
	if len(q) > 0 {
		to += "?" + q.Encode()
	}
	if r.Header.Get("HX-Request") != "" {
		w.Header().Set("HX-Redirect", to)
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	http.Redirect(w, r, to, http.StatusSeeOther)
}

// session returns the request's logged-in user, or nil with the reason to show on the login page ("" when there
// was no session at all). An expired session is deleted.
func (h *handler) session(r *http.Request) (*reqCtx, string, error) {
	c, err := r.Cookie(SessionCookie)
	if err != nil || c.Value == "" {
		return nil, "", nil
	}
	ctx := r.Context()
	st := h.svc.Store()
	th := tokenHash(c.Value)
	s, err := st.Session(ctx, th)
	if errors.Is(err, store.ErrNotFound) {
		return nil, "expired", nil
	}
	if err != nil {
		return nil, "", err
	}
	now := h.now()
	if !now.Before(s.Expires) || now.Sub(s.LastSeen) >= h.d.SessionIdle {
		if err := st.DeleteSession(ctx, th); err != nil && !errors.Is(err, store.ErrNotFound) {
			return nil, "", err
		}
		return nil, "expired", nil
	}
	u, err := st.User(ctx, s.UserID)
	if errors.Is(err, store.ErrNotFound) {
		return nil, "expired", nil
	}
	if err != nil {
		return nil, "", err
	}
	if u.Disabled {
		_ = st.DeleteSession(ctx, th)
		return nil, "disabled", nil
	}
	if err := h.svc.FillUser(ctx, u); err != nil {
		return nil, "", err
	}
	if now.Sub(s.LastSeen) >= touchEvery {
		if err := st.TouchSession(ctx, th, now); err != nil && !errors.Is(err, store.ErrNotFound) {
			return nil, "", err
		}
	}
	return &reqCtx{user: u, acl: intel.ACLUser(u, false), csrf: csrfToken(c.Value), tokenHash: th}, "", nil
}

// loginView is the login page's data.
type loginView struct {
	Token, Next, Email, Message string
}

// loginReasons are the messages the login page shows for its why parameter.
var loginReasons = map[string]string{
	"expired":  "Your session has ended; please log in again.",
	"disabled": "This account is disabled.",
	"out":      "You are logged out.",
}

// loginPage shows the login form with a fresh login token (also set as a cookie, for the double-submit check).
func (h *handler) loginPage(w http.ResponseWriter, r *http.Request) {
	h.showLogin(w, r, http.StatusOK, "", loginReasons[r.URL.Query().Get("why")])
}

func (h *handler) showLogin(w http.ResponseWriter, r *http.Request, status int, email, msg string) {
	tok := newToken()
	http.SetCookie(w, &http.Cookie{Name: loginCookie, Value: tok, Path: "/ui/login", HttpOnly: true,
		SameSite: http.SameSiteStrictMode, Secure: h.d.SecureCookies, MaxAge: 3600})
	next := r.URL.Query().Get("next")
	if r.Method == http.MethodPost {
		next = r.PostFormValue("next")
	}
	h.render(w, r, nil, status, "login", "Log in", loginView{Token: tok, Next: safeNext(next), Email: email, Message: msg})
}

// safeNext keeps a redirect target only when it is a path of the UI.
func safeNext(next string) string {
	if strings.HasPrefix(next, Prefix) && !strings.HasPrefix(next, "//") && !strings.ContainsAny(next, "\\\r\n") {
		return next
	}
	return ""
}

// clientIP is the address the request came from (the peer; forwarding headers are not trusted).
func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// login checks an e-mail and password, or an API key, and opens a session.
func (h *handler) login(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if err := r.ParseForm(); err != nil {
		h.showLogin(w, r, http.StatusBadRequest, "", "The login form could not be read.")
		return
	}
	c, err := r.Cookie(loginCookie)
	if err != nil || !sameToken(r.PostFormValue("login_token"), c.Value) {
		h.showLogin(w, r, http.StatusForbidden, "", "The login form is stale or did not come from this site; please try again.")
		return
	}
	email := strings.TrimSpace(r.PostFormValue("email"))
	password := r.PostFormValue("password")
	key := strings.TrimSpace(r.PostFormValue("apikey"))
	ip := "ip:" + clientIP(r)
	keys := []string{ip}
	if email != "" {
		keys = append(keys, "email:"+strings.ToLower(email))
	}
	if h.limiter.blocked(keys...) {
		h.showLogin(w, r, http.StatusTooManyRequests, email, "Too many failed logins; wait a few minutes and try again.")
		return
	}
	var u *misp.User
	var expires time.Time
	switch {
	case key != "":
		p, err := h.d.Auth.Authenticate(r.Context(), key)
		switch {
		case errors.Is(err, acl.ErrUnauthenticated):
			h.limiter.fail(keys...)
			h.showLogin(w, r, http.StatusForbidden, email, "The API key was not accepted.")
			return
		case err != nil:
			_, msg := h.describe(r, err)
			h.showLogin(w, r, http.StatusInternalServerError, email, msg)
			return
		case p.ReadOnly:
			h.showLogin(w, r, http.StatusForbidden, email, "A read-only API key cannot open a web session; use a full key or your password.")
			return
		}
		pu := p.User
		u, expires = &pu, p.KeyExpiration
	case email != "" && password != "":
		u, err = h.svc.Login(r.Context(), email, password)
		if errors.Is(err, intel.ErrBadLogin) {
			h.limiter.fail(keys...)
			h.showLogin(w, r, http.StatusForbidden, email, "E-mail or password not accepted.")
			return
		}
		if err != nil {
			_, msg := h.describe(r, err)
			h.showLogin(w, r, http.StatusInternalServerError, email, msg)
			return
		}
	default:
		h.showLogin(w, r, http.StatusBadRequest, email, "Give your e-mail and password, or an API key.")
		return
	}
	token := newToken()
	now := h.now()
	end := now.Add(h.d.SessionMax)
	if !expires.IsZero() && expires.Before(end) {
		end = expires
	}
	s := &store.Session{TokenHash: tokenHash(token), UserID: int64(u.ID), Created: now, LastSeen: now, Expires: end}
	if err := h.svc.Store().CreateSession(r.Context(), s); err != nil {
		_, msg := h.describe(r, err)
		h.showLogin(w, r, http.StatusInternalServerError, email, msg)
		return
	}
	// Expired and idle sessions are swept at each login, so the table does not grow with abandoned ones.
	if _, err := h.svc.Store().DeleteSessionsBefore(r.Context(), now, now.Add(-h.d.SessionIdle)); err != nil {
		h.log.Warn("sweep expired web sessions", "error", err.Error())
	}
	http.SetCookie(w, &http.Cookie{Name: SessionCookie, Value: token, Path: Prefix, HttpOnly: true,
		SameSite: http.SameSiteStrictMode, Secure: h.d.SecureCookies})
	http.SetCookie(w, &http.Cookie{Name: loginCookie, Value: "", Path: "/ui/login", MaxAge: -1, HttpOnly: true,
		SameSite: http.SameSiteStrictMode, Secure: h.d.SecureCookies})
	next := safeNext(r.PostFormValue("next"))
	if next == "" {
		next = "/ui/events"
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
}

// logout deletes the session and its cookie.
func (h *handler) logout(w http.ResponseWriter, r *http.Request, rc *reqCtx) {
	if err := h.svc.Store().DeleteSession(r.Context(), rc.tokenHash); err != nil && !errors.Is(err, store.ErrNotFound) {
		h.fail(w, r, rc, err)
		return
	}
	http.SetCookie(w, &http.Cookie{Name: SessionCookie, Value: "", Path: Prefix, MaxAge: -1, HttpOnly: true,
		SameSite: http.SameSiteStrictMode, Secure: h.d.SecureCookies})
	http.Redirect(w, r, "/ui/login?why=out", http.StatusSeeOther)
}

// DefaultLimiterKeys bounds the keys the login limiter remembers; past it, keys whose window has passed are
// dropped, and if that is not enough the older windows go.
const DefaultLimiterKeys = 100000

// limiter counts failed logins per key (an e-mail, a client address) in fixed windows.
type limiter struct {
	mu      sync.Mutex
	max     int
	maxKeys int
	window  time.Duration
	now     func() time.Time
	counts  map[string]*window
}

type window struct {
	start time.Time
	n     int
}

func newLimiter(maxFails int, w time.Duration, now func() time.Time) *limiter {
	return &limiter{max: maxFails, maxKeys: DefaultLimiterKeys, window: w, now: now, counts: map[string]*window{}}
}

// blocked reports whether any of keys has used up its failures in the current window.
func (l *limiter) blocked(keys ...string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	for _, k := range keys {
		if c, ok := l.counts[k]; ok && now.Sub(c.start) < l.window && c.n >= l.max {
			return true
		}
	}
	return false
}

// fail counts a failed login against each of keys.
func (l *limiter) fail(keys ...string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	for _, k := range keys {
		c, ok := l.counts[k]
		if !ok || now.Sub(c.start) >= l.window {
			if len(l.counts) >= l.maxKeys {
				l.prune(now)
			}
			c = &window{start: now}
			l.counts[k] = c
		}
		c.n++
	}
}

// prune drops the windows that have passed, then if need be those older than half of one, then all.
func (l *limiter) prune(now time.Time) {
	for k, c := range l.counts {
		if now.Sub(c.start) >= l.window {
			delete(l.counts, k)
		}
	}
	if len(l.counts) >= l.maxKeys {
		for k, c := range l.counts {
			if now.Sub(c.start) >= l.window/2 {
				delete(l.counts, k)
			}
		}
	}
	if len(l.counts) >= l.maxKeys {
		clear(l.counts)
	}
}

// decodeToken decodes a session token.
func decodeToken(s string) ([]byte, error) { return base64.RawURLEncoding.DecodeString(s) }
