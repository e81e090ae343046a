package splunk

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/hunchsec/hunch/record"
	"github.com/hunchsec/hunch/siem"
)

// Search runs q (SPL) and streams its results, in Splunk's order, as records: Splunk's fields
// in the order it sends them, multi-value fields as lists, _time as a record time. q.Limit
// stops the stream after that many records (0: every result). Cancelling ctx stops the search:
// the export stream is closed, a search job is deleted.
func (c *Client) Search(ctx context.Context, q siem.Query) record.Stream {
	return func(yield func(record.Record, error) bool) {
		if err := q.Validate(); err != nil {
			yield(record.Record{}, err)
			return
		}
		if q.Language != siem.SPL {
			yield(record.Record{}, fmt.Errorf("splunk: the query is %s; Splunk runs spl", q.Language))
			return
		}
		if c.cfg.Mode == ModeJobs {
			c.searchJob(ctx, q, yield)
			return
		}
		c.export(ctx, q, yield)
	}
}

// export runs q through search/v2/jobs/export and streams the results as they arrive.
func (c *Client) export(ctx context.Context, q siem.Query, yield func(record.Record, error) bool) {
	req, err := c.newRequest(ctx, http.MethodPost, c.servicePath("search/v2/jobs/export"), searchForm(q))
	if err == nil {
		err = c.authorize(ctx, req)
	}
	if err != nil {
		yield(record.Record{}, err)
		return
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		yield(record.Record{}, ctxErr(ctx, fmt.Errorf("splunk search: %w", err)))
		return
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		data, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
		yield(record.Record{}, replyError("search", resp.StatusCode, data))
		return
	}
	n := 0
	for line, err := range record.Read(ctx, resp.Body, "splunk", record.ReadOptions{Format: record.FormatJSON, MaxLineBytes: c.cfg.MaxLineBytes}) {
		if err != nil {
			yield(record.Record{}, ctxErr(ctx, fmt.Errorf("splunk search: reading results: %w", err)))
			return
		}
		if err := c.messages("search", line); err != nil {
			yield(record.Record{}, err)
			return
		}
		if v, ok := line.Get("preview"); ok {
			if b, _ := v.Bool(); b {
				continue // a transforming search's early, partial rows
			}
		}
		for _, res := range resultsOf(line) {
			if !yield(res, nil) {
				return
			}
			if n++; q.Limit > 0 && n >= q.Limit {
				return
			}
		}
	}
	if err := ctx.Err(); err != nil {
		yield(record.Record{}, err)
	}
}

// ctxErr prefers ctx's own error when ctx ended, so a cancelled search reports the cancel.
func ctxErr(ctx context.Context, err error) error {
	if cerr := ctx.Err(); cerr != nil {
		return cerr
	}
	return err
}

// messages reports a reply's WARN messages and turns ERROR and FATAL ones into an error.
func (c *Client) messages(op string, rec record.Record) error {
	var fatal []Message
	for _, m := range messagesOf(rec) {
		switch m.Type {
		case "WARN":
			c.o.warn("splunk " + op + ": " + m.Text)
		case "ERROR", "FATAL":
			fatal = append(fatal, m)
		}
	}
	if len(fatal) > 0 {
		return &Error{Op: op, Messages: fatal, Code: -1}
	}
	return nil
}

// resultsOf returns the results a reply carries: the export stream's "result" object or a
// results page's "results" list, each as a record with _time made a time.
func resultsOf(rec record.Record) []record.Record {
	var out []record.Record
	if v, ok := rec.Get("result"); ok {
		if o, ok := v.Object(); ok {
			out = append(out, typed(o))
		}
	}
	if v, ok := rec.Get("results"); ok {
		for _, r := range v.List() {
			if o, ok := r.Object(); ok {
				out = append(out, typed(o))
			}
		}
	}
	return out
}

// typed turns Splunk's _time string into a record time; every other value stays as sent.
func typed(r record.Record) record.Record {
	if v, ok := r.Get("_time"); ok {
		if s, ok := v.Str(); ok {
			if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
				r.Set("_time", record.Time(t))
			} else if t, err := time.Parse("2006-01-02T15:04:05.000-07:00", s); err == nil {
				r.Set("_time", record.Time(t))
			}
		}
	}
	return r
}

// searchJob creates a search job, waits for it, pages its results and deletes it.
func (c *Client) searchJob(ctx context.Context, q siem.Query, yield func(record.Record, error) bool) {
	form := searchForm(q)
	form.Set("exec_mode", "normal")
	data, err := c.call(ctx, http.MethodPost, c.servicePath("search/v2/jobs"), form, "create job")
	if err != nil {
		yield(record.Record{}, ctxErr(ctx, err))
		return
	}
	rec, err := parseOne(data)
	if err != nil {
		yield(record.Record{}, fmt.Errorf("splunk create job: %w", err))
		return
	}
	v, _ := rec.Get("sid")
	sid := v.Text()
	if sid == "" {
		yield(record.Record{}, errors.New("splunk create job: the reply has no sid"))
		return
	}
	defer c.deleteJob(sid)
	if err := c.waitJob(ctx, sid); err != nil {
		yield(record.Record{}, ctxErr(ctx, err))
		return
	}
	n := 0
	for offset := 0; ; {
		count := c.cfg.PageSize
		if q.Limit > 0 && q.Limit-n < count {
			count = q.Limit - n
		}
		page := url.Values{"output_mode": {"json"}, "offset": {strconv.Itoa(offset)}, "count": {strconv.Itoa(count)}}
		data, err := c.call(ctx, http.MethodGet, c.servicePath("search/v2/jobs/"+url.PathEscape(sid)+"/results"), page, "results")
		if err != nil {
			yield(record.Record{}, ctxErr(ctx, err))
			return
		}
		rec, err := parseOne(data)
		if err != nil {
			yield(record.Record{}, fmt.Errorf("splunk results: %w", err))
			return
		}
		if err := c.messages("results", rec); err != nil {
			yield(record.Record{}, err)
			return
		}
		results := resultsOf(rec)
		for _, r := range results {
			if !yield(r, nil) {
				return
			}
		}
		n += len(results)
		offset += len(results)
		if len(results) < count || (q.Limit > 0 && n >= q.Limit) {
			return
		}
	}
}

// waitJob polls the job until it is done, failing when Splunk says it failed.
func (c *Client) waitJob(ctx context.Context, sid string) error {
	for {
		data, err := c.call(ctx, http.MethodGet, c.servicePath("search/jobs/"+url.PathEscape(sid)), url.Values{"output_mode": {"json"}}, "job status")
		if err != nil {
			return err
		}
		rec, err := parseOne(data)
		if err != nil {
			return fmt.Errorf("splunk job status: %w", err)
		}
		content, err := jobContent(rec)
		if err != nil {
			return err
		}
		state, _ := content.Get("dispatchState")
		failed, _ := content.Get("isFailed")
		if f, _ := failed.Bool(); f || state.Text() == "FAILED" {
			e := &Error{Op: "search job " + sid, Code: -1, Messages: messagesOf(content)}
			if len(e.Messages) == 0 {
				e.Messages = []Message{{Type: "FATAL", Text: "the search job failed"}}
			}
			return e
		}
		for _, m := range messagesOf(content) {
			if m.Type == "WARN" {
				c.o.warn("splunk search job: " + m.Text)
			}
		}
		done, _ := content.Get("isDone")
		if d, _ := done.Bool(); d || state.Text() == "DONE" {
			return nil
		}
		if err := c.o.sleep(ctx, c.cfg.PollInterval); err != nil {
			return err
		}
	}
}

// jobContent returns entry[0].content of a job status reply.
func jobContent(rec record.Record) (record.Record, error) {
	v, _ := rec.Get("entry")
	entries := v.List()
	if len(entries) == 0 {
		return record.Record{}, errors.New("splunk job status: the reply has no entry")
	}
	e, _ := entries[0].Object()
	cv, _ := e.Get("content")
	content, ok := cv.Object()
	if !ok {
		return record.Record{}, errors.New("splunk job status: the entry has no content")
	}
	return content, nil
}

// deleteJob removes the job (which also cancels it when it is still running). It runs when
// the search ended for whatever reason, so it has a context of its own.
func (c *Client) deleteJob(sid string) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := c.call(ctx, http.MethodDelete, c.servicePath("search/jobs/"+url.PathEscape(sid)), nil, "delete job"); err != nil {
		c.o.warn(fmt.Sprintf("splunk: deleting search job %s: %v", sid, err))
	}
}
