package sentinel

import (
	"context"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"go.yaml.in/yaml/v3"

	"github.com/hunchsec/hunch/record"
	"github.com/hunchsec/hunch/siem"
)

const (
	testWorkspace = "b7e0f9a1-7c9d-4d4c-9a7e-2f6d1c0e5a11"
	testToken     = "eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.test"
)

// fakeCred hands out a fixed token (or error) and remembers the scopes asked for.
type fakeCred struct {
	mu     sync.Mutex
	scopes [][]string
	err    error
}

func (f *fakeCred) GetToken(_ context.Context, o policy.TokenRequestOptions) (azcore.AccessToken, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.scopes = append(f.scopes, o.Scopes)
	if f.err != nil {
		return azcore.AccessToken{}, f.err
	}
	return azcore.AccessToken{Token: testToken, ExpiresOn: time.Now().Add(time.Hour)}, nil
}

func fixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// queryRequest is what the fake query API saw.
type queryRequest struct {
	Query      string   `json:"query"`
	Timespan   string   `json:"timespan"`
	Workspaces []string `json:"workspaces"`
}

// queryServer replays status and body for every request, after asserting the request's
// method, path, headers and JSON body; it hands each decoded body to seen.
func queryServer(t *testing.T, status int, body []byte, seen func(queryRequest)) *httptest.Server {
	t.Helper()
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			t.Errorf("method %s, want POST", r.Method)
		}
		if want := "/v1/workspaces/" + testWorkspace + "/query"; r.URL.Path != want {
			t.Errorf("path %q, want %q", r.URL.Path, want)
		}
		if r.URL.RawQuery != "" {
			t.Errorf("query string %q, want none (the API version is the /v1 path)", r.URL.RawQuery)
		}
		if got := r.Header.Get("Authorization"); got != "Bearer "+testToken {
			t.Errorf("Authorization %q", got)
		}
		if got := r.Header.Get("Content-Type"); got != "application/json" {
			t.Errorf("Content-Type %q", got)
		}
		if got := r.Header.Get("Prefer"); got != "wait=180" {
			t.Errorf("Prefer %q, want wait=180", got)
		}
		var q queryRequest
		if err := json.NewDecoder(r.Body).Decode(&q); err != nil {
			t.Errorf("request body: %v", err)
		}
		if seen != nil {
			seen(q)
		}
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.WriteHeader(status)
		w.Write(body)
	}))
	t.Cleanup(srv.Close)
	return srv
}

func testConfig(srv *httptest.Server) Config {
	return Config{
		WorkspaceID: testWorkspace,
		Endpoint:    srv.URL + "/v1",
		Retry:       Retry{Delay: time.Millisecond, MaxDelay: 10 * time.Millisecond},
	}
}

func newTestClient(t *testing.T, srv *httptest.Server, cfg Config, cred azcore.TokenCredential, opts ...Option) *Client {
	t.Helper()
	if cred == nil {
		cred = &fakeCred{}
	}
	opts = append([]Option{WithCredential(cred), WithHTTPClient(srv.Client())}, opts...)
	c, err := New(cfg, func(string) string { return "" }, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func collect(s record.Stream) ([]record.Record, []error) {
	var recs []record.Record
	var errs []error
	for r, err := range s {
		if err != nil {
			errs = append(errs, err)
			continue
		}
		recs = append(recs, r)
	}
	return recs, errs
}

func kql(text string) siem.Query { return siem.Query{Text: text, Language: siem.KQL} }

func TestSearchSuccess(t *testing.T) {
	from := time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC)
	to := from.Add(24 * time.Hour)
	var got queryRequest
	srv := queryServer(t, 200, fixture(t, "query_success.json"), func(q queryRequest) { got = q })
	cred := &fakeCred{}
	c := newTestClient(t, srv, testConfig(srv), cred)
	q := kql("SecurityEvent | where EventID == 4688")
	q.Range = siem.Range{From: from, To: to}
	recs, errs := collect(c.Search(context.Background(), q))
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	if got.Query != q.Text || got.Timespan != "2024-05-01T00:00:00Z/2024-05-02T00:00:00Z" || got.Workspaces != nil {
		t.Errorf("request body %+v", got)
	}
	if want := [][]string{{"https://api.loganalytics.io/.default"}}; !slices.EqualFunc(cred.scopes, want, slices.Equal) {
		t.Errorf("token scopes %v, want %v", cred.scopes, want)
	}
	if len(recs) != 3 {
		t.Fatalf("%d records, want 3", len(recs))
	}
	wantNames := []string{"TimeGenerated", "Computer", "EventID", "Count", "Ratio", "IsAdmin", "Details", "SessionId", "Duration", "Amount"}
	if names := recs[0].Names(); !slices.Equal(names, wantNames) {
		t.Errorf("names %v", names)
	}
	r := recs[0]
	if ts, ok := get(t, r, "TimeGenerated").Time(); !ok || !ts.Equal(time.Date(2024, 5, 1, 10, 0, 0, 123456700, time.UTC)) {
		t.Errorf("TimeGenerated %v", get(t, r, "TimeGenerated"))
	}
	if n, ok := get(t, r, "EventID").Int(); !ok || n != 4688 {
		t.Errorf("EventID %v", get(t, r, "EventID"))
	}
	if n, ok := get(t, r, "Count").Int(); !ok || n != 9007199254740993 {
		t.Errorf("Count %v: a long must stay exact", get(t, r, "Count"))
	}
	if f, ok := get(t, r, "Ratio").Float(); !ok || f != 0.25 {
		t.Errorf("Ratio %v", get(t, r, "Ratio"))
	}
	if b, ok := get(t, r, "IsAdmin").Bool(); !ok || !b {
		t.Errorf("IsAdmin %v", get(t, r, "IsAdmin"))
	}
	if js := string(get(t, r, "Details").AppendJSON(nil)); js != `{"b":1,"a":["x",2.5,null],"c":{"d":false}}` {
		t.Errorf("Details %s: dynamic must become ordered JSON values", js)
	}
	for name, want := range map[string]string{"SessionId": "63613592-b6f7-4c3d-a390-22ba13102111", "Duration": "00:05:00", "Amount": "12.300000000000000001", "Computer": "WS01.contoso.com"} {
		if s, ok := get(t, r, name).Str(); !ok || s != want {
			t.Errorf("%s %v, want string %q", name, get(t, r, name), want)
		}
	}
	r = recs[1]
	if n, ok := get(t, r, "Count").Int(); !ok || n != 1158 {
		t.Errorf("Count %v: a long sent as a string is still an int", get(t, r, "Count"))
	}
	if f, ok := get(t, r, "Ratio").Float(); !ok || !math.IsNaN(f) {
		t.Errorf("Ratio %v, want NaN", get(t, r, "Ratio"))
	}
	if l := get(t, r, "Details").List(); len(l) != 3 {
		t.Errorf("Details %v, want a list of 3", get(t, r, "Details"))
	}
	for _, f := range recs[2].Fields() {
		if f.Name == "Computer" || f.Name == "Details" || f.Name == "SessionId" || f.Name == "Duration" {
			continue // empty strings
		}
		if !f.Value.IsNull() {
			t.Errorf("row 3 %s = %v, want null", f.Name, f.Value)
		}
	}
	if recs[2].Meta.N != 3 || recs[2].Meta.Source != "sentinel:"+testWorkspace {
		t.Errorf("meta %+v", recs[2].Meta)
	}
}

func get(t *testing.T, r record.Record, name string) record.Value {
	t.Helper()
	v, ok := r.Get(name)
	if !ok {
		t.Fatalf("no field %s in %v", name, r.Names())
	}
	return v
}

func TestSearchSeveralWorkspaces(t *testing.T) {
	var got queryRequest
	srv := queryServer(t, 200, fixture(t, "query_workspaces.json"), func(q queryRequest) { got = q })
	cfg := testConfig(srv)
	cfg.AdditionalWorkspaces = []string{"a4b1c2d3-0000-4c3d-a390-22ba13102999", "c0ffee00-1111-2222-3333-444455556666"}
	c := newTestClient(t, srv, cfg, nil)
	recs, errs := collect(c.Search(context.Background(), kql("Heartbeat | summarize count() by TenantId, Computer")))
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	if !slices.Equal(got.Workspaces, cfg.AdditionalWorkspaces) {
		t.Errorf("workspaces %v, want %v", got.Workspaces, cfg.AdditionalWorkspaces)
	}
	if got.Timespan != "" {
		t.Errorf("timespan %q sent for an open range", got.Timespan)
	}
	if len(recs) != 2 {
		t.Fatalf("%d records", len(recs))
	}
	if s, _ := get(t, recs[1], "TenantId").Str(); s != "a4b1c2d3-0000-4c3d-a390-22ba13102999" {
		t.Errorf("second row from workspace %q", s)
	}
}

func TestSearchTimespan(t *testing.T) {
	now := time.Date(2024, 6, 1, 12, 0, 0, 500, time.UTC)
	from := time.Date(2024, 5, 31, 12, 0, 0, 0, time.FixedZone("CEST", 2*3600))
	tests := []struct {
		name string
		r    siem.Range
		want string
	}{
		{"open", siem.Range{}, ""},
		{"both", siem.Range{From: from, To: now}, "2024-05-31T10:00:00Z/2024-06-01T12:00:00.0000005Z"},
		{"from only ends now", siem.Range{From: from}, "2024-05-31T10:00:00Z/2024-06-01T12:00:00.0000005Z"},
		{"to only starts at the epoch", siem.Range{To: now}, "1970-01-01T00:00:00Z/2024-06-01T12:00:00.0000005Z"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got queryRequest
			srv := queryServer(t, 200, fixture(t, "query_workspaces.json"), func(q queryRequest) { got = q })
			c := newTestClient(t, srv, testConfig(srv), nil, WithClock(func() time.Time { return now }))
			q := kql("Heartbeat")
			q.Range = tt.r
			if _, errs := collect(c.Search(context.Background(), q)); len(errs) > 0 {
				t.Fatal(errs)
			}
			if got.Timespan != tt.want {
				t.Errorf("timespan %q, want %q", got.Timespan, tt.want)
			}
		})
	}
}

func TestSearchLimit(t *testing.T) {
	srv := queryServer(t, 200, fixture(t, "query_success.json"), nil)
	c := newTestClient(t, srv, testConfig(srv), nil)
	q := kql("SecurityEvent")
	q.Limit = 2
	recs, errs := collect(c.Search(context.Background(), q))
	if len(errs) > 0 || len(recs) != 2 {
		t.Fatalf("%d records, errors %v; want 2 records", len(recs), errs)
	}
}

func TestSearchErrors(t *testing.T) {
	tests := []struct {
		name     string
		status   int
		fixture  string
		sentinel error
		code     string
		tries    int
	}{
		{"401 no authentication", 401, "error_401.json", ErrAuth, "AuthenticationFailed", 1},
		{"403 invalid token", 403, "error_403.json", ErrAuth, "InvalidAuthenticationToken", 1},
		{"400 syntax error", 400, "error_400.json", ErrBadRequest, "BadArgumentError", 1},
		{"500 after retries", 500, "error_500.json", ErrServer, "InternalServerError", 4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var tries atomic.Int32
			srv := queryServer(t, tt.status, fixture(t, tt.fixture), func(queryRequest) { tries.Add(1) })
			c := newTestClient(t, srv, testConfig(srv), nil)
			recs, errs := collect(c.Search(context.Background(), kql("SecurityEvent | take 1")))
			if len(recs) != 0 || len(errs) != 1 {
				t.Fatalf("%d records, errors %v", len(recs), errs)
			}
			err := errs[0]
			var ae *APIError
			if !errors.As(err, &ae) || !errors.Is(err, tt.sentinel) {
				t.Fatalf("error %v (%T), want an *APIError wrapping %v", err, err, tt.sentinel)
			}
			if ae.StatusCode != tt.status || ae.Info.Code != tt.code {
				t.Errorf("status %d code %q", ae.StatusCode, ae.Info.Code)
			}
			if tries.Load() != int32(tt.tries) {
				t.Errorf("%d tries, want %d", tries.Load(), tt.tries)
			}
		})
	}
	t.Run("inner errors in the message", func(t *testing.T) {
		srv := queryServer(t, 400, fixture(t, "error_400.json"), nil)
		c := newTestClient(t, srv, testConfig(srv), nil)
		_, errs := collect(c.Search(context.Background(), kql("SecurityEvent |")))
		if len(errs) != 1 || !strings.Contains(errs[0].Error(), "SYN0002 Query could not be parsed at '|' on line [1,15]") {
			t.Errorf("errors %v", errs)
		}
	})
}

func TestSearchTokenFailure(t *testing.T) {
	srv := queryServer(t, 200, fixture(t, "query_success.json"), func(queryRequest) { t.Error("request sent without a token") })
	c := newTestClient(t, srv, testConfig(srv), &fakeCred{err: errors.New("AADSTS7000215: Invalid client secret provided")})
	_, errs := collect(c.Search(context.Background(), kql("SecurityEvent")))
	var te *TokenError
	if len(errs) != 1 || !errors.As(errs[0], &te) || !errors.Is(errs[0], ErrAuth) || !strings.Contains(errs[0].Error(), "AADSTS7000215") {
		t.Fatalf("errors %v, want a TokenError that is ErrAuth", errs)
	}
}

func TestSearchPartial(t *testing.T) {
	t.Run("ends the stream", func(t *testing.T) {
		srv := queryServer(t, 200, fixture(t, "query_partial.json"), nil)
		c := newTestClient(t, srv, testConfig(srv), nil)
		var recs []record.Record
		var last error
		for r, err := range c.Search(context.Background(), kql("SecurityEvent")) {
			if last != nil {
				t.Fatal("element after the partial error")
			}
			if err != nil {
				last = err
				continue
			}
			recs = append(recs, r)
		}
		if len(recs) != 2 {
			t.Errorf("%d records, want the 2 of the partial result", len(recs))
		}
		var pe *PartialError
		if !errors.As(last, &pe) || pe.Rows != 2 || pe.Info.Code != "PartialError" || len(pe.Info.Details) != 1 {
			t.Fatalf("last %v, want a PartialError", last)
		}
		if !strings.Contains(pe.Error(), "E_QUERY_RESULT_SET_TOO_LARGE") {
			t.Errorf("message %q lacks the inner error", pe.Error())
		}
	})
	t.Run("as a warning", func(t *testing.T) {
		srv := queryServer(t, 200, fixture(t, "query_partial.json"), nil)
		var warnings []*PartialError
		c := newTestClient(t, srv, testConfig(srv), nil, WithWarnings(func(pe *PartialError) { warnings = append(warnings, pe) }))
		recs, errs := collect(c.Search(context.Background(), kql("SecurityEvent")))
		if len(recs) != 2 || len(errs) != 0 || len(warnings) != 1 || warnings[0].Info.Code != "PartialError" {
			t.Fatalf("%d records, errors %v, warnings %v", len(recs), errs, warnings)
		}
	})
}

func TestSearchCancel(t *testing.T) {
	t.Run("during the request", func(t *testing.T) {
		release := make(chan struct{})
		srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			<-release
		}))
		defer srv.Close()
		defer close(release)
		c := newTestClient(t, srv, testConfig(srv), nil)
		ctx, cancel := context.WithCancel(context.Background())
		time.AfterFunc(50*time.Millisecond, cancel)
		start := time.Now()
		_, errs := collect(c.Search(ctx, kql("SecurityEvent")))
		if len(errs) != 1 || !errors.Is(errs[0], context.Canceled) {
			t.Fatalf("errors %v, want context.Canceled", errs)
		}
		if d := time.Since(start); d > 5*time.Second {
			t.Errorf("took %s to stop", d)
		}
	})
	t.Run("mid-stream", func(t *testing.T) {
		srv := queryServer(t, 200, fixture(t, "query_success.json"), nil)
		c := newTestClient(t, srv, testConfig(srv), nil)
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		var recs int
		var errs []error
		for _, err := range c.Search(ctx, kql("SecurityEvent")) {
			if err != nil {
				errs = append(errs, err)
				continue
			}
			recs++
			cancel()
		}
		if recs != 1 || len(errs) != 1 || !errors.Is(errs[0], context.Canceled) {
			t.Fatalf("%d records, errors %v; want 1 record then context.Canceled", recs, errs)
		}
	})
	t.Run("consumer stops", func(t *testing.T) {
		srv := queryServer(t, 200, fixture(t, "query_success.json"), nil)
		c := newTestClient(t, srv, testConfig(srv), nil)
		n := 0
		for range c.Search(context.Background(), kql("SecurityEvent")) {
			n++
			break
		}
		if n != 1 {
			t.Fatal(n)
		}
	})
}

func TestSearchTimeouts(t *testing.T) {
	t.Run("server timeout sent as Prefer wait", func(t *testing.T) {
		var prefer string
		srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			prefer = r.Header.Get("Prefer")
			w.Write(fixture(t, "query_workspaces.json"))
		}))
		defer srv.Close()
		cfg := testConfig(srv)
		cfg.ServerTimeout = 10 * time.Minute
		c := newTestClient(t, srv, cfg, nil)
		if _, errs := collect(c.Search(context.Background(), kql("Heartbeat"))); len(errs) > 0 {
			t.Fatal(errs)
		}
		if prefer != "wait=600" {
			t.Errorf("Prefer %q, want wait=600", prefer)
		}
	})
	t.Run("client timeout per try", func(t *testing.T) {
		release := make(chan struct{})
		var tries atomic.Int32
		srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			tries.Add(1)
			select {
			case <-release:
			case <-r.Context().Done():
			}
		}))
		defer srv.Close()
		defer close(release)
		cfg := testConfig(srv)
		cfg.Timeout = 100 * time.Millisecond
		cfg.Retry.MaxRetries = 1
		c := newTestClient(t, srv, cfg, nil)
		start := time.Now()
		_, errs := collect(c.Search(context.Background(), kql("Heartbeat")))
		if len(errs) != 1 || !errors.Is(errs[0], context.DeadlineExceeded) {
			t.Fatalf("errors %v, want a deadline error", errs)
		}
		if d := time.Since(start); d > 5*time.Second {
			t.Errorf("took %s", d)
		}
		if tries.Load() != 2 {
			t.Errorf("%d tries, want 2 (one retry)", tries.Load())
		}
	})
}

func TestSearchMaxResponseBytes(t *testing.T) {
	body := fixture(t, "query_success.json")
	for _, chunked := range []bool{false, true} {
		var tries atomic.Int32
		srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			tries.Add(1)
			if chunked {
				w.(http.Flusher).Flush() // no Content-Length: the limit is hit while reading
			}
			w.Write(body)
		}))
		cfg := testConfig(srv)
		cfg.MaxResponseBytes = int64(len(body) - 1)
		c := newTestClient(t, srv, cfg, nil)
		_, errs := collect(c.Search(context.Background(), kql("SecurityEvent")))
		if len(errs) != 1 || !errors.Is(errs[0], ErrResponseTooLarge) {
			t.Errorf("chunked=%v: errors %v, want ErrResponseTooLarge", chunked, errs)
		}
		if tries.Load() != 1 {
			t.Errorf("chunked=%v: %d tries; an oversized reply is not retried", chunked, tries.Load())
		}
		cfg.MaxResponseBytes = int64(len(body))
		c = newTestClient(t, srv, cfg, nil)
		if recs, errs := collect(c.Search(context.Background(), kql("SecurityEvent"))); len(errs) != 0 || len(recs) != 3 {
			t.Errorf("chunked=%v at the limit: %d records, errors %v", chunked, len(recs), errs)
		}
		srv.Close()
	}
}

func TestSearchRefusesBadQueries(t *testing.T) {
	srv := queryServer(t, 200, fixture(t, "query_success.json"), func(queryRequest) { t.Error("request sent") })
	c := newTestClient(t, srv, testConfig(srv), nil)
	for _, q := range []siem.Query{{Text: "", Language: siem.KQL}, {Text: "index=main", Language: siem.SPL}, {Text: "x", Language: siem.KQL, Limit: -1}} {
		if _, errs := collect(c.Search(context.Background(), q)); len(errs) != 1 {
			t.Errorf("%+v: errors %v, want one", q, errs)
		}
	}
}

func TestSearchMalformedReply(t *testing.T) {
	for name, body := range map[string]string{
		"not json":       `<html>`,
		"short row":      `{"tables":[{"name":"PrimaryResult","columns":[{"name":"a","type":"string"},{"name":"b","type":"long"}],"rows":[["x"]]}]}`,
		"no tables":      `{}`,
		"deep dynamic":   `{"tables":[{"name":"t","columns":[{"name":"d","type":"dynamic"}],"rows":[[` + strings.Repeat("[", 200) + strings.Repeat("]", 200) + `]]}]}`,
		"bad cell token": `{"tables":[{"name":"t","columns":[{"name":"d","type":"dynamic"}],"rows":[[{"a":` + strings.Repeat("[", 200) + strings.Repeat("]", 200) + `}]]}]}`,
	} {
		t.Run(name, func(t *testing.T) {
			srv := queryServer(t, 200, []byte(body), nil)
			c := newTestClient(t, srv, testConfig(srv), nil)
			recs, errs := collect(c.Search(context.Background(), kql("T")))
			if len(recs) != 0 || len(errs) != 1 {
				t.Fatalf("%d records, errors %v; want one error", len(recs), errs)
			}
		})
	}
}

func TestNewConfigErrors(t *testing.T) {
	cred := WithCredential(&fakeCred{})
	tests := []struct {
		name string
		cfg  Config
		want string
	}{
		{"no workspace", Config{}, "workspace_id is required"},
		{"empty additional workspace", Config{WorkspaceID: "w", AdditionalWorkspaces: []string{""}}, "additional_workspaces[0]"},
		{"server timeout too long", Config{WorkspaceID: "w", ServerTimeout: 11 * time.Minute}, "server_timeout"},
		{"unknown cloud", Config{WorkspaceID: "w", Cloud: "mars"}, "unknown cloud"},
		{"http endpoint", Config{WorkspaceID: "w", Endpoint: "http://api.loganalytics.io/v1"}, "not an https URL"},
		{"missing ca file", Config{WorkspaceID: "w", CAFile: "testdata/nope.pem"}, "ca_file"},
		{"negative max response", Config{WorkspaceID: "w", MaxResponseBytes: -1}, "max_response_bytes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := New(tt.cfg, os.Getenv, cred)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %v, want one mentioning %q", err, tt.want)
			}
		})
	}
}

// roundTrip answers every request with the query_workspaces fixture and remembers the URL.
type roundTrip struct{ urls []string }

func (rt *roundTrip) RoundTrip(r *http.Request) (*http.Response, error) {
	rt.urls = append(rt.urls, r.URL.String())
	return &http.Response{StatusCode: 200, Header: http.Header{"Content-Type": {"application/json"}}, Body: io.NopCloser(strings.NewReader(`{"tables":[]}`)), Request: r}, nil
}

func TestClouds(t *testing.T) {
	tests := []struct {
		cloud, endpoint, audience string
		wantURL, wantScope        string
	}{
		{"", "", "", "https://api.loganalytics.io/v1/workspaces/w/query", "https://api.loganalytics.io/.default"},
		{"china", "", "", "https://api.loganalytics.azure.cn/v1/workspaces/w/query", "https://api.loganalytics.azure.cn/.default"},
		{"government", "", "", "https://api.loganalytics.us/v1/workspaces/w/query", "https://api.loganalytics.us/.default"},
		{"public", "https://api.loganalytics.azure.com/v1/", "https://api.loganalytics.azure.com", "https://api.loganalytics.azure.com/v1/workspaces/w/query", "https://api.loganalytics.azure.com/.default"},
	}
	for _, tt := range tests {
		rt := &roundTrip{}
		cred := &fakeCred{}
		c, err := New(Config{WorkspaceID: "w", Cloud: tt.cloud, Endpoint: tt.endpoint, Audience: tt.audience}, os.Getenv, WithCredential(cred), WithHTTPClient(&http.Client{Transport: rt}))
		if err != nil {
			t.Fatal(err)
		}
		if _, errs := collect(c.Search(context.Background(), kql("Heartbeat"))); len(errs) > 0 {
			t.Fatal(errs)
		}
		if len(rt.urls) != 1 || rt.urls[0] != tt.wantURL || len(cred.scopes) != 1 || cred.scopes[0][0] != tt.wantScope {
			t.Errorf("cloud %q: urls %v scopes %v, want %s with scope %s", tt.cloud, rt.urls, cred.scopes, tt.wantURL, tt.wantScope)
		}
	}
}

func TestSearchSeveralTables(t *testing.T) {
	body := `{"tables":[` +
		`{"name":"PrimaryResult","columns":[{"name":"Computer","type":"string"}],"rows":[["WS01"],["WS02"]]},` +
		`{"name":"Table_1","columns":[{"name":"Account","type":"string"},{"name":"Logons","type":"long"}],"rows":[["alice",3]]}]}`
	srv := queryServer(t, 200, []byte(body), nil)
	c := newTestClient(t, srv, testConfig(srv), nil)
	recs, errs := collect(c.Search(context.Background(), kql("let a = Heartbeat; a | distinct Computer; SigninLogs | summarize Logons=count() by Account")))
	if len(errs) > 0 || len(recs) != 3 {
		t.Fatalf("%d records, errors %v", len(recs), errs)
	}
	if names := recs[2].Names(); !slices.Equal(names, []string{"Account", "Logons"}) || recs[2].Meta.N != 3 {
		t.Errorf("third record %v %+v: each table keeps its own columns", names, recs[2].Meta)
	}
}

func TestSearchRetriesThrottling(t *testing.T) {
	var tries atomic.Int32
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tries.Add(1)
		if tries.Load() == 1 {
			w.Header().Set("Retry-After", "1")
			w.WriteHeader(http.StatusTooManyRequests)
			w.Write([]byte(`{"error":{"code":"TooManyRequests","message":"Rate limit exceeded."}}`))
			return
		}
		w.Write(fixture(t, "query_workspaces.json"))
	}))
	defer srv.Close()
	cfg := testConfig(srv)
	cfg.Retry.MaxDelay = 5 * time.Second // a Retry-After beyond max_delay is not waited for
	c := newTestClient(t, srv, cfg, nil)
	start := time.Now()
	recs, errs := collect(c.Search(context.Background(), kql("Heartbeat")))
	if len(errs) > 0 || len(recs) != 2 || tries.Load() != 2 {
		t.Fatalf("%d records, errors %v, %d tries", len(recs), errs, tries.Load())
	}
	if d := time.Since(start); d < 900*time.Millisecond {
		t.Errorf("retried after %s, before Retry-After", d)
	}
}

func TestConfigYAML(t *testing.T) {
	doc := `
workspace_id: b7e0f9a1-7c9d-4d4c-9a7e-2f6d1c0e5a11
additional_workspaces: [a4b1c2d3-0000-4c3d-a390-22ba13102999]
cloud: government
auth:
  method: client_secret
  tenant_id: 72f988bf-86f1-41af-91ab-2d7cd011db47
  client_id: 11111111-2222-3333-4444-555555555555
  client_secret: env:HUNCH_LA_SECRET
server_timeout: 5m
timeout: 6m30s
max_response_bytes: 1048576
split_by: 6h
max_pages: 400
retry: {max_retries: 5, delay: 2s, max_delay: 30s, status_codes: [429, 503]}
ingestion:
  endpoint: https://my-dce-abcd.eastus-1.ingest.monitor.azure.com
  rule_id: dcr-000a00a000a00000a000000aa000a0aa
  stream: Custom-HunchTI_CL
  max_batch_bytes: 500000
  no_gzip: true
`
	var cfg Config
	if err := yaml.Unmarshal([]byte(doc), &cfg); err != nil {
		t.Fatal(err)
	}
	if cfg.SplitBy != 6*time.Hour || cfg.MaxPages != 400 {
		t.Errorf("paging %s %d", cfg.SplitBy, cfg.MaxPages)
	}
	if cfg.ServerTimeout != 5*time.Minute || cfg.Timeout != 390*time.Second || cfg.Retry.Delay != 2*time.Second || !slices.Equal(cfg.Retry.StatusCodes, []int{429, 503}) {
		t.Errorf("durations/retry %+v %+v", cfg, cfg.Retry)
	}
	if cfg.Auth.ClientSecret.String() != "env:HUNCH_LA_SECRET" || cfg.Ingestion.MaxBatchBytes != 500000 || !cfg.Ingestion.NoGzip || len(cfg.AdditionalWorkspaces) != 1 {
		t.Errorf("config %+v", cfg)
	}
	if _, err := New(cfg, env(map[string]string{"HUNCH_LA_SECRET": "x"})); err != nil {
		t.Errorf("New: %v", err)
	}
	if _, err := NewUploader(cfg, env(map[string]string{"HUNCH_LA_SECRET": "x"})); err != nil {
		t.Errorf("NewUploader: %v", err)
	}
	if _, err := New(cfg, env(nil)); err == nil || !strings.Contains(err.Error(), "HUNCH_LA_SECRET") {
		t.Errorf("New without the secret: %v", err)
	}
}

func TestTLSSettings(t *testing.T) {
	srv := queryServer(t, 200, fixture(t, "query_workspaces.json"), nil)
	caFile := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(caFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		mod     func(*Config)
		wantErr bool
	}{
		{"system roots refuse the test server", func(*Config) {}, true},
		{"ca_file trusts it", func(c *Config) { c.CAFile = caFile }, false},
		{"insecure_skip_verify", func(c *Config) { c.InsecureSkipVerify = true }, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := testConfig(srv)
			cfg.Retry.MaxRetries = -1
			tt.mod(&cfg)
			c, err := New(cfg, env(nil), WithCredential(&fakeCred{}))
			if err != nil {
				t.Fatal(err)
			}
			_, errs := collect(c.Search(context.Background(), kql("Heartbeat")))
			if (len(errs) > 0) != tt.wantErr {
				t.Errorf("errors %v, want error: %v", errs, tt.wantErr)
			}
		})
	}
	if _, err := New(Config{WorkspaceID: "w", CAFile: "testdata/error_401.json"}, env(nil), WithCredential(&fakeCred{})); err == nil || !strings.Contains(err.Error(), "no PEM certificate") {
		t.Errorf("ca_file without certificates: %v", err)
	}
}

// pageServer answers each query with two rows naming the timespan asked for; the reply to the
// request numbered failAt (from 1) is status with body instead, and partialAt adds a PartialError.
func pageServer(t *testing.T, failAt, partialAt int, status int, body []byte) (*httptest.Server, func() []string) {
	var mu sync.Mutex
	var spans []string
	srv := queryServer(t, 200, nil, nil)
	srv.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/v1/workspaces/"+testWorkspace+"/query" || r.Header.Get("Authorization") != "Bearer "+testToken {
			t.Errorf("request %s %v", r.URL.Path, r.Header)
		}
		var q queryRequest
		if err := json.NewDecoder(r.Body).Decode(&q); err != nil {
			t.Error(err)
		}
		mu.Lock()
		spans = append(spans, q.Timespan)
		k := len(spans)
		mu.Unlock()
		if k == failAt {
			w.WriteHeader(status)
			w.Write(body)
			return
		}
		reply := fmt.Sprintf(`{"tables":[{"name":"PrimaryResult","columns":[{"name":"Page","type":"string"},{"name":"Row","type":"int"}],"rows":[[%q,1],[%q,2]]}]`, q.Timespan, q.Timespan)
		if k == partialAt {
			reply += `,"error":{"code":"PartialError","message":"There were some errors when processing your query."}`
		}
		w.Write([]byte(reply + "}"))
	})
	return srv, func() []string {
		mu.Lock()
		defer mu.Unlock()
		return slices.Clone(spans)
	}
}

func TestSearchPages(t *testing.T) {
	from := time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC)
	rng := siem.Range{From: from, To: from.Add(60 * time.Hour)}
	wantSpans := []string{"2024-05-01T00:00:00Z/2024-05-02T00:00:00Z", "2024-05-02T00:00:00Z/2024-05-03T00:00:00Z", "2024-05-03T00:00:00Z/2024-05-03T12:00:00Z"}
	page := func(cfgMod func(*Config), q siem.Query, failAt, partialAt int) ([]record.Record, []error, []string) {
		srv, spans := pageServer(t, failAt, partialAt, 500, fixture(t, "error_500.json"))
		cfg := testConfig(srv)
		cfg.SplitBy = 24 * time.Hour
		cfg.Retry.MaxRetries = -1
		if cfgMod != nil {
			cfgMod(&cfg)
		}
		c := newTestClient(t, srv, cfg, nil)
		recs, errs := collect(c.Search(context.Background(), q))
		return recs, errs, spans()
	}
	q := kql("SecurityEvent")
	q.Range = rng
	t.Run("three pages", func(t *testing.T) {
		recs, errs, spans := page(nil, q, 0, 0)
		if len(errs) > 0 || !slices.Equal(spans, wantSpans) || len(recs) != 6 {
			t.Fatalf("%d records, errors %v, spans %v", len(recs), errs, spans)
		}
		for i, r := range recs {
			if p, _ := get(t, r, "Page").Str(); p != wantSpans[i/2] || r.Meta.N != i+1 {
				t.Errorf("record %d from page %q, N %d", i, p, r.Meta.N)
			}
		}
	})
	t.Run("limit stops paging", func(t *testing.T) {
		ql := q
		ql.Limit = 3
		recs, errs, spans := page(nil, ql, 0, 0)
		if len(errs) > 0 || len(recs) != 3 || len(spans) != 2 {
			t.Fatalf("%d records, errors %v, %d requests", len(recs), errs, len(spans))
		}
	})
	t.Run("server error on page 2", func(t *testing.T) {
		recs, errs, spans := page(nil, q, 2, 0)
		if len(recs) != 2 || len(errs) != 1 || !errors.Is(errs[0], ErrServer) || len(spans) != 2 {
			t.Fatalf("%d records, errors %v, %d requests", len(recs), errs, len(spans))
		}
	})
	t.Run("partial page 1 surfaces after all rows", func(t *testing.T) {
		var pe *PartialError
		var last error
		srv, spans := pageServer(t, 0, 1, 0, nil)
		cfg := testConfig(srv)
		cfg.SplitBy = 24 * time.Hour
		c := newTestClient(t, srv, cfg, nil)
		n := 0
		for _, err := range c.Search(context.Background(), q) {
			if err != nil {
				last = err
				continue
			}
			if last != nil {
				t.Fatal("record after the partial error")
			}
			n++
		}
		if n != 6 || !errors.As(last, &pe) || pe.Rows != 2 || len(spans()) != 3 {
			t.Fatalf("%d records, last %v, spans %v", n, last, spans())
		}
	})
	t.Run("max_pages", func(t *testing.T) {
		recs, errs, spans := page(func(c *Config) { c.SplitBy = time.Hour; c.MaxPages = 59 }, q, 0, 0)
		if len(recs) != 0 || len(errs) != 1 || !strings.Contains(errs[0].Error(), "max_pages (59)") || len(spans) != 0 {
			t.Fatalf("%d records, errors %v, %d requests", len(recs), errs, len(spans))
		}
		recs, errs, spans = page(func(c *Config) { c.SplitBy = time.Hour; c.MaxPages = 60 }, q, 0, 0)
		if len(errs) != 0 || len(recs) != 120 || len(spans) != 60 {
			t.Fatalf("at the limit: %d records, errors %v, %d requests", len(recs), errs, len(spans))
		}
	})
	t.Run("needs a start", func(t *testing.T) {
		qo := kql("SecurityEvent")
		qo.Range = siem.Range{To: from}
		_, errs, spans := page(nil, qo, 0, 0)
		if len(errs) != 1 || !strings.Contains(errs[0].Error(), "split_by needs a range with a start") || len(spans) != 0 {
			t.Fatalf("errors %v, %d requests", errs, len(spans))
		}
	})
	t.Run("cancel mid-stream", func(t *testing.T) {
		srv, spans := pageServer(t, 0, 0, 0, nil)
		cfg := testConfig(srv)
		cfg.SplitBy = 24 * time.Hour
		c := newTestClient(t, srv, cfg, nil)
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		n := 0
		var errs []error
		for _, err := range c.Search(ctx, q) {
			if err != nil {
				errs = append(errs, err)
				continue
			}
			n++
			if n == 3 { // first row of page 2
				cancel()
			}
		}
		if n != 3 || len(errs) != 1 || !errors.Is(errs[0], context.Canceled) || len(spans()) != 2 {
			t.Fatalf("%d records, errors %v, %d requests", n, errs, len(spans()))
		}
	})
}
