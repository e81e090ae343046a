// Package respond holds hunch's response actions on the products a SOC already runs: host
// isolation and release on an EDR (Microsoft Defender for Endpoint's machine actions,
// CrowdStrike Falcon's containment). Every call returns the request it sent and the reply it
// got, so that a playbook journals both; a dry run returns the request without sending it.
// Errors name what went wrong the way an analyst needs it: not found, no permission, rate
// limited (after the retries Retry-After allows), or the product's own message.
package respond

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Errors every client wraps.
var (
	ErrNotFound    = errors.New("not found")
	ErrForbidden   = errors.New("permission denied")
	ErrRateLimited = errors.New("rate limited")
)

// Exchange is one request and its reply, as journaled.
type Exchange struct {
	Method string          `json:"method"`
	URL    string          `json:"url"`
	Body   json.RawMessage `json:"body,omitempty"`
	Status int             `json:"status,omitempty"`
	Reply  json.RawMessage `json:"reply,omitempty"`
	DryRun bool            `json:"dry_run,omitempty"`
}

// Result is what an action did.
type Result struct {
	Host      string     `json:"host"`
	DeviceID  string     `json:"device_id"`
	Action    string     `json:"action"`
	ActionID  string     `json:"action_id,omitempty"`
	Status    string     `json:"status,omitempty"`
	Exchanges []Exchange `json:"exchanges"`
}

// EDR isolates and releases hosts.
type EDR interface {
	Isolate(ctx context.Context, host, comment string, dryRun bool) (Result, error)
	Release(ctx context.Context, host, comment string, dryRun bool) (Result, error)
}

// DefaultRetries is how often a rate-limited call is tried again.
const DefaultRetries = 2

// maxWait bounds one wait for a rate limit.
const maxWait = 30 * time.Second

// call sends one JSON request with a bearer token, retrying on 429 as the product says, and
// records the exchange. errorOf reads the product's error body.
func call(ctx context.Context, hc *http.Client, method, url, token string, body any, dryRun bool, retryAfter func(*http.Response) time.Duration,
	errorOf func(status int, body []byte) error, out any) (Exchange, error) {
	var raw []byte
	if body != nil {
		var err error
		if raw, err = json.Marshal(body); err != nil {
			return Exchange{}, err
		}
	}
	ex := Exchange{Method: method, URL: url, Body: raw, DryRun: dryRun}
	if dryRun {
		return ex, nil
	}
	if hc == nil {
		hc = http.DefaultClient
	}
	for attempt := 0; ; attempt++ {
		req, err := http.NewRequestWithContext(ctx, method, url, bytes.NewReader(raw))
		if err != nil {
			return ex, err
		}
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Accept", "application/json")
		if raw != nil {
			req.Header.Set("Content-Type", "application/json")
		}
		res, err := hc.Do(req)
		if err != nil {
			return ex, fmt.Errorf("%s %s: %w", method, url, err)
		}
		reply, err := io.ReadAll(io.LimitReader(res.Body, 1<<20))
		res.Body.Close()
		if err != nil {
			return ex, err
		}
		ex.Status = res.StatusCode
		if json.Valid(reply) {
			ex.Reply = reply
		}
		if res.StatusCode == http.StatusTooManyRequests {
			wait := retryAfter(res)
			if attempt >= DefaultRetries || wait > maxWait {
				return ex, fmt.Errorf("%s %s: %w (retry after %s)", method, url, ErrRateLimited, wait)
			}
			select {
			case <-ctx.Done():
				return ex, ctx.Err()
			case <-time.After(wait):
			}
			continue
		}
		if res.StatusCode/100 != 2 {
			return ex, errorOf(res.StatusCode, reply)
		}
		if out != nil && len(reply) > 0 {
			if err := json.Unmarshal(reply, out); err != nil {
				return ex, fmt.Errorf("%s %s: %w", method, url, err)
			}
		}
		return ex, nil
	}
}

// retryAfterHeader reads Retry-After in seconds (default 1 s).
func retryAfterHeader(res *http.Response) time.Duration {
	if n, err := strconv.Atoi(strings.TrimSpace(res.Header.Get("Retry-After"))); err == nil && n >= 0 {
		return time.Duration(n) * time.Second
	}
	return time.Second
}

// statusErr maps an HTTP status to the package's errors.
func statusErr(status int, msg string) error {
	switch status {
	case http.StatusNotFound:
		return fmt.Errorf("%w: %s", ErrNotFound, msg)
	case http.StatusUnauthorized, http.StatusForbidden:
		return fmt.Errorf("%w: %s", ErrForbidden, msg)
	}
	return fmt.Errorf("HTTP %d: %s", status, msg)
}

// oauthToken is an OAuth 2.0 client-credentials token, fetched when missing or about to expire.
type oauthToken struct {
	mu      sync.Mutex
	token   string
	expires time.Time
}

// get returns the cached token, or posts form to tokenURL for a new one; errorOf reads a refusal.
func (o *oauthToken) get(ctx context.Context, hc *http.Client, what, tokenURL string, form url.Values, errorOf func(status int, body []byte) error) (string, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.token != "" && time.Now().Before(o.expires) {
		return o.token, nil
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, tokenURL, strings.NewReader(form.Encode()))
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	if hc == nil {
		hc = http.DefaultClient
	}
	res, err := hc.Do(req)
	if err != nil {
		return "", fmt.Errorf("%s sign-in: %w", what, err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(res.Body, 1<<20))
	var tok struct {
		AccessToken string `json:"access_token"`
		ExpiresIn   int    `json:"expires_in"`
	}
	json.Unmarshal(b, &tok)
	if res.StatusCode/100 != 2 || tok.AccessToken == "" {
		return "", fmt.Errorf("%s sign-in: %w", what, errorOf(res.StatusCode, b))
	}
	o.token, o.expires = tok.AccessToken, time.Now().Add(time.Duration(tok.ExpiresIn)*time.Second-time.Minute)
	return o.token, nil
}
