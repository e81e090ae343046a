// Package otx looks IP addresses, domains, host names, URLs and file hashes up in AlienVault Open
// Threat Exchange (OTX, https://otx.alienvault.com/api) and reduces what the community's pulses
// and OTX's own validation say about them to one verdict.
//
// Requests: GET {base}/api/v1/indicators/{section}/{value}/general with the key in the
// X-OTX-API-KEY header. The section is IPv4, IPv6, domain (a registrable domain such as
// example.co.uk), hostname (any name below one, such as www.example.co.uk), url or file (MD5,
// SHA-1 and SHA-256 alike). The value is one escaped path segment, so a URL's "/", "?", "#" and "%"
// travel as %2F, %3F, %23 and %25 and the URL cannot spill into the path or the query.
//
// Verdict, applied in this order:
//   - Benign:     OTX accepted a false-positive report for the indicator (a false_positive
//     entry with assessment "accepted"), or the indicator carries validation entries — OTX's
//     whitelists and popularity lists ("Whitelisted domain", Majestic, Alexa, known DNS
//     resolvers …). These win over any number of pulses: popular infrastructure such as
//     public resolvers and CDNs shows up in many pulses as noise;
//   - Unknown:    no pulse mentions the indicator (pulse_info.count is 0). OTX has no "clean"
//     list beyond validation, so absence from pulses is not Benign;
//   - Malicious:  pulse_info.count ≥ Options.MaliciousPulses (default 3), or any pulse names a
//     malware family (a pulse's malware_families, or pulse_info.related);
//   - Suspicious: one pulse or more, below that count and naming no malware family.
//
// 404 is Unknown with the summary "not found". The summary reads "N pulses", then the malware
// families, e.g. "7 pulses; families: Emotet, QakBot", or "whitelisted: …" when benign.
package otx

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"golang.org/x/net/publicsuffix"

	"github.com/hunchsec/hunch/enrich"
	"github.com/hunchsec/hunch/ioc"
)

// Name is the provider's name in configuration and output.
const Name = "otx"

// DefaultBaseURL is the root of the OTX API (the paths below it start with /api/v1).
const DefaultBaseURL = "https://otx.alienvault.com"

// DefaultMaliciousPulses is the pulse count from which the verdict is Malicious, when
// Options.MaliciousPulses is zero.
const DefaultMaliciousPulses = 3

// siteBase is where a person reads OTX's page about an indicator.
const siteBase = "https://otx.alienvault.com/indicator/"

// Caps on the lists copied into a result's details.
const (
	maxPulseNames = 10
	maxTags       = 20
	maxListed     = 20
)

// Options configures a Client.
type Options struct {
	// HTTP is the engine's request path for this provider (rate limit, retries, client, clock).
	// Required.
	HTTP *enrich.HTTP
	// BaseURL replaces DefaultBaseURL (proxies, mirrors, tests); "" means DefaultBaseURL.
	BaseURL string
	// Key is the OTX API key, sent as X-OTX-API-KEY. Required.
	Key string
	// MaliciousPulses is the number of pulses from which an indicator is Malicious even when no
	// pulse names a malware family; 0 means DefaultMaliciousPulses.
	MaliciousPulses int
}

// Client looks indicators up in OTX. It is safe for concurrent use.
type Client struct {
	h         *enrich.HTTP
	base      string
	key       string
	malicious int
}

var _ enrich.Provider = (*Client)(nil)

// New returns a client for o, or an error when a required setting is missing or invalid.
func New(o Options) (*Client, error) {
	if err := enrich.RequireHTTP(Name, o.HTTP); err != nil {
		return nil, err
	}
	if err := enrich.RequireKey(Name, o.Key); err != nil {
		return nil, err
	}
	if o.MaliciousPulses < 0 {
		return nil, fmt.Errorf("%s: malicious pulse threshold %d is negative", Name, o.MaliciousPulses)
	}
	base, err := enrich.BaseURL(Name, o.BaseURL, DefaultBaseURL)
	if err != nil {
		return nil, err
	}
	malicious := o.MaliciousPulses
	if malicious == 0 {
		malicious = DefaultMaliciousPulses
	}
	return &Client{h: o.HTTP, base: base, key: strings.TrimSpace(o.Key), malicious: malicious}, nil
}

// Name returns "otx".
func (c *Client) Name() string { return Name }

// Types returns the indicator types OTX answers: IP addresses, domains (and host names), URLs
// and MD5, SHA-1 and SHA-256 file hashes.
func (c *Client) Types() []ioc.Type {
	return []ioc.Type{ioc.IPv4, ioc.IPv6, ioc.Domain, ioc.URL, ioc.MD5, ioc.SHA1, ioc.SHA256}
}

// Lookup asks OTX about each indicator in turn, one request each, and returns one result per
// indicator in the same order.
func (c *Client) Lookup(ctx context.Context, batch []enrich.Indicator) []enrich.Result {
	return enrich.LookupEach(ctx, Name, c.Types(), batch, c.lookup)
}

func (c *Client) lookup(ctx context.Context, ind enrich.Indicator) enrich.Result {
	res := enrich.Result{Indicator: ind}
	loc, err := locate(ind)
	if err != nil {
		res.Err = err
		return res
	}
	hdr := http.Header{"X-Otx-Api-Key": {c.key}, "Accept": {"application/json"}}
	rep, err := c.h.GetJSON(ctx, c.base+loc.path(), hdr, nil)
	if errors.Is(err, enrich.ErrNotFound) {
		return enrich.NotFound(ind, loc.reference(), rep)
	}
	if err != nil {
		res.Err = err
		return res
	}
	r, err := parse(ind, rep.Body, c.malicious)
	if err != nil {
		res.Err = err
		return res
	}
	return r
}

// location is an indicator's OTX section and value.
type location struct {
	section string // IPv4, IPv6, domain, hostname, url or file
	value   string
}

// path is the API path of the indicator's general section.
func (l location) path() string {
	return "/api/v1/indicators/" + l.section + "/" + url.PathEscape(l.value) + "/general"
}

// reference is the indicator's page on the OTX site, which names both IP sections "ip".
func (l location) reference() string {
	page := l.section
	if page == "IPv4" || page == "IPv6" {
		page = "ip"
	}
	return siteBase + page + "/" + url.PathEscape(l.value)
}

// locate maps an indicator to its OTX section.
func locate(ind enrich.Indicator) (location, error) {
	v := strings.TrimSpace(ind.Value)
	if v == "" {
		return location{}, fmt.Errorf("%s: empty %s indicator", Name, ind.Type)
	}
	switch ind.Type {
	case ioc.IPv4:
		return location{"IPv4", v}, nil
	case ioc.IPv6:
		return location{"IPv6", v}, nil
	case ioc.Domain:
		d := strings.ToLower(strings.TrimSuffix(v, "."))
		return location{domainSection(d), d}, nil
	case ioc.URL:
		return location{"url", v}, nil
	case ioc.MD5, ioc.SHA1, ioc.SHA256:
		return location{"file", strings.ToLower(v)}, nil
	}
	return location{}, fmt.Errorf("%s: %w: %s", Name, enrich.ErrUnsupported, ind.Type)
}

// domainSection is "domain" for a registrable domain (public suffix plus one label) and
// "hostname" for a name below one, as OTX files them.
func domainSection(d string) string {
	reg, err := publicsuffix.EffectiveTLDPlusOne(d)
	if err != nil || reg == d {
		return "domain"
	}
	return "hostname"
}

// general is the part of an indicator's general section this package reads.
type general struct {
	Indicator     string          `json:"indicator"`
	TypeTitle     string          `json:"type_title"`
	Validation    []validation    `json:"validation"`
	FalsePositive []falsePositive `json:"false_positive"`
	PulseInfo     struct {
		Count      int      `json:"count"`
		Pulses     []pulse  `json:"pulses"`
		References []string `json:"references"`
		Related    struct {
			AlienVault related `json:"alienvault"`
			Other      related `json:"other"`
		} `json:"related"`
	} `json:"pulse_info"`
	// IP addresses.
	CountryCode string `json:"country_code"`
	CountryName string `json:"country_name"`
	ASN         string `json:"asn"`
	// URLs and host names.
	Domain   string `json:"domain"`
	Hostname string `json:"hostname"`
}

// validation is one of OTX's validation results, e.g. {"source": "whitelist", "name":
// "Whitelisted domain", "message": "Whitelisted domain alienvault.com"}.
type validation struct {
	Source  string `json:"source"`
	Name    string `json:"name"`
	Message string `json:"message"`
}

func (v validation) String() string {
	switch {
	case v.Message != "":
		return v.Message
	case v.Name != "":
		return v.Name
	}
	return v.Source
}

// falsePositive is a false-positive report on the indicator and OTX's assessment of it.
type falsePositive struct {
	Assessment     string `json:"assessment"`
	AssessmentDate string `json:"assessment_date"`
}

// pulse is one pulse (a community report) that lists the indicator.
type pulse struct {
	ID              string    `json:"id"`
	Name            string    `json:"name"`
	Adversary       string    `json:"adversary"`
	Tags            []string  `json:"tags"`
	MalwareFamilies []named   `json:"malware_families"`
	AttackIDs       []attack  `json:"attack_ids"`
	Modified        timestamp `json:"modified"`
}

// related summarises the adversaries and families across pulses.
type related struct {
	Adversary       []named `json:"adversary"`
	MalwareFamilies []named `json:"malware_families"`
}

type attack struct {
	ID string `json:"id"`
}

// named is a malware family or adversary: OTX sends a plain string in pulse_info.related and an
// object {"id", "display_name", "target"} in a pulse's malware_families.
type named string

// UnmarshalJSON accepts a string or an object with display_name or id; anything else is empty.
func (n *named) UnmarshalJSON(b []byte) error {
	var s string
	if json.Unmarshal(b, &s) == nil {
		*n = named(strings.TrimSpace(s))
		return nil
	}
	var o struct {
		ID          any `json:"id"`
		DisplayName any `json:"display_name"`
	}
	if json.Unmarshal(b, &o) == nil {
		for _, v := range []any{o.DisplayName, o.ID} {
			if s, ok := v.(string); ok && strings.TrimSpace(s) != "" {
				*n = named(strings.TrimSpace(s))
				return nil
			}
		}
	}
	*n = ""
	return nil
}

// timestamp is OTX's pulse time, ISO 8601 without a zone (UTC), e.g. "2021-01-10T00:02:05.455000".
type timestamp struct{ time.Time }

// UnmarshalJSON reads the time; one it cannot read is left zero rather than failing the reply.
func (t *timestamp) UnmarshalJSON(b []byte) error {
	var s string
	if json.Unmarshal(b, &s) != nil {
		return nil
	}
	for _, layout := range []string{"2006-01-02T15:04:05.999999", time.RFC3339Nano} {
		if v, err := time.Parse(layout, s); err == nil {
			t.Time = v.UTC()
			return nil
		}
	}
	return nil
}

// uniq collects strings once each, ignoring case, in order of first appearance.
type uniq struct {
	seen map[string]bool
	list []string
}

func (u *uniq) add(s string) {
	s = strings.TrimSpace(s)
	k := strings.ToLower(s)
	if s == "" || u.seen[k] {
		return
	}
	if u.seen == nil {
		u.seen = map[string]bool{}
	}
	u.seen[k] = true
	u.list = append(u.list, s)
}

// verdictOf applies the package's rule to a reply (see the package documentation).
func verdictOf(g *general, pulses int, families []string, threshold int) enrich.Verdict {
	switch {
	case acceptedFalsePositive(g) || len(g.Validation) > 0:
		return enrich.Benign
	case pulses <= 0:
		return enrich.Unknown
	case len(families) > 0 || (threshold > 0 && pulses >= threshold):
		return enrich.Malicious
	}
	return enrich.Suspicious
}

func acceptedFalsePositive(g *general) bool {
	for _, fp := range g.FalsePositive {
		if strings.EqualFold(fp.Assessment, "accepted") {
			return true
		}
	}
	return false
}

// parse turns a 2xx general-section reply about ind into a result. threshold is the pulse count
// for the verdict Malicious. An error wraps enrich.ErrBadReply.
func parse(ind enrich.Indicator, body []byte, threshold int) (enrich.Result, error) {
	res := enrich.Result{Indicator: ind}
	loc, err := locate(ind)
	if err != nil {
		return res, err
	}
	var g general
	if err := json.Unmarshal(body, &g); err != nil {
		return res, fmt.Errorf("%s: %w: %v", Name, enrich.ErrBadReply, err)
	}
	// An object is what OTX sends; a JSON null or a bare value would decode without error.
	if t := strings.TrimSpace(string(body)); !strings.HasPrefix(t, "{") {
		return res, fmt.Errorf("%s: %w: the reply is not a JSON object", Name, enrich.ErrBadReply)
	}
	res.Raw = json.RawMessage(body)
	res.Reference = loc.reference()

	pi := &g.PulseInfo
	pulses := max(pi.Count, len(pi.Pulses), 0)
	var families, adversaries, tags, attacks, names uniq
	var lastModified time.Time
	for _, p := range pi.Pulses {
		for _, f := range p.MalwareFamilies {
			families.add(string(f))
		}
		adversaries.add(p.Adversary)
		for _, tag := range p.Tags {
			tags.add(tag)
		}
		for _, a := range p.AttackIDs {
			attacks.add(a.ID)
		}
		names.add(p.Name)
		if p.Modified.After(lastModified) {
			lastModified = p.Modified.Time
		}
	}
	for _, r := range []related{pi.Related.AlienVault, pi.Related.Other} {
		for _, f := range r.MalwareFamilies {
			families.add(string(f))
		}
		for _, a := range r.Adversary {
			adversaries.add(string(a))
		}
	}
	res.Verdict = verdictOf(&g, pulses, families.list, threshold)

	d := map[string]any{"pulse_count": pulses}
	res.Details = d
	count := fmt.Sprintf("%d pulses", pulses)
	if pulses == 1 {
		count = "1 pulse"
	}
	switch {
	case acceptedFalsePositive(&g):
		res.Summary = "accepted false positive; " + count
	case len(g.Validation) > 0:
		res.Summary = "whitelisted: " + g.Validation[0].String() + "; " + count
	default:
		res.Summary = count
		if len(families.list) > 0 {
			res.Summary += "; families: " + strings.Join(first(families.list, 3), ", ")
			if len(families.list) > 3 {
				res.Summary += " …"
			}
		}
	}
	if len(g.Validation) > 0 {
		var v []string
		for _, x := range g.Validation {
			s := x.String()
			if x.Source != "" && s != x.Source {
				s = x.Source + ": " + s
			}
			v = append(v, s)
		}
		d["validation"] = v
	}
	if acceptedFalsePositive(&g) {
		d["false_positive"] = true
	}
	setList(d, "families", families.list, maxListed)
	setList(d, "adversaries", adversaries.list, maxListed)
	setList(d, "attack_ids", attacks.list, maxListed)
	setList(d, "tags", tags.list, maxTags)
	setList(d, "pulses", names.list, maxPulseNames)
	setList(d, "references", pi.References, maxListed)
	if !lastModified.IsZero() {
		d["last_pulse_modified"] = lastModified
	}
	setString(d, "country", g.CountryCode)
	setString(d, "country_name", g.CountryName)
	setString(d, "asn", g.ASN)
	setString(d, "domain", g.Domain)
	setString(d, "hostname", g.Hostname)
	setString(d, "section", loc.section)
	return res, nil
}

func first(s []string, n int) []string { return s[:min(n, len(s))] }

func setList(d map[string]any, k string, v []string, n int) {
	if len(v) > 0 {
		d[k] = first(v, n)
	}
}

func setString(d map[string]any, k, v string) {
	if v != "" {
		d[k] = v
	}
}
