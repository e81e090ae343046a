// Package splunk is hunch's Splunk client: a siem.Source that runs SPL through the management
// port's REST API (the streaming export endpoint by default, or a search job paged through its
// results for very large answers), and a siem.Uploader that sends records to the HTTP Event
// Collector in gzip-compressed batches, with indexer acknowledgements and retries.
//
// Nothing is capped behind the caller's back: a search returns every result unless
// siem.Query.Limit says otherwise. Warnings Splunk attaches to a search (WARN messages) go to the
// WithWarnings callback; ERROR and FATAL messages end the stream with an *Error.
// Authentication is a session key from username and password (POST /services/auth/login,
// then "Authorization: Splunk <key>"), an authentication token ("Bearer"), or HTTP Basic.
// TLS certificates are verified unless insecure_skip_verify says otherwise; ca_file adds CAs.
package splunk

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/hunchsec/hunch/enrich/providers"
	"github.com/hunchsec/hunch/record"
	"github.com/hunchsec/hunch/siem"
)

// Modes of running a search.
const (
	ModeExport = "export" // POST search/v2/jobs/export: results stream as Splunk finds them
	ModeJobs   = "jobs"   // create a search job, poll it, page its results with offset/count
)

// Defaults of Config's limits.
const (
	DefaultPageSize     = 10000
	DefaultPollInterval = 500 * time.Millisecond
	DefaultTimeout      = 60 * time.Second
	DefaultMaxLineBytes = 64 << 20
	DefaultMaxPageBytes = 256 << 20
)

// Config is a Splunk connection as the configuration file writes it.
type Config struct {
	URL string `yaml:"url"` // management port, e.g. https://splunk.example.org:8089

	Username string           `yaml:"username"` // with password: a session key, or Basic when basic is true
	Password providers.Secret `yaml:"password"`
	Basic    bool             `yaml:"basic"` // send username and password as HTTP Basic instead of logging in
	Token    providers.Secret `yaml:"token"` // a Splunk authentication token, sent as "Bearer"
	// SessionKey is a session key obtained elsewhere (splunkd hands one to search commands),
	// sent as "Splunk <key>".
	SessionKey providers.Secret `yaml:"session_key"`

	CAFile             string `yaml:"ca_file"`              // PEM CAs trusted for the server's certificate, beside the system's
	InsecureSkipVerify bool   `yaml:"insecure_skip_verify"` // turn certificate verification off (never by default)

	Mode         string        `yaml:"mode"`           // export (default) or jobs
	App          string        `yaml:"app"`            // run searches in this app's namespace (servicesNS/<owner>/<app>); default none
	Owner        string        `yaml:"owner"`          // owner of the namespace; default nobody (with app)
	PageSize     int           `yaml:"page_size"`      // jobs mode: results per page; default 10000
	PollInterval time.Duration `yaml:"poll_interval"`  // jobs mode: between status polls; default 500ms
	Timeout      time.Duration `yaml:"timeout"`        // per request without a streamed body; the export stream has none; default 60s
	MaxLineBytes int           `yaml:"max_line_bytes"` // longest result line of the export stream; default 64 MiB
	MaxPageBytes int           `yaml:"max_page_bytes"` // largest reply read in one piece (a page, a status); default 256 MiB

	HEC HECConfig `yaml:"hec"` // where NewUploader sends records
}

// Errors a caller may need to tell apart; every *Error matches one of them with errors.Is.
var (
	ErrAuth   = errors.New("splunk: authentication failed")
	ErrSearch = errors.New("splunk: search failed")
	ErrServer = errors.New("splunk: server error")
)

// Error is a refusal from Splunk: the HTTP status and the messages of its reply.
type Error struct {
	Op       string // what hunch asked: login, search, job status, results, hec
	Status   int    // HTTP status; 0 for an ERROR/FATAL message in a 200 reply
	Messages []Message
	Code     int // HEC's numeric code, -1 when there is none

	invalidEvent int  // HEC code 6: the 0-based index in the request of the invalid event
	hasInvalid   bool // invalidEvent is set
}

func (e *Error) Error() string {
	var texts []string
	for _, m := range e.Messages {
		texts = append(texts, m.Type+": "+m.Text)
	}
	msg := strings.Join(texts, "; ")
	if msg == "" {
		msg = "no message"
	}
	if e.Status == 0 {
		return "splunk " + e.Op + ": " + msg
	}
	return fmt.Sprintf("splunk %s: HTTP %d: %s", e.Op, e.Status, msg)
}

// Is matches ErrAuth for 401/403, ErrServer for 5xx and ErrSearch otherwise.
func (e *Error) Is(target error) bool {
	switch target {
	case ErrAuth:
		return e.Status == http.StatusUnauthorized || e.Status == http.StatusForbidden
	case ErrServer:
		return e.Status >= 500
	case ErrSearch:
		return e.Status != http.StatusUnauthorized && e.Status != http.StatusForbidden && e.Status < 500
	}
	return false
}

// Message is one entry of a reply's messages list.
type Message struct {
	Type string // INFO, WARN, ERROR, FATAL, DEBUG
	Text string
}

// Option changes how New and NewUploader build a client.
type Option func(*options)

type options struct {
	hc    *http.Client
	warn  func(string)
	sleep func(context.Context, time.Duration) error
	now   func() time.Time
}

// WithHTTPClient sends every request through hc (tests; custom proxies).
func WithHTTPClient(hc *http.Client) Option { return func(o *options) { o.hc = hc } }

// WithWarnings receives the WARN messages of searches and the retries of uploads.
func WithWarnings(fn func(string)) Option { return func(o *options) { o.warn = fn } }

// WithSleep replaces the waits between polls and retries (tests).
func WithSleep(fn func(context.Context, time.Duration) error) Option {
	return func(o *options) { o.sleep = fn }
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

func buildOptions(opts []Option) options {
	o := options{warn: func(string) {}, sleep: sleepCtx, now: time.Now}
	for _, fn := range opts {
		fn(&o)
	}
	return o
}

// httpClient returns hc, or a client verifying TLS with the system's CAs plus caFile's.
func httpClient(hc *http.Client, caFile string, insecure bool) (*http.Client, error) {
	if hc != nil {
		return hc, nil
	}
	return siem.HTTPClient(caFile, insecure, 0)
}

// Client runs searches on one Splunk search head.
type Client struct {
	cfg  Config
	base *url.URL
	hc   *http.Client
	o    options

	username, password, token string

	mu         sync.Mutex
	sessionKey string
}

var _ siem.Source = (*Client)(nil)

// New checks cfg, resolves its secrets with getenv and returns a client. Nothing is sent yet.
func New(cfg Config, getenv func(string) string, opts ...Option) (*Client, error) {
	if cfg.URL == "" {
		return nil, errors.New("splunk: url is required (the management port, e.g. https://splunk.example.org:8089)")
	}
	base, err := siem.BaseURL(cfg.URL)
	if err != nil {
		return nil, fmt.Errorf("splunk: %w", err)
	}
	switch cfg.Mode {
	case "":
		cfg.Mode = ModeExport
	case ModeExport, ModeJobs:
	default:
		return nil, fmt.Errorf("splunk: mode %q: want export or jobs", cfg.Mode)
	}
	if cfg.PageSize == 0 {
		cfg.PageSize = DefaultPageSize
	}
	if cfg.PollInterval == 0 {
		cfg.PollInterval = DefaultPollInterval
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = DefaultTimeout
	}
	if cfg.MaxLineBytes == 0 {
		cfg.MaxLineBytes = DefaultMaxLineBytes
	}
	if cfg.MaxPageBytes == 0 {
		cfg.MaxPageBytes = DefaultMaxPageBytes
	}
	if cfg.PageSize < 0 || cfg.PollInterval < 0 || cfg.Timeout < 0 || cfg.MaxLineBytes < 0 || cfg.MaxPageBytes < 0 {
		return nil, errors.New("splunk: page_size, poll_interval, timeout, max_line_bytes and max_page_bytes must not be negative")
	}
	if cfg.Owner != "" && cfg.App == "" {
		return nil, errors.New("splunk: owner needs app")
	}
	c := &Client{cfg: cfg, base: base, o: buildOptions(opts)}
	if c.hc, err = httpClient(c.o.hc, cfg.CAFile, cfg.InsecureSkipVerify); err != nil {
		return nil, fmt.Errorf("splunk: %w", err)
	}
	switch {
	case cfg.SessionKey.IsSet():
		if cfg.Username != "" || cfg.Token.IsSet() {
			return nil, errors.New("splunk: give one of session_key, token, or username and password")
		}
		if c.sessionKey, err = cfg.SessionKey.Resolve(getenv); err != nil {
			return nil, fmt.Errorf("splunk: session_key: %w", err)
		}
	case cfg.Token.IsSet():
		if cfg.Username != "" || cfg.Password.IsSet() {
			return nil, errors.New("splunk: give a token or a username and password, not both")
		}
		if c.token, err = cfg.Token.Resolve(getenv); err != nil {
			return nil, fmt.Errorf("splunk: token: %w", err)
		}
	case cfg.Username != "":
		if c.password, err = cfg.Password.Resolve(getenv); err != nil {
			return nil, fmt.Errorf("splunk: password: %w", err)
		}
		c.username = cfg.Username
	default:
		return nil, errors.New("splunk: no credentials: set token, or username and password (or session_key)")
	}
	if cfg.Basic && c.username == "" {
		return nil, errors.New("splunk: basic needs username and password")
	}
	return c, nil
}

// servicePath is the REST path of an endpoint under services/ or servicesNS/<owner>/<app>/.
func (c *Client) servicePath(endpoint string) string {
	if c.cfg.App != "" {
		owner := c.cfg.Owner
		if owner == "" {
			owner = "nobody"
		}
		return "/servicesNS/" + url.PathEscape(owner) + "/" + url.PathEscape(c.cfg.App) + "/" + endpoint
	}
	return "/services/" + endpoint
}

// authorize sets the request's Authorization header, logging in first when a session is needed.
func (c *Client) authorize(ctx context.Context, req *http.Request) error {
	switch {
	case c.token != "":
		req.Header.Set("Authorization", "Bearer "+c.token)
	case c.cfg.Basic:
		req.SetBasicAuth(c.username, c.password)
	default:
		key, err := c.session(ctx)
		if err != nil {
			return err
		}
		req.Header.Set("Authorization", "Splunk "+key)
	}
	return nil
}

// session returns the session key, logging in once (a configured key is used as it is).
func (c *Client) session(ctx context.Context) (string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.sessionKey != "" {
		return c.sessionKey, nil
	}
	form := url.Values{"username": {c.username}, "password": {c.password}, "output_mode": {"json"}}
	req, err := c.newRequest(ctx, http.MethodPost, "/services/auth/login", form)
	if err != nil {
		return "", err
	}
	data, err := c.do(req, "login")
	if err != nil {
		return "", err
	}
	rec, err := parseOne(data)
	if err != nil {
		return "", fmt.Errorf("splunk login: %w", err)
	}
	v, _ := rec.Get("sessionKey")
	key, _ := v.Str()
	if key == "" {
		return "", errors.New("splunk login: the reply has no sessionKey")
	}
	c.sessionKey = key
	return key, nil
}

func (c *Client) newRequest(ctx context.Context, method, path string, form url.Values) (*http.Request, error) {
	u := *c.base
	u.Path = strings.TrimRight(u.Path, "/") + path
	var body io.Reader
	if form != nil && method != http.MethodGet {
		body = strings.NewReader(form.Encode())
	} else if form != nil {
		u.RawQuery = form.Encode()
	}
	req, err := http.NewRequestWithContext(ctx, method, u.String(), body)
	if err != nil {
		return nil, fmt.Errorf("splunk: %w", err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	return req, nil
}

// call sends an authorised request with the client's timeout and returns its whole body.
func (c *Client) call(ctx context.Context, method, path string, form url.Values, op string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, c.cfg.Timeout)
	defer cancel()
	req, err := c.newRequest(ctx, method, path, form)
	if err != nil {
		return nil, err
	}
	if err := c.authorize(ctx, req); err != nil {
		return nil, err
	}
	return c.do(req, op)
}

// do sends req and returns the body of a 2xx reply, or an *Error with the reply's messages.
func (c *Client) do(req *http.Request, op string) ([]byte, error) {
	resp, err := c.hc.Do(req)
	if err != nil {
		return nil, fmt.Errorf("splunk %s: %w", op, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, int64(c.cfg.MaxPageBytes)+1))
	if err != nil {
		return nil, fmt.Errorf("splunk %s: %w", op, err)
	}
	if len(data) > c.cfg.MaxPageBytes {
		return nil, fmt.Errorf("splunk %s: the reply is larger than max_page_bytes (%d)", op, c.cfg.MaxPageBytes)
	}
	if resp.StatusCode/100 != 2 {
		return nil, replyError(op, resp.StatusCode, data)
	}
	return data, nil
}

// replyError builds the *Error of a refused request from its body's messages.
func replyError(op string, status int, data []byte) error {
	e := &Error{Op: op, Status: status, Code: -1}
	if rec, err := parseOne(data); err == nil {
		e.Messages = messagesOf(rec)
	}
	if len(e.Messages) == 0 {
		text := strings.TrimSpace(string(data))
		if len(text) > 200 {
			text = text[:200] + "…"
		}
		if text == "" {
			text = http.StatusText(status)
		}
		e.Messages = []Message{{Type: "ERROR", Text: text}}
	}
	return e
}

// parseOne parses a JSON object reply into a record, keeping field order.
func parseOne(data []byte) (record.Record, error) {
	for rec, err := range record.Read(context.Background(), strings.NewReader(string(data)), "splunk", record.ReadOptions{Format: record.FormatJSON, MaxLineBytes: len(data) + 1}) {
		if err != nil {
			return record.Record{}, err
		}
		return rec, nil
	}
	return record.Record{}, errors.New("empty reply")
}

// messagesOf reads a reply's "messages" list.
func messagesOf(rec record.Record) []Message {
	v, ok := rec.Get("messages")
	if !ok {
		return nil
	}
	var out []Message
	for _, m := range v.List() {
		o, ok := m.Object()
		if !ok {
			continue
		}
		var msg Message
		if t, ok := o.Get("type"); ok {
			msg.Type = t.Text()
		}
		if t, ok := o.Get("text"); ok {
			msg.Text = t.Text()
		}
		out = append(out, msg)
	}
	return out
}

// timeArg writes a range bound as Splunk's epoch-seconds time argument.
func timeArg(t time.Time) string {
	return strconv.FormatFloat(float64(t.UnixNano())/1e9, 'f', -1, 64)
}

// searchText makes q's SPL a complete search: a query not starting with a command gets "search ".
func searchText(spl string) string {
	s := strings.TrimSpace(spl)
	if strings.HasPrefix(s, "|") || strings.HasPrefix(s, "search ") || strings.HasPrefix(s, "search\t") {
		return s
	}
	return "search " + s
}

// searchForm is the form of a search request.
func searchForm(q siem.Query) url.Values {
	form := url.Values{"search": {searchText(q.Text)}, "output_mode": {"json"}}
	if !q.Range.From.IsZero() {
		form.Set("earliest_time", timeArg(q.Range.From))
	}
	if !q.Range.To.IsZero() {
		form.Set("latest_time", timeArg(q.Range.To))
	}
	return form
}
