package splunk

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hunchsec/hunch/record"
	"github.com/hunchsec/hunch/siem"
)

// splunkd replays the management port's replies in their documented JSON format and records
// every request it saw, so tests can assert path, parameters and Authorization.
type splunkd struct {
	t       *testing.T
	mu      sync.Mutex
	reqs    []seenReq
	handler func(w http.ResponseWriter, r *http.Request, form url.Values)
}

type seenReq struct {
	method, path, auth string
	form               url.Values
}

func (s *splunkd) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		s.t.Errorf("form: %v", err)
	}
	s.mu.Lock()
	s.reqs = append(s.reqs, seenReq{r.Method, r.URL.Path, r.Header.Get("Authorization"), r.Form})
	s.mu.Unlock()
	if r.URL.Path == "/services/auth/login" {
		if r.PostForm.Get("username") == "admin" && r.PostForm.Get("password") == "changeme" && r.PostForm.Get("output_mode") == "json" {
			io.WriteString(w, `{"sessionKey":"192fd3e4SESSION"}`)
			return
		}
		w.WriteHeader(http.StatusUnauthorized)
		io.WriteString(w, `{"messages":[{"type":"WARN","code":"incorrect_username_or_password","text":"Login failed"}]}`)
		return
	}
	s.handler(w, r, r.Form)
}

func (s *splunkd) seen() []seenReq {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]seenReq(nil), s.reqs...)
}

func newSplunkd(t *testing.T, h func(w http.ResponseWriter, r *http.Request, form url.Values)) (*splunkd, *httptest.Server) {
	s := &splunkd{t: t, handler: h}
	srv := httptest.NewTLSServer(s)
	t.Cleanup(srv.Close)
	return s, srv
}

func testClient(t *testing.T, srv *httptest.Server, cfg Config, opts ...Option) *Client {
	t.Helper()
	cfg.URL = srv.URL
	if cfg.Username == "" && !cfg.Token.IsSet() {
		cfg.Token = "env:SPLUNK_TOKEN"
	}
	c, err := New(cfg, func(k string) string {
		return map[string]string{"SPLUNK_TOKEN": "eyJTOKEN", "SPLUNK_PASSWORD": "changeme"}[k]
	}, append([]Option{WithHTTPClient(srv.Client())}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func collect(s record.Stream) ([]record.Record, error) {
	var out []record.Record
	for r, err := range s {
		if err != nil {
			return out, err
		}
		out = append(out, r)
	}
	return out, nil
}

const exportReply = `{"preview":true,"offset":0,"result":{"host":"web01","count":"1"}}
{"messages":[{"type":"INFO","text":"Your timerange was substituted based on your search string"}]}
{"preview":false,"offset":0,"result":{"_time":"2024-05-01T10:00:00.000+00:00","host":"web01","_raw":"GET /a.ps1","src":["10.0.0.1","10.0.0.2"]}}
{"messages":[{"type":"WARN","text":"Search results might be incomplete: the search process on the peer idx2 ended prematurely."}]}
{"preview":false,"offset":1,"lastrow":true,"result":{"_time":"2024-05-01T10:00:05.000+00:00","host":"web02","_raw":"GET /b"}}
`

func TestExportStreamsResults(t *testing.T) {
	sd, srv := newSplunkd(t, func(w http.ResponseWriter, r *http.Request, form url.Values) {
		io.WriteString(w, exportReply)
	})
	var warnings []string
	c := testClient(t, srv, Config{}, WithWarnings(func(m string) { warnings = append(warnings, m) }))
	from := time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC)
	recs, err := collect(c.Search(context.Background(), siem.Query{Text: `index=web "a.ps1"`, Language: siem.SPL,
		Range: siem.Range{From: from, To: from.Add(36 * time.Hour)}}))
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 2 {
		t.Fatalf("%d records (preview rows must be dropped): %v", len(recs), recs)
	}
	if got := strings.Join(recs[0].Names(), ","); got != "_time,host,_raw,src" {
		t.Errorf("field order %s", got)
	}
	if tm, ok := recs[0].Fields()[0].Value.Time(); !ok || !tm.Equal(time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC)) {
		t.Errorf("_time %v", recs[0].Fields()[0].Value)
	}
	if src, _ := recs[0].Get("src"); len(src.List()) != 2 || src.List()[1].Text() != "10.0.0.2" {
		t.Errorf("multi-value src %v", src)
	}
	if len(warnings) != 1 || !strings.Contains(warnings[0], "ended prematurely") {
		t.Errorf("warnings %q", warnings)
	}
	reqs := sd.seen()
	if len(reqs) != 1 {
		t.Fatalf("requests %v", reqs)
	}
	r := reqs[0]
	if r.method != http.MethodPost || r.path != "/services/search/v2/jobs/export" || r.auth != "Bearer eyJTOKEN" {
		t.Errorf("request %s %s %q", r.method, r.path, r.auth)
	}
	if r.form.Get("search") != `search index=web "a.ps1"` || r.form.Get("output_mode") != "json" ||
		r.form.Get("earliest_time") != "1714521600" || r.form.Get("latest_time") != "1714651200" {
		t.Errorf("form %v", r.form)
	}
}

func TestExportLimitAndGeneratingSearch(t *testing.T) {
	sd, srv := newSplunkd(t, func(w http.ResponseWriter, r *http.Request, form url.Values) {
		for i := range 50 {
			fmt.Fprintf(w, `{"preview":false,"offset":%d,"result":{"n":"%d"}}`+"\n", i, i)
		}
	})
	c := testClient(t, srv, Config{App: "search"})
	recs, err := collect(c.Search(context.Background(), siem.Query{Text: "| makeresults count=50", Language: siem.SPL, Limit: 7}))
	if err != nil || len(recs) != 7 {
		t.Fatalf("%d records, %v", len(recs), err)
	}
	r := sd.seen()[0]
	if r.path != "/servicesNS/nobody/search/search/v2/jobs/export" || r.form.Get("search") != "| makeresults count=50" {
		t.Errorf("request %s %v", r.path, r.form)
	}
	if _, ok := r.form["earliest_time"]; ok {
		t.Errorf("no range was given, yet earliest_time was sent: %v", r.form)
	}
}

func TestAuthModes(t *testing.T) {
	sd, srv := newSplunkd(t, func(w http.ResponseWriter, r *http.Request, form url.Values) {
		io.WriteString(w, `{"preview":false,"offset":0,"lastrow":true,"result":{"a":"1"}}`)
	})
	q := siem.Query{Text: "index=main", Language: siem.SPL}
	session := testClient(t, srv, Config{Username: "admin", Password: "env:SPLUNK_PASSWORD"})
	for range 2 {
		if _, err := collect(session.Search(context.Background(), q)); err != nil {
			t.Fatal(err)
		}
	}
	basic := testClient(t, srv, Config{Username: "admin", Password: "env:SPLUNK_PASSWORD", Basic: true})
	if _, err := collect(basic.Search(context.Background(), q)); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range sd.seen() {
		got = append(got, r.path+" "+r.auth)
	}
	want := []string{
		"/services/auth/login ", // one login, the key reused
		"/services/search/v2/jobs/export Splunk 192fd3e4SESSION",
		"/services/search/v2/jobs/export Splunk 192fd3e4SESSION",
		"/services/search/v2/jobs/export Basic YWRtaW46Y2hhbmdlbWU=",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("requests\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestSearchFailures(t *testing.T) {
	for _, tc := range []struct {
		name   string
		cfg    Config
		status int
		body   string
		is     error
		want   string
	}{
		{"login refused", Config{Username: "admin", Password: "wrong"}, 0, "", ErrAuth, "Login failed"},
		{"token refused", Config{}, http.StatusUnauthorized, `{"messages":[{"type":"ERROR","text":"Unauthorized"}]}`, ErrAuth, "HTTP 401: ERROR: Unauthorized"},
		{"bad search", Config{}, http.StatusBadRequest, `{"messages":[{"type":"FATAL","text":"Unknown search command 'nosuchcmd'."}]}`, ErrSearch, "Unknown search command"},
		{"server error", Config{}, http.StatusInternalServerError, `<html>oops</html>`, ErrServer, "HTTP 500: ERROR: <html>oops</html>"},
		{"error in a 200 stream", Config{}, http.StatusOK, `{"preview":false,"offset":0,"result":{"a":"1"}}` + "\n" + `{"messages":[{"type":"ERROR","text":"Error in 'lookup' command: Could not find all of the specified lookup fields"}]}`, ErrSearch, "Could not find all"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, srv := newSplunkd(t, func(w http.ResponseWriter, r *http.Request, form url.Values) {
				w.WriteHeader(tc.status)
				io.WriteString(w, tc.body)
			})
			c := testClient(t, srv, tc.cfg)
			recs, err := collect(c.Search(context.Background(), siem.Query{Text: "index=main | nosuchcmd", Language: siem.SPL}))
			if !errors.Is(err, tc.is) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err %v (records %d), want %v containing %q", err, len(recs), tc.is, tc.want)
			}
		})
	}
	_, srv := newSplunkd(t, nil)
	c := testClient(t, srv, Config{})
	if _, err := collect(c.Search(context.Background(), siem.Query{Text: "SecurityEvent | take 1", Language: siem.KQL})); err == nil || !strings.Contains(err.Error(), "Splunk runs spl") {
		t.Errorf("a KQL query: %v", err)
	}
}

func TestExportCancelMidStream(t *testing.T) {
	closed := make(chan struct{})
	_, srv := newSplunkd(t, func(w http.ResponseWriter, r *http.Request, form url.Values) {
		io.WriteString(w, `{"preview":false,"offset":0,"result":{"n":"0"}}`+"\n")
		w.(http.Flusher).Flush()
		<-r.Context().Done() // splunkd keeps searching until the client goes away
		close(closed)
	})
	c := testClient(t, srv, Config{})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var n int
	var last error
	for _, err := range c.Search(ctx, siem.Query{Text: "index=main", Language: siem.SPL}) {
		if err != nil {
			last = err
			break
		}
		n++
		cancel()
	}
	if n != 1 || !errors.Is(last, context.Canceled) {
		t.Fatalf("%d records, last error %v", n, last)
	}
	select {
	case <-closed:
	case <-time.After(5 * time.Second):
		t.Fatal("the export connection was not closed")
	}
}

// jobServer is a search job that runs for two polls and holds total results, paged.
func jobServer(t *testing.T, total int, failed bool) (*splunkd, *httptest.Server) {
	polls := 0
	return newSplunkd(t, func(w http.ResponseWriter, r *http.Request, form url.Values) {
		switch {
		case r.Method == http.MethodPost && r.URL.Path == "/services/search/v2/jobs":
			if form.Get("exec_mode") != "normal" || form.Get("search") != "search index=main" {
				t.Errorf("create form %v", form)
			}
			w.WriteHeader(http.StatusCreated)
			io.WriteString(w, `{"sid":"1700000000.123"}`)
		case r.Method == http.MethodGet && r.URL.Path == "/services/search/jobs/1700000000.123":
			polls++
			state, done := "RUNNING", "false"
			switch {
			case polls > 2 && failed:
				io.WriteString(w, `{"entry":[{"name":"search index=main","content":{"sid":"1700000000.123","dispatchState":"FAILED","isDone":true,"isFailed":true,"messages":[{"type":"FATAL","text":"Search auto-canceled"}]}}]}`)
				return
			case polls > 2:
				state, done = "DONE", "true"
			}
			fmt.Fprintf(w, `{"entry":[{"name":"search index=main","content":{"sid":"1700000000.123","dispatchState":%q,"isDone":%s,"isFailed":false,"doneProgress":0.5,"resultCount":%d,"messages":[]}}]}`, state, done, total)
		case r.Method == http.MethodGet && r.URL.Path == "/services/search/v2/jobs/1700000000.123/results":
			var off, count int
			fmt.Sscan(form.Get("offset"), &off)
			fmt.Sscan(form.Get("count"), &count)
			if count <= 0 {
				t.Errorf("count=%q: never ask for all (maxresultrows caps it)", form.Get("count"))
			}
			var rows []string
			for i := off; i < min(off+count, total); i++ {
				rows = append(rows, fmt.Sprintf(`{"host":"h%d","count":"%d"}`, i, i))
			}
			fmt.Fprintf(w, `{"preview":false,"init_offset":%d,"messages":[],"fields":[{"name":"host"},{"name":"count"}],"results":[%s],"highlighted":{}}`, off, strings.Join(rows, ","))
		case r.Method == http.MethodDelete && r.URL.Path == "/services/search/jobs/1700000000.123":
			io.WriteString(w, `{"messages":[{"type":"INFO","text":"Search job cancelled."}]}`)
		default:
			t.Errorf("unexpected %s %s", r.Method, r.URL)
			w.WriteHeader(http.StatusNotFound)
		}
	})
}

func noSleep(context.Context, time.Duration) error { return nil }

func TestSearchJobPages(t *testing.T) {
	sd, srv := jobServer(t, 25, false)
	c := testClient(t, srv, Config{Mode: ModeJobs, PageSize: 10}, WithSleep(noSleep))
	recs, err := collect(c.Search(context.Background(), siem.Query{Text: "index=main", Language: siem.SPL}))
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 25 {
		t.Fatalf("%d records", len(recs))
	}
	if h, _ := recs[24].Get("host"); h.Text() != "h24" {
		t.Errorf("last record %v", recs[24])
	}
	var got []string
	for _, r := range sd.seen() {
		s := r.method + " " + r.path
		if r.form.Get("offset") != "" {
			s += " offset=" + r.form.Get("offset") + " count=" + r.form.Get("count")
		}
		got = append(got, s)
		if r.auth != "Bearer eyJTOKEN" {
			t.Errorf("%s without the token: %q", s, r.auth)
		}
	}
	want := []string{
		"POST /services/search/v2/jobs",
		"GET /services/search/jobs/1700000000.123", "GET /services/search/jobs/1700000000.123", "GET /services/search/jobs/1700000000.123",
		"GET /services/search/v2/jobs/1700000000.123/results offset=0 count=10",
		"GET /services/search/v2/jobs/1700000000.123/results offset=10 count=10",
		"GET /services/search/v2/jobs/1700000000.123/results offset=20 count=10",
		"DELETE /services/search/jobs/1700000000.123",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("requests\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestSearchJobFailsAndLimit(t *testing.T) {
	sd, srv := jobServer(t, 25, true)
	c := testClient(t, srv, Config{Mode: ModeJobs, PageSize: 10}, WithSleep(noSleep))
	_, err := collect(c.Search(context.Background(), siem.Query{Text: "index=main", Language: siem.SPL}))
	if !errors.Is(err, ErrSearch) || !strings.Contains(err.Error(), "Search auto-canceled") {
		t.Fatalf("err %v", err)
	}
	if reqs := sd.seen(); reqs[len(reqs)-1].method != http.MethodDelete {
		t.Errorf("the failed job was not deleted: %v", reqs[len(reqs)-1])
	}

	sd, srv = jobServer(t, 25, false)
	c = testClient(t, srv, Config{Mode: ModeJobs, PageSize: 10}, WithSleep(noSleep))
	recs, err := collect(c.Search(context.Background(), siem.Query{Text: "index=main", Language: siem.SPL, Limit: 13}))
	if err != nil || len(recs) != 13 {
		t.Fatalf("%d records, %v", len(recs), err)
	}
	reqs := sd.seen()
	if last := reqs[len(reqs)-2]; last.form.Get("offset") != "10" || last.form.Get("count") != "3" {
		t.Errorf("the last page should ask for the 3 still wanted: %v", last.form)
	}
}

func TestSearchJobCancelDeletesJob(t *testing.T) {
	sd, srv := jobServer(t, 25, false)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	c := testClient(t, srv, Config{Mode: ModeJobs, PageSize: 10}, WithSleep(noSleep))
	n := 0
	var last error
	for _, err := range c.Search(ctx, siem.Query{Text: "index=main", Language: siem.SPL}) {
		if err != nil {
			last = err
			break
		}
		if n++; n == 12 {
			cancel()
		}
	}
	if !errors.Is(last, context.Canceled) || n != 20 {
		t.Fatalf("%d records (the page in hand is delivered), last %v", n, last)
	}
	reqs := sd.seen()
	if reqs[len(reqs)-1].method != http.MethodDelete {
		t.Errorf("the cancelled job was not deleted: %v", reqs[len(reqs)-1])
	}
}

func TestNewRefusesBadConfig(t *testing.T) {
	getenv := func(string) string { return "" }
	for _, tc := range []struct {
		cfg  Config
		want string
	}{
		{Config{}, "url is required"},
		{Config{URL: "splunk:8089", Token: "x"}, "want http(s)://host:port"},
		{Config{URL: "https://s:8089"}, "no credentials"},
		{Config{URL: "https://s:8089", Token: "x", Username: "u"}, "not both"},
		{Config{URL: "https://s:8089", Token: "env:NOPE"}, "NOPE is not set"},
		{Config{URL: "https://s:8089", Token: "x", Mode: "oneshot"}, `mode "oneshot"`},
		{Config{URL: "https://s:8089", Token: "x", CAFile: "/nonexistent.pem"}, "ca_file"},
		{Config{URL: "https://s:8089", Token: "x", PageSize: -1}, "must not be negative"},
	} {
		if _, err := New(tc.cfg, getenv); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: %v, want %q", tc.cfg, err, tc.want)
		}
	}
}

func TestTLSVerifiedByDefault(t *testing.T) {
	_, srv := newSplunkd(t, func(w http.ResponseWriter, r *http.Request, form url.Values) {})
	c, err := New(Config{URL: srv.URL, Token: "x"}, func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	_, err = collect(c.Search(context.Background(), siem.Query{Text: "index=main", Language: siem.SPL}))
	if err == nil || !strings.Contains(err.Error(), "certificate") {
		t.Fatalf("a self-signed server was trusted: %v", err)
	}
}

func TestPasswords(t *testing.T) {
	sd, srv := newSplunkd(t, func(w http.ResponseWriter, r *http.Request, form url.Values) {
		if r.Method != http.MethodGet || r.URL.Path != "/servicesNS/nobody/hunch/storage/passwords" || form.Get("count") != "0" {
			t.Errorf("request %s %s %v", r.Method, r.URL.Path, form)
		}
		io.WriteString(w, `{"links":{},"origin":"https://127.0.0.1:8089/servicesNS/nobody/hunch/storage/passwords","entry":[
 {"name":"hunch:VT_KEY:","content":{"clear_password":"vt-secret","encr_password":"$7$x","password":"********","realm":"hunch","username":"VT_KEY"}},
 {"name":"other:VT_KEY:","content":{"clear_password":"not-ours","realm":"other","username":"VT_KEY"}},
 {"name":"hunch:OTX_KEY:","content":{"clear_password":"otx-secret","realm":"hunch","username":"OTX_KEY"}}],"paging":{"total":3,"perPage":0,"offset":0}}`)
	})
	c, err := New(Config{URL: srv.URL, SessionKey: "splunkd-key", App: "hunch"}, func(string) string { return "" }, WithHTTPClient(srv.Client()))
	if err != nil {
		t.Fatal(err)
	}
	got, err := c.Passwords(context.Background(), "hunch")
	if err != nil || len(got) != 2 || got["VT_KEY"] != "vt-secret" || got["OTX_KEY"] != "otx-secret" {
		t.Fatalf("%v %v", got, err)
	}
	if r := sd.seen()[0]; r.auth != "Splunk splunkd-key" {
		t.Errorf("auth %q", r.auth)
	}
}
