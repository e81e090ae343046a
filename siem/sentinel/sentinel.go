// Package sentinel connects hunch to Microsoft Sentinel and Azure Monitor Log Analytics: Client runs
// KQL through the Log Analytics query API (one workspace or several at once) and streams the result
// rows as records; Uploader sends records to a table through the Logs Ingestion API (a data
// collection rule and stream), in batches under the API's 1 MB limit, reporting every refused record.
//
// Both use the Azure SDK (azcore pipeline, retry policy, azidentity credentials). A configuration:
//
//	workspace_id: b7e0f9a1-7c9d-4d4c-9a7e-2f6d1c0e5a11
//	additional_workspaces: [a4b1c2d3-0000-4c3d-a390-22ba13102999]
//	auth:
//	  method: client_secret          # or client_certificate, managed_identity, azure_cli, default
//	  tenant_id: 72f988bf-86f1-41af-91ab-2d7cd011db47
//	  client_id: 11111111-2222-3333-4444-555555555555
//	  client_secret: env:HUNCH_LA_SECRET
//	server_timeout: 5m
//	split_by: 6h                     # one request per 6 hours of the searched range
//	ingestion:
//	  endpoint: https://my-dce-abcd.eastus-1.ingest.monitor.azure.com
//	  rule_id: dcr-000a00a000a00000a000000aa000a0aa
//	  stream: Custom-HunchTI_CL
//
// The query API has no paging: a result is capped by the service (about 500 000 rows or 64 MB), so
// split_by pages a large search by time instead. Clients and uploaders are safe for concurrent use.
package sentinel

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"
	"github.com/Azure/azure-sdk-for-go/sdk/monitor/query/azlogs"

	"github.com/hunchsec/hunch/record"
	"github.com/hunchsec/hunch/siem"
)

// Defaults for the limits of Config.
const (
	DefaultServerTimeout    = 3 * time.Minute  // the query API's own default run time
	MaxServerTimeout        = 10 * time.Minute // the longest run time the query API grants
	DefaultMaxResponseBytes = 128 << 20        // twice the query API's ~64 MB result cap
	DefaultMaxPages         = 1000             // pieces split_by may cut a range into
	DefaultMaxRetries       = 3                // retries of a request that failed with 408, 429, 5xx or a network error
	DefaultRetryDelay       = 800 * time.Millisecond
	DefaultMaxRetryDelay    = 60 * time.Second
	timeoutMargin           = time.Minute // added to the server timeout for the client-side per-try timeout
)

// Config says which Log Analytics workspaces to query and how to authenticate. The zero values of
// the limits mean their defaults.
type Config struct {
	WorkspaceID          string   `yaml:"workspace_id"`          // the workspace (customer) id queried
	AdditionalWorkspaces []string `yaml:"additional_workspaces"` // more workspaces searched by the same query
	Cloud                string   `yaml:"cloud"`                 // public (default), china or government
	Endpoint             string   `yaml:"endpoint"`              // query API base URL; default from Cloud, e.g. https://api.loganalytics.io/v1
	Audience             string   `yaml:"audience"`              // token audience of the query API; default from Cloud
	AuthorityHost        string   `yaml:"authority_host"`        // Entra ID host; default from Cloud
	Auth                 Auth     `yaml:"auth"`
	CAFile               string   `yaml:"ca_file"`              // PEM CA bundle trusted in addition to the system roots
	InsecureSkipVerify   bool     `yaml:"insecure_skip_verify"` // skip TLS verification (testing only)

	ServerTimeout    time.Duration `yaml:"server_timeout"`     // how long the service may run a query (Prefer: wait); default 3m, at most 10m
	Timeout          time.Duration `yaml:"timeout"`            // client-side limit of one HTTP try; default server_timeout + 1m
	MaxResponseBytes int64         `yaml:"max_response_bytes"` // largest reply body read; default 128 MiB
	SplitBy          time.Duration `yaml:"split_by"`           // query the range in consecutive pieces this long; 0 = one request
	MaxPages         int           `yaml:"max_pages"`          // most pieces split_by may cut a range into; default 1000
	Retry            Retry         `yaml:"retry"`

	Ingestion Ingestion `yaml:"ingestion"` // where NewUploader sends records
	// Management locates the workspace for updating incidents (NewIncidents).
	Management Management `yaml:"management"`
}

// Retry configures the Azure SDK retry policy used for every request.
type Retry struct {
	MaxRetries  int           `yaml:"max_retries"`  // default 3; -1 disables retries
	Delay       time.Duration `yaml:"delay"`        // first back-off, doubled each try; default 800ms
	MaxDelay    time.Duration `yaml:"max_delay"`    // longest back-off; a longer Retry-After gives up; default 60s
	StatusCodes []int         `yaml:"status_codes"` // statuses retried; default 408, 429, 500, 502, 503, 504
}

// Option changes how New and NewUploader build a client.
type Option func(*options)

type options struct {
	cred   azcore.TokenCredential
	client *http.Client
	now    func() time.Time
	warn   func(*PartialError)
}

// WithCredential makes the client use cred instead of building one from Config.Auth.
func WithCredential(cred azcore.TokenCredential) Option {
	return func(o *options) { o.cred = cred }
}

// WithHTTPClient makes every request (API and token requests) go through c; ca_file and
// insecure_skip_verify are then ignored.
func WithHTTPClient(c *http.Client) Option {
	return func(o *options) { o.client = c }
}

// WithClock sets the clock used to close a range that has only a start.
func WithClock(now func() time.Time) Option {
	return func(o *options) { o.now = now }
}

// WithWarnings sends partial-result errors to warn instead of ending the stream with them; the
// rows of the partial result are yielded either way.
func WithWarnings(warn func(*PartialError)) Option {
	return func(o *options) { o.warn = warn }
}

// Client runs KQL queries against Log Analytics workspaces. It implements siem.Source.
type Client struct {
	cfg   Config
	query *azlogs.Client
	now   func() time.Time
	warn  func(*PartialError)
	wait  int // the server timeout in seconds
}

var _ siem.Source = (*Client)(nil)

// New builds a query client from cfg; getenv resolves env: secrets. No request is sent.
func New(cfg Config, getenv func(string) string, opts ...Option) (*Client, error) {
	o := options{now: time.Now}
	for _, opt := range opts {
		opt(&o)
	}
	if strings.TrimSpace(cfg.WorkspaceID) == "" {
		return nil, errors.New("sentinel: workspace_id is required")
	}
	for i, w := range cfg.AdditionalWorkspaces {
		if strings.TrimSpace(w) == "" {
			return nil, fmt.Errorf("sentinel: additional_workspaces[%d] is empty", i)
		}
	}
	if cfg.ServerTimeout == 0 {
		cfg.ServerTimeout = DefaultServerTimeout
	}
	if cfg.ServerTimeout < time.Second || cfg.ServerTimeout > MaxServerTimeout {
		return nil, fmt.Errorf("sentinel: server_timeout %s is outside 1s..%s", cfg.ServerTimeout, MaxServerTimeout)
	}
	if cfg.MaxResponseBytes == 0 {
		cfg.MaxResponseBytes = DefaultMaxResponseBytes
	}
	if cfg.MaxResponseBytes < 0 {
		return nil, fmt.Errorf("sentinel: max_response_bytes %d is negative", cfg.MaxResponseBytes)
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = cfg.ServerTimeout + timeoutMargin
	}
	if cfg.MaxPages == 0 {
		cfg.MaxPages = DefaultMaxPages
	}
	if cfg.SplitBy < 0 || cfg.MaxPages < 0 {
		return nil, errors.New("sentinel: split_by and max_pages must not be negative")
	}
	if cfg.Timeout < 0 {
		return nil, fmt.Errorf("sentinel: timeout %s is negative", cfg.Timeout)
	}
	base, err := baseCloud(cfg.Cloud)
	if err != nil {
		return nil, err
	}
	svc := base.Services[azlogs.ServiceName]
	if cfg.Endpoint != "" {
		svc.Endpoint = strings.TrimRight(cfg.Endpoint, "/")
	}
	if cfg.Audience != "" {
		svc.Audience = strings.TrimRight(cfg.Audience, "/")
	}
	if err := checkURL("endpoint", svc.Endpoint); err != nil {
		return nil, err
	}
	cc := cloudConfig(base, cfg.AuthorityHost, azlogs.ServiceName, svc)
	hc, err := httpClient(o.client, cfg.CAFile, cfg.InsecureSkipVerify)
	if err != nil {
		return nil, err
	}
	transport := &limitTransport{next: hc, max: cfg.MaxResponseBytes}
	cred := o.cred
	if cred == nil {
		if cred, err = NewCredential(cfg.Auth, cc, hc, getenv); err != nil {
			return nil, err
		}
	}
	copts := &azlogs.ClientOptions{ClientOptions: clientOptions(cc, transport, cfg.Retry, cfg.Timeout)}
	copts.PerCallPolicies = []policy.Policy{takeReply{}}
	qc, err := azlogs.NewClient(tokenCredential{cred}, copts)
	if err != nil {
		return nil, fmt.Errorf("sentinel: %w", err)
	}
	return &Client{cfg: cfg, query: qc, now: o.now, warn: o.warn, wait: int(cfg.ServerTimeout / time.Second)}, nil
}

// Search runs q (KQL) over the configured workspaces and streams the rows of every result table in
// the order the service returns them, with q.Range sent as the query timespan. With split_by set,
// the range is cut into consecutive pieces of that length, queried one after another (oldest
// first), so that no single reply hits the service's result cap. A reply that carries an error
// beside its tables (a partial result) has its rows yielded; the first *PartialError is yielded
// after all rows, or each is handed to the WithWarnings function. Failures are *APIError values
// that wrap ErrAuth, ErrBadRequest, ErrThrottled or ErrServer.
func (c *Client) Search(ctx context.Context, q siem.Query) record.Stream {
	return func(yield func(record.Record, error) bool) {
		if err := q.Validate(); err != nil {
			yield(record.Record{}, fmt.Errorf("sentinel: %w", err))
			return
		}
		if q.Language != siem.KQL {
			yield(record.Record{}, fmt.Errorf("sentinel: query language %q is not supported (kql only)", q.Language))
			return
		}
		pages, err := c.pages(q.Range)
		if err != nil {
			yield(record.Record{}, err)
			return
		}
		var (
			n       int
			partial *PartialError
		)
		for _, r := range pages {
			pe, ok := c.searchPage(ctx, q, r, &n, yield)
			if !ok {
				return
			}
			if pe != nil {
				if c.warn != nil {
					c.warn(pe)
				} else if partial == nil {
					partial = pe
				}
			}
			if q.Limit > 0 && n >= q.Limit {
				break
			}
		}
		if partial != nil {
			yield(record.Record{}, partial)
		}
	}
}

// pages cuts r into the time ranges queried one by one: r itself without split_by.
func (c *Client) pages(r siem.Range) ([]siem.Range, error) {
	if c.cfg.SplitBy <= 0 {
		return []siem.Range{r}, nil
	}
	if r.From.IsZero() {
		return nil, errors.New("sentinel: split_by needs a range with a start")
	}
	if r.To.IsZero() {
		r.To = c.now()
	}
	if !r.From.Before(r.To) {
		return nil, fmt.Errorf("sentinel: range from %s is not before to %s", r.From.Format(time.RFC3339), r.To.Format(time.RFC3339))
	}
	d := r.To.Sub(r.From) // saturates rather than overflows
	k := d / c.cfg.SplitBy
	if d%c.cfg.SplitBy != 0 {
		k++
	}
	if k > time.Duration(c.cfg.MaxPages) {
		return nil, fmt.Errorf("sentinel: split_by %s cuts the range into more than max_pages (%d) pieces", c.cfg.SplitBy, c.cfg.MaxPages)
	}
	var out []siem.Range
	for from := r.From; from.Before(r.To); from = from.Add(c.cfg.SplitBy) {
		to := from.Add(c.cfg.SplitBy)
		if to.After(r.To) {
			to = r.To
		}
		out = append(out, siem.Range{From: from, To: to})
	}
	return out, nil
}

// searchPage runs q over r and yields its rows, numbering them from *n. It returns the reply's
// partial-result error, and false when the stream has ended (an error was yielded or the
// consumer stopped).
func (c *Client) searchPage(ctx context.Context, q siem.Query, r siem.Range, n *int, yield func(record.Record, error) bool) (*PartialError, bool) {
	body := azlogs.QueryBody{Query: &q.Text}
	if len(c.cfg.AdditionalWorkspaces) > 0 {
		body.AdditionalWorkspaces = c.cfg.AdditionalWorkspaces
	}
	if ts, ok := timespan(r, c.now); ok {
		body.Timespan = &ts
	}
	wait := c.wait
	reply := &replyHolder{}
	rctx := context.WithValue(ctx, replyKey{}, reply)
	_, err := c.query.QueryWorkspace(rctx, c.cfg.WorkspaceID, body, &azlogs.QueryWorkspaceOptions{Options: &azlogs.QueryOptions{Wait: &wait}})
	if err != nil {
		yield(record.Record{}, classify(ctx, "query workspace "+c.cfg.WorkspaceID, err))
		return nil, false
	}
	if reply.body == nil {
		yield(record.Record{}, errors.New("sentinel: the query reply was not captured"))
		return nil, false
	}
	res, err := parseResults(reply.body)
	if err != nil {
		yield(record.Record{}, fmt.Errorf("sentinel: %w", err))
		return nil, false
	}
	source := "sentinel:" + c.cfg.WorkspaceID
	for _, t := range res.tables {
		for i := range t.rows {
			if err := ctx.Err(); err != nil {
				yield(record.Record{}, err)
				return nil, false
			}
			if q.Limit > 0 && *n >= q.Limit {
				return nil, true
			}
			rec, err := t.record(i)
			if err != nil {
				yield(record.Record{}, fmt.Errorf("sentinel: table %s: %w", t.name, err))
				return nil, false
			}
			*n++
			rec.Meta = record.Meta{Source: source, N: *n}
			if !yield(rec, nil) {
				return nil, false
			}
		}
	}
	if res.err != nil {
		return &PartialError{Workspace: c.cfg.WorkspaceID, Rows: *n, Info: *res.err}, true
	}
	return nil, true
}

// replyKey marks the context of a query whose successful reply body takeReply keeps.
type replyKey struct{}

// replyHolder receives the body of a successful query reply.
type replyHolder struct{ body []byte }

// takeReply is a pipeline policy that keeps the body of a 200 query reply for Search and hands the
// SDK an empty result in its place. Search decodes the body itself: the SDK decodes rows into
// []any, where long values become float64 and lose digits past 2^53, and decoding twice would
// double the time and memory a large result takes.
type takeReply struct{}

func (takeReply) Do(req *policy.Request) (*http.Response, error) {
	resp, err := req.Next()
	if err != nil || resp.StatusCode != http.StatusOK {
		return resp, err
	}
	h, _ := req.Raw().Context().Value(replyKey{}).(*replyHolder)
	if h == nil {
		return resp, nil
	}
	body, err := runtime.Payload(resp)
	if err != nil {
		return resp, err
	}
	h.body = body
	resp.Body = io.NopCloser(strings.NewReader(`{"tables":[]}`))
	return resp, nil
}

// timespan writes r as the ISO 8601 interval the query API takes. A range with only a start ends
// now; a range with only an end starts at the Unix epoch; an open range sends no timespan.
func timespan(r siem.Range, now func() time.Time) (azlogs.TimeInterval, bool) {
	if r.From.IsZero() && r.To.IsZero() {
		return "", false
	}
	from, to := r.From, r.To
	if to.IsZero() {
		to = now()
	}
	if from.IsZero() {
		from = time.Unix(0, 0)
	}
	return azlogs.TimeInterval(from.UTC().Format(time.RFC3339Nano) + "/" + to.UTC().Format(time.RFC3339Nano)), true
}

// baseCloud returns a copy of the named Azure cloud's configuration.
func baseCloud(name string) (cloud.Configuration, error) {
	var c cloud.Configuration
	switch strings.ToLower(strings.TrimSpace(name)) {
	case "", "public", "azurepublic", "azurecloud":
		c = cloud.AzurePublic
	case "china", "azurechina", "azurechinacloud":
		c = cloud.AzureChina
	case "government", "usgovernment", "azuregovernment", "azureusgovernment":
		c = cloud.AzureGovernment
	default:
		return cloud.Configuration{}, fmt.Errorf("sentinel: unknown cloud %q (public, china or government)", name)
	}
	return c, nil
}

// cloudConfig builds a fresh cloud configuration (the SDK's shared ones are never modified)
// holding one service.
func cloudConfig(base cloud.Configuration, authority string, name cloud.ServiceName, svc cloud.ServiceConfiguration) cloud.Configuration {
	c := cloud.Configuration{ActiveDirectoryAuthorityHost: base.ActiveDirectoryAuthorityHost, Services: map[cloud.ServiceName]cloud.ServiceConfiguration{name: svc}}
	if authority != "" {
		c.ActiveDirectoryAuthorityHost = authority
	}
	return c
}

// clientOptions is the SDK client configuration shared by the query client and the uploader.
func clientOptions(cc cloud.Configuration, transport policy.Transporter, r Retry, tryTimeout time.Duration) azcore.ClientOptions {
	ro := policy.RetryOptions{
		MaxRetries:    int32(r.MaxRetries),
		RetryDelay:    r.Delay,
		MaxRetryDelay: r.MaxDelay,
		TryTimeout:    tryTimeout,
		StatusCodes:   r.StatusCodes,
	}
	if ro.MaxRetries == 0 {
		ro.MaxRetries = DefaultMaxRetries
	}
	if ro.RetryDelay == 0 {
		ro.RetryDelay = DefaultRetryDelay
	}
	if ro.MaxRetryDelay == 0 {
		ro.MaxRetryDelay = DefaultMaxRetryDelay
	}
	return azcore.ClientOptions{
		Cloud:     cc,
		Transport: transport,
		Retry:     ro,
		Telemetry: policy.TelemetryOptions{ApplicationID: "hunch"},
	}
}
