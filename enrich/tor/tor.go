// Package tor tells whether an IP address is a Tor exit node, from the Tor Project's published
// exit list: downloaded in bulk, kept in memory, refreshed when older than an interval, and
// optionally kept on disk so that a restart does not download it again.
//
// # Sources
//
// The default source is the bulk exit list, GET https://check.torproject.org/torbulkexitlist:
// one IPv4 address per line, the addresses the Tor Project's exit scanner saw Tor exits
// connect from in the last day. There is no IPv6 bulk list: the exit scanner measures over IPv4
// only (an IPv6-capable list format is an open proposal in the Tor exit-scanner tracker), so
// with this source the provider answers for ipv4 only.
//
// The alternative is Onionoo, GET https://onionoo.torproject.org/details?flag=exit&running=true
// &fields=exit_addresses,or_addresses,exit_policy_v6_summary: the running relays that carry the
// Exit flag. A relay counts with its measured exit_addresses and the IPv4 addresses of its
// or_addresses; its IPv6 OR addresses count when its exit_policy_v6_summary accepts some port,
// that is when it exits over IPv6. With this source the provider answers for ipv4 and ipv6.
// The reply is a few hundred kilobytes, the bulk list a few tens.
//
// # Verdicts
//
//   - listed → Suspicious, summary "Tor exit node". Not Malicious: an exit relays the traffic
//     of many people at once, most of it ordinary browsing, so an exit address says that the
//     real origin is hidden, not that the connection is hostile. It deserves a look (Tor in a
//     corporate network, logins from Tor), which is what Suspicious means on this scale.
//   - not listed → Unknown, summary "not a Tor exit". Never Benign: the list holds only the
//     exits seen recently, and says nothing else about an address.
//
// # Refreshing
//
// The list is fetched on the first lookup (or read from the disk cache when one is configured
// and its copy exists) and fetched again when it is older than Options.Refresh, measured on the
// clock of Options.HTTP. A refresh that fails keeps the list already held, marks results from it
// as stale in their details, and is tried again after RetryFailed; a lookup fails only when
// there is no list at all. A reply that is not an exit list (a line that is no IP address, an
// empty list, more than MaxAddresses addresses or MaxBytes bytes) is an error wrapping
// enrich.ErrBadReply, and so is a 404: a missing list is not an answer about an address.
package tor

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/netip"
	"strings"
	"time"

	"github.com/hunchsec/hunch/enrich"
	"github.com/hunchsec/hunch/ioc"
)

// Name is the provider's name in configuration and output.
const Name = "tor"

// DefaultBaseURL is the root of the bulk exit list service.
const DefaultBaseURL = "https://check.torproject.org"

// OnionooBaseURL is the root of the Onionoo service, the default base URL of the Onionoo source.
const OnionooBaseURL = "https://onionoo.torproject.org"

// Defaults for Options.
const (
	DefaultRefresh      = time.Hour
	DefaultRetryFailed  = 5 * time.Minute
	DefaultMaxAddresses = 100_000
	DefaultMaxBytes     = 4 << 20
	DefaultMaxBatch     = 1000
)

// Source selects where the exit list comes from.
type Source string

// The sources.
const (
	// Bulk is check.torproject.org's bulk exit list (IPv4 only); the default.
	Bulk Source = "bulk"
	// Onionoo is the Onionoo details of running exit relays (IPv4 and IPv6).
	Onionoo Source = "onionoo"
)

// Options configures a Client.
type Options struct {
	// HTTP is the engine's request path for this provider (rate limit, retries, client,
	// clock); required. Its clock also times the refreshes.
	HTTP *enrich.HTTP
	// BaseURL replaces the source's root (DefaultBaseURL or OnionooBaseURL), for mirrors and tests.
	BaseURL string
	// Source is Bulk (the default when empty) or Onionoo.
	Source Source
	// Refresh is the age at which the list is fetched again; 0 means DefaultRefresh.
	Refresh time.Duration
	// RetryFailed is the wait after a failed refresh before the next try, while the old list
	// keeps answering; 0 means DefaultRetryFailed (never more than Refresh).
	RetryFailed time.Duration
	// CacheDir, when set, is a directory where the list is kept between runs (created if
	// missing). A cache that cannot be read or written is ignored.
	CacheDir string
	// MaxAddresses bounds the number of addresses in a list; 0 means DefaultMaxAddresses.
	MaxAddresses int
	// MaxBytes bounds the size of a downloaded list; 0 means DefaultMaxBytes.
	MaxBytes int64
	// Batch is the most indicators the engine hands over at once; 0 means DefaultMaxBatch.
	Batch int
}

// Client is the Tor exit-list provider. It is safe for concurrent use.
type Client struct {
	o    Options
	base string

	// sem (capacity 1) guards the fields below and serialises refreshes; waiting for it
	// respects the caller's context.
	sem       chan struct{}
	list      *exitList
	diskTried bool
	nextTry   time.Time
	lastErr   error
}

// exitList is one fetched list.
type exitList struct {
	addrs   map[netip.Addr]struct{}
	fetched time.Time
}

var (
	_ enrich.Provider = (*Client)(nil)
	_ enrich.Batcher  = (*Client)(nil)
)

// New checks o and returns a Client. Nothing is fetched until the first lookup.
func New(o Options) (*Client, error) {
	if err := enrich.RequireHTTP(Name, o.HTTP); err != nil {
		return nil, err
	}
	switch o.Source {
	case "":
		o.Source = Bulk
	case Bulk, Onionoo:
	default:
		return nil, fmt.Errorf("%s: unknown source %q: use %q or %q", Name, o.Source, Bulk, Onionoo)
	}
	if o.Refresh < 0 || o.RetryFailed < 0 || o.MaxAddresses < 0 || o.MaxBytes < 0 || o.Batch < 0 {
		return nil, fmt.Errorf("%s: refresh, retry, size and batch limits must not be negative", Name)
	}
	if o.Refresh == 0 {
		o.Refresh = DefaultRefresh
	}
	if o.RetryFailed == 0 {
		o.RetryFailed = DefaultRetryFailed
	}
	o.RetryFailed = min(o.RetryFailed, o.Refresh)
	if o.MaxAddresses == 0 {
		o.MaxAddresses = DefaultMaxAddresses
	}
	if o.MaxBytes == 0 {
		o.MaxBytes = DefaultMaxBytes
	}
	if o.Batch == 0 {
		o.Batch = DefaultMaxBatch
	}
	def := DefaultBaseURL
	if o.Source == Onionoo {
		def = OnionooBaseURL
	}
	base, err := enrich.BaseURL(Name, o.BaseURL, def)
	if err != nil {
		return nil, err
	}
	return &Client{o: o, base: base, sem: make(chan struct{}, 1)}, nil
}

// Name returns "tor".
func (c *Client) Name() string { return Name }

// Types returns ipv4, and ipv6 too with the Onionoo source.
func (c *Client) Types() []ioc.Type {
	if c.o.Source == Onionoo {
		return []ioc.Type{ioc.IPv4, ioc.IPv6}
	}
	return []ioc.Type{ioc.IPv4}
}

// MaxBatch returns Options.Batch: a batch of any size costs at most the one list download.
func (c *Client) MaxBatch() int { return c.o.Batch }

// Lookup answers each indicator from the exit list, fetching or refreshing the list first when
// needed.
func (c *Client) Lookup(ctx context.Context, batch []enrich.Indicator) []enrich.Result {
	out := make([]enrich.Result, len(batch))
	var (
		list    *exitList
		stale   error
		listErr error
		loaded  bool
	)
	for i, ind := range batch {
		out[i].Indicator = ind
		addr, err := c.address(ind)
		if err != nil {
			out[i].Err = err
			continue
		}
		if !loaded {
			list, stale, listErr = c.current(ctx)
			loaded = true
		}
		if listErr != nil {
			out[i].Err = listErr
			continue
		}
		out[i] = c.answer(ind, addr, list, stale)
	}
	return out
}

// address checks the indicator's type and parses its value.
func (c *Client) address(ind enrich.Indicator) (netip.Addr, error) {
	supported := ind.Type == ioc.IPv4 || (ind.Type == ioc.IPv6 && c.o.Source == Onionoo)
	if !supported {
		return netip.Addr{}, fmt.Errorf("%s: %s with the %s source: %w", Name, ind.Type, c.o.Source, enrich.ErrUnsupported)
	}
	addr, err := netip.ParseAddr(strings.TrimSpace(ind.Value))
	if err != nil {
		return netip.Addr{}, fmt.Errorf("%s: %q is not an IP address", Name, ind.Value)
	}
	return addr.Unmap().WithZone(""), nil
}

func (c *Client) answer(ind enrich.Indicator, addr netip.Addr, list *exitList, stale error) enrich.Result {
	_, listed := list.addrs[addr]
	r := enrich.Result{
		Indicator: ind,
		Reference: "https://metrics.torproject.org/rs.html#search/" + addr.String(),
		Details: map[string]any{
			"tor_exit":  listed,
			"source":    string(c.o.Source),
			"list_size": len(list.addrs),
			"list_time": list.fetched.UTC().Format(time.RFC3339),
		},
	}
	if stale != nil {
		r.Details["stale"] = true
		r.Details["refresh_error"] = stale.Error()
	}
	if listed {
		r.Verdict, r.Summary = enrich.Suspicious, "Tor exit node"
	} else {
		r.Verdict, r.Summary = enrich.Unknown, "not a Tor exit"
	}
	return r
}

// current returns the list to answer from, refreshing it when due. stale is the error of the
// last failed refresh when the list returned is older than the refresh interval.
func (c *Client) current(ctx context.Context) (list *exitList, stale, err error) {
	select {
	case c.sem <- struct{}{}:
	case <-ctx.Done():
		return nil, nil, fmt.Errorf("%s: %w", Name, ctx.Err())
	}
	defer func() { <-c.sem }()

	now := c.clock().Now()
	if !c.diskTried {
		c.diskTried = true
		if l, err := c.loadCache(); err == nil {
			c.list = l
		}
	}
	if c.list != nil && now.Sub(c.list.fetched) < c.o.Refresh {
		return c.list, nil, nil
	}
	if c.list != nil && now.Before(c.nextTry) {
		return c.list, c.lastErr, nil
	}
	l, err := c.fetch(ctx, now)
	if err != nil {
		if c.list == nil {
			return nil, nil, err
		}
		c.nextTry, c.lastErr = now.Add(c.o.RetryFailed), err
		return c.list, err, nil
	}
	c.list, c.lastErr, c.nextTry = l, nil, time.Time{}
	_ = c.saveCache(l) // the cache only saves a download; lookups go on without it
	return l, nil, nil
}

func (c *Client) clock() enrich.Clock {
	if c.o.HTTP.Clock != nil {
		return c.o.HTTP.Clock
	}
	return enrich.SystemClock{}
}

// Onionoo's query: running exit relays, only the fields the list needs.
const onionooQuery = "/details?flag=exit&running=true&fields=exit_addresses,or_addresses,exit_policy_v6_summary"

// fetch downloads and parses the list.
func (c *Client) fetch(ctx context.Context, now time.Time) (*exitList, error) {
	u, accept := c.base+"/torbulkexitlist", "text/plain"
	if c.o.Source == Onionoo {
		u, accept = c.base+onionooQuery, "application/json"
	}
	rep, err := c.o.HTTP.Do(ctx, func(ctx context.Context) (*http.Request, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
		if err != nil {
			return nil, err
		}
		req.Header.Set("Accept", accept)
		return req, nil
	})
	if err != nil {
		return nil, fmt.Errorf("%s: downloading the exit list: %w", Name, err)
	}
	if int64(len(rep.Body)) > c.o.MaxBytes {
		return nil, fmt.Errorf("%s: %w: exit list larger than %d bytes", Name, enrich.ErrBadReply, c.o.MaxBytes)
	}
	var addrs map[netip.Addr]struct{}
	if c.o.Source == Onionoo {
		addrs, err = ParseOnionoo(rep.Body, c.o.MaxAddresses)
	} else {
		addrs, err = ParseBulk(rep.Body, c.o.MaxAddresses)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", Name, err)
	}
	return &exitList{addrs: addrs, fetched: now}, nil
}

// ParseBulk reads a bulk exit list: one IP address per line; blank lines and lines starting
// with '#' are skipped. More than max addresses (max ≤ 0: no bound), an empty list or a line that
// is not an address is an error wrapping enrich.ErrBadReply, naming the line.
func ParseBulk(data []byte, max int) (map[netip.Addr]struct{}, error) {
	addrs := make(map[netip.Addr]struct{})
	for n, line := range strings.Split(string(data), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || line[0] == '#' {
			continue
		}
		a, err := netip.ParseAddr(line)
		if err != nil || a.Zone() != "" {
			return nil, fmt.Errorf("%w: exit list line %d: %q is not an IP address", enrich.ErrBadReply, n+1, clip(line))
		}
		addrs[a.Unmap()] = struct{}{}
		if max > 0 && len(addrs) > max {
			return nil, fmt.Errorf("%w: exit list has more than %d addresses", enrich.ErrBadReply, max)
		}
	}
	if len(addrs) == 0 {
		return nil, fmt.Errorf("%w: exit list is empty", enrich.ErrBadReply)
	}
	return addrs, nil
}

// onionooDetails is the part of an Onionoo details document the list needs.
type onionooDetails struct {
	Version string `json:"version"`
	Relays  *[]struct {
		ORAddresses   []string `json:"or_addresses"`
		ExitAddresses []string `json:"exit_addresses"`
		ExitPolicyV6  struct {
			Accept []string `json:"accept"`
		} `json:"exit_policy_v6_summary"`
	} `json:"relays"`
}

// ParseOnionoo reads an Onionoo details document of exit relays (see the package comment for
// which addresses count). A document without a relays array, an empty set of addresses, more
// than max addresses (max ≤ 0: no bound) or an address that does not parse is an error wrapping
// enrich.ErrBadReply.
func ParseOnionoo(data []byte, max int) (map[netip.Addr]struct{}, error) {
	var d onionooDetails
	if err := json.Unmarshal(data, &d); err != nil {
		return nil, fmt.Errorf("%w: onionoo details: %v", enrich.ErrBadReply, err)
	}
	if d.Relays == nil {
		return nil, fmt.Errorf("%w: onionoo details without relays", enrich.ErrBadReply)
	}
	addrs := make(map[netip.Addr]struct{})
	add := func(a netip.Addr) error {
		addrs[a.Unmap().WithZone("")] = struct{}{}
		if max > 0 && len(addrs) > max {
			return fmt.Errorf("%w: exit list has more than %d addresses", enrich.ErrBadReply, max)
		}
		return nil
	}
	for i, r := range *d.Relays {
		for _, s := range r.ExitAddresses {
			a, err := netip.ParseAddr(s)
			if err != nil {
				return nil, fmt.Errorf("%w: onionoo relay %d: exit address %q: %v", enrich.ErrBadReply, i, clip(s), err)
			}
			if err := add(a); err != nil {
				return nil, err
			}
		}
		for _, s := range r.ORAddresses {
			ap, err := netip.ParseAddrPort(s)
			if err != nil {
				return nil, fmt.Errorf("%w: onionoo relay %d: OR address %q: %v", enrich.ErrBadReply, i, clip(s), err)
			}
			a := ap.Addr().Unmap()
			if a.Is6() && len(r.ExitPolicyV6.Accept) == 0 {
				continue // no IPv6 exiting: the address only carries relay traffic
			}
			if err := add(a); err != nil {
				return nil, err
			}
		}
	}
	if len(addrs) == 0 {
		return nil, fmt.Errorf("%w: onionoo lists no exit address", enrich.ErrBadReply)
	}
	return addrs, nil
}

func clip(s string) string {
	if len(s) > 60 {
		return s[:60] + "…"
	}
	return s
}
