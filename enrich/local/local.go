// Package local answers lookups from lists of indicators with verdicts kept in local CSV and JSON
// files: an organisation's own block and allow lists, indicators from a report, the offline demo.
// The matching lives in List, which other sources of verdicts (the intel store) reuse.
//
// # Files
//
// A CSV file has a header naming its columns: value and verdict are required; type, summary,
// reference and tags are optional. A JSON file holds an array of objects with the same keys, or
// one object per line (NDJSON). For example:
//
//	value,type,verdict,summary,reference,tags
//	evil.example.com,domain,malicious,phishing kit,https://wiki.example/ir/42,phishing;kit
//	10.0.0.0/8,,benign,corporate network,,
//	44d88612fea8a8f36de82e1278abb02f,,malicious,EICAR test file,,
//
// The type scopes an entry to indicators of that type (ioc's names: ipv4, domain, url, sha256,
// …, plus the shorthands ip and hash); without one, the entry matches an indicator of any type
// with that value. The verdict is a name or a DBotScore number (enrich.ParseVerdict). A value in
// CIDR notation is a network: every ipv4 or ipv6 indicator inside matches, the most specific
// network first, and an exact address before any network.
// Values are normalised as package ioc normalises extracted indicators (see Normalize), so
// "EVIL.example.com" in a list matches the extracted "evil.example.com". A row that cannot be
// read fails the whole load, with the file and line in the error.
//
// # Verdicts
//
// A listed indicator gets the entry's verdict, summary (default "listed in <name>") and
// reference; an indicator not listed is Unknown, "not listed". The list says nothing about what
// it does not hold, so absence is never Benign.
//
// # Reloading
//
// The files are read by New and read again when one of them changes (modification time or
// size), checked at most every Options.ReloadCheck on Options.Clock. A reload that fails keeps
// the entries already loaded, and every result says so in its details until the files are fixed.
package local

import (
	"context"
	"fmt"
	"os"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hunchsec/hunch/enrich"
	"github.com/hunchsec/hunch/ioc"
)

// Name is the provider's default name.
const Name = "local"

// Defaults for Options.
const (
	DefaultReloadCheck = 5 * time.Second
	DefaultMaxBatch    = 1000
)

// Options configures a Client.
type Options struct {
	// Name is the provider's name in configuration and output, so that several lists can
	// coexist ("blocklist", "allowlist"); empty means Name. Lower-case letters, digits, '-', '_'.
	Name string
	// Paths are the list files (see the package comment); at least one is required. Entries of
	// all files form one list.
	Paths []string
	// Clock times the reload checks; nil means the system clock.
	Clock enrich.Clock
	// ReloadCheck is the least time between two checks of the files for changes; 0 means
	// DefaultReloadCheck, a negative value never reloads.
	ReloadCheck time.Duration
	// Batch is the most indicators the engine hands over at once; 0 means DefaultMaxBatch.
	Batch int
}

// Client is the local-list provider. It is safe for concurrent use.
type Client struct {
	o     Options
	clock enrich.Clock
	types []ioc.Type
	list  atomic.Pointer[List]

	mu        sync.Mutex // guards the fields below
	stamps    []stamp
	nextCheck time.Time
	reloadErr error
}

// stamp is what a reload check compares: a file's modification time and size, or its absence.
type stamp struct {
	mtime   int64
	size    int64
	missing bool
}

var (
	_ enrich.Provider = (*Client)(nil)
	_ enrich.Batcher  = (*Client)(nil)
)

// New checks o and loads the files.
func New(o Options) (*Client, error) {
	if o.Name == "" {
		o.Name = Name
	}
	if !validName(o.Name) {
		return nil, fmt.Errorf("%s: name %q: use lower-case letters, digits, '-' and '_'", Name, o.Name)
	}
	if len(o.Paths) == 0 {
		return nil, fmt.Errorf("%s: at least one list file is required", o.Name)
	}
	if o.Batch < 0 {
		return nil, fmt.Errorf("%s: batch size must not be negative", o.Name)
	}
	if o.Batch == 0 {
		o.Batch = DefaultMaxBatch
	}
	if o.ReloadCheck == 0 {
		o.ReloadCheck = DefaultReloadCheck
	}
	c := &Client{o: o, clock: o.Clock, types: ioc.Types()}
	if c.clock == nil {
		c.clock = enrich.SystemClock{}
	}
	c.stamps = statAll(o.Paths)
	l, err := c.load()
	if err != nil {
		return nil, err
	}
	c.list.Store(l)
	c.nextCheck = c.clock.Now().Add(o.ReloadCheck)
	return c, nil
}

func validName(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return s != ""
}

// load reads every file into one List.
func (c *Client) load() (*List, error) {
	var all []Entry
	for _, p := range c.o.Paths {
		es, err := ReadFile(p)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", c.o.Name, err)
		}
		all = append(all, es...)
	}
	return NewList(all), nil
}

func statAll(paths []string) []stamp {
	out := make([]stamp, len(paths))
	for i, p := range paths {
		fi, err := os.Stat(p)
		if err != nil {
			out[i].missing = true
			continue
		}
		out[i] = stamp{mtime: fi.ModTime().UnixNano(), size: fi.Size()}
	}
	return out
}

// Name returns the provider's name (Options.Name, or "local").
func (c *Client) Name() string { return c.o.Name }

// Types returns every built-in indicator type: an entry without a type matches any of them.
func (c *Client) Types() []ioc.Type { return slices.Clone(c.types) }

// MaxBatch returns Options.Batch: lookups are in memory, batches cost nothing extra.
func (c *Client) MaxBatch() int { return c.o.Batch }

// List returns the list currently answering lookups.
func (c *Client) List() *List { return c.list.Load() }

// Reload reads the files again now. When that fails the current list stays and the error is
// returned (and reported in results' details until a reload succeeds).
func (c *Client) Reload() error {
	stamps := statAll(c.o.Paths)
	l, err := c.load()
	c.mu.Lock()
	defer c.mu.Unlock()
	c.stamps = stamps
	c.nextCheck = c.clock.Now().Add(c.o.ReloadCheck)
	c.reloadErr = err
	if err == nil {
		c.list.Store(l)
	}
	return err
}

// maybeReload reloads when the check is due and a file changed, and returns the last reload
// error.
func (c *Client) maybeReload() error {
	c.mu.Lock()
	if c.o.ReloadCheck < 0 || c.clock.Now().Before(c.nextCheck) {
		err := c.reloadErr
		c.mu.Unlock()
		return err
	}
	c.nextCheck = c.clock.Now().Add(c.o.ReloadCheck)
	old := c.stamps
	c.mu.Unlock()
	if slices.Equal(statAll(c.o.Paths), old) {
		c.mu.Lock()
		defer c.mu.Unlock()
		return c.reloadErr
	}
	return c.Reload()
}

// Lookup matches each indicator against the list.
func (c *Client) Lookup(ctx context.Context, batch []enrich.Indicator) []enrich.Result {
	reloadErr := c.maybeReload()
	l := c.list.Load()
	return enrich.LookupEach(ctx, c.o.Name, c.types, batch, func(_ context.Context, ind enrich.Indicator) enrich.Result {
		var r enrich.Result
		if e, ok := l.Match(ind); ok {
			r = c.result(ind, e)
		} else {
			r = enrich.Result{Indicator: ind, Verdict: enrich.Unknown, Summary: "not listed",
				Details: map[string]any{"list": c.o.Name, "listed": false}}
		}
		if reloadErr != nil {
			r.Details["reload_error"] = reloadErr.Error()
		}
		return r
	})
}

func (c *Client) result(ind enrich.Indicator, e Entry) enrich.Result {
	r := enrich.Result{
		Indicator: ind,
		Verdict:   e.Verdict,
		Summary:   e.Summary,
		Reference: e.Reference,
		Raw:       e.raw(),
		Details: map[string]any{
			"list":    c.o.Name,
			"listed":  true,
			"matched": e.Value,
			"source":  e.Source,
		},
	}
	if r.Summary == "" {
		r.Summary = "listed in " + c.o.Name
	}
	if _, ok := e.Prefix(); ok {
		r.Details["network"] = true
	}
	if len(e.Tags) > 0 {
		r.Details["tags"] = slices.Clone(e.Tags)
	}
	if e.Type != "" {
		r.Details["entry_type"] = string(e.Type)
	}
	return r
}
