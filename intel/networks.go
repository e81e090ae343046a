package intel

import (
	"context"
	"fmt"
	"net/netip"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hunchsec/hunch/intel/acl"
	"github.com/hunchsec/hunch/misp"
	"github.com/hunchsec/hunch/store"
)

// DefaultNetworkCacheTTL is Options.NetworkCacheTTL when unset.
const DefaultNetworkCacheTTL = time.Minute

// networkCache holds the IP networks that IP-typed attributes hold (10.1.0.0/16 as an ip-dst), for finding the
// networks an IP falls in without a query per IP: MISP keeps the same list (its CIDR cache). It is read again
// after any write through the service that may add a value, and at the latest after its TTL, for writes made by
// other processes on the same database. A network that stops being held (deleted, edited) may stay listed until
// then, which is harmless: each one found is looked up again by value before it correlates.
type networkCache struct {
	gen    atomic.Uint64 // bumped after each write that may add a value
	mu     sync.Mutex
	loaded uint64
	at     time.Time
	nets   map[netip.Prefix][]string // network (masked) → the values spelling it
}

// watchedStore is the service's store: writes that may add attribute values mark the network cache stale once
// they are done.
type watchedStore struct {
	store.Intel
	gen *atomic.Uint64
}

func (w watchedStore) bump(err error) error {
	w.gen.Add(1)
	return err
}

func (w watchedStore) SaveEvent(ctx context.Context, e *misp.Event) error {
	return w.bump(w.Intel.SaveEvent(ctx, e))
}

func (w watchedStore) UpdateEvent(ctx context.Context, e *misp.Event) error {
	return w.bump(w.Intel.UpdateEvent(ctx, e))
}

func (w watchedStore) AddObject(ctx context.Context, eventID int64, o *misp.Object) error {
	return w.bump(w.Intel.AddObject(ctx, eventID, o))
}

func (w watchedStore) AddAttribute(ctx context.Context, eventID int64, a *misp.Attribute) error {
	return w.bump(w.Intel.AddAttribute(ctx, eventID, a))
}

func (w watchedStore) EditAttribute(ctx context.Context, a *misp.Attribute) error {
	return w.bump(w.Intel.EditAttribute(ctx, a))
}

func (w watchedStore) RestoreAttribute(ctx context.Context, id int64, at time.Time) error {
	return w.bump(w.Intel.RestoreAttribute(ctx, id, at))
}

// networks returns the networks IP-typed attributes hold, reading them again when stale.
func (s *Service) networks(ctx context.Context) (map[netip.Prefix][]string, error) {
	c := s.nets
	c.mu.Lock()
	defer c.mu.Unlock()
	ttl := s.opts.NetworkCacheTTL
	if ttl == 0 {
		ttl = DefaultNetworkCacheTTL
	}
	gen, at := c.gen.Load(), s.now()
	if c.nets != nil && c.loaded == gen && at.Sub(c.at) < ttl {
		return c.nets, nil
	}
	nets := map[netip.Prefix][]string{}
	f := store.AttributeFilter{Conditions: acl.Conditions{Unrestricted: true}, Value: store.Any("%/%"),
		Type: store.Any(ipTypes...)}
	for a, err := range s.st.SearchAttributes(ctx, f) {
		if err != nil {
			return nil, fmt.Errorf("intel: networks held by attributes: %w", err)
		}
		if bool(a.Deleted) || bool(a.DisableCorrelation) {
			continue
		}
		v := a.Value
		if v1, _, ok := misp.SplitComposite(a.Type, a.Value); ok {
			v = v1
		}
		p, err := netip.ParsePrefix(v)
		if err != nil {
			continue
		}
		if k := p.Masked(); !slices.Contains(nets[k], v) {
			nets[k] = append(nets[k], v)
		}
	}
	c.nets, c.loaded, c.at = nets, gen, at
	return nets, nil
}
