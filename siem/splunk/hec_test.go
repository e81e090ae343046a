package splunk

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hunchsec/hunch/record"
	"github.com/hunchsec/hunch/siem"
)

// hecServer is an HTTP Event Collector: it checks the token and headers, decodes gzip bodies
// of concatenated event objects, and answers each request as reply says (by request number,
// counting from 1), defaulting to {"text":"Success","code":0}.
type hecServer struct {
	t       *testing.T
	mu      sync.Mutex
	posts   int
	batches [][]map[string]any // events of each accepted-or-not request, in order
	gzipped []bool
	channel []string
	indexed []string // "n" of every event the server kept
	reply   func(post int, events []map[string]any) (status int, body string, keep int)
	ack     func(ids []int64) map[string]bool
	ackReqs int
}

func (h *hecServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if r.Header.Get("Authorization") != "Splunk 12345678-1234-1234-1234-1234567890AB" {
		w.WriteHeader(http.StatusForbidden)
		io.WriteString(w, `{"text":"Invalid token","code":4}`)
		return
	}
	if r.URL.Path == "/services/collector/ack" {
		h.ackReqs++
		if r.URL.Query().Get("channel") == "" || r.URL.Query().Get("channel") != r.Header.Get("X-Splunk-Request-Channel") {
			h.t.Errorf("ack poll without its channel: %s / %q", r.URL, r.Header.Get("X-Splunk-Request-Channel"))
		}
		var req struct{ Acks []int64 }
		json.NewDecoder(r.Body).Decode(&req)
		acks := h.ack(req.Acks)
		json.NewEncoder(w).Encode(map[string]any{"acks": acks})
		return
	}
	if r.URL.Path != "/services/collector/event" || r.Method != http.MethodPost {
		h.t.Errorf("unexpected %s %s", r.Method, r.URL)
	}
	var body io.Reader = r.Body
	gz := r.Header.Get("Content-Encoding") == "gzip"
	if gz {
		zr, err := gzip.NewReader(r.Body)
		if err != nil {
			h.t.Errorf("gzip: %v", err)
			return
		}
		body = zr
	}
	dec := json.NewDecoder(body)
	var events []map[string]any
	for {
		var ev map[string]any
		if err := dec.Decode(&ev); err == io.EOF {
			break
		} else if err != nil {
			h.t.Errorf("body is not concatenated JSON objects: %v", err)
			break
		}
		events = append(events, ev)
	}
	h.posts++
	h.batches = append(h.batches, events)
	h.gzipped = append(h.gzipped, gz)
	h.channel = append(h.channel, r.Header.Get("X-Splunk-Request-Channel"))
	status, reply, keep := http.StatusOK, `{"text":"Success","code":0}`, len(events)
	if h.reply != nil {
		status, reply, keep = h.reply(h.posts, events)
	}
	for _, ev := range events[:keep] {
		e, _ := ev["event"].(map[string]any)
		h.indexed = append(h.indexed, fmt.Sprint(e["n"]))
	}
	w.WriteHeader(status)
	io.WriteString(w, reply)
}

func newHEC(t *testing.T) (*hecServer, *httptest.Server) {
	h := &hecServer{t: t}
	srv := httptest.NewTLSServer(h)
	t.Cleanup(srv.Close)
	return h, srv
}

func testUploader(t *testing.T, srv *httptest.Server, hc HECConfig, opts ...Option) *Uploader {
	t.Helper()
	hc.URL = srv.URL
	if hc.Token == "" {
		hc.Token = "env:HEC_TOKEN"
	}
	u, err := NewUploader(Config{HEC: hc}, func(k string) string {
		return map[string]string{"HEC_TOKEN": "12345678-1234-1234-1234-1234567890AB"}[k]
	}, append([]Option{WithHTTPClient(srv.Client()), WithSleep(noSleep)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// events is a stream of n records {n, host, _time}.
func events(n int) record.Stream {
	t0 := time.Date(2026, 11, 20, 8, 0, 0, 0, time.UTC)
	return func(yield func(record.Record, error) bool) {
		for i := 1; i <= n; i++ {
			r := record.New(
				record.Field{Name: "n", Value: record.Int(int64(i))},
				record.Field{Name: "host", Value: record.String(fmt.Sprintf("ws%02d", i))},
				record.Field{Name: "_time", Value: record.Time(t0.Add(time.Duration(i) * 1500 * time.Millisecond))},
			)
			if !yield(r, nil) {
				return
			}
		}
	}
}

func failedNs(res siem.UploadResult) []int {
	var out []int
	for _, f := range res.Failed {
		out = append(out, f.N)
	}
	return out
}

func TestHECBatchesByCountAndBytes(t *testing.T) {
	h, srv := newHEC(t)
	u := testUploader(t, srv, HECConfig{BatchEvents: 10, Index: "threat", Sourcetype: "hunch:ioc", Host: "hunch01"})
	res, err := u.Upload(context.Background(), events(25))
	if err != nil || res.Sent != 25 || len(res.Failed) != 0 {
		t.Fatalf("%+v %v", res, err)
	}
	if len(h.batches) != 3 || len(h.batches[0]) != 10 || len(h.batches[2]) != 5 {
		t.Fatalf("batches of %d requests", len(h.batches))
	}
	if !h.gzipped[0] {
		t.Error("not gzipped by default")
	}
	ev := h.batches[0][0]
	e := ev["event"].(map[string]any)
	if ev["index"] != "threat" || ev["sourcetype"] != "hunch:ioc" || ev["host"] != "hunch01" || ev["source"] != "hunch" ||
		ev["time"] != 1795161601.5 || e["n"] != 1.0 || e["host"] != "ws01" {
		t.Errorf("event %v", ev)
	}

	h, srv = newHEC(t)
	line := len(u.appendEvent(nil, record.New(record.Field{Name: "n", Value: record.Int(10)},
		record.Field{Name: "host", Value: record.String("ws10")}, record.Field{Name: "_time", Value: record.Time(time.Date(2026, 11, 20, 8, 0, 15, 0, time.UTC))})))
	u = testUploader(t, srv, HECConfig{BatchBytes: 3*line + 2, NoGzip: true})
	res, err = u.Upload(context.Background(), events(12))
	if err != nil || res.Sent != 12 {
		t.Fatalf("%+v %v", res, err)
	}
	for i, b := range h.batches {
		if len(b) > 3 || h.gzipped[i] {
			t.Errorf("batch %d: %d events, gzip %v (want ≤ 3 by bytes, plain)", i, len(b), h.gzipped[i])
		}
	}
	if len(h.batches) != 4 {
		t.Errorf("%d requests, want 4", len(h.batches))
	}
}

func TestHECRetriesBusyServer(t *testing.T) {
	h, srv := newHEC(t)
	h.reply = func(post int, evs []map[string]any) (int, string, int) {
		if post <= 2 {
			return http.StatusServiceUnavailable, `{"text":"Server is busy","code":9}`, 0
		}
		return http.StatusOK, `{"text":"Success","code":0}`, len(evs)
	}
	var warns []string
	u := testUploader(t, srv, HECConfig{BatchEvents: 100}, WithWarnings(func(s string) { warns = append(warns, s) }))
	res, err := u.Upload(context.Background(), events(5))
	if err != nil || res.Sent != 5 || len(res.Failed) != 0 || h.posts != 3 {
		t.Fatalf("%+v %v after %d posts", res, err, h.posts)
	}
	if len(warns) != 2 || !strings.Contains(warns[0], "Server is busy (code 9)") {
		t.Errorf("warnings %q", warns)
	}
}

func TestHECFailedBatchIsReportedPerRecord(t *testing.T) {
	h, srv := newHEC(t)
	// The second batch fails every time; the others go through.
	h.reply = func(post int, evs []map[string]any) (int, string, int) {
		if e := evs[0]["event"].(map[string]any); e["n"] == 11.0 {
			return http.StatusInternalServerError, `{"text":"Internal server error","code":8}`, 0
		}
		return http.StatusOK, `{"text":"Success","code":0}`, len(evs)
	}
	u := testUploader(t, srv, HECConfig{BatchEvents: 10, MaxRetries: 2})
	res, err := u.Upload(context.Background(), events(30))
	if err != nil {
		t.Fatal(err)
	}
	if res.Sent != 20 || len(res.Failed) != 10 || res.Failed[0].N != 11 || res.Failed[9].N != 20 {
		t.Fatalf("sent %d, failed %v", res.Sent, failedNs(res))
	}
	if !strings.Contains(res.Failed[0].Error(), "record 11: splunk hec: HTTP 500: ERROR: Internal server error (code 8)") {
		t.Errorf("reason %v", res.Failed[0])
	}
	if h.posts != 5 { // 1 + (1 + 2 retries) + 1
		t.Errorf("%d posts", h.posts)
	}
	if len(h.indexed) != 20 {
		t.Errorf("server kept %d", len(h.indexed))
	}
}

func TestHECInvalidEventMidBatch(t *testing.T) {
	h, srv := newHEC(t)
	// HEC indexes the events before an invalid one, refuses it, and drops the rest of the request.
	h.reply = func(post int, evs []map[string]any) (int, string, int) {
		for i, ev := range evs {
			if e := ev["event"].(map[string]any); e["n"] == 4.0 || e["n"] == 7.0 {
				return http.StatusBadRequest, fmt.Sprintf(`{"text":"Invalid data format","code":6,"invalid-event-number":%d}`, i), i
			}
		}
		return http.StatusOK, `{"text":"Success","code":0}`, len(evs)
	}
	u := testUploader(t, srv, HECConfig{BatchEvents: 100})
	res, err := u.Upload(context.Background(), events(10))
	if err != nil {
		t.Fatal(err)
	}
	if res.Sent != 8 || fmt.Sprint(failedNs(res)) != "[4 7]" {
		t.Fatalf("sent %d failed %v", res.Sent, failedNs(res))
	}
	if got := strings.Join(h.indexed, ","); got != "1,2,3,5,6,8,9,10" {
		t.Errorf("indexed %s: every good event exactly once", got)
	}
	if !strings.Contains(res.Failed[0].Error(), "Invalid data format (code 6)") {
		t.Errorf("reason %v", res.Failed[0])
	}
}

func TestHECAcks(t *testing.T) {
	h, srv := newHEC(t)
	var next int64
	h.reply = func(post int, evs []map[string]any) (int, string, int) {
		next++
		return http.StatusOK, fmt.Sprintf(`{"text":"Success","code":0,"ackId":%d}`, next), len(evs)
	}
	// Acks arrive late: each id is acknowledged on the second poll that names it.
	asked := map[int64]int{}
	h.ack = func(ids []int64) map[string]bool {
		out := map[string]bool{}
		for _, id := range ids {
			asked[id]++
			out[fmt.Sprint(id)] = asked[id] >= 2
		}
		return out
	}
	u := testUploader(t, srv, HECConfig{BatchEvents: 10, Ack: true, MaxPendingAcks: 2})
	res, err := u.Upload(context.Background(), events(50))
	if err != nil || res.Sent != 50 || len(res.Failed) != 0 {
		t.Fatalf("%+v %v", res, err)
	}
	if h.ackReqs < 3 {
		t.Errorf("%d ack polls", h.ackReqs)
	}
	ch := h.channel[0]
	if len(ch) != 36 {
		t.Errorf("channel %q is not a GUID", ch)
	}
	for _, c := range h.channel {
		if c != ch {
			t.Errorf("channel changed within one upload: %q, %q", ch, c)
		}
	}
}

func TestHECAckTimeoutReportsBatch(t *testing.T) {
	h, srv := newHEC(t)
	var next int64
	h.reply = func(post int, evs []map[string]any) (int, string, int) {
		next++
		return http.StatusOK, fmt.Sprintf(`{"text":"Success","code":0,"ackId":%d}`, next), len(evs)
	}
	h.ack = func(ids []int64) map[string]bool { // batch 2 is never acknowledged
		out := map[string]bool{}
		for _, id := range ids {
			out[fmt.Sprint(id)] = id != 2
		}
		return out
	}
	clock := time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)
	tick := func(ctx context.Context, d time.Duration) error { clock = clock.Add(d); return nil }
	u := testUploader(t, srv, HECConfig{BatchEvents: 5, Ack: true, Channel: "0aeeac95-ac74-4aa9-b30d-6c4c0ac581ba", AckTimeout: 10 * time.Second},
		WithSleep(tick))
	u.o.now = func() time.Time { return clock }
	res, err := u.Upload(context.Background(), events(15))
	if err != nil {
		t.Fatal(err)
	}
	if res.Sent != 10 || fmt.Sprint(failedNs(res)) != "[6 7 8 9 10]" || !strings.Contains(res.Failed[0].Error(), "not acknowledged within 10s") {
		t.Fatalf("sent %d failed %v %v", res.Sent, failedNs(res), res.Failed)
	}
	if h.channel[0] != "0aeeac95-ac74-4aa9-b30d-6c4c0ac581ba" {
		t.Errorf("configured channel not sent: %q", h.channel[0])
	}
}

func TestHECAuthFailureStops(t *testing.T) {
	_, srv := newHEC(t)
	u := testUploader(t, srv, HECConfig{Token: "wrong-token", BatchEvents: 4})
	res, err := u.Upload(context.Background(), events(10))
	if !errors.Is(err, ErrAuth) || !strings.Contains(err.Error(), "Invalid token (code 4)") {
		t.Fatalf("err %v", err)
	}
	// The batch in flight is reported; nothing was sent. The records after it were never read.
	if res.Sent != 0 || fmt.Sprint(failedNs(res)) != "[1 2 3 4 5]" {
		t.Errorf("sent %d failed %v", res.Sent, failedNs(res))
	}
}

func TestHECStreamErrorFlushesFirst(t *testing.T) {
	h, srv := newHEC(t)
	u := testUploader(t, srv, HECConfig{BatchEvents: 100})
	boom := errors.New("input broke")
	stream := func(yield func(record.Record, error) bool) {
		for r := range events(3) {
			yield(r, nil)
		}
		yield(record.Record{}, boom)
	}
	res, err := u.Upload(context.Background(), stream)
	if !errors.Is(err, boom) || res.Sent != 3 || len(h.indexed) != 3 {
		t.Fatalf("%+v %v, indexed %d", res, err, len(h.indexed))
	}
}

func TestHECCancel(t *testing.T) {
	_, srv := newHEC(t)
	ctx, cancel := context.WithCancel(context.Background())
	u := testUploader(t, srv, HECConfig{BatchEvents: 5})
	stream := func(yield func(record.Record, error) bool) {
		for r := range events(100) {
			if n, _ := r.Fields()[0].Value.Int(); n == 12 {
				cancel()
			}
			if !yield(r, nil) {
				return
			}
		}
	}
	res, err := u.Upload(ctx, stream)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err %v", err)
	}
	if res.Sent+len(res.Failed) < 10 || res.Sent > 10 {
		t.Errorf("sent %d failed %v: every record read is sent or reported", res.Sent, failedNs(res))
	}
}

func TestNewUploaderRefusesBadConfig(t *testing.T) {
	getenv := func(string) string { return "" }
	for _, tc := range []struct {
		hc   HECConfig
		want string
	}{
		{HECConfig{}, "url is required"},
		{HECConfig{URL: "https://s:8088"}, "token is required"},
		{HECConfig{URL: "https://s:8088", Token: "env:NOPE"}, "NOPE is not set"},
		{HECConfig{URL: "s:8088", Token: "x"}, "want http(s)://host:port"},
		{HECConfig{URL: "https://s:8088", Token: "x", BatchBytes: -1}, "must not be negative"},
	} {
		if _, err := NewUploader(Config{HEC: tc.hc}, getenv); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: %v, want %q", tc.hc, err, tc.want)
		}
	}
}

func BenchmarkHECUpload(b *testing.B) {
	n := 1_000_000
	if testing.Short() {
		n = 10_000
	}
	var mu sync.Mutex
	got := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		zr, err := gzip.NewReader(r.Body)
		if err != nil {
			b.Error(err)
			return
		}
		data, _ := io.ReadAll(zr)
		mu.Lock()
		got += bytes.Count(data, []byte("\n"))
		mu.Unlock()
		io.WriteString(w, `{"text":"Success","code":0}`)
	}))
	defer srv.Close()
	u, err := NewUploader(Config{HEC: HECConfig{URL: srv.URL, Token: "t"}}, func(string) string { return "" })
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for range b.N {
		got = 0
		res, err := u.Upload(context.Background(), events(n))
		if err != nil || res.Sent != n || got != n {
			b.Fatalf("%d sent, %d received, %v", res.Sent, got, err)
		}
	}
	b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "events/s")
}
