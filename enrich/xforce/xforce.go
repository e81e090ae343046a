// Package xforce looks IP addresses, domains, URLs and file hashes up in IBM X-Force Exchange
// and maps its risk scores and malware reports onto enrich's verdict scale.
//
// One request per indicator, with HTTP basic authentication (API key as user, API password as
// password) and "Accept: application/json":
//
//   - IPv4 and IPv6: GET {BaseURL}/api/ipr/{ip}, the IP reputation report (score, cats, geo,
//     reason);
//   - domains and URLs: GET {BaseURL}/api/url/{value}, the URL report ({"result": {score, cats}});
//     the value is escaped as one path segment, so the "/", "?" and "#" of a URL stay part of it;
//   - MD5, SHA-1 and SHA-256: GET {BaseURL}/api/malware/{hash}, the malware report
//     ({"malware": {risk, family, origins}}).
//
// # Verdict
//
// IP and URL reports carry a risk score from 1 (no known risk) to 10. With the default
// thresholds (Options.MaliciousScore and Options.SuspiciousScore change them):
//
//   - score ≥ 7: Malicious;
//   - 4 ≤ score < 7: Suspicious;
//   - score < 4: Benign (X-Force knows the address or URL and rates it low risk; an address
//     with nothing but its registry history scores 1);
//   - no score (null or absent; X-Force answers "score": null for URLs it has not rated):
//     Unknown.
//
// These follow XSOAR's XFE v2 integration (default threshold 7: above it bad, above half of
// it suspicious), with the boundaries on whole scores. msticpy calls score ≥ 5 high and 2–5
// warning, so a score of 2 already warns.
//
// A malware report means X-Force holds the hash in its malware collection:
//
//   - a malware family named (malware.family or origins.external.family) or risk "high":
//     Malicious;
//   - risk "medium": Suspicious;
//   - risk "low" and no family: Benign (as in XSOAR; the low-risk reports seen carry a
//     detection coverage of 0);
//   - anything else: Unknown.
//
// A 404 ({"error":"Not found."}) is Unknown with the summary "not found". The Reference is the
// indicator's page on exchange.xforce.ibmcloud.com (/ip/, /url/ or /malware/).
package xforce

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"net/netip"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/hunchsec/hunch/enrich"
	"github.com/hunchsec/hunch/ioc"
)

// Name is the provider's name in configuration and output.
const Name = "xforce"

// DefaultBaseURL is the root of the X-Force Exchange API.
const DefaultBaseURL = "https://api.xforce.ibmcloud.com"

// ExchangeURL is the root of the X-Force Exchange web pages results refer to.
const ExchangeURL = "https://exchange.xforce.ibmcloud.com"

// Default score thresholds, used when the Options fields are zero.
const (
	DefaultMaliciousScore  = 7.0
	DefaultSuspiciousScore = 4.0
)

// Options configure a Client.
type Options struct {
	// HTTP is the engine's request path for this provider (rate limit, retries, client, clock);
	// required. Its Provider field should be Name, so that its errors say "xforce".
	HTTP *enrich.HTTP
	// BaseURL replaces DefaultBaseURL (proxies, mirrors, tests) when not empty.
	BaseURL string
	// Key is the X-Force Exchange API key, already resolved from env:/file: by the caller;
	// required.
	Key string
	// Password is the API password generated together with Key; required.
	Password string
	// MaliciousScore is the lowest IP or URL score (1–10) called Malicious; 0 means
	// DefaultMaliciousScore.
	MaliciousScore float64
	// SuspiciousScore is the lowest score (1–10) called Suspicious; 0 means
	// DefaultSuspiciousScore. It must not exceed MaliciousScore.
	SuspiciousScore float64
}

// Client looks indicators up in X-Force Exchange. It is safe for concurrent use.
type Client struct {
	http       *enrich.HTTP
	base       string
	key        string
	password   string
	malicious  float64
	suspicious float64
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
	if o.Password == "" {
		return nil, fmt.Errorf("%s: an API password is required (X-Force Exchange issues a key and a password together)", Name)
	}
	base, err := enrich.BaseURL(Name, o.BaseURL, DefaultBaseURL)
	if err != nil {
		return nil, err
	}
	c := &Client{http: o.HTTP, base: base, key: o.Key, password: o.Password,
		malicious: o.MaliciousScore, suspicious: o.SuspiciousScore}
	if c.malicious == 0 {
		c.malicious = DefaultMaliciousScore
	}
	if c.suspicious == 0 {
		c.suspicious = DefaultSuspiciousScore
	}
	switch {
	case !(c.malicious >= 1 && c.malicious <= 10):
		return nil, fmt.Errorf("%s: malicious score %g is out of range: use 1 to 10", Name, c.malicious)
	case !(c.suspicious >= 1 && c.suspicious <= c.malicious):
		return nil, fmt.Errorf("%s: suspicious score %g is out of range: use 1 to the malicious score (%g)",
			Name, c.suspicious, c.malicious)
	}
	return c, nil
}

// Name returns Name.
func (c *Client) Name() string { return Name }

// Types returns the indicator types X-Force Exchange answers for.
func (c *Client) Types() []ioc.Type {
	return []ioc.Type{ioc.IPv4, ioc.IPv6, ioc.Domain, ioc.URL, ioc.MD5, ioc.SHA1, ioc.SHA256}
}

// Lookup asks about each indicator of batch, one request each, and returns one Result per
// indicator in batch order.
func (c *Client) Lookup(ctx context.Context, batch []enrich.Indicator) []enrich.Result {
	return enrich.LookupEach(ctx, Name, c.Types(), batch, c.lookup)
}

// kind is the X-Force report an indicator type is answered by.
type kind int

const (
	kindNone kind = iota
	kindIP
	kindURL
	kindMalware
)

func kindOf(t ioc.Type) kind {
	switch t {
	case ioc.IPv4, ioc.IPv6:
		return kindIP
	case ioc.Domain, ioc.URL:
		return kindURL
	case ioc.MD5, ioc.SHA1, ioc.SHA256:
		return kindMalware
	}
	return kindNone
}

func (c *Client) lookup(ctx context.Context, ind enrich.Indicator) enrich.Result {
	k := kindOf(ind.Type)
	value := ind.Value
	switch k {
	case kindNone:
		return enrich.Result{Indicator: ind, Err: fmt.Errorf("%s: %w: %s", Name, enrich.ErrUnsupported, ind.Type)}
	case kindIP:
		addr, err := netip.ParseAddr(value)
		if err != nil {
			return enrich.Result{Indicator: ind, Err: fmt.Errorf("%s: %q is not an IP address", Name, value)}
		}
		value = addr.String()
	case kindMalware:
		if !isHex(value) {
			return enrich.Result{Indicator: ind, Err: fmt.Errorf("%s: %q is not a hexadecimal hash", Name, value)}
		}
	case kindURL:
		if strings.TrimSpace(value) == "" {
			return enrich.Result{Indicator: ind, Err: fmt.Errorf("%s: empty %s", Name, ind.Type)}
		}
	}
	u := c.base + apiPath(k, value)
	rep, err := c.http.Do(ctx, func(ctx context.Context) (*http.Request, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
		if err != nil {
			return nil, err
		}
		req.SetBasicAuth(c.key, c.password)
		req.Header.Set("Accept", "application/json")
		return req, nil
	})
	if err != nil {
		if errors.Is(err, enrich.ErrNotFound) {
			return enrich.NotFound(ind, reference(k, ind.Value), rep)
		}
		return enrich.Result{Indicator: ind, Err: enrich.Explain(err, errorMessage)}
	}
	r, err := c.parse(ind, rep.Body)
	if err != nil {
		return enrich.Result{Indicator: ind, Err: err}
	}
	return r
}

// apiPath is the API path asking about value, escaped as one path segment.
func apiPath(k kind, value string) string {
	switch k {
	case kindIP:
		return "/api/ipr/" + url.PathEscape(value)
	case kindURL:
		return "/api/url/" + url.PathEscape(value)
	}
	return "/api/malware/" + url.PathEscape(value)
}

// reference is the indicator's page on X-Force Exchange.
func reference(k kind, value string) string {
	switch k {
	case kindIP:
		return ExchangeURL + "/ip/" + url.PathEscape(value)
	case kindURL:
		return ExchangeURL + "/url/" + url.PathEscape(value)
	}
	return ExchangeURL + "/malware/" + url.PathEscape(value)
}

func isHex(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}

// ipReport is the /api/ipr reply (the fields used).
type ipReport struct {
	IP                string                                 `json:"ip"`
	Score             *float64                               `json:"score"`
	Cats              map[string]any                         `json:"cats"`
	Geo               *struct{ Country, Countrycode string } `json:"geo"`
	Reason            string                                 `json:"reason"`
	ReasonDescription string                                 `json:"reasonDescription"`
	Subnets           []struct {
		Subnet string `json:"subnet"`
	} `json:"subnets"`
}

// urlReport is the /api/url reply (the fields used).
type urlReport struct {
	Result *struct {
		URL   string         `json:"url"`
		Score *float64       `json:"score"`
		Cats  map[string]any `json:"cats"`
	} `json:"result"`
	Associated []json.RawMessage `json:"associated"`
}

// malwareReport is the /api/malware reply (the fields used).
type malwareReport struct {
	Malware *struct {
		Type    string          `json:"type"`
		Created string          `json:"created"`
		Family  json.RawMessage `json:"family"`
		Risk    string          `json:"risk"`
		Origins struct {
			External *struct {
				Source            string          `json:"source"`
				FirstSeen         string          `json:"firstSeen"`
				LastSeen          string          `json:"lastSeen"`
				MalwareType       string          `json:"malwareType"`
				Platform          string          `json:"platform"`
				DetectionCoverage *float64        `json:"detectionCoverage"`
				Family            json.RawMessage `json:"family"`
			} `json:"external"`
		} `json:"origins"`
	} `json:"malware"`
}

// parse turns a 200 reply about ind into its result.
func (c *Client) parse(ind enrich.Indicator, body []byte) (enrich.Result, error) {
	k := kindOf(ind.Type)
	r := enrich.Result{Indicator: ind, Raw: body, Reference: reference(k, ind.Value)}
	var err error
	switch k {
	case kindIP:
		err = c.parseIP(&r, body)
	case kindURL:
		err = c.parseURL(&r, body)
	case kindMalware:
		err = parseMalware(&r, body)
	default:
		return enrich.Result{}, fmt.Errorf("%s: %w: %s", Name, enrich.ErrUnsupported, ind.Type)
	}
	if err != nil {
		return enrich.Result{}, fmt.Errorf("%s: %w: %v", Name, enrich.ErrBadReply, err)
	}
	return r, nil
}

func (c *Client) parseIP(r *enrich.Result, body []byte) error {
	var v ipReport
	if err := json.Unmarshal(body, &v); err != nil {
		return err
	}
	cats := categories(v.Cats)
	r.Details = map[string]any{}
	c.scored(r, v.Score, cats)
	if len(v.Cats) > 0 {
		r.Details["cats"] = v.Cats
	}
	if v.Reason != "" {
		r.Details["reason"] = v.Reason
	}
	if v.ReasonDescription != "" {
		r.Details["reasonDescription"] = v.ReasonDescription
	}
	if v.Geo != nil {
		if v.Geo.Country != "" {
			r.Details["country"] = v.Geo.Country
		}
		if v.Geo.Countrycode != "" {
			r.Details["countrycode"] = v.Geo.Countrycode
			r.Summary += "; " + v.Geo.Countrycode
		}
	}
	var subnets []string
	for _, s := range v.Subnets {
		if s.Subnet != "" {
			subnets = append(subnets, s.Subnet)
		}
	}
	if len(subnets) > 0 {
		r.Details["subnets"] = subnets
	}
	return nil
}

func (c *Client) parseURL(r *enrich.Result, body []byte) error {
	var v urlReport
	if err := json.Unmarshal(body, &v); err != nil {
		return err
	}
	if v.Result == nil {
		return errors.New("no result in the URL report")
	}
	r.Details = map[string]any{}
	c.scored(r, v.Result.Score, categories(v.Result.Cats))
	if len(v.Result.Cats) > 0 {
		r.Details["cats"] = v.Result.Cats
	}
	if v.Result.URL != "" {
		r.Details["url"] = v.Result.URL
	}
	if len(v.Associated) > 0 {
		r.Details["associated"] = len(v.Associated)
	}
	return nil
}

// scored sets the verdict, summary and score details of an IP or URL report.
func (c *Client) scored(r *enrich.Result, score *float64, cats []string) {
	if len(cats) > 0 {
		r.Details["categories"] = cats
	}
	if score == nil || math.IsNaN(*score) {
		r.Verdict = enrich.Unknown
		r.Summary = "not scored"
		if len(cats) > 0 {
			r.Summary += "; " + strings.Join(cats, ", ")
		}
		return
	}
	s := *score
	r.Details["score"] = s
	switch {
	case s >= c.malicious:
		r.Verdict = enrich.Malicious
	case s >= c.suspicious:
		r.Verdict = enrich.Suspicious
	default:
		r.Verdict = enrich.Benign
	}
	r.Summary = "score " + strconv.FormatFloat(s, 'f', -1, 64)
	if len(cats) > 0 {
		r.Summary += "; " + strings.Join(cats, ", ")
	}
}

func parseMalware(r *enrich.Result, body []byte) error {
	var v malwareReport
	if err := json.Unmarshal(body, &v); err != nil {
		return err
	}
	m := v.Malware
	if m == nil {
		return errors.New("no malware in the malware report")
	}
	families := names(m.Family)
	if m.Origins.External != nil {
		for _, f := range names(m.Origins.External.Family) {
			if !slices.Contains(families, f) {
				families = append(families, f)
			}
		}
	}
	risk := strings.ToLower(strings.TrimSpace(m.Risk))
	switch {
	case len(families) > 0 || risk == "high":
		r.Verdict = enrich.Malicious
	case risk == "medium":
		r.Verdict = enrich.Suspicious
	case risk == "low":
		r.Verdict = enrich.Benign
	default:
		r.Verdict = enrich.Unknown
	}
	r.Details = map[string]any{}
	var parts []string
	if risk != "" {
		r.Details["risk"] = risk
		parts = append(parts, "risk "+risk)
	}
	if len(families) > 0 {
		r.Details["family"] = families
		parts = append(parts, "family "+strings.Join(families, ", "))
	}
	for k, s := range map[string]string{"type": m.Type, "created": m.Created} {
		if s != "" {
			r.Details[k] = s
		}
	}
	if e := m.Origins.External; e != nil {
		for k, s := range map[string]string{"source": e.Source, "firstSeen": e.FirstSeen, "lastSeen": e.LastSeen,
			"malwareType": e.MalwareType, "platform": e.Platform} {
			if s != "" {
				r.Details[k] = s
			}
		}
		if e.DetectionCoverage != nil {
			r.Details["detectionCoverage"] = *e.DetectionCoverage
		}
		if e.MalwareType != "" {
			parts = append(parts, e.MalwareType)
		}
	}
	if len(parts) == 0 {
		parts = append(parts, "in the malware collection")
	}
	r.Summary = strings.Join(parts, "; ")
	return nil
}

// categories returns the names of a cats object ({"Malware": 71} for IPs, {"Malware": true} for
// URLs), sorted.
func categories(cats map[string]any) []string {
	out := make([]string, 0, len(cats))
	for k := range cats {
		if k = strings.TrimSpace(k); k != "" {
			out = append(out, k)
		}
	}
	slices.Sort(out)
	return out
}

// names reads a family field, which X-Force gives as a list of names, a single name or null.
func names(raw json.RawMessage) []string {
	var list []string
	if json.Unmarshal(raw, &list) != nil {
		var one string
		if json.Unmarshal(raw, &one) != nil {
			return nil
		}
		list = []string{one}
	}
	out := list[:0]
	for _, n := range list {
		if n = strings.TrimSpace(n); n != "" && !slices.Contains(out, n) {
			out = append(out, n)
		}
	}
	return out
}

// errorMessage returns the "error" of an X-Force error reply ({"error":"Not authorized."}), or
// "": the explanation enrich.Explain puts into the error in place of the raw body.
func errorMessage(body string) string {
	var v struct {
		Error string `json:"error"`
	}
	if json.Unmarshal([]byte(body), &v) != nil {
		return ""
	}
	return v.Error
}
