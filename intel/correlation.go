package intel

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/hunchsec/hunch/intel/acl"
	"github.com/hunchsec/hunch/misp"
	"github.com/hunchsec/hunch/store"
)

// Correlation follows MISP's default engine: two attributes of different events correlate when a value of one
// (value1, or value2 of a composite type other than the primary-only ones) equals value1 or value2 of the other.
// Nothing is stored per pair: the store's value indexes are the inverted index (value → attributes), read when
// an event is shown, so storage stays linear in the attributes and writes pay nothing for correlation.

// defaultCorrelationLimit is MISP's correlation_limit when unset.
const defaultCorrelationLimit = 20

// DefaultCIDRCorrelationScan is Options.CIDRCorrelationScan when unset.
const DefaultCIDRCorrelationScan = 10000

// ipTypes are the types whose first value correlates by CIDR containment (MISP's advanced correlation): an IP
// with the networks that contain it, a network with the IPs inside it.
var ipTypes = []string{"ip-src", "ip-dst", "ip-src|port", "ip-dst|port"}

// nonCorrelatingTypes are MISP's Attribute::NON_CORRELATING_TYPES.
var nonCorrelatingTypes = []string{"comment", "http-method", "aba-rtn", "gender", "counter", "float", "port",
	"nationality", "cortex", "boolean", "anonymised"}

// primaryOnlyTypes correlate on their first part only (MISP's PRIMARY_ONLY_CORRELATING_TYPES).
var primaryOnlyTypes = []string{"ip-src|port", "ip-dst|port", "hostname|port"}

// correlationValues returns the values by which a correlates: none for a non-correlating type or a deleted or
// correlation-disabled attribute.
func correlationValues(a *misp.Attribute) []string {
	if bool(a.Deleted) || bool(a.DisableCorrelation) || slices.Contains(nonCorrelatingTypes, a.Type) || a.Value == "" {
		return nil
	}
	if v1, v2, ok := misp.SplitComposite(a.Type, a.Value); ok {
		if slices.Contains(primaryOnlyTypes, a.Type) || v2 == "" {
			return []string{v1}
		}
		return []string{v1, v2}
	}
	return []string{a.Value}
}

// holdsValue reports whether a holds v as its value or as a part of its composite value, the equality MISP
// correlates on (the store's value match may be wider: '%' in v is a wildcard there).
func holdsValue(a *misp.Attribute, v string) bool {
	if a.Value == v {
		return true
	}
	v1, v2, ok := misp.SplitComposite(a.Type, a.Value)
	return ok && (v1 == v || v2 == v && !slices.Contains(primaryOnlyTypes, a.Type))
}

// correlationLimit is the over-correlation threshold in force.
func (s *Service) correlationLimit() int {
	if s.opts.CorrelationLimit > 0 {
		return s.opts.CorrelationLimit
	}
	return defaultCorrelationLimit
}

// Correlate fills in e (an event as ViewEvent returned it to u) its RelatedEvent list and each attribute's
// RelatedAttribute list: the attributes of other events that u may read and that share a correlating value.
// A value held by more than the correlation limit of other events' attributes (readable or not) is
// over-correlating and is left out, as MISP leaves it out. An event with disable_correlation correlates with
// nothing, and attributes of such events are not correlated with; values matching a correlation exclusion do not
// correlate.
func (s *Service) Correlate(ctx context.Context, u acl.User, e *misp.Event) error {
	e.RelatedEvent = []misp.RelatedEvent{}
	if bool(e.DisableCorrelation) {
		return nil
	}
	var mine []*misp.Attribute
	for i := range e.Attribute {
		mine = append(mine, &e.Attribute[i])
	}
	for i := range e.Object {
		for j := range e.Object[i].Attribute {
			mine = append(mine, &e.Object[i].Attribute[j])
		}
	}
	c, err := s.newCorrelator(ctx, u, false)
	if err != nil {
		return err
	}
	related := map[int64]bool{}
	for _, a := range mine {
		if err := c.relate(ctx, a); err != nil {
			return err
		}
		for _, r := range a.RelatedAttribute {
			related[int64(r.EventID)] = true
		}
	}
	ids := make([]int64, 0, len(related))
	for id := range related {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	for _, id := range ids {
		ev := c.events[id]
		e.RelatedEvent = append(e.RelatedEvent, misp.RelatedEvent{Event: misp.EventSummary{ID: ev.ID, Date: ev.Date,
			ThreatLevel: ev.ThreatLevel, Info: ev.Info, Published: ev.Published, UUID: ev.UUID, Analysis: ev.Analysis,
			Timestamp: ev.Timestamp, Distribution: ev.Distribution, OrgID: ev.OrgID, OrgcID: ev.OrgcID,
			Org: orgSummary(ev.Org), Orgc: orgSummary(ev.Orgc)}})
	}
	return nil
}

// orgSummary is the id, name and uuid of o, as MISP names organisations in related events.
func orgSummary(o *misp.Organisation) *misp.Organisation {
	if o == nil {
		return nil
	}
	return &misp.Organisation{ID: o.ID, Name: o.Name, UUID: o.UUID}
}

// newCorrelator prepares the correlations of one reader; withEvent adds the other event's summary to each (as
// attributes/restSearch's includeCorrelations answers them).
func (s *Service) newCorrelator(ctx context.Context, u acl.User, withEvent bool) (*correlator, error) {
	exclusions, err := s.st.ListCorrelationExclusions(ctx)
	if err != nil {
		return nil, fmt.Errorf("intel: correlation exclusions: %w", err)
	}
	return &correlator{s: s, u: u, p: s.Policy(), withEvent: withEvent, limit: s.correlationLimit(), exclusions: exclusions,
		events: map[int64]*misp.Event{}, objects: map[int64]acl.Element{}, byValue: map[string]*valueMatches{},
		byCIDR: map[string][]string{}}, nil
}

// relate sets a's RelatedAttribute list: the correlations of each of its values, with the other event's summary,
// and for an IP type those of the networks holding its IP or of the IPs inside its network.
func (c *correlator) relate(ctx context.Context, a *misp.Attribute) error {
	values := correlationValues(a)
	if len(values) > 0 && slices.Contains(ipTypes, a.Type) && !excluded(values[0], c.exclusions) {
		more, err := c.cidrValues(ctx, values[0])
		if err != nil {
			return err
		}
		values = append(values, more...)
	}
	for _, v := range values {
		if excluded(v, c.exclusions) {
			continue
		}
		others, err := c.correlations(ctx, v, int64(a.EventID))
		if err != nil {
			return err
		}
		for _, o := range others {
			ev := c.events[int64(o.EventID)]
			r := misp.RelatedAttribute{ID: o.ID, EventID: o.EventID, ObjectID: o.ObjectID, Type: o.Type,
				Category: o.Category, UUID: o.UUID, Value: o.Value, OrgID: ev.OrgID, Info: ev.Info}
			if c.withEvent {
				r.Event = contextOf(ev)
			}
			a.RelatedAttribute = append(a.RelatedAttribute, r)
		}
	}
	return nil
}

// correlator finds the correlations of one event's values for one reader.
type correlator struct {
	s          *Service
	u          acl.User
	p          *acl.Policy
	withEvent  bool
	limit      int
	exclusions []misp.CorrelationExclusion
	events     map[int64]*misp.Event // headers of the events met, nil for one that does not correlate
	objects    map[int64]acl.Element // the access element of each object met
	byValue    map[string]*valueMatches
	byCIDR     map[string][]string // cidrValues' answers
}

// valueMatches are the correlating attributes holding one value, over the whole store, and which of them the
// reader may read.
type valueMatches struct {
	all      []*misp.Attribute
	readable []bool
}

// correlations returns the attributes of events other than own that hold v and that the reader may read, or
// nothing when v is over-correlating. One query per value reads the attributes holding it (up to the limit and a
// margin): the limit counts every other event's, readable or not, as MISP's does; then the reader's access
// decides which are shown, through the same policy as every read path.
func (c *correlator) correlations(ctx context.Context, v string, own int64) ([]*misp.Attribute, error) {
	m, ok := c.byValue[v]
	if !ok {
		m = &valueMatches{}
		f := store.AttributeFilter{Conditions: acl.Conditions{Unrestricted: true}, Value: store.Any(v), Limit: c.limit + 64}
		for a, err := range c.s.st.SearchAttributes(ctx, f) {
			if err != nil {
				return nil, fmt.Errorf("intel: correlations of %q: %w", v, err)
			}
			if c.correlates(a, v) {
				m.all = append(m.all, a)
			}
		}
		if len(m.all) <= c.limit+1 { // one more than the limit may still fit once own's are left out
			for _, a := range m.all {
				ok, err := c.readable(ctx, a)
				if err != nil {
					return nil, err
				}
				m.readable = append(m.readable, ok)
			}
		}
		c.byValue[v] = m
	}
	others := 0
	for _, a := range m.all {
		if int64(a.EventID) != own {
			others++
		}
	}
	if others > c.limit || m.readable == nil {
		return nil, nil
	}
	var out []*misp.Attribute
	for i, a := range m.all {
		if int64(a.EventID) != own && m.readable[i] {
			out = append(out, a)
		}
	}
	return out, nil
}

// readable reports whether the reader may see a, an attribute of another event, and that event correlates.
func (c *correlator) readable(ctx context.Context, a *misp.Attribute) (bool, error) {
	ok, err := c.eventCorrelates(ctx, int64(a.EventID))
	if err != nil || !ok {
		return false, err
	}
	ev := ACLEvent(c.events[int64(a.EventID)])
	el := ACLElement(acl.KindAttribute, a.Distribution, a.SharingGroupID)
	if a.ObjectID == 0 {
		return c.p.CanReadElement(c.u, ev, el) == nil, nil
	}
	obj, ok := c.objects[int64(a.ObjectID)]
	if !ok {
		o, err := c.s.st.Object(ctx, int64(a.ObjectID))
		if errors.Is(err, store.ErrNotFound) {
			return false, nil
		}
		if err != nil {
			return false, fmt.Errorf("intel: object %d: %w", a.ObjectID, err)
		}
		if bool(o.Deleted) {
			return false, nil
		}
		obj = ACLElement(acl.KindObject, o.Distribution, o.SharingGroupID)
		c.objects[int64(a.ObjectID)] = obj
	}
	return c.p.CanReadObjectAttribute(c.u, ev, obj, el) == nil, nil
}

// correlates reports whether a, found for v, may be a correlation: a live, correlating attribute that holds v
// (of an event other than own, checked by the caller).
func (c *correlator) correlates(a *misp.Attribute, v string) bool {
	return !bool(a.Deleted) && !bool(a.DisableCorrelation) &&
		!slices.Contains(nonCorrelatingTypes, a.Type) && holdsValue(a, v)
}

// eventCorrelates reports whether event id takes part in correlation, reading its header once.
func (c *correlator) eventCorrelates(ctx context.Context, id int64) (bool, error) {
	if e, ok := c.events[id]; ok {
		return e != nil, nil
	}
	e, err := c.s.evtHeader(ctx, fmt.Sprint(id), store.ErrNotFound)
	if errors.Is(err, store.ErrNotFound) {
		c.events[id] = nil
		return false, nil
	}
	if err != nil {
		return false, err
	}
	if bool(e.DisableCorrelation) {
		e = nil
	}
	c.events[id] = e
	return e != nil, nil
}

// cidrValues returns the values v correlates with by containment, as MISP's advanced correlation does: for a
// network (10.1.0.0/16), the IPs inside it held by IP-typed attributes; for an IP, the networks holding it held by
// IP-typed attributes. Nothing when CIDR correlation is off or v is neither.
//
// An IP's networks are found in the list of networks attributes hold (Service.networks), by each of its 33
// (IPv4) or 129 (IPv6) enclosing networks. A network's IPs are read with
// MISP's prefix match on the whole octets (or IPv6 groups) of its mask and checked for containment; a network
// holding more than the scan bound is over-correlating and correlates with nothing.
func (c *correlator) cidrValues(ctx context.Context, v string) ([]string, error) {
	scan := c.s.opts.CIDRCorrelationScan
	if scan < 0 {
		return nil, nil
	}
	if scan == 0 {
		scan = DefaultCIDRCorrelationScan
	}
	if got, ok := c.byCIDR[v]; ok {
		return got, nil
	}
	if !strings.Contains(v, "/") {
		ip, err := netip.ParseAddr(v)
		if err != nil {
			c.byCIDR[v] = nil
			return nil, nil
		}
		nets, err := c.s.networks(ctx)
		if err != nil {
			return nil, err
		}
		var out []string
		for bits := ip.BitLen(); bits >= 0; bits-- {
			out = append(out, nets[netip.PrefixFrom(ip, bits).Masked()]...)
		}
		c.byCIDR[v] = out
		return out, nil
	}
	p, err := netip.ParsePrefix(v)
	if err != nil {
		c.byCIDR[v] = nil
		return nil, nil
	}
	p = p.Masked()
	keep := func(w string) bool {
		ip, err := netip.ParseAddr(w)
		return err == nil && p.Contains(ip)
	}
	f := store.AttributeFilter{Value: store.Any(ipPrefixPattern(p)), Type: store.Any(ipTypes...), Limit: scan + 1}
	f.Conditions = acl.Conditions{Unrestricted: true}
	var out []string
	n := 0
	for a, err := range c.s.st.SearchAttributes(ctx, f) {
		if err != nil {
			return nil, fmt.Errorf("intel: networks correlating with %q: %w", v, err)
		}
		if n++; n > scan {
			out = nil // over-correlating
			break
		}
		if bool(a.Deleted) || bool(a.DisableCorrelation) || !slices.Contains(ipTypes, a.Type) {
			continue
		}
		w := a.Value
		if v1, _, ok := misp.SplitComposite(a.Type, a.Value); ok {
			w = v1
		}
		if keep(w) && !slices.Contains(out, w) {
			out = append(out, w)
		}
	}
	c.byCIDR[v] = out
	return out, nil
}

// ipPrefixPattern is the value pattern every IP inside p starts with: the whole octets (IPv4) or 16-bit groups
// (IPv6, in its full spelling's leading groups) that p's mask fixes, then '%'.
func ipPrefixPattern(p netip.Prefix) string {
	ip := p.Addr()
	if ip.Is4() {
		b := ip.As4()
		parts := make([]string, 0, 4)
		for i := 0; i < p.Bits()/8; i++ {
			parts = append(parts, strconv.Itoa(int(b[i])))
		}
		if len(parts) == 0 {
			return "%"
		}
		if len(parts) == 4 {
			return strings.Join(parts, ".")
		}
		return strings.Join(parts, ".") + ".%"
	}
	b := ip.As16()
	groups := p.Bits() / 16
	if groups == 0 {
		return "%:%"
	}
	// A zero group may be compressed away in the spelling ("2001:db8::1"), so the pattern stops before the first
	// one; a prefix starting with one reads the whole IPv6 space, each value then checked for containment.
	parts := make([]string, 0, groups)
	for i := 0; i < groups; i++ {
		g := uint64(b[2*i])<<8 | uint64(b[2*i+1])
		if g == 0 {
			break
		}
		parts = append(parts, strconv.FormatUint(g, 16))
	}
	if len(parts) == 0 {
		return "%:%"
	}
	return strings.Join(parts, ":") + ":%"
}

// ---- correlation exclusions ----

// AddCorrelationExclusion stores x (correlation_exclusions/add): its value never correlates from now on. Site
// admins only; an empty value or one stored already is an *InvalidError.
func (s *Service) AddCorrelationExclusion(ctx context.Context, u acl.User, x *misp.CorrelationExclusion) error {
	if err := s.Policy().CanManageCorrelations(u); err != nil {
		return err
	}
	x.ID, x.Value = 0, strings.TrimSpace(x.Value)
	if x.Value == "" {
		return Invalid(MsgCouldNotAddCorrelationExclusion, "value", "Value cannot be empty.")
	}
	err := s.st.AddCorrelationExclusion(ctx, x)
	if errors.Is(err, store.ErrConflict) {
		return Invalid(MsgCouldNotAddCorrelationExclusion, "value", "This value is already excluded.")
	}
	return err
}

// CorrelationExclusions lists the exclusions (correlation_exclusions/index). Site admins only.
func (s *Service) CorrelationExclusions(ctx context.Context, u acl.User) ([]misp.CorrelationExclusion, error) {
	if err := s.Policy().CanManageCorrelations(u); err != nil {
		return nil, err
	}
	return s.st.ListCorrelationExclusions(ctx)
}

// CorrelationExclusion returns exclusion id (correlation_exclusions/view); a missing one is 404 "Invalid
// correlation exclusion.". Site admins only.
func (s *Service) CorrelationExclusion(ctx context.Context, u acl.User, id int64) (*misp.CorrelationExclusion, error) {
	if err := s.Policy().CanManageCorrelations(u); err != nil {
		return nil, err
	}
	x, err := s.st.CorrelationExclusion(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, acl.NotFound(MsgInvalidCorrelationExclusion)
	}
	return x, err
}

// DeleteCorrelationExclusion removes exclusion id (correlation_exclusions/delete). Site admins only.
func (s *Service) DeleteCorrelationExclusion(ctx context.Context, u acl.User, id int64) error {
	if err := s.Policy().CanManageCorrelations(u); err != nil {
		return err
	}
	err := s.st.DeleteCorrelationExclusion(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return acl.NotFound(MsgInvalidCorrelationExclusion)
	}
	return err
}

// The messages of the correlation exclusion endpoints.
const (
	MsgCouldNotAddCorrelationExclusion = "Could not add Correlation Exclusion"
	MsgInvalidCorrelationExclusion     = "Invalid correlation exclusion."
)

// excluded reports whether v matches one of the exclusions: exactly, or through a '%' wildcard at the start,
// the end or both ends of an exclusion's value, as MISP matches them.
func excluded(v string, exclusions []misp.CorrelationExclusion) bool {
	for _, x := range exclusions {
		p := x.Value
		pre, suf := strings.HasPrefix(p, "%"), strings.HasSuffix(p, "%") && len(p) > 1
		core := strings.TrimSuffix(strings.TrimPrefix(p, "%"), "%")
		switch {
		case pre && suf:
			if strings.Contains(v, core) {
				return true
			}
		case pre:
			if strings.HasSuffix(v, core) {
				return true
			}
		case suf:
			if strings.HasPrefix(v, core) {
				return true
			}
		case v == p:
			return true
		}
	}
	return false
}
