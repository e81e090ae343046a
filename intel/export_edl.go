package intel

import (
	"context"
	"fmt"
	"net"
	"slices"
	"strings"
	"time"

	"github.com/hunchsec/hunch/intel/acl"
	"github.com/hunchsec/hunch/store"
)

// EDL kinds: what one External Dynamic List holds.
const (
	EDLIP     = "ip"
	EDLDomain = "domain"
	EDLURL    = "url"
	EDLHash   = "hash"
)

// DefaultEDLMaxEntries bounds a list (PAN-OS takes 50 000 entries per domain or URL list, more
// for IPs; FortiGate and Check Point take more).
const DefaultEDLMaxEntries = 50000

// EDLSpec is one External Dynamic List: the attributes of the intel store it serves.
type EDLSpec struct {
	Kind string   `yaml:"kind"` // ip, domain, url or hash
	Tags []string `yaml:"tags"` // attributes with one of these tags (its own or its event's); none: every one
	// AllIDS includes attributes not marked for detection; by default only to_ids ones are.
	AllIDS bool `yaml:"all_ids"`
	// Published keeps the attributes of published events only.
	Published bool `yaml:"published"`
	// MaxAge drops entries whose attribute has not changed for this long (by its timestamp),
	// e.g. "720h"; zero keeps them.
	MaxAge time.Duration `yaml:"max_age"`
	// KeepWarninglisted serves values that hit an enabled warninglist; by default they are left
	// out, so that a list never blocks what the warninglists call known good.
	KeepWarninglisted bool `yaml:"keep_warninglisted"`
	MaxEntries        int  `yaml:"max_entries"`
}

// EDLEntry is one entry of a list.
type EDLEntry struct {
	Value   string
	Type    string // the MISP type it came from
	EventID int64
	Updated time.Time
	Comment string
}

// edlTypes are the MISP types of each kind.
var edlTypes = map[string][]string{
	EDLIP:     {"ip-dst", "ip-src", "ip-dst|port", "ip-src|port"},
	EDLDomain: {"domain", "hostname", "domain|ip"},
	EDLURL:    {"url", "uri", "link"},
	EDLHash:   {"md5", "sha1", "sha256", "filename|md5", "filename|sha1", "filename|sha256"},
}

// Check validates the spec.
func (sp EDLSpec) Check() error {
	if edlTypes[sp.Kind] == nil {
		return fmt.Errorf("kind %q: want ip, domain, url or hash", sp.Kind)
	}
	if sp.MaxAge < 0 || sp.MaxEntries < 0 {
		return fmt.Errorf("max_age and max_entries must not be negative")
	}
	return nil
}

// EDL returns the entries of the list sp describes, as u may read them at now, sorted and
// without repeats, and the latest change among them. More entries than the limit is an error,
// never a list cut short without a word.
func (s *Service) EDL(ctx context.Context, u acl.User, sp EDLSpec, now time.Time) ([]EDLEntry, time.Time, error) {
	if err := sp.Check(); err != nil {
		return nil, time.Time{}, err
	}
	max := sp.MaxEntries
	if max <= 0 {
		max = DefaultEDLMaxEntries
	}
	q := Search{Type: store.Any(edlTypes[sp.Kind]...), Deleted: store.LiveOnly}
	if !sp.AllIDS {
		t := true
		q.ToIDS, q.ToIDSGiven = &t, true
	}
	if sp.Published {
		t := true
		q.Published, q.PublishedGiven = &t, true
	}
	if len(sp.Tags) > 0 {
		q.Tags = store.Any(sp.Tags...)
	}
	if sp.MaxAge > 0 {
		q.AttributeTimestamp = TimeRange{From: TimeBound{At: now.Add(-sp.MaxAge)}}
	}
	var skip func(typ, value string) bool
	if !sp.KeepWarninglisted {
		f, err := s.WarninglistFilter(ctx)
		if err != nil {
			return nil, time.Time{}, err
		}
		skip = f
	}
	seq, _ := s.SearchAttributes(ctx, u, q)
	seen := map[string]int{}
	var out []EDLEntry
	var latest time.Time
	for a, err := range seq {
		if err != nil {
			return nil, time.Time{}, err
		}
		if skip != nil && skip(a.Type, a.Value) {
			continue
		}
		v, ok := edlValue(sp.Kind, a.Type, a.Value)
		if !ok {
			continue
		}
		at := a.Timestamp.Time()
		if at.After(latest) {
			latest = at
		}
		if i, dup := seen[v]; dup {
			if at.After(out[i].Updated) {
				out[i].Updated = at
			}
			continue
		}
		if len(out) == max {
			return nil, time.Time{}, fmt.Errorf("the list has more than %d entries (max_entries)", max)
		}
		seen[v] = len(out)
		out = append(out, EDLEntry{Value: v, Type: a.Type, EventID: int64(a.EventID), Updated: at, Comment: a.Comment})
	}
	slices.SortFunc(out, func(a, b EDLEntry) int { return strings.Compare(a.Value, b.Value) })
	return out, latest, nil
}

// edlValue is the part of an attribute value a list of kind holds.
func edlValue(kind, typ, value string) (string, bool) {
	if i := strings.IndexByte(typ, '|'); i >= 0 {
		parts := strings.SplitN(value, "|", 2)
		if len(parts) != 2 {
			return "", false
		}
		switch {
		case strings.HasPrefix(typ, "filename|"):
			value = parts[1]
		default:
			value = parts[0]
		}
	}
	value = strings.TrimSpace(value)
	switch kind {
	case EDLIP:
		if _, _, err := net.ParseCIDR(value); err == nil {
			return value, true
		}
		return value, net.ParseIP(value) != nil
	case EDLDomain:
		value = strings.ToLower(strings.TrimSuffix(value, "."))
		return value, value != "" && !strings.ContainsAny(value, " /\\\t\r\n")
	case EDLURL, EDLHash:
		return value, value != "" && !strings.ContainsAny(value, " \t\r\n")
	}
	return "", false
}
