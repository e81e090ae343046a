// Package taxii is a TAXII 2.1 client (OASIS TAXII Version 2.1): server discovery, API roots, collections, their
// objects with paging and added_after, manifests, adding objects and reading the status of an addition. It speaks
// the protocol only; what is done with the STIX objects is the caller's (package stix reads them into MISP events).
//
// Every request carries the TAXII 2.1 media type, the credentials (HTTP Basic, or an API key in the Authorization
// header as hunch's and MISP's servers take it), a timeout, and reads at most Options.MaxResponseBytes of reply.
package taxii

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// MediaTAXII is the TAXII 2.1 media type, sent in Accept and Content-Type.
const MediaTAXII = "application/taxii+json;version=2.1"

// Defaults of the Options left zero.
const (
	DefaultTimeout          = 60 * time.Second
	DefaultMaxResponseBytes = 64 << 20
	// DefaultMaxPages bounds how many pages AllObjects follows.
	DefaultMaxPages = 100000
)

// Options configure a Client.
type Options struct {
	// HTTPClient sends the requests; nil means a client of its own.
	HTTPClient *http.Client
	// User and Password are sent as HTTP Basic credentials when Password is set.
	User, Password string
	// Key, when set (and Password is not), is sent as the Authorization header (hunch's and MISP's API keys).
	Key string
	// Timeout bounds each request; zero means DefaultTimeout.
	Timeout time.Duration
	// MaxResponseBytes bounds a reply body; zero means DefaultMaxResponseBytes. A larger reply is an error.
	MaxResponseBytes int64
	// MaxPages bounds the pages AllObjects follows; zero means DefaultMaxPages.
	MaxPages int
	// UserAgent is sent when set.
	UserAgent string
}

// Client talks to TAXII 2.1 servers. It is safe for concurrent use.
type Client struct {
	hc   *http.Client
	opts Options
}

// New returns a client.
func New(opts Options) *Client {
	if opts.Timeout <= 0 {
		opts.Timeout = DefaultTimeout
	}
	if opts.MaxResponseBytes <= 0 {
		opts.MaxResponseBytes = DefaultMaxResponseBytes
	}
	if opts.MaxPages <= 0 {
		opts.MaxPages = DefaultMaxPages
	}
	hc := opts.HTTPClient
	if hc == nil {
		hc = &http.Client{}
	}
	return &Client{hc: hc, opts: opts}
}

// Error is an error answer of a TAXII server: the HTTP status and TAXII's error resource when the body holds one.
type Error struct {
	StatusCode      int               `json:"-"`
	Title           string            `json:"title"`
	Description     string            `json:"description,omitempty"`
	ErrorID         string            `json:"error_id,omitempty"`
	ErrorCode       string            `json:"error_code,omitempty"`
	HTTPStatus      string            `json:"http_status,omitempty"`
	ExternalDetails string            `json:"external_details,omitempty"`
	Details         map[string]string `json:"details,omitempty"`
}

// Error says what the server answered.
func (e *Error) Error() string {
	s := fmt.Sprintf("taxii server answered %d", e.StatusCode)
	if e.Title != "" {
		s += ": " + e.Title
	}
	if e.Description != "" {
		s += ": " + e.Description
	}
	return s
}

// Discovery is a server's discovery resource.
type Discovery struct {
	Title       string   `json:"title"`
	Description string   `json:"description,omitempty"`
	Contact     string   `json:"contact,omitempty"`
	Default     string   `json:"default,omitempty"`
	APIRoots    []string `json:"api_roots,omitempty"`
}

// APIRoot is an API root resource.
type APIRoot struct {
	Title            string   `json:"title"`
	Description      string   `json:"description,omitempty"`
	Versions         []string `json:"versions"`
	MaxContentLength int64    `json:"max_content_length"`
}

// Collection is a collection resource.
type Collection struct {
	ID          string   `json:"id"`
	Title       string   `json:"title"`
	Description string   `json:"description,omitempty"`
	Alias       string   `json:"alias,omitempty"`
	CanRead     bool     `json:"can_read"`
	CanWrite    bool     `json:"can_write"`
	MediaTypes  []string `json:"media_types,omitempty"`
}

// Query selects objects (objects, manifest and object endpoints).
type Query struct {
	// AddedAfter asks for objects added after this instant.
	AddedAfter time.Time
	// Limit asks for at most this many objects per page (the server may give fewer); zero leaves it to the server.
	Limit int
	// Next is the server's token of the next page.
	Next string
	// IDs, Types, Versions and SpecVersions are the match[…] filters.
	IDs, Types, Versions, SpecVersions []string
}

func (q Query) values() url.Values {
	v := url.Values{}
	if !q.AddedAfter.IsZero() {
		v.Set("added_after", q.AddedAfter.UTC().Format("2006-01-02T15:04:05.000000Z"))
	}
	if q.Limit > 0 {
		v.Set("limit", strconv.Itoa(q.Limit))
	}
	if q.Next != "" {
		v.Set("next", q.Next)
	}
	for name, l := range map[string][]string{"match[id]": q.IDs, "match[type]": q.Types, "match[version]": q.Versions,
		"match[spec_version]": q.SpecVersions} {
		if len(l) > 0 {
			v.Set(name, strings.Join(l, ","))
		}
	}
	return v
}

// Page is one envelope of objects, with the date_added range its headers give.
type Page struct {
	More    bool              `json:"more"`
	Next    string            `json:"next,omitempty"`
	Objects []json.RawMessage `json:"objects,omitempty"`
	// DateAddedFirst and DateAddedLast are X-TAXII-Date-Added-First and -Last (zero when absent).
	DateAddedFirst, DateAddedLast time.Time `json:"-"`
}

// ManifestRecord is one row of a manifest.
type ManifestRecord struct {
	ID        string `json:"id"`
	DateAdded string `json:"date_added"`
	Version   string `json:"version"`
	MediaType string `json:"media_type,omitempty"`
}

// Manifest is a manifest resource.
type Manifest struct {
	More    bool             `json:"more"`
	Next    string           `json:"next,omitempty"`
	Objects []ManifestRecord `json:"objects,omitempty"`
}

// Versions is a versions resource.
type Versions struct {
	More     bool     `json:"more"`
	Next     string   `json:"next,omitempty"`
	Versions []string `json:"versions,omitempty"`
}

// Status is a status resource.
type Status struct {
	ID               string          `json:"id"`
	Status           string          `json:"status"`
	RequestTimestamp string          `json:"request_timestamp,omitempty"`
	TotalCount       int             `json:"total_count"`
	SuccessCount     int             `json:"success_count"`
	Successes        []StatusDetails `json:"successes,omitempty"`
	FailureCount     int             `json:"failure_count"`
	Failures         []StatusDetails `json:"failures,omitempty"`
	PendingCount     int             `json:"pending_count"`
	Pendings         []StatusDetails `json:"pendings,omitempty"`
}

// StatusDetails is one object of a status.
type StatusDetails struct {
	ID      string `json:"id"`
	Version string `json:"version"`
	Message string `json:"message,omitempty"`
}

// join resolves ref (absolute, or relative as servers give API roots) against base, with a trailing slash as
// TAXII's paths end.
func join(base string, ref ...string) (string, error) {
	u, err := url.Parse(base)
	if err != nil {
		return "", fmt.Errorf("taxii url %q: %w", base, err)
	}
	for _, r := range ref {
		if !strings.HasSuffix(u.Path, "/") {
			u.Path += "/"
		}
		rel, err := url.Parse(r)
		if err != nil {
			return "", fmt.Errorf("taxii url %q: %w", r, err)
		}
		u = u.ResolveReference(rel)
	}
	if !strings.HasSuffix(u.Path, "/") {
		u.Path += "/"
	}
	return u.String(), nil
}

// do sends a request and decodes a 2xx reply into out; it returns the reply's headers.
func (c *Client) do(ctx context.Context, method, u string, q url.Values, body []byte, out any) (http.Header, error) {
	ctx, cancel := context.WithTimeout(ctx, c.opts.Timeout)
	defer cancel()
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, u, rd)
	if err != nil {
		return nil, fmt.Errorf("taxii request: %w", err)
	}
	req.Header.Set("Accept", MediaTAXII)
	if body != nil {
		req.Header.Set("Content-Type", MediaTAXII)
	}
	switch {
	case c.opts.Password != "":
		req.SetBasicAuth(c.opts.User, c.opts.Password)
	case c.opts.Key != "":
		req.Header.Set("Authorization", c.opts.Key)
	}
	if c.opts.UserAgent != "" {
		req.Header.Set("User-Agent", c.opts.UserAgent)
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return nil, fmt.Errorf("taxii %s %s: %w", method, req.URL.Redacted(), err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, c.opts.MaxResponseBytes+1))
	if err != nil {
		return nil, fmt.Errorf("taxii %s %s: read reply: %w", method, req.URL.Redacted(), err)
	}
	if int64(len(data)) > c.opts.MaxResponseBytes {
		return nil, fmt.Errorf("taxii %s %s: reply larger than %d bytes", method, req.URL.Redacted(), c.opts.MaxResponseBytes)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		e := &Error{}
		_ = json.Unmarshal(data, e)
		e.StatusCode = resp.StatusCode
		return nil, e
	}
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			return nil, fmt.Errorf("taxii %s %s: reply is not TAXII JSON: %w", method, req.URL.Redacted(), err)
		}
	}
	return resp.Header, nil
}

// Discover reads the discovery resource at u (e.g. https://host/taxii2/). API roots it lists relative to the
// server are returned absolute.
func (c *Client) Discover(ctx context.Context, u string) (*Discovery, error) {
	u, err := join(u)
	if err != nil {
		return nil, err
	}
	var d Discovery
	if _, err := c.do(ctx, http.MethodGet, u, nil, nil, &d); err != nil {
		return nil, err
	}
	for i, r := range d.APIRoots {
		if d.APIRoots[i], err = join(u, r); err != nil {
			return nil, err
		}
	}
	if d.Default != "" {
		if d.Default, err = join(u, d.Default); err != nil {
			return nil, err
		}
	}
	return &d, nil
}

// APIRoot reads the API root at root.
func (c *Client) APIRoot(ctx context.Context, root string) (*APIRoot, error) {
	u, err := join(root)
	if err != nil {
		return nil, err
	}
	var a APIRoot
	if _, err := c.do(ctx, http.MethodGet, u, nil, nil, &a); err != nil {
		return nil, err
	}
	return &a, nil
}

// Collections lists the collections of an API root.
func (c *Client) Collections(ctx context.Context, root string) ([]Collection, error) {
	u, err := join(root, "collections/")
	if err != nil {
		return nil, err
	}
	var out struct {
		Collections []Collection `json:"collections"`
	}
	if _, err := c.do(ctx, http.MethodGet, u, nil, nil, &out); err != nil {
		return nil, err
	}
	return out.Collections, nil
}

// Collection reads one collection.
func (c *Client) Collection(ctx context.Context, root, id string) (*Collection, error) {
	u, err := join(root, "collections/", url.PathEscape(id)+"/")
	if err != nil {
		return nil, err
	}
	var col Collection
	if _, err := c.do(ctx, http.MethodGet, u, nil, nil, &col); err != nil {
		return nil, err
	}
	return &col, nil
}

func dateHeader(h http.Header, name string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, h.Get(name))
	if err != nil {
		return time.Time{}
	}
	return t.UTC()
}

// Objects reads one page of a collection's objects.
func (c *Client) Objects(ctx context.Context, root, collection string, q Query) (*Page, error) {
	u, err := join(root, "collections/", url.PathEscape(collection)+"/", "objects/")
	if err != nil {
		return nil, err
	}
	return c.page(ctx, u, q)
}

func (c *Client) page(ctx context.Context, u string, q Query) (*Page, error) {
	var p Page
	h, err := c.do(ctx, http.MethodGet, u, q.values(), nil, &p)
	if err != nil {
		return nil, err
	}
	p.DateAddedFirst = dateHeader(h, "X-TAXII-Date-Added-First")
	p.DateAddedLast = dateHeader(h, "X-TAXII-Date-Added-Last")
	return &p, nil
}

// Object reads the versions of one object that q.Versions asks for (the last by default).
func (c *Client) Object(ctx context.Context, root, collection, id string, q Query) (*Page, error) {
	u, err := join(root, "collections/", url.PathEscape(collection)+"/", "objects/", url.PathEscape(id)+"/")
	if err != nil {
		return nil, err
	}
	return c.page(ctx, u, q)
}

// ObjectVersions lists the versions of one object.
func (c *Client) ObjectVersions(ctx context.Context, root, collection, id string, q Query) (*Versions, error) {
	u, err := join(root, "collections/", url.PathEscape(collection)+"/", "objects/", url.PathEscape(id)+"/", "versions/")
	if err != nil {
		return nil, err
	}
	var v Versions
	if _, err := c.do(ctx, http.MethodGet, u, q.values(), nil, &v); err != nil {
		return nil, err
	}
	return &v, nil
}

// ErrTooManyPages is returned by AllObjects when a collection has more pages than Options.MaxPages.
var ErrTooManyPages = errors.New("taxii: more pages than the limit")

// AllObjects reads every page of a collection's objects from q on, following next, and hands each to fn.
// A server that says more without a next token is read on with added_after set to the last page's
// X-TAXII-Date-Added-Last, as TAXII 2.1 allows.
func (c *Client) AllObjects(ctx context.Context, root, collection string, q Query, fn func(*Page) error) error {
	for n := 0; ; n++ {
		if n == c.opts.MaxPages {
			return fmt.Errorf("%w (%d)", ErrTooManyPages, c.opts.MaxPages)
		}
		p, err := c.Objects(ctx, root, collection, q)
		if err != nil {
			return err
		}
		if err := fn(p); err != nil {
			return err
		}
		if !p.More {
			return nil
		}
		switch {
		case p.Next != "":
			q.Next = p.Next
		case !p.DateAddedLast.IsZero() && p.DateAddedLast.After(q.AddedAfter):
			q.AddedAfter = p.DateAddedLast
		default:
			return errors.New("taxii: the server says more objects follow but gives neither next nor a later date_added")
		}
	}
}

// Manifest reads one page of a collection's manifest.
func (c *Client) Manifest(ctx context.Context, root, collection string, q Query) (*Manifest, error) {
	u, err := join(root, "collections/", url.PathEscape(collection)+"/", "manifest/")
	if err != nil {
		return nil, err
	}
	var m Manifest
	if _, err := c.do(ctx, http.MethodGet, u, q.values(), nil, &m); err != nil {
		return nil, err
	}
	return &m, nil
}

// AddObjects posts objects to a collection as an envelope and returns the status the server answers.
func (c *Client) AddObjects(ctx context.Context, root, collection string, objects []json.RawMessage) (*Status, error) {
	u, err := join(root, "collections/", url.PathEscape(collection)+"/", "objects/")
	if err != nil {
		return nil, err
	}
	body, err := json.Marshal(struct {
		Objects []json.RawMessage `json:"objects"`
	}{objects})
	if err != nil {
		return nil, fmt.Errorf("taxii: encode envelope: %w", err)
	}
	var s Status
	if _, err := c.do(ctx, http.MethodPost, u, nil, body, &s); err != nil {
		return nil, err
	}
	return &s, nil
}

// Status reads the status of an addition.
func (c *Client) Status(ctx context.Context, root, id string) (*Status, error) {
	u, err := join(root, "status/", url.PathEscape(id)+"/")
	if err != nil {
		return nil, err
	}
	var s Status
	if _, err := c.do(ctx, http.MethodGet, u, nil, nil, &s); err != nil {
		return nil, err
	}
	return &s, nil
}
