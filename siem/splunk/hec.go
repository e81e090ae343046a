package splunk

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/hunchsec/hunch/enrich/providers"
	"github.com/hunchsec/hunch/record"
	"github.com/hunchsec/hunch/siem"
)

// Defaults of HECConfig's limits.
const (
	DefaultBatchEvents    = 1000
	DefaultBatchBytes     = 1 << 20
	DefaultMaxRetries     = 5
	DefaultRetryBackoff   = 500 * time.Millisecond
	DefaultAckTimeout     = 2 * time.Minute
	DefaultAckPoll        = time.Second
	DefaultMaxPendingAcks = 8
	maxRetryBackoff       = 30 * time.Second
)

// HECConfig is where and how NewUploader sends records: the HTTP Event Collector.
type HECConfig struct {
	URL   string           `yaml:"url"`   // the collector, e.g. https://splunk.example.org:8088
	Token providers.Secret `yaml:"token"` // the HEC token, sent as "Authorization: Splunk <token>"

	Index      string `yaml:"index"`      // index of every event; default the token's
	Sourcetype string `yaml:"sourcetype"` // default _json
	Source     string `yaml:"source"`     // default hunch
	Host       string `yaml:"host"`       // default the collector's
	TimeField  string `yaml:"time_field"` // record field giving the event time; default the first of _time, @timestamp, TimeCreated, timestamp, time that holds one

	BatchEvents int  `yaml:"batch_events"` // events per request; default 1000
	BatchBytes  int  `yaml:"batch_bytes"`  // uncompressed bytes per request; default 1 MiB (a larger single event goes alone)
	NoGzip      bool `yaml:"no_gzip"`      // send uncompressed (gzip by default)

	Ack            bool          `yaml:"ack"`              // wait for indexer acknowledgement of every batch (the token must have it on)
	Channel        string        `yaml:"channel"`          // X-Splunk-Request-Channel; default a random GUID per upload
	AckTimeout     time.Duration `yaml:"ack_timeout"`      // a batch unacknowledged this long after it was sent is reported failed; default 2m
	AckPoll        time.Duration `yaml:"ack_poll"`         // between acknowledgement polls; default 1s
	MaxPendingAcks int           `yaml:"max_pending_acks"` // batches awaiting acknowledgement before sending waits; default 8

	MaxRetries   int           `yaml:"max_retries"`   // retries of a request after 429, 503, 5xx or a network error; default 5, -1 for none
	RetryBackoff time.Duration `yaml:"retry_backoff"` // first retry delay, doubled each time up to 30s; default 500ms
	Timeout      time.Duration `yaml:"timeout"`       // per request; default 60s

	CAFile             string `yaml:"ca_file"`
	InsecureSkipVerify bool   `yaml:"insecure_skip_verify"`
}

// Uploader sends records to a Splunk HTTP Event Collector.
type Uploader struct {
	cfg   HECConfig
	url   string
	token string
	hc    *http.Client
	o     options
}

var _ siem.Uploader = (*Uploader)(nil)

// NewUploader checks cfg.HEC, resolves its token with getenv and returns an uploader.
func NewUploader(cfg Config, getenv func(string) string, opts ...Option) (*Uploader, error) {
	h := cfg.HEC
	if h.URL == "" {
		return nil, errors.New("splunk hec: url is required (e.g. https://splunk.example.org:8088)")
	}
	u, err := siem.BaseURL(h.URL)
	if err != nil {
		return nil, fmt.Errorf("splunk hec: %w", err)
	}
	if !h.Token.IsSet() {
		return nil, errors.New("splunk hec: token is required")
	}
	up := &Uploader{cfg: h, o: buildOptions(opts)}
	if up.token, err = h.Token.Resolve(getenv); err != nil {
		return nil, fmt.Errorf("splunk hec: token: %w", err)
	}
	if !strings.HasSuffix(u.Path, "/services/collector/event") {
		u.Path = strings.TrimRight(u.Path, "/") + "/services/collector/event"
	}
	up.url = u.String()
	c := &up.cfg
	for _, d := range []struct {
		v   *int
		def int
	}{{&c.BatchEvents, DefaultBatchEvents}, {&c.BatchBytes, DefaultBatchBytes}, {&c.MaxRetries, DefaultMaxRetries}, {&c.MaxPendingAcks, DefaultMaxPendingAcks}} {
		if *d.v == 0 {
			*d.v = d.def
		}
	}
	for _, d := range []struct {
		v   *time.Duration
		def time.Duration
	}{{&c.RetryBackoff, DefaultRetryBackoff}, {&c.AckTimeout, DefaultAckTimeout}, {&c.AckPoll, DefaultAckPoll}, {&c.Timeout, DefaultTimeout}} {
		if *d.v == 0 {
			*d.v = d.def
		}
	}
	if c.MaxRetries < 0 {
		c.MaxRetries = 0
	}
	if c.BatchEvents < 0 || c.BatchBytes < 0 || c.MaxPendingAcks < 0 || c.RetryBackoff < 0 || c.AckTimeout < 0 || c.AckPoll < 0 || c.Timeout < 0 {
		return nil, errors.New("splunk hec: batch, ack, retry and timeout settings must not be negative")
	}
	if c.Sourcetype == "" {
		c.Sourcetype = "_json"
	}
	if c.Source == "" {
		c.Source = "hunch"
	}
	if up.hc, err = httpClient(up.o.hc, h.CAFile, h.InsecureSkipVerify); err != nil {
		return nil, fmt.Errorf("splunk hec: %w", err)
	}
	return up, nil
}

// hecBatch is a run of events sent in one request.
type hecBatch struct {
	first  int // stream position (1-based) of its first event
	body   []byte
	starts []int // offset of each event in body
	sentAt time.Time
}

func (b *hecBatch) n() int { return len(b.starts) }

// event returns the bytes of event i.
func (b *hecBatch) event(i int) []byte {
	end := len(b.body)
	if i+1 < len(b.starts) {
		end = b.starts[i+1]
	}
	return b.body[b.starts[i]:end]
}

// tail is a new batch of the events from i on.
func (b *hecBatch) tail(i int) *hecBatch {
	t := &hecBatch{first: b.first + i}
	for j := i; j < b.n(); j++ {
		t.starts = append(t.starts, len(t.body))
		t.body = append(t.body, b.event(j)...)
	}
	return t
}

// upload is the state of one Upload call.
type upload struct {
	u       *Uploader
	channel string
	res     siem.UploadResult
	pending map[int64]*hecBatch // by ackId
}

// Upload sends every record of records as a HEC event: the record as the event's JSON body,
// with time, host, source, sourcetype and index from the configuration and the record's time
// field. A batch HEC refuses after the retries is reported event by event; an event HEC names
// as invalid is reported alone and the rest of its batch sent again. With ack, an event counts
// as sent once Splunk acknowledges it was indexed.
func (u *Uploader) Upload(ctx context.Context, records record.Stream) (siem.UploadResult, error) {
	up := &upload{u: u, channel: u.cfg.Channel, pending: map[int64]*hecBatch{}}
	if up.channel == "" && u.cfg.Ack {
		up.channel = newGUID()
	}
	err := up.run(ctx, records)
	slices.SortFunc(up.res.Failed, func(a, b siem.RecordError) int { return a.N - b.N })
	return up.res, err
}

func (up *upload) run(ctx context.Context, records record.Stream) error {
	cur := &hecBatch{first: 1}
	n := 0
	var line []byte
	for rec, err := range records {
		if err != nil {
			if ferr := up.flush(ctx, cur); ferr != nil {
				return ferr
			}
			if werr := up.waitAcks(ctx, 0); werr != nil {
				return werr
			}
			return err
		}
		n++
		line = up.u.appendEvent(line[:0], rec)
		if cur.n() > 0 && (cur.n() >= up.u.cfg.BatchEvents || len(cur.body)+len(line) > up.u.cfg.BatchBytes) {
			if err := up.flush(ctx, cur); err != nil {
				up.failFrom(n, err)
				return err
			}
			cur = &hecBatch{first: n}
		}
		cur.starts = append(cur.starts, len(cur.body))
		cur.body = append(cur.body, line...)
	}
	if err := up.flush(ctx, cur); err != nil {
		return err
	}
	return up.waitAcks(ctx, 0)
}

// failFrom reports record n (read from the stream but not batched) as failed.
func (up *upload) failFrom(n int, err error) {
	up.res.Failed = append(up.res.Failed, siem.RecordError{N: n, Err: err})
}

// fail reports every event of b as failed with err.
func (up *upload) fail(b *hecBatch, err error) {
	for i := range b.n() {
		up.res.Failed = append(up.res.Failed, siem.RecordError{N: b.first + i, Err: err})
	}
}

// flush sends b (if it holds anything). An error it returns stops the upload; b's events and
// every pending batch's have then been reported.
func (up *upload) flush(ctx context.Context, b *hecBatch) error {
	for b != nil && b.n() > 0 {
		if up.u.cfg.Ack && len(up.pending) >= up.u.cfg.MaxPendingAcks {
			if err := up.waitAcks(ctx, up.u.cfg.MaxPendingAcks-1); err != nil {
				up.fail(b, err)
				return err
			}
		}
		reply, err := up.post(ctx, b)
		var he *Error
		switch {
		case err == nil:
			if up.u.cfg.Ack {
				if reply.ackID < 0 {
					err := errors.New("splunk hec: ack is on but the reply has no ackId (is indexer acknowledgement enabled for the token?)")
					up.fail(b, err)
					up.failPending(err)
					return err
				}
				b.sentAt = up.u.o.now()
				up.pending[reply.ackID] = b
			} else {
				up.res.Sent += b.n()
			}
			return nil
		case errors.Is(err, ErrAuth) || ctx.Err() != nil:
			up.fail(b, err)
			up.failPending(err)
			return err
		case errors.As(err, &he) && he.hasInvalid && he.invalidEvent >= 0 && he.invalidEvent < b.n():
			// HEC indexed the events before the invalid one and stopped there.
			k := he.invalidEvent
			up.res.Sent += k
			up.res.Failed = append(up.res.Failed, siem.RecordError{N: b.first + k, Err: err})
			b = b.tail(k + 1)
		default:
			up.fail(b, err) // refused after the retries: reported, and the upload goes on
			return nil
		}
	}
	return nil
}

// failPending reports every batch awaiting acknowledgement as failed.
func (up *upload) failPending(err error) {
	for id, b := range up.pending {
		up.fail(b, fmt.Errorf("not acknowledged: %w", err))
		delete(up.pending, id)
	}
}

type hecReply struct {
	ackID int64
}

// post sends b, retrying what HEC says to retry, and decodes the reply.
func (up *upload) post(ctx context.Context, b *hecBatch) (hecReply, error) {
	body := b.body
	if !up.u.cfg.NoGzip {
		var buf bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&buf, gzip.BestSpeed)
		zw.Write(body)
		zw.Close()
		body = buf.Bytes()
	}
	data, err := up.u.send(ctx, up.u.url, body, !up.u.cfg.NoGzip, up.channel)
	if err != nil {
		return hecReply{}, err
	}
	var r struct {
		Text  string `json:"text"`
		Code  int    `json:"code"`
		AckID *int64 `json:"ackId"`
	}
	if err := json.Unmarshal(data, &r); err != nil {
		return hecReply{}, fmt.Errorf("splunk hec: reply: %w", err)
	}
	reply := hecReply{ackID: -1}
	if r.AckID != nil {
		reply.ackID = *r.AckID
	}
	return reply, nil
}

// send posts body to target with retries and returns the body of the 200 reply.
func (u *Uploader) send(ctx context.Context, target string, body []byte, gz bool, channel string) ([]byte, error) {
	backoff := u.cfg.RetryBackoff
	for attempt := 0; ; attempt++ {
		data, retryAfter, err := u.sendOnce(ctx, target, body, gz, channel)
		if err == nil || ctx.Err() != nil || !retryable(err) || attempt >= u.cfg.MaxRetries {
			if err != nil && ctx.Err() != nil {
				return nil, ctx.Err()
			}
			return data, err
		}
		wait := backoff
		if retryAfter > 0 {
			wait = retryAfter
		}
		u.o.warn(fmt.Sprintf("splunk hec: retrying in %s (%d of %d): %v", wait, attempt+1, u.cfg.MaxRetries, err))
		if err := u.o.sleep(ctx, wait); err != nil {
			return nil, err
		}
		backoff = min(backoff*2, maxRetryBackoff)
	}
}

// retryable reports whether HEC asks for the request again: busy (429, 503), a server error,
// or no answer at all.
func retryable(err error) bool {
	var he *Error
	if errors.As(err, &he) {
		return he.Status == http.StatusTooManyRequests || he.Status >= 500
	}
	return true // a network error
}

func (u *Uploader) sendOnce(ctx context.Context, target string, body []byte, gz bool, channel string) ([]byte, time.Duration, error) {
	ctx, cancel := context.WithTimeout(ctx, u.cfg.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, bytes.NewReader(body))
	if err != nil {
		return nil, 0, fmt.Errorf("splunk hec: %w", err)
	}
	req.Header.Set("Authorization", "Splunk "+u.token)
	req.Header.Set("Content-Type", "application/json")
	if gz {
		req.Header.Set("Content-Encoding", "gzip")
	}
	if channel != "" {
		req.Header.Set("X-Splunk-Request-Channel", channel)
	}
	resp, err := u.hc.Do(req)
	if err != nil {
		return nil, 0, fmt.Errorf("splunk hec: %w", err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return nil, 0, fmt.Errorf("splunk hec: %w", err)
	}
	if resp.StatusCode == http.StatusOK {
		return data, 0, nil
	}
	var retryAfter time.Duration
	if s, err := strconv.Atoi(resp.Header.Get("Retry-After")); err == nil && s > 0 {
		retryAfter = min(time.Duration(s)*time.Second, maxRetryBackoff)
	}
	return nil, retryAfter, hecError(resp.StatusCode, data)
}

// hecError decodes HEC's error reply: {"text":…,"code":N} and, for code 6,
// "invalid-event-number" (0-based within the request).
func hecError(status int, data []byte) *Error {
	var r struct {
		Text         string `json:"text"`
		Code         *int   `json:"code"`
		InvalidEvent *int   `json:"invalid-event-number"`
	}
	e := &Error{Op: "hec", Status: status, Code: -1}
	if err := json.Unmarshal(data, &r); err == nil && r.Code != nil {
		e.Code = *r.Code
		e.Messages = []Message{{Type: "ERROR", Text: fmt.Sprintf("%s (code %d)", r.Text, *r.Code)}}
		if r.InvalidEvent != nil {
			e.invalidEvent, e.hasInvalid = *r.InvalidEvent, true
		}
		return e
	}
	text := strings.TrimSpace(string(data))
	if text == "" {
		text = http.StatusText(status)
	}
	e.Messages = []Message{{Type: "ERROR", Text: text}}
	return e
}

// waitAcks polls the acknowledgements until at most keep batches are pending. Batches older
// than the ack timeout are reported failed. An error stops the upload.
func (up *upload) waitAcks(ctx context.Context, keep int) error {
	for len(up.pending) > keep {
		ids := make([]int64, 0, len(up.pending))
		for id := range up.pending {
			ids = append(ids, id)
		}
		slices.Sort(ids)
		acked, err := up.pollAcks(ctx, ids)
		if err != nil {
			up.failPending(err)
			return err
		}
		now := up.u.o.now()
		for _, id := range ids {
			b := up.pending[id]
			switch {
			case acked[id]:
				up.res.Sent += b.n()
				delete(up.pending, id)
			case now.Sub(b.sentAt) >= up.u.cfg.AckTimeout:
				up.fail(b, fmt.Errorf("splunk hec: batch (ackId %d) not acknowledged within %s; Splunk may or may not have indexed it", id, up.u.cfg.AckTimeout))
				delete(up.pending, id)
			}
		}
		if len(up.pending) > keep {
			if err := up.u.o.sleep(ctx, up.u.cfg.AckPoll); err != nil {
				up.failPending(err)
				return err
			}
		}
	}
	return nil
}

// pollAcks asks HEC which of ids are indexed.
func (up *upload) pollAcks(ctx context.Context, ids []int64) (map[int64]bool, error) {
	target := strings.TrimSuffix(up.u.url, "/event") + "/ack?channel=" + url.QueryEscape(up.channel)
	body, _ := json.Marshal(map[string][]int64{"acks": ids})
	data, err := up.u.send(ctx, target, body, false, up.channel)
	if err != nil {
		return nil, err
	}
	var r struct {
		Acks map[string]bool `json:"acks"`
	}
	if err := json.Unmarshal(data, &r); err != nil {
		return nil, fmt.Errorf("splunk hec: ack reply: %w", err)
	}
	out := make(map[int64]bool, len(r.Acks))
	for k, v := range r.Acks {
		id, err := strconv.ParseInt(k, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("splunk hec: ack reply: id %q", k)
		}
		out[id] = v
	}
	return out, nil
}

// appendEvent appends rec as one HEC event object.
func (u *Uploader) appendEvent(dst []byte, rec record.Record) []byte {
	dst = append(dst, '{')
	if t, ok := u.eventTime(rec); ok {
		dst = append(dst, `"time":`...)
		dst = strconv.AppendFloat(dst, float64(t.UnixMicro())/1e6, 'f', -1, 64)
		dst = append(dst, ',')
	}
	for _, kv := range [...]struct{ k, v string }{{"host", u.cfg.Host}, {"source", u.cfg.Source}, {"sourcetype", u.cfg.Sourcetype}, {"index", u.cfg.Index}} {
		if kv.v != "" {
			dst = append(dst, '"')
			dst = append(dst, kv.k...)
			dst = append(dst, `":`...)
			dst = record.AppendJSONString(dst, kv.v)
			dst = append(dst, ',')
		}
	}
	dst = append(dst, `"event":`...)
	dst = rec.AppendJSON(dst)
	return append(dst, '}', '\n')
}

// eventTime is the record's time: the configured field, or the first usual one holding a time
// (a record time, or an RFC 3339 string).
func (u *Uploader) eventTime(rec record.Record) (time.Time, bool) {
	names := []string{"_time", "@timestamp", "TimeCreated", "timestamp", "time"}
	if u.cfg.TimeField != "" {
		names = []string{u.cfg.TimeField}
	}
	for _, n := range names {
		v, ok := rec.Get(n)
		if !ok {
			continue
		}
		if t, ok := v.Time(); ok {
			return t, true
		}
		if s, ok := v.Str(); ok {
			if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
				return t, true
			}
		}
	}
	return time.Time{}, false
}

// newGUID returns a random version 4 GUID, as HEC wants for a channel.
func newGUID() string {
	var b [16]byte
	rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}
