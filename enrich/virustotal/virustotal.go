// Package virustotal looks IP addresses, domains, URLs and file hashes up in VirusTotal's API v3
// (https://docs.virustotal.com/reference/overview) and reduces the engines' last analysis to one
// verdict.
//
// Requests: GET {base}/ip_addresses/{ip}, /domains/{domain}, /urls/{id} and /files/{hash}, with the
// key in the x-apikey header. A URL's id is its unpadded URL-safe base64 encoding (RFC 4648 §5
// without "="), which VirusTotal canonicalises server-side; an MD5, SHA-1 or SHA-256 all address
// /files.
//
// Verdict, from data.attributes.last_analysis_stats (the number of engines per category):
//   - Malicious:  malicious ≥ Options.MaliciousEngines (default 3);
//   - Suspicious: at least one engine says malicious or suspicious, below that threshold;
//   - Benign:     no detections and harmless > 0 (an engine vouched for it);
//   - Unknown:    nothing analysed (no stats, or every count zero), or only "undetected" answers —
//     engines with no opinion, which is what a new malicious file and a clean file both get, so
//     it says nothing either way. A 404 (NotFoundError) is Unknown with the summary "not found".
//
// The summary reads "N/M engines malicious", where M counts the engines that gave an answer
// (malicious, suspicious, harmless, undetected; timeouts, failures and unsupported types are
// left out), then ", K suspicious" when K > 0, then the file's popular threat label when there is one,
// e.g. "42/70 engines malicious; trojan.emotet/heodo". HTTP 429 (QuotaExceededError) goes through
// the engine's retry path like any 429.
package virustotal

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/hunchsec/hunch/enrich"
	"github.com/hunchsec/hunch/ioc"
)

// Name is the provider's name in configuration and output.
const Name = "virustotal"

// DefaultBaseURL is the root of VirusTotal's API v3.
const DefaultBaseURL = "https://www.virustotal.com/api/v3"

// DefaultMaliciousEngines is how many engines must call an indicator malicious before the verdict
// is Malicious, when Options.MaliciousEngines is zero.
const DefaultMaliciousEngines = 3

// guiBase is where a person reads VirusTotal's report on an object.
const guiBase = "https://www.virustotal.com/gui/"

// Options configures a Client.
type Options struct {
	// HTTP is the engine's request path for this provider (rate limit, retries, client, clock).
	// Required.
	HTTP *enrich.HTTP
	// BaseURL replaces DefaultBaseURL (proxies, mirrors, tests); "" means DefaultBaseURL.
	BaseURL string
	// Key is the VirusTotal API key, sent as x-apikey. Required.
	Key string
	// MaliciousEngines is the number of engines saying "malicious" from which the verdict is
	// Malicious (fewer, or any "suspicious", make it Suspicious); 0 means DefaultMaliciousEngines.
	MaliciousEngines int
}

// Client looks indicators up in VirusTotal. It is safe for concurrent use.
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
	if o.MaliciousEngines < 0 {
		return nil, fmt.Errorf("%s: malicious engine threshold %d is negative", Name, o.MaliciousEngines)
	}
	base, err := enrich.BaseURL(Name, o.BaseURL, DefaultBaseURL)
	if err != nil {
		return nil, err
	}
	malicious := o.MaliciousEngines
	if malicious == 0 {
		malicious = DefaultMaliciousEngines
	}
	return &Client{h: o.HTTP, base: base, key: strings.TrimSpace(o.Key), malicious: malicious}, nil
}

// Name returns "virustotal".
func (c *Client) Name() string { return Name }

// Types returns the indicator types VirusTotal answers: IP addresses, domains, URLs and MD5,
// SHA-1 and SHA-256 file hashes.
func (c *Client) Types() []ioc.Type {
	return []ioc.Type{ioc.IPv4, ioc.IPv6, ioc.Domain, ioc.URL, ioc.MD5, ioc.SHA1, ioc.SHA256}
}

// Lookup asks VirusTotal about each indicator in turn, one request each, and returns one result
// per indicator in the same order.
func (c *Client) Lookup(ctx context.Context, batch []enrich.Indicator) []enrich.Result {
	return enrich.LookupEach(ctx, Name, c.Types(), batch, c.lookup)
}

func (c *Client) lookup(ctx context.Context, ind enrich.Indicator) enrich.Result {
	res := enrich.Result{Indicator: ind}
	obj, err := locate(ind)
	if err != nil {
		res.Err = err
		return res
	}
	hdr := http.Header{"X-Apikey": {c.key}, "Accept": {"application/json"}}
	rep, err := c.h.GetJSON(ctx, c.base+obj.path, hdr, nil)
	if errors.Is(err, enrich.ErrNotFound) {
		return enrich.NotFound(ind, reference(ind, obj, ""), rep)
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

// object is where an indicator lives in the API and in the web interface.
type object struct {
	path    string // API path below the base URL
	guiKind string // "ip-address", "domain", "url" or "file"
	guiID   string // the id the web interface takes when the reply names none
}

// locate maps an indicator to its API object.
func locate(ind enrich.Indicator) (object, error) {
	v := strings.TrimSpace(ind.Value)
	if v == "" {
		return object{}, fmt.Errorf("%s: empty %s indicator", Name, ind.Type)
	}
	switch ind.Type {
	case ioc.IPv4, ioc.IPv6:
		return object{"/ip_addresses/" + url.PathEscape(v), "ip-address", url.PathEscape(v)}, nil
	case ioc.Domain:
		d := strings.ToLower(strings.TrimSuffix(v, "."))
		return object{"/domains/" + url.PathEscape(d), "domain", url.PathEscape(d)}, nil
	case ioc.URL:
		// Unknown URLs have no SHA-256 id yet; the web interface's search finds them if they appear.
		return object{"/urls/" + URLID(v), "url", ""}, nil
	case ioc.MD5, ioc.SHA1, ioc.SHA256:
		h := strings.ToLower(v)
		return object{"/files/" + url.PathEscape(h), "file", url.PathEscape(h)}, nil
	}
	return object{}, fmt.Errorf("%s: %w: %s", Name, enrich.ErrUnsupported, ind.Type)
}

// URLID returns VirusTotal's identifier for a URL in the form a client can compute: the URL
// encoded in URL-safe base64 (RFC 4648 §5) without "=" padding.
func URLID(rawURL string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(rawURL))
}

// reference is the web page for obj; id is the object's id from the reply, if any.
func reference(ind enrich.Indicator, obj object, id string) string {
	switch {
	case id != "":
		return guiBase + obj.guiKind + "/" + url.PathEscape(id)
	case obj.guiID != "":
		return guiBase + obj.guiKind + "/" + obj.guiID
	}
	return guiBase + "search/" + url.PathEscape(ind.Value)
}

// reply is the part of a VirusTotal object reply (or error reply) this package reads.
type reply struct {
	Data *struct {
		ID         string     `json:"id"`
		Type       string     `json:"type"`
		Attributes attributes `json:"attributes"`
	} `json:"data"`
	Error *struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

// attributes are an object's attributes; which ones are set depends on the object's type.
type attributes struct {
	LastAnalysisStats *stats   `json:"last_analysis_stats"`
	LastAnalysisDate  int64    `json:"last_analysis_date"`
	Reputation        *int     `json:"reputation"`
	Tags              []string `json:"tags"`
	TotalVotes        *struct {
		Harmless  int `json:"harmless"`
		Malicious int `json:"malicious"`
	} `json:"total_votes"`
	// IP addresses.
	Country string `json:"country"`
	ASOwner string `json:"as_owner"`
	ASN     int64  `json:"asn"`
	Network string `json:"network"`
	// Domains and URLs.
	Categories map[string]string `json:"categories"`
	Registrar  string            `json:"registrar"`
	FinalURL   string            `json:"last_final_url"`
	Title      string            `json:"title"`
	// Files.
	MeaningfulName  string          `json:"meaningful_name"`
	TypeDescription string          `json:"type_description"`
	Size            int64           `json:"size"`
	MD5             string          `json:"md5"`
	SHA1            string          `json:"sha1"`
	SHA256          string          `json:"sha256"`
	Threat          *classification `json:"popular_threat_classification"`
}

// stats is last_analysis_stats: how many engines answered each category.
type stats struct {
	Malicious        int `json:"malicious"`
	Suspicious       int `json:"suspicious"`
	Harmless         int `json:"harmless"`
	Undetected       int `json:"undetected"`
	Timeout          int `json:"timeout"`
	ConfirmedTimeout int `json:"confirmed-timeout"`
	Failure          int `json:"failure"`
	TypeUnsupported  int `json:"type-unsupported"`
}

// clamped returns s with negative counts (never sent by VirusTotal) read as zero.
func (s stats) clamped() stats {
	for _, p := range []*int{&s.Malicious, &s.Suspicious, &s.Harmless, &s.Undetected, &s.Timeout,
		&s.ConfirmedTimeout, &s.Failure, &s.TypeUnsupported} {
		*p = max(*p, 0)
	}
	return s
}

// engines is the number of engines that gave an answer.
func (s stats) engines() int { return s.Malicious + s.Suspicious + s.Harmless + s.Undetected }

// classification is a file's popular_threat_classification.
type classification struct {
	Label      string       `json:"suggested_threat_label"`
	Categories []countValue `json:"popular_threat_category"`
	Names      []countValue `json:"popular_threat_name"`
}

type countValue struct {
	Count int    `json:"count"`
	Value string `json:"value"`
}

func values(cv []countValue) []string {
	var out []string
	for _, c := range cv {
		if c.Value != "" {
			out = append(out, c.Value)
		}
	}
	return out
}

// verdictOf maps last_analysis_stats to a verdict, with malicious ≥ threshold engines meaning
// Malicious (see the package documentation).
func verdictOf(s stats, threshold int) enrich.Verdict {
	switch {
	case s.Malicious >= threshold && s.Malicious > 0:
		return enrich.Malicious
	case s.Malicious > 0 || s.Suspicious > 0:
		return enrich.Suspicious
	case s.Harmless > 0:
		return enrich.Benign
	}
	return enrich.Unknown
}

// parse turns a 2xx reply body about ind into a result. threshold is the malicious-engine count
// for the verdict Malicious. An error wraps enrich.ErrBadReply.
func parse(ind enrich.Indicator, body []byte, threshold int) (enrich.Result, error) {
	res := enrich.Result{Indicator: ind}
	obj, err := locate(ind)
	if err != nil {
		return res, err
	}
	var r reply
	if err := json.Unmarshal(body, &r); err != nil {
		return res, fmt.Errorf("%s: %w: %v", Name, enrich.ErrBadReply, err)
	}
	if r.Data == nil {
		if r.Error != nil && r.Error.Code == "NotFoundError" {
			return enrich.NotFound(ind, reference(ind, obj, ""), &enrich.Reply{Body: body}), nil
		}
		if r.Error != nil {
			return res, fmt.Errorf("%s: %w: %s: %s", Name, enrich.ErrBadReply, r.Error.Code, r.Error.Message)
		}
		return res, fmt.Errorf("%s: %w: the reply has no data object", Name, enrich.ErrBadReply)
	}
	a := r.Data.Attributes
	res.Raw = json.RawMessage(body)
	res.Reference = reference(ind, obj, r.Data.ID)
	d := map[string]any{}
	res.Details = d

	var s stats
	if a.LastAnalysisStats != nil {
		s = a.LastAnalysisStats.clamped()
	}
	res.Verdict = verdictOf(s, threshold)
	if s.engines() == 0 {
		res.Summary = "not analysed yet"
	} else {
		res.Summary = fmt.Sprintf("%d/%d engines malicious", s.Malicious, s.engines())
		if s.Suspicious > 0 {
			res.Summary += fmt.Sprintf(", %d suspicious", s.Suspicious)
		}
		d["malicious"] = s.Malicious
		d["suspicious"] = s.Suspicious
		d["harmless"] = s.Harmless
		d["undetected"] = s.Undetected
		d["timeout"] = s.Timeout + s.ConfirmedTimeout
		d["engines"] = s.engines()
	}
	if a.Threat != nil && a.Threat.Label != "" {
		res.Summary += "; " + a.Threat.Label
		d["threat_label"] = a.Threat.Label
	}
	if a.Threat != nil {
		if v := values(a.Threat.Categories); len(v) > 0 {
			d["threat_categories"] = v
		}
		if v := values(a.Threat.Names); len(v) > 0 {
			d["threat_names"] = v
		}
	}
	if a.LastAnalysisDate > 0 {
		d["last_analysis_date"] = time.Unix(a.LastAnalysisDate, 0).UTC()
	}
	if a.Reputation != nil {
		d["reputation"] = *a.Reputation
	}
	if len(a.Tags) > 0 {
		d["tags"] = a.Tags
	}
	if a.TotalVotes != nil && a.TotalVotes.Harmless+a.TotalVotes.Malicious > 0 {
		d["votes_harmless"] = a.TotalVotes.Harmless
		d["votes_malicious"] = a.TotalVotes.Malicious
	}
	setString(d, "country", a.Country)
	setString(d, "as_owner", a.ASOwner)
	if a.ASN > 0 {
		d["asn"] = a.ASN
	}
	setString(d, "network", a.Network)
	if len(a.Categories) > 0 {
		d["categories"] = a.Categories
	}
	setString(d, "registrar", a.Registrar)
	setString(d, "last_final_url", a.FinalURL)
	setString(d, "title", a.Title)
	setString(d, "meaningful_name", a.MeaningfulName)
	setString(d, "type_description", a.TypeDescription)
	if a.Size > 0 {
		d["size"] = a.Size
	}
	setString(d, "md5", a.MD5)
	setString(d, "sha1", a.SHA1)
	setString(d, "sha256", a.SHA256)
	return res, nil
}

func setString(d map[string]any, k, v string) {
	if v != "" {
		d[k] = v
	}
}
