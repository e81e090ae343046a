package enrich

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Defaults for HTTP.
const (
	DefaultTimeout   = 30 * time.Second
	DefaultRetries   = 3
	DefaultBaseDelay = time.Second
	DefaultMaxDelay  = 30 * time.Second
	DefaultMaxReply  = 8 << 20
)

// HTTP is the request path every HTTP provider shares: the provider's rate limit (checked before
// every attempt, retries included), a per-attempt timeout, retries with exponential backoff and
// jitter on 429, 5xx and network errors (honouring Retry-After), a cap on the reply size, and one
// mapping of statuses to errors. The zero value of every field means its default.
type HTTP struct {
	Provider  string       // name used in errors
	Client    *http.Client // nil: http.DefaultClient
	Limiter   *Limiter     // nil: no limit
	Clock     Clock        // nil: the system clock
	Timeout   time.Duration
	Retries   int // retries after the first attempt; negative: none
	BaseDelay time.Duration
	MaxDelay  time.Duration
	MaxReply  int64
	// Jitter spreads a backoff delay d; nil draws uniformly from [d/2, d].
	Jitter    func(d time.Duration) time.Duration
	UserAgent string
}

// errTransient marks failures worth another attempt: no reply, a reply cut short, 5xx.
var errTransient = errors.New("transient failure")

// transient wraps an error so that errors.Is(err, errTransient) holds without changing its text.
type transient struct{ error }

func (transient) Is(target error) bool { return target == errTransient }
func (t transient) Unwrap() error      { return t.error }

// Reply is a provider's HTTP answer.
type Reply struct {
	Status int
	Header http.Header
	Body   []byte
}

// Do sends the request newReq builds (it is called once per attempt, so a body can be resent) and
// returns the reply when the status is 2xx. Otherwise the error is a *StatusError: 404 wraps
// ErrNotFound and still returns the reply (some providers explain themselves in it), 401 and 403
// wrap ErrAuth, 429 after the last retry wraps ErrRateLimited. Other 4xx are not retried.
func (h *HTTP) Do(ctx context.Context, newReq func(ctx context.Context) (*http.Request, error)) (*Reply, error) {
	retries := h.Retries
	switch {
	case retries == 0:
		retries = DefaultRetries
	case retries < 0:
		retries = 0
	}
	clock := clockOr(h.Clock)
	var lastErr error
	for attempt := 0; ; attempt++ {
		if err := h.Limiter.Wait(ctx, 0); err != nil {
			return nil, h.wrap(err)
		}
		rep, err := h.once(ctx, newReq)
		h.Limiter.Release()
		if err == nil {
			return rep, nil
		}
		lastErr = err
		var se *StatusError
		// Network errors and timeouts are retried; a reply that arrived but cannot be used is not.
		retryable := ctx.Err() == nil && errors.Is(err, errTransient)
		var wait time.Duration
		if errors.As(err, &se) {
			retryable = ctx.Err() == nil && (se.Status == http.StatusTooManyRequests || se.Status >= 500)
			if rep != nil {
				wait = retryAfter(rep.Header.Get("Retry-After"), clock.Now())
			}
			if se.Status == http.StatusNotFound {
				return rep, err
			}
		}
		if !retryable || attempt >= retries {
			return nil, lastErr
		}
		if wait == 0 {
			wait = h.backoff(attempt)
		}
		if wait > MaxWait {
			return nil, fmt.Errorf("%w (the provider asks to wait %s)", lastErr, wait.Round(time.Second))
		}
		if err := clock.Sleep(ctx, wait); err != nil {
			return nil, h.wrap(err)
		}
	}
}

func (h *HTTP) once(ctx context.Context, newReq func(context.Context) (*http.Request, error)) (*Reply, error) {
	timeout := h.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	actx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req, err := newReq(actx)
	if err != nil {
		return nil, h.wrap(fmt.Errorf("building request: %w", err))
	}
	if h.UserAgent != "" && req.Header.Get("User-Agent") == "" {
		req.Header.Set("User-Agent", h.UserAgent)
	}
	client := h.Client
	if client == nil {
		client = http.DefaultClient
	}
	resp, err := client.Do(req)
	if err != nil {
		if ctx.Err() == nil && actx.Err() != nil {
			return nil, h.wrap(transient{fmt.Errorf("no reply within %s", timeout)})
		}
		return nil, h.wrap(transient{redact(err)})
	}
	defer resp.Body.Close()
	max := h.MaxReply
	if max <= 0 {
		max = DefaultMaxReply
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, max+1))
	if err != nil {
		return nil, h.wrap(transient{fmt.Errorf("reading reply: %w", redact(err))})
	}
	if int64(len(body)) > max {
		return nil, h.wrap(fmt.Errorf("%w: reply larger than %d bytes", ErrBadReply, max))
	}
	rep := &Reply{Status: resp.StatusCode, Header: resp.Header, Body: body}
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return rep, nil
	}
	se := &StatusError{Provider: h.Provider, Status: resp.StatusCode, Body: snippet(body), err: errTransient}
	switch resp.StatusCode {
	case http.StatusUnauthorized, http.StatusForbidden:
		se.err = ErrAuth
	case http.StatusNotFound:
		se.err = ErrNotFound
	case http.StatusTooManyRequests:
		se.err = ErrRateLimited
	default:
		if resp.StatusCode < 500 {
			se.err = nil
		}
	}
	return rep, se
}

// GetJSON sends a GET to u with the given headers and decodes a 2xx JSON reply into v. The reply
// is returned too, so a provider can keep its raw body.
func (h *HTTP) GetJSON(ctx context.Context, u string, hdr http.Header, v any) (*Reply, error) {
	return h.JSON(ctx, http.MethodGet, u, hdr, nil, v)
}

// JSON sends method to u with body (nil for none) and decodes a 2xx JSON reply into v (unless v
// is nil). A reply that is not valid JSON is an error wrapping ErrBadReply.
func (h *HTTP) JSON(ctx context.Context, method, u string, hdr http.Header, body []byte, v any) (*Reply, error) {
	rep, err := h.Do(ctx, func(ctx context.Context) (*http.Request, error) {
		var rd io.Reader
		if body != nil {
			rd = bytes.NewReader(body)
		}
		req, err := http.NewRequestWithContext(ctx, method, u, rd)
		if err != nil {
			return nil, err
		}
		for k, vs := range hdr {
			req.Header[k] = vs
		}
		return req, nil
	})
	if err != nil || v == nil {
		return rep, err
	}
	if err := json.Unmarshal(rep.Body, v); err != nil {
		return rep, h.wrap(fmt.Errorf("%w: %v", ErrBadReply, err))
	}
	return rep, nil
}

func (h *HTTP) wrap(err error) error {
	var se *StatusError
	if errors.As(err, &se) {
		return err
	}
	return fmt.Errorf("%s: %w", h.Provider, err)
}

// backoff is BaseDelay·2^attempt, capped at MaxDelay, jittered.
func (h *HTTP) backoff(attempt int) time.Duration {
	base, max := h.BaseDelay, h.MaxDelay
	if base <= 0 {
		base = DefaultBaseDelay
	}
	if max <= 0 {
		max = DefaultMaxDelay
	}
	d := base << min(attempt, 30)
	if d > max || d <= 0 {
		d = max
	}
	if h.Jitter != nil {
		return h.Jitter(d)
	}
	return d/2 + rand.N(d/2+1)
}

// retryAfter reads a Retry-After header: delay-seconds or an HTTP date (RFC 9110 §10.2.3).
func retryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if s, err := strconv.Atoi(v); err == nil {
		if s < 0 {
			return 0
		}
		return time.Duration(s) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}

// redact drops the URL from a client error: query strings may carry API keys, and errors end up in
// output and logs.
func redact(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return fmt.Errorf("%s %s: %w", ue.Op, hostOf(ue.URL), ue.Err)
	}
	return err
}

func hostOf(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(url)"
	}
	return u.Scheme + "://" + u.Host + u.Path
}

// snippet is the start of a reply body on one line, for error messages.
func snippet(b []byte) string {
	s := strings.Join(strings.Fields(string(b)), " ")
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	return s
}
