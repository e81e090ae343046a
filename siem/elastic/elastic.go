// Package elastic is hunch's Elasticsearch and OpenSearch client: a siem.Source that runs query
// DSL and query_string searches paged with a point in time and search_after, and ES|QL queries,
// and a siem.Uploader that writes records through the _bulk API. It speaks the REST API over
// net/http directly; the surface it needs is small and the same on both products, apart from
// the point-in-time endpoints, which the Flavor setting selects.
//
// A Config as written in YAML:
//
//	url: https://es.example.org:9200
//	flavor: elasticsearch        # or opensearch
//	index: logs-*
//	api_key: env:HUNCH_ES_API_KEY # or username: and password:
//	ca_file: /etc/hunch/es-ca.pem
//	page_size: 1000
//	upload:
//	  index: logs-hunch-default
//	  pipeline: hunch-enrich
//	  batch_records: 1000
//	  batch_bytes: 5242880
//
// Queries are siem.Query values: Language DSL (a JSON query object or a whole search body),
// siem.Lucene (query_string syntax) or siem.ESQL.
package elastic

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/hunchsec/hunch/enrich/providers"
	"github.com/hunchsec/hunch/siem"
)

// Flavor names the product behind the URL; it decides the point-in-time endpoints.
type Flavor string

// The supported products.
const (
	Elasticsearch Flavor = "elasticsearch" // POST /<index>/_pit, body {"id":…}, DELETE /_pit
	OpenSearch    Flavor = "opensearch"    // POST /<index>/_search/point_in_time, {"pit_id":…}, DELETE /_search/point_in_time
)

// DSL is the query language of a JSON query DSL search: Query.Text is either one query object
// ({"term":{"host.name":"web01"}}) or a whole search body ({"query":{…},"sort":[…]}).
const DSL = siem.DSL

// Defaults for the Config settings left zero.
const (
	DefaultTimeField        = "@timestamp"
	DefaultPageSize         = 1000
	MaxPageSize             = 10000 // index.max_result_window's default: a larger page is refused by the server
	DefaultKeepAlive        = "1m"
	DefaultTimeout          = 60 * time.Second
	DefaultMaxResponseBytes = 256 << 20
	DefaultBatchRecords     = 1000
	DefaultBatchBytes       = 5 << 20
	DefaultMaxRetries       = 5
	DefaultRetryBackoff     = 500 * time.Millisecond
	maxRetryBackoff         = 30 * time.Second
)

// Config says how to reach and use one cluster. Zero values take the defaults above.
type Config struct {
	URL    string `yaml:"url"`    // base URL, e.g. https://es.example.org:9200
	Flavor Flavor `yaml:"flavor"` // elasticsearch (default) or opensearch
	Index  string `yaml:"index"`  // index pattern searched by DSL and query_string queries, e.g. logs-*

	// APIKey is an Elasticsearch API key: the encoded form Kibana shows (base64 of id:key) or
	// id:key itself, which is encoded here. Sent as "Authorization: ApiKey …".
	APIKey   providers.Secret `yaml:"api_key"`
	Username string           `yaml:"username"` // basic authentication, with Password
	Password providers.Secret `yaml:"password"`

	CAFile             string `yaml:"ca_file"`              // PEM file of the CAs trusted for the server's certificate (instead of the system's)
	InsecureSkipVerify bool   `yaml:"insecure_skip_verify"` // turn off certificate verification (never by default)

	Timeout          time.Duration `yaml:"timeout"`            // per HTTP request; default 60s
	TimeField        string        `yaml:"time_field"`         // field the time range filters and that becomes a record time; default @timestamp
	PageSize         int           `yaml:"page_size"`          // hits per search request, 1..10000; default 1000
	KeepAlive        string        `yaml:"keep_alive"`         // point-in-time keep-alive between pages; default 1m
	Tiebreaker       string        `yaml:"tiebreaker"`         // last sort key for search_after; default _shard_doc (Elasticsearch ≥ 7.12, OpenSearch ≥ 3.3; older OpenSearch: _id)
	MaxResponseBytes int64         `yaml:"max_response_bytes"` // largest reply body read; default 256 MiB

	Upload UploadConfig `yaml:"upload"`
}

// UploadConfig controls the _bulk uploader.
type UploadConfig struct {
	Index        string        `yaml:"index"`         // target index, alias or data stream (required to upload)
	Action       string        `yaml:"action"`        // create (default; the only action data streams accept) or index
	IDField      string        `yaml:"id_field"`      // record field used as the document _id; none by default (the server assigns ids)
	Pipeline     string        `yaml:"pipeline"`      // ingest pipeline run on every document
	Refresh      string        `yaml:"refresh"`       // refresh parameter: "", true, false or wait_for
	BatchRecords int           `yaml:"batch_records"` // documents per request; default 1000
	BatchBytes   int           `yaml:"batch_bytes"`   // NDJSON bytes per request; default 5 MiB (a larger single document goes alone)
	MaxRetries   int           `yaml:"max_retries"`   // retries of a request or of 429 items; default 5, -1 for none
	RetryBackoff time.Duration `yaml:"retry_backoff"` // first retry delay, doubled each time up to 30s; default 500ms
}

// Errors a caller may need to tell apart. Every *Error with status 401 matches ErrUnauthorized,
// 403 ErrForbidden, and both ErrAuth.
var (
	ErrAuth         = errors.New("elastic: authentication or authorisation failed")
	ErrUnauthorized = errors.New("elastic: unauthorized (401)")
	ErrForbidden    = errors.New("elastic: forbidden (403)")
)

// Error is an error reply from the server: its HTTP status and the error object's type and
// reason (for example 400 parsing_exception).
type Error struct {
	Status int
	Type   string
	Reason string
	Op     string // what was being done: "search", "open point in time", "bulk", …
}

func (e *Error) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "elastic %s: http %d", e.Op, e.Status)
	if e.Type != "" {
		b.WriteString(": " + e.Type)
	}
	if e.Reason != "" {
		b.WriteString(": " + e.Reason)
	}
	return b.String()
}

// Is makes 401 and 403 replies match ErrAuth, ErrUnauthorized and ErrForbidden.
func (e *Error) Is(target error) bool {
	switch target {
	case ErrAuth:
		return e.Status == http.StatusUnauthorized || e.Status == http.StatusForbidden
	case ErrUnauthorized:
		return e.Status == http.StatusUnauthorized
	case ErrForbidden:
		return e.Status == http.StatusForbidden
	}
	return false
}

// Option changes a Client.
type Option func(*Client)

// WithHTTPClient makes the client send its requests through hc (tests, proxies). TLS settings
// of the Config are then hc's business.
func WithHTTPClient(hc *http.Client) Option { return func(c *Client) { c.hc = hc } }

// WithWarnings sends non-fatal problems (shard failures, timed-out or partial searches, retries)
// to fn instead of slog's default logger.
func WithWarnings(fn func(msg string)) Option { return func(c *Client) { c.warn = fn } }

// WithSleep replaces the wait between retries (tests).
func WithSleep(fn func(ctx context.Context, d time.Duration) error) Option {
	return func(c *Client) { c.sleep = fn }
}

// Client talks to one cluster. It is safe for concurrent use.
type Client struct {
	cfg   Config
	base  *url.URL
	auth  string
	hc    *http.Client
	warn  func(string)
	sleep func(context.Context, time.Duration) error
}

// New checks cfg, fills in the defaults, resolves its secrets with getenv (os.Getenv when nil)
// and returns a client.
func New(cfg Config, getenv func(string) string, opts ...Option) (*Client, error) {
	if cfg.URL == "" {
		return nil, errors.New("elastic: url is required")
	}
	base, err := siem.BaseURL(cfg.URL)
	if err != nil {
		return nil, fmt.Errorf("elastic: %w", err)
	}
	switch cfg.Flavor {
	case "":
		cfg.Flavor = Elasticsearch
	case Elasticsearch, OpenSearch:
	default:
		return nil, fmt.Errorf("elastic: unknown flavor %q: want elasticsearch or opensearch", cfg.Flavor)
	}
	if cfg.TimeField == "" {
		cfg.TimeField = DefaultTimeField
	}
	if cfg.PageSize == 0 {
		cfg.PageSize = DefaultPageSize
	}
	if cfg.PageSize < 1 || cfg.PageSize > MaxPageSize {
		return nil, fmt.Errorf("elastic: page_size %d is outside 1..%d", cfg.PageSize, MaxPageSize)
	}
	if cfg.KeepAlive == "" {
		cfg.KeepAlive = DefaultKeepAlive
	}
	if cfg.Tiebreaker == "" {
		cfg.Tiebreaker = "_shard_doc"
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = DefaultTimeout
	}
	if cfg.MaxResponseBytes == 0 {
		cfg.MaxResponseBytes = DefaultMaxResponseBytes
	}
	if cfg.Timeout < 0 || cfg.MaxResponseBytes < 0 {
		return nil, errors.New("elastic: timeout and max_response_bytes must not be negative")
	}
	if err := cfg.Upload.defaults(); err != nil {
		return nil, err
	}
	if getenv == nil {
		getenv = os.Getenv
	}
	c := &Client{cfg: cfg, base: base, sleep: sleepCtx}
	if c.auth, err = authHeader(cfg, getenv); err != nil {
		return nil, err
	}
	for _, o := range opts {
		o(c)
	}
	if c.warn == nil {
		c.warn = func(msg string) { slog.Warn(msg, "source", "elastic") }
	}
	if c.hc == nil {
		if c.hc, err = siem.HTTPClient(cfg.CAFile, cfg.InsecureSkipVerify, cfg.Timeout); err != nil {
			return nil, fmt.Errorf("elastic: %w", err)
		}
	}
	return c, nil
}

func (u *UploadConfig) defaults() error {
	switch u.Action {
	case "":
		u.Action = "create"
	case "create", "index":
	default:
		return fmt.Errorf("elastic: upload action %q: want create or index", u.Action)
	}
	switch u.Refresh {
	case "", "true", "false", "wait_for":
	default:
		return fmt.Errorf("elastic: upload refresh %q: want true, false or wait_for", u.Refresh)
	}
	if u.BatchRecords == 0 {
		u.BatchRecords = DefaultBatchRecords
	}
	if u.BatchBytes == 0 {
		u.BatchBytes = DefaultBatchBytes
	}
	if u.MaxRetries == 0 {
		u.MaxRetries = DefaultMaxRetries
	}
	if u.MaxRetries < 0 {
		u.MaxRetries = 0
	}
	if u.RetryBackoff == 0 {
		u.RetryBackoff = DefaultRetryBackoff
	}
	if u.BatchRecords < 0 || u.BatchBytes < 0 || u.RetryBackoff < 0 {
		return errors.New("elastic: upload batch_records, batch_bytes and retry_backoff must not be negative")
	}
	return nil
}

func authHeader(cfg Config, getenv func(string) string) (string, error) {
	if cfg.APIKey.IsSet() && (cfg.Username != "" || cfg.Password.IsSet()) {
		return "", errors.New("elastic: set either api_key or username/password, not both")
	}
	if cfg.APIKey.IsSet() {
		key, err := cfg.APIKey.Resolve(getenv)
		if err != nil {
			return "", fmt.Errorf("elastic: api_key: %w", err)
		}
		if strings.Contains(key, ":") { // id:key, not yet encoded
			key = base64.StdEncoding.EncodeToString([]byte(key))
		}
		return "ApiKey " + key, nil
	}
	if cfg.Username != "" {
		pw, err := cfg.Password.Resolve(getenv)
		if err != nil {
			return "", fmt.Errorf("elastic: password: %w", err)
		}
		return "Basic " + base64.StdEncoding.EncodeToString([]byte(cfg.Username+":"+pw)), nil
	}
	if cfg.Password.IsSet() {
		return "", errors.New("elastic: password without username")
	}
	return "", nil
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

// request is one call to the REST API.
type request struct {
	op     string
	method string
	path   string // joined to the base URL; its segments are escaped by net/url
	query  url.Values
	body   []byte
	ndjson bool
}

// reply is a complete response.
type reply struct {
	status int
	header http.Header
	body   []byte
}

// send makes one request and reads the whole reply (up to MaxResponseBytes). It returns an
// error only when no reply came or it could not be read; HTTP error statuses are the caller's.
func (c *Client) send(ctx context.Context, r request) (reply, error) {
	u := c.base.JoinPath(r.path)
	if len(r.query) > 0 {
		u.RawQuery = r.query.Encode()
	}
	var body io.Reader
	if r.body != nil {
		body = bytes.NewReader(r.body)
	}
	req, err := http.NewRequestWithContext(ctx, r.method, u.String(), body)
	if err != nil {
		return reply{}, fmt.Errorf("elastic %s: %w", r.op, err)
	}
	if r.body != nil {
		if r.ndjson {
			req.Header.Set("Content-Type", "application/x-ndjson")
		} else {
			req.Header.Set("Content-Type", "application/json")
		}
	}
	req.Header.Set("Accept", "application/json")
	if c.auth != "" {
		req.Header.Set("Authorization", c.auth)
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		if ctxErr := ctx.Err(); ctxErr != nil {
			return reply{}, ctxErr
		}
		return reply{}, fmt.Errorf("elastic %s: %w", r.op, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, c.cfg.MaxResponseBytes+1))
	if err != nil {
		if ctxErr := ctx.Err(); ctxErr != nil {
			return reply{}, ctxErr
		}
		return reply{}, fmt.Errorf("elastic %s: read reply: %w", r.op, err)
	}
	if int64(len(data)) > c.cfg.MaxResponseBytes {
		return reply{}, fmt.Errorf("elastic %s: reply exceeds max_response_bytes (%d); lower page_size or raise the limit", r.op, c.cfg.MaxResponseBytes)
	}
	return reply{status: resp.StatusCode, header: resp.Header, body: data}, nil
}

// call is send plus: a non-2xx status becomes an *Error.
func (c *Client) call(ctx context.Context, r request) ([]byte, error) {
	rep, err := c.send(ctx, r)
	if err != nil {
		return nil, err
	}
	if rep.status/100 != 2 {
		return nil, replyError(r.op, rep.status, rep.body)
	}
	return rep.body, nil
}

// replyError reads the server's error body: {"error":{"type":…,"reason":…},"status":…}, or
// {"error":"text"} as some security plugins send, or anything else as the reason.
func replyError(op string, status int, body []byte) *Error {
	e := &Error{Op: op, Status: status}
	var env struct {
		Error json.RawMessage `json:"error"`
	}
	if json.Unmarshal(body, &env) == nil && len(env.Error) > 0 {
		var obj errorObject
		if json.Unmarshal(env.Error, &obj) == nil && (obj.Type != "" || obj.Reason != "") {
			e.Type, e.Reason = obj.Type, obj.describe()
			return e
		}
		var s string
		if json.Unmarshal(env.Error, &s) == nil {
			e.Reason = s
			return e
		}
	}
	e.Reason = strings.TrimSpace(string(body))
	if len(e.Reason) > 512 {
		e.Reason = e.Reason[:512] + "…"
	}
	return e
}

// errorObject is Elasticsearch's error object, as in replies, bulk items and shard failures.
type errorObject struct {
	Type      string       `json:"type"`
	Reason    string       `json:"reason"`
	RootCause []rootCause  `json:"root_cause"`
	CausedBy  *errorObject `json:"caused_by"`
}

type rootCause struct {
	Type   string `json:"type"`
	Reason string `json:"reason"`
}

// describe is the reason with its first distinct cause, which often says more than the reason.
func (o errorObject) describe() string {
	r := o.Reason
	if o.CausedBy != nil && o.CausedBy.Reason != "" && o.CausedBy.Reason != r {
		r += " (caused by " + o.CausedBy.Type + ": " + o.CausedBy.Reason + ")"
	}
	return r
}
