package splunk

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
)

// Passwords reads Splunk's credential store (storage/passwords, in the client's app namespace)
// and returns the clear passwords of realm by user name. Search commands use it to get their
// provider secrets from splunkd with the session key it handed them, so that no secret sits in
// a configuration file. The caller needs the list_storage_passwords capability.
func (c *Client) Passwords(ctx context.Context, realm string) (map[string]string, error) {
	data, err := c.call(ctx, http.MethodGet, c.servicePath("storage/passwords"), url.Values{"output_mode": {"json"}, "count": {"0"}}, "credential store")
	if err != nil {
		return nil, err
	}
	rec, err := parseOne(data)
	if err != nil {
		return nil, fmt.Errorf("splunk credential store: %w", err)
	}
	out := map[string]string{}
	v, _ := rec.Get("entry")
	for _, ev := range v.List() {
		e, _ := ev.Object()
		cv, _ := e.Get("content")
		content, ok := cv.Object()
		if !ok {
			continue
		}
		r, _ := content.Get("realm")
		if r.Text() != realm {
			continue
		}
		user, _ := content.Get("username")
		pw, _ := content.Get("clear_password")
		if user.Text() != "" {
			out[user.Text()] = pw.Text()
		}
	}
	return out, nil
}
