package abusech

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"

	"github.com/hunchsec/hunch/enrich"
	"github.com/hunchsec/hunch/ioc"
)

// URLhaus looks URLs, hosts (IPv4 addresses and domains) and payload hashes (MD5, SHA-256) up
// in abuse.ch URLhaus (https://urlhaus-api.abuse.ch/). The verdict rules are in the package
// documentation.
type URLhaus struct {
	api api
}

var _ enrich.Provider = (*URLhaus)(nil)

// NewURLhaus returns a URLhaus client; o.HTTP and o.Key are required.
func NewURLhaus(o Options) (*URLhaus, error) {
	a, err := newAPI(URLhausName, DefaultURLhausBaseURL, o)
	if err != nil {
		return nil, err
	}
	return &URLhaus{api: a}, nil
}

// Name returns "urlhaus".
func (c *URLhaus) Name() string { return URLhausName }

// Types returns the indicator types URLhaus answers for.
func (c *URLhaus) Types() []ioc.Type {
	return []ioc.Type{ioc.URL, ioc.IPv4, ioc.Domain, ioc.MD5, ioc.SHA256}
}

// Lookup asks URLhaus about each indicator, one request each, and returns one Result per
// indicator in order.
func (c *URLhaus) Lookup(ctx context.Context, batch []enrich.Indicator) []enrich.Result {
	return enrich.LookupEach(ctx, URLhausName, c.Types(), batch, c.lookup)
}

// urlhausQuery is the endpoint and form of the request for ind.
func urlhausQuery(ind enrich.Indicator) (path string, form url.Values) {
	switch ind.Type {
	case ioc.URL:
		return "/url/", url.Values{"url": {ind.Value}}
	case ioc.IPv4, ioc.Domain:
		return "/host/", url.Values{"host": {ind.Value}}
	case ioc.MD5:
		return "/payload/", url.Values{"md5_hash": {ind.Value}}
	default: // ioc.SHA256; Lookup filtered the rest
		return "/payload/", url.Values{"sha256_hash": {ind.Value}}
	}
}

func (c *URLhaus) lookup(ctx context.Context, ind enrich.Indicator) enrich.Result {
	path, form := urlhausQuery(ind)
	rep, err := c.api.post(ctx, path, formType, []byte(form.Encode()))
	return finish(ind, rep, err, parseURLhaus)
}

// URLhaus replies (https://urlhaus-api.abuse.ch/): numbers often come as strings.
type urlhausURLReply struct {
	QueryStatus   string          `json:"query_status"`
	ID            text            `json:"id"`
	Reference     string          `json:"urlhaus_reference"`
	URL           string          `json:"url"`
	URLStatus     string          `json:"url_status"`
	Host          string          `json:"host"`
	DateAdded     text            `json:"date_added"`
	LastOnline    text            `json:"last_online"`
	Threat        string          `json:"threat"`
	Blacklists    map[string]text `json:"blacklists"`
	Reporter      text            `json:"reporter"`
	Larted        text            `json:"larted"`
	TakedownTimeS text            `json:"takedown_time_seconds"`
	Tags          strs            `json:"tags"`
	Payloads      []struct {
		FirstSeen      text `json:"firstseen"`
		Filename       text `json:"filename"`
		FileType       text `json:"file_type"`
		ResponseMD5    text `json:"response_md5"`
		ResponseSHA256 text `json:"response_sha256"`
		Signature      text `json:"signature"`
	} `json:"payloads"`
}

type urlhausHostReply struct {
	QueryStatus string          `json:"query_status"`
	Reference   string          `json:"urlhaus_reference"`
	Host        string          `json:"host"`
	FirstSeen   text            `json:"firstseen"`
	URLCount    text            `json:"url_count"`
	Blacklists  map[string]text `json:"blacklists"`
	URLs        []struct {
		ID        text   `json:"id"`
		URL       string `json:"url"`
		URLStatus string `json:"url_status"`
		DateAdded text   `json:"date_added"`
		Threat    string `json:"threat"`
		Tags      strs   `json:"tags"`
	} `json:"urls"`
}

type urlhausPayloadReply struct {
	QueryStatus string `json:"query_status"`
	MD5         text   `json:"md5_hash"`
	SHA256      text   `json:"sha256_hash"`
	FileType    text   `json:"file_type"`
	FileSize    text   `json:"file_size"`
	Signature   text   `json:"signature"`
	FirstSeen   text   `json:"firstseen"`
	LastSeen    text   `json:"lastseen"`
	URLCount    text   `json:"url_count"`
	Imphash     text   `json:"imphash"`
	VirusTotal  *struct {
		Result text `json:"result"`
		Link   text `json:"link"`
	} `json:"virustotal"`
	URLs []struct {
		URL       string `json:"url"`
		URLStatus string `json:"url_status"`
		Filename  text   `json:"filename"`
	} `json:"urls"`
}

// parseURLhaus turns a URLhaus reply about ind into a Result.
func parseURLhaus(ind enrich.Indicator, body []byte) enrich.Result {
	var head struct {
		QueryStatus string `json:"query_status"`
	}
	if err := json.Unmarshal(body, &head); err != nil {
		return enrich.Result{Indicator: ind, Err: badReply(URLhausName, err)}
	}
	switch head.QueryStatus {
	case "ok":
	case "no_results":
		return enrich.NotFound(ind, "", nil)
	default:
		return enrich.Result{Indicator: ind, Err: statusError(URLhausName, head.QueryStatus)}
	}
	var r enrich.Result
	var err error
	switch ind.Type {
	case ioc.URL:
		r, err = urlhausURL(body)
	case ioc.IPv4, ioc.Domain:
		r, err = urlhausHost(body)
	case ioc.MD5, ioc.SHA256:
		r, err = urlhausPayload(body)
	default:
		err = fmt.Errorf("%w: %s", enrich.ErrUnsupported, ind.Type)
	}
	if err != nil {
		return enrich.Result{Indicator: ind, Err: fmt.Errorf("%s: %w", URLhausName, err)}
	}
	r.Indicator = ind
	r.Raw = json.RawMessage(body)
	return r
}

func urlhausURL(body []byte) (enrich.Result, error) {
	var v urlhausURLReply
	if err := json.Unmarshal(body, &v); err != nil {
		return enrich.Result{}, fmt.Errorf("%w: %v", enrich.ErrBadReply, err)
	}
	verdict := enrich.Suspicious
	if v.URLStatus == "online" || v.URLStatus == "offline" {
		verdict = enrich.Malicious
	}
	var sigs, sha256s []string
	for _, p := range v.Payloads {
		sigs = uniq(append(sigs, string(p.Signature))...)
		sha256s = uniq(append(sha256s, string(p.ResponseSHA256))...)
	}
	d := map[string]any{"url_status": v.URLStatus, "payloads": len(v.Payloads)}
	setIf(d, "id", v.ID)
	setIf(d, "threat", v.Threat)
	setIf(d, "host", v.Host)
	setIf(d, "date_added", v.DateAdded)
	setIf(d, "last_online", v.LastOnline)
	setIf(d, "reporter", v.Reporter)
	setIf(d, "tags", v.Tags)
	setIf(d, "signatures", sigs)
	setIf(d, "payload_sha256", sha256s)
	if bl := blacklists(v.Blacklists); len(bl) > 0 {
		d["blacklists"] = bl
	}
	return enrich.Result{
		Verdict:   verdict,
		Summary:   summary([]string{v.Threat, v.URLStatus, list(sigs)}, v.Tags),
		Details:   d,
		Reference: v.Reference,
	}, nil
}

func urlhausHost(body []byte) (enrich.Result, error) {
	var v urlhausHostReply
	if err := json.Unmarshal(body, &v); err != nil {
		return enrich.Result{}, fmt.Errorf("%w: %v", enrich.ErrBadReply, err)
	}
	count := len(v.URLs)
	if n, err := strconv.Atoi(string(v.URLCount)); err == nil && n > count {
		count = n // the reply lists only the most recent URLs
	}
	var online, offline int
	var threats, tags []string
	for _, u := range v.URLs {
		switch u.URLStatus {
		case "online":
			online++
		case "offline":
			offline++
		}
		threats = uniq(append(threats, u.Threat)...)
		tags = uniq(append(tags, u.Tags...)...)
	}
	d := map[string]any{"url_count": count, "urls_listed": len(v.URLs), "urls_online": online, "urls_offline": offline}
	setIf(d, "host", v.Host)
	setIf(d, "first_seen", v.FirstSeen)
	setIf(d, "threats", threats)
	setIf(d, "tags", tags)
	if bl := blacklists(v.Blacklists); len(bl) > 0 {
		d["blacklists"] = bl
	}
	r := enrich.Result{Details: d, Reference: v.Reference}
	switch {
	case len(v.URLs) == 0:
		r.Verdict = enrich.Unknown
		r.Summary = "listed host without URLs"
		return r, nil
	case offline == len(v.URLs):
		r.Verdict = enrich.Suspicious
	default:
		r.Verdict = enrich.Malicious
	}
	r.Summary = summary([]string{fmt.Sprintf("%d URLs (%d online)", count, online), list(threats)}, tags)
	return r, nil
}

func urlhausPayload(body []byte) (enrich.Result, error) {
	var v urlhausPayloadReply
	if err := json.Unmarshal(body, &v); err != nil {
		return enrich.Result{}, fmt.Errorf("%w: %v", enrich.ErrBadReply, err)
	}
	count := len(v.URLs)
	if n, err := strconv.Atoi(string(v.URLCount)); err == nil && n > count {
		count = n
	}
	var online int
	var names []string
	for _, u := range v.URLs {
		if u.URLStatus == "online" {
			online++
		}
		names = uniq(append(names, string(u.Filename))...)
	}
	d := map[string]any{"url_count": count, "urls_online": online}
	setIf(d, "md5", v.MD5)
	setIf(d, "sha256", v.SHA256)
	setIf(d, "file_type", v.FileType)
	if n, err := strconv.ParseInt(string(v.FileSize), 10, 64); err == nil {
		d["file_size"] = n
	}
	setIf(d, "signature", v.Signature)
	setIf(d, "first_seen", v.FirstSeen)
	setIf(d, "last_seen", v.LastSeen)
	setIf(d, "imphash", v.Imphash)
	setIf(d, "file_names", names)
	if v.VirusTotal != nil {
		setIf(d, "virustotal", v.VirusTotal.Result)
	}
	r := enrich.Result{
		Verdict: enrich.Malicious,
		Summary: summary([]string{string(v.Signature), string(v.FileType), fmt.Sprintf("%d URLs", count)}, nil),
		Details: d,
	}
	if v.SHA256 != "" {
		r.Reference = "https://urlhaus.abuse.ch/browse.php?search=" + url.QueryEscape(string(v.SHA256))
	}
	return r, nil
}

// blacklists returns the blacklist verdicts that say something ("not listed" dropped).
func blacklists(m map[string]text) map[string]string {
	out := map[string]string{}
	for k, v := range m {
		if v != "" && v != "not listed" && v != "not_listed" {
			out[k] = string(v)
		}
	}
	return out
}
