package respond

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Falcon is CrowdStrike Falcon's API: hosts found by hostname (devices/queries/devices/v1) and
// contained or released (devices/entities/devices-actions/v2, action contain or
// lift_containment), with an API client's credentials (Hosts: read and write).
type Falcon struct {
	BaseURL                string // https://api.crowdstrike.com by default (or the cloud's: api.us-2…, api.eu-1…)
	ClientID, ClientSecret string
	HTTP                   *http.Client

	tok oauthToken
}

func (f *Falcon) base() string {
	if f.BaseURL != "" {
		return strings.TrimSuffix(f.BaseURL, "/")
	}
	return "https://api.crowdstrike.com"
}

func (f *Falcon) tokenFor(ctx context.Context) (string, error) {
	form := url.Values{"client_id": {f.ClientID}, "client_secret": {f.ClientSecret}}
	return f.tok.get(ctx, f.HTTP, "falcon", f.base()+"/oauth2/token", form, falconError)
}

// falconError reads {"errors": [{"code": …, "message": …}]}.
func falconError(status int, body []byte) error {
	var e struct {
		Errors []struct {
			Code    int    `json:"code"`
			Message string `json:"message"`
		} `json:"errors"`
	}
	msg := http.StatusText(status)
	if json.Unmarshal(body, &e) == nil && len(e.Errors) > 0 {
		msg = e.Errors[0].Message
	}
	return fmt.Errorf("falcon: %w", statusErr(status, msg))
}

// falconRetryAfter reads X-RateLimit-RetryAfter (a Unix time) or Retry-After.
func falconRetryAfter(res *http.Response) time.Duration {
	if n, err := strconv.ParseInt(res.Header.Get("X-RateLimit-RetryAfter"), 10, 64); err == nil {
		if d := time.Until(time.Unix(n, 0)); d > 0 {
			return d
		}
		return 0
	}
	return retryAfterHeader(res)
}

func (f *Falcon) action(ctx context.Context, name, host, comment string, dryRun bool) (Result, error) {
	r := Result{Host: host, Action: map[string]string{"contain": "isolate", "lift_containment": "release"}[name]}
	token, err := f.tokenFor(ctx)
	if err != nil {
		return r, err
	}
	filter := fmt.Sprintf("hostname:'%s'", strings.ReplaceAll(host, "'", ""))
	var ids struct {
		Resources []string `json:"resources"`
	}
	ex, err := call(ctx, f.HTTP, http.MethodGet, f.base()+"/devices/queries/devices/v1?filter="+url.QueryEscape(filter), token, nil, false,
		falconRetryAfter, falconError, &ids)
	r.Exchanges = append(r.Exchanges, ex)
	if err != nil {
		return r, err
	}
	if len(ids.Resources) == 0 {
		return r, fmt.Errorf("falcon: host %q: %w", host, ErrNotFound)
	}
	r.DeviceID = ids.Resources[0]
	body := map[string]any{"ids": []string{r.DeviceID}}
	if comment != "" {
		body["action_parameters"] = []map[string]string{{"name": "comment", "value": comment}}
	}
	var out struct {
		Resources []struct {
			ID string `json:"id"`
		} `json:"resources"`
	}
	ex, err = call(ctx, f.HTTP, http.MethodPost, f.base()+"/devices/entities/devices-actions/v2?action_name="+name, token, body, dryRun,
		falconRetryAfter, falconError, &out)
	r.Exchanges = append(r.Exchanges, ex)
	if err != nil {
		return r, err
	}
	r.Status = "requested"
	if dryRun {
		r.Status = "dry run"
	}
	if len(out.Resources) > 0 {
		r.ActionID = out.Resources[0].ID
	}
	return r, nil
}

// Isolate contains the host.
func (f *Falcon) Isolate(ctx context.Context, host, comment string, dryRun bool) (Result, error) {
	return f.action(ctx, "contain", host, comment, dryRun)
}

// Release lifts the host's containment.
func (f *Falcon) Release(ctx context.Context, host, comment string, dryRun bool) (Result, error) {
	return f.action(ctx, "lift_containment", host, comment, dryRun)
}
