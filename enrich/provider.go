package enrich

import (
	"fmt"
	"net/url"
	"strings"
)

// This file holds what the provider packages share when they are built: the checks every
// constructor makes on its request path and base URL.

// RequireHTTP returns an error naming provider when h is nil: every HTTP provider needs the
// engine's request path (rate limit, retries, client, clock) to be built.
func RequireHTTP(provider string, h *HTTP) error {
	if h == nil {
		return fmt.Errorf("%s: an HTTP request path is required (Options.HTTP)", provider)
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
		return "", fmt.Errorf("%s: base URL %q is not an http(s) URL, or not an absolute http(s) URL: "+
			"use an http:// or https:// URL with a host", provider, shown)
	}
	return base, nil
}
