// Package whois answers "who holds this IP address, domain or AS number?" from RDAP (RFC 9083),
// finding each registry's server through the IANA bootstrap files (RFC 9224), and maps IP
// addresses to their announcing AS through Team Cymru's bulk whois service.
//
// Registration, last-changed and expiration dates come from the RDAP events of the object
// itself, each from its own eventAction, so they cannot be swapped or overwritten by another
// event (msticpy swaps "created" and "updated" and keeps only the last event).
package whois

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"golang.org/x/net/idna"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/net/publicsuffix"
)

// Defaults used when the corresponding Options field is zero.
const (
	// DefaultBootstrapURL is where IANA publishes the RDAP bootstrap files dns.json,
	// ipv4.json, ipv6.json and asn.json.
	DefaultBootstrapURL = "https://data.iana.org/rdap/"
	// DefaultBootstrapTTL is how long a fetched bootstrap file is used before it is fetched again.
	DefaultBootstrapTTL = 24 * time.Hour
	// DefaultCymruAddr is Team Cymru's IP-to-ASN whois service.
	DefaultCymruAddr = "whois.cymru.com:43"
	// DefaultTimeout bounds one Lookup or one CymruASN call.
	DefaultTimeout = 30 * time.Second
	// DefaultMaxRedirects is how many HTTP redirects one RDAP request may follow.
	DefaultMaxRedirects = 5
	// DefaultMaxReplyBytes bounds an RDAP reply or a bootstrap file.
	DefaultMaxReplyBytes = 8 << 20
	// DefaultCymruBatchSize is how many addresses are sent on one Cymru connection.
	DefaultCymruBatchSize = 500
	// DefaultCymruMaxIPs is how many distinct addresses one CymruASN call accepts.
	DefaultCymruMaxIPs = 100_000
	// DefaultCymruMaxLineBytes bounds one line of a Cymru reply.
	DefaultCymruMaxLineBytes = 2048
)

// Errors returned (wrapped) by Lookup and CymruASN; test for them with errors.Is.
var (
	// ErrNotFound means the RDAP server answered 404: it holds no such object.
	ErrNotFound = errors.New("not found")
	// ErrRateLimited means the server answered 429 Too Many Requests.
	ErrRateLimited = errors.New("rate limited")
	// ErrBadQuery means the query is neither an IP address or prefix, a domain name nor an AS number.
	ErrBadQuery = errors.New("not an IP address, domain or AS number")
	// ErrNoServer means the IANA bootstrap names no RDAP server for the query.
	ErrNoServer = errors.New("no RDAP server in the IANA bootstrap")
	// ErrBadReply means a server's reply could not be understood.
	ErrBadReply = errors.New("bad reply")
	// ErrTooManyRedirects means an RDAP request was redirected more than MaxRedirects times.
	ErrTooManyRedirects = errors.New("too many redirects")
	// ErrTooMany means a CymruASN call was given more addresses than CymruMaxIPs.
	ErrTooMany = errors.New("too many addresses")
)

// StatusError is an RDAP or bootstrap reply with an HTTP status other than 200. It wraps
// ErrNotFound for 404 and ErrRateLimited for 429.
type StatusError struct {
	URL        string        // the URL that answered
	StatusCode int           // the HTTP status
	Title      string        // the RDAP error title or first description line, if the body had one
	RetryAfter time.Duration // from the Retry-After header, zero when absent
}

// Error implements error.
func (e *StatusError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: ", e.URL)
	switch e.StatusCode {
	case http.StatusNotFound:
		b.WriteString("not found (HTTP 404)")
	case http.StatusTooManyRequests:
		b.WriteString("rate limited by the server (HTTP 429)")
		if e.RetryAfter > 0 {
			fmt.Fprintf(&b, ", retry after %s", e.RetryAfter)
		}
	default:
		fmt.Fprintf(&b, "HTTP %d %s", e.StatusCode, http.StatusText(e.StatusCode))
	}
	if e.Title != "" {
		fmt.Fprintf(&b, ": %s", e.Title)
	}
	return b.String()
}

// Unwrap returns ErrNotFound or ErrRateLimited when the status means one of them.
func (e *StatusError) Unwrap() error {
	switch e.StatusCode {
	case http.StatusNotFound:
		return ErrNotFound
	case http.StatusTooManyRequests:
		return ErrRateLimited
	}
	return nil
}

// Options configures a Client. The zero value queries the public services.
type Options struct {
	// Client makes the HTTP requests; nil means a client with no timeout of its own
	// (Timeout below bounds each call). Its CheckRedirect is replaced by the MaxRedirects cap.
	Client *http.Client
	// BootstrapURL is the directory holding dns.json, ipv4.json, ipv6.json and asn.json;
	// empty means DefaultBootstrapURL.
	BootstrapURL string
	// BootstrapTTL is how long a fetched bootstrap file is trusted; zero means DefaultBootstrapTTL.
	BootstrapTTL time.Duration
	// CacheDir, when set, keeps fetched bootstrap files on disk (rdap-bootstrap-*.json) so
	// that a new process within the TTL does not fetch them again. The directory is created.
	CacheDir string
	// MaxRedirects caps the HTTP redirects followed by one RDAP request (an ARIN referral to
	// RIPE is one); zero means DefaultMaxRedirects, negative means none.
	MaxRedirects int
	// SkipRelated stops Lookup from following a domain registry's "related" link to the
	// registrar's RDAP server, which often holds the registrant and abuse contacts. Without
	// it the link is followed (one request) only when the registry's reply lacks the
	// registrant or the abuse e-mail.
	SkipRelated bool
	// MaxReplyBytes bounds each reply body; zero means DefaultMaxReplyBytes.
	MaxReplyBytes int64
	// UserAgent is sent with every HTTP request; empty means "hunch-whois".
	UserAgent string

	// CymruAddr is the host:port of the Team Cymru whois service; empty means DefaultCymruAddr.
	CymruAddr string
	// DisableCymru stops Lookup from asking Team Cymru for the AS of an IP address.
	DisableCymru bool
	// Dial opens the Cymru TCP connection; nil means a net.Dialer.
	Dial func(ctx context.Context, network, addr string) (net.Conn, error)
	// CymruBatchSize is how many addresses go on one connection; zero means DefaultCymruBatchSize.
	CymruBatchSize int
	// CymruMaxIPs is how many distinct addresses one CymruASN call accepts; zero means DefaultCymruMaxIPs.
	CymruMaxIPs int
	// CymruMaxLineBytes bounds one reply line; zero means DefaultCymruMaxLineBytes.
	CymruMaxLineBytes int

	// Timeout bounds each Lookup and each CymruASN call; zero means DefaultTimeout,
	// negative means no bound beyond the caller's context.
	Timeout time.Duration
	// Now is the clock for bootstrap expiry; nil means time.Now.
	Now func() time.Time
	// Logger receives warnings that do not fail a call (a bootstrap cache file that could not
	// be written); nil discards them.
	Logger *slog.Logger
}

// Client looks up RDAP records and Team Cymru IP-to-ASN mappings. It is safe for concurrent use.
type Client struct {
	opts  Options
	http  *http.Client
	boot  *bootstrapCache
	log   *slog.Logger
	now   func() time.Time
	dial  func(ctx context.Context, network, addr string) (net.Conn, error)
	agent string
}

// New returns a Client with the given options, zero fields taking their defaults.
func New(opts Options) *Client {
	if opts.BootstrapURL == "" {
		opts.BootstrapURL = DefaultBootstrapURL
	}
	if !strings.HasSuffix(opts.BootstrapURL, "/") {
		opts.BootstrapURL += "/"
	}
	if opts.BootstrapTTL <= 0 {
		opts.BootstrapTTL = DefaultBootstrapTTL
	}
	if opts.MaxRedirects == 0 {
		opts.MaxRedirects = DefaultMaxRedirects
	}
	if opts.MaxRedirects < 0 {
		opts.MaxRedirects = 0
	}
	if opts.MaxReplyBytes <= 0 {
		opts.MaxReplyBytes = DefaultMaxReplyBytes
	}
	if opts.CymruAddr == "" {
		opts.CymruAddr = DefaultCymruAddr
	}
	if opts.CymruBatchSize <= 0 {
		opts.CymruBatchSize = DefaultCymruBatchSize
	}
	if opts.CymruMaxIPs <= 0 {
		opts.CymruMaxIPs = DefaultCymruMaxIPs
	}
	if opts.CymruMaxLineBytes <= 0 {
		opts.CymruMaxLineBytes = DefaultCymruMaxLineBytes
	}
	if opts.Timeout == 0 {
		opts.Timeout = DefaultTimeout
	}
	c := &Client{opts: opts, now: opts.Now, log: opts.Logger, dial: opts.Dial, agent: opts.UserAgent}
	if c.now == nil {
		c.now = time.Now
	}
	if c.log == nil {
		c.log = slog.New(slog.DiscardHandler)
	}
	if c.dial == nil {
		var d net.Dialer
		c.dial = d.DialContext
	}
	if c.agent == "" {
		c.agent = "hunch-whois"
	}
	hc := http.Client{}
	if opts.Client != nil {
		hc = *opts.Client
	}
	maxRedirects := opts.MaxRedirects
	hc.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		if len(via) > maxRedirects {
			return fmt.Errorf("%w: more than %d following %s", ErrTooManyRedirects, maxRedirects, via[0].URL)
		}
		return nil
	}
	c.http = &hc
	c.boot = newBootstrapCache(c)
	return c
}

// Kind is what a query names.
type Kind string

// The kinds of query Lookup understands.
const (
	KindIP     Kind = "ip"
	KindDomain Kind = "domain"
	KindASN    Kind = "asn"
)

// Record is what the registry says about one IP network, domain or AS number. Fields the
// reply does not carry are left zero.
type Record struct {
	Query string `json:"query"` // the query as given to Lookup
	Kind  Kind   `json:"kind"`
	// Object is what was asked of the server: the IP address or prefix, the registered
	// domain (www.example.co.uk asks for example.co.uk, in A-labels) or the AS number.
	Object string `json:"object"`

	Handle      string   `json:"handle,omitempty"`       // the registry's identifier of the object
	Name        string   `json:"name,omitempty"`         // domain name (lower case), network name or AS name
	Registrar   string   `json:"registrar,omitempty"`    // domains: the sponsoring registrar
	RegistrarID string   `json:"registrar_id,omitempty"` // domains: the registrar's IANA ID
	Registrant  string   `json:"registrant,omitempty"`   // vCard fn of the registrant entity
	Org         string   `json:"org,omitempty"`          // vCard org of the registrant, or its fn when it is an organisation
	Country     string   `json:"country,omitempty"`      // the object's country, else the registrant's
	Status      []string `json:"status,omitempty"`       // RDAP status values
	NameServers []string `json:"name_servers,omitempty"` // domains: lower case, no trailing dot
	AbuseEmail  string   `json:"abuse_email,omitempty"`  // e-mail of the first entity with role abuse

	// ASN and ASName: for AS queries the queried AS and its RDAP name; for IP queries the
	// announcing AS according to Team Cymru.
	ASN    uint32 `json:"asn,omitempty"`
	ASName string `json:"as_name,omitempty"`

	// IP networks: the registered range and the prefixes that exactly cover it.
	NetworkStart netip.Addr     `json:"network_start,omitzero"`
	NetworkEnd   netip.Addr     `json:"network_end,omitzero"`
	CIDRs        []netip.Prefix `json:"cidrs,omitempty"`
	// AS queries: the registered block of AS numbers holding the queried one.
	ASNStart uint32 `json:"asn_start,omitempty"`
	ASNEnd   uint32 `json:"asn_end,omitempty"`

	// Dates from the object's own RDAP events: "registration", "last changed" and
	// "expiration". "last update of RDAP database" is not Updated.
	Registered time.Time `json:"registered,omitzero"`
	Updated    time.Time `json:"updated,omitzero"`
	Expires    time.Time `json:"expires,omitzero"`

	Source string          `json:"source"`        // the RDAP URL that answered, after redirects
	Raw    json.RawMessage `json:"raw,omitempty"` // that reply as received
	// RegistrarSource and RegistrarRaw are the registrar's reply when Lookup followed a
	// domain registry's related link; it fills only fields the registry left empty.
	RegistrarSource string          `json:"registrar_source,omitempty"`
	RegistrarRaw    json.RawMessage `json:"registrar_raw,omitempty"`
	// Cymru is Team Cymru's answer for an IP query, nil when not asked or not answered.
	Cymru *ASNInfo `json:"cymru,omitempty"`
	// Warnings are problems that did not stop the lookup: a date that would not parse, a
	// registrar or Cymru query that failed.
	Warnings []string `json:"warnings,omitempty"`
}

// query is a parsed Lookup argument.
type query struct {
	kind   Kind
	addr   netip.Addr   // KindIP
	prefix netip.Prefix // KindIP, when a prefix was given
	domain string       // KindDomain, registered domain in A-labels
	asn    uint32       // KindASN
}

// object is the RDAP path segment(s) after the object type.
func (q query) object() string {
	switch q.kind {
	case KindIP:
		if q.prefix.IsValid() {
			return q.prefix.String()
		}
		return q.addr.String()
	case KindDomain:
		return q.domain
	default:
		return strconv.FormatUint(uint64(q.asn), 10)
	}
}

// path is the RDAP request path relative to a server's base URL (RFC 9082).
func (q query) path() string {
	switch q.kind {
	case KindIP:
		return "ip/" + q.object()
	case KindDomain:
		return "domain/" + q.object()
	default:
		return "autnum/" + q.object()
	}
}

// ParseQuery reports what Lookup would ask for: the kind of query and the RDAP object
// (IP address or prefix, registered domain in A-labels, or AS number as decimal). It
// accepts IPv4 and IPv6 addresses and prefixes, AS numbers as "AS15169" or "15169", and
// domain names (IDNs are converted to A-labels, a subdomain is reduced to its registered
// domain under the ICANN section of the public suffix list).
func ParseQuery(s string) (Kind, string, error) {
	q, err := parseQuery(s)
	if err != nil {
		return "", "", err
	}
	return q.kind, q.object(), nil
}

func parseQuery(s string) (query, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return query{}, fmt.Errorf("%w: empty query", ErrBadQuery)
	}
	if a, err := netip.ParseAddr(s); err == nil {
		return query{kind: KindIP, addr: a.WithZone("").Unmap()}, nil
	}
	if p, err := netip.ParsePrefix(s); err == nil {
		a := p.Addr().Unmap()
		bits := p.Bits()
		if p.Addr().Is4In6() {
			bits -= 96
			if bits < 0 {
				return query{}, fmt.Errorf("%w: %q: prefix too short for an IPv4-mapped address", ErrBadQuery, s)
			}
		}
		p = netip.PrefixFrom(a, bits).Masked()
		return query{kind: KindIP, addr: p.Addr(), prefix: p}, nil
	}
	digits := s
	if len(s) > 2 && strings.EqualFold(s[:2], "as") {
		digits = s[2:]
	}
	if digits != "" && strings.Trim(digits, "0123456789") == "" {
		n, err := strconv.ParseUint(digits, 10, 32)
		if err != nil {
			return query{}, fmt.Errorf("%w: %q: AS number out of range", ErrBadQuery, s)
		}
		return query{kind: KindASN, asn: uint32(n)}, nil
	}
	d, err := registeredDomain(s)
	if err != nil {
		return query{}, fmt.Errorf("%w: %q: %v", ErrBadQuery, s, err)
	}
	return query{kind: KindDomain, domain: d}, nil
}

// registeredDomain converts s to lower-case A-labels and reduces it to the label below its
// ICANN public suffix (private suffixes such as blogspot.com are not registries).
func registeredDomain(s string) (string, error) {
	s = strings.TrimSuffix(s, ".")
	if !utf8.ValidString(s) {
		return "", errors.New("not valid UTF-8")
	}
	a, err := idna.Lookup.ToASCII(s)
	if err != nil {
		return "", err
	}
	labels := strings.Split(a, ".")
	if len(labels) < 2 {
		return "", errors.New("a domain needs at least two labels")
	}
	for _, l := range labels {
		if l == "" || len(l) > 63 {
			return "", errors.New("empty or over-long label")
		}
		if strings.HasPrefix(l, "-") || strings.HasSuffix(l, "-") || strings.Trim(l, "abcdefghijklmnopqrstuvwxyz0123456789-") != "" {
			return "", errors.New("a domain label holds only letters, digits and inner hyphens")
		}
	}
	if strings.Trim(labels[len(labels)-1], "0123456789") == "" {
		return "", errors.New("a top-level domain is not all digits")
	}
	if len(a) > 253 {
		return "", errors.New("domain longer than 253 bytes")
	}
	for i := 1; i < len(labels); i++ {
		suffix := strings.Join(labels[i:], ".")
		ps, icann := publicsuffix.PublicSuffix(suffix)
		if ps == suffix && icann {
			return strings.Join(labels[i-1:], "."), nil
		}
	}
	// No ICANN suffix known (a TLD newer than the compiled-in list): the last two labels.
	return strings.Join(labels[len(labels)-2:], "."), nil
}

// Lookup asks the RDAP server that the IANA bootstrap names for query (an IP address or
// prefix, a domain, or an AS number; see ParseQuery) and converts its reply. For an IP
// address (or a prefix's first address) it also asks Team Cymru for the announcing AS
// unless DisableCymru is set; a failure there becomes a warning on the record, as does a
// failed request for a domain registrar's record.
//
// Errors wrap ErrBadQuery, ErrNoServer, ErrNotFound or ErrRateLimited (both as a
// *StatusError, which also carries other HTTP statuses and Retry-After),
// ErrTooManyRedirects, ErrBadReply, or the context's error. Lookup does not retry: retry
// policy belongs to the caller.
func (c *Client) Lookup(ctx context.Context, query string) (*Record, error) {
	q, err := parseQuery(query)
	if err != nil {
		return nil, err
	}
	ctx, cancel := c.withTimeout(ctx)
	defer cancel()

	base, err := c.boot.server(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("whois %s: %w", query, err)
	}
	body, source, err := c.get(ctx, joinURL(base, q.path()))
	if err != nil {
		return nil, fmt.Errorf("whois %s: %w", query, err)
	}
	rec, err := recordFromJSON(q.kind, body)
	if err != nil {
		return nil, fmt.Errorf("whois %s: %s: %w", query, source, err)
	}
	rec.Query = query
	rec.Object = q.object()
	rec.Source = source
	if q.kind == KindASN {
		rec.ASN = q.asn
	}

	if q.kind == KindDomain && !c.opts.SkipRelated && (rec.Registrant == "" && rec.Org == "" || rec.AbuseEmail == "") {
		c.followRelated(ctx, rec)
	}
	if q.kind == KindIP && !c.opts.DisableCymru {
		m, err := c.CymruASN(ctx, []netip.Addr{q.addr})
		if info, ok := m[q.addr]; ok {
			rec.Cymru = &info
			rec.ASN, rec.ASName = info.ASN, info.Name
		}
		if err != nil {
			rec.Warnings = append(rec.Warnings, err.Error())
		}
	}
	return rec, nil
}

// followRelated fetches the registrar's record that a domain registry links to and fills the
// fields the registry left empty. Dates stay the registry's unless it had none.
func (c *Client) followRelated(ctx context.Context, rec *Record) {
	href := relatedLink(rec.Raw, rec.Source)
	if href == "" {
		return
	}
	body, source, err := c.get(ctx, href)
	if err != nil {
		rec.Warnings = append(rec.Warnings, "registrar rdap: "+err.Error())
		return
	}
	reg, err := recordFromJSON(KindDomain, body)
	if err != nil {
		rec.Warnings = append(rec.Warnings, fmt.Sprintf("registrar rdap: %s: %v", source, err))
		return
	}
	rec.RegistrarSource, rec.RegistrarRaw = source, reg.Raw
	fill := func(dst *string, src string) {
		if *dst == "" {
			*dst = src
		}
	}
	fill(&rec.Registrar, reg.Registrar)
	fill(&rec.RegistrarID, reg.RegistrarID)
	fill(&rec.Registrant, reg.Registrant)
	fill(&rec.Org, reg.Org)
	fill(&rec.Country, reg.Country)
	fill(&rec.AbuseEmail, reg.AbuseEmail)
	if len(rec.NameServers) == 0 {
		rec.NameServers = reg.NameServers
	}
	fillTime := func(dst *time.Time, src time.Time) {
		if dst.IsZero() {
			*dst = src
		}
	}
	fillTime(&rec.Registered, reg.Registered)
	fillTime(&rec.Updated, reg.Updated)
	fillTime(&rec.Expires, reg.Expires)
	for _, w := range reg.Warnings {
		rec.Warnings = append(rec.Warnings, "registrar rdap: "+w)
	}
}

func (c *Client) withTimeout(ctx context.Context) (context.Context, context.CancelFunc) {
	if c.opts.Timeout > 0 {
		return context.WithTimeout(ctx, c.opts.Timeout)
	}
	return context.WithCancel(ctx)
}

// get fetches an RDAP URL and returns the body and the URL that finally answered.
func (c *Client) get(ctx context.Context, target string) ([]byte, string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, target, nil)
	if err != nil {
		return nil, target, fmt.Errorf("rdap request: %w", err)
	}
	req.Header.Set("Accept", "application/rdap+json, application/json")
	req.Header.Set("User-Agent", c.agent)
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, target, fmt.Errorf("rdap: %w", err)
	}
	defer resp.Body.Close()
	source := resp.Request.URL.String()
	body, err := readLimited(resp.Body, c.opts.MaxReplyBytes)
	if err != nil {
		return nil, source, fmt.Errorf("rdap %s: reading reply: %w", source, err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, source, c.statusError(resp, source, body)
	}
	return body, source, nil
}

func (c *Client) statusError(resp *http.Response, source string, body []byte) *StatusError {
	e := &StatusError{URL: source, StatusCode: resp.StatusCode, RetryAfter: retryAfter(resp.Header.Get("Retry-After"), c.now)}
	var reply struct {
		Title       string   `json:"title"`
		Description []string `json:"description"`
	}
	if json.Unmarshal(body, &reply) == nil {
		e.Title = reply.Title
		if e.Title == "" && len(reply.Description) > 0 {
			e.Title = reply.Description[0]
		}
		e.Title = clip(e.Title, 200)
	}
	return e
}

// retryAfter reads a Retry-After header: delay-seconds or an HTTP date.
func retryAfter(v string, now func() time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if n, err := strconv.Atoi(v); err == nil && n >= 0 {
		return time.Duration(n) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		if d := t.Sub(now()); d > 0 {
			return d
		}
	}
	return 0
}

func readLimited(r io.Reader, limit int64) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > limit {
		return nil, fmt.Errorf("reply larger than %d bytes", limit)
	}
	return b, nil
}

// joinURL appends an RDAP path to a base URL, which per RFC 9224 ends in "/" (tolerated when
// not). The base comes from the bootstrap and has been checked to be an absolute http(s) URL.
func joinURL(base, path string) string {
	if !strings.HasSuffix(base, "/") {
		base += "/"
	}
	return base + path
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
