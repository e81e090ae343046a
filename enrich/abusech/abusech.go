// Package abusech looks indicators up in three abuse.ch services, each an enrich.Provider of
// its own: URLhaus (malware download URLs, the hosts serving them and their payloads), ThreatFox
// (IOCs shared by the community: C2 servers, payload delivery sites, sample hashes) and
// MalwareBazaar (malware samples by hash).
//
// All three are "known bad" lists: being listed is evidence, not being listed is none, so an
// indicator they do not know is Unknown, never Benign. Since 2024 every abuse.ch API requires an
// Auth-Key header (a free key from https://auth.abuse.ch/, one key for all three services).
// The APIs answer "not found" with HTTP 200 and a query_status field; every status other than the
// documented "ok" and "not found" ones becomes a per-item error (ErrRefused, or enrich.ErrAuth for
// "unknown_auth_key").
//
// Verdicts, per service:
//
//   - URLhaus URL (POST /url/): listed with url_status "online" or "offline" → Malicious (the URL
//     served malware; offline URLs come back); listed with any other url_status ("unknown") →
//     Suspicious; query_status "no_results" → Unknown.
//   - URLhaus host, for IPv4 addresses and domains (POST /host/): listed with at least one URL
//     that is not "offline" → Malicious; listed with every URL "offline" → Suspicious (the host
//     served malware once but serves none now: typically a cleaned-up compromised site or a
//     reassigned address); listed without URLs, or "no_results" → Unknown.
//   - URLhaus payload, for MD5 and SHA-256 (POST /payload/): listed → Malicious (a file URLhaus
//     downloaded from a malware URL); "no_results" → Unknown.
//   - ThreatFox, for IPv4 addresses, domains and URLs (search_ioc) and MD5/SHA-256 hashes
//     (search_hash): at least one matching IOC → Malicious, whatever its confidence_level (the
//     highest confidence_level is in the summary and details); "no_result" → Unknown. Because
//     search_ioc may match more than the exact value, an IP or domain search keeps only IOCs whose
//     host (the IP of an "ip:port", the host of a URL, the domain itself) is the value asked about.
//   - MalwareBazaar, for MD5, SHA-1 and SHA-256 (get_info): listed → Malicious (every sample in
//     MalwareBazaar is malware); "hash_not_found" → Unknown.
//
// HTTP 404 (not expected from these APIs) is Unknown as well; 401/403 are enrich.ErrAuth.
package abusech

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/hunchsec/hunch/enrich"
)

// Provider names, as used in configuration and output.
const (
	URLhausName       = "urlhaus"
	ThreatFoxName     = "threatfox"
	MalwareBazaarName = "malwarebazaar"
)

// Documented API roots.
const (
	DefaultURLhausBaseURL       = "https://urlhaus-api.abuse.ch/v1"
	DefaultThreatFoxBaseURL     = "https://threatfox-api.abuse.ch/api/v1"
	DefaultMalwareBazaarBaseURL = "https://mb-api.abuse.ch/api/v1"
)

// Names returns the names of the providers this package builds, for New.
func Names() []string { return []string{URLhausName, ThreatFoxName, MalwareBazaarName} }

// ErrRefused is wrapped by the error of a lookup whose reply carried a query_status that is neither
// a result nor "not found", e.g. "invalid_url" or "illegal_hash": the service refused the query.
var ErrRefused = errors.New("query refused")

// Options configures any of the three providers.
type Options struct {
	// HTTP is the engine's request path for this provider (rate limit, retries, client, clock).
	// Required.
	HTTP *enrich.HTTP
	// BaseURL replaces the service's documented API root ("" → its Default…BaseURL), for proxies,
	// mirrors and tests.
	BaseURL string
	// Key is the abuse.ch Auth-Key, already resolved from env:/file: by the caller. Required.
	Key string
}

// New builds the provider called name (one of Names()) as an enrich.Provider.
func New(name string, o Options) (enrich.Provider, error) {
	switch name {
	case URLhausName:
		return NewURLhaus(o)
	case ThreatFoxName:
		return NewThreatFox(o)
	case MalwareBazaarName:
		return NewMalwareBazaar(o)
	}
	return nil, fmt.Errorf("abusech: unknown provider %q: use %s", name, strings.Join(Names(), ", "))
}

// api is what the three clients share: where to send, with which key, through which path.
type api struct {
	name string
	http *enrich.HTTP
	base string
	key  string
}

func newAPI(name, defaultBase string, o Options) (api, error) {
	if err := enrich.RequireHTTP(name, o.HTTP); err != nil {
		return api{}, err
	}
	if err := enrich.RequireKey(name, o.Key); err != nil {
		return api{}, fmt.Errorf("%w (a free abuse.ch Auth-Key from https://auth.abuse.ch/)", err)
	}
	base, err := enrich.BaseURL(name, o.BaseURL, defaultBase)
	if err != nil {
		return api{}, err
	}
	return api{name: name, http: o.HTTP, base: base, key: o.Key}, nil
}

const (
	formType = "application/x-www-form-urlencoded"
	jsonType = "application/json"
)

// post sends body to base+path with the Auth-Key header and returns the reply.
func (a api) post(ctx context.Context, path, contentType string, body []byte) (*enrich.Reply, error) {
	hdr := http.Header{
		"Auth-Key":     {a.key},
		"Content-Type": {contentType},
		"Accept":       {jsonType},
	}
	return a.http.JSON(ctx, http.MethodPost, a.base+path, hdr, body, nil)
}

// finish turns a transport outcome into a Result: 404 is "not found", other errors are the item's
// error, and a reply is parsed.
func finish(ind enrich.Indicator, rep *enrich.Reply, err error, parse func(enrich.Indicator, []byte) enrich.Result) enrich.Result {
	if err != nil {
		if errors.Is(err, enrich.ErrNotFound) {
			return enrich.NotFound(ind, "", nil)
		}
		return enrich.Result{Indicator: ind, Err: err}
	}
	return parse(ind, rep.Body)
}

// statusError is the error for a query_status that is neither a result nor "not found".
func statusError(name, status string) error {
	switch status {
	case "":
		return fmt.Errorf("%s: %w: no query_status in the reply", name, enrich.ErrBadReply)
	case "unknown_auth_key":
		return fmt.Errorf("%s: %w: query_status %q: check the API key for %s", name, enrich.ErrAuth, status, name)
	}
	return fmt.Errorf("%s: %w: query_status %q", name, ErrRefused, status)
}

func badReply(name string, err error) error {
	return fmt.Errorf("%s: %w: %v", name, enrich.ErrBadReply, err)
}

// text is a JSON scalar read as a string: abuse.ch sends numbers sometimes as JSON strings and
// sometimes as numbers, and null for absent values.
type text string

// UnmarshalJSON accepts a string, a number, a boolean or null.
func (t *text) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case len(b) == 0 || string(b) == "null":
		*t = ""
	case b[0] == '"':
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*t = text(s)
	case b[0] == '{' || b[0] == '[':
		return fmt.Errorf("expected a string or a number, got %.20s", b)
	default:
		*t = text(b)
	}
	return nil
}

// strs is a list of strings that also accepts null and a single string.
type strs []string

// UnmarshalJSON accepts an array of strings (null elements dropped), a single string or null.
func (s *strs) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '"' {
		var one string
		if err := json.Unmarshal(b, &one); err != nil {
			return err
		}
		*s = strs{one}
		return nil
	}
	var list []*string
	if err := json.Unmarshal(b, &list); err != nil {
		return err
	}
	*s = (*s)[:0]
	for _, p := range list {
		if p != nil && *p != "" {
			*s = append(*s, *p)
		}
	}
	return nil
}

// uniq returns the distinct non-empty values of vs in first-seen order (case-sensitive).
func uniq(vs ...string) []string {
	var out []string
	for _, v := range vs {
		if v != "" && !slices.Contains(out, v) {
			out = append(out, v)
		}
	}
	return out
}

// maxList is how many tags or names a summary shows before "…".
const maxList = 5

// list joins at most maxList values with ", ".
func list(vs []string) string {
	if len(vs) > maxList {
		return strings.Join(vs[:maxList], ", ") + ", …"
	}
	return strings.Join(vs, ", ")
}

// summary joins the non-empty parts with ", " after "listed: ", and adds the tags.
func summary(parts []string, tags []string) string {
	var b strings.Builder
	b.WriteString("listed")
	sep := ": "
	for _, p := range parts {
		if p != "" {
			b.WriteString(sep)
			b.WriteString(p)
			sep = ", "
		}
	}
	if len(tags) > 0 {
		b.WriteString(sep)
		b.WriteString("tags ")
		b.WriteString(list(tags))
	}
	return b.String()
}

// setIf adds k=v to m when v is not empty.
func setIf(m map[string]any, k string, v any) {
	switch x := v.(type) {
	case string:
		if x == "" {
			return
		}
	case text:
		if x == "" {
			return
		}
		v = string(x)
	case []string:
		if len(x) == 0 {
			return
		}
	case strs:
		if len(x) == 0 {
			return
		}
		v = []string(x)
	}
	m[k] = v
}
