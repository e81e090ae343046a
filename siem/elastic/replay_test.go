package elastic

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"
)

// exchange is one expected request and the reply the replay server gives to it.
type exchange struct {
	method string
	path   string
	query  url.Values // exact; nil means none
	body   string     // expected body: JSON compared as values, NDJSON (ndjson true) byte for byte; "" means none
	ndjson bool
	status int // 0 means 200
	reply  string
	header map[string]string
	hook   func() // run before replying (cancel a context, …)
}

// replay is an httptest handler that serves the exchanges in order and asserts each request
// against its exchange.
type replay struct {
	t     testing.TB
	auth  string // expected Authorization header, "" for none
	mu    sync.Mutex
	steps []exchange
	n     int
}

func (r *replay) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	r.mu.Lock()
	if r.n >= len(r.steps) {
		r.mu.Unlock()
		r.t.Errorf("unexpected request %d: %s %s", r.n+1, req.Method, req.URL)
		http.Error(w, `{"error":"unexpected"}`, http.StatusTeapot)
		return
	}
	ex := r.steps[r.n]
	r.n++
	step := r.n
	r.mu.Unlock()
	t := r.t
	if req.Method != ex.method || req.URL.Path != ex.path {
		t.Errorf("request %d: got %s %s, want %s %s", step, req.Method, req.URL.Path, ex.method, ex.path)
	}
	got := req.URL.Query()
	if len(got) == 0 {
		got = nil
	}
	if !reflect.DeepEqual(got, ex.query) {
		t.Errorf("request %d (%s): query %v, want %v", step, ex.path, got, ex.query)
	}
	if a := req.Header.Get("Authorization"); a != r.auth {
		t.Errorf("request %d: Authorization %q, want %q", step, a, r.auth)
	}
	body, _ := io.ReadAll(req.Body)
	switch {
	case ex.ndjson:
		if ct := req.Header.Get("Content-Type"); ct != "application/x-ndjson" {
			t.Errorf("request %d: Content-Type %q, want application/x-ndjson", step, ct)
		}
		if string(body) != ex.body {
			t.Errorf("request %d: body\n%s\nwant\n%s", step, body, ex.body)
		}
	case ex.body == "":
		if len(body) != 0 {
			t.Errorf("request %d: unexpected body %s", step, body)
		}
	default:
		if ct := req.Header.Get("Content-Type"); ct != "application/json" {
			t.Errorf("request %d: Content-Type %q, want application/json", step, ct)
		}
		var g, wnt any
		if err := json.Unmarshal(body, &g); err != nil {
			t.Errorf("request %d: body is not json: %v: %s", step, err, body)
		}
		if err := json.Unmarshal([]byte(ex.body), &wnt); err != nil {
			t.Errorf("request %d: bad expected body: %v", step, err)
		}
		if !reflect.DeepEqual(g, wnt) {
			t.Errorf("request %d (%s): body\n%s\nwant\n%s", step, ex.path, body, ex.body)
		}
	}
	if ex.hook != nil {
		ex.hook()
	}
	for k, v := range ex.header {
		w.Header().Set(k, v)
	}
	w.Header().Set("Content-Type", "application/json")
	if ex.status != 0 {
		w.WriteHeader(ex.status)
	}
	_, _ = io.WriteString(w, ex.reply)
}

// done asserts that every exchange happened.
func (r *replay) done() {
	r.t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.n != len(r.steps) {
		r.t.Errorf("%d of %d expected requests made", r.n, len(r.steps))
	}
}

// warnings collects the client's warnings.
type warnings struct {
	mu  sync.Mutex
	msg []string
}

func (w *warnings) add(m string) { w.mu.Lock(); w.msg = append(w.msg, m); w.mu.Unlock() }

func (w *warnings) all() string { w.mu.Lock(); defer w.mu.Unlock(); return strings.Join(w.msg, "\n") }

// newReplay starts a TLS replay server and a client for it. cfg.URL is set to the server's.
func newReplay(t *testing.T, cfg Config, auth string, steps ...exchange) (*Client, *replay, *warnings) {
	t.Helper()
	rp := &replay{t: t, auth: auth, steps: steps}
	srv := httptest.NewTLSServer(rp)
	t.Cleanup(srv.Close)
	cfg.URL = srv.URL
	w := &warnings{}
	c, err := New(cfg, func(string) string { return "" }, WithHTTPClient(srv.Client()), WithWarnings(w.add), WithSleep(noSleep))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(rp.done)
	return c, rp, w
}

// noSleep skips retry delays.
func noSleep(ctx context.Context, _ time.Duration) error { return ctx.Err() }

// replayClient starts a TLS server for rp and a client for it; opts come after the test defaults.
func replayClient(t *testing.T, rp *replay, cfg Config, opts ...Option) *Client {
	t.Helper()
	srv := httptest.NewTLSServer(rp)
	t.Cleanup(srv.Close)
	cfg.URL = srv.URL
	w := &warnings{}
	c, err := New(cfg, func(string) string { return "" }, append([]Option{WithHTTPClient(srv.Client()), WithWarnings(w.add), WithSleep(noSleep)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(rp.done)
	return c
}
