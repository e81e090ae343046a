// Package misp is MISP's data model and wire JSON as MISP 2.5 speaks it: events, attributes,
// objects and their references, tags, galaxies, sightings, event reports, organisations,
// users, roles and sharing groups, with the rules (distribution, edit timestamps, machine
// tags) that hunch's intel store and its MISP-compatible API share.
//
// # Decoding and encoding
//
// Decoding is tolerant: every scalar accepts the forms MISP 2.4 (strings), MISP 2.5 (some
// numbers) and PyMISP send (see FlexInt, FlexBool, Timestamp, MicroTime, Date), and every
// body may be wrapped ({"Event": {…}}), bare ({…}), or inside MISP's legacy {"response": …}
// and {"request": …} envelopes. Encoding is strict: it writes exactly one form, the one MISP
// writes in events/view — ids, enums and timestamps as JSON strings, flags as booleans,
// first_seen/last_seen as "2019-06-25T14:52:53.000000+00:00", the lists MISP always sends
// as [] rather than null — wrapped as MISP wraps its answers.
//
// Unknown JSON keys are dropped, as MISP drops them: a key this package does not model
// (analyst data Note/Opinion/Relationship, decay scores, feed correlations, the
// GalaxyClusterRelationTag join rows) does not survive a decode/encode round trip. Every
// other key of MISP's own events/view output for events, attributes, objects, references,
// tags, galaxies, clusters, sightings, reports, organisations and sharing groups is
// modelled, and decode(encode(e)) equals e field by field.
//
// Where a body leaves a field out, the field keeps its zero value, which for most fields is
// also MISP's default. Two fields are the exceptions that matter, and their zero values mean
// "not given" so that a server can apply MISP's defaults exactly where a client left them
// out: Distribution (DistributionUnset, distinct from "0": the instance's default event
// distribution, "inherit" for attributes) and an attribute's to_ids (BoolUnset: the type's
// sane default). Both are left out of the encoding while unset.
//
// Where MISP's own output would trip PyMISP, hunch writes what PyMISP accepts: a default
// galaxy cluster is written without a distribution (PyMISP refuses to load one that has it,
// which makes real MISP exports of events with ATT&CK clusters unloadable by PyMISP).
//
// Limits bound what a decoder accepts (attributes, objects, tags, events, nesting depth);
// the byte size of a body is bounded by the caller before it is read.
//
// The category/type matrix, per-type value validation, composite values and object
// templates live in this package too (describe.go, types.go, validate.go, template.go).
package misp

import (
	"crypto/rand"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Distribution says who may see an element (misp.md §1.12). Its values are MISP's levels
// written as on the wire ("0" … "5"); the zero value, DistributionUnset, means the body did
// not say, so that a server can apply its defaults (MISP's default event distribution, and
// "inherit" for attributes, objects and reports) exactly where a client left the field out.
// Convert to and from MISP's integers with Level and DistributionOf, never with a type
// conversion.
type Distribution string

// The distribution levels. Events use 0–4; attributes, objects and event reports may also
// use 5, "inherit the event's".
const (
	DistributionUnset        Distribution = ""  // not given
	DistributionOrganisation Distribution = "0" // Your organisation only
	DistributionCommunity    Distribution = "1" // This community only
	DistributionConnected    Distribution = "2" // Connected communities
	DistributionAll          Distribution = "3" // All communities
	DistributionSharingGroup Distribution = "4" // Sharing group
	DistributionInherit      Distribution = "5" // Inherit event
)

var distributionNames = [...]string{
	"Your organisation only", "This community only", "Connected communities",
	"All communities", "Sharing group", "Inherit event",
}

// DistributionOf returns the Distribution of MISP level n (0–5); ok is false for any other n.
func DistributionOf(n int) (d Distribution, ok bool) {
	if n < 0 || n > 5 {
		return DistributionUnset, false
	}
	return [...]Distribution{DistributionOrganisation, DistributionCommunity, DistributionConnected,
		DistributionAll, DistributionSharingGroup, DistributionInherit}[n], true
}

// Level returns MISP's integer for d, or -1 when d is unset or invalid.
func (d Distribution) Level() int {
	if len(d) != 1 || d[0] < '0' || d[0] > '5' {
		return -1
	}
	return int(d[0] - '0')
}

// String returns MISP's name for the level ("Your organisation only", …), "unset" for the
// zero value.
func (d Distribution) String() string {
	if d == DistributionUnset {
		return "unset"
	}
	if l := d.Level(); l >= 0 {
		return distributionNames[l]
	}
	return "Distribution(" + strconv.Quote(string(d)) + ")"
}

// Valid reports whether d is one of the levels 0–5 (unset is not valid).
func (d Distribution) Valid() bool { return d.Level() >= 0 }

// ValidForEvent reports whether d may be an event's distribution (0–4; an event has
// nothing to inherit from).
func (d Distribution) ValidForEvent() bool { l := d.Level(); return l >= 0 && l <= 4 }

// Or returns d, or def when d is unset: the way to apply a default.
func (d Distribution) Or(def Distribution) Distribution {
	if d == DistributionUnset {
		return def
	}
	return d
}

// UnmarshalJSON accepts 3 and "3"; "" and null leave it unset; values outside 0–5 are
// rejected.
func (d *Distribution) UnmarshalJSON(b []byte) error {
	if isNull(b) || string(b) == `""` {
		*d = DistributionUnset
		return nil
	}
	v, err := enumUnmarshal(b, "distribution", 0, 5)
	if err != nil {
		return err
	}
	*d, _ = DistributionOf(int(v))
	return nil
}

// MarshalText writes the level ("3"), which encoding/json puts in a JSON string, and
// refuses anything but 0–5 or unset. (Fields of this type are tagged omitempty, so an unset
// distribution is left out.)
func (d Distribution) MarshalText() ([]byte, error) {
	if d != DistributionUnset && !d.Valid() {
		return nil, fmt.Errorf("encoding distribution %q: not a level 0-5", string(d))
	}
	return []byte(d), nil
}

// EffectiveDistribution returns the distribution that applies to an element (attribute,
// object, event report) of an event: the event's when the element inherits (5) or leaves
// its distribution unset, otherwise the more restrictive of the two. The order of
// restriction is 0 < 1 < 2 < 3, and a sharing group (4) counts as more restrictive than 1–3
// but less than 0, as MISP treats it: an element limited to a sharing group inside a wider
// event stays limited to the group, and an element of an event limited to a group is
// limited to that group unless it is itself organisation-only. An invalid element or event
// distribution gives 0 (the safe side).
//
// Where a sharing group meets levels 1–2 the true audience is the intersection of the two,
// which one level cannot express: access control must check the event's visibility and then
// the element's own, as MISP does; this function gives the single level used for sync
// decisions and display.
func EffectiveDistribution(elem, event Distribution) Distribution {
	if !event.ValidForEvent() || (elem != DistributionUnset && !elem.Valid()) {
		return DistributionOrganisation
	}
	if elem == DistributionInherit || elem == DistributionUnset {
		return event
	}
	if distributionRank(elem) <= distributionRank(event) {
		return elem
	}
	return event
}

// distributionRank orders the levels from most to least restrictive.
func distributionRank(d Distribution) int {
	switch d {
	case DistributionOrganisation:
		return 0
	case DistributionSharingGroup:
		return 1
	case DistributionCommunity:
		return 2
	case DistributionConnected:
		return 3
	default:
		return 4
	}
}

// ThreatLevel is an event's threat level: 1 High, 2 Medium, 3 Low, 4 Undefined. The zero
// value means the body did not say (a server then applies 4, as MISP does); it is left out
// when encoding.
type ThreatLevel int

// The threat levels.
const (
	ThreatLevelHigh      ThreatLevel = 1
	ThreatLevelMedium    ThreatLevel = 2
	ThreatLevelLow       ThreatLevel = 3
	ThreatLevelUndefined ThreatLevel = 4
)

// String returns MISP's name for the level ("High", …).
func (t ThreatLevel) String() string {
	switch t {
	case ThreatLevelHigh:
		return "High"
	case ThreatLevelMedium:
		return "Medium"
	case ThreatLevelLow:
		return "Low"
	case ThreatLevelUndefined:
		return "Undefined"
	}
	return "ThreatLevel(" + strconv.Itoa(int(t)) + ")"
}

// Valid reports whether t is one of 1–4.
func (t ThreatLevel) Valid() bool { return t >= 1 && t <= 4 }

// UnmarshalJSON accepts 2 and "2"; "", null and 0 mean unset (0); values outside 0–4 are
// rejected.
func (t *ThreatLevel) UnmarshalJSON(b []byte) error {
	v, err := enumUnmarshal(b, "threat_level_id", 0, 4)
	*t = ThreatLevel(v)
	return err
}

// MarshalText writes the level ("2"), which encoding/json puts in a JSON string.
func (t ThreatLevel) MarshalText() ([]byte, error) { return FlexInt(t).MarshalText() }

// Analysis is an event's analysis state: 0 Initial, 1 Ongoing, 2 Completed.
type Analysis int

// The analysis states.
const (
	AnalysisInitial   Analysis = 0
	AnalysisOngoing   Analysis = 1
	AnalysisCompleted Analysis = 2
)

// String returns MISP's name for the state ("Initial", …).
func (a Analysis) String() string {
	switch a {
	case AnalysisInitial:
		return "Initial"
	case AnalysisOngoing:
		return "Ongoing"
	case AnalysisCompleted:
		return "Completed"
	}
	return "Analysis(" + strconv.Itoa(int(a)) + ")"
}

// Valid reports whether a is one of 0–2.
func (a Analysis) Valid() bool { return a >= 0 && a <= 2 }

// UnmarshalJSON accepts 1 and "1"; values outside 0–2 are rejected.
func (a *Analysis) UnmarshalJSON(b []byte) error {
	v, err := enumUnmarshal(b, "analysis", 0, 2)
	*a = Analysis(v)
	return err
}

// MarshalText writes the state ("1"), which encoding/json puts in a JSON string.
func (a Analysis) MarshalText() ([]byte, error) { return FlexInt(a).MarshalText() }

// NewUUID returns a random (version 4) UUID in MISP's lower-case 8-4-4-4-12 form. UUIDs are
// the global identity of events, attributes, objects, references, reports, tags on sync,
// organisations and sharing groups.
func NewUUID() string {
	var b [16]byte
	// crypto/rand.Read never returns an error (Go 1.24+); it aborts the program instead.
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	const hexdigits = "0123456789abcdef"
	var s [36]byte
	j := 0
	for i, c := range b {
		if i == 4 || i == 6 || i == 8 || i == 10 {
			s[j] = '-'
			j++
		}
		s[j] = hexdigits[c>>4]
		s[j+1] = hexdigits[c&0x0f]
		j += 2
	}
	return string(s[:])
}

// ValidUUID reports whether s is a UUID in the 8-4-4-4-12 hexadecimal form (either case),
// which is what MISP's Validation::uuid accepts. It does not check the version: MISP stores
// the uuids other tools generate, of any version.
func ValidUUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i := 0; i < 36; i++ {
		c := s[i]
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
				return false
			}
		}
	}
	return true
}

// ErrNotNewer is returned by CheckNewer when an incoming edit is not newer than the stored
// copy.
var ErrNotNewer = errors.New("not newer than the local copy")

// IsNewer reports whether an incoming edit with timestamp incoming may replace a stored
// element with timestamp stored: MISP accepts it only when it is strictly newer. An
// incoming timestamp of 0 means "unset" (PyMISP drops the timestamp of an element it has
// edited so the server stamps it) and is always accepted.
func IsNewer(incoming, stored Timestamp) bool {
	return incoming == 0 || incoming > stored
}

// CheckNewer returns nil when IsNewer(incoming, stored), else an error naming what (e.g.
// "Event") that wraps ErrNotNewer and reads like MISP's "Event in the request not newer than
// the local copy.".
func CheckNewer(what string, incoming, stored Timestamp) error {
	if IsNewer(incoming, stored) {
		return nil
	}
	return fmt.Errorf("%s in the request %w (%d <= %d)", what, ErrNotNewer, incoming, stored)
}

// ErrSeenOrder is returned by CheckSeen when first_seen is after last_seen.
var ErrSeenOrder = errors.New("first_seen is after last_seen")

// CheckSeen checks MISP's rule on first_seen and last_seen: when both are set, first_seen
// may not be later than last_seen. Either one unset is fine.
func CheckSeen(firstSeen, lastSeen MicroTime) error {
	if firstSeen.IsZero() || lastSeen.IsZero() || !firstSeen.After(lastSeen.Time) {
		return nil
	}
	return fmt.Errorf("%w (%s > %s)", ErrSeenOrder, firstSeen, lastSeen)
}

// ErrBadMachineTag is returned by ParseMachineTag for a name that is not a machine tag.
var ErrBadMachineTag = errors.New("not a machine tag")

// MachineTag is a tag name split into its parts: namespace:predicate="value". Value is
// empty for the two-part form namespace:predicate (e.g. tlp:amber), Predicate is empty for a
// plain namespace-less tag.
type MachineTag struct {
	Namespace string
	Predicate string
	Value     string
}

// ParseMachineTag splits a tag name of the form namespace:predicate="value" or
// namespace:predicate (e.g. `admiralty-scale:source-reliability="b"`, `tlp:amber`,
// `misp-galaxy:threat-actor="APT 28"`). The value may be quoted or not
// (namespace:predicate=value). It returns an error wrapping ErrBadMachineTag for names
// without a namespace, with an empty namespace or predicate, or with an unterminated quote.
func ParseMachineTag(name string) (namespace, predicate, value string, err error) {
	ns, rest, ok := strings.Cut(name, ":")
	if !ok || ns == "" || rest == "" || strings.ContainsAny(ns, " =\"") {
		return "", "", "", fmt.Errorf("%q: %w", name, ErrBadMachineTag)
	}
	pred, val, hasValue := strings.Cut(rest, "=")
	if pred == "" || strings.Contains(pred, "\"") {
		return "", "", "", fmt.Errorf("%q: %w", name, ErrBadMachineTag)
	}
	if !hasValue {
		return ns, pred, "", nil
	}
	if strings.HasPrefix(val, "\"") {
		if len(val) < 2 || !strings.HasSuffix(val, "\"") {
			return "", "", "", fmt.Errorf("%q: unterminated value: %w", name, ErrBadMachineTag)
		}
		val = val[1 : len(val)-1]
	}
	return ns, pred, val, nil
}

// FormatMachineTag builds namespace:predicate="value", or namespace:predicate when value is
// empty.
func FormatMachineTag(namespace, predicate, value string) string {
	if value == "" {
		return namespace + ":" + predicate
	}
	return namespace + ":" + predicate + "=\"" + value + "\""
}

// ParseMachineTagName is ParseMachineTag returning a MachineTag.
func ParseMachineTagName(name string) (MachineTag, error) {
	ns, p, v, err := ParseMachineTag(name)
	return MachineTag{Namespace: ns, Predicate: p, Value: v}, err
}

// String formats the tag back into its name.
func (m MachineTag) String() string { return FormatMachineTag(m.Namespace, m.Predicate, m.Value) }

// ClusterTagName returns the tag that stands for a galaxy cluster:
// misp-galaxy:<type>="<value>" (e.g. misp-galaxy:threat-actor="Sednit").
func ClusterTagName(galaxyType, value string) string {
	return FormatMachineTag("misp-galaxy", galaxyType, value)
}

// ParseClusterTag returns the galaxy type and cluster value of a misp-galaxy:<type>="<value>"
// tag name; ok is false for any other tag.
func ParseClusterTag(name string) (galaxyType, value string, ok bool) {
	ns, p, v, err := ParseMachineTag(name)
	if err != nil || ns != "misp-galaxy" || v == "" {
		return "", "", false
	}
	return p, v, true
}
