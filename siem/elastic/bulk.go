package elastic

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"time"

	"github.com/hunchsec/hunch/record"
	"github.com/hunchsec/hunch/siem"
)

// Uploader writes records to one index, alias or data stream with the _bulk API, in batches
// bounded by record count and NDJSON bytes. It implements siem.Uploader.
//
// A whole request that fails with 429 or a 5xx status, or gets no reply, is sent again after a
// growing delay (Retry-After when the server gives one); a document refused with 429 is sent
// again in the same way; any other refused document is reported as a siem.RecordError with its
// position in the stream and an *ItemError. When the retries run out, or the server refuses a
// whole request for another reason, Upload stops with an error and reports every record of the
// batch it could not send: a record is either counted in Sent or listed in Failed.
type Uploader struct {
	c      *Client
	cfg    UploadConfig
	prefix []byte // {"create":{"_index":"…"
	query  url.Values
}

// ItemError is a document the server refused: the bulk item's status and error.
type ItemError struct {
	Status int
	Type   string
	Reason string
}

func (e *ItemError) Error() string {
	if e.Type == "" && e.Reason == "" {
		return fmt.Sprintf("http %d", e.Status)
	}
	return fmt.Sprintf("http %d: %s: %s", e.Status, e.Type, e.Reason)
}

// Uploader returns the client's uploader, configured by Config.Upload.
func (c *Client) Uploader() (*Uploader, error) {
	cfg := c.cfg.Upload
	if cfg.Index == "" {
		return nil, errors.New("elastic: no upload index configured (set upload.index)")
	}
	u := &Uploader{c: c, cfg: cfg, query: url.Values{}}
	u.prefix = append(u.prefix, `{"`+cfg.Action+`":{"_index":`...)
	u.prefix = record.AppendJSONString(u.prefix, cfg.Index)
	if cfg.Pipeline != "" {
		u.query.Set("pipeline", cfg.Pipeline)
	}
	if cfg.Refresh != "" {
		u.query.Set("refresh", cfg.Refresh)
	}
	return u, nil
}

// NewUploader is New followed by Uploader, for callers that only upload.
func NewUploader(cfg Config, getenv func(string) string, opts ...Option) (*Uploader, error) {
	c, err := New(cfg, getenv, opts...)
	if err != nil {
		return nil, err
	}
	return c.Uploader()
}

var _ siem.Uploader = (*Uploader)(nil)

// batch is the NDJSON body being built and the stream position of each of its documents.
type batch struct {
	body  []byte
	pos   []int // 1-based stream positions
	start []int // offset in body of each document's action line
}

func (b *batch) reset() { b.body, b.pos, b.start = b.body[:0], b.pos[:0], b.start[:0] }

// item returns the two NDJSON lines of document i.
func (b *batch) item(i int) []byte {
	end := len(b.body)
	if i+1 < len(b.start) {
		end = b.start[i+1]
	}
	return b.body[b.start[i]:end]
}

// Upload sends every record of records; see Uploader.
func (u *Uploader) Upload(ctx context.Context, records record.Stream) (siem.UploadResult, error) {
	var res siem.UploadResult
	var b batch
	var doc []byte
	n := 0
	flush := func() error {
		if len(b.pos) == 0 {
			return nil
		}
		err := u.send(ctx, &b, &res)
		b.reset()
		return err
	}
	finish := func(err error) (siem.UploadResult, error) {
		slices.SortFunc(res.Failed, func(a, b siem.RecordError) int { return a.N - b.N })
		return res, err
	}
	for r, err := range records {
		n++
		if err != nil {
			if record.IsParseError(err) {
				res.Failed = append(res.Failed, siem.RecordError{N: n, Err: err})
				continue
			}
			// The stream ends here; what was read before it is still sent.
			if ferr := flush(); ferr != nil {
				return finish(ferr)
			}
			return finish(fmt.Errorf("elastic upload: input: %w", err))
		}
		if cerr := ctx.Err(); cerr != nil {
			// Cancelled: this record and the batch being built are reported, not dropped.
			for _, p := range b.pos {
				res.Failed = append(res.Failed, siem.RecordError{N: p, Err: fmt.Errorf("not sent: %w", cerr)})
			}
			res.Failed = append(res.Failed, siem.RecordError{N: n, Err: fmt.Errorf("not sent: %w", cerr)})
			return finish(cerr)
		}
		doc = u.appendItem(doc[:0], r)
		if len(b.pos) > 0 && (len(b.pos) >= u.cfg.BatchRecords || len(b.body)+len(doc) > u.cfg.BatchBytes) {
			if err := flush(); err != nil {
				return finish(err)
			}
		}
		b.start = append(b.start, len(b.body))
		b.body = append(b.body, doc...)
		b.pos = append(b.pos, n)
	}
	return finish(flush())
}

// appendItem appends a record's action and document lines.
func (u *Uploader) appendItem(dst []byte, r record.Record) []byte {
	dst = append(dst, u.prefix...)
	if u.cfg.IDField != "" {
		if v, ok := r.Get(u.cfg.IDField); ok && !v.IsNull() {
			dst = append(dst, `,"_id":`...)
			dst = record.AppendJSONString(dst, v.Text())
		}
	}
	dst = append(dst, "}}\n"...)
	dst = r.AppendJSON(dst)
	return append(dst, '\n')
}

// bulkReply is a _bulk reply: items in request order, each {"<action>":{…}}.
type bulkReply struct {
	Errors bool                  `json:"errors"`
	Items  []map[string]bulkItem `json:"items"`
}

type bulkItem struct {
	Status int          `json:"status"`
	Error  *errorObject `json:"error"`
}

// bulkCount is a _bulk reply without errors, of which only the item count matters.
type bulkCount struct {
	Errors bool       `json:"errors"`
	Items  []struct{} `json:"items"`
}

// send sends one batch, retrying it whole and retrying its 429 items, and accounts for every
// document in res.
func (u *Uploader) send(ctx context.Context, b *batch, res *siem.UploadResult) error {
	pending := b
	var retry batch
	failAll := func(p *batch, err error) {
		for _, n := range p.pos {
			res.Failed = append(res.Failed, siem.RecordError{N: n, Err: err})
		}
	}
	for attempt := 0; ; attempt++ {
		rep, err := u.c.send(ctx, request{op: "bulk", method: http.MethodPost, path: "/_bulk", query: u.query, body: pending.body, ndjson: true})
		var wait time.Duration
		switch {
		case err != nil && ctx.Err() != nil:
			failAll(pending, fmt.Errorf("not confirmed: %w", ctx.Err()))
			return ctx.Err()
		case err != nil:
			// No reply: retried like a 5xx. The server may have indexed some of the batch; with
			// "create" and an id field a repeat is refused as a 409 conflict, not duplicated.
		case rep.status == http.StatusTooManyRequests || rep.status >= 500:
			err = replyError("bulk", rep.status, rep.body)
			wait = retryAfter(rep.header)
		case rep.status/100 != 2:
			err = replyError("bulk", rep.status, rep.body)
			failAll(pending, err)
			return err
		default:
			rerr := u.items(rep.body, pending, &retry, res)
			if rerr != nil {
				failAll(pending, rerr)
				return rerr
			}
			if len(retry.pos) == 0 {
				return nil
			}
			if attempt >= u.cfg.MaxRetries {
				failAll(&retry, &ItemError{Status: http.StatusTooManyRequests, Type: "retries_exhausted", Reason: fmt.Sprintf("still refused with 429 after %d retries", u.cfg.MaxRetries)})
				return nil
			}
			u.c.warn(fmt.Sprintf("elastic bulk: %d documents refused with 429, retrying", len(retry.pos)))
			// Swap pending and retry; pending's storage is reused for the next round's 429s.
			if pending == b {
				pending = &batch{}
			}
			*pending, retry = retry, *pending
			retry.reset()
			if err := u.c.sleep(ctx, u.backoff(attempt, 0)); err != nil {
				failAll(pending, fmt.Errorf("not sent: %w", err))
				return err
			}
			continue
		}
		if attempt >= u.cfg.MaxRetries {
			err = fmt.Errorf("elastic bulk: giving up after %d retries: %w", u.cfg.MaxRetries, err)
			failAll(pending, err)
			return err
		}
		u.c.warn(fmt.Sprintf("elastic bulk: %v; retrying", err))
		if err := u.c.sleep(ctx, u.backoff(attempt, wait)); err != nil {
			failAll(pending, fmt.Errorf("not sent: %w", err))
			return err
		}
	}
}

// items reads a 2xx _bulk reply for pending: accepted documents count as sent, 429s go to
// retry, other refusals to res.Failed.
func (u *Uploader) items(body []byte, pending, retry *batch, res *siem.UploadResult) error {
	var quick bulkCount
	if err := json.Unmarshal(body, &quick); err != nil {
		return fmt.Errorf("elastic bulk: decode reply: %w", err)
	}
	if len(quick.Items) != len(pending.pos) {
		return fmt.Errorf("elastic bulk: the reply has %d items for %d documents", len(quick.Items), len(pending.pos))
	}
	if !quick.Errors {
		res.Sent += len(pending.pos)
		return nil
	}
	var full bulkReply
	if err := json.Unmarshal(body, &full); err != nil {
		return fmt.Errorf("elastic bulk: decode reply: %w", err)
	}
	for i, m := range full.Items {
		if len(m) != 1 {
			return fmt.Errorf("elastic bulk: item %d has %d actions", i+1, len(m))
		}
		for _, it := range m {
			switch {
			case it.Status/100 == 2:
				res.Sent++
			case it.Status == http.StatusTooManyRequests:
				retry.start = append(retry.start, len(retry.body))
				retry.body = append(retry.body, pending.item(i)...)
				retry.pos = append(retry.pos, pending.pos[i])
			default:
				ie := &ItemError{Status: it.Status}
				if it.Error != nil {
					ie.Type, ie.Reason = it.Error.Type, it.Error.describe()
				}
				res.Failed = append(res.Failed, siem.RecordError{N: pending.pos[i], Err: ie})
			}
		}
	}
	return nil
}

// backoff is the delay before retry attempt+1: RetryBackoff doubled per attempt, at most 30s,
// or the server's Retry-After when it is longer.
func (u *Uploader) backoff(attempt int, serverWait time.Duration) time.Duration {
	d := u.cfg.RetryBackoff
	for range attempt {
		d *= 2
		if d >= maxRetryBackoff {
			d = maxRetryBackoff
			break
		}
	}
	if serverWait > d {
		d = min(serverWait, 5*maxRetryBackoff)
	}
	return d
}

// retryAfter reads a Retry-After header in seconds; 0 when absent or unreadable.
func retryAfter(h http.Header) time.Duration {
	if s, err := strconv.Atoi(h.Get("Retry-After")); err == nil && s > 0 {
		return time.Duration(s) * time.Second
	}
	return 0
}
