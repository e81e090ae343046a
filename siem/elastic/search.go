package elastic

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/hunchsec/hunch/record"
	"github.com/hunchsec/hunch/siem"
)

// Search runs q and streams its hits as records. DSL and Lucene (query_string) queries run
// against the configured index under a point in time, paged with search_after; ES|QL queries
// go to /_query in one request. q.Range becomes a range filter on the time field; q.Limit stops
// the stream after that many records, as does a DSL body's "size" (the smaller wins; "from",
// "search_after", "pit" and aggregations are refused, paging owns the first three). The sort is
// the body's own, or none, followed by the tiebreaker; the default is _shard_doc order, which
// is the cheapest. The point in time is closed however the stream ends (exhausted, error,
// cancellation, or the consumer stopping early). Non-fatal problems (failed shards, timeouts,
// partial ES|QL results) go to the warnings function, and the records found are kept.
func (c *Client) Search(ctx context.Context, q siem.Query) record.Stream {
	return func(yield func(record.Record, error) bool) {
		if err := q.Validate(); err != nil {
			yield(record.Record{}, fmt.Errorf("elastic: %w", err))
			return
		}
		var err error
		switch q.Language {
		case DSL, siem.Lucene:
			err = c.searchPIT(ctx, q, yield)
		case siem.ESQL:
			err = c.esql(ctx, q, yield)
		default:
			err = fmt.Errorf("elastic: %s queries are not supported: use dsl, lucene or esql", q.Language)
		}
		if err != nil {
			yield(record.Record{}, err)
		}
	}
}

var _ siem.Source = (*Client)(nil)

// errStop says the consumer stopped the iteration; nothing more is yielded.
var errStop = errors.New("stopped")

// isBodyKey reports whether k is a top-level key of a search body; a DSL text with any of them
// is a whole body, otherwise it is one query object.
func isBodyKey(k string) bool {
	switch k {
	case "query", "sort", "size", "_source", "fields", "docvalue_fields", "stored_fields", "runtime_mappings",
		"post_filter", "track_total_hits", "highlight", "min_score", "timeout", "terminate_after", "collapse",
		"from", "search_after", "pit", "aggs", "aggregations", "script_fields", "version", "seq_no_primary_term",
		"explain", "indices_boost", "rescore", "track_scores", "stats", "ext", "knn", "retriever", "rank":
		return true
	}
	return false
}

// searchBody builds the first page's body from q: the query (wrapped with the time range), the
// sort ending in the tiebreaker, and the limit the body's own size sets (0 = none).
func (c *Client) searchBody(q siem.Query) (map[string]json.RawMessage, int, error) {
	body := map[string]json.RawMessage{}
	var query json.RawMessage
	if q.Language == siem.Lucene {
		qs, _ := json.Marshal(map[string]any{"query_string": map[string]any{"query": q.Text}})
		query = qs
	} else {
		var obj map[string]json.RawMessage
		dec := json.NewDecoder(strings.NewReader(q.Text))
		if err := dec.Decode(&obj); err != nil || obj == nil {
			return nil, 0, fmt.Errorf("elastic: dsl query is not a json object: %v", errOrNull(err))
		}
		if dec.More() {
			return nil, 0, errors.New("elastic: dsl query has text after its json object")
		}
		whole := false
		for k := range obj {
			if isBodyKey(k) {
				whole = true
				break
			}
		}
		if whole {
			for _, k := range []string{"from", "search_after", "pit"} {
				if _, ok := obj[k]; ok {
					return nil, 0, fmt.Errorf("elastic: dsl body sets %q, which paging sets itself; remove it", k)
				}
			}
			for _, k := range []string{"aggs", "aggregations"} {
				if _, ok := obj[k]; ok {
					return nil, 0, fmt.Errorf("elastic: dsl body has %q: aggregations are not returned as records; use an ES|QL STATS query", k)
				}
			}
			body = obj
			query = obj["query"]
		} else {
			query = json.RawMessage(q.Text)
		}
	}
	limit := 0
	if s, ok := body["size"]; ok {
		if err := json.Unmarshal(s, &limit); err != nil || limit < 0 {
			return nil, 0, fmt.Errorf("elastic: dsl body size %s is not a count", s)
		}
		delete(body, "size")
		if limit == 0 {
			limit = -1 // size 0: no hits wanted
		}
	}
	if rng := c.rangeFilter(q.Range); rng != nil {
		filter := []json.RawMessage{rng}
		if len(query) > 0 {
			filter = append([]json.RawMessage{query}, rng)
		}
		query, _ = json.Marshal(map[string]any{"bool": map[string]any{"filter": filter}})
	}
	if len(query) > 0 {
		body["query"] = query
	}
	var sort []json.RawMessage
	if s, ok := body["sort"]; ok {
		if err := json.Unmarshal(s, &sort); err != nil {
			var one json.RawMessage // "sort": "field" or {"field":"asc"}
			if json.Unmarshal(s, &one) != nil {
				return nil, 0, fmt.Errorf("elastic: dsl body sort is not a sort: %v", err)
			}
			sort = []json.RawMessage{one}
		}
	}
	if !sortsBy(sort, c.cfg.Tiebreaker) {
		tb, _ := json.Marshal(map[string]string{c.cfg.Tiebreaker: "asc"})
		sort = append(sort, tb)
	}
	body["sort"], _ = json.Marshal(sort)
	if _, ok := body["track_total_hits"]; !ok {
		body["track_total_hits"] = json.RawMessage("false")
	}
	return body, limit, nil
}

func errOrNull(err error) error {
	if err == nil {
		return errors.New("null")
	}
	return err
}

// sortsBy reports whether the sort list already has field as a key.
func sortsBy(sort []json.RawMessage, field string) bool {
	for _, s := range sort {
		var name string
		if json.Unmarshal(s, &name) == nil {
			if name == field {
				return true
			}
			continue
		}
		var obj map[string]json.RawMessage
		if json.Unmarshal(s, &obj) == nil {
			if _, ok := obj[field]; ok {
				return true
			}
		}
	}
	return false
}

// rangeFilter is the range query for r on the time field, or nil for an unbounded range.
func (c *Client) rangeFilter(r siem.Range) json.RawMessage {
	if r.From.IsZero() && r.To.IsZero() {
		return nil
	}
	bounds := map[string]string{"format": "strict_date_optional_time"}
	if !r.From.IsZero() {
		bounds["gte"] = r.From.UTC().Format(time.RFC3339Nano)
	}
	if !r.To.IsZero() {
		bounds["lt"] = r.To.UTC().Format(time.RFC3339Nano)
	}
	b, _ := json.Marshal(map[string]any{"range": map[string]any{c.cfg.TimeField: bounds}})
	return b
}

// searchPIT opens a point in time on the index, pages through the hits with search_after and
// closes the point in time at the end.
func (c *Client) searchPIT(ctx context.Context, q siem.Query, yield func(record.Record, error) bool) (err error) {
	if c.cfg.Index == "" {
		return errors.New("elastic: no index configured to search (set index)")
	}
	body, limit, err := c.searchBody(q)
	if err != nil {
		return err
	}
	if q.Limit > 0 && (limit <= 0 || q.Limit < limit) {
		limit = q.Limit
	}
	if limit < 0 {
		return nil
	}
	pit, err := c.openPIT(ctx)
	if err != nil {
		return err
	}
	defer func() {
		// Close even when ctx is cancelled: the point in time holds resources on the cluster.
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer cancel()
		if cerr := c.closePIT(cctx, pit); cerr != nil {
			c.warn(cerr.Error()) // the search's own outcome matters more; the PIT expires by itself
		}
		if errors.Is(err, errStop) {
			err = nil
		}
	}()
	dec := newHitDecoder(c.cfg.TimeField, c.cfg.Index)
	n := 0
	var after json.RawMessage
	for page := 1; ; page++ {
		if err := ctx.Err(); err != nil {
			return err
		}
		size := c.cfg.PageSize
		if limit > 0 && limit-n < size {
			size = limit - n
		}
		body["size"], _ = json.Marshal(size)
		body["pit"], _ = json.Marshal(map[string]string{"id": pit, "keep_alive": c.cfg.KeepAlive})
		if after != nil {
			body["search_after"] = after
		}
		data, _ := json.Marshal(body)
		resp, err := c.call(ctx, request{op: "search", method: http.MethodPost, path: "/_search", body: data})
		if err != nil {
			var e *Error
			if c.cfg.Flavor == OpenSearch && c.cfg.Tiebreaker == "_shard_doc" && errors.As(err, &e) && e.Status == http.StatusBadRequest && strings.Contains(e.Reason, "_shard_doc") {
				return fmt.Errorf("%w (OpenSearch before 3.3 has no _shard_doc: set tiebreaker: _id or a unique keyword field)", err)
			}
			return err
		}
		res, err := dec.decode(resp)
		if err != nil {
			return fmt.Errorf("elastic search page %d: %w", page, err)
		}
		if res.pitID != "" {
			pit = res.pitID
		}
		for _, w := range res.warnings {
			c.warn(fmt.Sprintf("elastic search page %d: %s", page, w))
		}
		for _, r := range res.records {
			n++
			r.Meta.N = n
			if !yield(r, nil) {
				return errStop
			}
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		if len(res.records) < size || (limit > 0 && n >= limit) {
			return nil
		}
		if res.lastSort == nil {
			return fmt.Errorf("elastic search page %d: the last hit has no sort values to page from", page)
		}
		after = res.lastSort
	}
}

func (c *Client) openPIT(ctx context.Context) (string, error) {
	q := url.Values{"keep_alive": {c.cfg.KeepAlive}}
	path := c.cfg.Index + "/_pit"
	if c.cfg.Flavor == OpenSearch {
		path = c.cfg.Index + "/_search/point_in_time"
	}
	data, err := c.call(ctx, request{op: "open point in time", method: http.MethodPost, path: path, query: q})
	if err != nil {
		return "", err
	}
	var r struct {
		ID    string `json:"id"`
		PitID string `json:"pit_id"`
	}
	if err := json.Unmarshal(data, &r); err != nil {
		return "", fmt.Errorf("elastic open point in time: %w", err)
	}
	id := r.ID
	if c.cfg.Flavor == OpenSearch {
		id = r.PitID
	}
	if id == "" {
		return "", errors.New("elastic open point in time: the reply has no id")
	}
	return id, nil
}

func (c *Client) closePIT(ctx context.Context, id string) error {
	r := request{op: "close point in time", method: http.MethodDelete, path: "/_pit"}
	if c.cfg.Flavor == OpenSearch {
		r.path = "/_search/point_in_time"
		r.body, _ = json.Marshal(map[string][]string{"pit_id": {id}})
	} else {
		r.body, _ = json.Marshal(map[string]string{"id": id})
	}
	rep, err := c.send(ctx, r)
	if err != nil {
		return err
	}
	if rep.status/100 != 2 && rep.status != http.StatusNotFound { // 404: already expired
		return replyError(r.op, rep.status, rep.body)
	}
	return nil
}

// hasESQLLimit tells whether an ES|QL query already limits its rows.
func hasESQLLimit(text string) bool {
	for _, cmd := range strings.Split(text, "|") {
		f := strings.Fields(cmd)
		if len(f) > 0 && strings.EqualFold(f[0], "limit") {
			return true
		}
	}
	return false
}

// esqlDefaultLimit is the row count ES|QL returns for a query without LIMIT.
const esqlDefaultLimit = 1000

// esqlMaxRows is the most rows ES|QL returns whatever the LIMIT, unless the cluster setting
// esql.query.result_truncation_max_size is raised.
const esqlMaxRows = 10000

// esql runs an ES|QL query: POST /_query?format=json, the time range as the request's DSL
// filter, q.Limit appended as a LIMIT command.
func (c *Client) esql(ctx context.Context, q siem.Query, yield func(record.Record, error) bool) error {
	if c.cfg.Flavor == OpenSearch {
		return errors.New("elastic: OpenSearch has no ES|QL (its PPL and SQL plugins are other languages)")
	}
	text := q.Text
	limited := hasESQLLimit(text)
	if q.Limit > 0 {
		text = strings.TrimRight(text, " \t\r\n") + fmt.Sprintf("\n| LIMIT %d", q.Limit)
		limited = true
	}
	body := map[string]json.RawMessage{}
	body["query"], _ = json.Marshal(text)
	if rng := c.rangeFilter(q.Range); rng != nil {
		body["filter"] = rng
	}
	data, _ := json.Marshal(body)
	resp, err := c.call(ctx, request{op: "esql", method: http.MethodPost, path: "/_query", query: url.Values{"format": {"json"}}, body: data})
	if err != nil {
		return err
	}
	res, err := decodeESQL(resp)
	if err != nil {
		return err
	}
	if res.partial {
		c.warn("elastic esql: partial results (is_partial is true): some shards or clusters did not answer")
	}
	switch n := len(res.records); {
	case !limited && n == esqlDefaultLimit:
		c.warn(fmt.Sprintf("elastic esql: %d rows is ES|QL's default LIMIT; add a LIMIT to the query (or a query limit) for more", esqlDefaultLimit))
	case n == esqlMaxRows && (q.Limit == 0 || q.Limit > esqlMaxRows):
		c.warn(fmt.Sprintf("elastic esql: %d rows is ES|QL's cap (esql.query.result_truncation_max_size): results may be cut; narrow the time range or page by time", esqlMaxRows))
	}
	for i, r := range res.records {
		r.Meta = record.Meta{Source: "esql", N: i + 1}
		if !yield(r, nil) {
			return nil
		}
		if err := ctx.Err(); err != nil {
			return err
		}
	}
	return nil
}
