// Command apiload drives a running hunch serve (or any MISP) through its MISP API with many concurrent clients
// mixing reads and writes, and reports throughput, errors and latency percentiles per kind of request.
//
//	apiload -url http://127.0.0.1:8080 -key KEY [-clients 64] [-duration 60s] [-write-share 0.3]
//
// Each client owns an event it creates at the start; writes add an attribute to it (attributes/add), reads
// alternate between a value search (attributes/restSearch) and a view of one of the events (events/view). Every
// answer other than 200 counts as an error and is printed once per kind. The exit status is 1 when any request
// failed.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"slices"
	"strings"
	"sync"
	"time"
)

// Config says what to run.
type Config struct {
	URL, Key   string
	Clients    int
	Duration   time.Duration
	WriteShare float64
	Client     *http.Client
}

// Stats are one kind of request's results.
type Stats struct {
	Kind      string
	Count     int
	Errors    int
	FirstErr  string
	Latencies []time.Duration
}

// Percentile returns the p-th percentile latency (0 < p ≤ 100).
func (s *Stats) Percentile(p float64) time.Duration {
	if len(s.Latencies) == 0 {
		return 0
	}
	l := slices.Clone(s.Latencies)
	slices.Sort(l)
	i := int(float64(len(l))*p/100+0.5) - 1
	return l[min(max(i, 0), len(l)-1)]
}

// Result is a whole run.
type Result struct {
	Elapsed time.Duration
	Kinds   map[string]*Stats
}

// Errors is the number of failed requests.
func (r *Result) Errors() int {
	n := 0
	for _, s := range r.Kinds {
		n += s.Errors
	}
	return n
}

type client struct {
	cfg     Config
	eventID string
	rng     *rand.Rand
	stats   map[string]*Stats
	values  []string
}

func (c *client) do(ctx context.Context, kind, method, path string, body any) ([]byte, error) {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return nil, err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, strings.TrimSuffix(c.cfg.URL, "/")+path, rd)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", c.cfg.Key)
	req.Header.Set("Accept", "application/json")
	req.Header.Set("Content-Type", "application/json")
	t0 := time.Now()
	resp, err := c.cfg.Client.Do(req)
	var data []byte
	if err == nil {
		data, err = io.ReadAll(resp.Body)
		resp.Body.Close()
		if err == nil && resp.StatusCode != http.StatusOK {
			err = fmt.Errorf("%s %s: %d %s", method, path, resp.StatusCode, bytes.TrimSpace(data[:min(len(data), 200)]))
		}
	}
	if ctx.Err() != nil && err != nil {
		return nil, ctx.Err() // the run ended mid-request: not an error of the server
	}
	s := c.stats[kind]
	if s == nil {
		s = &Stats{Kind: kind}
		c.stats[kind] = s
	}
	s.Count++
	s.Latencies = append(s.Latencies, time.Since(t0))
	if err != nil {
		s.Errors++
		if s.FirstErr == "" {
			s.FirstErr = err.Error()
		}
	}
	return data, err
}

func (c *client) setup(ctx context.Context, n int) error {
	data, err := c.do(ctx, "events/add", "POST", "/events/add", map[string]any{"Event": map[string]any{
		"info": fmt.Sprintf("apiload client %d", n), "distribution": 1, "threat_level_id": 3, "analysis": 0}})
	if err != nil {
		return err
	}
	var ev struct {
		Event struct {
			ID json.RawMessage `json:"id"`
		}
	}
	if err := json.Unmarshal(data, &ev); err != nil {
		return fmt.Errorf("events/add answer: %w", err)
	}
	c.eventID = strings.Trim(string(ev.Event.ID), `"`)
	return nil
}

func (c *client) step(ctx context.Context, n, i int) {
	if c.rng.Float64() < c.cfg.WriteShare || len(c.values) == 0 {
		v := fmt.Sprintf("%d.%d.%d.%d", 10+n%200, (i>>16)&255, (i>>8)&255, i&255)
		if _, err := c.do(ctx, "attributes/add", "POST", "/attributes/add/"+c.eventID,
			map[string]any{"type": "ip-dst", "value": v, "to_ids": true, "comment": "apiload"}); err == nil {
			c.values = append(c.values, v)
		}
		return
	}
	if i%2 == 0 {
		v := c.values[c.rng.IntN(len(c.values))]
		_, _ = c.do(ctx, "attributes/restSearch", "POST", "/attributes/restSearch",
			map[string]any{"returnFormat": "json", "value": v, "limit": 10})
		return
	}
	_, _ = c.do(ctx, "events/view", "GET", "/events/view/"+c.eventID, nil)
}

// Run runs the load and returns what it measured.
func Run(ctx context.Context, cfg Config) (*Result, error) {
	if cfg.Client == nil {
		cfg.Client = &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: cfg.Clients, MaxConnsPerHost: cfg.Clients}}
	}
	clients := make([]*client, cfg.Clients)
	for n := range clients {
		clients[n] = &client{cfg: cfg, rng: rand.New(rand.NewPCG(uint64(n), 1)), stats: map[string]*Stats{}}
		if err := clients[n].setup(ctx, n); err != nil {
			return nil, fmt.Errorf("client %d set-up: %w", n, err)
		}
	}
	runCtx, cancel := context.WithTimeout(ctx, cfg.Duration)
	defer cancel()
	t0 := time.Now()
	var wg sync.WaitGroup
	for n, c := range clients {
		wg.Go(func() {
			for i := 0; runCtx.Err() == nil; i++ {
				c.step(runCtx, n, i)
			}
		})
	}
	wg.Wait()
	res := &Result{Elapsed: time.Since(t0), Kinds: map[string]*Stats{}}
	for _, c := range clients {
		for k, s := range c.stats {
			if k == "events/add" {
				continue // set-up, not load
			}
			t := res.Kinds[k]
			if t == nil {
				t = &Stats{Kind: k}
				res.Kinds[k] = t
			}
			t.Count += s.Count
			t.Errors += s.Errors
			t.Latencies = append(t.Latencies, s.Latencies...)
			if t.FirstErr == "" {
				t.FirstErr = s.FirstErr
			}
		}
	}
	return res, nil
}

// Print writes the result as a table.
func (r *Result) Print(w io.Writer, cfg Config) {
	fmt.Fprintf(w, "%d clients for %s, %.0f%% writes\n", cfg.Clients, r.Elapsed.Round(time.Millisecond), cfg.WriteShare*100)
	fmt.Fprintf(w, "%-22s %8s %8s %7s %9s %9s %9s\n", "request", "count", "per s", "errors", "p50", "p99", "max")
	var all Stats
	for _, k := range slices.Sorted(func(yield func(string) bool) {
		for k := range r.Kinds {
			if !yield(k) {
				return
			}
		}
	}) {
		s := r.Kinds[k]
		fmt.Fprintf(w, "%-22s %8d %8.0f %7d %9s %9s %9s\n", k, s.Count, float64(s.Count)/r.Elapsed.Seconds(), s.Errors,
			s.Percentile(50).Round(time.Microsecond), s.Percentile(99).Round(time.Microsecond),
			s.Percentile(100).Round(time.Microsecond))
		all.Count += s.Count
		all.Errors += s.Errors
		all.Latencies = append(all.Latencies, s.Latencies...)
		if s.FirstErr != "" {
			fmt.Fprintf(w, "  first error: %s\n", s.FirstErr)
		}
	}
	fmt.Fprintf(w, "%-22s %8d %8.0f %7d %9s %9s %9s\n", "all", all.Count, float64(all.Count)/r.Elapsed.Seconds(), all.Errors,
		all.Percentile(50).Round(time.Microsecond), all.Percentile(99).Round(time.Microsecond),
		all.Percentile(100).Round(time.Microsecond))
}

func main() {
	var cfg Config
	flag.StringVar(&cfg.URL, "url", "http://127.0.0.1:8080", "base URL of the MISP API")
	flag.StringVar(&cfg.Key, "key", os.Getenv("MISP_KEY"), "API key with add rights (default $MISP_KEY)")
	flag.IntVar(&cfg.Clients, "clients", 64, "concurrent clients")
	flag.DurationVar(&cfg.Duration, "duration", 60*time.Second, "how long to run")
	flag.Float64Var(&cfg.WriteShare, "write-share", 0.3, "share of requests that write (0..1)")
	flag.Parse()
	if cfg.Key == "" || cfg.Clients < 1 || cfg.Duration <= 0 || cfg.WriteShare < 0 || cfg.WriteShare > 1 {
		fmt.Fprintln(os.Stderr, "apiload: need -key (or $MISP_KEY), -clients ≥ 1, -duration > 0, 0 ≤ -write-share ≤ 1")
		os.Exit(2)
	}
	res, err := Run(context.Background(), cfg)
	if err != nil {
		fmt.Fprintln(os.Stderr, "apiload:", err)
		os.Exit(1)
	}
	res.Print(os.Stdout, cfg)
	if res.Errors() > 0 {
		os.Exit(1)
	}
}
