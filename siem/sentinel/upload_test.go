package sentinel

import (
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hunchsec/hunch/internal/testcorpus"
	"github.com/hunchsec/hunch/record"
	"github.com/hunchsec/hunch/siem"
)

const (
	testRule   = "dcr-000a00a000a00000a000000aa000a0aa"
	testStream = "Custom-HunchTI_CL"
)

// ingestCall is one call the fake ingestion endpoint received.
type ingestCall struct {
	rawLen  int // uncompressed body length
	records []map[string]any
}

// ingestServer asserts every request (method, path, api-version, auth, content headers, gzip and
// a JSON array body) and answers with reply(call number from 1, the decoded records).
type ingestServer struct {
	*httptest.Server
	mu    sync.Mutex
	calls []ingestCall
}

func newIngestServer(t *testing.T, gzipped bool, reply func(n int, recs []map[string]any, w http.ResponseWriter)) *ingestServer {
	t.Helper()
	s := &ingestServer{}
	s.Server = httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			t.Errorf("method %s", r.Method)
		}
		if want := "/dataCollectionRules/" + testRule + "/streams/" + testStream; r.URL.Path != want {
			t.Errorf("path %q, want %q", r.URL.Path, want)
		}
		if got := r.URL.Query().Get("api-version"); got != "2023-01-01" || len(r.URL.Query()) != 1 {
			t.Errorf("query %q, want api-version=2023-01-01 only", r.URL.RawQuery)
		}
		if got := r.Header.Get("Authorization"); got != "Bearer "+testToken {
			t.Errorf("Authorization %q", got)
		}
		if got := r.Header.Get("Content-Type"); got != "application/json" {
			t.Errorf("Content-Type %q", got)
		}
		var body io.Reader = r.Body
		if gzipped {
			if got := r.Header.Get("Content-Encoding"); got != "gzip" {
				t.Errorf("Content-Encoding %q, want gzip", got)
			}
			zr, err := gzip.NewReader(r.Body)
			if err != nil {
				t.Errorf("gzip: %v", err)
				return
			}
			body = zr
		} else if got := r.Header.Get("Content-Encoding"); got != "" {
			t.Errorf("Content-Encoding %q, want none", got)
		}
		raw, err := io.ReadAll(body)
		if err != nil {
			t.Errorf("body: %v", err)
		}
		var recs []map[string]any
		if err := json.Unmarshal(raw, &recs); err != nil {
			t.Errorf("body is not a JSON array of objects: %v: %.200s", err, raw)
		}
		s.mu.Lock()
		s.calls = append(s.calls, ingestCall{rawLen: len(raw), records: recs})
		n := len(s.calls)
		s.mu.Unlock()
		reply(n, recs, w)
	}))
	t.Cleanup(s.Close)
	return s
}

// snapshot returns the calls so far.
func (s *ingestServer) snapshot() []ingestCall {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]ingestCall(nil), s.calls...)
}

func accept(_ int, _ []map[string]any, w http.ResponseWriter) { w.WriteHeader(http.StatusNoContent) }

func replyJSON(w http.ResponseWriter, status int, body []byte, header ...string) {
	for i := 0; i+1 < len(header); i += 2 {
		w.Header().Set(header[i], header[i+1])
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write(body)
}

func uploadConfig(s *ingestServer) Config {
	return Config{
		Ingestion: Ingestion{Endpoint: s.URL, RuleID: testRule, Stream: testStream},
		Retry:     Retry{Delay: time.Millisecond, MaxDelay: 10 * time.Second},
	}
}

func newTestUploader(t *testing.T, s *ingestServer, cfg Config, cred *fakeCred) *Uploader {
	t.Helper()
	if cred == nil {
		cred = &fakeCred{}
	}
	u, err := NewUploader(cfg, os.Getenv, WithCredential(cred), WithHTTPClient(s.Client()))
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// indicators yields n records shaped like a hunch TI table row, the i-th with Indicator "10.0.0.i".
func indicators(n int) record.Stream {
	return func(yield func(record.Record, error) bool) {
		t0 := time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC)
		for i := 1; i <= n; i++ {
			r := record.New(
				record.Field{Name: "TimeGenerated", Value: record.Time(t0.Add(time.Duration(i) * time.Second))},
				record.Field{Name: "Indicator", Value: record.String(fmt.Sprintf("10.0.%d.%d", i/256, i%256))},
				record.Field{Name: "Type", Value: record.String("ip")},
				record.Field{Name: "Score", Value: record.Int(int64(i))},
				record.Field{Name: "Sources", Value: record.Strings("abuseipdb", "misp")},
			)
			if !yield(r, nil) {
				return
			}
		}
	}
}

func sentIndicators(s *ingestServer) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for _, c := range s.calls {
		for _, r := range c.records {
			out = append(out, fmt.Sprint(r["Indicator"]))
		}
	}
	return out
}

func failedNs(res siem.UploadResult) []int {
	var ns []int
	for _, f := range res.Failed {
		ns = append(ns, f.N)
	}
	return ns
}

func TestUploadBatches(t *testing.T) {
	s := newIngestServer(t, true, accept)
	cfg := uploadConfig(s)
	cfg.Ingestion.MaxBatchBytes = 1000
	cred := &fakeCred{}
	u := newTestUploader(t, s, cfg, cred)
	res, err := u.Upload(context.Background(), indicators(50))
	if err != nil || res.Sent != 50 || len(res.Failed) != 0 {
		t.Fatalf("result %+v, error %v", res, err)
	}
	if len(s.snapshot()) < 5 {
		t.Errorf("%d calls for 50 records of ~120 bytes in 1000-byte batches", len(s.snapshot()))
	}
	for i, c := range s.snapshot() {
		if c.rawLen > 1000 {
			t.Errorf("call %d: %d bytes > max_batch_bytes", i+1, c.rawLen)
		}
	}
	got := sentIndicators(s)
	if len(got) != 50 || got[0] != "10.0.0.1" || got[49] != "10.0.0.50" {
		t.Errorf("sent %v", got)
	}
	first := s.snapshot()[0].records[0]
	if first["TimeGenerated"] != "2024-05-01T10:00:01Z" || first["Score"] != float64(1) || fmt.Sprint(first["Sources"]) != "[abuseipdb misp]" {
		t.Errorf("first record %v", first)
	}
	if len(cred.scopes) == 0 || cred.scopes[0][0] != "https://monitor.azure.com//.default" {
		t.Errorf("scopes %v, want the documented https://monitor.azure.com//.default", cred.scopes)
	}
}

func TestUploadDefaultBatchLimit(t *testing.T) {
	s := newIngestServer(t, true, accept)
	u := newTestUploader(t, s, uploadConfig(s), nil)
	res, err := u.Upload(context.Background(), indicators(25000)) // ~3 MB of JSON
	if err != nil || res.Sent != 25000 {
		t.Fatalf("result sent %d failed %d, error %v", res.Sent, len(res.Failed), err)
	}
	total := 0
	for i, c := range s.snapshot() {
		total += c.rawLen
		if c.rawLen > DefaultMaxBatchBytes {
			t.Errorf("call %d: %d bytes > 1 MiB", i+1, c.rawLen)
		}
	}
	if len(s.snapshot()) < 3 || total < 2*DefaultMaxBatchBytes {
		t.Errorf("%d calls, %d bytes: the test does not reach the limit", len(s.snapshot()), total)
	}
}

func TestUploadUncompressed(t *testing.T) {
	s := newIngestServer(t, false, accept)
	cfg := uploadConfig(s)
	cfg.Ingestion.NoGzip = true
	u := newTestUploader(t, s, cfg, nil)
	if res, err := u.Upload(context.Background(), indicators(3)); err != nil || res.Sent != 3 {
		t.Fatalf("result %+v, error %v", res, err)
	}
}

func TestUpload413SplitsTheBatch(t *testing.T) {
	s := newIngestServer(t, true, func(_ int, recs []map[string]any, w http.ResponseWriter) {
		if len(recs) > 3 {
			replyJSON(w, http.StatusRequestEntityTooLarge, fixture(t, "ingest_413.json"))
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
	u := newTestUploader(t, s, uploadConfig(s), nil)
	res, err := u.Upload(context.Background(), indicators(10))
	if err != nil || res.Sent != 10 || len(res.Failed) != 0 {
		t.Fatalf("result %+v, error %v", res, err)
	}
	if got := sentIndicators(s); len(got) != 10+10+5+5 { // 10 refused, 5+5 refused, then 2+3+2+3 accepted
		t.Errorf("%d records in all calls: %v", len(got), got)
	}
}

func TestUpload413SingleRecordFails(t *testing.T) {
	s := newIngestServer(t, true, func(_ int, _ []map[string]any, w http.ResponseWriter) {
		replyJSON(w, http.StatusRequestEntityTooLarge, fixture(t, "ingest_413.json"))
	})
	u := newTestUploader(t, s, uploadConfig(s), nil)
	res, err := u.Upload(context.Background(), indicators(2))
	if err != nil || res.Sent != 0 || fmt.Sprint(failedNs(res)) != "[1 2]" {
		t.Fatalf("result %+v, error %v", res, err)
	}
	var ae *APIError
	if !errors.As(res.Failed[0].Err, &ae) || !errors.Is(res.Failed[0], ErrTooLarge) || ae.Info.Code != "ContentLengthLimitExceeded" {
		t.Errorf("failure %v", res.Failed[0])
	}
}

func TestUpload429RetryAfter(t *testing.T) {
	s := newIngestServer(t, true, func(n int, _ []map[string]any, w http.ResponseWriter) {
		if n == 1 {
			replyJSON(w, http.StatusTooManyRequests, fixture(t, "ingest_429.json"), "Retry-After", "1")
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
	u := newTestUploader(t, s, uploadConfig(s), nil)
	start := time.Now()
	res, err := u.Upload(context.Background(), indicators(4))
	if err != nil || res.Sent != 4 || len(res.Failed) != 0 {
		t.Fatalf("result %+v, error %v", res, err)
	}
	if d := time.Since(start); d < 900*time.Millisecond {
		t.Errorf("retried after %s, before the 1 s Retry-After", d)
	}
	if len(s.snapshot()) != 2 {
		t.Errorf("%d calls, want 2", len(s.snapshot()))
	}
}

func TestUpload429RetryAfterTooLong(t *testing.T) {
	s := newIngestServer(t, true, func(n int, _ []map[string]any, w http.ResponseWriter) {
		replyJSON(w, http.StatusTooManyRequests, fixture(t, "ingest_429.json"), "Retry-After", "120")
	})
	u := newTestUploader(t, s, uploadConfig(s), nil) // max_delay 10s
	res, err := u.Upload(context.Background(), indicators(3))
	if err != nil || res.Sent != 0 || fmt.Sprint(failedNs(res)) != "[1 2 3]" || !errors.Is(res.Failed[2], ErrThrottled) {
		t.Fatalf("result %+v, error %v", res, err)
	}
	if len(s.snapshot()) != 1 {
		t.Errorf("%d calls, want 1 (a Retry-After beyond max_delay is not waited for)", len(s.snapshot()))
	}
}

func TestUpload500FailsOneBatchMidway(t *testing.T) {
	s := newIngestServer(t, true, func(_ int, recs []map[string]any, w http.ResponseWriter) {
		for _, r := range recs {
			if r["Indicator"] == "10.0.0.5" {
				replyJSON(w, http.StatusInternalServerError, fixture(t, "ingest_500.json"))
				return
			}
		}
		w.WriteHeader(http.StatusNoContent)
	})
	cfg := uploadConfig(s)
	cfg.Retry.MaxRetries = 2
	cfg.Ingestion.MaxBatchBytes = 400 // three records a batch
	u := newTestUploader(t, s, cfg, nil)
	res, err := u.Upload(context.Background(), indicators(9))
	if err != nil {
		t.Fatal(err)
	}
	if res.Sent != 6 || fmt.Sprint(failedNs(res)) != "[4 5 6]" {
		t.Fatalf("sent %d failed %v", res.Sent, failedNs(res))
	}
	if !errors.Is(res.Failed[0], ErrServer) || !strings.Contains(res.Failed[0].Error(), "record 4: sentinel: upload of records 4..6") {
		t.Errorf("failure %v", res.Failed[0])
	}
	if len(s.snapshot()) != 1+3+1 {
		t.Errorf("%d calls, want 5 (the failing batch tried 3 times)", len(s.snapshot()))
	}
}

func TestUpload400ReportsEveryRecord(t *testing.T) {
	s := newIngestServer(t, true, func(_ int, _ []map[string]any, w http.ResponseWriter) {
		replyJSON(w, http.StatusBadRequest, fixture(t, "ingest_400.json"))
	})
	u := newTestUploader(t, s, uploadConfig(s), nil)
	res, err := u.Upload(context.Background(), indicators(3))
	if err != nil || fmt.Sprint(failedNs(res)) != "[1 2 3]" || !errors.Is(res.Failed[0], ErrBadRequest) {
		t.Fatalf("result %+v, error %v", res, err)
	}
	if len(s.snapshot()) != 1 {
		t.Errorf("%d calls: a 400 is not retried", len(s.snapshot()))
	}
}

func TestUploadAuthFailureStops(t *testing.T) {
	s := newIngestServer(t, true, func(_ int, _ []map[string]any, w http.ResponseWriter) {
		replyJSON(w, http.StatusForbidden, []byte(`{"error":{"code":"OperationFailed","message":"The authentication token provided does not have access to ingest data for the data collection rule with immutable Id 'dcr-000a00a000a00000a000000aa000a0aa'."}}`))
	})
	cfg := uploadConfig(s)
	cfg.Ingestion.MaxBatchBytes = 400
	u := newTestUploader(t, s, cfg, nil)
	consumed := 0
	stream := func(yield func(record.Record, error) bool) {
		for r, err := range indicators(9) {
			consumed++
			if !yield(r, err) {
				return
			}
		}
	}
	res, err := u.Upload(context.Background(), stream)
	if !errors.Is(err, ErrAuth) {
		t.Fatalf("error %v, want ErrAuth", err)
	}
	if res.Sent != 0 || fmt.Sprint(failedNs(res)) != "[1 2 3]" || len(s.snapshot()) != 1 || consumed != 4 {
		t.Errorf("sent %d failed %v, %d calls, %d records read", res.Sent, failedNs(res), len(s.snapshot()), consumed)
	}
}

func TestUploadTokenFailure(t *testing.T) {
	s := newIngestServer(t, true, func(_ int, _ []map[string]any, w http.ResponseWriter) { t.Error("request sent without a token") })
	u := newTestUploader(t, s, uploadConfig(s), &fakeCred{err: errors.New("no managed identity endpoint")})
	res, err := u.Upload(context.Background(), indicators(2))
	var te *TokenError
	if !errors.As(err, &te) || !errors.Is(err, ErrAuth) || len(res.Failed) != 2 {
		t.Fatalf("result %+v, error %v", res, err)
	}
}

func TestUploadCancel(t *testing.T) {
	release := make(chan struct{})
	defer close(release)
	s := newIngestServer(t, true, func(_ int, _ []map[string]any, w http.ResponseWriter) { <-release })
	u := newTestUploader(t, s, uploadConfig(s), nil)
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(50*time.Millisecond, cancel)
	res, err := u.Upload(ctx, indicators(3))
	if !errors.Is(err, context.Canceled) || res.Sent != 0 || fmt.Sprint(failedNs(res)) != "[1 2 3]" {
		t.Fatalf("result %+v, error %v", res, err)
	}
}

func TestUploadTimeout(t *testing.T) {
	release := make(chan struct{})
	defer close(release)
	s := newIngestServer(t, true, func(_ int, _ []map[string]any, w http.ResponseWriter) {
		select {
		case <-release:
		case <-time.After(5 * time.Second):
		}
	})
	cfg := uploadConfig(s)
	cfg.Timeout = 100 * time.Millisecond
	cfg.Retry.MaxRetries = -1
	u := newTestUploader(t, s, cfg, nil)
	res, err := u.Upload(context.Background(), indicators(2))
	if err != nil || fmt.Sprint(failedNs(res)) != "[1 2]" || !errors.Is(res.Failed[0], context.DeadlineExceeded) {
		t.Fatalf("result %+v, error %v; want both records failed by the per-try timeout", res, err)
	}
	if len(s.snapshot()) != 1 {
		t.Errorf("%d calls with retries disabled", len(s.snapshot()))
	}
}

func TestUploadCancelBetweenRecords(t *testing.T) {
	s := newIngestServer(t, true, accept)
	cfg := uploadConfig(s)
	cfg.Ingestion.MaxBatchBytes = 400
	u := newTestUploader(t, s, cfg, nil)
	ctx, cancel := context.WithCancel(context.Background())
	stream := func(yield func(record.Record, error) bool) {
		n := 0
		for r := range indicators(9) {
			n++
			if n == 5 {
				cancel()
			}
			if !yield(r, nil) {
				return
			}
		}
	}
	res, err := u.Upload(ctx, stream)
	if !errors.Is(err, context.Canceled) || res.Sent != 3 || fmt.Sprint(failedNs(res)) != "[4]" {
		t.Fatalf("sent %d failed %v error %v; want batch 1 sent, record 4 reported, stop at 5", res.Sent, failedNs(res), err)
	}
}

func TestUploadBadRecords(t *testing.T) {
	s := newIngestServer(t, true, accept)
	cfg := uploadConfig(s)
	cfg.Ingestion.MaxBatchBytes = 200
	u := newTestUploader(t, s, cfg, nil)
	big := record.New(record.Field{Name: "Blob", Value: record.String(strings.Repeat("A", 300))})
	ok := record.New(record.Field{Name: "Indicator", Value: record.String("1.2.3.4")})
	perr := &record.ParseError{Source: "iocs.csv", Line: 3, Reason: "wrong number of fields"}
	stream := func(yield func(record.Record, error) bool) {
		_ = yield(ok, nil) && yield(big, nil) && yield(record.Record{}, perr) && yield(ok, nil)
	}
	res, err := u.Upload(context.Background(), stream)
	if err != nil || res.Sent != 2 || fmt.Sprint(failedNs(res)) != "[2 3]" {
		t.Fatalf("result %+v, error %v", res, err)
	}
	if !errors.Is(res.Failed[0], ErrRecordTooLarge) || !errors.Is(res.Failed[1], perr) {
		t.Errorf("failures %v", res.Failed)
	}
}

func TestUploadStreamError(t *testing.T) {
	s := newIngestServer(t, true, accept)
	u := newTestUploader(t, s, uploadConfig(s), nil)
	boom := errors.New("disk read error")
	stream := func(yield func(record.Record, error) bool) {
		for r := range indicators(2) {
			if !yield(r, nil) {
				return
			}
		}
		yield(record.Record{}, boom)
	}
	res, err := u.Upload(context.Background(), stream)
	if !errors.Is(err, boom) || res.Sent != 2 {
		t.Fatalf("result %+v, error %v; want the records read before the error sent", res, err)
	}
}

func TestNewUploaderConfigErrors(t *testing.T) {
	ok := Ingestion{Endpoint: "https://my-dce-abcd.eastus-1.ingest.monitor.azure.com", RuleID: testRule, Stream: testStream}
	tests := []struct {
		name string
		mod  func(*Config)
		want string
	}{
		{"no endpoint", func(c *Config) { c.Ingestion.Endpoint = "" }, "ingestion.endpoint is required"},
		{"no rule", func(c *Config) { c.Ingestion.RuleID = "" }, "ingestion.rule_id is required"},
		{"no stream", func(c *Config) { c.Ingestion.Stream = "" }, "ingestion.stream is required"},
		{"http endpoint", func(c *Config) { c.Ingestion.Endpoint = "http://dce.example" }, "not an https URL"},
		{"tiny batch", func(c *Config) { c.Ingestion.MaxBatchBytes = 2 }, "max_batch_bytes"},
		{"unknown auth", func(c *Config) { c.Auth.Method = "kerberos" }, "unknown auth method"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := Config{Ingestion: ok}
			tt.mod(&cfg)
			var opts []Option
			if cfg.Auth.Method == "" {
				opts = append(opts, WithCredential(&fakeCred{}))
			}
			_, err := NewUploader(cfg, os.Getenv, opts...)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %v, want one mentioning %q", err, tt.want)
			}
		})
	}
}

// BenchmarkUpload measures records/s through batching, JSON, gzip and TLS to a local endpoint.
func BenchmarkUpload(b *testing.B) {
	var received int
	var mu sync.Mutex
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		zr, err := gzip.NewReader(r.Body)
		if err != nil {
			b.Error(err)
			return
		}
		n, _ := io.Copy(io.Discard, zr)
		mu.Lock()
		received += int(n)
		mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
	}))
	defer srv.Close()
	u, err := NewUploader(Config{Ingestion: Ingestion{Endpoint: srv.URL, RuleID: testRule, Stream: testStream}}, os.Getenv, WithCredential(&fakeCred{}), WithHTTPClient(srv.Client()))
	if err != nil {
		b.Fatal(err)
	}
	const n = 100000
	iters := 0
	for b.Loop() {
		res, err := u.Upload(context.Background(), indicators(n))
		if err != nil || res.Sent != n {
			b.Fatal(res.Sent, err)
		}
		iters++
	}
	b.ReportMetric(float64(n*iters)/b.Elapsed().Seconds(), "records/s")
}

func TestUploadClouds(t *testing.T) {
	for cloudName, want := range map[string]string{"": "https://monitor.azure.com//.default", "china": "https://monitor.azure.cn//.default", "government": "https://monitor.azure.us//.default"} {
		s := newIngestServer(t, true, accept)
		cfg := uploadConfig(s)
		cfg.Cloud = cloudName
		cred := &fakeCred{}
		u := newTestUploader(t, s, cfg, cred)
		if res, err := u.Upload(context.Background(), indicators(1)); err != nil || res.Sent != 1 {
			t.Fatalf("result %+v, error %v", res, err)
		}
		if len(cred.scopes) != 1 || cred.scopes[0][0] != want {
			t.Errorf("cloud %q: scopes %v, want %s", cloudName, cred.scopes, want)
		}
	}
}

// TestUploadCorpusEvents uploads real Windows events (OTRF Security-Datasets, JSON lines) and
// checks that every record arrives once, in order, in calls under the 1 MiB limit.
func TestUploadCorpusEvents(t *testing.T) {
	path := testcorpus.Path(t, "logs/json/OTRF__execution__empire_launcher_vbs.json")
	read := func() record.Stream {
		f, err := os.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { f.Close() })
		return record.Read(context.Background(), f, path, record.ReadOptions{})
	}
	var want []string
	for r, err := range read() {
		if err != nil {
			t.Fatal(err)
		}
		v, _ := r.Get("RecordNumber")
		want = append(want, v.Text())
	}
	s := newIngestServer(t, true, accept)
	u := newTestUploader(t, s, uploadConfig(s), nil)
	res, err := u.Upload(context.Background(), read())
	if err != nil || res.Sent != len(want) || len(res.Failed) != 0 {
		t.Fatalf("sent %d of %d, failed %d, error %v", res.Sent, len(want), len(res.Failed), err)
	}
	var got []string
	calls := s.snapshot()
	for i, c := range calls {
		if c.rawLen > DefaultMaxBatchBytes {
			t.Errorf("call %d: %d bytes", i+1, c.rawLen)
		}
		for _, r := range c.records {
			got = append(got, fmt.Sprint(r["RecordNumber"]))
		}
	}
	if !slices.Equal(got, want) {
		t.Errorf("received %d records, want %d in the same order", len(got), len(want))
	}
	t.Logf("%d events in %d calls", len(want), len(calls))
}
