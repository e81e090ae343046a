package respond

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

// MDE is Microsoft Defender for Endpoint's API: machines found by DNS name, isolated and
// released with machine actions (POST /api/machines/{id}/isolate, /unisolate). It signs in with
// an app registration's client credentials (Machine.Isolate, Machine.Read.All).
type MDE struct {
	BaseURL                          string // https://api.securitycenter.microsoft.com by default
	LoginURL                         string // https://login.microsoftonline.com by default
	TenantID, ClientID, ClientSecret string
	// IsolationType is Full (default) or Selective.
	IsolationType string
	HTTP          *http.Client

	tok oauthToken
}

func (m *MDE) base() string {
	if m.BaseURL != "" {
		return strings.TrimSuffix(m.BaseURL, "/")
	}
	return "https://api.securitycenter.microsoft.com"
}

// tokenFor signs in (OAuth 2.0 client credentials) and caches the token until shortly before it
// expires.
func (m *MDE) tokenFor(ctx context.Context) (string, error) {
	login := m.LoginURL
	if login == "" {
		login = "https://login.microsoftonline.com"
	}
	form := url.Values{"grant_type": {"client_credentials"}, "client_id": {m.ClientID}, "client_secret": {m.ClientSecret},
		"scope": {m.base() + "/.default"}}
	return m.tok.get(ctx, m.HTTP, "mde", strings.TrimSuffix(login, "/")+"/"+url.PathEscape(m.TenantID)+"/oauth2/v2.0/token", form,
		func(status int, body []byte) error {
			var e struct {
				Error       string `json:"error"`
				Description string `json:"error_description"`
			}
			json.Unmarshal(body, &e)
			return fmt.Errorf("%s %s", e.Error, firstLine(e.Description))
		})
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\r")
	s, _, _ = strings.Cut(s, "\n")
	return s
}

// mdeError reads {"error": {"code": …, "message": …}}.
func mdeError(status int, body []byte) error {
	var e struct {
		Error struct{ Code, Message string } `json:"error"`
	}
	msg := http.StatusText(status)
	if json.Unmarshal(body, &e) == nil && e.Error.Code != "" {
		msg = e.Error.Code + ": " + e.Error.Message
	}
	return fmt.Errorf("mde: %w", statusErr(status, msg))
}

// machine finds a machine by its DNS name (or its short name).
func (m *MDE) machine(ctx context.Context, token, host string) (string, Exchange, error) {
	filter := fmt.Sprintf("computerDnsName eq '%s'", strings.ReplaceAll(strings.ToLower(host), "'", "''"))
	u := m.base() + "/api/machines?$filter=" + url.QueryEscape(filter)
	var out struct {
		Value []struct {
			ID              string `json:"id"`
			ComputerDNSName string `json:"computerDnsName"`
		} `json:"value"`
	}
	ex, err := call(ctx, m.HTTP, http.MethodGet, u, token, nil, false, retryAfterHeader, mdeError, &out)
	if err != nil {
		return "", ex, err
	}
	if len(out.Value) == 0 {
		return "", ex, fmt.Errorf("mde: machine %q: %w", host, ErrNotFound)
	}
	return out.Value[0].ID, ex, nil
}

func (m *MDE) action(ctx context.Context, verb, host, comment string, dryRun bool) (Result, error) {
	r := Result{Host: host, Action: verb}
	token, err := m.tokenFor(ctx)
	if err != nil {
		return r, err
	}
	id, ex, err := m.machine(ctx, token, host)
	r.Exchanges = append(r.Exchanges, ex)
	if err != nil {
		return r, err
	}
	r.DeviceID = id
	body := map[string]string{"Comment": comment}
	path := "unisolate"
	if verb == "isolate" {
		path = "isolate"
		t := m.IsolationType
		if t == "" {
			t = "Full"
		}
		body["IsolationType"] = t
	}
	var act struct {
		ID     string `json:"id"`
		Status string `json:"status"`
	}
	ex, err = call(ctx, m.HTTP, http.MethodPost, m.base()+"/api/machines/"+url.PathEscape(id)+"/"+path, token, body, dryRun, retryAfterHeader, mdeError, &act)
	r.Exchanges = append(r.Exchanges, ex)
	r.ActionID, r.Status = act.ID, act.Status
	if dryRun {
		r.Status = "dry run"
	}
	return r, err
}

// Isolate isolates the machine named host.
func (m *MDE) Isolate(ctx context.Context, host, comment string, dryRun bool) (Result, error) {
	return m.action(ctx, "isolate", host, comment, dryRun)
}

// Release ends the isolation of the machine named host.
func (m *MDE) Release(ctx context.Context, host, comment string, dryRun bool) (Result, error) {
	return m.action(ctx, "release", host, comment, dryRun)
}
