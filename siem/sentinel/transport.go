package sentinel

import (
	"fmt"
	"io"
	"net/http"
	"net/url"

	"github.com/hunchsec/hunch/siem"
)

// httpClient returns c when given, or a client that trusts the system roots plus caFile.
func httpClient(c *http.Client, caFile string, insecure bool) (*http.Client, error) {
	if c != nil {
		return c, nil
	}
	hc, err := siem.HTTPClient(caFile, insecure, 0)
	if err != nil {
		return nil, fmt.Errorf("sentinel: %w", err)
	}
	return hc, nil
}

// checkURL refuses an endpoint that is not an absolute https URL (tokens are only sent over TLS).
func checkURL(name, s string) error {
	u, err := url.Parse(s)
	if err != nil {
		return fmt.Errorf("sentinel: %s: %w", name, err)
	}
	if u.Scheme != "https" || u.Host == "" {
		return fmt.Errorf("sentinel: %s %q is not an https URL", name, s)
	}
	return nil
}

// limitTransport caps the reply bodies read through it.
type limitTransport struct {
	next *http.Client
	max  int64
}

func (t *limitTransport) Do(req *http.Request) (*http.Response, error) {
	resp, err := t.next.Do(req)
	if err != nil {
		return resp, err
	}
	if resp.ContentLength > t.max {
		resp.Body.Close()
		return nil, &tooLargeError{length: resp.ContentLength, max: t.max}
	}
	resp.Body = &limitBody{rc: resp.Body, left: t.max}
	return resp, nil
}

// limitBody fails with ErrResponseTooLarge once more than its limit has been read.
type limitBody struct {
	rc   io.ReadCloser
	left int64
}

func (b *limitBody) Read(p []byte) (int, error) {
	if b.left < 0 {
		return 0, ErrResponseTooLarge
	}
	if int64(len(p)) > b.left+1 {
		p = p[:b.left+1]
	}
	n, err := b.rc.Read(p)
	b.left -= int64(n)
	if b.left < 0 {
		return 0, ErrResponseTooLarge
	}
	return n, err
}

func (b *limitBody) Close() error { return b.rc.Close() }

// tooLargeError is a reply whose announced length exceeds the limit; the SDK does not retry it.
type tooLargeError struct{ length, max int64 }

func (e *tooLargeError) Error() string {
	return fmt.Sprintf("%v: content length %d > %d", ErrResponseTooLarge, e.length, e.max)
}

func (e *tooLargeError) Unwrap() error { return ErrResponseTooLarge }

// NonRetriable tells the SDK retry policy that trying again cannot help.
func (e *tooLargeError) NonRetriable() {}
