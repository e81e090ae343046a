// Package misp looks indicators up in a remote MISP instance through its attribute search,
// POST {base}/attributes/restSearch, asking about a whole batch of values in one request and
// splitting the matching attributes back per indicator. (The MISP data model hunch serves itself
// lives elsewhere; this is only a client of another instance's API.)
//
// # Request
//
// The body is {"returnFormat":"json", "value":{"OR":[…values…]}, "limit":N, "includeEventTags":1,
// "includeWarninglistHits":1} plus "type" and "to_ids" when Options restrict them. The values go
// in an explicit OR list because MISP reads a bare string as "a&&b" (AND) and a leading "!" in a
// plain list as NOT. The headers are Authorization: <key>, Accept and Content-Type:
// application/json, as PyMISP sends them.
//
// # Verdicts
//
// Of the attributes whose value (or one half of a composite value such as domain|ip) equals
// the indicator:
//   - one hits a MISP warninglist of the false-positive kind (warninglist_category
//     "false_positive", or none given) for this value → Benign, summary "on MISP warninglist
//     <name>; …". MISP itself drops such attributes from IDS exports (enforceWarninglist);
//     lists of category "known" only annotate and are reported in details;
//   - otherwise one has to_ids true → Malicious: an analyst marked it as actionable for detection;
//   - otherwise (matches, none marked to_ids) → Suspicious: the value is in someone's intel as
//     context, not as something to block;
//   - no attribute → Unknown, "not found" (also on a 404 reply, which MISP 2.4 sends as "No
//     matches.").
//
// The summary reads "N attributes in M events: <event info>; …"; the reference is the event of
// the attribute that decided the verdict, {base}/events/view/{event_id}.
package misp

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/netip"
	"slices"
	"strconv"
	"strings"

	"github.com/hunchsec/hunch/enrich"
	"github.com/hunchsec/hunch/ioc"
)

// Name is the provider's name in configuration and output.
const Name = "misp"

// Defaults for Options.
const (
	DefaultLimit    = 100
	DefaultMaxBatch = 100
)

// Options configures a Client. There is no default base URL: every MISP is someone's own.
type Options struct {
	// HTTP is the engine's request path for this provider (rate limit, retries, client with
	// its TLS settings, clock); required.
	HTTP *enrich.HTTP
	// BaseURL is the MISP instance's root, e.g. https://misp.example.org; required.
	BaseURL string
	// Key is the MISP automation key sent in the Authorization header; required.
	Key string
	// Limit is the most attributes asked for per indicator (the request's limit is Limit times
	// the number of values in the batch); 0 means DefaultLimit.
	Limit int
	// Batch is the most indicators sent in one search; 0 means DefaultMaxBatch.
	Batch int
	// OnlyIDS, when set, asks only for attributes marked to_ids (no Suspicious verdicts then).
	OnlyIDS bool
	// AttributeTypes, when set, restricts the search to these MISP attribute types
	// ("ip-dst", "domain", "sha256", …).
	AttributeTypes []string
}

// Client is the remote-MISP provider. It is safe for concurrent use.
type Client struct {
	o     Options
	base  string
	types []ioc.Type
}

var (
	_ enrich.Provider = (*Client)(nil)
	_ enrich.Batcher  = (*Client)(nil)
)

// New checks o and returns a Client.
func New(o Options) (*Client, error) {
	if err := enrich.RequireHTTP(Name, o.HTTP); err != nil {
		return nil, err
	}
	if strings.TrimSpace(o.BaseURL) == "" {
		return nil, fmt.Errorf("%s: the base URL of the MISP instance is required", Name)
	}
	base, err := enrich.BaseURL(Name, o.BaseURL, "")
	if err != nil {
		return nil, err
	}
	if err := enrich.RequireKey(Name, o.Key); err != nil {
		return nil, err
	}
	if o.Limit < 0 || o.Batch < 0 {
		return nil, fmt.Errorf("%s: limit and batch size must not be negative", Name)
	}
	if o.Limit == 0 {
		o.Limit = DefaultLimit
	}
	if o.Batch == 0 {
		o.Batch = DefaultMaxBatch
	}
	return &Client{o: o, base: base, types: ioc.Types()}, nil
}

// Name returns "misp".
func (c *Client) Name() string { return Name }

// Types returns every built-in indicator type: MISP searches values whatever their type.
func (c *Client) Types() []ioc.Type { return slices.Clone(c.types) }

// MaxBatch returns Options.Batch.
func (c *Client) MaxBatch() int { return c.o.Batch }

// searchRequest is the restSearch body.
type searchRequest struct {
	ReturnFormat           string    `json:"returnFormat"`
	Value                  orFilter  `json:"value"`
	Type                   *orFilter `json:"type,omitempty"`
	ToIDS                  *int      `json:"to_ids,omitempty"`
	Limit                  int       `json:"limit"`
	IncludeEventTags       int       `json:"includeEventTags"`
	IncludeWarninglistHits int       `json:"includeWarninglistHits"`
}

// orFilter is MISP's explicit OR list, {"OR": […]}.
type orFilter struct {
	OR []string `json:"OR"`
}

// Lookup searches the batch's values in one request and answers each indicator from the
// attributes that match it.
func (c *Client) Lookup(ctx context.Context, batch []enrich.Indicator) []enrich.Result {
	out := make([]enrich.Result, len(batch))
	var values []string
	for i, ind := range batch {
		out[i].Indicator = ind
		if !slices.Contains(c.types, ind.Type) {
			out[i].Err = fmt.Errorf("%s: %s: %w", Name, ind.Type, enrich.ErrUnsupported)
			continue
		}
		if strings.TrimSpace(ind.Value) == "" {
			out[i].Err = fmt.Errorf("%s: empty %s value", Name, ind.Type)
			continue
		}
		if !slices.Contains(values, ind.Value) {
			values = append(values, ind.Value)
		}
	}
	if len(values) == 0 {
		return out
	}
	req := searchRequest{
		ReturnFormat:           "json",
		Value:                  orFilter{values},
		Limit:                  c.o.Limit * len(values),
		IncludeEventTags:       1,
		IncludeWarninglistHits: 1,
	}
	if len(c.o.AttributeTypes) > 0 {
		req.Type = &orFilter{c.o.AttributeTypes}
	}
	if c.o.OnlyIDS {
		one := 1
		req.ToIDS = &one
	}
	body, err := json.Marshal(req)
	if err != nil {
		return c.fail(out, fmt.Errorf("%s: encoding the search: %w", Name, err))
	}
	hdr := http.Header{
		"Authorization": {c.o.Key},
		"Accept":        {"application/json"},
		"Content-Type":  {"application/json"},
	}
	rep, err := c.o.HTTP.JSON(ctx, http.MethodPost, c.base+"/attributes/restSearch", hdr, body, nil)
	if errors.Is(err, enrich.ErrNotFound) {
		return c.convert(out, nil, false)
	}
	if err != nil {
		return c.fail(out, err)
	}
	attrs, err := ParseReply(rep.Body)
	if err != nil {
		return c.fail(out, fmt.Errorf("%s: %w", Name, err))
	}
	return c.convert(out, attrs, len(attrs) >= req.Limit)
}

// fail sets err on every result that has no error yet.
func (c *Client) fail(out []enrich.Result, err error) []enrich.Result {
	for i := range out {
		if out[i].Err == nil {
			out[i].Err = err
		}
	}
	return out
}

// convert answers each pending result from the attributes matching its value. full says the
// search returned as many attributes as it asked for, so some may be missing.
func (c *Client) convert(out []enrich.Result, attrs []Attribute, full bool) []enrich.Result {
	for i := range out {
		if out[i].Err != nil {
			continue
		}
		var mine []Attribute
		for _, a := range attrs {
			if a.Matches(out[i].Indicator.Value) {
				mine = append(mine, a)
			}
		}
		truncated := full
		if len(mine) > c.o.Limit {
			mine, truncated = mine[:c.o.Limit], true
		}
		out[i] = c.result(out[i].Indicator, mine, truncated)
	}
	return out
}

// result applies the verdict rule (package comment) to one indicator's attributes.
func (c *Client) result(ind enrich.Indicator, attrs []Attribute, truncated bool) enrich.Result {
	r := enrich.Result{Indicator: ind}
	if len(attrs) == 0 {
		r.Verdict, r.Summary = enrich.Unknown, "not found"
		if truncated {
			r.Details = map[string]any{"truncated": true}
		}
		return r
	}
	var (
		ids, fpList, known []string
		events             []map[string]string
		eventIdx           = map[string]int{}
		deciding           = -1 // index of the attribute behind the verdict
		fp, idsAt          = -1, -1
		types, categories  []string
		tags               []string
		raws               = make([]json.RawMessage, len(attrs))
	)
	for i, a := range attrs {
		raws[i] = a.Raw
		addUnique(&types, a.Type)
		addUnique(&categories, a.Category)
		for _, t := range a.Tags {
			addUnique(&tags, t)
		}
		if a.ToIDS {
			ids = append(ids, a.ID)
			if idsAt < 0 {
				idsAt = i
			}
		}
		for _, w := range a.Warnings {
			if w.Category == "known" {
				addUnique(&known, w.Name)
				continue
			}
			if w.Value == "" || sameValue(w.Value, ind.Value) {
				addUnique(&fpList, w.Name)
				if fp < 0 {
					fp = i
				}
			}
		}
		if _, seen := eventIdx[a.EventID]; !seen {
			eventIdx[a.EventID] = len(events)
			events = append(events, map[string]string{"id": a.EventID, "info": a.EventInfo, "uuid": a.EventUUID})
		}
	}
	n := strconv.Itoa(len(attrs))
	if truncated {
		n += "+"
	}
	summary := fmt.Sprintf("%s %s in %d %s: %s", n, plural(len(attrs), "attribute"), len(events), plural(len(events), "event"), eventInfos(events))
	switch {
	case fp >= 0:
		r.Verdict, deciding = enrich.Benign, fp
		summary = "on MISP warninglist " + strings.Join(fpList, ", ") + "; " + summary
	case idsAt >= 0:
		r.Verdict, deciding = enrich.Malicious, idsAt
	default:
		r.Verdict, deciding = enrich.Suspicious, 0
	}
	r.Summary = summary
	if id := attrs[deciding].EventID; id != "" {
		r.Reference = c.base + "/events/view/" + id
	}
	r.Details = map[string]any{
		"attributes": len(attrs),
		"to_ids":     len(ids),
		"events":     events,
		"types":      types,
		"categories": categories,
	}
	if len(tags) > 0 {
		r.Details["tags"] = tags
	}
	if len(fpList) > 0 {
		r.Details["warninglists"] = fpList
	}
	if len(known) > 0 {
		r.Details["known_lists"] = known
	}
	if truncated {
		r.Details["truncated"] = true
	}
	raw, err := json.Marshal(map[string]any{"response": map[string]any{"Attribute": raws}})
	if err == nil {
		r.Raw = raw
	}
	return r
}

// eventInfos lists up to three event titles, then how many more.
func eventInfos(events []map[string]string) string {
	var parts []string
	for i, e := range events {
		if i == 3 {
			parts = append(parts, fmt.Sprintf("+%d more", len(events)-3))
			break
		}
		info := e["info"]
		if info == "" {
			info = "event " + e["id"]
		}
		parts = append(parts, info)
	}
	return strings.Join(parts, "; ")
}

func plural(n int, word string) string {
	if n == 1 {
		return word
	}
	return word + "s"
}

func addUnique(list *[]string, s string) {
	if s != "" && !slices.Contains(*list, s) {
		*list = append(*list, s)
	}
}

// sameValue compares an attribute value with an indicator value: IP addresses as addresses,
// everything else without regard to case (MISP's value search is case-insensitive).
func sameValue(a, b string) bool {
	if strings.EqualFold(a, b) {
		return true
	}
	x, err1 := netip.ParseAddr(a)
	y, err2 := netip.ParseAddr(b)
	return err1 == nil && err2 == nil && x.Unmap() == y.Unmap()
}
