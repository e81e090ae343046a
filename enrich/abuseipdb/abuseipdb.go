// Package abuseipdb looks IP addresses (v4 and v6) up in AbuseIPDB's community database of
// reported abusive addresses through its APIv2 CHECK endpoint, and maps the abuse confidence
// score onto enrich's verdict scale.
//
// One request per address: GET {BaseURL}/check?ipAddress=…&maxAgeInDays=N with the headers
// "Key: <API key>" and "Accept: application/json" (without the Accept header AbuseIPDB answers
// errors with an HTML page).
//
// # Verdict
//
// data.abuseConfidenceScore (0–100, AbuseIPDB's own "how sure are we this address is abusive",
// computed over the reports of the last maxAgeInDays days) decides, with these default
// thresholds (Options.MaliciousScore and Options.SuspiciousScore change them):
//
//   - score ≥ 75: Malicious;
//   - 25 ≤ score < 75: Suspicious;
//   - score < 25 and data.isWhitelisted true (the address is on one of AbuseIPDB's
//     whitelists): Benign;
//   - otherwise Unknown: an address nobody reported, or one with a few low-confidence reports,
//     is not thereby known to be good. AbuseIPDB says of its whitelists that they "give the
//     benefit of the doubt" and should not be a basis for action, so Benign never comes from
//     the absence of reports alone. isWhitelisted null (no whitelist lookup) counts as false.
//
// msticpy for comparison calls > 50 high and > 0 warning, so a single stale report already
// warns; XSOAR's AbuseIPDB integration takes one configurable "malicious" threshold.
//
// A 404 answer is Unknown with the summary "not found". AbuseIPDB explains errors in
// {"errors":[{"detail":…,"status":…}]}; the detail is put into the error message.
package abuseipdb

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"strings"

	"github.com/hunchsec/hunch/enrich"
	"github.com/hunchsec/hunch/ioc"
)

// Name is the provider's name in configuration and output.
const Name = "abuseipdb"

// DefaultBaseURL is the root of AbuseIPDB's APIv2.
const DefaultBaseURL = "https://api.abuseipdb.com/api/v2"

// Defaults for the Options fields left zero.
const (
	// DefaultMaxAgeInDays is how far back reports count (AbuseIPDB's own default is 30).
	DefaultMaxAgeInDays = 90
	// DefaultMaliciousScore is the lowest abuse confidence score called Malicious.
	DefaultMaliciousScore = 75
	// DefaultSuspiciousScore is the lowest abuse confidence score called Suspicious.
	DefaultSuspiciousScore = 25
)

// Options configure a Client.
type Options struct {
	// HTTP is the engine's request path for this provider (rate limit, retries, client, clock);
	// required. Its Provider field should be Name, so that its errors say "abuseipdb".
	HTTP *enrich.HTTP
	// BaseURL replaces DefaultBaseURL (proxies, mirrors, tests) when not empty.
	BaseURL string
	// Key is the APIv2 key, already resolved from env:/file: by the caller; required.
	Key string
	// MaxAgeInDays limits the reports considered to the last N days, 1–365; 0 means
	// DefaultMaxAgeInDays.
	MaxAgeInDays int
	// MaliciousScore is the lowest score (1–100) called Malicious; 0 means DefaultMaliciousScore.
	MaliciousScore int
	// SuspiciousScore is the lowest score (1–100) called Suspicious; 0 means
	// DefaultSuspiciousScore. It must not exceed MaliciousScore.
	SuspiciousScore int
}

// Client looks addresses up in AbuseIPDB. It is safe for concurrent use.
type Client struct {
	http       *enrich.HTTP
	base       string
	key        string
	maxAge     int
	malicious  int
	suspicious int
}

var _ enrich.Provider = (*Client)(nil)

// New returns a client for o, or an error naming the setting that is missing or out of range.
func New(o Options) (*Client, error) {
	if o.HTTP == nil {
		return nil, fmt.Errorf("%s: Options.HTTP is required", Name)
	}
	if err := enrich.RequireKey(Name, o.Key); err != nil {
		return nil, err
	}
	base, err := enrich.BaseURL(Name, o.BaseURL, DefaultBaseURL)
	if err != nil {
		return nil, err
	}
	c := &Client{http: o.HTTP, base: base, key: o.Key,
		maxAge: o.MaxAgeInDays, malicious: o.MaliciousScore, suspicious: o.SuspiciousScore}
	if c.maxAge == 0 {
		c.maxAge = DefaultMaxAgeInDays
	}
	if c.malicious == 0 {
		c.malicious = DefaultMaliciousScore
	}
	if c.suspicious == 0 {
		c.suspicious = DefaultSuspiciousScore
	}
	switch {
	case c.maxAge < 1 || c.maxAge > 365:
		return nil, fmt.Errorf("%s: max age %d days is out of range: use 1 to 365", Name, c.maxAge)
	case c.malicious < 1 || c.malicious > 100:
		return nil, fmt.Errorf("%s: malicious score %d is out of range: use 1 to 100", Name, c.malicious)
	case c.suspicious < 1 || c.suspicious > c.malicious:
		return nil, fmt.Errorf("%s: suspicious score %d is out of range: use 1 to the malicious score (%d)",
			Name, c.suspicious, c.malicious)
	}
	return c, nil
}

// Name returns Name.
func (c *Client) Name() string { return Name }

// Types returns the indicator types AbuseIPDB answers for: IPv4 and IPv6 addresses.
func (c *Client) Types() []ioc.Type { return []ioc.Type{ioc.IPv4, ioc.IPv6} }

// Lookup checks each address of batch, one request each, and returns one Result per indicator
// in batch order.
func (c *Client) Lookup(ctx context.Context, batch []enrich.Indicator) []enrich.Result {
	return enrich.LookupEach(ctx, Name, c.Types(), batch, c.lookup)
}

func (c *Client) lookup(ctx context.Context, ind enrich.Indicator) enrich.Result {
	addr, err := netip.ParseAddr(ind.Value)
	if err != nil {
		return enrich.Result{Indicator: ind, Err: fmt.Errorf("%s: %q is not an IP address", Name, ind.Value)}
	}
	q := url.Values{"ipAddress": {addr.String()}, "maxAgeInDays": {strconv.Itoa(c.maxAge)}}
	u := c.base + "/check?" + q.Encode()
	rep, err := c.http.Do(ctx, func(ctx context.Context) (*http.Request, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
		if err != nil {
			return nil, err
		}
		req.Header.Set("Key", c.key)
		req.Header.Set("Accept", "application/json")
		return req, nil
	})
	if err != nil {
		if errors.Is(err, enrich.ErrNotFound) {
			return enrich.NotFound(ind, reference(ind.Value), rep)
		}
		return enrich.Result{Indicator: ind, Err: enrich.Explain(err, errorDetail)}
	}
	r, err := c.parse(ind, rep.Body)
	if err != nil {
		return enrich.Result{Indicator: ind, Err: err}
	}
	return r
}

// check is the CHECK endpoint's reply (without the reports of verbose mode).
type check struct {
	Data *struct {
		IPAddress            string   `json:"ipAddress"`
		IsPublic             *bool    `json:"isPublic"`
		IPVersion            int      `json:"ipVersion"`
		IsWhitelisted        *bool    `json:"isWhitelisted"`
		AbuseConfidenceScore *int     `json:"abuseConfidenceScore"`
		CountryCode          *string  `json:"countryCode"`
		UsageType            *string  `json:"usageType"`
		ISP                  *string  `json:"isp"`
		Domain               *string  `json:"domain"`
		Hostnames            []string `json:"hostnames"`
		IsTor                *bool    `json:"isTor"`
		TotalReports         int      `json:"totalReports"`
		NumDistinctUsers     int      `json:"numDistinctUsers"`
		LastReportedAt       *string  `json:"lastReportedAt"`
	} `json:"data"`
}

// parse turns a CHECK reply into the result for ind.
func (c *Client) parse(ind enrich.Indicator, body []byte) (enrich.Result, error) {
	var v check
	if err := json.Unmarshal(body, &v); err != nil {
		return enrich.Result{}, fmt.Errorf("%s: %w: %v", Name, enrich.ErrBadReply, err)
	}
	if v.Data == nil || v.Data.AbuseConfidenceScore == nil {
		return enrich.Result{}, fmt.Errorf("%s: %w: no data.abuseConfidenceScore in the reply", Name, enrich.ErrBadReply)
	}
	d := v.Data
	score := *d.AbuseConfidenceScore
	whitelisted := d.IsWhitelisted != nil && *d.IsWhitelisted
	tor := d.IsTor != nil && *d.IsTor
	r := enrich.Result{Indicator: ind, Reference: reference(ind.Value), Raw: body}
	switch {
	case score >= c.malicious:
		r.Verdict = enrich.Malicious
	case score >= c.suspicious:
		r.Verdict = enrich.Suspicious
	case whitelisted:
		r.Verdict = enrich.Benign
	default:
		r.Verdict = enrich.Unknown
	}
	reports := "reports"
	if d.TotalReports == 1 {
		reports = "report"
	}
	r.Summary = fmt.Sprintf("confidence %d%%, %d %s", score, d.TotalReports, reports)
	if whitelisted {
		r.Summary += ", whitelisted"
	}
	if tor {
		r.Summary += ", Tor exit"
	}
	r.Details = map[string]any{
		"abuseConfidenceScore": score,
		"totalReports":         d.TotalReports,
		"numDistinctUsers":     d.NumDistinctUsers,
		"isWhitelisted":        whitelisted,
		"isTor":                tor,
	}
	put := func(k string, s *string) {
		if s != nil && *s != "" {
			r.Details[k] = *s
		}
	}
	put("countryCode", d.CountryCode)
	put("isp", d.ISP)
	put("usageType", d.UsageType)
	put("domain", d.Domain)
	put("lastReportedAt", d.LastReportedAt)
	if len(d.Hostnames) > 0 {
		r.Details["hostnames"] = d.Hostnames
	}
	return r, nil
}

// reference is the address's page on abuseipdb.com.
func reference(ip string) string {
	return "https://www.abuseipdb.com/check/" + url.PathEscape(ip)
}

// errorDetail returns the details of an AbuseIPDB error body {"errors":[{"detail":…}]}, joined
// by "; ", or "": the explanation enrich.Explain puts into the error in place of the raw body.
func errorDetail(body string) string {
	var v struct {
		Errors []struct {
			Detail string `json:"detail"`
		} `json:"errors"`
	}
	if json.Unmarshal([]byte(body), &v) != nil {
		return ""
	}
	var ds []string
	for _, e := range v.Errors {
		if d := strings.TrimSpace(e.Detail); d != "" {
			ds = append(ds, d)
		}
	}
	return strings.Join(ds, "; ")
}
