package web

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"mime/multipart"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hunchsec/hunch/intel"
	"github.com/hunchsec/hunch/intel/inteltest"
	"github.com/hunchsec/hunch/misp"
	"github.com/hunchsec/hunch/store"
)

// testPassword is every fixture user's web password in these tests.
const testPassword = "correct horse battery staple"

// clock is a settable test clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// ui is a test instance of the UI over an inteltest fixture, served by an httptest server.
type ui struct {
	f   *inteltest.Fixture
	srv *httptest.Server
	clk *clock
}

// newUI starts the UI with d (Intel and Now filled in); users named in passwords get testPassword.
func newUI(t *testing.T, d Deps, passwords ...string) *ui {
	t.Helper()
	return newUIWith(t, inteltest.Options{}, d, passwords...)
}

// newUIWith is newUI over a fixture made with opts.
func newUIWith(t *testing.T, opts inteltest.Options, d Deps, passwords ...string) *ui {
	t.Helper()
	return newUIPrepared(t, opts, d, nil, passwords...)
}

// newUIPrepared is newUIWith with prepare run on the fixture and d before the UI is built.
func newUIPrepared(t *testing.T, opts inteltest.Options, d Deps, prepare func(*inteltest.Fixture, *Deps), passwords ...string) *ui {
	t.Helper()
	f := inteltest.New(t, opts)
	clk := &clock{t: time.Now()}
	d.Intel, d.Now = f.Svc, clk.now
	if prepare != nil {
		prepare(f, &d)
	}
	for _, name := range passwords {
		if err := f.Svc.SetPassword(t.Context(), intel.System, int64(f.Users[name].ID), testPassword); err != nil {
			t.Fatal(err)
		}
	}
	srv := httptest.NewServer(New(d))
	t.Cleanup(srv.Close)
	return &ui{f: f, srv: srv, clk: clk}
}

// client is a browser-like client: a cookie jar, and no redirect following (the tests look at each answer).
func (u *ui) client(t *testing.T) *http.Client {
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

var (
	loginTokenRE = regexp.MustCompile(`name="login_token" value="([^"]+)"`)
	csrfRE       = regexp.MustCompile(`<meta name="csrf-token" content="([^"]+)"`)
)

// get fetches path and returns the status and body.
func get(t *testing.T, c *http.Client, base, path string, hdr ...string) (int, string, http.Header) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, base+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	res, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b), res.Header
}

// post submits a form and returns the status, body and headers.
func post(t *testing.T, c *http.Client, base, path string, form url.Values, hdr ...string) (int, string, http.Header) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, base+path, strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	res, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b), res.Header
}

// loginForm fetches the login page and returns the form with its login token and the given fields.
func (u *ui) loginForm(t *testing.T, c *http.Client, fields ...string) url.Values {
	t.Helper()
	_, body, _ := get(t, c, u.srv.URL, "/ui/login")
	m := loginTokenRE.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no login token on the login page:\n%s", body)
	}
	form := url.Values{"login_token": {m[1]}}
	for i := 0; i+1 < len(fields); i += 2 {
		form.Set(fields[i], fields[i+1])
	}
	return form
}

// login logs user name in with testPassword and returns the session's CSRF token.
func (u *ui) login(t *testing.T, c *http.Client, name string) string {
	t.Helper()
	form := u.loginForm(t, c, "email", u.f.Users[name].Email, "password", testPassword)
	status, body, hdr := post(t, c, u.srv.URL, "/ui/login", form)
	if status != http.StatusSeeOther || hdr.Get("Location") != "/ui/events" {
		t.Fatalf("login as %s: %d %s\n%s", name, status, hdr.Get("Location"), body)
	}
	return u.csrf(t, c)
}

// csrf reads the CSRF token from the event list page.
func (u *ui) csrf(t *testing.T, c *http.Client) string {
	t.Helper()
	status, body, _ := get(t, c, u.srv.URL, "/ui/events")
	m := csrfRE.FindStringSubmatch(body)
	if status != http.StatusOK || m == nil {
		t.Fatalf("events page after login: %d, csrf %v", status, m)
	}
	return m[1]
}

// addEvent stores an event for fixture user name and returns its id.
func (u *ui) addEvent(t *testing.T, name, info string, dist int, values ...string) int64 {
	t.Helper()
	d, _ := misp.DistributionOf(dist)
	e := &misp.Event{Info: info, Distribution: d}
	for _, v := range values {
		e.Attribute = append(e.Attribute, misp.Attribute{Type: "ip-dst", Category: "Network activity", Value: v, ToIDS: misp.OptBoolOf(true)})
	}
	saved, err := u.f.Svc.AddEvent(t.Context(), u.f.ACL(name), e, false)
	if err != nil {
		t.Fatal(err)
	}
	return int64(saved.ID)
}

func TestLoginPagesLogout(t *testing.T) {
	u := newUI(t, Deps{}, "user")
	id := u.addEvent(t, "user", "Phishing wave", 1, "198.51.100.7")
	c := u.client(t)

	// Without a session every page sends the browser to the login page, and htmx is told to go there.
	status, _, hdr := get(t, c, u.srv.URL, "/ui/events")
	if status != http.StatusSeeOther || !strings.HasPrefix(hdr.Get("Location"), "/ui/login") {
		t.Fatalf("no session: %d %s", status, hdr.Get("Location"))
	}
	status, _, hdr = get(t, c, u.srv.URL, "/ui/events", "HX-Request", "true")
	if status != http.StatusUnauthorized || !strings.HasPrefix(hdr.Get("HX-Redirect"), "/ui/login") {
		t.Fatalf("htmx without session: %d %q", status, hdr.Get("HX-Redirect"))
	}

	u.login(t, c, "user")
	ev := "/ui/events/" + strconv.FormatInt(id, 10)
	for _, tc := range []struct {
		path, want string
		status     int
	}{
		{"/ui/events", "Phishing wave", http.StatusOK},
		{"/ui/events?q=198.51.100", "Phishing wave", http.StatusOK},
		{"/ui/events?published=1", "0 event(s)", http.StatusOK},
		{ev, "198.51.100.7", http.StatusOK},
		{ev + "/graph", `data-src="` + ev + `/graph.json"`, http.StatusOK},
		{ev + "/graph.json", `"kind":"event"`, http.StatusOK},
		{"/ui/events/999999", "Invalid event", http.StatusNotFound},
		{"/ui/events/not-an-id", "Invalid event", http.StatusNotFound},
		{"/ui/search?value=198.51.100.7", `id="search-results"`, http.StatusOK},
		{"/ui/import", `id="import-json"`, http.StatusOK},
		{"/ui/export", `value="stix2"`, http.StatusOK},
		{"/ui/nowhere", "There is no such page.", http.StatusNotFound},
		{"/ui/", "", http.StatusSeeOther},
	} {
		status, body, hdr := get(t, c, u.srv.URL, tc.path)
		if status != tc.status || !strings.Contains(body, tc.want) {
			t.Errorf("GET %s = %d, want %d with %q:\n%.400s", tc.path, status, tc.status, tc.want, body)
		}
		if got := hdr.Get("Content-Security-Policy"); got != CSP {
			t.Errorf("GET %s: CSP %q", tc.path, got)
		}
	}
	// The htmx partial of the list is the table alone.
	_, body, _ := get(t, c, u.srv.URL, "/ui/events?q=Phishing", "HX-Request", "true", "HX-Target", "event-table")
	if strings.Contains(body, "<html") || !strings.Contains(body, "Phishing wave") {
		t.Errorf("partial event list:\n%s", body)
	}

	csrf := u.csrf(t, c)
	status, _, hdr = post(t, c, u.srv.URL, "/ui/logout", url.Values{CSRFField: {csrf}})
	if status != http.StatusSeeOther || hdr.Get("Location") != "/ui/login?why=out" {
		t.Fatalf("logout: %d %s", status, hdr.Get("Location"))
	}
	if status, _, _ := get(t, c, u.srv.URL, "/ui/events"); status != http.StatusSeeOther {
		t.Errorf("after logout the list answered %d", status)
	}
}

func TestLoginRefusals(t *testing.T) {
	u := newUI(t, Deps{}, "user")
	c := u.client(t)
	for _, tc := range []struct {
		name   string
		fields []string   // the form, with the login token of a fresh login page
		raw    url.Values // or this form as it is
		status int
		want   string
	}{
		{"wrong password", []string{"email", u.f.Users["user"].Email, "password", "nope nope nope"}, nil, http.StatusForbidden, "E-mail or password not accepted."},
		{"no password set", []string{"email", u.f.Users["publisher"].Email, "password", testPassword}, nil, http.StatusForbidden, "E-mail or password not accepted."},
		{"bad api key", []string{"apikey", strings.Repeat("x", 40)}, nil, http.StatusForbidden, "The API key was not accepted."},
		{"nothing", []string{}, nil, http.StatusBadRequest, "Give your e-mail and password, or an API key."},
		{"no login token", nil, url.Values{"email": {u.f.Users["user"].Email}, "password": {testPassword}}, http.StatusForbidden, "stale or did not come from this site"},
		{"wrong login token", nil, url.Values{"login_token": {"forged"}, "email": {u.f.Users["user"].Email}, "password": {testPassword}}, http.StatusForbidden, "stale"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			form := tc.raw
			if tc.fields != nil {
				form = u.loginForm(t, c, tc.fields...)
			}
			status, body, _ := post(t, c, u.srv.URL, "/ui/login", form)
			if status != tc.status || !strings.Contains(body, tc.want) {
				t.Errorf("= %d, want %d with %q", status, tc.status, tc.want)
			}
		})
	}
}

func TestAPIKeyLogin(t *testing.T) {
	u := newUI(t, Deps{})
	c := u.client(t)
	status, _, hdr := post(t, c, u.srv.URL, "/ui/login", u.loginForm(t, c, "apikey", u.f.Keys["publisher"], "next", "/ui/search"))
	if status != http.StatusSeeOther || hdr.Get("Location") != "/ui/search" {
		t.Fatalf("key login: %d %s", status, hdr.Get("Location"))
	}
	_, body, _ := get(t, c, u.srv.URL, "/ui/search")
	if !strings.Contains(body, u.f.Users["publisher"].Email) {
		t.Error("the page does not show the key's user")
	}
	// A next outside the UI is not followed.
	c2 := u.client(t)
	_, _, hdr = post(t, c2, u.srv.URL, "/ui/login", u.loginForm(t, c2, "apikey", u.f.Keys["user"], "next", "//evil.example/"))
	if hdr.Get("Location") != "/ui/events" {
		t.Errorf("open redirect: %s", hdr.Get("Location"))
	}
}

func TestLoginRateLimit(t *testing.T) {
	u := newUI(t, Deps{LoginAttempts: 3, LoginWindow: time.Minute}, "user", "publisher")
	c := u.client(t)
	email := u.f.Users["user"].Email
	for i := range 3 {
		if status, _, _ := post(t, c, u.srv.URL, "/ui/login", u.loginForm(t, c, "email", email, "password", "wrong password "+strconv.Itoa(i))); status != http.StatusForbidden {
			t.Fatalf("failure %d answered %d", i, status)
		}
	}
	// The fourth attempt is refused, right password or not, from this address whatever the e-mail.
	status, body, _ := post(t, c, u.srv.URL, "/ui/login", u.loginForm(t, c, "email", email, "password", testPassword))
	if status != http.StatusTooManyRequests || !strings.Contains(body, "Too many failed logins") {
		t.Fatalf("after 3 failures: %d", status)
	}
	if status, _, _ := post(t, c, u.srv.URL, "/ui/login", u.loginForm(t, c, "email", u.f.Users["publisher"].Email, "password", testPassword)); status != http.StatusTooManyRequests {
		t.Fatalf("another e-mail from the same address: %d", status)
	}
	u.clk.add(time.Minute)
	u.login(t, c, "user")
}

func TestLimiterPerKey(t *testing.T) {
	clk := &clock{t: time.Unix(1e9, 0)}
	l := newLimiter(2, time.Minute, clk.now)
	l.fail("email:a", "ip:1")
	l.fail("email:a", "ip:2")
	if !l.blocked("email:a") || l.blocked("ip:1") || l.blocked("email:b", "ip:3") {
		t.Fatal("two failures of one e-mail from two addresses should block the e-mail only")
	}
	clk.add(time.Minute)
	if l.blocked("email:a") {
		t.Fatal("the window passed and the e-mail is still blocked")
	}
}

func TestCSRF(t *testing.T) {
	u := newUI(t, Deps{}, "user")
	c := u.client(t)
	csrf := u.login(t, c, "user")
	text := url.Values{"text": {"bad.example.com 203.0.113.9"}}
	for _, tc := range []struct {
		name   string
		form   url.Values
		hdr    []string
		status int
	}{
		{"no token", text, nil, http.StatusForbidden},
		{"wrong token", url.Values{"text": text["text"], CSRFField: {"0000"}}, nil, http.StatusForbidden},
		{"another session's token", url.Values{"text": text["text"], CSRFField: {csrfToken("other")}}, nil, http.StatusForbidden},
		{"form field", url.Values{"text": text["text"], CSRFField: {csrf}}, nil, http.StatusOK},
		{"htmx header", text, []string{CSRFHeader, csrf}, http.StatusOK},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, body, _ := post(t, c, u.srv.URL, "/ui/import/freetext", tc.form, tc.hdr...)
			if status != tc.status {
				t.Fatalf("= %d, want %d:\n%.300s", status, tc.status, body)
			}
			if status == http.StatusOK && !strings.Contains(body, "bad.example.com") {
				t.Errorf("review page lacks the value:\n%s", body)
			}
		})
	}
	// Logout is a POST too: without the token it does nothing.
	if status, _, _ := post(t, c, u.srv.URL, "/ui/logout", nil); status != http.StatusForbidden {
		t.Errorf("logout without token: %d", status)
	}
	if status, _, _ := get(t, c, u.srv.URL, "/ui/events"); status != http.StatusOK {
		t.Errorf("the session did not survive a refused logout: %d", status)
	}
}

func TestSessionExpiry(t *testing.T) {
	u := newUI(t, Deps{SessionIdle: 10 * time.Minute, SessionMax: 30 * time.Minute}, "user")
	ctx := t.Context()

	// Idle: unused for the idle time, the session ends and is deleted.
	c := u.client(t)
	u.login(t, c, "user")
	u.clk.add(10 * time.Minute)
	status, _, hdr := get(t, c, u.srv.URL, "/ui/events")
	if status != http.StatusSeeOther || !strings.Contains(hdr.Get("Location"), "why=expired") {
		t.Fatalf("idle session: %d %s", status, hdr.Get("Location"))
	}
	// Absolute: used every 9 minutes it lives until the maximum, no longer.
	c = u.client(t)
	u.login(t, c, "user")
	for range 3 {
		u.clk.add(9 * time.Minute)
		if status, _, _ := get(t, c, u.srv.URL, "/ui/events"); status != http.StatusOK {
			t.Fatalf("a session in use ended early: %d", status)
		}
	}
	u.clk.add(3 * time.Minute)
	if status, _, _ := get(t, c, u.srv.URL, "/ui/events"); status != http.StatusSeeOther {
		t.Fatalf("a session past its maximum answered %d", status)
	}
	// Stored sessions are hashed: the cookie's value is not in the store, its sha256 is.
	c = u.client(t)
	u.login(t, c, "user")
	base, _ := url.Parse(u.srv.URL + "/ui/")
	var token string
	for _, ck := range c.Jar.Cookies(base) {
		if ck.Name == SessionCookie {
			token = ck.Value
		}
	}
	if _, err := u.f.Store.Session(ctx, token); err == nil {
		t.Error("the session token is stored in clear")
	}
	sum := sha256.Sum256([]byte(token))
	if _, err := u.f.Store.Session(ctx, hex.EncodeToString(sum[:])); err != nil {
		t.Errorf("the session is not stored by its hash: %v", err)
	}
}

func TestSessionCookieFlags(t *testing.T) {
	for _, secure := range []bool{false, true} {
		u := newUI(t, Deps{SecureCookies: secure}, "user")
		c := u.client(t)
		form := u.loginForm(t, c, "email", u.f.Users["user"].Email, "password", testPassword)
		req, _ := http.NewRequest(http.MethodPost, u.srv.URL+"/ui/login", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		for _, ck := range c.Jar.Cookies(req.URL) {
			req.AddCookie(ck)
		}
		res, err := http.DefaultTransport.RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		var found bool
		for _, ck := range res.Cookies() {
			if ck.Name != SessionCookie {
				continue
			}
			found = true
			if !ck.HttpOnly || ck.SameSite != http.SameSiteStrictMode || ck.Secure != secure || ck.Path != Prefix {
				t.Errorf("secure=%v: cookie %+v", secure, ck)
			}
			if raw, err := base64Len(ck.Value); err != nil || raw != 32 {
				t.Errorf("session token is not 32 random bytes: %d %v", raw, err)
			}
		}
		if !found {
			t.Errorf("secure=%v: no session cookie", secure)
		}
	}
}

func TestAdminPages(t *testing.T) {
	u := newUI(t, Deps{}, "admin", "orgadmin", "user")
	for _, tc := range []struct {
		who           string
		users, orgs   int
		addOrgVisible bool
	}{
		{"user", http.StatusForbidden, http.StatusForbidden, false},
		{"orgadmin", http.StatusOK, http.StatusOK, false},
		{"admin", http.StatusOK, http.StatusOK, true},
	} {
		t.Run(tc.who, func(t *testing.T) {
			c := u.client(t)
			csrf := u.login(t, c, tc.who)
			status, _, _ := get(t, c, u.srv.URL, "/ui/admin/users")
			if status != tc.users {
				t.Errorf("users page: %d, want %d", status, tc.users)
			}
			status, body, _ := get(t, c, u.srv.URL, "/ui/admin/orgs")
			if status != tc.orgs || strings.Contains(body, `id="add-org"`) != tc.addOrgVisible {
				t.Errorf("orgs page: %d, want %d (add form %v)", status, tc.orgs, tc.addOrgVisible)
			}
			email := "new-" + tc.who + "@orgname.test"
			status, body, _ = post(t, c, u.srv.URL, "/ui/admin/users", url.Values{CSRFField: {csrf}, "email": {email},
				"org_id": {u.f.Orgs[inteltest.HostOrg].ID.String()}, "role_id": {"3"}, "password": {"a fine long password"}})
			if tc.users == http.StatusOK {
				if status != http.StatusOK || !regexp.MustCompile(`id="new-key">[A-Za-z0-9]{40}<`).MatchString(body) {
					t.Fatalf("add user: %d\n%.500s", status, body)
				}
				if _, err := u.f.Svc.Login(t.Context(), email, "a fine long password"); err != nil {
					t.Errorf("the new user cannot log in: %v", err)
				}
			} else if status != http.StatusForbidden {
				t.Errorf("add user as %s: %d", tc.who, status)
			}
			status, _, _ = post(t, c, u.srv.URL, "/ui/admin/orgs", url.Values{CSRFField: {csrf}, "name": {"Org of " + tc.who}})
			want := map[string]int{"user": http.StatusForbidden, "orgadmin": http.StatusForbidden, "admin": http.StatusOK}[tc.who]
			if status != want {
				t.Errorf("add org as %s: %d, want %d", tc.who, status, want)
			}
		})
	}
	// A short password is refused on the page, with the policy.
	c := u.client(t)
	csrf := u.login(t, c, "admin")
	status, body, _ := post(t, c, u.srv.URL, "/ui/admin/users", url.Values{CSRFField: {csrf}, "email": {"short@orgname.test"},
		"org_id": {"1"}, "role_id": {"3"}, "password": {"short"}})
	if status != http.StatusBadRequest || !strings.Contains(body, "Passwords must be between 12 and 72 bytes long.") {
		t.Errorf("short password: %d", status)
	}
}

func TestOtherOrgsEventHidden(t *testing.T) {
	u := newUI(t, Deps{}, "user", "user2")
	shared := u.addEvent(t, "user2", "Shared with the community", 1, "192.0.2.10")
	private := u.addEvent(t, "user2", "Org Two only", 0, "192.0.2.10", "192.0.2.99")
	mine := u.addEvent(t, "user", "Our event", 0, "192.0.2.10")
	c := u.client(t)
	u.login(t, c, "user")
	p := "/ui/events/" + strconv.FormatInt(private, 10)
	for _, path := range []string{p, p + "/graph", p + "/graph.json"} {
		status, body, _ := get(t, c, u.srv.URL, path)
		if status != http.StatusNotFound || strings.Contains(body, "Org Two only") {
			t.Errorf("GET %s = %d (leaks: %v)", path, status, strings.Contains(body, "Org Two only"))
		}
	}
	_, body, _ := get(t, c, u.srv.URL, "/ui/events")
	if strings.Contains(body, "Org Two only") || !strings.Contains(body, "Shared with the community") {
		t.Errorf("event list shows another org's private event, or hides a shared one")
	}
	_, body, _ = get(t, c, u.srv.URL, "/ui/search?value=192.0.2.99")
	if !strings.Contains(body, "0 attribute(s)") {
		t.Errorf("search finds another org's private attribute")
	}
	// The correlations of our event name the shared event and never the private one.
	_, body, _ = get(t, c, u.srv.URL, "/ui/events/"+strconv.FormatInt(mine, 10))
	if !strings.Contains(body, `href="/ui/events/`+strconv.FormatInt(shared, 10)+`"`) || strings.Contains(body, `href="/ui/events/`+strconv.FormatInt(private, 10)+`"`) {
		t.Errorf("correlations on the event page:\n%s", body)
	}
	var g Graph
	_, body, _ = get(t, c, u.srv.URL, "/ui/events/"+strconv.FormatInt(mine, 10)+"/graph.json")
	if err := json.Unmarshal([]byte(body), &g); err != nil {
		t.Fatal(err)
	}
	ids := map[string]bool{}
	for _, n := range g.Nodes {
		ids[n.ID] = true
	}
	if !ids["e"+strconv.FormatInt(shared, 10)] || ids["e"+strconv.FormatInt(private, 10)] || !ids["v192.0.2.10"] || len(g.Edges) != 2 {
		t.Errorf("graph = %+v", g)
	}
	// Export holds only what the user may read.
	_, body, _ = get(t, c, u.srv.URL, "/ui/export/download?format=csv&to_ids=any&published=any")
	if strings.Contains(body, "192.0.2.99") || !strings.Contains(body, "192.0.2.10") {
		t.Errorf("csv export:\n%s", body)
	}
}

func TestImportAndFreetext(t *testing.T) {
	u := newUI(t, Deps{MaxUploadBytes: 4096}, "user")
	c := u.client(t)
	csrf := u.login(t, c, "user")
	upload := func(name string, data []byte) (int, string, http.Header) {
		var buf bytes.Buffer
		mw := multipart.NewWriter(&buf)
		_ = mw.WriteField(CSRFField, csrf)
		fw, _ := mw.CreateFormFile("file", name)
		_, _ = fw.Write(data)
		_ = mw.Close()
		req, _ := http.NewRequest(http.MethodPost, u.srv.URL+"/ui/import/json", &buf)
		req.Header.Set("Content-Type", mw.FormDataContentType())
		res, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b), res.Header
	}
	ev := `{"Event":{"info":"Uploaded event","uuid":"5e1f1c1e-0000-4000-8000-00000000a001","Attribute":[{"type":"domain","category":"Network activity","value":"upload.example.net"}]}}`
	status, _, hdr := upload("e.json", []byte(ev))
	if status != http.StatusSeeOther || !strings.HasPrefix(hdr.Get("Location"), "/ui/events/") {
		t.Fatalf("upload: %d %s", status, hdr.Get("Location"))
	}
	// Again: the uuid is taken, and the page says so.
	status, body, _ := upload("e.json", []byte(ev))
	if status != http.StatusOK || !strings.Contains(body, "already stored") {
		t.Errorf("second upload: %d\n%.500s", status, body)
	}
	for _, tc := range []struct {
		name, data, want string
		status           int
	}{
		{"not json", "not json", "malformed", http.StatusBadRequest},
		{"too large", `{"Event":{"info":"` + strings.Repeat("x", 5000) + `"}}`, "larger than 4096 bytes", http.StatusRequestEntityTooLarge},
		{"request too large", strings.Repeat("x", 4096+formOverhead), "The request is larger than", http.StatusRequestEntityTooLarge},
	} {
		status, body, _ := upload("x.json", []byte(tc.data))
		if status != tc.status || !strings.Contains(body, tc.want) {
			t.Errorf("%s: %d, want %d with %q", tc.name, status, tc.status, tc.want)
		}
	}

	// Free text: the review page offers each value with its types; the analyst keeps some and changes a type.
	status, body, _ = post(t, c, u.srv.URL, "/ui/import/freetext", url.Values{CSRFField: {csrf},
		"text": {"seen hxxp://evil[.]example[.]com/a and 203.0.113.5, also 203.0.113.6"}, "event": {"0"}, "info": {"Pasted report"}})
	if status != http.StatusOK || !strings.Contains(body, "http://evil.example.com/a") || !strings.Contains(body, `<option value="ip-src"`) {
		t.Fatalf("review: %d\n%s", status, body)
	}
	n := strings.Count(body, `name="keep`)
	form := url.Values{CSRFField: {csrf}, "event": {"0"}, "info": {"Pasted report"}, "n": {strconv.Itoa(n)}}
	for i := range n {
		k := strconv.Itoa(i)
		v := regexp.MustCompile(`name="value` + k + `" value="([^"]+)"`).FindStringSubmatch(body)[1]
		if v == "203.0.113.6" {
			continue // not kept
		}
		form.Set("keep"+k, "1")
		form.Set("value"+k, v)
		typ := regexp.MustCompile(`name="type` + k + `"><option value="([^"]+)"`).FindStringSubmatch(body)[1]
		if v == "203.0.113.5" {
			typ = "ip-src"
		}
		form.Set("type"+k, typ)
		form.Set("ids"+k, "1")
	}
	status, _, hdr = post(t, c, u.srv.URL, "/ui/import/freetext/save", form)
	if status != http.StatusSeeOther {
		t.Fatalf("save: %d", status)
	}
	id := strings.TrimPrefix(hdr.Get("Location"), "/ui/events/")
	e, err := u.f.Svc.ViewEvent(t.Context(), u.f.ACL("user"), id, intel.EventViewOptions{})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, a := range e.Attribute {
		got[a.Value] = a.Type
	}
	if e.Info != "Pasted report" || len(got) != 2 || got["203.0.113.5"] != "ip-src" || got["http://evil.example.com/a"] != "url" {
		t.Errorf("saved event %q with %v", e.Info, got)
	}
	// An unknown type is refused on the page.
	status, body, _ = post(t, c, u.srv.URL, "/ui/import/freetext/save", url.Values{CSRFField: {csrf}, "n": {"1"}, "keep0": {"1"},
		"value0": {"x"}, "type0": {"no-such-type"}})
	if status != http.StatusBadRequest || !strings.Contains(body, "is not an attribute type") {
		t.Errorf("unknown type: %d", status)
	}
}

func TestExportFormats(t *testing.T) {
	u := newUI(t, Deps{}, "publisher")
	id := u.addEvent(t, "publisher", "Export me", 1, "198.51.100.20")
	if _, err := u.f.Svc.PublishEvent(t.Context(), u.f.ACL("publisher"), strconv.FormatInt(id, 10)); err != nil {
		t.Fatal(err)
	}
	c := u.client(t)
	u.login(t, c, "publisher")
	for _, f := range intel.Formats() {
		for _, scope := range []string{"attributes", "events"} {
			status, body, hdr := get(t, c, u.srv.URL, "/ui/export/download?scope="+scope+"&format="+string(f))
			if status != http.StatusOK || !strings.HasPrefix(hdr.Get("Content-Disposition"), `attachment; filename="hunch-`+scope+"-"+string(f)) {
				t.Errorf("%s/%s: %d %q", scope, f, status, hdr.Get("Content-Disposition"))
			}
			if f != intel.FormatRPZ && f != intel.FormatHashes && !strings.Contains(body, "198.51.100.20") {
				t.Errorf("%s/%s lacks the value:\n%.300s", scope, f, body)
			}
		}
	}
	status, body, _ := get(t, c, u.srv.URL, "/ui/export/download?format=yara")
	if status != http.StatusBadRequest || !strings.Contains(body, "not supported") {
		t.Errorf("unsupported format: %d\n%.300s", status, body)
	}
}

func TestStaticAssets(t *testing.T) {
	u := newUI(t, Deps{})
	c := u.client(t)
	for _, p := range []string{"/ui/static/app.js", "/ui/static/app.css", "/ui/static/vendor/htmx.min.js", "/ui/static/vendor/cytoscape.min.js"} {
		status, _, hdr := get(t, c, u.srv.URL, p)
		if status != http.StatusOK || hdr.Get("Content-Security-Policy") != CSP {
			t.Errorf("GET %s = %d", p, status)
		}
	}
	// The root redirect sends browsers to the UI and passes other clients on.
	api := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusTeapot) })
	for accept, want := range map[string]int{"text/html,application/xhtml+xml": http.StatusSeeOther, "application/json": http.StatusTeapot} {
		rec := httptest.NewRecorder()
		req := httptest.NewRequest(http.MethodGet, "/", nil)
		req.Header.Set("Accept", accept)
		RootRedirect(api).ServeHTTP(rec, req)
		if rec.Code != want {
			t.Errorf("GET / with Accept %s = %d, want %d", accept, rec.Code, want)
		}
	}
}

// TestVendoredVersions checks that each vendored file is the one VERSIONS names, by sha256.
func TestVendoredVersions(t *testing.T) {
	b, err := fs.ReadFile(staticFiles, "static/vendor/VERSIONS")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for line := range strings.Lines(string(b)) {
		f := strings.Fields(line)
		if len(f) == 0 || strings.HasPrefix(f[0], "#") {
			continue
		}
		if len(f) != 4 || !strings.HasPrefix(f[2], "dist/") {
			t.Fatalf("VERSIONS line %q: want package version dist/file sha256", line)
		}
		data, err := fs.ReadFile(staticFiles, "static/vendor/"+strings.TrimPrefix(f[2], "dist/"))
		if err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256(data)
		if got := hex.EncodeToString(sum[:]); got != f[3] {
			t.Errorf("%s %s: sha256 %s, VERSIONS says %s", f[0], f[1], got, f[3])
		}
		n++
	}
	if n != 2 {
		t.Errorf("VERSIONS lists %d files, want htmx and cytoscape", n)
	}
}

// TestNoInlineScriptOrStyle reads every template and script for what the CSP would block: inline scripts, style
// elements and attributes, event-handler attributes, javascript: URLs.
func TestNoInlineScriptOrStyle(t *testing.T) {
	bad := regexp.MustCompile(`(?i)<script(\s[^>]*)?>\s*[^<\s]|<script>|<style|\sstyle\s*=|\son[a-z]+\s*=|javascript:|hx-on`)
	err := fs.WalkDir(templateFiles, "templates", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(templateFiles, p)
		if err != nil {
			return err
		}
		if m := bad.Find(b); m != nil {
			t.Errorf("%s: %q", p, m)
		}
		for _, s := range regexp.MustCompile(`<script[^>]*>`).FindAll(b, -1) {
			if !bytes.Contains(s, []byte(`src="/ui/static/`)) {
				t.Errorf("%s: script not from the UI's static files: %s", p, s)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// base64Len returns how many bytes a base64url token decodes to.
func base64Len(s string) (int, error) {
	b, err := decodeToken(s)
	return len(b), err
}

var _ store.Logins = store.Intel(nil)

func TestLimits(t *testing.T) {
	u := newUI(t, Deps{SearchLimit: 3, GraphValues: 2}, "user")
	var vals []string
	for i := range 5 {
		vals = append(vals, "198.51.100."+strconv.Itoa(i+1))
	}
	id := u.addEvent(t, "user", "Five values", 1, vals...)
	u.addEvent(t, "user", "The same five", 1, vals...)
	c := u.client(t)
	u.login(t, c, "user")

	// A search asking for more than SearchLimit shows SearchLimit, and says how many match.
	_, body, _ := get(t, c, u.srv.URL, "/ui/search?value=198.51.100.%25&limit=50")
	if !strings.Contains(body, "10 attribute(s) match; 3 shown.") {
		t.Errorf("search over the limit:\n%s", body)
	}
	// The graph keeps GraphValues value nodes.
	var g Graph
	_, body, _ = get(t, c, u.srv.URL, "/ui/events/"+strconv.FormatInt(id, 10)+"/graph.json")
	if err := json.Unmarshal([]byte(body), &g); err != nil {
		t.Fatal(err)
	}
	kinds := map[string]int{}
	for _, n := range g.Nodes {
		kinds[n.Kind]++
	}
	if kinds["value"] != 2 || kinds["event"] != 1 || kinds["related"] != 1 || len(g.Edges) != 4 {
		t.Errorf("graph over the limit: %v, %d edges", kinds, len(g.Edges))
	}
	seen := map[string]bool{}
	for _, n := range g.Nodes {
		seen[n.ID] = true
	}
	for _, e := range g.Edges {
		if seen[e.ID] {
			t.Errorf("edge id %q is also a node id", e.ID)
		}
		seen[e.ID] = true
	}
}

func TestLimiterBounded(t *testing.T) {
	clk := &clock{t: time.Unix(1e9, 0)}
	l := newLimiter(1, time.Minute, clk.now)
	l.maxKeys = 10
	for i := range 25 {
		l.fail("ip:" + strconv.Itoa(i))
		if len(l.counts) > l.maxKeys {
			t.Fatalf("the limiter holds %d keys, over its bound of %d", len(l.counts), l.maxKeys)
		}
	}
	if !l.blocked("ip:24") {
		t.Error("the newest key was dropped")
	}
}

func TestWarninglistHits(t *testing.T) {
	data := t.TempDir()
	list := filepath.Join(data, "warninglists", "lists", "doc-net", "list.json")
	if err := os.MkdirAll(filepath.Dir(list), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(list, []byte(`{"name":"Documentation network","description":"test","version":1,
		"type":"cidr","list":["198.51.100.0/24"],"matching_attributes":["ip-src","ip-dst"]}`), 0o644); err != nil {
		t.Fatal(err)
	}
	u := newUIWith(t, inteltest.Options{DataDir: data}, Deps{}, "user")
	on := true
	if _, err := u.f.Svc.SetWarninglistsEnabled(t.Context(), u.f.ACL("admin"), nil, []string{"Documentation network"}, &on); err != nil {
		t.Fatal(err)
	}
	id := u.addEvent(t, "user", "Doc nets", 1, "198.51.100.5", "203.0.113.5")
	c := u.client(t)
	csrf := u.login(t, c, "user")
	badge := `<span class="badge warn">Documentation network</span>`
	_, body, _ := get(t, c, u.srv.URL, "/ui/events/"+strconv.FormatInt(id, 10))
	if strings.Count(body, badge) != 1 || !regexp.MustCompile(`198\.51\.100\.5</td>(?s:.*?)`+regexp.QuoteMeta(badge)).MatchString(body) {
		t.Errorf("event page: want one warninglist badge, on 198.51.100.5:\n%s", body)
	}
	_, body, _ = get(t, c, u.srv.URL, "/ui/search?value=198.51.100.5")
	if !strings.Contains(body, badge) {
		t.Errorf("search results lack the warninglist badge")
	}
	_, body, _ = post(t, c, u.srv.URL, "/ui/import/freetext", url.Values{CSRFField: {csrf}, "text": {"198.51.100.9 203.0.113.9"}})
	if strings.Count(body, badge) != 1 || !strings.Contains(body, `name="ids0" value="1" >`) || !strings.Contains(body, `name="ids1" value="1" checked>`) {
		t.Errorf("free-text review: the listed value should carry the badge and start without IDS:\n%s", body)
	}
}

// TestFeedsPage: a site admin adds a free-text feed, fetches and caches it from its page, and the event page shows
// the feed's hit on a value it holds; other users are refused the page.
func TestFeedsPage(t *testing.T) {
	list := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, "# known bad\n198.51.100.5\n")
	}))
	t.Cleanup(list.Close)
	u := newUI(t, Deps{}, "admin", "user")
	id := u.addEvent(t, "admin", "Seen in a feed", 1, "198.51.100.5", "203.0.113.5")

	c := u.client(t)
	u.login(t, c, "user")
	if status, _, _ := get(t, c, u.srv.URL, "/ui/admin/feeds"); status != http.StatusForbidden {
		t.Errorf("a user got the feeds page: %d", status)
	}

	c = u.client(t)
	csrf := u.login(t, c, "admin")
	status, body, _ := post(t, c, u.srv.URL, "/ui/admin/feeds", url.Values{CSRFField: {csrf}, "name": {"Bad <b>IPs</b>"},
		"provider": {"test"}, "url": {list.URL + "/list.txt"}, "source_format": {"freetext"}, "enabled": {"1"},
		"caching_enabled": {"1"}})
	if status != http.StatusOK || !strings.Contains(body, "Feed Bad &lt;b&gt;IPs&lt;/b&gt; added.") {
		t.Fatalf("add feed: %d\n%.800s", status, body)
	}
	feeds, err := u.f.Svc.Feeds(t.Context(), u.f.ACL("admin"))
	if err != nil || len(feeds) != 1 {
		t.Fatalf("feeds: %v %v", feeds, err)
	}
	fid := strconv.FormatInt(int64(feeds[0].ID), 10)
	if status, body, _ = post(t, c, u.srv.URL, "/ui/admin/feeds/"+fid+"/fetch", url.Values{CSRFField: {csrf}}); status != http.StatusOK ||
		!strings.Contains(body, "Fetched: ") || !strings.Contains(body, "; 1 values.") {
		t.Errorf("fetch: %d\n%.800s", status, body)
	}
	if status, body, _ = post(t, c, u.srv.URL, "/ui/admin/feeds/"+fid+"/cache", url.Values{CSRFField: {csrf}}); status != http.StatusOK ||
		!strings.Contains(body, "Cached: the feed holds 1 values.") {
		t.Errorf("cache: %d\n%.800s", status, body)
	}
	if status, _, _ = post(t, c, u.srv.URL, "/ui/admin/feeds/"+fid+"/cache", url.Values{}); status != http.StatusForbidden {
		t.Errorf("cache without the CSRF token: %d", status)
	}
	_, body, _ = get(t, c, u.srv.URL, "/ui/events/"+strconv.FormatInt(id, 10))
	badge := `<span class="badge feed">Bad &lt;b&gt;IPs&lt;/b&gt;</span>`
	if strings.Count(body, badge) != 1 || !regexp.MustCompile(`198\.51\.100\.5</td>(?s:.*?)`+regexp.QuoteMeta(badge)).MatchString(body) {
		t.Errorf("event page: want one feed badge, on 198.51.100.5:\n%s", body)
	}
}
