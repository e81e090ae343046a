// Package shodan looks IP addresses up in Shodan InternetDB (https://internetdb.shodan.io/), the
// free, keyless summary of what Shodan's scanners last saw on an address: open ports, hostnames,
// CPEs, Shodan's tags and the CVEs its banners suggest.
//
// InternetDB is not a reputation source: a host with open ports or known-vulnerable software is
// exposed, not hostile, and most of the Internet would be "suspicious" if either counted. So the
// verdict comes from Shodan's tags alone, and everything else is reported as facts in Details:
//
//   - a tag in MaliciousTags (default "c2", "malware", "compromised", "doublepulsar": Shodan saw a
//     command-and-control server, malware or an implant on the host) → Malicious;
//   - otherwise a tag in SuspiciousTags (default "scanner": the host scans the Internet) →
//     Suspicious;
//   - otherwise → Unknown, with ports, hostnames, CPEs, tags and vulns in Details and the
//     summary; never Benign;
//   - HTTP 404 ({"detail": "No information available"}) → Unknown, "not found".
//
// IPv4 and IPv6 addresses are accepted (the endpoint takes any IP in its path; Shodan's data is
// overwhelmingly IPv4, so IPv6 addresses are mostly "not found"). Addresses that are not globally
// routable (private, loopback, link-local, multicast, unspecified, documentation ranges excepted)
// are answered Unknown without a request: Shodan cannot have scanned them, and they are not sent
// to a third party.
package shodan

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
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
const Name = "internetdb"

// DefaultBaseURL is the documented API root.
const DefaultBaseURL = "https://internetdb.shodan.io"

// DefaultMaliciousTags are the Shodan tags that make an address Malicious.
func DefaultMaliciousTags() []string { return []string{"c2", "malware", "compromised", "doublepulsar"} }

// DefaultSuspiciousTags are the Shodan tags that make an address Suspicious.
func DefaultSuspiciousTags() []string { return []string{"scanner"} }

// Options configures the client. InternetDB needs no API key.
type Options struct {
	// HTTP is the engine's request path for this provider (rate limit, retries, client, clock).
	// Required.
	HTTP *enrich.HTTP
	// BaseURL replaces DefaultBaseURL ("" → DefaultBaseURL), for proxies, mirrors and tests.
	BaseURL string
	// MaliciousTags replaces DefaultMaliciousTags when not nil (compared case-insensitively).
	MaliciousTags []string
	// SuspiciousTags replaces DefaultSuspiciousTags when not nil (compared case-insensitively).
	SuspiciousTags []string
}

// Client is the InternetDB provider.
type Client struct {
	http       *enrich.HTTP
	base       string
	malicious  []string
	suspicious []string
}

var _ enrich.Provider = (*Client)(nil)

// New returns an InternetDB client; o.HTTP is required.
func New(o Options) (*Client, error) {
	if err := enrich.RequireHTTP(Name, o.HTTP); err != nil {
		return nil, err
	}
	base, err := enrich.BaseURL(Name, o.BaseURL, DefaultBaseURL)
	if err != nil {
		return nil, err
	}
	c := &Client{http: o.HTTP, base: base,
		malicious: lower(DefaultMaliciousTags()), suspicious: lower(DefaultSuspiciousTags())}
	if o.MaliciousTags != nil {
		c.malicious = lower(o.MaliciousTags)
	}
	if o.SuspiciousTags != nil {
		c.suspicious = lower(o.SuspiciousTags)
	}
	return c, nil
}

func lower(vs []string) []string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = strings.ToLower(strings.TrimSpace(v))
	}
	return out
}

// Name returns "internetdb".
func (c *Client) Name() string { return Name }

// Types returns IPv4 and IPv6.
func (c *Client) Types() []ioc.Type { return []ioc.Type{ioc.IPv4, ioc.IPv6} }

// Lookup asks InternetDB about each address, one request each, and returns one Result per
// indicator in order.
func (c *Client) Lookup(ctx context.Context, batch []enrich.Indicator) []enrich.Result {
	return enrich.LookupEach(ctx, Name, c.Types(), batch, c.lookup)
}

func (c *Client) lookup(ctx context.Context, ind enrich.Indicator) enrich.Result {
	addr, err := netip.ParseAddr(strings.TrimSpace(ind.Value))
	if err != nil || addr.Zone() != "" {
		return enrich.Result{Indicator: ind, Err: fmt.Errorf("%s: %q is not an IP address", Name, ind.Value)}
	}
	addr = addr.Unmap()
	if !public(addr) {
		return enrich.Result{Indicator: ind, Verdict: enrich.Unknown, Summary: "not a public address (not sent)"}
	}
	ip := addr.String()
	rep, err := c.http.GetJSON(ctx, c.base+"/"+url.PathEscape(ip), http.Header{"Accept": {"application/json"}}, nil)
	if err != nil {
		if errors.Is(err, enrich.ErrNotFound) {
			return enrich.NotFound(ind, "", nil)
		}
		return enrich.Result{Indicator: ind, Err: err}
	}
	return c.parse(ind, rep.Body)
}

// public reports whether Shodan can have scanned addr: a global unicast address. The
// documentation ranges (192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24, 2001:db8::/32) count as
// public so that examples and tests behave like real addresses.
func public(addr netip.Addr) bool {
	return addr.IsGlobalUnicast() && !addr.IsPrivate()
}

// record is InternetDB's reply (https://internetdb.shodan.io/docs).
type record struct {
	IP        string   `json:"ip"`
	Ports     []int    `json:"ports"`
	Hostnames []string `json:"hostnames"`
	CPEs      []string `json:"cpes"`
	Tags      []string `json:"tags"`
	Vulns     []string `json:"vulns"`
	Detail    string   `json:"detail"` // set instead of the rest when InternetDB has nothing
}

// parse turns an InternetDB reply about ind into a Result.
func (c *Client) parse(ind enrich.Indicator, body []byte) enrich.Result {
	var v record
	if err := json.Unmarshal(body, &v); err != nil {
		return enrich.Result{Indicator: ind, Err: fmt.Errorf("%s: %w: %v", Name, enrich.ErrBadReply, err)}
	}
	if v.IP == "" {
		if v.Detail != "" {
			return enrich.Result{Indicator: ind, Verdict: enrich.Unknown, Summary: "not found: " + v.Detail}
		}
		return enrich.Result{Indicator: ind, Err: fmt.Errorf("%s: %w: no ip in the reply", Name, enrich.ErrBadReply)}
	}
	verdict, matched := c.verdict(v.Tags)
	d := map[string]any{"ports": nonNil(v.Ports), "vuln_count": len(v.Vulns)}
	for k, vs := range map[string][]string{"hostnames": v.Hostnames, "cpes": v.CPEs, "tags": v.Tags, "vulns": v.Vulns, "matched_tags": matched} {
		if len(vs) > 0 {
			d[k] = vs
		}
	}
	return enrich.Result{
		Indicator: ind,
		Verdict:   verdict,
		Summary:   summarize(v),
		Details:   d,
		Reference: "https://www.shodan.io/host/" + url.PathEscape(v.IP),
		Raw:       json.RawMessage(body),
	}
}

// verdict applies the tag rules, returning the tags that decided it.
func (c *Client) verdict(tags []string) (enrich.Verdict, []string) {
	var mal, sus []string
	for _, t := range tags {
		switch lt := strings.ToLower(t); {
		case slices.Contains(c.malicious, lt):
			mal = append(mal, t)
		case slices.Contains(c.suspicious, lt):
			sus = append(sus, t)
		}
	}
	switch {
	case len(mal) > 0:
		return enrich.Malicious, mal
	case len(sus) > 0:
		return enrich.Suspicious, sus
	}
	return enrich.Unknown, nil
}

// maxList is how many ports, tags or hostnames the summary shows before "…".
const maxList = 5

// summarize is the one-line summary: tags, ports, CVE count, hostnames.
func summarize(v record) string {
	var parts []string
	if len(v.Tags) > 0 {
		parts = append(parts, "tags "+list(v.Tags))
	}
	if len(v.Ports) > 0 {
		ports := make([]string, len(v.Ports))
		for i, p := range v.Ports {
			ports[i] = strconv.Itoa(p)
		}
		parts = append(parts, "ports "+list(ports))
	}
	switch n := len(v.Vulns); n {
	case 0:
	case 1:
		parts = append(parts, "1 CVE")
	default:
		parts = append(parts, fmt.Sprintf("%d CVEs", n))
	}
	if len(v.Hostnames) > 0 {
		parts = append(parts, "hostnames "+list(v.Hostnames))
	}
	if len(parts) == 0 {
		return "no open ports seen"
	}
	return strings.Join(parts, "; ")
}

func list(vs []string) string {
	if len(vs) > maxList {
		return strings.Join(vs[:maxList], ", ") + ", …"
	}
	return strings.Join(vs, ", ")
}

func nonNil(ports []int) []int {
	if ports == nil {
		return []int{}
	}
	return ports
}
