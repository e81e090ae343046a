package elastic

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hunchsec/hunch/record"
	"github.com/hunchsec/hunch/siem"
)

// events is a stream of n records {"@timestamp":…,"n":i,"host":{"name":"web0i"}}, i from 1.
func events(n int) record.Stream {
	return func(yield func(record.Record, error) bool) {
		for i := 1; i <= n; i++ {
			r := record.New(
				record.Field{Name: "@timestamp", Value: record.Time(time.Date(2024, 5, 1, 10, 0, i, 0, time.UTC))},
				record.Field{Name: "n", Value: record.Int(int64(i))},
				record.Field{Name: "host", Value: record.Object(record.New(record.Field{Name: "name", Value: record.String(fmt.Sprintf("web%02d", i))}))},
			)
			if !yield(r, nil) {
				return
			}
		}
	}
}

func doc(i int) string {
	return fmt.Sprintf(`{"create":{"_index":"hunch-ti"}}`+"\n"+`{"@timestamp":"2024-05-01T10:00:%02dZ","n":%d,"host":{"name":"web%02d"}}`+"\n", i, i, i)
}

func docs(from, to int) string {
	var b strings.Builder
	for i := from; i <= to; i++ {
		b.WriteString(doc(i))
	}
	return b.String()
}

func okItems(n int) string {
	var items []string
	for i := range n {
		items = append(items, fmt.Sprintf(`{"create":{"_index":".ds-hunch-ti-2024.05.01-000001","_id":"x%d","_version":1,"result":"created","_shards":{"total":2,"successful":1,"failed":0},"_seq_no":%d,"_primary_term":1,"status":201}}`, i, i))
	}
	return `{"took":30,"errors":false,"items":[` + strings.Join(items, ",") + `]}`
}

func bulkConfig() Config {
	return Config{APIKey: "id:secret", Upload: UploadConfig{Index: "hunch-ti", BatchRecords: 2}}
}

func upload(t *testing.T, cfg Config, in record.Stream, steps ...exchange) (siem.UploadResult, error, *warnings) {
	t.Helper()
	c, _, w := newReplay(t, cfg, apiKeyHeader, steps...)
	u, err := c.Uploader()
	if err != nil {
		t.Fatal(err)
	}
	res, err := u.Upload(context.Background(), in)
	return res, err, w
}

func bulk(body, reply string) exchange {
	return exchange{method: "POST", path: "/_bulk", ndjson: true, body: body, reply: reply}
}

func TestUploadBatchesByCount(t *testing.T) {
	res, err, _ := upload(t, bulkConfig(), events(5),
		bulk(docs(1, 2), okItems(2)), bulk(docs(3, 4), okItems(2)), bulk(docs(5, 5), okItems(1)))
	if err != nil || res.Sent != 5 || len(res.Failed) != 0 {
		t.Fatalf("res %+v err %v", res, err)
	}
}

func TestUploadBatchesByBytes(t *testing.T) {
	cfg := bulkConfig()
	cfg.Upload.BatchRecords = 100
	cfg.Upload.BatchBytes = 2*len(doc(1)) + 10 // two documents fit, three do not
	res, err, _ := upload(t, cfg, events(5),
		bulk(docs(1, 2), okItems(2)), bulk(docs(3, 4), okItems(2)), bulk(docs(5, 5), okItems(1)))
	if err != nil || res.Sent != 5 {
		t.Fatalf("res %+v err %v", res, err)
	}
}

func TestUploadOversizedDocumentGoesAlone(t *testing.T) {
	cfg := bulkConfig()
	cfg.Upload.BatchBytes = 10 // smaller than any document
	res, err, _ := upload(t, cfg, events(2), bulk(docs(1, 1), okItems(1)), bulk(docs(2, 2), okItems(1)))
	if err != nil || res.Sent != 2 {
		t.Fatalf("res %+v err %v", res, err)
	}
}

func TestUploadOptions(t *testing.T) {
	cfg := bulkConfig()
	cfg.Upload = UploadConfig{Index: "hunch-ti", Action: "index", IDField: "n", Pipeline: "hunch-enrich", Refresh: "wait_for"}
	want := `{"index":{"_index":"hunch-ti","_id":"1"}}` + "\n" + `{"@timestamp":"2024-05-01T10:00:01Z","n":1,"host":{"name":"web01"}}` + "\n"
	ex := bulk(want, `{"took":1,"errors":false,"items":[{"index":{"_index":"hunch-ti","_id":"1","result":"updated","status":200}}]}`)
	ex.query = url.Values{"pipeline": {"hunch-enrich"}, "refresh": {"wait_for"}}
	res, err, _ := upload(t, cfg, events(1), ex)
	if err != nil || res.Sent != 1 {
		t.Fatalf("res %+v err %v", res, err)
	}
}

func TestUploadMixedItemFailures(t *testing.T) {
	cfg := bulkConfig()
	cfg.Upload.BatchRecords = 4
	first := `{"took":30,"errors":true,"items":[` +
		`{"create":{"_index":"hunch-ti","_id":"x1","status":201,"result":"created"}},` +
		`{"create":{"_index":"hunch-ti","_id":"x2","status":400,"error":{"type":"document_parsing_exception","reason":"[1:15] failed to parse field [n] of type [ip] in document with id 'x2'","caused_by":{"type":"illegal_argument_exception","reason":"'2' is not an IP string literal."}}}},` +
		`{"create":{"_index":"hunch-ti","_id":"x3","status":429,"error":{"type":"es_rejected_execution_exception","reason":"rejected execution of coordinating operation"}}},` +
		`{"create":{"_index":"hunch-ti","_id":"x4","status":409,"error":{"type":"version_conflict_engine_exception","reason":"[x4]: version conflict, document already exists"}}}]}`
	res, err, w := upload(t, cfg, events(5),
		bulk(docs(1, 4), first),
		bulk(doc(3), okItems(1)), // the 429 item alone
		bulk(doc(5), okItems(1)),
	)
	if err != nil {
		t.Fatal(err)
	}
	if res.Sent != 3 || len(res.Failed) != 2 {
		t.Fatalf("res %+v", res)
	}
	if res.Failed[0].N != 2 || res.Failed[1].N != 4 {
		t.Errorf("failed positions %d %d, want 2 4", res.Failed[0].N, res.Failed[1].N)
	}
	var ie *ItemError
	if !errors.As(res.Failed[0], &ie) || ie.Status != 400 || ie.Type != "document_parsing_exception" || !strings.Contains(ie.Reason, "not an IP string literal") {
		t.Errorf("item error %v", res.Failed[0])
	}
	if !errors.As(res.Failed[1], &ie) || ie.Status != 409 {
		t.Errorf("item error %v", res.Failed[1])
	}
	if !strings.Contains(w.all(), "1 documents refused with 429") {
		t.Errorf("warnings %q", w.all())
	}
}

func TestUploadItem429RetriesExhausted(t *testing.T) {
	cfg := bulkConfig()
	cfg.Upload.MaxRetries = 1
	reply := `{"took":1,"errors":true,"items":[{"create":{"_index":"hunch-ti","status":201}},{"create":{"_index":"hunch-ti","status":429,"error":{"type":"es_rejected_execution_exception","reason":"queue full"}}}]}`
	one429 := `{"took":1,"errors":true,"items":[{"create":{"_index":"hunch-ti","status":429,"error":{"type":"es_rejected_execution_exception","reason":"queue full"}}}]}`
	res, err, _ := upload(t, cfg, events(2), bulk(docs(1, 2), reply), bulk(doc(2), one429))
	if err != nil {
		t.Fatal(err)
	}
	if res.Sent != 1 || len(res.Failed) != 1 || res.Failed[0].N != 2 || !strings.Contains(res.Failed[0].Error(), "429") {
		t.Fatalf("res %+v", res)
	}
}

func TestUploadRequestRetries(t *testing.T) {
	var waits []time.Duration
	var mu sync.Mutex
	rp := &replay{t: t, auth: apiKeyHeader, steps: []exchange{
		{method: "POST", path: "/_bulk", ndjson: true, body: docs(1, 2), status: 429, header: map[string]string{"Retry-After": "3"},
			reply: `{"error":{"type":"es_rejected_execution_exception","reason":"rejected execution"},"status":429}`},
		{method: "POST", path: "/_bulk", ndjson: true, body: docs(1, 2), status: 503, reply: `{"error":{"type":"unavailable_shards_exception","reason":"primary shard is not active"},"status":503}`},
		{method: "POST", path: "/_bulk", ndjson: true, body: docs(1, 2), reply: okItems(2)},
	}}
	c := replayClient(t, rp, bulkConfig(), WithSleep(func(ctx context.Context, d time.Duration) error {
		mu.Lock()
		waits = append(waits, d)
		mu.Unlock()
		return nil
	}))
	u, _ := c.Uploader()
	res, err := u.Upload(context.Background(), events(2))
	if err != nil || res.Sent != 2 {
		t.Fatalf("res %+v err %v", res, err)
	}
	want := []time.Duration{3 * time.Second, time.Second} // Retry-After, then 500ms doubled
	if fmt.Sprint(waits) != fmt.Sprint(want) {
		t.Errorf("waits %v, want %v", waits, want)
	}
}

func TestUploadRetriesExhaustedReportsBatch(t *testing.T) {
	cfg := bulkConfig()
	cfg.Upload.MaxRetries = 2
	fail := exchange{method: "POST", path: "/_bulk", ndjson: true, body: docs(1, 2), status: 502, reply: `<html>bad gateway</html>`}
	res, err, _ := upload(t, cfg, events(5), fail, fail, fail)
	var e *Error
	if !errors.As(err, &e) || e.Status != 502 || !strings.Contains(err.Error(), "giving up after 2 retries") {
		t.Fatalf("err %v", err)
	}
	if res.Sent != 0 || len(res.Failed) != 2 || res.Failed[0].N != 1 || res.Failed[1].N != 2 {
		t.Errorf("res %+v", res)
	}
}

func TestUploadAuthFailure(t *testing.T) {
	ex := bulk(docs(1, 2), `{"error":{"type":"security_exception","reason":"action [indices:data/write/bulk] is unauthorized"},"status":403}`)
	ex.status = 403
	res, err, _ := upload(t, bulkConfig(), events(3), ex)
	if !errors.Is(err, ErrForbidden) || !errors.Is(err, ErrAuth) {
		t.Fatalf("err %v", err)
	}
	if len(res.Failed) != 2 || res.Sent != 0 {
		t.Errorf("res %+v: want the sent batch's 2 records failed", res)
	}
}

func TestUploadStreamErrors(t *testing.T) {
	bad := errors.New("disk gone")
	in := func(yield func(record.Record, error) bool) {
		for r := range events(1) {
			if !yield(r, nil) {
				return
			}
		}
		if !yield(record.Record{}, &record.ParseError{Source: "in.ndjson", Line: 2, Err: errors.New("invalid json")}) {
			return
		}
		for r := range events(1) {
			if !yield(r, nil) {
				return
			}
		}
		yield(record.Record{}, bad)
	}
	res, err, _ := upload(t, bulkConfig(), in, bulk(doc(1)+doc(1), okItems(2)))
	if !errors.Is(err, bad) {
		t.Fatalf("err %v", err)
	}
	if res.Sent != 2 || len(res.Failed) != 1 || res.Failed[0].N != 2 || !record.IsParseError(res.Failed[0].Err) {
		t.Errorf("res %+v", res)
	}
}

func TestUploadItemCountMismatch(t *testing.T) {
	res, err, _ := upload(t, bulkConfig(), events(2), bulk(docs(1, 2), okItems(1)))
	if err == nil || !strings.Contains(err.Error(), "1 items for 2 documents") || len(res.Failed) != 2 {
		t.Fatalf("res %+v err %v", res, err)
	}
}

func TestUploadCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	rp := &replay{t: t, auth: apiKeyHeader, steps: []exchange{
		{method: "POST", path: "/_bulk", ndjson: true, body: docs(1, 2), reply: okItems(2)},
		{method: "POST", path: "/_bulk", ndjson: true, body: docs(3, 4), status: 503, reply: `{}`, hook: cancel},
	}}
	c := replayClient(t, rp, bulkConfig())
	u, _ := c.Uploader()
	res, err := u.Upload(ctx, events(6))
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err %v", err)
	}
	if res.Sent != 2 || len(res.Failed) != 2 || res.Failed[0].N != 3 {
		t.Errorf("res %+v", res)
	}
}

func TestUploadCancelledBetweenRecords(t *testing.T) {
	// in cancels the upload's context just before it yields the third record.
	in := func(cancel context.CancelFunc) record.Stream {
		return func(yield func(record.Record, error) bool) {
			for r := range events(3) {
				if v, _ := r.Get("n"); v.Text() == "3" {
					cancel()
				}
				if !yield(r, nil) {
					return
				}
			}
		}
	}
	tests := []struct {
		name         string
		batch        int
		steps        []exchange
		sent, failed int
	}{
		{"after a sent batch", 1, []exchange{bulk(doc(1), okItems(1))}, 1, 2},
		{"batch not yet sent", 10, nil, 0, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := bulkConfig()
			cfg.Upload.BatchRecords = tt.batch
			c, _, _ := newReplay(t, cfg, apiKeyHeader, tt.steps...)
			u, _ := c.Uploader()
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			res, err := u.Upload(ctx, in(cancel))
			if !errors.Is(err, context.Canceled) || res.Sent != tt.sent || len(res.Failed) != tt.failed || res.Failed[len(res.Failed)-1].N != 3 {
				t.Fatalf("res %+v err %v", res, err)
			}
		})
	}
}

func TestUploaderNeedsIndex(t *testing.T) {
	if _, err := NewUploader(Config{URL: "https://es.invalid:9200"}, nil); err == nil || !strings.Contains(err.Error(), "upload.index") {
		t.Errorf("err %v", err)
	}
	if _, err := NewUploader(Config{}, nil); err == nil || !strings.Contains(err.Error(), "url is required") {
		t.Errorf("err %v", err)
	}
	if u, err := NewUploader(Config{URL: "https://es.invalid:9200", Upload: UploadConfig{Index: "x"}}, nil); err != nil || u == nil {
		t.Errorf("err %v", err)
	}
}

func TestBackoff(t *testing.T) {
	u := &Uploader{cfg: UploadConfig{RetryBackoff: 500 * time.Millisecond}}
	for attempt, want := range []time.Duration{500 * time.Millisecond, time.Second, 2 * time.Second, 4 * time.Second} {
		if got := u.backoff(attempt, 0); got != want {
			t.Errorf("backoff(%d) = %v, want %v", attempt, got, want)
		}
	}
	if got := u.backoff(20, 0); got != maxRetryBackoff {
		t.Errorf("backoff(20) = %v", got)
	}
	if got := u.backoff(0, time.Hour); got != 5*maxRetryBackoff {
		t.Errorf("a long Retry-After gives %v", got)
	}
	if got := retryAfter(http.Header{"Retry-After": {"7"}}); got != 7*time.Second {
		t.Errorf("retryAfter %v", got)
	}
}

func TestUploadRetriesDroppedConnection(t *testing.T) {
	drop := bulk(docs(1, 2), "")
	drop.hook = func() { panic(http.ErrAbortHandler) } // the connection closes without a reply
	res, err, w := upload(t, bulkConfig(), events(2), drop, bulk(docs(1, 2), okItems(2)))
	if err != nil || res.Sent != 2 {
		t.Fatalf("res %+v err %v", res, err)
	}
	if !strings.Contains(w.all(), "retrying") {
		t.Errorf("warnings %q", w.all())
	}
}

func TestSleepCtx(t *testing.T) {
	if err := sleepCtx(context.Background(), time.Millisecond); err != nil {
		t.Error(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := sleepCtx(ctx, time.Hour); !errors.Is(err, context.Canceled) {
		t.Errorf("err %v", err)
	}
}
