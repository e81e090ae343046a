package enrich

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"

	"github.com/hunchsec/hunch/ioc"
)

// This file holds what the provider packages share: the checks constructors make on the request
// path, the API key and the base URL; the loop of providers that answer one indicator at a time;
// the not-found answer; and the provider's own explanation in an HTTP error.

// RequireHTTP returns an error naming provider when h is nil: every HTTP provider needs the
// engine's request path (rate limit, retries, client, clock) to be built.
func RequireHTTP(provider string, h *HTTP) error {
	if h == nil {
		return fmt.Errorf("%s: an HTTP request path is required (Options.HTTP)", provider)
	}
	return nil
}

// RequireKey returns an error naming provider when key is empty or blank.
func RequireKey(provider, key string) error {
	if strings.TrimSpace(key) == "" {
		return fmt.Errorf("%s: an API key is required", provider)
	}
	return nil
}

// BaseURL returns the root a provider sends its requests to: given with surrounding white space
// and trailing slashes removed, or def when given is empty. The result must be an absolute
// http:// or https:// URL with a host; otherwise the error names provider and the URL.
func BaseURL(provider, given, def string) (string, error) {
	base := strings.TrimRight(strings.TrimSpace(given), "/")
	shown := given
	if base == "" {
		base = strings.TrimRight(def, "/")
		shown = def
	}
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", fmt.Errorf("%s: base URL %q is not an http(s) URL with a host", provider, shown)
	}
	return base, nil
}

// NotFound is the result for an indicator the provider knows nothing of (HTTP 404 for most):
// verdict Unknown with the summary "not found", the reference given (a page a person can open, or
// ""), and the reply as Raw when rep holds JSON.
func NotFound(ind Indicator, reference string, rep *Reply) Result {
	r := Result{Indicator: ind, Verdict: Unknown, Summary: "not found", Reference: reference}
	if rep != nil && json.Valid(rep.Body) {
		r.Raw = rep.Body
	}
	return r
}

// Explain puts a provider's own explanation of a failed request into its error: when err holds a
// *StatusError, explain reads the reply body it carries (a JSON error object, usually) and returns
// the explanation, or "" for none. The error returned says the explanation where the raw body
// stood ("check the API key for …" stays, followed by it) and still matches errors.Is and
// errors.As as err did; its *StatusError is a copy with Detail set. Any other err, or an empty
// explanation, is returned as it is.
func Explain(err error, explain func(body string) string) error {
	var se *StatusError
	if !errors.As(err, &se) {
		return err
	}
	detail := strings.TrimSpace(explain(se.Body))
	if detail == "" {
		return err
	}
	ex := *se
	ex.Detail = detail
	if err == error(se) {
		return &ex
	}
	return &explained{err: err, se: &ex, msg: strings.Replace(err.Error(), se.Error(), ex.Error(), 1)}
}

// explained is an error that wraps a *StatusError, with the status error's message replaced by
// that of its explained copy.
type explained struct {
	err error
	se  *StatusError
	msg string
}

func (e *explained) Error() string { return e.msg }
func (e *explained) Unwrap() error { return e.err }

// As hands out the explained copy of the status error.
func (e *explained) As(target any) bool {
	if p, ok := target.(**StatusError); ok {
		*p = e.se
		return true
	}
	return false
}

// LookupEach is the Lookup of a provider that answers one indicator at a time: it returns one
// Result per indicator of batch, in order. Once ctx is done, every indicator left gets an error
// wrapping ctx's error; an indicator whose type is not among types gets one wrapping
// ErrUnsupported; every other is answered by one, and its result's Indicator is set to it.
// provider names the provider in those errors.
func LookupEach(ctx context.Context, provider string, types []ioc.Type, batch []Indicator,
	one func(context.Context, Indicator) Result) []Result {
	out := make([]Result, len(batch))
	for i, ind := range batch {
		switch {
		case ctx.Err() != nil:
			out[i] = Result{Indicator: ind, Err: fmt.Errorf("%s: %w", provider, ctx.Err())}
		case !slices.Contains(types, ind.Type):
			out[i] = Result{Indicator: ind, Err: fmt.Errorf("%s: %w: %s", provider, ErrUnsupported, ind.Type)}
		default:
			out[i] = one(ctx, ind)
			out[i].Indicator = ind
		}
	}
	return out
}
