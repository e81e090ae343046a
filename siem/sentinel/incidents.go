package sentinel

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
)

// Management locates the workspace for the Azure Resource Manager API, which updates Sentinel
// incidents (the query API cannot).
type Management struct {
	SubscriptionID string `yaml:"subscription_id"`
	ResourceGroup  string `yaml:"resource_group"`
	WorkspaceName  string `yaml:"workspace_name"`
	Endpoint       string `yaml:"endpoint"` // default https://management.azure.com
}

// incidentsAPIVersion is the SecurityInsights API version hunch speaks.
const incidentsAPIVersion = "2023-02-01"

// Incidents updates Sentinel incidents: status, classification, severity, owner, and comments.
type Incidents struct {
	m    Management
	cred azcore.TokenCredential
	hc   *http.Client
}

// ErrIncidentNotFound is returned for an incident Sentinel does not have.
var ErrIncidentNotFound = errors.New("sentinel: no such incident")

// NewIncidents builds the incidents client of a connection (its management block and auth).
func NewIncidents(cfg Config, getenv func(string) string, opts ...Option) (*Incidents, error) {
	o := options{now: time.Now}
	for _, opt := range opts {
		opt(&o)
	}
	m := cfg.Management
	if m.SubscriptionID == "" || m.ResourceGroup == "" || m.WorkspaceName == "" {
		return nil, errors.New("sentinel: updating incidents needs management.subscription_id, resource_group and workspace_name")
	}
	if m.Endpoint == "" {
		m.Endpoint = "https://management.azure.com"
	}
	m.Endpoint = strings.TrimRight(m.Endpoint, "/")
	if err := checkURL("management.endpoint", m.Endpoint); err != nil {
		return nil, err
	}
	hc, err := httpClient(o.client, cfg.CAFile, cfg.InsecureSkipVerify)
	if err != nil {
		return nil, err
	}
	cred := o.cred
	if cred == nil {
		base, err := baseCloud(cfg.Cloud)
		if err != nil {
			return nil, err
		}
		if cred, err = NewCredential(cfg.Auth, base, hc, getenv); err != nil {
			return nil, err
		}
	}
	return &Incidents{m: m, cred: cred, hc: hc}, nil
}

// IncidentUpdate is a change; empty fields stay as they are.
type IncidentUpdate struct {
	Status         string // New, Active, Closed
	Classification string // Undetermined, TruePositive, BenignPositive, FalsePositive (with Closed)
	Reason         string // classificationReason, e.g. SuspiciousActivity
	Severity       string // High, Medium, Low, Informational
	Owner          string // assignedTo (UPN)
	Comment        string // added as an incident comment
}

func (s *Incidents) url(name, sub string) string {
	u := fmt.Sprintf("%s/subscriptions/%s/resourceGroups/%s/providers/Microsoft.OperationalInsights/workspaces/%s/providers/Microsoft.SecurityInsights/incidents/%s",
		s.m.Endpoint, url.PathEscape(s.m.SubscriptionID), url.PathEscape(s.m.ResourceGroup), url.PathEscape(s.m.WorkspaceName), url.PathEscape(name))
	return u + sub + "?api-version=" + incidentsAPIVersion
}

func (s *Incidents) do(ctx context.Context, method, u string, body any) (int, []byte, error) {
	tok, err := s.cred.GetToken(ctx, policy.TokenRequestOptions{Scopes: []string{s.m.Endpoint + "/.default"}})
	if err != nil {
		return 0, nil, fmt.Errorf("sentinel: token: %w", err)
	}
	var raw []byte
	if body != nil {
		raw, _ = json.Marshal(body)
	}
	for attempt := 0; ; attempt++ {
		req, err := http.NewRequestWithContext(ctx, method, u, bytes.NewReader(raw))
		if err != nil {
			return 0, nil, err
		}
		req.Header.Set("Authorization", "Bearer "+tok.Token)
		if raw != nil {
			req.Header.Set("Content-Type", "application/json")
		}
		res, err := s.hc.Do(req)
		if err != nil {
			return 0, nil, fmt.Errorf("sentinel: %w", err)
		}
		b, _ := io.ReadAll(io.LimitReader(res.Body, 4<<20))
		res.Body.Close()
		if res.StatusCode == http.StatusTooManyRequests && attempt < 2 {
			wait, _ := strconv.Atoi(res.Header.Get("Retry-After"))
			if wait > 30 {
				return res.StatusCode, b, fmt.Errorf("sentinel: rate limited for %ds", wait)
			}
			select {
			case <-ctx.Done():
				return 0, nil, ctx.Err()
			case <-time.After(time.Duration(wait) * time.Second):
			}
			continue
		}
		if res.StatusCode/100 != 2 {
			var e struct {
				Error struct{ Code, Message string } `json:"error"`
			}
			json.Unmarshal(b, &e)
			if res.StatusCode == http.StatusNotFound {
				return res.StatusCode, b, fmt.Errorf("%w: %s", ErrIncidentNotFound, e.Error.Message)
			}
			return res.StatusCode, b, fmt.Errorf("sentinel: %s %s: %d %s: %s", method, "incident", res.StatusCode, e.Error.Code, e.Error.Message)
		}
		return res.StatusCode, b, nil
	}
}

// Update applies u to incident name (its GUID): the incident is read, changed and written back
// with its etag (so a concurrent change is refused, not overwritten), and the comment added.
// It returns the incident as Sentinel answers.
func (s *Incidents) Update(ctx context.Context, name string, u IncidentUpdate) (map[string]any, error) {
	_, b, err := s.do(ctx, http.MethodGet, s.url(name, ""), nil)
	if err != nil {
		return nil, err
	}
	var inc map[string]any
	if err := json.Unmarshal(b, &inc); err != nil {
		return nil, fmt.Errorf("sentinel: incident %s: %w", name, err)
	}
	props, _ := inc["properties"].(map[string]any)
	if props == nil {
		return nil, fmt.Errorf("sentinel: incident %s has no properties", name)
	}
	set := func(k, v string) {
		if v != "" {
			props[k] = v
		}
	}
	set("status", u.Status)
	set("classification", u.Classification)
	set("classificationReason", u.Reason)
	set("severity", u.Severity)
	if u.Status == "Closed" && u.Comment != "" {
		props["classificationComment"] = u.Comment
	}
	if u.Owner != "" {
		owner, _ := props["owner"].(map[string]any)
		if owner == nil {
			owner = map[string]any{}
		}
		owner["assignedTo"], owner["userPrincipalName"] = u.Owner, u.Owner
		props["owner"] = owner
	}
	// read-only properties are refused on write
	for _, k := range []string{"incidentNumber", "createdTimeUtc", "lastModifiedTimeUtc", "incidentUrl", "additionalData", "relatedAnalyticRuleIds", "providerIncidentId"} {
		delete(props, k)
	}
	_, b, err = s.do(ctx, http.MethodPut, s.url(name, ""), map[string]any{"etag": inc["etag"], "properties": props})
	if err != nil {
		return nil, err
	}
	var out map[string]any
	json.Unmarshal(b, &out)
	if u.Comment != "" {
		var id [16]byte
		rand.Read(id[:])
		cid := hex.EncodeToString(id[:])
		cid = cid[0:8] + "-" + cid[8:12] + "-" + cid[12:16] + "-" + cid[16:20] + "-" + cid[20:]
		if _, _, err := s.do(ctx, http.MethodPut, s.url(name, "/comments/"+cid), map[string]any{"properties": map[string]string{"message": u.Comment}}); err != nil {
			return out, err
		}
	}
	return out, nil
}
