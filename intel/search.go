package intel

// restSearch: MISP's search of events and attributes (misp.md §2.5), parsed from its JSON body into a Search and
// run as a streaming store search with the reader's access conditions.

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"maps"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/hunchsec/hunch/intel/acl"
	"github.com/hunchsec/hunch/misp"
	"github.com/hunchsec/hunch/store"
)

// Format is a restSearch returnFormat hunch writes.
type Format string

// The formats hunch writes. Every other format MISP knows is refused with a *FormatError.
const (
	// FormatJSON is MISP's JSON: {"response":[{"Event":…}]} for events, {"response":{"Attribute":[…]}} for
	// attributes.
	FormatJSON Format = "json"
	// FormatCSV is MISP's CsvExport: one line per attribute under a header line.
	FormatCSV Format = "csv"
	// FormatText is MISP's TextExport: each distinct value once, one per line. It is a restrictive export:
	// unless the query says otherwise it selects to_ids attributes of published events only.
	FormatText Format = "text"
	// FormatSuricata and FormatSnort are MISP's NIDS exports (NidsSuricataExport, NidsSnortExport): rules for
	// the attributes of network types, restrictive.
	FormatSuricata Format = "suricata"
	FormatSnort    Format = "snort"
	// FormatHashes is MISP's HashesExport: the hash values (the hash half of filename|hash), one per line,
	// restrictive.
	FormatHashes Format = "hashes"
	// FormatRPZ is MISP's RPZExport: a DNS response policy zone of the IP addresses, domains and hostnames,
	// restrictive; Search.RPZ holds its parameters.
	FormatRPZ Format = "rpz"
	// FormatZeek (and its older name FormatBro) is MISP's BroExport: an intel file for Zeek's Intel framework,
	// restrictive.
	FormatZeek Format = "zeek"
	FormatBro  Format = "bro"
	// FormatSTIX2 is a STIX 2.1 bundle (package stix, after misp-stix's mapping): to_ids attributes as
	// indicators with patterns, the others as observed data, events as reports or groupings.
	FormatSTIX2 Format = "stix2"
)

// writtenFormats are the formats hunch writes, in the order they are named to users.
var writtenFormats = []Format{FormatJSON, FormatCSV, FormatText, FormatSuricata, FormatSnort, FormatHashes, FormatRPZ,
	FormatZeek, FormatBro, FormatSTIX2}

// Formats returns the returnFormats hunch writes.
func Formats() []Format { return slices.Clone(writtenFormats) }

// FormatNames lists the formats hunch writes, for messages: "json, csv, …, stix2".
func FormatNames() string {
	names := make([]string, len(writtenFormats))
	for i, f := range writtenFormats {
		names[i] = string(f)
	}
	return strings.Join(names, ", ")
}

// ContentType is the Content-Type MISP answers format with.
func (f Format) ContentType() string {
	switch f {
	case FormatCSV:
		return "text/csv; charset=UTF-8"
	case FormatText, FormatSuricata, FormatSnort, FormatHashes, FormatRPZ, FormatZeek, FormatBro:
		return "text/plain; charset=UTF-8"
	}
	return "application/json; charset=UTF-8"
}

// Restrictive reports whether f is one of MISP's restrictive exports, which default to to_ids=1 and
// published=1.
func (f Format) Restrictive() bool {
	switch f {
	case FormatText, FormatSuricata, FormatSnort, FormatHashes, FormatRPZ, FormatZeek, FormatBro:
		return true
	}
	return false
}

// mispFormats are the returnFormats MISP knows (Event::$validFormats and MispAttribute::$validFormats) that
// hunch does not write yet: they are refused as not supported, where anything else is an invalid format.
var mispFormats = []string{"xml", "stix", "stix-json", "stix-xml", "openioc", "hosts", "netfilter", "cache", "count", "yara", "yara-json", "kunai", "opendata", "attack",
	"attack-sightings", "context", "context-markdown"}

// FormatError refuses a returnFormat hunch does not write. Known tells MISP's formats (which hunch does not
// support yet) from names MISP does not know either ("Invalid output format.").
type FormatError struct {
	Format string
	Known  bool
}

// Error says which format is refused.
func (e *FormatError) Error() string {
	if e.Known {
		return fmt.Sprintf("return format %q is not supported (hunch writes %s)", e.Format, FormatNames())
	}
	return fmt.Sprintf("invalid output format %q", e.Format)
}

// SearchError refuses a restSearch body that cannot be read: not a JSON object, or a parameter of the wrong
// JSON type or with an unreadable value. The API answers it 400.
type SearchError struct {
	// Param is the parameter at fault ("" for the body as a whole).
	Param string
	// Reason says what is wrong with it.
	Reason string
}

// Error names the parameter and what is wrong with it.
func (e *SearchError) Error() string {
	if e.Param == "" {
		return "restsearch: " + e.Reason
	}
	return "restsearch: " + e.Param + ": " + e.Reason
}

// TimeBound is one end of a time filter: an absolute instant, or (Ago > 0) a span before the moment the search
// runs, as MISP's "5d", "12h", "30m".
type TimeBound struct {
	At  time.Time
	Ago time.Duration
}

// IsZero reports whether b bounds nothing.
func (b TimeBound) IsZero() bool { return b.At.IsZero() && b.Ago == 0 }

// Resolve returns the instant b names when the search runs at now.
func (b TimeBound) Resolve(now time.Time) time.Time {
	if b.Ago > 0 {
		return now.Add(-b.Ago)
	}
	return b.At
}

// TimeRange bounds a time filter, both ends inclusive; a zero end is open.
type TimeRange struct {
	From, To TimeBound
}

// IsZero reports whether r bounds nothing.
func (r TimeRange) IsZero() bool { return r.From.IsZero() && r.To.IsZero() }

// Resolve returns r as a store.TimeRange for a search that runs at now.
func (r TimeRange) Resolve(now time.Time) store.TimeRange {
	return store.TimeRange{From: r.From.Resolve(now), To: r.To.Resolve(now)}
}

// Search is a parsed restSearch query (events/restSearch, attributes/restSearch, hunch intel search). Each
// field narrows the selection; the zero Search selects everything the reader may read, as JSON.
//
// Match fields follow MISP's complex parameters: a plain value or a list is OR, "!x" is NOT x, and
// {"OR","AND","NOT"} say it outright. Value, EventInfo, Tags and EventTags take '%' wildcards.
type Search struct {
	// Format is the returnFormat; "" means FormatJSON.
	Format Format

	// Value matches attribute values (the whole value or either part of a composite).
	Value store.Match
	// Type, Category and ObjectRelation match attributes exactly.
	Type, Category, ObjectRelation store.Match
	// Tags matches tag names: at attribute level an attribute's own tags or its event's; at event level the
	// event's tags or any of its attributes'. A numeric entry names a tag by id.
	Tags store.Match
	// EventTags matches the event's own tags only.
	EventTags store.Match
	// Org matches the event's creating organisation by id, name or uuid.
	Org store.Match
	// EventInfo matches the event's info.
	EventInfo store.Match
	// UUIDs select attributes by uuid at attribute level, events by uuid at event level.
	UUIDs []string
	// EventIDs and EventUUIDs select events (restSearch's eventid, which takes either).
	EventIDs   []int64
	EventUUIDs []string
	// ThreatLevels keeps events (or attributes of events) with one of these threat levels.
	ThreatLevels []misp.ThreatLevel
	// Published and ToIDS, when set, keep published or unpublished events, to_ids or not attributes.
	Published, ToIDS *bool
	// PublishedGiven and ToIDSGiven say the query named the filter even where it leaves it unset ([0, 1]):
	// restrictive formats then do not apply their default.
	PublishedGiven, ToIDSGiven bool
	// Deleted picks live, deleted or both kinds of attributes.
	Deleted store.DeletedFilter

	// Timestamp bounds the last edit of what is searched (the attribute at attribute level, the event at
	// event level); EventTimestamp the event's; AttributeTimestamp the attribute's; PublishTimestamp the
	// event's last publication (restSearch's publish_timestamp and last); Date the event's date (from, to,
	// date).
	Timestamp, EventTimestamp, AttributeTimestamp, PublishTimestamp, Date TimeRange

	// Metadata returns events without their elements.
	Metadata bool
	// IncludeEventUUID sets each attribute's event_uuid; IncludeEventTags adds its event's tags to its Tag
	// list; IncludeContext adds its event's summary (and, in CSV, the event columns).
	IncludeEventUUID, IncludeEventTags, IncludeContext bool
	// IncludeCorrelations gives each attribute its RelatedAttribute list, each with its event's summary
	// (attribute level only).
	IncludeCorrelations bool
	// IncludeWarninglistHits sets each attribute's Warnings from the enabled warninglists.
	IncludeWarninglistHits bool
	// IncludeFeedCorrelations sets each attribute's Feed list from the cached feeds.
	IncludeFeedCorrelations bool

	// RequestedAttributes are the CSV columns to write instead of MISP's default ones; Headerless leaves out
	// the CSV header line.
	RequestedAttributes []string
	Headerless          bool

	// EnforceWarninglist leaves out the attributes whose value hits an enabled warninglist (restSearch's
	// enforceWarninglist); counts still include them.
	EnforceWarninglist bool

	// Limit caps the results (0: no cap); Page (1-based) picks which Limit-sized page.
	Limit, Page int

	// RPZ are the zone parameters of an rpz export (read only when the returnFormat is rpz).
	RPZ RPZOptions
}

// ParseSearch reads a restSearch body: a JSON object of MISP's parameters (misp.md §2.5), bare or wrapped in
// {"request": …}. Parameters hunch does not know are ignored, as MISP ignores them, except MISP's filters
// that hunch does not apply yet (unappliedFilters), which are refused. A body that is not an object, or a
// parameter of the wrong type, is a *SearchError; a returnFormat hunch does not write is a *FormatError. An
// empty body is the zero Search.
func ParseSearch(body []byte) (Search, error) {
	var q Search
	body = bytes.TrimSpace(body)
	if len(body) == 0 || string(body) == "null" {
		q.Format = FormatJSON
		return q, nil
	}
	var params map[string]json.RawMessage
	if body[0] != '{' || json.Unmarshal(body, &params) != nil {
		return q, &SearchError{Reason: "the body is not a JSON object"}
	}
	if inner, ok := params["request"]; ok && len(params) == 1 && len(inner) > 0 && inner[0] == '{' {
		params = nil
		if err := json.Unmarshal(inner, &params); err != nil {
			return q, &SearchError{Param: "request", Reason: "not a JSON object"}
		}
	}
	p := searchParser{params: params}
	format := p.str("returnFormat")
	if format == "" {
		format = p.str("returnformat")
	}
	switch f := Format(strings.ToLower(format)); f {
	case "":
		q.Format = FormatJSON
	case FormatJSON, FormatCSV, FormatText, FormatSuricata, FormatSnort, FormatHashes, FormatRPZ, FormatZeek, FormatBro,
		FormatSTIX2:
		q.Format = f
	default:
		return q, &FormatError{Format: format, Known: slices.Contains(mispFormats, string(f))}
	}
	if q.Format == FormatRPZ {
		q.RPZ = RPZOptions{Policy: p.str("policy"), WalledGarden: p.str("walled_garden"), NS: p.str("ns"),
			NSAlt: p.str("ns_alt"), Email: p.str("email"), Serial: p.str("serial"), Refresh: p.str("refresh"),
			Retry: p.str("retry"), Expiry: p.str("expiry"), MinimumTTL: p.str("minimum_ttl"), TTL: p.str("ttl")}
	}
	q.Value = foldCase(p.match("value"))
	q.Type = p.match("type")
	q.Category = p.match("category")
	q.ObjectRelation = p.match("object_relation")
	q.Tags = p.match("tags")
	if q.Tags.Empty() {
		q.Tags = p.match("tag")
	}
	q.EventTags = p.match("event_tags")
	q.Org = p.match("org")
	q.EventInfo = p.match("eventinfo")
	for _, u := range p.list("uuid") {
		q.UUIDs = append(q.UUIDs, strings.ToLower(u))
	}
	for _, name := range []string{"eventid", "event_ids", "event_id"} {
		for _, v := range p.list(name) {
			if misp.ValidUUID(v) {
				q.EventUUIDs = append(q.EventUUIDs, strings.ToLower(v))
			} else if id, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64); err == nil && id > 0 {
				q.EventIDs = append(q.EventIDs, id)
			} else {
				q.EventIDs = append(q.EventIDs, noEventID) // MISP matches no event: neither does hunch
			}
		}
	}
	for _, v := range p.list("threat_level_id") {
		q.ThreatLevels = append(q.ThreatLevels, parseThreatLevel(v))
	}
	q.Published = p.boolFilter("published")
	q.ToIDS = p.boolFilter("to_ids")
	q.PublishedGiven = p.raw("published") != nil
	q.ToIDSGiven = p.raw("to_ids") != nil
	q.Deleted = p.deleted("deleted")
	q.Timestamp = p.timeRange("timestamp")
	q.EventTimestamp = p.timeRange("event_timestamp")
	q.AttributeTimestamp = p.timeRange("attribute_timestamp")
	q.PublishTimestamp = p.timeRange("publish_timestamp")
	if last := p.timeRange("last"); !last.IsZero() {
		q.PublishTimestamp = overrideRange(q.PublishTimestamp, TimeRange{From: last.From})
	}
	q.Date = p.timeRange("date")
	if from := p.timeRange("from"); !from.IsZero() {
		q.Date = overrideRange(q.Date, TimeRange{From: from.From})
	}
	if to := p.timeRange("to"); !to.IsZero() {
		q.Date = overrideRange(q.Date, TimeRange{To: to.From})
	}
	q.Metadata = p.switchParam("metadata")
	q.IncludeEventUUID = p.switchParam("includeEventUuid") || p.switchParam("include_event_uuid")
	q.IncludeEventTags = p.switchParam("includeEventTags") || p.switchParam("include_event_tags")
	q.IncludeContext = p.switchParam("includeContext") || p.switchParam("include_context")
	q.IncludeCorrelations = p.switchParam("includeCorrelations") || p.switchParam("include_correlations")
	q.IncludeWarninglistHits = p.switchParam("includeWarninglistHits")
	q.IncludeFeedCorrelations = p.switchParam("includeFeedCorrelations")
	q.RequestedAttributes = p.list("requested_attributes")
	q.Headerless = p.switchParam("headerless")
	q.EnforceWarninglist = p.switchParam("enforceWarninglist") || p.switchParam("enforce_warninglist")
	q.Limit = p.count("limit")
	q.Page = p.count("page")
	p.unapplied()
	if p.err != nil {
		return Search{}, p.err
	}
	return q, nil
}

// unappliedFilters are MISP restSearch parameters that narrow (or, for excludeLocalTags, withhold) what MISP
// answers and that hunch does not apply yet. Ignoring one would answer more than was asked for, so a query
// that sets one is refused instead; set to false, 0, "" or [] they ask for nothing and pass.
var unappliedFilters = []string{"value1", "value2", "searchall", "quickFilter", "quickfilter", "sharinggroup",
	"first_seen", "last_seen", "excludeDecayed", "decayingModel", "score", "attackGalaxy",
	"object_name", "org.sector", "org.name", "excludeLocalTags"}

// unapplied refuses the first of unappliedFilters the query sets.
func (p *searchParser) unapplied() {
	for _, name := range unappliedFilters {
		v := p.raw(name)
		if v == nil {
			continue
		}
		switch strings.TrimSpace(string(v)) {
		case `false`, `0`, `"0"`, `""`, `[]`, `"false"`:
			continue
		}
		p.fail(name, "hunch does not apply this MISP filter yet; leave it out (an ignored filter would answer more than asked)")
		return
	}
}

// foldCase adds to m's OR and NOT values their lowercase forms. MISP compares values case-insensitively (its
// MySQL collation); hunch stores the values of case-insensitive types (domains, hostnames, e-mail addresses,
// hashes) lowercased, so a value asked for in capitals finds them too. AND values stay as given.
func foldCase(m store.Match) store.Match {
	fold := func(vs []string) []string {
		out := vs
		for _, v := range vs {
			if l := strings.ToLower(v); l != v && !slices.Contains(vs, l) {
				if len(out) == len(vs) {
					out = slices.Clone(vs)
				}
				out = append(out, l)
			}
		}
		return out
	}
	m.OR, m.NOT = fold(m.OR), fold(m.NOT)
	return m
}

// noEventID is an event id no row has: a filter entry that cannot name an event matches nothing, as in MISP.
const noEventID = -1

// searchParser reads restSearch parameters, keeping the first error.
type searchParser struct {
	params map[string]json.RawMessage
	err    error
}

func (p *searchParser) fail(param, reason string) {
	if p.err == nil {
		p.err = &SearchError{Param: param, Reason: reason}
	}
}

// raw returns the parameter's JSON, nil when absent or null.
func (p *searchParser) raw(name string) json.RawMessage {
	v, ok := p.params[name]
	if !ok || string(v) == "null" {
		return nil
	}
	return v
}

// scalar reads a JSON string or number as text; ok is false for other types.
func jsonScalar(v json.RawMessage) (string, bool) {
	switch {
	case len(v) == 0:
		return "", false
	case v[0] == '"':
		var s string
		if json.Unmarshal(v, &s) != nil {
			return "", false
		}
		return s, true
	case v[0] == '-' || v[0] >= '0' && v[0] <= '9':
		var n json.Number
		if json.Unmarshal(v, &n) != nil {
			return "", false
		}
		return n.String(), true
	}
	return "", false
}

func (p *searchParser) str(name string) string {
	v := p.raw(name)
	if v == nil {
		return ""
	}
	s, ok := jsonScalar(v)
	if !ok {
		p.fail(name, "expected a string")
	}
	return s
}

// list reads a string, a number or a list of them.
func (p *searchParser) list(name string) []string {
	v := p.raw(name)
	if v == nil {
		return nil
	}
	out, ok := jsonScalars(v)
	if !ok {
		p.fail(name, "expected a string, a number or a list of them")
	}
	return out
}

func jsonScalars(v json.RawMessage) ([]string, bool) {
	if s, ok := jsonScalar(v); ok {
		if s == "" {
			return nil, true
		}
		return []string{s}, true
	}
	var items []json.RawMessage
	if v[0] != '[' || json.Unmarshal(v, &items) != nil {
		return nil, false
	}
	out := make([]string, 0, len(items))
	for _, it := range items {
		if string(it) == "null" {
			continue
		}
		s, ok := jsonScalar(it)
		if !ok {
			return nil, false
		}
		if s != "" {
			out = append(out, s)
		}
	}
	return out, true
}

// match reads one of MISP's complex parameters: a value, a list (OR, "!" marking NOT), or an object of OR, AND
// and NOT lists.
// opRank orders a complex parameter's operators: OR, AND, NOT, then unknown ones.
func opRank(k string) int {
	switch strings.ToUpper(k) {
	case "OR":
		return 0
	case "AND":
		return 1
	case "NOT":
		return 2
	}
	return 3
}

func (p *searchParser) match(name string) store.Match {
	v := p.raw(name)
	if v == nil {
		return store.Match{}
	}
	var m store.Match
	if v[0] == '{' {
		var obj map[string]json.RawMessage
		if json.Unmarshal(v, &obj) != nil {
			p.fail(name, "not a JSON object")
			return m
		}
		// The operators in a fixed order (OR, AND, NOT, then anything else), so that a query always parses to
		// the same Match.
		keys := slices.SortedFunc(maps.Keys(obj), func(a, b string) int {
			return cmp.Or(cmp.Compare(opRank(a), opRank(b)), cmp.Compare(a, b))
		})
		for _, k := range keys {
			sub := obj[k]
			if string(sub) == "null" {
				continue
			}
			vals, ok := jsonScalars(sub)
			if !ok {
				p.fail(name, "each of OR, AND and NOT must be a string, a number or a list of them")
				return store.Match{}
			}
			switch strings.ToUpper(k) {
			case "OR":
				for _, s := range vals {
					m = addEntry(m, s, false)
				}
			case "AND":
				for _, s := range vals {
					m = addEntry(m, s, true)
				}
			case "NOT":
				m.NOT = append(m.NOT, vals...)
			default:
				p.fail(name, "unknown operator "+strconv.Quote(k)+" (want OR, AND or NOT)")
				return store.Match{}
			}
		}
		return m
	}
	vals, ok := jsonScalars(v)
	if !ok {
		p.fail(name, "expected a string, a number, a list of them or an object of OR, AND and NOT")
		return m
	}
	for _, s := range vals {
		m = addEntry(m, s, false)
	}
	return m
}

// addEntry adds s to m as an OR (or AND) entry, or as NOT when it starts with '!'.
func addEntry(m store.Match, s string, and bool) store.Match {
	switch {
	case strings.HasPrefix(s, "!") && len(s) > 1:
		m.NOT = append(m.NOT, s[1:])
	case and:
		m.AND = append(m.AND, s)
	default:
		m.OR = append(m.OR, s)
	}
	return m
}

// boolFilter reads a 0/1 filter: 0, 1, true, false, "0", "1", or [0, 1] (both: no filter).
func (p *searchParser) boolFilter(name string) *bool {
	v := p.raw(name)
	if v == nil {
		return nil
	}
	var vals []bool
	if v[0] == '[' {
		var items []json.RawMessage
		if json.Unmarshal(v, &items) != nil {
			p.fail(name, "expected 0, 1 or [0, 1]")
			return nil
		}
		for _, it := range items {
			b, ok := searchBool(it)
			if !ok {
				p.fail(name, "expected 0, 1 or [0, 1]")
				return nil
			}
			vals = append(vals, b)
		}
	} else {
		s, _ := jsonScalar(v)
		if s == "" && v[0] == '"' {
			return nil
		}
		b, ok := searchBool(v)
		if !ok {
			p.fail(name, "expected 0, 1 or [0, 1]")
			return nil
		}
		vals = []bool{b}
	}
	if len(vals) == 0 || slices.Contains(vals, true) && slices.Contains(vals, false) {
		return nil
	}
	b := vals[0]
	return &b
}

func searchBool(v json.RawMessage) (bool, bool) {
	switch strings.ToLower(strings.Trim(string(v), `"`)) {
	case "1", "true":
		return true, true
	case "0", "false":
		return false, true
	}
	return false, false
}

// flag reads a switch such as metadata or includeEventUuid: true, 1, "1", "true" (anything else is off).
func (p *searchParser) switchParam(name string) bool {
	v := p.raw(name)
	if v == nil {
		return false
	}
	b, ok := searchBool(v)
	if !ok {
		p.fail(name, "expected a boolean")
	}
	return b
}

func (p *searchParser) deleted(name string) store.DeletedFilter {
	v := p.raw(name)
	if v == nil {
		return store.LiveOnly
	}
	if s, _ := jsonScalar(v); strings.EqualFold(s, "only") {
		return store.DeletedOnly
	}
	b := p.boolFilter(name)
	switch {
	case p.err != nil:
		return store.LiveOnly
	case b == nil:
		return store.LiveAndDeleted
	case *b:
		return store.DeletedOnly
	}
	return store.LiveOnly
}

// count reads limit or page: a non-negative integer, as a number or a string of digits.
func (p *searchParser) count(name string) int {
	v := p.raw(name)
	if v == nil {
		return 0
	}
	s, ok := jsonScalar(v)
	if !ok {
		p.fail(name, "expected a number")
		return 0
	}
	if s == "" {
		return 0
	}
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil || n < 0 || n > math.MaxInt32 {
		p.fail(name, "expected a non-negative integer")
		return 0
	}
	return n
}

// timeRange reads a time filter: one bound (the lower) or a [from, to] pair.
func (p *searchParser) timeRange(name string) TimeRange {
	v := p.raw(name)
	if v == nil {
		return TimeRange{}
	}
	vals, ok := jsonScalars(v)
	if !ok || len(vals) > 2 {
		p.fail(name, "expected a time or a [from, to] pair")
		return TimeRange{}
	}
	var r TimeRange
	for i, s := range vals {
		b, err := parseTimeBound(s)
		if err != nil {
			p.fail(name, err.Error())
			return TimeRange{}
		}
		if i == 0 {
			r.From = b
		} else {
			r.To = b
		}
	}
	return r
}

var searchSpanRE = regexp.MustCompile(`^([0-9]+)\s*([smhdw])$`)

// parseTimeBound reads "5d", "12h", "30m", "45s", "2w" (before now), a Unix time (fractional ones included, as
// PyMISP sends them), a date (YYYY-MM-DD) or an RFC 3339 date-time.
func parseTimeBound(s string) (TimeBound, error) {
	s = strings.TrimSpace(s)
	if m := searchSpanRE.FindStringSubmatch(strings.ToLower(s)); m != nil {
		n, err := strconv.ParseInt(m[1], 10, 32)
		if err != nil {
			return TimeBound{}, fmt.Errorf("time span %q is too long", s)
		}
		unit := map[string]time.Duration{"s": time.Second, "m": time.Minute, "h": time.Hour, "d": 24 * time.Hour,
			"w": 7 * 24 * time.Hour}[m[2]]
		if n == 0 {
			return TimeBound{Ago: time.Nanosecond}, nil // now
		}
		return TimeBound{Ago: time.Duration(n) * unit}, nil
	}
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		if n < 0 || n > 1<<40 {
			return TimeBound{}, fmt.Errorf("unix time %q is out of range", s)
		}
		return TimeBound{At: time.Unix(n, 0).UTC()}, nil
	}
	if f, err := strconv.ParseFloat(s, 64); err == nil && strings.ContainsAny(s, ".eE") {
		// PyMISP sends datetime.timestamp() as it is: a float.
		if f < 0 || f > 1<<40 || math.IsNaN(f) {
			return TimeBound{}, fmt.Errorf("unix time %q is out of range", s)
		}
		sec, frac := math.Modf(f)
		return TimeBound{At: time.Unix(int64(sec), int64(frac*1e9)).UTC()}, nil
	}
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		return TimeBound{At: t}, nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return TimeBound{At: t.UTC()}, nil
	}
	return TimeBound{}, fmt.Errorf("%q is not a time (want a unix time, YYYY-MM-DD, or a span such as 5d, 12h, 30m)", s)
}

// overrideRange sets the ends b gives on a (b wins: relative and absolute bounds cannot be compared without a
// clock).
func overrideRange(a, b TimeRange) TimeRange {
	if !b.From.IsZero() {
		a.From = b.From
	}
	if !b.To.IsZero() {
		a.To = b.To
	}
	return a
}

// threatLevel reads a threat level by number or name; anything else is a level no event has.
func parseThreatLevel(s string) misp.ThreatLevel {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "1", "high":
		return 1
	case "2", "medium":
		return 2
	case "3", "low":
		return 3
	case "4", "undefined":
		return 4
	}
	return noThreatLevel
}

// noThreatLevel is a threat level no event has.
const noThreatLevel misp.ThreatLevel = 99

// maxPrefilterEvents bounds how many events an event search may narrow to through its attributes' filters
// (to_ids, object_relation, attribute_timestamp) or an attribute search through its events' threat levels.
const maxPrefilterEvents = 10000

// effective returns q with the defaults of its format applied: restrictive formats select to_ids attributes
// of published events unless q says otherwise.
func (q Search) effective() Search {
	if q.Format == "" {
		q.Format = FormatJSON
	}
	if q.Format.Restrictive() {
		t := true
		if q.ToIDS == nil && !q.ToIDSGiven {
			q.ToIDS = &t
		}
		if q.Published == nil && !q.PublishedGiven {
			q.Published = &t
		}
	}
	return q
}

// AttributeFilter returns the store filter q stands for at attribute level, for the reader with conditions
// cond, running at now. Event-level filters the store's attribute filter lacks (threat level) are resolved
// into event ids first.
func (s *Service) AttributeFilter(ctx context.Context, cond acl.Conditions, q Search) (store.AttributeFilter, error) {
	q = q.effective()
	now := s.now()
	f := store.AttributeFilter{
		Conditions:       cond,
		Value:            q.Value,
		Type:             q.Type,
		Category:         q.Category,
		ObjectRelation:   q.ObjectRelation,
		EventTags:        q.EventTags,
		Orgs:             q.Org,
		EventInfo:        q.EventInfo,
		EventIDs:         q.EventIDs,
		EventUUIDs:       q.EventUUIDs,
		UUIDs:            q.UUIDs,
		Published:        q.Published,
		ToIDS:            q.ToIDS,
		Deleted:          q.Deleted,
		Timestamp:        narrowRange(q.Timestamp.Resolve(now), q.AttributeTimestamp.Resolve(now)),
		EventTimestamp:   q.EventTimestamp.Resolve(now),
		PublishTimestamp: q.PublishTimestamp.Resolve(now),
		Date:             q.Date.Resolve(now),
		IncludeEventUUID: q.IncludeEventUUID,
		IncludeEventTags: q.IncludeEventTags,
		Limit:            q.Limit,
		Page:             q.Page,
	}
	var err error
	if f.Tags, err = s.searchTagNames(ctx, q.Tags); err != nil {
		return f, err
	}
	if f.EventTags, err = s.searchTagNames(ctx, q.EventTags); err != nil {
		return f, err
	}
	if len(q.ThreatLevels) > 0 {
		ids, err := s.eventIDs(ctx, store.EventFilter{Conditions: cond, ThreatLevels: q.ThreatLevels, Metadata: true})
		if err != nil {
			return f, err
		}
		f.EventIDs = restrictIDs(f.EventIDs, ids)
	}
	return f, nil
}

// EventFilter returns the store filter q stands for at event level, for the reader with conditions cond.
// Attribute-level filters the store's event filter lacks (to_ids, object_relation, attribute uuid and
// timestamp) are resolved first into the ids of the events holding a matching attribute.
func (s *Service) EventFilter(ctx context.Context, cond acl.Conditions, q Search) (store.EventFilter, error) {
	q = q.effective()
	now := s.now()
	f := store.EventFilter{
		Conditions:       cond,
		IDs:              q.EventIDs,
		UUIDs:            append(slices.Clone(q.EventUUIDs), q.UUIDs...),
		Orgs:             q.Org,
		Info:             q.EventInfo,
		Value:            q.Value,
		Type:             q.Type,
		Category:         q.Category,
		Published:        q.Published,
		ThreatLevels:     q.ThreatLevels,
		Date:             q.Date.Resolve(now),
		Timestamp:        narrowRange(q.Timestamp.Resolve(now), q.EventTimestamp.Resolve(now)),
		PublishTimestamp: q.PublishTimestamp.Resolve(now),
		Metadata:         q.Metadata,
		Deleted:          q.Deleted,
		Limit:            q.Limit,
		Page:             q.Page,
	}
	tags, err := s.searchTagNames(ctx, q.Tags)
	if err != nil {
		return f, err
	}
	eventTags, err := s.searchTagNames(ctx, q.EventTags)
	if err != nil {
		return f, err
	}
	switch {
	case !tags.Empty() && !eventTags.Empty():
		f.Tags, f.AttributeTags = tags, true
	case !tags.Empty():
		f.Tags, f.AttributeTags = tags, true
	default:
		f.Tags = eventTags
	}
	byAttribute := q.ToIDS != nil || !q.ObjectRelation.Empty() || !q.AttributeTimestamp.IsZero() ||
		!eventTags.Empty() && !tags.Empty()
	if len(f.IDs) > 0 && len(f.UUIDs) > 0 || byAttribute {
		// The store ORs ids and uuids; restSearch ANDs every filter. Resolve the uuids (and the attribute
		// filters) into ids.
		af := store.AttributeFilter{Conditions: cond, EventUUIDs: f.UUIDs, Value: q.Value, Type: q.Type,
			Category: q.Category, ToIDS: q.ToIDS, ObjectRelation: q.ObjectRelation, Timestamp: q.AttributeTimestamp.Resolve(now)}
		if !eventTags.Empty() && !tags.Empty() {
			af.EventTags = eventTags
		}
		var ids []int64
		if byAttribute {
			ids, err = s.attributeEventIDs(ctx, af)
		} else {
			ids, err = s.eventIDs(ctx, store.EventFilter{Conditions: cond, UUIDs: f.UUIDs, Metadata: true})
		}
		if err != nil {
			return f, err
		}
		f.IDs, f.UUIDs = restrictIDs(f.IDs, ids), nil
	}
	return f, nil
}

// narrow intersects two store time ranges.
func narrowRange(a, b store.TimeRange) store.TimeRange {
	if b.From.After(a.From) {
		a.From = b.From
	}
	if !b.To.IsZero() && (a.To.IsZero() || b.To.Before(a.To)) {
		a.To = b.To
	}
	return a
}

// restrict narrows the caller's ids (none: any) to found; the result is never empty, so that "nothing found"
// stays a filter that matches nothing.
func restrictIDs(ids, found []int64) []int64 {
	var out []int64
	if len(ids) == 0 {
		out = found
	} else {
		for _, id := range ids {
			if slices.Contains(found, id) {
				out = append(out, id)
			}
		}
	}
	if len(out) == 0 {
		return []int64{noEventID}
	}
	return out
}

// errTooManyEvents refuses an event search that its attribute filters narrow to too many events.
var errTooManyEvents = &SearchError{Reason: fmt.Sprintf("the attribute filters match more than %d events: "+
	"narrow the search (eventid, date, timestamp) or search attributes instead", maxPrefilterEvents)}

// eventIDs lists the ids of the events f selects, at most maxPrefilterEvents.
func (s *Service) eventIDs(ctx context.Context, f store.EventFilter) ([]int64, error) {
	var ids []int64
	f.Metadata = true
	for e, err := range s.st.SearchEvents(ctx, f) {
		if err != nil {
			return nil, fmt.Errorf("intel: search events: %w", err)
		}
		if len(ids) == maxPrefilterEvents {
			return nil, errTooManyEvents
		}
		ids = append(ids, int64(e.ID))
	}
	return ids, nil
}

// attributeEventIDs lists the distinct event ids of the attributes f selects, at most maxPrefilterEvents.
func (s *Service) attributeEventIDs(ctx context.Context, f store.AttributeFilter) ([]int64, error) {
	seen := map[int64]bool{}
	var ids []int64
	for a, err := range s.st.SearchAttributes(ctx, f) {
		if err != nil {
			return nil, fmt.Errorf("intel: search attributes: %w", err)
		}
		id := int64(a.EventID)
		if seen[id] {
			continue
		}
		if len(ids) == maxPrefilterEvents {
			return nil, errTooManyEvents
		}
		seen[id] = true
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids, nil
}

// tagNames replaces the numeric entries of m (tag ids, which MISP accepts in tag filters) by the names of
// those tags; an id no tag has stays as it is and matches no name.
func (s *Service) searchTagNames(ctx context.Context, m store.Match) (store.Match, error) {
	conv := func(list []string) ([]string, error) {
		var out []string
		for _, v := range list {
			if id, err := strconv.ParseInt(v, 10, 64); err == nil && id > 0 {
				t, err := s.st.Tag(ctx, id)
				switch {
				case err == nil:
					v = t.Name
				case !errors.Is(err, store.ErrNotFound):
					return nil, fmt.Errorf("intel: look up tag %d: %w", id, err)
				}
			}
			out = append(out, v)
		}
		return out, nil
	}
	var err error
	if m.OR, err = conv(m.OR); err != nil {
		return m, err
	}
	if m.AND, err = conv(m.AND); err != nil {
		return m, err
	}
	m.NOT, err = conv(m.NOT)
	return m, err
}

// SearchAttributes runs q at attribute level for u (attributes/restSearch). It returns the matching attributes
// in id order, read from the store as the sequence is iterated (breaking out of the loop releases them), and a
// function counting every match regardless of q.Limit and q.Page (X-Result-Count). An error preparing the
// search is yielded by the sequence and returned by the count. Only what u may read is selected. With
// q.IncludeContext each attribute carries its event's summary.
func (s *Service) SearchAttributes(ctx context.Context, u acl.User, q Search) (iter.Seq2[*misp.Attribute, error], func() (int64, error)) {
	f, err := s.AttributeFilter(ctx, s.Policy().ReadableConditions(u), q)
	count := func() (int64, error) {
		if err != nil {
			return 0, err
		}
		n, cerr := s.st.CountAttributes(ctx, f)
		if cerr != nil {
			return 0, fmt.Errorf("intel: count attributes: %w", cerr)
		}
		return n, nil
	}
	seq := func(yield func(*misp.Attribute, error) bool) {
		if err != nil {
			yield(nil, err)
			return
		}
		warned, warn, feedHits, werr := s.searchFlags(ctx, u, q)
		if werr != nil {
			yield(nil, werr)
			return
		}
		var corr *correlator
		if q.IncludeCorrelations {
			if corr, werr = s.newCorrelator(ctx, u, true); werr != nil {
				yield(nil, werr)
				return
			}
		}
		events := newEventCache(s.st)
		for a, aerr := range s.st.SearchAttributes(ctx, f) {
			if aerr != nil {
				yield(nil, fmt.Errorf("intel: search attributes: %w", aerr))
				return
			}
			if warned(a.Type, a.Value) {
				continue
			}
			a.Tag = exportable(a.Tag)
			warn.warn(a)
			if ferr := feedHits.attach(ctx, []*misp.Attribute{a}); ferr != nil {
				yield(nil, ferr)
				return
			}
			if corr != nil {
				if cerr := corr.relate(ctx, a); cerr != nil {
					yield(nil, cerr)
					return
				}
			}
			if q.IncludeContext {
				e, eerr := events.get(ctx, int64(a.EventID))
				if eerr != nil {
					yield(nil, eerr)
					return
				}
				a.Event = contextOf(e)
			}
			if !yield(a, nil) {
				return
			}
		}
	}
	return seq, count
}

// SearchEvents runs q at event level for u (events/restSearch). It returns the matching events in id order,
// each with the elements u may read (none with q.Metadata), read from the store as the sequence is iterated,
// and a function counting every match regardless of q.Limit and q.Page. An error preparing the search is
// yielded by the sequence and returned by the count.
func (s *Service) SearchEvents(ctx context.Context, u acl.User, q Search) (iter.Seq2[*misp.Event, error], func() (int64, error)) {
	f, err := s.EventFilter(ctx, s.Policy().ReadableConditions(u), q)
	count := func() (int64, error) {
		if err != nil {
			return 0, err
		}
		n, cerr := s.st.CountEvents(ctx, f)
		if cerr != nil {
			return 0, fmt.Errorf("intel: count events: %w", cerr)
		}
		return n, nil
	}
	seq := func(yield func(*misp.Event, error) bool) {
		if err != nil {
			yield(nil, err)
			return
		}
		warned, warn, feedHits, werr := s.searchFlags(ctx, u, q)
		if werr != nil {
			yield(nil, werr)
			return
		}
		for e, serr := range s.st.SearchEvents(ctx, f) {
			if serr != nil {
				yield(nil, fmt.Errorf("intel: search events: %w", serr))
				return
			}
			dropUnexportableTags(e)
			warn.warnEvent(e)
			if ferr := feedHits.attachEvent(ctx, e); ferr != nil {
				yield(nil, ferr)
				return
			}
			if q.EnforceWarninglist {
				e.Attribute = slices.DeleteFunc(e.Attribute, func(a misp.Attribute) bool { return warned(a.Type, a.Value) })
				for i := range e.Object {
					o := &e.Object[i]
					o.Attribute = slices.DeleteFunc(o.Attribute, func(a misp.Attribute) bool { return warned(a.Type, a.Value) })
				}
			}
			if !yield(e, nil) {
				return
			}
		}
	}
	return seq, count
}

// searchFlags prepares what q asks a search to do to each attribute besides finding it: the test of
// enforceWarninglist (warned), the flagging of warninglist hits (warn, nil unless includeWarninglistHits) and of
// feed hits (feeds, nil unless includeFeedCorrelations).
func (s *Service) searchFlags(ctx context.Context, u acl.User, q Search) (warned func(typ, value string) bool, warn *warner, feeds *feedHitter, err error) {
	if warned, err = s.warninglistHits(ctx, q); err != nil {
		return nil, nil, nil, err
	}
	if q.IncludeWarninglistHits {
		if warn, err = s.newWarner(ctx); err != nil {
			return nil, nil, nil, err
		}
	}
	if q.IncludeFeedCorrelations {
		if feeds, err = s.newFeedHitter(ctx, u); err != nil {
			return nil, nil, nil, err
		}
	}
	return warned, warn, feeds, nil
}

// warninglistHits returns the test of restSearch's enforceWarninglist: a value hitting an enabled warninglist,
// or never when the query does not enforce them.
func (s *Service) warninglistHits(ctx context.Context, q Search) (func(typ, value string) bool, error) {
	if !q.EnforceWarninglist {
		return func(string, string) bool { return false }, nil
	}
	hit, err := s.WarninglistFilter(ctx)
	if err != nil {
		return nil, fmt.Errorf("intel: warninglists: %w", err)
	}
	return hit, nil
}

// summary is the Event block MISP adds to an attribute with includeContext.
func contextOf(e *misp.Event) *misp.EventSummary {
	return &misp.EventSummary{ID: e.ID, Date: e.Date, ThreatLevel: e.ThreatLevel, Info: e.Info, Published: e.Published,
		UUID: e.UUID, Analysis: e.Analysis, Timestamp: e.Timestamp, Distribution: e.Distribution, OrgID: e.OrgID,
		OrgcID: e.OrgcID, Org: e.Org, Orgc: e.Orgc}
}

// eventCache holds the metadata (tags, organisations) of the few events the attributes being streamed belong
// to; attributes come in id order, so they mostly share the event read last. Its size is bounded.
type eventCache struct {
	st   store.Intel
	byID map[int64]*misp.Event
}

const eventCacheSize = 64

func newEventCache(st store.Intel) *eventCache {
	return &eventCache{st: st, byID: map[int64]*misp.Event{}}
}

func (c *eventCache) get(ctx context.Context, id int64) (*misp.Event, error) {
	if e, ok := c.byID[id]; ok {
		return e, nil
	}
	var found *misp.Event
	for e, err := range c.st.SearchEvents(ctx, store.EventFilter{Conditions: acl.Conditions{Unrestricted: true},
		IDs: []int64{id}, Metadata: true}) {
		if err != nil {
			return nil, fmt.Errorf("intel: read event %d: %w", id, err)
		}
		found = e
	}
	if found == nil {
		return nil, fmt.Errorf("intel: read event %d: %w", id, store.ErrNotFound)
	}
	if len(c.byID) >= eventCacheSize {
		clear(c.byID)
	}
	c.byID[id] = found
	return found, nil
}
