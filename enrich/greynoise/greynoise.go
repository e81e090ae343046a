// Package greynoise looks IPv4 addresses up in GreyNoise's free Community API, which says
// whether an address has been seen mass-scanning the internet ("noise"), whether it belongs to a
// known business service (the RIOT data set), and how GreyNoise classifies it.
//
// One request per address: GET {BaseURL}/v3/community/{ip} with "Accept: application/json" and,
// when a key is configured, "key: <API key>". The key is optional: without one the Community
// API still answers, at a lower daily rate. The Community API takes IPv4 addresses only.
//
// # Verdict
//
// From the reply's classification, noise and riot fields, first match wins:
//
//   - classification "malicious": Malicious (GreyNoise saw the address do something harmful
//     and it belongs to no vetted benign actor);
//   - classification "suspicious": Suspicious (GreyNoise's class between the two);
//   - classification "benign", or riot true: Benign (a vetted actor such as a search engine or
//     a research scanner, or a common business service such as a public DNS resolver or CDN);
//   - noise true with any other classification ("unknown" or none): Suspicious. The address
//     scans the whole internet and nobody has vouched for it; GreyNoise would call it background
//     noise in a firewall log, but an address met in a payload or a process command line that
//     turns out to be an unvetted mass scanner deserves a second look;
//   - anything else: Unknown.
//
// A 404 ("IP not observed scanning the internet or contained in RIOT data set.") is Unknown
// with the summary "not found": GreyNoise sees only scanners and business services, so its
// silence says nothing about the address. msticpy for comparison only marks "malicious" high
// and everything else informational.
//
// The Reference of a result is the reply's link (the address's page on viz.greynoise.io).
package greynoise

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/netip"
	"net/url"
	"strings"

	"github.com/hunchsec/hunch/enrich"
	"github.com/hunchsec/hunch/ioc"
)

// Name is the provider's name in configuration and output.
const Name = "greynoise"

// DefaultBaseURL is the root of GreyNoise's API.
const DefaultBaseURL = "https://api.greynoise.io"

// Options configure a Client.
type Options struct {
	// HTTP is the engine's request path for this provider (rate limit, retries, client, clock);
	// required. Its Provider field should be Name, so that its errors say "greynoise".
	HTTP *enrich.HTTP
	// BaseURL replaces DefaultBaseURL (proxies, mirrors, tests) when not empty.
	BaseURL string
	// Key is a GreyNoise API key, already resolved from env:/file: by the caller. Optional:
	// the Community API answers without one at a lower rate.
	Key string
}

// Client looks addresses up in the GreyNoise Community API. It is safe for concurrent use.
type Client struct {
	http *enrich.HTTP
	base string
	key  string
}

var _ enrich.Provider = (*Client)(nil)

// New returns a client for o, or an error when a required setting is missing.
func New(o Options) (*Client, error) {
	if o.HTTP == nil {
		return nil, fmt.Errorf("%s: Options.HTTP is required", Name)
	}
	base, err := enrich.BaseURL(Name, o.BaseURL, DefaultBaseURL)
	if err != nil {
		return nil, err
	}
	return &Client{http: o.HTTP, base: base, key: strings.TrimSpace(o.Key)}, nil
}

// Name returns Name.
func (c *Client) Name() string { return Name }

// Types returns the indicator types the Community API answers for: IPv4 addresses.
func (c *Client) Types() []ioc.Type { return []ioc.Type{ioc.IPv4} }

// Lookup asks about each address of batch, one request each, and returns one Result per
// indicator in batch order.
func (c *Client) Lookup(ctx context.Context, batch []enrich.Indicator) []enrich.Result {
	return enrich.LookupEach(ctx, Name, c.Types(), batch, c.lookup)
}

func (c *Client) lookup(ctx context.Context, ind enrich.Indicator) enrich.Result {
	addr, err := netip.ParseAddr(ind.Value)
	if err != nil || !addr.Is4() {
		return enrich.Result{Indicator: ind, Err: fmt.Errorf("%s: %q is not an IPv4 address", Name, ind.Value)}
	}
	u := c.base + "/v3/community/" + addr.String()
	rep, err := c.http.Do(ctx, func(ctx context.Context) (*http.Request, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
		if err != nil {
			return nil, err
		}
		if c.key != "" {
			req.Header.Set("key", c.key)
		}
		req.Header.Set("Accept", "application/json")
		return req, nil
	})
	if err != nil {
		if errors.Is(err, enrich.ErrNotFound) {
			return notFound(ind, rep)
		}
		return enrich.Result{Indicator: ind, Err: enrich.Explain(err, errorMessage)}
	}
	r, err := parse(ind, rep.Body)
	if err != nil {
		return enrich.Result{Indicator: ind, Err: err}
	}
	return r
}

// community is the Community API's reply.
type community struct {
	IP             string `json:"ip"`
	Noise          bool   `json:"noise"`
	RIOT           bool   `json:"riot"`
	Classification string `json:"classification"`
	Name           string `json:"name"`
	Link           string `json:"link"`
	LastSeen       string `json:"last_seen"`
	Message        string `json:"message"`
}

// parse turns a 200 reply into the result for ind.
func parse(ind enrich.Indicator, body []byte) (enrich.Result, error) {
	var v community
	if err := json.Unmarshal(body, &v); err != nil {
		return enrich.Result{}, fmt.Errorf("%s: %w: %v", Name, enrich.ErrBadReply, err)
	}
	class := strings.ToLower(strings.TrimSpace(v.Classification))
	r := enrich.Result{Indicator: ind, Raw: body, Reference: reference(ind.Value, v.Link)}
	switch {
	case class == "malicious":
		r.Verdict = enrich.Malicious
	case class == "suspicious":
		r.Verdict = enrich.Suspicious
	case class == "benign" || v.RIOT:
		r.Verdict = enrich.Benign
	case v.Noise:
		r.Verdict = enrich.Suspicious
	default:
		r.Verdict = enrich.Unknown
	}
	var parts []string
	if class != "" {
		parts = append(parts, class)
	} else {
		parts = append(parts, "unclassified")
	}
	if v.Noise {
		parts = append(parts, "internet scanner")
	}
	if v.RIOT {
		parts = append(parts, "business service (RIOT)")
	}
	if v.Name != "" && !strings.EqualFold(v.Name, "unknown") {
		parts = append(parts, v.Name)
	}
	if v.LastSeen != "" {
		parts = append(parts, "last seen "+v.LastSeen)
	}
	r.Summary = strings.Join(parts, "; ")
	r.Details = map[string]any{"noise": v.Noise, "riot": v.RIOT}
	for k, s := range map[string]string{"classification": class, "name": v.Name, "last_seen": v.LastSeen, "message": v.Message} {
		if s != "" {
			r.Details[k] = s
		}
	}
	return r, nil
}

// notFound is the result of a 404: GreyNoise has not seen the address.
func notFound(ind enrich.Indicator, rep *enrich.Reply) enrich.Result {
	r := enrich.NotFound(ind, reference(ind.Value, ""), rep)
	if r.Raw == nil {
		return r
	}
	var v community
	if json.Unmarshal(r.Raw, &v) == nil && v.Message != "" {
		r.Details = map[string]any{"noise": v.Noise, "riot": v.RIOT, "message": v.Message}
	}
	return r
}

// reference is the reply's link when it is a web address, else the visualizer's page for ip.
func reference(ip, link string) string {
	if u, err := url.Parse(link); err == nil && (u.Scheme == "https" || u.Scheme == "http") && u.Host != "" {
		return link
	}
	return "https://viz.greynoise.io/ip/" + url.PathEscape(ip)
}

// errorMessage returns the "message" of a GreyNoise error reply, or "": the explanation
// enrich.Explain puts into the error in place of the raw body.
func errorMessage(body string) string {
	var v struct {
		Message string `json:"message"`
	}
	if json.Unmarshal([]byte(body), &v) != nil {
		return ""
	}
	return v.Message
}
