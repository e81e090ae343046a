// Package enrichtest holds what provider tests share: a fake clock, an HTTP server that serves
// scripted replies and records every request, the standard error matrix every HTTP provider
// must pass (401/403, 404, 429 with Retry-After, 5xx, malformed JSON), and the checks every
// provider's results, cancellation and constructor must pass.
package enrichtest

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hunchsec/hunch/enrich"
)

// Clock is a fake enrich.Clock: Sleep returns at once and moves the clock forward, so waits are
// measured, not spent. Safe for concurrent use.
type Clock struct {
	mu     sync.Mutex
	now    time.Time
	sleeps []time.Duration
}

// NewClock returns a fake clock reading start (zero: 2026-01-01T00:00:00Z).
func NewClock(start time.Time) *Clock {
	if start.IsZero() {
		start = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	return &Clock{now: start}
}

// Now returns the fake time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Sleep records d and advances the clock to at least the time the sleep started plus d.
func (c *Clock) Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.sleeps = append(c.sleeps, d)
	if d > 0 {
		c.now = c.now.Add(d)
	}
	return nil
}

// Advance moves the clock forward by d.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// Sleeps returns the durations Sleep was called with, in order.
func (c *Clock) Sleeps() []time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]time.Duration(nil), c.sleeps...)
}

// Reply is one scripted HTTP answer.
type Reply struct {
	Status int               // 0: 200
	Header map[string]string // e.g. Retry-After
	Body   string            // served as is
	File   string            // or: a file (usually under testdata/) whose bytes are served
}

// Request is what the server received.
type Request struct {
	Method string
	Path   string
	Query  url.Values
	Header http.Header
	Body   string
	Time   time.Time // the fake clock's reading when it arrived (zero without a clock)
}

// Server serves replies from a script and records requests.
type Server struct {
	*httptest.Server
	mu       sync.Mutex
	requests []Request
	serve    func(r *http.Request, n int) Reply
	clock    *Clock
}

// NewServer starts a server whose n-th request (0-based) is answered by serve(r, n). clock, when
// not nil, stamps each recorded request. The server is closed when the test ends.
func NewServer(t testing.TB, clock *Clock, serve func(r *http.Request, n int) Reply) *Server {
	t.Helper()
	s := &Server{serve: serve, clock: clock}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		rec := Request{Method: r.Method, Path: r.URL.Path, Query: r.URL.Query(), Header: r.Header.Clone(), Body: string(body)}
		if s.clock != nil {
			rec.Time = s.clock.Now()
		}
		s.mu.Lock()
		n := len(s.requests)
		s.requests = append(s.requests, rec)
		s.mu.Unlock()
		rep := s.serve(r, n)
		data := []byte(rep.Body)
		if rep.File != "" {
			var err error
			if data, err = os.ReadFile(rep.File); err != nil {
				http.Error(w, err.Error(), http.StatusInternalServerError)
				return
			}
		}
		for k, v := range rep.Header {
			w.Header().Set(k, v)
		}
		if w.Header().Get("Content-Type") == "" {
			w.Header().Set("Content-Type", "application/json")
		}
		status := rep.Status
		if status == 0 {
			status = http.StatusOK
		}
		w.WriteHeader(status)
		w.Write(data)
	}))
	t.Cleanup(s.Close)
	return s
}

// Sequence serves the replies in order, repeating the last one.
func Sequence(replies ...Reply) func(*http.Request, int) Reply {
	return func(_ *http.Request, n int) Reply {
		return replies[min(n, len(replies)-1)]
	}
}

// Requests returns the requests received so far.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.requests...)
}

// Case is one scripted exchange with a provider: it is asked about Indicator while the server
// answers with Replies in order.
type Case struct {
	Name      string
	Indicator enrich.Indicator
	Replies   []Reply
	// Want is the expected verdict (when WantErr is nil).
	Want enrich.Verdict
	// WantSummary, when set, must occur in the result's summary.
	WantSummary string
	// WantErr, when set, must match the result's error by errors.Is; WantErrText must occur in its message.
	WantErr     error
	WantErrText string
	// WantRequests is the expected number of requests (0: not checked).
	WantRequests int
	// WantSleeps, when set, are the exact waits the clock must have seen (backoff, Retry-After).
	WantSleeps []time.Duration
	// Check, when set, is called with the result (for provider-specific details).
	Check func(t *testing.T, r enrich.Result)
}

// Harness builds the provider under test against a server. h carries the provider name, the fake
// clock, no jitter and small delays; baseURL is the server's URL.
type Harness struct {
	// New returns the provider configured with h and baseURL.
	New func(h *enrich.HTTP, baseURL string) enrich.Provider
	// CheckRequest asserts what every request must carry: method, path, query, auth header.
	// It is called for every request of every case, with the indicator asked about.
	CheckRequest func(t *testing.T, ind enrich.Indicator, r Request)
}

// Run runs each case on a fresh server and fake clock.
func (hs Harness) Run(t *testing.T, cases []Case) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.Name, func(t *testing.T) {
			clock := NewClock(time.Time{})
			srv := NewServer(t, clock, Sequence(c.Replies...))
			h := &enrich.HTTP{Provider: "provider", Client: srv.Client(), Clock: clock,
				BaseDelay: time.Second, MaxDelay: 8 * time.Second, Jitter: func(d time.Duration) time.Duration { return d }}
			p := hs.New(h, srv.URL)
			h.Provider = p.Name()
			res := p.Lookup(context.Background(), []enrich.Indicator{c.Indicator})
			if len(res) != 1 {
				t.Fatalf("Lookup returned %d results for 1 indicator", len(res))
			}
			r := res[0]
			if r.Indicator != c.Indicator {
				t.Errorf("result is for %v, asked about %v", r.Indicator, c.Indicator)
			}
			switch {
			case c.WantErr != nil || c.WantErrText != "":
				if r.Err == nil {
					t.Fatalf("no error; verdict %v summary %q", r.Verdict, r.Summary)
				}
				if c.WantErr != nil && !errors.Is(r.Err, c.WantErr) {
					t.Errorf("error %q does not wrap %q", r.Err, c.WantErr)
				}
				if !strings.Contains(r.Err.Error(), c.WantErrText) {
					t.Errorf("error %q does not say %q", r.Err, c.WantErrText)
				}
				if r.Verdict != enrich.Unknown {
					t.Errorf("failed lookup has verdict %v", r.Verdict)
				}
			default:
				if r.Err != nil {
					t.Fatalf("unexpected error: %v", r.Err)
				}
				if r.Verdict != c.Want {
					t.Errorf("verdict %v, want %v (summary %q)", r.Verdict, c.Want, r.Summary)
				}
				if !strings.Contains(r.Summary, c.WantSummary) {
					t.Errorf("summary %q does not say %q", r.Summary, c.WantSummary)
				}
			}
			reqs := srv.Requests()
			if c.WantRequests > 0 && len(reqs) != c.WantRequests {
				t.Errorf("%d requests, want %d", len(reqs), c.WantRequests)
			}
			if len(reqs) == 0 {
				t.Errorf("no request reached the server")
			}
			if hs.CheckRequest != nil {
				for _, rq := range reqs {
					hs.CheckRequest(t, c.Indicator, rq)
				}
			}
			if c.WantSleeps != nil {
				got := clock.Sleeps()
				if len(got) != len(c.WantSleeps) {
					t.Errorf("slept %v, want %v", got, c.WantSleeps)
				} else {
					for i := range got {
						if got[i] != c.WantSleeps[i] {
							t.Errorf("slept %v, want %v", got, c.WantSleeps)
							break
						}
					}
				}
			}
			if c.Check != nil {
				c.Check(t, r)
			}
		})
	}
}

// ErrorCases is the matrix every HTTP provider must pass, for an indicator it supports; ok is a
// successful reply for it, and okVerdict the verdict that reply means.
//   - 401 and 403: an error wrapping enrich.ErrAuth that says "check the API key for <provider>";
//   - 404: verdict unknown, no error;
//   - 429 with Retry-After: 7, then ok: waits exactly 7 s, retries, succeeds;
//   - 503 on every attempt: retried with backoff 1 s, 2 s, 4 s, then a per-item error;
//   - malformed JSON: an error wrapping enrich.ErrBadReply.
func ErrorCases(provider string, ind enrich.Indicator, ok Reply, okVerdict enrich.Verdict) []Case {
	unavailable := Reply{Status: 503, Body: `{"error":"service unavailable"}`}
	return []Case{
		{Name: "401", Indicator: ind, Replies: []Reply{{Status: 401, Body: `{"error":"unauthorized"}`}},
			WantErr: enrich.ErrAuth, WantErrText: "check the API key for " + provider, WantRequests: 1},
		{Name: "403", Indicator: ind, Replies: []Reply{{Status: 403, Body: `{"error":"forbidden"}`}},
			WantErr: enrich.ErrAuth, WantErrText: "check the API key for " + provider, WantRequests: 1},
		{Name: "404", Indicator: ind, Replies: []Reply{{Status: 404, Body: `{"error":"not found"}`}},
			Want: enrich.Unknown, WantRequests: 1},
		{Name: "429-retry-after", Indicator: ind,
			Replies: []Reply{{Status: 429, Header: map[string]string{"Retry-After": "7"}, Body: `{"error":"quota"}`}, ok},
			Want:    okVerdict, WantRequests: 2, WantSleeps: []time.Duration{7 * time.Second}},
		{Name: "5xx-retries-then-error", Indicator: ind, Replies: []Reply{unavailable},
			WantErrText: "HTTP 503", WantRequests: 1 + enrich.DefaultRetries,
			WantSleeps: []time.Duration{time.Second, 2 * time.Second, 4 * time.Second}},
		{Name: "malformed-json", Indicator: ind, Replies: []Reply{{Body: `{"data": [1, 2,`}},
			WantErr: enrich.ErrBadReply, WantRequests: 1},
	}
}
