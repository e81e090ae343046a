package abusech

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/hunchsec/hunch/enrich"
	"github.com/hunchsec/hunch/ioc"
)

// ThreatFox looks IPv4 addresses, domains, URLs and MD5/SHA-256 hashes up in abuse.ch ThreatFox
// (https://threatfox.abuse.ch/api/). The verdict rules are in the package documentation.
type ThreatFox struct {
	api api
}

var _ enrich.Provider = (*ThreatFox)(nil)

// NewThreatFox returns a ThreatFox client; o.HTTP and o.Key are required.
func NewThreatFox(o Options) (*ThreatFox, error) {
	a, err := newAPI(ThreatFoxName, DefaultThreatFoxBaseURL, o)
	if err != nil {
		return nil, err
	}
	return &ThreatFox{api: a}, nil
}

// Name returns "threatfox".
func (c *ThreatFox) Name() string { return ThreatFoxName }

// Types returns the indicator types ThreatFox answers for.
func (c *ThreatFox) Types() []ioc.Type {
	return []ioc.Type{ioc.IPv4, ioc.Domain, ioc.URL, ioc.MD5, ioc.SHA256}
}

// Lookup asks ThreatFox about each indicator, one request each, and returns one Result per
// indicator in order.
func (c *ThreatFox) Lookup(ctx context.Context, batch []enrich.Indicator) []enrich.Result {
	return enrich.LookupEach(ctx, ThreatFoxName, c.Types(), batch, c.lookup)
}

// threatFoxQuery is the JSON body of the request for ind.
func threatFoxQuery(ind enrich.Indicator) []byte {
	var q any
	switch ind.Type {
	case ioc.MD5, ioc.SHA256:
		q = struct {
			Query string `json:"query"`
			Hash  string `json:"hash"`
		}{"search_hash", ind.Value}
	default:
		q = struct {
			Query      string `json:"query"`
			SearchTerm string `json:"search_term"`
		}{"search_ioc", ind.Value}
	}
	b, _ := json.Marshal(q) // two strings: cannot fail
	return b
}

func (c *ThreatFox) lookup(ctx context.Context, ind enrich.Indicator) enrich.Result {
	rep, err := c.api.post(ctx, "/", jsonType, threatFoxQuery(ind))
	return finish(ind, rep, err, parseThreatFox)
}

// threatFoxIOC is one entry of a search_ioc or search_hash reply.
type threatFoxIOC struct {
	ID               text   `json:"id"`
	IOC              string `json:"ioc"`
	ThreatType       string `json:"threat_type"`
	IOCType          string `json:"ioc_type"`
	Malware          string `json:"malware"`
	MalwarePrintable string `json:"malware_printable"`
	MalwareAlias     text   `json:"malware_alias"`
	ConfidenceLevel  text   `json:"confidence_level"`
	FirstSeen        text   `json:"first_seen"`
	LastSeen         text   `json:"last_seen"`
	Reporter         text   `json:"reporter"`
	Reference        text   `json:"reference"`
	Tags             strs   `json:"tags"`
}

// parseThreatFox turns a ThreatFox reply about ind into a Result.
func parseThreatFox(ind enrich.Indicator, body []byte) enrich.Result {
	var v struct {
		QueryStatus string          `json:"query_status"`
		Data        json.RawMessage `json:"data"` // a list of IOCs, or a message string
	}
	if err := json.Unmarshal(body, &v); err != nil {
		return enrich.Result{Indicator: ind, Err: badReply(ThreatFoxName, err)}
	}
	switch v.QueryStatus {
	case "ok":
	case "no_result":
		return enrich.NotFound(ind, "", nil)
	default:
		return enrich.Result{Indicator: ind, Err: statusError(ThreatFoxName, v.QueryStatus)}
	}
	var all []threatFoxIOC
	if err := json.Unmarshal(v.Data, &all); err != nil {
		return enrich.Result{Indicator: ind, Err: badReply(ThreatFoxName, fmt.Errorf("data: %v", err))}
	}
	var iocs []threatFoxIOC
	for _, e := range all {
		if threatFoxMatches(ind, e) {
			iocs = append(iocs, e)
		}
	}
	if len(iocs) == 0 {
		return enrich.NotFound(ind, "", nil)
	}
	// The most confident entry first: it names the reference page.
	slices.SortStableFunc(iocs, func(a, b threatFoxIOC) int { return confidence(b) - confidence(a) })
	var (
		malware, families, threats, types, tags, ids, refs []string
		firstSeen, lastSeen                                string
	)
	for _, e := range iocs {
		malware = uniq(append(malware, e.MalwarePrintable)...)
		families = uniq(append(families, e.Malware)...)
		threats = uniq(append(threats, e.ThreatType)...)
		types = uniq(append(types, e.IOCType)...)
		tags = uniq(append(tags, e.Tags...)...)
		ids = uniq(append(ids, string(e.ID))...)
		refs = uniq(append(refs, string(e.Reference))...)
		// "2020-12-08 13:36:27 UTC": the fixed layout orders as text.
		if fs := string(e.FirstSeen); fs != "" && (firstSeen == "" || fs < firstSeen) {
			firstSeen = fs
		}
		if ls := string(e.LastSeen); ls > lastSeen {
			lastSeen = ls
		}
	}
	best := confidence(iocs[0])
	d := map[string]any{"matches": len(iocs), "confidence_level": best}
	setIf(d, "malware", malware)
	setIf(d, "malware_families", families)
	setIf(d, "threat_types", threats)
	setIf(d, "ioc_types", types)
	setIf(d, "tags", tags)
	setIf(d, "ids", ids)
	setIf(d, "references", refs)
	setIf(d, "first_seen", firstSeen)
	setIf(d, "last_seen", lastSeen)
	parts := []string{list(malware), list(threats), fmt.Sprintf("confidence %d%%", best)}
	if len(iocs) > 1 {
		parts = append([]string{fmt.Sprintf("%d IOCs", len(iocs))}, parts...)
	}
	r := enrich.Result{
		Indicator: ind,
		Verdict:   enrich.Malicious,
		Summary:   summary(parts, tags),
		Details:   d,
		Raw:       json.RawMessage(body),
	}
	if id := string(iocs[0].ID); id != "" {
		r.Reference = "https://threatfox.abuse.ch/ioc/" + url.PathEscape(id) + "/"
	}
	return r
}

// confidence is an entry's confidence_level (0–100), 0 when absent or not a number.
func confidence(e threatFoxIOC) int {
	n, err := strconv.Atoi(string(e.ConfidenceLevel))
	if err != nil {
		return 0
	}
	return min(max(n, 0), 100)
}

// threatFoxMatches reports whether entry e is about ind. search_ioc may match more than the exact
// value, so IP and domain searches keep only entries whose host is the value; URL and hash
// searches keep every entry.
func threatFoxMatches(ind enrich.Indicator, e threatFoxIOC) bool {
	if ind.Type != ioc.IPv4 && ind.Type != ioc.Domain {
		return true
	}
	return strings.EqualFold(iocHost(e.IOC, e.IOCType), ind.Value)
}

// iocHost is the host an IOC value names: the address of an "ip:port", the host of a URL, the
// value itself otherwise.
func iocHost(value, typ string) string {
	switch typ {
	case "ip:port":
		if h, _, err := net.SplitHostPort(value); err == nil {
			return h
		}
	case "url":
		if u, err := url.Parse(value); err == nil && u.Host != "" {
			return u.Hostname()
		}
	}
	return value
}
