package elastic

import (
	"context"
	"encoding/base64"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hunchsec/hunch/record"
	"github.com/hunchsec/hunch/siem"
)

const apiKeyHeader = "ApiKey " + "aWQ6c2VjcmV0" // base64("id:secret")

func esConfig() Config {
	return Config{Index: "logs-*", APIKey: "id:secret", PageSize: 2}
}

func pitQuery() url.Values { return url.Values{"keep_alive": {"1m"}} }

// collect runs a search to its end and returns the records and the final error.
func collect(t *testing.T, s record.Stream) ([]record.Record, error) {
	t.Helper()
	var out []record.Record
	for r, err := range s {
		if err != nil {
			return out, err
		}
		out = append(out, r)
	}
	return out, nil
}

func ids(rs []record.Record) string {
	var s []string
	for _, r := range rs {
		v, _ := r.Get("_id")
		s = append(s, v.Text())
	}
	return strings.Join(s, ",")
}

func hitsReply(pit string, hits ...string) string {
	return `{"pit_id":"` + pit + `","took":3,"timed_out":false,"_shards":{"total":2,"successful":2,"skipped":0,"failed":0},` +
		`"hits":{"total":{"value":0,"relation":"gte"},"max_score":null,"hits":[` + strings.Join(hits, ",") + `]}}`
}

func esHit(id string, sort string) string {
	return `{"_index":".ds-logs-2024.05.01-000001","_id":"` + id + `","_score":null,"_source":{"@timestamp":"2024-05-01T10:00:0` +
		id[len(id)-1:] + `Z","host":{"name":"web01","ip":["10.0.0.1","10.0.0.2"]},"event":{"code":4688},"process.command_line":"cmd /c \"x\""},"sort":` + sort + `}`
}

func TestSearchDSLPagesWithPIT(t *testing.T) {
	from := time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC)
	to := from.Add(24 * time.Hour)
	query := `{"bool":{"filter":[{"term":{"host.name":"web01"}},{"range":{"@timestamp":{"format":"strict_date_optional_time","gte":"2024-05-01T00:00:00Z","lt":"2024-05-02T00:00:00Z"}}}]}}`
	page := func(pit, after string) string {
		b := `{"query":` + query + `,"sort":[{"_shard_doc":"asc"}],"size":2,"track_total_hits":false,"pit":{"id":"` + pit + `","keep_alive":"1m"}`
		if after != "" {
			b += `,"search_after":` + after
		}
		return b + "}"
	}
	c, _, w := newReplay(t, esConfig(), apiKeyHeader,
		exchange{method: "POST", path: "/logs-*/_pit", query: pitQuery(), reply: `{"id":"pit-1"}`},
		exchange{method: "POST", path: "/_search", body: page("pit-1", ""), reply: hitsReply("pit-2", esHit("a1", "[11]"), esHit("a2", "[12]"))},
		exchange{method: "POST", path: "/_search", body: page("pit-2", "[12]"), reply: hitsReply("pit-2", esHit("a3", "[13]"), esHit("a4", "[14]"))},
		exchange{method: "POST", path: "/_search", body: page("pit-2", "[14]"), reply: hitsReply("pit-3", esHit("a5", "[15]"))},
		exchange{method: "DELETE", path: "/_pit", body: `{"id":"pit-3"}`, reply: `{"succeeded":true,"num_freed":2}`},
	)
	rs, err := collect(t, c.Search(context.Background(), siem.Query{Text: `{"term":{"host.name":"web01"}}`, Language: DSL, Range: siem.Range{From: from, To: to}}))
	if err != nil {
		t.Fatal(err)
	}
	if got := ids(rs); got != "a1,a2,a3,a4,a5" {
		t.Fatalf("ids %s", got)
	}
	r := rs[2]
	if got := strings.Join(r.Names(), " "); got != "_index _id @timestamp host event process.command_line" {
		t.Errorf("field order %q", got)
	}
	if ts, ok := r.Fields()[2].Value.Time(); !ok || !ts.Equal(time.Date(2024, 5, 1, 10, 0, 3, 0, time.UTC)) {
		t.Errorf("@timestamp %v (time %v)", r.Fields()[2].Value, ok)
	}
	host, ok := r.Fields()[3].Value.Object()
	if !ok {
		t.Fatalf("host is %v, not an object", r.Fields()[3].Value)
	}
	if ips, _ := host.Get("ip"); len(ips.List()) != 2 {
		t.Errorf("host.ip %v, want a list of 2", ips)
	}
	if v, _ := r.Get("event"); v.Kind() != record.KindObject {
		t.Errorf("event %v", v)
	}
	if v, _ := r.Get("process.command_line"); v.Text() != `cmd /c "x"` {
		t.Errorf("command line %q", v.Text())
	}
	if r.Meta.N != 3 || r.Meta.Source != "logs-*" {
		t.Errorf("meta %+v", r.Meta)
	}
	if w.all() != "" {
		t.Errorf("warnings: %s", w.all())
	}
}

func TestSearchOpenSearchLucene(t *testing.T) {
	cfg := Config{Flavor: OpenSearch, Index: "winlogbeat-*", Username: "hunter", Password: "pw", PageSize: 2, TimeField: "event.created", KeepAlive: "5m"}
	basic := "Basic " + base64.StdEncoding.EncodeToString([]byte("hunter:pw"))
	hostile := `host.name:"web\"01" OR * | delete`
	qs := `{"query_string":{"query":"host.name:\"web\\\"01\" OR * | delete"}}`
	page := func(after string) string {
		b := `{"query":{"bool":{"filter":[` + qs + `,{"range":{"event.created":{"format":"strict_date_optional_time","gte":"2024-05-01T00:00:00Z"}}}]}},` +
			`"sort":[{"_shard_doc":"asc"}],"size":2,"track_total_hits":false,"pit":{"id":"os-pit","keep_alive":"5m"}`
		if after != "" {
			b += `,"search_after":` + after
		}
		return b + "}"
	}
	osHit := func(id string) string {
		return `{"_index":"winlogbeat-1","_id":"` + id + `","_score":null,"_source":{"event":{"code":"4625"},"event.created":1714557600000},"sort":["` + id + `"]}`
	}
	c, _, _ := newReplay(t, cfg, basic,
		exchange{method: "POST", path: "/winlogbeat-*/_search/point_in_time", query: url.Values{"keep_alive": {"5m"}},
			reply: `{"pit_id":"os-pit","_shards":{"total":1,"successful":1,"skipped":0,"failed":0},"creation_time":1714557600000}`},
		exchange{method: "POST", path: "/_search", body: page(""), reply: hitsReply("os-pit", osHit("o1"), osHit("o2"))},
		exchange{method: "POST", path: "/_search", body: page(`["o2"]`), reply: hitsReply("os-pit", osHit("o3"), osHit("o4"))},
		exchange{method: "POST", path: "/_search", body: page(`["o4"]`), reply: hitsReply("os-pit")},
		exchange{method: "DELETE", path: "/_search/point_in_time", body: `{"pit_id":["os-pit"]}`,
			reply: `{"pits":[{"successful":true,"pit_id":"os-pit"}]}`},
	)
	from := time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC)
	rs, err := collect(t, c.Search(context.Background(), siem.Query{Text: hostile, Language: siem.Lucene, Range: siem.Range{From: from}}))
	if err != nil {
		t.Fatal(err)
	}
	if got := ids(rs); got != "o1,o2,o3,o4" {
		t.Fatalf("ids %s", got)
	}
	if v, _ := rs[0].Get("event.created"); v.Kind() != record.KindTime {
		t.Errorf("event.created %v is not a time", v)
	} else if ts, _ := v.Time(); !ts.Equal(time.UnixMilli(1714557600000)) {
		t.Errorf("event.created %v", ts)
	}
}

func TestSearchLimit(t *testing.T) {
	tests := []struct {
		name   string
		text   string
		limit  int
		sizes  []string // the size of each page request
		bodyQ  string
		sortIn string
	}{
		{name: "query limit", text: `{"match_all":{}}`, limit: 3, sizes: []string{"2", "1"}, bodyQ: `{"match_all":{}}`, sortIn: `[{"_shard_doc":"asc"}]`},
		{name: "body size", text: `{"query":{"match_all":{}},"size":3,"sort":[{"@timestamp":"desc"}],"_source":["host"]}`, sizes: []string{"2", "1"},
			bodyQ: `{"match_all":{}}`, sortIn: `[{"@timestamp":"desc"},{"_shard_doc":"asc"}]`},
		{name: "smaller of both", text: `{"query":{"match_all":{}},"size":30,"sort":"@timestamp"}`, limit: 1, sizes: []string{"1"},
			bodyQ: `{"match_all":{}}`, sortIn: `["@timestamp",{"_shard_doc":"asc"}]`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			steps := []exchange{{method: "POST", path: "/logs-*/_pit", query: pitQuery(), reply: `{"id":"p"}`}}
			n := 0
			for i, size := range tt.sizes {
				b := `{"query":` + tt.bodyQ + `,"sort":` + tt.sortIn + `,"size":` + size + `,"track_total_hits":false,"pit":{"id":"p","keep_alive":"1m"}`
				if strings.Contains(tt.text, "_source") {
					b += `,"_source":["host"]`
				}
				if i > 0 {
					b += `,"search_after":[` + string(rune('0'+n)) + `]`
				}
				b += "}"
				var hs []string
				k, _ := strconv.Atoi(size)
				for range k {
					n++
					hs = append(hs, esHit("h"+string(rune('0'+n)), "["+string(rune('0'+n))+"]"))
				}
				steps = append(steps, exchange{method: "POST", path: "/_search", body: b, reply: hitsReply("p", hs...)})
			}
			steps = append(steps, exchange{method: "DELETE", path: "/_pit", body: `{"id":"p"}`, reply: `{"succeeded":true}`})
			c, _, _ := newReplay(t, esConfig(), apiKeyHeader, steps...)
			rs, err := collect(t, c.Search(context.Background(), siem.Query{Text: tt.text, Language: DSL, Limit: tt.limit}))
			if err != nil {
				t.Fatal(err)
			}
			if len(rs) != n {
				t.Errorf("%d records, want %d", len(rs), n)
			}
		})
	}
}

func TestSearchAuthFailure(t *testing.T) {
	c, _, _ := newReplay(t, esConfig(), apiKeyHeader,
		exchange{method: "POST", path: "/logs-*/_pit", query: pitQuery(), status: 401,
			header: map[string]string{"WWW-Authenticate": `ApiKey, Basic realm="security"`},
			reply:  `{"error":{"root_cause":[{"type":"security_exception","reason":"unable to authenticate with provided credentials and anonymous access is not allowed for this request"}],"type":"security_exception","reason":"unable to authenticate with provided credentials and anonymous access is not allowed for this request"},"status":401}`},
	)
	_, err := collect(t, c.Search(context.Background(), siem.Query{Text: "*", Language: siem.Lucene}))
	if !errors.Is(err, ErrAuth) || !errors.Is(err, ErrUnauthorized) || errors.Is(err, ErrForbidden) {
		t.Fatalf("err %v: want ErrAuth and ErrUnauthorized", err)
	}
	var e *Error
	if !errors.As(err, &e) || e.Type != "security_exception" || !strings.Contains(e.Reason, "unable to authenticate") {
		t.Errorf("error %#v", e)
	}
}

func TestSearchForbidden(t *testing.T) {
	c, _, _ := newReplay(t, esConfig(), apiKeyHeader,
		exchange{method: "POST", path: "/logs-*/_pit", query: pitQuery(), status: 403,
			reply: `{"error":{"type":"security_exception","reason":"action [indices:data/read/open_point_in_time] is unauthorized for API key id [id]"},"status":403}`},
	)
	_, err := collect(t, c.Search(context.Background(), siem.Query{Text: "*", Language: siem.Lucene}))
	if !errors.Is(err, ErrAuth) || !errors.Is(err, ErrForbidden) || errors.Is(err, ErrUnauthorized) {
		t.Fatalf("err %v: want ErrAuth and ErrForbidden", err)
	}
}

func TestSearchServerErrorClosesPIT(t *testing.T) {
	first := `{"query":{"query_string":{"query":"event.code:4625"}},"sort":[{"_shard_doc":"asc"}],"size":2,"track_total_hits":false,"pit":{"id":"p","keep_alive":"1m"}}`
	second := strings.TrimSuffix(first, "}") + `,"search_after":[2]}`
	c, _, _ := newReplay(t, esConfig(), apiKeyHeader,
		exchange{method: "POST", path: "/logs-*/_pit", query: pitQuery(), reply: `{"id":"p"}`},
		exchange{method: "POST", path: "/_search", body: first, reply: hitsReply("p", esHit("x1", "[1]"), esHit("x2", "[2]"))},
		exchange{method: "POST", path: "/_search", body: second, status: 500,
			reply: `{"error":{"root_cause":[{"type":"search_phase_execution_exception","reason":"all shards failed"}],"type":"search_phase_execution_exception","reason":"all shards failed","phase":"query","grouped":true,"failed_shards":[]},"status":500}`},
		exchange{method: "DELETE", path: "/_pit", body: `{"id":"p"}`, reply: `{"succeeded":true}`},
	)
	rs, err := collect(t, c.Search(context.Background(), siem.Query{Text: "event.code:4625", Language: siem.Lucene}))
	var e *Error
	if !errors.As(err, &e) || e.Status != 500 || e.Type != "search_phase_execution_exception" || e.Reason != "all shards failed" {
		t.Fatalf("err %v", err)
	}
	if errors.Is(err, ErrAuth) {
		t.Error("a 500 matches ErrAuth")
	}
	if len(rs) != 2 {
		t.Errorf("%d records before the error, want 2", len(rs))
	}
}

func TestSearchBadRequest(t *testing.T) {
	c, _, _ := newReplay(t, esConfig(), apiKeyHeader,
		exchange{method: "POST", path: "/logs-*/_pit", query: pitQuery(), reply: `{"id":"p"}`},
		exchange{method: "POST", path: "/_search",
			body:   `{"query":{"query_string":{"query":"a:("}},"sort":[{"_shard_doc":"asc"}],"size":2,"track_total_hits":false,"pit":{"id":"p","keep_alive":"1m"}}`,
			status: 400, reply: `{"error":{"root_cause":[{"type":"query_shard_exception","reason":"Failed to parse query [a:(]"}],"type":"search_phase_execution_exception","reason":"all shards failed","caused_by":{"type":"parse_exception","reason":"Cannot parse 'a:(': Encountered \"<EOF>\""}},"status":400}`},
		exchange{method: "DELETE", path: "/_pit", body: `{"id":"p"}`, status: 404, reply: `{"succeeded":false,"num_freed":0}`},
	)
	_, err := collect(t, c.Search(context.Background(), siem.Query{Text: "a:(", Language: siem.Lucene}))
	if err == nil || !strings.Contains(err.Error(), "http 400: search_phase_execution_exception: all shards failed (caused by parse_exception: Cannot parse") {
		t.Fatalf("err %v", err)
	}
}

func TestSearchOpenSearchOldTiebreakerHint(t *testing.T) {
	tests := []struct {
		tiebreaker string
		status     int
		reply      string
	}{
		{"", 400, `{"error":{"root_cause":[{"type":"query_shard_exception","reason":"No mapping found for [_shard_doc] in order to sort on","index":"logs"}],"type":"search_phase_execution_exception","reason":"all shards failed","phase":"query","grouped":true,"failed_shards":[{"shard":0,"index":"logs","node":"n","reason":{"type":"query_shard_exception","reason":"No mapping found for [_shard_doc] in order to sort on"}}],"caused_by":{"type":"query_shard_exception","reason":"No mapping found for [_shard_doc] in order to sort on"}},"status":400}`},
		{"_id", 200, hitsReply("p")},
	}
	for _, tt := range tests {
		t.Run("tiebreaker "+tt.tiebreaker, func(t *testing.T) {
			sort := tt.tiebreaker
			if sort == "" {
				sort = "_shard_doc"
			}
			cfg := Config{Flavor: OpenSearch, Index: "logs", PageSize: 2, Tiebreaker: tt.tiebreaker}
			c, _, _ := newReplay(t, cfg, "",
				exchange{method: "POST", path: "/logs/_search/point_in_time", query: pitQuery(), reply: `{"pit_id":"p"}`},
				exchange{method: "POST", path: "/_search", status: tt.status, reply: tt.reply,
					body: `{"query":{"query_string":{"query":"*"}},"sort":[{"` + sort + `":"asc"}],"size":2,"track_total_hits":false,"pit":{"id":"p","keep_alive":"1m"}}`},
				exchange{method: "DELETE", path: "/_search/point_in_time", body: `{"pit_id":["p"]}`, reply: `{"pits":[{"successful":true,"pit_id":"p"}]}`},
			)
			_, err := collect(t, c.Search(context.Background(), siem.Query{Text: "*", Language: siem.Lucene}))
			if tt.status == 200 {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), "set tiebreaker: _id") {
				t.Fatalf("err %v", err)
			}
		})
	}
}

func TestSearchShardFailuresWarn(t *testing.T) {
	partial := `{"pit_id":"p","took":9,"timed_out":true,"_shards":{"total":3,"successful":2,"skipped":0,"failed":1,"failures":[` +
		`{"shard":1,"index":"logs-b","node":"n1","reason":{"type":"illegal_argument_exception","reason":"Text fields are not optimised for operations that require per-document field data"}}]},` +
		`"hits":{"total":{"value":1,"relation":"eq"},"max_score":null,"hits":[` + esHit("s1", "[1]") + `]}}`
	c, _, w := newReplay(t, esConfig(), apiKeyHeader,
		exchange{method: "POST", path: "/logs-*/_pit", query: pitQuery(), reply: `{"id":"p"}`},
		exchange{method: "POST", path: "/_search",
			body:  `{"query":{"query_string":{"query":"*"}},"sort":[{"_shard_doc":"asc"}],"size":2,"track_total_hits":false,"pit":{"id":"p","keep_alive":"1m"}}`,
			reply: partial},
		exchange{method: "DELETE", path: "/_pit", body: `{"id":"p"}`, reply: `{"succeeded":true}`},
	)
	rs, err := collect(t, c.Search(context.Background(), siem.Query{Text: "*", Language: siem.Lucene}))
	if err != nil {
		t.Fatal(err)
	}
	if len(rs) != 1 {
		t.Errorf("%d records, want the 1 partial one", len(rs))
	}
	for _, want := range []string{"timed out", "1 of 3 shards failed", "index logs-b shard 1: illegal_argument_exception: Text fields"} {
		if !strings.Contains(w.all(), want) {
			t.Errorf("warnings %q lack %q", w.all(), want)
		}
	}
}

func TestSearchCancelClosesPIT(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	body := `{"query":{"query_string":{"query":"*"}},"sort":[{"_shard_doc":"asc"}],"size":2,"track_total_hits":false,"pit":{"id":"p","keep_alive":"1m"}}`
	c, _, _ := newReplay(t, esConfig(), apiKeyHeader,
		exchange{method: "POST", path: "/logs-*/_pit", query: pitQuery(), reply: `{"id":"p"}`},
		exchange{method: "POST", path: "/_search", body: body, reply: hitsReply("p2", esHit("c1", "[1]"), esHit("c2", "[2]"))},
		exchange{method: "DELETE", path: "/_pit", body: `{"id":"p2"}`, reply: `{"succeeded":true}`},
	)
	var got []string
	var last error
	for r, err := range c.Search(ctx, siem.Query{Text: "*", Language: siem.Lucene}) {
		if err != nil {
			last = err
			break
		}
		v, _ := r.Get("_id")
		got = append(got, v.Text())
		cancel() // mid-stream, after the first record
	}
	if !errors.Is(last, context.Canceled) {
		t.Errorf("last error %v, want context.Canceled", last)
	}
	if len(got) != 1 {
		t.Errorf("records after cancel: %v", got)
	}
}

func TestSearchConsumerStopsClosesPIT(t *testing.T) {
	body := `{"query":{"query_string":{"query":"*"}},"sort":[{"_shard_doc":"asc"}],"size":2,"track_total_hits":false,"pit":{"id":"p","keep_alive":"1m"}}`
	c, _, _ := newReplay(t, esConfig(), apiKeyHeader,
		exchange{method: "POST", path: "/logs-*/_pit", query: pitQuery(), reply: `{"id":"p"}`},
		exchange{method: "POST", path: "/_search", body: body, reply: hitsReply("p", esHit("c1", "[1]"), esHit("c2", "[2]"))},
		exchange{method: "DELETE", path: "/_pit", body: `{"id":"p"}`, reply: `{"succeeded":true}`},
	)
	for _, err := range c.Search(context.Background(), siem.Query{Text: "*", Language: siem.Lucene}) {
		if err != nil {
			t.Fatal(err)
		}
		break
	}
}

func TestSearchRefusedBeforeSending(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
		q    siem.Query
		want string
	}{
		{"not json", esConfig(), siem.Query{Text: `{"term":`, Language: DSL}, "not a json object"},
		{"json array", esConfig(), siem.Query{Text: `[1]`, Language: DSL}, "not a json object"},
		{"trailing text", esConfig(), siem.Query{Text: `{"match_all":{}} x`, Language: DSL}, "text after"},
		{"from", esConfig(), siem.Query{Text: `{"query":{"match_all":{}},"from":10}`, Language: DSL}, `sets "from"`},
		{"aggs", esConfig(), siem.Query{Text: `{"size":0,"aggs":{"h":{"terms":{"field":"host.name"}}}}`, Language: DSL}, "ES|QL STATS"},
		{"bad size", esConfig(), siem.Query{Text: `{"query":{"match_all":{}},"size":"x"}`, Language: DSL}, "not a count"},
		{"no index", Config{}, siem.Query{Text: `*`, Language: siem.Lucene}, "no index"},
		{"kql", esConfig(), siem.Query{Text: `x`, Language: siem.KQL}, "not supported"},
		{"invalid", esConfig(), siem.Query{Text: ``, Language: siem.Lucene}, "empty text"},
		{"opensearch esql", Config{Flavor: OpenSearch}, siem.Query{Text: `FROM x`, Language: siem.ESQL}, "no ES|QL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, _, _ := newReplay(t, tt.cfg, authFor(tt.cfg))
			_, err := collect(t, c.Search(context.Background(), tt.q))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err %v, want %q", err, tt.want)
			}
		})
	}
}

func authFor(cfg Config) string {
	if cfg.APIKey != "" {
		return apiKeyHeader
	}
	return ""
}

func TestSearchSizeZeroSendsNothing(t *testing.T) {
	c, _, _ := newReplay(t, esConfig(), apiKeyHeader)
	rs, err := collect(t, c.Search(context.Background(), siem.Query{Text: `{"query":{"match_all":{}},"size":0}`, Language: DSL}))
	if err != nil || len(rs) != 0 {
		t.Errorf("%d records, err %v", len(rs), err)
	}
}

func TestSearchMaxResponseBytes(t *testing.T) {
	cfg := esConfig()
	cfg.MaxResponseBytes = 300
	body := `{"query":{"query_string":{"query":"*"}},"sort":[{"_shard_doc":"asc"}],"size":2,"track_total_hits":false,"pit":{"id":"p","keep_alive":"1m"}}`
	c, _, _ := newReplay(t, cfg, apiKeyHeader,
		exchange{method: "POST", path: "/logs-*/_pit", query: pitQuery(), reply: `{"id":"p"}`},
		exchange{method: "POST", path: "/_search", body: body, reply: hitsReply("p", esHit("c1", "[1]"), esHit("c2", "[2]"))},
		exchange{method: "DELETE", path: "/_pit", body: `{"id":"p"}`, reply: `{"succeeded":true}`},
	)
	_, err := collect(t, c.Search(context.Background(), siem.Query{Text: "*", Language: siem.Lucene}))
	if err == nil || !strings.Contains(err.Error(), "max_response_bytes (300)") {
		t.Fatalf("err %v", err)
	}
}

func TestSearchMissingSortRefused(t *testing.T) {
	body := `{"query":{"query_string":{"query":"*"}},"sort":[{"_shard_doc":"asc"}],"size":2,"track_total_hits":false,"pit":{"id":"p","keep_alive":"1m"}}`
	noSort := `{"_index":"i","_id":"n1","_source":{}}`
	c, _, _ := newReplay(t, esConfig(), apiKeyHeader,
		exchange{method: "POST", path: "/logs-*/_pit", query: pitQuery(), reply: `{"id":"p"}`},
		exchange{method: "POST", path: "/_search", body: body, reply: hitsReply("p", noSort, noSort)},
		exchange{method: "DELETE", path: "/_pit", body: `{"id":"p"}`, reply: `{"succeeded":true}`},
	)
	_, err := collect(t, c.Search(context.Background(), siem.Query{Text: "*", Language: siem.Lucene}))
	if err == nil || !strings.Contains(err.Error(), "no sort values") {
		t.Fatalf("err %v", err)
	}
}

func TestESQL(t *testing.T) {
	from := time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC)
	to := from.Add(time.Hour)
	reply := `{"took":28,"is_partial":true,"columns":[{"name":"@timestamp","type":"date"},{"name":"c","type":"long"},{"name":"host.name","type":"keyword"},` +
		`{"name":"avg","type":"double"},{"name":"ips","type":"ip"},{"name":"ok","type":"boolean"},{"name":"big","type":"unsigned_long"}],` +
		`"values":[["2024-05-01T10:00:00.000Z",12,"web01",1.5,["10.0.0.1","10.0.0.2"],true,18446744073709551615],` +
		`[null,3,"web02",2,null,false,1]]}`
	text := `FROM logs-* | WHERE source.ip == "1.2.3.4" | STATS c = COUNT(*) BY host.name`
	c, _, w := newReplay(t, esConfig(), apiKeyHeader,
		exchange{method: "POST", path: "/_query", query: url.Values{"format": {"json"}},
			body: `{"query":"FROM logs-* | WHERE source.ip == \"1.2.3.4\" | STATS c = COUNT(*) BY host.name\n| LIMIT 10",` +
				`"filter":{"range":{"@timestamp":{"format":"strict_date_optional_time","gte":"2024-05-01T00:00:00Z","lt":"2024-05-01T01:00:00Z"}}}}`,
			reply: reply},
	)
	rs, err := collect(t, c.Search(context.Background(), siem.Query{Text: text, Language: siem.ESQL, Limit: 10, Range: siem.Range{From: from, To: to}}))
	if err != nil {
		t.Fatal(err)
	}
	if len(rs) != 2 {
		t.Fatalf("%d rows", len(rs))
	}
	r := rs[0]
	if got := strings.Join(r.Names(), " "); got != "@timestamp c host.name avg ips ok big" {
		t.Errorf("columns %q", got)
	}
	want := []record.Kind{record.KindTime, record.KindInt, record.KindString, record.KindFloat, record.KindList, record.KindBool, record.KindString}
	for i, k := range want {
		if r.Fields()[i].Value.Kind() != k {
			t.Errorf("row 1 %s is %v, want %v", r.Fields()[i].Name, r.Fields()[i].Value.Kind(), k)
		}
	}
	if v, _ := rs[1].Get("avg"); v.Kind() != record.KindFloat {
		t.Errorf("double column value 2 is %v", v.Kind())
	}
	if v, _ := rs[1].Get("@timestamp"); !v.IsNull() {
		t.Errorf("null is %v", v)
	}
	if !strings.Contains(w.all(), "partial") {
		t.Errorf("no partial warning: %q", w.all())
	}
}

func TestESQLTruncationWarns(t *testing.T) {
	tests := []struct {
		name  string
		text  string
		limit int
		sent  string
		rows  int
		want  string
	}{
		{"default limit", "FROM logs-* | KEEP x", 0, "FROM logs-* | KEEP x", esqlDefaultLimit, "default LIMIT"},
		{"explicit limit", "FROM logs-* | KEEP x | LIMIT 1000", 0, "FROM logs-* | KEEP x | LIMIT 1000", esqlDefaultLimit, ""},
		{"cap", "FROM logs-* | KEEP x", 50000, "FROM logs-* | KEEP x\\n| LIMIT 50000", esqlMaxRows, "esql.query.result_truncation_max_size"},
		{"limit at cap", "FROM logs-* | KEEP x", esqlMaxRows, "FROM logs-* | KEEP x\\n| LIMIT 10000", esqlMaxRows, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			vals := strings.Repeat(`[1],`, tt.rows)
			c, _, w := newReplay(t, esConfig(), apiKeyHeader,
				exchange{method: "POST", path: "/_query", query: url.Values{"format": {"json"}}, body: `{"query":"` + tt.sent + `"}`,
					reply: `{"columns":[{"name":"x","type":"integer"}],"values":[` + strings.TrimSuffix(vals, ",") + `]}`},
			)
			rs, err := collect(t, c.Search(context.Background(), siem.Query{Text: tt.text, Language: siem.ESQL, Limit: tt.limit}))
			if err != nil || len(rs) != tt.rows {
				t.Fatalf("%d rows, err %v", len(rs), err)
			}
			if got := w.all(); (tt.want == "") != (got == "") || !strings.Contains(got, tt.want) {
				t.Errorf("warnings %q, want %q", got, tt.want)
			}
			if rs[0].Meta.Source != "esql" || rs[len(rs)-1].Meta.N != tt.rows {
				t.Errorf("meta %+v", rs[len(rs)-1].Meta)
			}
		})
	}
}

func TestESQLError(t *testing.T) {
	c, _, _ := newReplay(t, esConfig(), apiKeyHeader,
		exchange{method: "POST", path: "/_query", query: url.Values{"format": {"json"}}, body: `{"query":"FROM x | WHERE"}`, status: http.StatusBadRequest,
			reply: `{"error":{"root_cause":[{"type":"parsing_exception","reason":"line 1:15: mismatched input '<EOF>'"}],"type":"parsing_exception","reason":"line 1:15: mismatched input '<EOF>'"},"status":400}`},
	)
	_, err := collect(t, c.Search(context.Background(), siem.Query{Text: "FROM x | WHERE", Language: siem.ESQL}))
	var e *Error
	if !errors.As(err, &e) || e.Type != "parsing_exception" || e.Op != "esql" {
		t.Fatalf("err %v", err)
	}
}

func TestHasESQLLimit(t *testing.T) {
	for text, want := range map[string]bool{
		"FROM x | LIMIT 5":        true,
		"FROM x\n| limit 5":       true,
		"FROM x | WHERE a > 1":    false,
		`FROM x | WHERE a == "|"`: false,
	} {
		if got := hasESQLLimit(text); got != want {
			t.Errorf("hasESQLLimit(%q) = %v", text, got)
		}
	}
}

// TestHostileValuesStayLiterals: a value quoted with siem's quoters reaches the server as one
// literal inside the query text, and the text as one JSON string.
func TestHostileValuesStayLiterals(t *testing.T) {
	hostile := `web01" OR * | delete \ "x`
	lucene := "host.name:" + siem.QuoteLucene(hostile)
	esql := "FROM logs-* | WHERE host.name == " + siem.QuoteESQL(hostile+"\n| DROP x")
	c, _, _ := newReplay(t, esConfig(), apiKeyHeader,
		exchange{method: "POST", path: "/logs-*/_pit", query: pitQuery(), reply: `{"id":"p"}`},
		exchange{method: "POST", path: "/_search", reply: hitsReply("p"),
			body: `{"query":{"query_string":{"query":"host.name:\"web01\\\" OR * | delete \\\\ \\\"x\""}},"sort":[{"_shard_doc":"asc"}],"size":2,"track_total_hits":false,"pit":{"id":"p","keep_alive":"1m"}}`},
		exchange{method: "DELETE", path: "/_pit", body: `{"id":"p"}`, reply: `{"succeeded":true}`},
		exchange{method: "POST", path: "/_query", query: url.Values{"format": {"json"}}, reply: `{"columns":[],"values":[]}`,
			body: `{"query":"FROM logs-* | WHERE host.name == \"web01\\\" OR * | delete \\\\ \\\"x\\n| DROP x\""}`},
	)
	if _, err := collect(t, c.Search(context.Background(), siem.Query{Text: lucene, Language: siem.Lucene})); err != nil {
		t.Fatal(err)
	}
	if _, err := collect(t, c.Search(context.Background(), siem.Query{Text: esql, Language: siem.ESQL})); err != nil {
		t.Fatal(err)
	}
	if got, err := siem.UnquoteLucene(strings.TrimPrefix(lucene, "host.name:")); err != nil || got != hostile {
		t.Errorf("lucene literal reads back as %q, %v", got, err)
	}
}
