package enrich_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hunchsec/hunch/enrich"
	"github.com/hunchsec/hunch/enrich/enrichtest"
	"github.com/hunchsec/hunch/ioc"
)

// echo is a minimal HTTP provider used to test the engine and the shared request path with the
// production HTTP code: GET {base}/check/{value} with an X-Key header, reply {"verdict": "…"}.
type echo struct {
	h    *enrich.HTTP
	base string
}

func (echo) Name() string      { return "echo" }
func (echo) Types() []ioc.Type { return []ioc.Type{ioc.IPv4, ioc.Domain} }
func (p echo) Lookup(ctx context.Context, batch []enrich.Indicator) []enrich.Result {
	out := make([]enrich.Result, len(batch))
	for i, ind := range batch {
		out[i].Indicator = ind
		var reply struct {
			Verdict string `json:"verdict"`
		}
		rep, err := p.h.GetJSON(ctx, p.base+"/check/"+ind.Value, http.Header{"X-Key": {"k1"}}, &reply)
		switch {
		case errors.Is(err, enrich.ErrNotFound):
			out[i].Summary = "not found"
		case err != nil:
			out[i].Err = err
		default:
			v, err := enrich.ParseVerdict(reply.Verdict)
			out[i].Verdict, out[i].Err, out[i].Raw = v, err, rep.Body
			out[i].Summary = "says " + reply.Verdict
		}
	}
	return out
}

func TestEchoProviderMatrix(t *testing.T) {
	ind := enrich.Indicator{Type: ioc.IPv4, Value: "198.51.100.7"}
	ok := enrichtest.Reply{Body: `{"verdict":"malicious"}`}
	cases := []enrichtest.Case{
		{Name: "malicious", Indicator: ind, Replies: []enrichtest.Reply{ok}, Want: enrich.Malicious, WantSummary: "says malicious"},
		{Name: "benign", Indicator: ind, Replies: []enrichtest.Reply{{Body: `{"verdict":"benign"}`}}, Want: enrich.Benign},
	}
	cases = append(cases, enrichtest.ErrorCases("echo", ind, ok, enrich.Malicious)...)
	enrichtest.Harness{
		New: func(h *enrich.HTTP, base string) enrich.Provider { return echo{h, base} },
		CheckRequest: func(t *testing.T, ind enrich.Indicator, r enrichtest.Request) {
			if r.Method != "GET" || r.Path != "/check/"+ind.Value || len(r.Query) != 0 || r.Header.Get("X-Key") != "k1" {
				t.Errorf("request %s %s %v key %q", r.Method, r.Path, r.Query, r.Header.Get("X-Key"))
			}
		},
	}.Run(t, cases)
}

func TestHTTPRetryAfterDate(t *testing.T) {
	clock := enrichtest.NewClock(time.Time{})
	when := clock.Now().Add(90 * time.Second).UTC().Format(http.TimeFormat)
	srv := enrichtest.NewServer(t, clock, enrichtest.Sequence(
		enrichtest.Reply{Status: 429, Header: map[string]string{"Retry-After": when}},
		enrichtest.Reply{Body: `{}`}))
	h := &enrich.HTTP{Provider: "p", Client: srv.Client(), Clock: clock}
	if _, err := h.GetJSON(context.Background(), srv.URL, nil, nil); err != nil {
		t.Fatal(err)
	}
	if got := clock.Sleeps(); len(got) != 1 || got[0] != 90*time.Second {
		t.Errorf("slept %v, want [1m30s]", got)
	}
}

func TestHTTPRetryAfterTooLong(t *testing.T) {
	clock := enrichtest.NewClock(time.Time{})
	srv := enrichtest.NewServer(t, clock, enrichtest.Sequence(
		enrichtest.Reply{Status: 429, Header: map[string]string{"Retry-After": "86400"}}))
	h := &enrich.HTTP{Provider: "p", Client: srv.Client(), Clock: clock}
	_, err := h.GetJSON(context.Background(), srv.URL, nil, nil)
	if !errors.Is(err, enrich.ErrRateLimited) || !strings.Contains(err.Error(), "asks to wait 24h0m0s") {
		t.Fatalf("err = %v", err)
	}
	if len(srv.Requests()) != 1 {
		t.Errorf("%d requests, want 1", len(srv.Requests()))
	}
}

func TestHTTPReplyLimit(t *testing.T) {
	srv := enrichtest.NewServer(t, nil, enrichtest.Sequence(enrichtest.Reply{Body: `{"a":"` + strings.Repeat("x", 2000) + `"}`}))
	h := &enrich.HTTP{Provider: "p", Client: srv.Client(), MaxReply: 1000}
	_, err := h.GetJSON(context.Background(), srv.URL, nil, nil)
	if !errors.Is(err, enrich.ErrBadReply) || !strings.Contains(err.Error(), "larger than 1000 bytes") {
		t.Fatalf("err = %v", err)
	}
	h.MaxReply = 4000
	if _, err := h.GetJSON(context.Background(), srv.URL, nil, nil); err != nil {
		t.Fatalf("within the limit: %v", err)
	}
}

func TestHTTPTimeout(t *testing.T) {
	release := make(chan struct{})
	defer close(release)
	srv := enrichtest.NewServer(t, nil, func(*http.Request, int) enrichtest.Reply {
		<-release
		return enrichtest.Reply{}
	})
	h := &enrich.HTTP{Provider: "p", Client: srv.Client(), Timeout: 50 * time.Millisecond, Retries: -1}
	start := time.Now()
	_, err := h.GetJSON(context.Background(), srv.URL, nil, nil)
	if err == nil || !strings.Contains(err.Error(), "no reply within 50ms") {
		t.Fatalf("err = %v", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("took %v", d)
	}
}

func TestHTTPRedactsQuery(t *testing.T) {
	h := &enrich.HTTP{Provider: "p", Retries: -1, Timeout: time.Second}
	_, err := h.GetJSON(context.Background(), "http://127.0.0.1:1/x?apikey=SECRET", nil, nil)
	if err == nil || strings.Contains(err.Error(), "SECRET") {
		t.Fatalf("err = %v", err)
	}
}

func TestHTTPCancel(t *testing.T) {
	clock := enrichtest.NewClock(time.Time{})
	srv := enrichtest.NewServer(t, clock, enrichtest.Sequence(enrichtest.Reply{Status: 503}))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	h := &enrich.HTTP{Provider: "p", Client: srv.Client(), Clock: clock}
	_, err := h.GetJSON(ctx, srv.URL, nil, nil)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v", err)
	}
}

// The acceptance case: a provider limited to 4 requests a minute, given 10 indicators, never
// sends more than 4 in any 60-second window. Request times come from the server's side.
func TestRateLimitNeverExceeded(t *testing.T) {
	for _, conc := range []int{1, 4, 16} {
		t.Run(fmt.Sprint("concurrency ", conc), func(t *testing.T) {
			clock := enrichtest.NewClock(time.Time{})
			srv := enrichtest.NewServer(t, clock, enrichtest.Sequence(enrichtest.Reply{Body: `{"verdict":"benign"}`}))
			h := &enrich.HTTP{Provider: "echo", Client: srv.Client(), Clock: clock,
				Limiter: enrich.NewLimiter(enrich.Rate{PerMinute: 4}, clock)}
			e, err := enrich.New(enrich.Options{Clock: clock, Sources: []enrich.Source{{Provider: echo{h, srv.URL}, Concurrency: conc}}})
			if err != nil {
				t.Fatal(err)
			}
			var inds []enrich.Indicator
			for i := range 10 {
				inds = append(inds, enrich.Indicator{Type: ioc.IPv4, Value: fmt.Sprintf("192.0.2.%d", i+1)})
			}
			reps, _ := e.Lookup(context.Background(), inds, enrich.LookupOptions{})
			for _, r := range reps {
				if r.Verdict != enrich.Benign || r.Results[0].Err != nil {
					t.Fatalf("%v: %v %v", r.Indicator, r.Verdict, r.Results[0].Err)
				}
			}
			reqs := srv.Requests()
			if len(reqs) != 10 {
				t.Fatalf("%d requests", len(reqs))
			}
			start := reqs[0].Time
			for i, a := range reqs {
				n := 0
				for _, b := range reqs[i:] {
					if b.Time.Sub(a.Time) < time.Minute {
						n++
					}
				}
				if n > 4 {
					t.Errorf("%d requests within 60 s of %v", n, a.Time.Sub(start))
				}
			}
			// Tight, not merely safe: one at a time, 10 requests at 4 a minute need exactly two minutes.
			if last := reqs[9].Time.Sub(start); last < 2*time.Minute || (conc == 1 && last != 2*time.Minute) {
				t.Errorf("last request at %v, want 2m0s", last)
			}
		})
	}
}

func TestLimiterDailyBudget(t *testing.T) {
	clock := enrichtest.NewClock(time.Time{})
	l := enrich.NewLimiter(enrich.Rate{PerMinute: 10, PerDay: 3}, clock)
	for range 3 {
		if err := l.Wait(context.Background(), 0); err != nil {
			t.Fatal(err)
		}
		l.Release()
	}
	err := l.Wait(context.Background(), 0)
	if !errors.Is(err, enrich.ErrBudget) || !strings.Contains(err.Error(), "2026-01-02T00:00:00Z") {
		t.Fatalf("err = %v", err)
	}
	// Willing to wait a day: it waits exactly until the first request leaves the window.
	if err := l.Wait(context.Background(), 25*time.Hour); err != nil {
		t.Fatal(err)
	}
	if got := clock.Sleeps(); len(got) != 1 || got[0] != 24*time.Hour {
		t.Errorf("slept %v", got)
	}
	if enrich.NewLimiter(enrich.Rate{}, clock) != nil {
		t.Error("a rate without limits must give no limiter")
	}
}

// countProvider answers from a map, counts calls and concurrent calls, and can be slow.
type countProvider struct {
	name    string
	types   []ioc.Type
	answers map[string]enrich.Verdict
	batch   int
	delay   time.Duration
	calls   atomic.Int64
	items   atomic.Int64
	active  atomic.Int64
	peak    atomic.Int64
	wrongN  bool
}

func (p *countProvider) Name() string      { return p.name }
func (p *countProvider) Types() []ioc.Type { return p.types }
func (p *countProvider) MaxBatch() int     { return p.batch }
func (p *countProvider) Lookup(ctx context.Context, batch []enrich.Indicator) []enrich.Result {
	p.calls.Add(1)
	p.items.Add(int64(len(batch)))
	a := p.active.Add(1)
	defer p.active.Add(-1)
	for {
		pk := p.peak.Load()
		if a <= pk || p.peak.CompareAndSwap(pk, a) {
			break
		}
	}
	if p.delay > 0 {
		select {
		case <-time.After(p.delay):
		case <-ctx.Done():
			return enrich.Fail(batch, ctx.Err())
		}
	}
	if p.wrongN {
		return nil
	}
	out := make([]enrich.Result, len(batch))
	for i, ind := range batch {
		out[i] = enrich.Result{Indicator: ind, Verdict: p.answers[ind.Value], Summary: p.name}
		if ind.Value == "fail.example" {
			out[i].Err = errors.New("boom")
		}
	}
	return out
}

func ind(v string) enrich.Indicator {
	if strings.Count(v, ".") == 3 && v[0] >= '0' && v[0] <= '9' {
		return enrich.Indicator{Type: ioc.IPv4, Value: v}
	}
	return enrich.Indicator{Type: ioc.Domain, Value: v}
}

func TestEngineDedupesAndCombines(t *testing.T) {
	a := &countProvider{name: "a", types: []ioc.Type{ioc.Domain, ioc.IPv4}, answers: map[string]enrich.Verdict{"evil.example": enrich.Suspicious, "192.0.2.1": enrich.Benign}}
	b := &countProvider{name: "b", types: []ioc.Type{ioc.Domain}, answers: map[string]enrich.Verdict{"evil.example": enrich.Malicious}, batch: 2}
	e, err := enrich.New(enrich.Options{Sources: []enrich.Source{
		{Provider: a, Reliability: enrich.ReliabilityA},
		{Provider: b, Reliability: enrich.ReliabilityD},
	}})
	if err != nil {
		t.Fatal(err)
	}
	in := []enrich.Indicator{ind("evil.example"), ind("192.0.2.1"), ind("evil.example"), ind("fail.example"), ind("evil.example"),
		{Type: ioc.SHA256, Value: strings.Repeat("a", 64)}}
	reps, err := e.Lookup(context.Background(), in, enrich.LookupOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(reps) != len(in) {
		t.Fatalf("%d reports for %d indicators", len(reps), len(in))
	}
	if a.items.Load() != 3 || b.items.Load() != 2 || b.calls.Load() != 1 {
		t.Errorf("a asked %d items, b asked %d items in %d calls; want 3, 2, 1", a.items.Load(), b.items.Load(), b.calls.Load())
	}
	want := []struct {
		v   enrich.Verdict
		by  string
		res int
	}{{enrich.Malicious, "b", 2}, {enrich.Benign, "a", 1}, {enrich.Malicious, "b", 2}, {enrich.Unknown, "", 2}, {enrich.Malicious, "b", 2}, {enrich.Unknown, "", 0}}
	for i, w := range want {
		r := reps[i]
		if r.Indicator != in[i] || r.Verdict != w.v || r.DecidedBy != w.by || len(r.Results) != w.res {
			t.Errorf("report %d: %v %v by %q with %d results; want %v by %q with %d", i, r.Indicator, r.Verdict, r.DecidedBy, len(r.Results), w.v, w.by, w.res)
		}
	}
	if r := reps[3].Results[0]; r.Err == nil || r.Provider != "a" || r.Reliability != enrich.ReliabilityA || r.Time.IsZero() {
		t.Errorf("failed item: %+v", r)
	}
	// Raising the bar above b's grade leaves a's suspicious verdict.
	e2, _ := enrich.New(enrich.Options{MinReliability: enrich.ReliabilityB, Sources: []enrich.Source{
		{Provider: a, Reliability: enrich.ReliabilityA}, {Provider: b, Reliability: enrich.ReliabilityD}}})
	reps, _ = e2.Lookup(context.Background(), in[:1], enrich.LookupOptions{})
	if reps[0].Verdict != enrich.Suspicious || reps[0].DecidedBy != "a" {
		t.Errorf("min reliability B: %v by %q", reps[0].Verdict, reps[0].DecidedBy)
	}
	// Selecting providers by name.
	reps, _ = e.Lookup(context.Background(), in[:1], enrich.LookupOptions{Providers: []string{"a"}})
	if len(reps[0].Results) != 1 || reps[0].Verdict != enrich.Suspicious {
		t.Errorf("providers=a: %+v", reps[0])
	}
	if _, err := e.Lookup(context.Background(), in, enrich.LookupOptions{Providers: []string{"nope"}}); err == nil || !strings.Contains(err.Error(), `unknown provider "nope"`) {
		t.Errorf("unknown provider: %v", err)
	}
}

func TestCombine(t *testing.T) {
	r := func(p string, v enrich.Verdict, rel enrich.Reliability, err error) enrich.Result {
		return enrich.Result{Provider: p, Verdict: v, Reliability: rel, Err: err}
	}
	tests := []struct {
		name string
		in   []enrich.Result
		min  enrich.Reliability
		v    enrich.Verdict
		by   string
	}{
		{"empty", nil, 0, enrich.Unknown, ""},
		{"highest wins", []enrich.Result{r("a", enrich.Benign, enrich.ReliabilityA, nil), r("b", enrich.Malicious, enrich.ReliabilityE, nil)}, 0, enrich.Malicious, "b"},
		{"tie to most reliable", []enrich.Result{r("a", enrich.Malicious, enrich.ReliabilityC, nil), r("b", enrich.Malicious, enrich.ReliabilityAPlus, nil)}, 0, enrich.Malicious, "b"},
		{"tie, equal grades: first", []enrich.Result{r("a", enrich.Suspicious, enrich.ReliabilityC, nil), r("b", enrich.Suspicious, enrich.ReliabilityC, nil)}, 0, enrich.Suspicious, "a"},
		{"below min ignored", []enrich.Result{r("a", enrich.Benign, enrich.ReliabilityB, nil), r("b", enrich.Malicious, enrich.ReliabilityD, nil)}, enrich.ReliabilityC, enrich.Benign, "a"},
		{"errors ignored", []enrich.Result{r("a", enrich.Malicious, enrich.ReliabilityA, errors.New("x")), r("b", enrich.Benign, enrich.ReliabilityC, nil)}, 0, enrich.Benign, "b"},
		{"unknown credits nobody", []enrich.Result{r("a", enrich.Unknown, enrich.ReliabilityA, nil)}, 0, enrich.Unknown, ""},
	}
	for _, tt := range tests {
		v, by := enrich.Combine(tt.in, tt.min)
		if v != tt.v || by != tt.by {
			t.Errorf("%s: %v by %q, want %v by %q", tt.name, v, by, tt.v, tt.by)
		}
	}
}

func TestEngineConcurrencyBound(t *testing.T) {
	p := &countProvider{name: "slow", types: []ioc.Type{ioc.IPv4}, delay: 5 * time.Millisecond}
	e, _ := enrich.New(enrich.Options{Sources: []enrich.Source{{Provider: p, Concurrency: 3}}})
	var inds []enrich.Indicator
	for i := range 60 {
		inds = append(inds, ind(fmt.Sprintf("192.0.2.%d", i)))
	}
	var mu sync.Mutex
	var seen []int
	e2, _ := enrich.New(enrich.Options{Sources: []enrich.Source{{Provider: p, Concurrency: 3}},
		Progress: func(done, total int) { mu.Lock(); seen = append(seen, done*1000+total); mu.Unlock() }})
	_ = e
	if _, err := e2.Lookup(context.Background(), inds, enrich.LookupOptions{}); err != nil {
		t.Fatal(err)
	}
	if pk := p.peak.Load(); pk != 3 {
		t.Errorf("peak concurrency %d, want 3", pk)
	}
	if len(seen) != 60 || seen[len(seen)-1] != 60*1000+60 {
		t.Errorf("progress calls: %d, last %v", len(seen), seen[len(seen)-1])
	}
}

func TestEngineCancelled(t *testing.T) {
	p := &countProvider{name: "slow", types: []ioc.Type{ioc.IPv4}, delay: time.Hour}
	e, _ := enrich.New(enrich.Options{Sources: []enrich.Source{{Provider: p, Concurrency: 2}}})
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	var inds []enrich.Indicator
	for i := range 20 {
		inds = append(inds, ind(fmt.Sprintf("192.0.2.%d", i)))
	}
	start := time.Now()
	reps, _ := e.Lookup(ctx, inds, enrich.LookupOptions{})
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("cancellation took %v", d)
	}
	for _, r := range reps {
		if len(r.Results) != 1 || !errors.Is(r.Results[0].Err, context.DeadlineExceeded) {
			t.Fatalf("%v: %+v", r.Indicator, r.Results)
		}
	}
}

func TestEngineBadProviderAnswer(t *testing.T) {
	p := &countProvider{name: "bad", types: []ioc.Type{ioc.IPv4}, wrongN: true}
	e, _ := enrich.New(enrich.Options{Sources: []enrich.Source{{Provider: p}}})
	reps, _ := e.Lookup(context.Background(), []enrich.Indicator{ind("192.0.2.1")}, enrich.LookupOptions{})
	if err := reps[0].Results[0].Err; !errors.Is(err, enrich.ErrBadReply) {
		t.Fatalf("err = %v", err)
	}
	if _, err := enrich.New(enrich.Options{Sources: []enrich.Source{{Provider: p}, {Provider: p}}}); err == nil {
		t.Error("duplicate provider accepted")
	}
}

// mapStore is an in-memory CacheStore.
type mapStore struct {
	mu   sync.Mutex
	m    map[string][]byte
	exp  map[string]time.Time
	gets int
}

func (s *mapStore) GetCached(_ context.Context, p, typ, v string, now time.Time) ([]byte, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.gets++
	k := p + "|" + typ + "|" + v
	d, ok := s.m[k]
	if !ok || !now.Before(s.exp[k]) {
		return nil, false, nil
	}
	return d, true, nil
}

func (s *mapStore) PutCached(_ context.Context, p, typ, v string, _ int, data []byte, _, exp time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	k := p + "|" + typ + "|" + v
	s.m[k], s.exp[k] = data, exp
	return nil
}

func TestEngineCache(t *testing.T) {
	clock := enrichtest.NewClock(time.Time{})
	store := &mapStore{m: map[string][]byte{}, exp: map[string]time.Time{}}
	p := &countProvider{name: "a", types: []ioc.Type{ioc.Domain}, answers: map[string]enrich.Verdict{"evil.example": enrich.Malicious}}
	newEngine := func(c *enrich.Cache) *enrich.Engine {
		e, _ := enrich.New(enrich.Options{Clock: clock, Cache: c, Sources: []enrich.Source{{Provider: p, TTL: enrich.TTL{Malicious: 2 * time.Hour}}}})
		return e
	}
	e := newEngine(enrich.NewCache(store, 0))
	in := []enrich.Indicator{ind("evil.example"), ind("quiet.example"), ind("fail.example")}
	look := func(e *enrich.Engine, o enrich.LookupOptions) []enrich.Report {
		reps, err := e.Lookup(context.Background(), in, o)
		if err != nil {
			t.Fatal(err)
		}
		return reps
	}
	look(e, enrich.LookupOptions{})
	if n := p.items.Load(); n != 3 {
		t.Fatalf("first lookup asked %d", n)
	}
	reps := look(e, enrich.LookupOptions{})
	if n := p.items.Load(); n != 4 { // only the failed one is asked again
		t.Fatalf("second lookup: provider asked %d items in all, want 4", n)
	}
	if !reps[0].Results[0].Cached || reps[0].Verdict != enrich.Malicious || reps[2].Results[0].Cached {
		t.Errorf("cached flags: %+v", reps)
	}
	// A new engine with an empty memory layer reads the store.
	e2 := newEngine(enrich.NewCache(store, 0))
	reps = look(e2, enrich.LookupOptions{})
	if n := p.items.Load(); n != 5 || !reps[0].Results[0].Cached || reps[0].Results[0].Summary != "a" {
		t.Errorf("from store: asked %d, %+v", n, reps[0].Results[0])
	}
	// After an hour the unknown answer has expired, the malicious one (2 h) has not.
	clock.Advance(61 * time.Minute)
	look(e2, enrich.LookupOptions{})
	if n := p.items.Load(); n != 7 {
		t.Errorf("after 61 min: asked %d in all, want 7", n)
	}
	clock.Advance(time.Hour)
	look(e2, enrich.LookupOptions{})
	if n := p.items.Load(); n != 10 {
		t.Errorf("after 2 h: asked %d in all, want 10", n)
	}
	look(e2, enrich.LookupOptions{Refresh: true})
	if n := p.items.Load(); n != 13 {
		t.Errorf("refresh: asked %d in all, want 13", n)
	}
	gets := store.gets
	look(e2, enrich.LookupOptions{NoCache: true})
	if n := p.items.Load(); n != 16 || store.gets != gets {
		t.Errorf("no-cache: asked %d in all (want 16), store read %d times", n, store.gets-gets)
	}
}

func TestCacheMemoryBound(t *testing.T) {
	c := enrich.NewCache(nil, 10)
	now := time.Now()
	for i := range 100 {
		r := enrich.Result{Provider: "p", Indicator: ind(fmt.Sprintf("h%d.example", i)), Time: now}
		if err := c.Put(context.Background(), r, time.Hour); err != nil {
			t.Fatal(err)
		}
	}
	n := 0
	for i := range 100 {
		if _, ok, _ := c.Get(context.Background(), "p", ind(fmt.Sprintf("h%d.example", i)), now); ok {
			n++
		}
	}
	if n != 10 {
		t.Errorf("%d entries kept, want 10", n)
	}
}

func TestParseVerdictAndReliability(t *testing.T) {
	for s, want := range map[string]enrich.Verdict{"malicious": 3, "3": 3, "Benign": 1, " suspicious ": 2, "0": 0, "good": 1} {
		if v, err := enrich.ParseVerdict(s); err != nil || v != want {
			t.Errorf("ParseVerdict(%q) = %v, %v", s, v, err)
		}
	}
	if _, err := enrich.ParseVerdict("evil"); err == nil {
		t.Error("ParseVerdict(evil) succeeded")
	}
	for s, want := range map[string]enrich.Reliability{"A+": enrich.ReliabilityAPlus, "a+ - 3rd party enrichment": enrich.ReliabilityAPlus,
		"A - Completely reliable": enrich.ReliabilityA, "B: Usually reliable": enrich.ReliabilityB, "f": enrich.ReliabilityF} {
		if r, err := enrich.ParseReliability(s); err != nil || r != want {
			t.Errorf("ParseReliability(%q) = %v, %v", s, r, err)
		}
	}
	for _, s := range []string{"", "G", "AA", "A++"} {
		if _, err := enrich.ParseReliability(s); err == nil {
			t.Errorf("ParseReliability(%q) succeeded", s)
		}
	}
	if got := enrich.ReliabilityC.Long(); got != "C - Fairly reliable" {
		t.Errorf("Long = %q", got)
	}
	if !(enrich.ReliabilityAPlus > enrich.ReliabilityA && enrich.ReliabilityA > enrich.ReliabilityF) {
		t.Error("grades out of order")
	}
}

func TestEngineSourceNoCache(t *testing.T) {
	p := &countProvider{name: "list", types: []ioc.Type{ioc.Domain}}
	store := &mapStore{m: map[string][]byte{}, exp: map[string]time.Time{}}
	e, _ := enrich.New(enrich.Options{Cache: enrich.NewCache(store, 0), Sources: []enrich.Source{{Provider: p, NoCache: true}}})
	for range 2 {
		e.Lookup(context.Background(), []enrich.Indicator{ind("a.example.com")}, enrich.LookupOptions{})
	}
	if p.items.Load() != 2 || len(store.m) != 0 || store.gets != 0 {
		t.Errorf("asked %d, stored %d, store read %d times; want 2, 0, 0", p.items.Load(), len(store.m), store.gets)
	}
}
