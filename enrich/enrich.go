// Package enrich looks indicators up in threat-intelligence providers and reduces every answer to
// one verdict scale (DBotScore-compatible), with batching, per-provider concurrency, rate limits
// that are never exceeded, retries with backoff, and a two-level cache. Providers live in subpackages.
package enrich

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/hunchsec/hunch/ioc"
)

// Indicator is one value to look up, with its type (ioc's type names: ipv4, domain, url, sha256, …).
type Indicator struct {
	Type  ioc.Type `json:"type"`
	Value string   `json:"value"`
}

func (i Indicator) String() string { return string(i.Type) + ":" + i.Value }

// Result is one provider's answer about one indicator.
type Result struct {
	Indicator   Indicator       `json:"indicator"`
	Provider    string          `json:"provider"`
	Verdict     Verdict         `json:"verdict"`
	Reliability Reliability     `json:"reliability"`
	Summary     string          `json:"summary,omitempty"`   // one line for a table cell
	Details     map[string]any  `json:"details,omitempty"`   // structured facts (counts, tags, families, …)
	Reference   string          `json:"reference,omitempty"` // a page a person can open
	Raw         json.RawMessage `json:"raw,omitempty"`       // the provider's reply, as received
	Time        time.Time       `json:"time"`                // when the provider answered
	Cached      bool            `json:"cached"`
	// Err is set when the lookup failed; the verdict is then Unknown and says nothing.
	Err error `json:"-"`
}

// Error returns the result's error message, or "".
func (r Result) Error() string {
	if r.Err == nil {
		return ""
	}
	return r.Err.Error()
}

// MarshalJSON adds the error message as "error".
func (r Result) MarshalJSON() ([]byte, error) {
	type plain Result
	return json.Marshal(struct {
		plain
		Error string `json:"error,omitempty"`
	}{plain(r), r.Error()})
}

// UnmarshalJSON reads what MarshalJSON writes; an "error" becomes an opaque Err.
func (r *Result) UnmarshalJSON(b []byte) error {
	type plain Result
	var v struct {
		plain
		Error string `json:"error"`
	}
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	*r = Result(v.plain)
	if v.Error != "" {
		r.Err = errors.New(v.Error)
	}
	return nil
}

// Provider answers lookups for the indicator types it declares. Lookup returns exactly one Result
// per indicator of batch, in the same order; a failure of one item is that item's Err, and a
// failure of the whole batch is every item's Err. Lookup must return promptly when ctx is done.
// The engine fills in Provider, Reliability, Time and Cached; a provider sets the rest.
type Provider interface {
	Name() string
	Types() []ioc.Type
	Lookup(ctx context.Context, batch []Indicator) []Result
}

// Batcher is implemented by providers that answer several indicators in one request; the engine
// hands them batches of at most MaxBatch indicators (others get one at a time).
type Batcher interface {
	MaxBatch() int
}

// Sentinel errors a Result's Err may wrap.
var (
	// ErrAuth: the provider refused the credentials (HTTP 401/403).
	ErrAuth = errors.New("authentication failed")
	// ErrNotFound: the provider knows nothing of the indicator (most providers map this to Unknown without error).
	ErrNotFound = errors.New("not found")
	// ErrRateLimited: the provider kept answering 429 after every retry.
	ErrRateLimited = errors.New("rate limited")
	// ErrUnsupported: the provider does not handle the indicator's type.
	ErrUnsupported = errors.New("type not supported")
	// ErrBadReply: the provider's reply could not be understood.
	ErrBadReply = errors.New("unexpected reply")
)

// StatusError is an HTTP reply that was not a success, after retries.
type StatusError struct {
	Provider string
	Status   int
	Body     string // the start of the reply body, for the message
	// Detail is the provider's own explanation, read from the body (see Explain); when set, the
	// message gives it instead of the raw body.
	Detail string
	err    error // ErrAuth, ErrNotFound, ErrRateLimited or nil
}

func (e *StatusError) Error() string {
	switch {
	case errors.Is(e.err, ErrAuth) && e.Detail != "":
		return fmt.Sprintf("%s: HTTP %d: check the API key for %s: %s", e.Provider, e.Status, e.Provider, e.Detail)
	case errors.Is(e.err, ErrAuth):
		return fmt.Sprintf("%s: HTTP %d: check the API key for %s", e.Provider, e.Status, e.Provider)
	case e.Detail != "":
		return fmt.Sprintf("%s: HTTP %d: %s", e.Provider, e.Status, e.Detail)
	case e.Body != "":
		return fmt.Sprintf("%s: HTTP %d: %s", e.Provider, e.Status, e.Body)
	}
	return fmt.Sprintf("%s: HTTP %d", e.Provider, e.Status)
}

// Unwrap returns the sentinel the status maps to, if any.
func (e *StatusError) Unwrap() error { return e.err }

// Fail returns one Result per indicator, each carrying err: the way a provider reports a batch
// that failed as a whole.
func Fail(batch []Indicator, err error) []Result {
	out := make([]Result, len(batch))
	for i, ind := range batch {
		out[i] = Result{Indicator: ind, Err: err}
	}
	return out
}
