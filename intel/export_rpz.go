package intel

// The RPZ export: MISP's RPZExport, a DNS response policy zone of the selected IP addresses, domains and
// hostnames.

import (
	"context"
	"errors"
	"fmt"
	"hash/maphash"
	"io"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/hunchsec/hunch/intel/acl"
	"github.com/hunchsec/hunch/store"
)

// RPZOptions are the zone's parameters, restSearch's policy, walled_garden, ns, ns_alt, email, serial,
// refresh, retry, expiry, minimum_ttl and ttl. An empty field takes the store's "Plugin.RPZ_<name>" setting,
// else MISP's default (RPZDefaults).
type RPZOptions struct {
	// Policy is one of NXDOMAIN, NODATA, DROP, Local-Data, PASSTHRU and TCP-only; another name is ignored.
	Policy                                          string
	WalledGarden, NS, NSAlt, Email                  string
	Serial, Refresh, Retry, Expiry, MinimumTTL, TTL string
}

// RPZDefaults are MISP's defaults of the Plugin.RPZ_* settings. In Serial, $date stands for the day
// (YYYYMMDD) and $time for the Unix time of the export.
var RPZDefaults = RPZOptions{Policy: "NXDOMAIN", WalledGarden: "127.0.0.1", NS: "localhost.", Email: "root.localhost",
	Serial: "$date00", Refresh: "2h", Retry: "30m", Expiry: "30d", MinimumTTL: "1h", TTL: "1w"}

// rpzPolicies are MISP's RPZ policies: the explanation its comment gives and the CNAME target, by name and
// by the setting's numeric id.
var rpzPolicies = []struct{ name, explanation, action string }{
	{"DROP", "timeout.", "rpz-drop."},
	{"NXDOMAIN", "return NXDOMAIN (name does not exist) irrespective of actual result received.", "."},
	{"NODATA", "returns NODATA (name exists but no answers returned) irrespective of actual result received.", "*."},
	{"Local-Data", "returns the defined alternate location.", "$walled_garden"},
	{"PASSTHRU", "lets queries through, but allows for logging the hits (useful for testing).", "rpz-passthru."},
	{"TCP-only", "force the client to use TCP.", "rpz-tcp-only."},
}

func rpzPolicy(v string) (int, bool) {
	for i, p := range rpzPolicies {
		if v == p.name || v == strconv.Itoa(i) {
			return i, true
		}
	}
	return 0, false
}

// rpzOptions completes o from the store's settings and MISP's defaults.
func (s *Service) rpzOptions(ctx context.Context, o RPZOptions) (RPZOptions, error) {
	if _, ok := rpzPolicy(o.Policy); !ok {
		o.Policy = ""
	}
	for _, f := range []struct {
		name string
		v    *string
		def  string
	}{
		{"policy", &o.Policy, RPZDefaults.Policy}, {"walled_garden", &o.WalledGarden, RPZDefaults.WalledGarden},
		{"ns", &o.NS, RPZDefaults.NS}, {"ns_alt", &o.NSAlt, RPZDefaults.NSAlt}, {"email", &o.Email, RPZDefaults.Email},
		{"serial", &o.Serial, RPZDefaults.Serial}, {"refresh", &o.Refresh, RPZDefaults.Refresh},
		{"retry", &o.Retry, RPZDefaults.Retry}, {"expiry", &o.Expiry, RPZDefaults.Expiry},
		{"minimum_ttl", &o.MinimumTTL, RPZDefaults.MinimumTTL}, {"ttl", &o.TTL, RPZDefaults.TTL},
	} {
		if *f.v != "" {
			continue
		}
		v, err := s.st.Setting(ctx, "Plugin.RPZ_"+f.name)
		switch {
		case err == nil:
			*f.v = v
		case errors.Is(err, store.ErrNotFound):
			*f.v = f.def
		default:
			return o, fmt.Errorf("intel: read setting Plugin.RPZ_%s: %w", f.name, err)
		}
	}
	if _, ok := rpzPolicy(o.Policy); !ok {
		o.Policy = RPZDefaults.Policy
	}
	return o, nil
}

// rpzSection is one part of the zone: the values of some attribute types (a composite's first or second
// part) under an explanation.
type rpzSection struct {
	kind  string // ip, domain, hostname
	intro string
	parts map[string]int // attribute type → value part (0 whole, 1 first, 2 second)
}

var rpzSections = []rpzSection{
	{"ip", "; The following list of IP addresses will ", map[string]int{"ip-src": 0, "ip-dst": 0, "domain|ip": 2}},
	{"domain", "; The following domain names and all of their sub-domains will ", map[string]int{"domain": 0, "domain|ip": 1}},
	{"hostname", "; The following hostnames will ", map[string]int{"hostname": 0}},
}

func (r rpzSection) value(typ, v string) (string, bool) {
	part, ok := r.parts[typ]
	if !ok {
		return "", false
	}
	switch part {
	case 1:
		v, _, _ = strings.Cut(v, "|")
	case 2:
		_, v, _ = strings.Cut(v, "|")
	}
	return v, true
}

// rpzZone writes the zone's header and its sections, each from one pass over the selection: each value once
// (a 64-bit hash of each is remembered), in the order first seen.
type rpzZone struct {
	w      io.Writer
	opts   RPZOptions
	action string
	policy int
	seed   maphash.Seed
}

func newRPZZone(w io.Writer, o RPZOptions, now time.Time) *rpzZone {
	p, _ := rpzPolicy(o.Policy)
	action := rpzPolicies[p].action
	if rpzPolicies[p].name == "Local-Data" {
		action = o.WalledGarden
	}
	o.Serial = strings.ReplaceAll(o.Serial, "$date", now.Format("20060102"))
	o.Serial = strings.ReplaceAll(o.Serial, "$time", strconv.FormatInt(now.Unix(), 10))
	return &rpzZone{w: w, opts: o, action: action, policy: p, seed: maphash.MakeSeed()}
}

func (z *rpzZone) write(s string) error {
	if _, err := io.WriteString(z.w, s); err != nil {
		return fmt.Errorf("intel: write rpz: %w", err)
	}
	return nil
}

func (z *rpzZone) header() error {
	o := z.opts
	h := "$TTL " + o.TTL + ";\n" +
		"@               SOA " + o.NS + " " + o.Email + " (" + o.Serial + " " + o.Refresh + " " + o.Retry + " " +
		o.Expiry + " " + o.MinimumTTL + ")\n"
	if o.NSAlt != "" {
		h += "                NS " + o.NS + "\n                NS " + o.NSAlt + "\n\n"
	} else {
		h += "                NS " + o.NS + "\n\n"
	}
	return z.write(h)
}

// section writes sec from the values each yields (type, value pairs).
func (z *rpzZone) section(sec rpzSection, each func(yield func(typ, v string) error) error) error {
	seen := map[uint64]struct{}{}
	err := each(func(typ, v string) error {
		v, ok := sec.value(typ, v)
		if !ok || v == "" || strings.ContainsFunc(v, rpzUnsafe) {
			return nil // a value that would break the zone's syntax (MISP writes it anyway)
		}
		h := maphash.String(z.seed, v)
		if _, dup := seen[h]; dup {
			return nil
		}
		seen[h] = struct{}{}
		var out string
		if len(seen) == 1 {
			out = sec.intro + rpzPolicies[z.policy].explanation + "\n"
		}
		switch sec.kind {
		case "ip":
			out += rpzIP(v) + " CNAME " + z.action + "\n"
		case "domain":
			out += v + " CNAME " + z.action + "\n*." + v + " CNAME " + z.action + "\n"
		default:
			out += v + " CNAME " + z.action + "\n"
		}
		return z.write(out)
	})
	if err != nil || len(seen) == 0 {
		return err
	}
	return z.write("\n")
}

// rpzUnsafe reports the characters that cannot be in an owner name of the zone: spaces, controls, ';'
// (a comment), quotes, parentheses and '$'.
func rpzUnsafe(r rune) bool {
	return r <= ' ' || r == 0x7f || strings.ContainsRune(";\"()$\\", r)
}

// rpzIP writes an address (or CIDR) as an rpz-ip owner name, as MISP's convertIp: prefix, then the address's
// parts reversed (IPv6 groups split on ':' with "::" as zz).
func rpzIP(v string) string {
	prefix := "32"
	is6 := false
	if a, err := netip.ParseAddr(v); err == nil && a.Is6() && a.Zone() == "" {
		prefix, is6 = "128", true
	}
	if i := strings.Index(v, "/"); i > 0 {
		v, prefix, _ = strings.Cut(v, "/")
	}
	var parts []string
	if is6 {
		for p := range strings.SplitSeq(strings.ReplaceAll(v, "::", ":zz:"), ":") {
			if p != "" {
				parts = append(parts, p)
			}
		}
	} else {
		parts = strings.Split(v, ".")
	}
	for i, j := 0, len(parts)-1; i < j; i, j = i+1, j-1 {
		parts[i], parts[j] = parts[j], parts[i]
	}
	return prefix + "." + strings.Join(parts, ".") + ".rpz-ip"
}

// exportRPZ writes the RPZ zone of what q selects for u in scope: one pass over the selection per section.
func (s *Service) exportRPZ(ctx context.Context, u acl.User, scope Scope, q Search, w io.Writer) error {
	opts, err := s.rpzOptions(ctx, q.RPZ)
	if err != nil {
		return err
	}
	z := newRPZZone(w, opts, s.now())
	if err := z.header(); err != nil {
		return err
	}
	for _, sec := range rpzSections {
		err := z.section(sec, func(yield func(typ, v string) error) error {
			if scope == ScopeEvents {
				q := q
				q.Metadata = false
				events, _ := s.SearchEvents(ctx, u, q)
				for e, err := range events {
					if err != nil {
						return err
					}
					for _, a := range eventAttributes(e, q) {
						if err := yield(a.attr.Type, a.attr.Value); err != nil {
							return err
						}
					}
				}
				return nil
			}
			attrs, _ := s.SearchAttributes(ctx, u, q)
			for a, err := range attrs {
				if err != nil {
					return err
				}
				if err := yield(a.Type, a.Value); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	return nil
}
