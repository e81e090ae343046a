package whois

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// registryFile names the IANA bootstrap file for each kind of object (RFC 9224 §4–5).
type registryFile string

const (
	fileDNS  registryFile = "dns.json"
	fileIPv4 registryFile = "ipv4.json"
	fileIPv6 registryFile = "ipv6.json"
	fileASN  registryFile = "asn.json"
)

// bootstrapFile is the wire shape of an IANA bootstrap file: services are pairs of
// [entries, base URLs].
type bootstrapFile struct {
	Version     string       `json:"version"`
	Publication string       `json:"publication"`
	Services    [][][]string `json:"services"`
}

// registry is one parsed bootstrap file.
type registry struct {
	fetched  time.Time
	domains  map[string]string // TLD or longer suffix → base URL
	prefixes []prefixEntry
	asns     []asnEntry
}

type prefixEntry struct {
	prefix netip.Prefix
	url    string
}

type asnEntry struct {
	lo, hi uint32
	url    string
}

// bootstrapCache holds the parsed bootstrap files, fetched on demand and kept for the TTL.
type bootstrapCache struct {
	c     *Client
	slots map[registryFile]*slot // fixed at construction, read-only afterwards
}

// slot is one bootstrap file's cache entry.
type slot struct {
	lock chan struct{} // held while reading or refreshing reg; a channel so waits can be cancelled
	reg  *registry
}

func newBootstrapCache(c *Client) *bootstrapCache {
	b := &bootstrapCache{c: c, slots: map[registryFile]*slot{}}
	for _, f := range []registryFile{fileDNS, fileIPv4, fileIPv6, fileASN} {
		b.slots[f] = &slot{lock: make(chan struct{}, 1)}
	}
	return b
}

// server returns the RDAP base URL for q.
func (b *bootstrapCache) server(ctx context.Context, q query) (string, error) {
	var f registryFile
	switch {
	case q.kind == KindDomain:
		f = fileDNS
	case q.kind == KindASN:
		f = fileASN
	case q.addr.Is4():
		f = fileIPv4
	default:
		f = fileIPv6
	}
	reg, err := b.get(ctx, f)
	if err != nil {
		return "", err
	}
	if u := reg.match(q); u != "" {
		return u, nil
	}
	return "", fmt.Errorf("%w (%s) for %s", ErrNoServer, f, q.object())
}

// get returns the registry for f, fetching it when absent or older than the TTL. When a
// refresh fails and an expired copy is at hand, the expired copy is used: registries move
// between servers rarely, and a stale map beats no answer.
func (b *bootstrapCache) get(ctx context.Context, f registryFile) (*registry, error) {
	sl := b.slots[f]
	select {
	case sl.lock <- struct{}{}:
	case <-ctx.Done():
		return nil, fmt.Errorf("waiting for the rdap bootstrap %s: %w", f, context.Cause(ctx))
	}
	defer func() { <-sl.lock }()

	now := b.c.now()
	ttl := b.c.opts.BootstrapTTL
	reg := sl.reg
	if reg != nil && now.Sub(reg.fetched) < ttl {
		return reg, nil
	}
	if disk := b.readDisk(f); disk != nil && (reg == nil || disk.fetched.After(reg.fetched)) {
		reg = disk
		sl.reg = reg
		if now.Sub(reg.fetched) < ttl {
			return reg, nil
		}
	}
	fresh, err := b.fetch(ctx, f)
	if err != nil {
		if reg != nil && ctx.Err() == nil {
			b.c.log.Warn("rdap bootstrap refresh failed, using the expired copy", "file", string(f), "fetched", reg.fetched, "err", err)
			return reg, nil
		}
		return nil, err
	}
	sl.reg = fresh
	return fresh, nil
}

func (b *bootstrapCache) fetch(ctx context.Context, f registryFile) (*registry, error) {
	u := b.c.opts.BootstrapURL + string(f)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, fmt.Errorf("rdap bootstrap %s: %w", u, err)
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", b.c.agent)
	resp, err := b.c.http.Do(req)
	if err != nil {
		return nil, fmt.Errorf("rdap bootstrap: %w", err)
	}
	defer resp.Body.Close()
	body, err := readLimited(resp.Body, b.c.opts.MaxReplyBytes)
	if err != nil {
		return nil, fmt.Errorf("rdap bootstrap %s: reading: %w", u, err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("rdap bootstrap: %w", b.c.statusError(resp, u, body))
	}
	now := b.c.now()
	reg, err := parseRegistry(f, body, now)
	if err != nil {
		return nil, fmt.Errorf("rdap bootstrap %s: %w", u, err)
	}
	b.writeDisk(f, body, now)
	return reg, nil
}

func (b *bootstrapCache) diskPath(f registryFile) string {
	return filepath.Join(b.c.opts.CacheDir, "rdap-bootstrap-"+string(f))
}

// readDisk loads a cached bootstrap file; its modification time is when it was fetched.
// An unreadable or corrupt file is ignored (and fetched again).
func (b *bootstrapCache) readDisk(f registryFile) *registry {
	if b.c.opts.CacheDir == "" {
		return nil
	}
	p := b.diskPath(f)
	fi, err := os.Stat(p)
	if err != nil {
		return nil
	}
	body, err := os.ReadFile(p)
	if err != nil || int64(len(body)) > b.c.opts.MaxReplyBytes {
		return nil
	}
	reg, err := parseRegistry(f, body, fi.ModTime())
	if err != nil {
		b.c.log.Warn("ignoring a corrupt rdap bootstrap cache file", "path", p, "err", err)
		return nil
	}
	return reg
}

// writeDisk stores a fetched bootstrap file atomically, stamped with the fetch time.
func (b *bootstrapCache) writeDisk(f registryFile, body []byte, fetched time.Time) {
	if b.c.opts.CacheDir == "" {
		return
	}
	p := b.diskPath(f)
	err := func() error {
		if err := os.MkdirAll(b.c.opts.CacheDir, 0o755); err != nil {
			return err
		}
		tmp, err := os.CreateTemp(b.c.opts.CacheDir, ".rdap-bootstrap-*")
		if err != nil {
			return err
		}
		defer os.Remove(tmp.Name())
		if _, err := tmp.Write(body); err != nil {
			tmp.Close()
			return err
		}
		if err := tmp.Close(); err != nil {
			return err
		}
		if err := os.Chtimes(tmp.Name(), fetched, fetched); err != nil {
			return err
		}
		return os.Rename(tmp.Name(), p)
	}()
	if err != nil {
		b.c.log.Warn("could not cache the rdap bootstrap file", "path", p, "err", err)
	}
}

// parseRegistry checks and indexes one bootstrap file.
func parseRegistry(f registryFile, body []byte, fetched time.Time) (*registry, error) {
	var bf bootstrapFile
	if err := json.Unmarshal(body, &bf); err != nil {
		return nil, fmt.Errorf("%w: not a bootstrap file: %v", ErrBadReply, err)
	}
	if len(bf.Services) == 0 {
		return nil, fmt.Errorf("%w: bootstrap file lists no services", ErrBadReply)
	}
	reg := &registry{fetched: fetched}
	if f == fileDNS {
		reg.domains = map[string]string{}
	}
	for i, svc := range bf.Services {
		if len(svc) < 2 {
			return nil, fmt.Errorf("%w: bootstrap service %d: want [entries, urls]", ErrBadReply, i)
		}
		base := pickURL(svc[1])
		if base == "" {
			continue
		}
		for _, e := range svc[0] {
			switch f {
			case fileDNS:
				reg.domains[strings.ToLower(strings.Trim(e, "."))] = base
			case fileIPv4, fileIPv6:
				p, err := netip.ParsePrefix(e)
				if err != nil || p.Addr().Is4() != (f == fileIPv4) {
					return nil, fmt.Errorf("%w: bootstrap service %d: bad prefix %q", ErrBadReply, i, e)
				}
				reg.prefixes = append(reg.prefixes, prefixEntry{p.Masked(), base})
			case fileASN:
				lo, hi, err := parseASNRange(e)
				if err != nil {
					return nil, fmt.Errorf("%w: bootstrap service %d: %v", ErrBadReply, i, err)
				}
				reg.asns = append(reg.asns, asnEntry{lo, hi, base})
			}
		}
	}
	return reg, nil
}

// pickURL prefers an https base URL, as RFC 9224 §3 advises, and ignores anything that is
// not an absolute http(s) URL.
func pickURL(urls []string) string {
	var first string
	for _, u := range urls {
		pu, err := url.Parse(u)
		if err != nil || pu.Host == "" {
			continue
		}
		if pu.Scheme == "https" {
			return u
		}
		if pu.Scheme == "http" && first == "" {
			first = u
		}
	}
	return first
}

func parseASNRange(e string) (uint32, uint32, error) {
	los, his, ok := strings.Cut(e, "-")
	if !ok {
		his = los
	}
	lo, err1 := strconv.ParseUint(strings.TrimSpace(los), 10, 32)
	hi, err2 := strconv.ParseUint(strings.TrimSpace(his), 10, 32)
	if err1 != nil || err2 != nil || lo > hi {
		return 0, 0, fmt.Errorf("bad AS range %q", e)
	}
	return uint32(lo), uint32(hi), nil
}

// match finds the base URL for q: the longest matching domain suffix, the longest matching
// prefix, or the AS range holding the number.
func (r *registry) match(q query) string {
	switch q.kind {
	case KindDomain:
		d := q.domain
		for {
			if u, ok := r.domains[d]; ok {
				return u
			}
			_, rest, ok := strings.Cut(d, ".")
			if !ok {
				return ""
			}
			d = rest
		}
	case KindASN:
		for _, e := range r.asns {
			if q.asn >= e.lo && q.asn <= e.hi {
				return e.url
			}
		}
		return ""
	default:
		best, bestBits := "", -1
		bits := q.addr.BitLen()
		if q.prefix.IsValid() {
			bits = q.prefix.Bits()
		}
		for _, e := range r.prefixes {
			if e.prefix.Bits() <= bits && e.prefix.Contains(q.addr) && e.prefix.Bits() > bestBits {
				best, bestBits = e.url, e.prefix.Bits()
			}
		}
		return best
	}
}
