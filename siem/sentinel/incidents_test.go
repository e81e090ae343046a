package sentinel

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// An incident as the SecurityInsights API (2023-02-01) documents it.
const incidentReply = `{"id":"/subscriptions/d0cfe6b2-9ac0-4464-9919-dccaee2e48c0/resourceGroups/myRg/providers/Microsoft.OperationalInsights/workspaces/myWorkspace/providers/Microsoft.SecurityInsights/incidents/73e01a99-5cd7-4139-a149-9f2736ff2ab5","name":"73e01a99-5cd7-4139-a149-9f2736ff2ab5","etag":"\"0300bf09-0000-0000-0000-5c37296e0000\"","type":"Microsoft.SecurityInsights/incidents","properties":{"title":"Encoded PowerShell on WKS-014","description":"","severity":"High","status":"New","owner":{"objectId":null,"email":null,"assignedTo":null,"userPrincipalName":null},"labels":[],"firstActivityTimeUtc":"2026-11-23T08:00:00Z","lastActivityTimeUtc":"2026-11-23T08:10:00Z","lastModifiedTimeUtc":"2026-11-23T08:11:00Z","createdTimeUtc":"2026-11-23T08:11:00Z","incidentNumber":3177,"additionalData":{"alertsCount":1,"bookmarksCount":0,"commentsCount":0,"alertProductNames":[],"tactics":["Execution"]},"relatedAnalyticRuleIds":[],"incidentUrl":"https://portal.azure.com/#asset/Microsoft_Azure_Security_Insights/Incident/x"}}`

func TestUpdateIncident(t *testing.T) {
	var mu sync.Mutex
	var put map[string]any
	var comment map[string]any
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		defer mu.Unlock()
		if r.URL.Query().Get("api-version") != "2023-02-01" || r.Header.Get("Authorization") != "Bearer "+testToken {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		switch {
		case strings.HasSuffix(r.URL.Path, "/incidents/missing"):
			w.WriteHeader(http.StatusNotFound)
			io.WriteString(w, `{"error":{"code":"NotFound","message":"Incident not found"}}`)
		case strings.HasSuffix(r.URL.Path, "/incidents/denied") && r.Method == http.MethodPut:
			w.WriteHeader(http.StatusForbidden)
			io.WriteString(w, `{"error":{"code":"AuthorizationFailed","message":"The client does not have authorization to perform action 'Microsoft.SecurityInsights/incidents/write'"}}`)
		case strings.Contains(r.URL.Path, "/comments/") && r.Method == http.MethodPut:
			json.Unmarshal(b, &comment)
			w.WriteHeader(http.StatusCreated)
			io.WriteString(w, `{"properties":{"message":"x"}}`)
		case r.Method == http.MethodGet:
			io.WriteString(w, incidentReply)
		case r.Method == http.MethodPut:
			json.Unmarshal(b, &put)
			io.WriteString(w, incidentReply)
		}
	}))
	defer srv.Close()
	cred := &fakeCred{}
	s, err := NewIncidents(Config{WorkspaceID: "w", Management: Management{SubscriptionID: "d0cf", ResourceGroup: "myRg", WorkspaceName: "myWorkspace", Endpoint: srv.URL}},
		nil, WithCredential(cred), WithHTTPClient(srv.Client()))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := s.Update(ctx, "73e01a99-5cd7-4139-a149-9f2736ff2ab5", IncidentUpdate{Status: "Closed", Classification: "TruePositive",
		Reason: "SuspiciousActivity", Owner: "alice@corp.example", Comment: "hunch incident 3: contained"}); err != nil {
		t.Fatal(err)
	}
	props := put["properties"].(map[string]any)
	if put["etag"] != `"0300bf09-0000-0000-0000-5c37296e0000"` || props["status"] != "Closed" || props["classification"] != "TruePositive" ||
		props["classificationComment"] != "hunch incident 3: contained" || props["title"] != "Encoded PowerShell on WKS-014" ||
		props["owner"].(map[string]any)["assignedTo"] != "alice@corp.example" || props["incidentNumber"] != nil {
		t.Errorf("PUT %v", put)
	}
	if comment["properties"].(map[string]any)["message"] != "hunch incident 3: contained" {
		t.Errorf("comment %v", comment)
	}
	if cred.scopes[0][0] != srv.URL+"/.default" {
		t.Errorf("scope %v", cred.scopes)
	}
	if _, err := s.Update(ctx, "missing", IncidentUpdate{Status: "Active"}); !errors.Is(err, ErrIncidentNotFound) {
		t.Errorf("not found: %v", err)
	}
	if _, err := s.Update(ctx, "denied", IncidentUpdate{Status: "Active"}); err == nil || !strings.Contains(err.Error(), "AuthorizationFailed") {
		t.Errorf("permission: %v", err)
	}
	if _, err := NewIncidents(Config{WorkspaceID: "w"}, nil, WithCredential(cred)); err == nil {
		t.Error("no management block accepted")
	}
}

func TestUpdateIncidentRateLimitAndTimeout(t *testing.T) {
	var mu sync.Mutex
	gets := 0
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		switch {
		case strings.HasSuffix(r.URL.Path, "/slow"):
			time.Sleep(300 * time.Millisecond)
			io.WriteString(w, incidentReply)
		case strings.HasSuffix(r.URL.Path, "/busy"):
			w.Header().Set("Retry-After", "600")
			w.WriteHeader(http.StatusTooManyRequests)
			io.WriteString(w, `{"error":{"code":"TooManyRequests","message":"throttled"}}`)
		case r.Method == http.MethodGet:
			gets++
			if gets == 1 {
				w.Header().Set("Retry-After", "0")
				w.WriteHeader(http.StatusTooManyRequests)
				io.WriteString(w, `{"error":{"code":"TooManyRequests","message":"throttled"}}`)
				return
			}
			io.WriteString(w, incidentReply)
		default:
			io.WriteString(w, incidentReply)
		}
	}))
	defer srv.Close()
	s, err := NewIncidents(Config{WorkspaceID: "w", Management: Management{SubscriptionID: "s", ResourceGroup: "g", WorkspaceName: "w", Endpoint: srv.URL}},
		nil, WithCredential(&fakeCred{}), WithHTTPClient(srv.Client()))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := s.Update(ctx, "retried", IncidentUpdate{Status: "Active"}); err != nil || gets != 2 {
		t.Errorf("a 429 then success: %v after %d reads", err, gets)
	}
	if _, err := s.Update(ctx, "busy", IncidentUpdate{Status: "Active"}); err == nil || !strings.Contains(err.Error(), "rate limited") {
		t.Errorf("a long Retry-After: %v", err)
	}
	short, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
	defer cancel()
	if _, err := s.Update(short, "slow", IncidentUpdate{Status: "Active"}); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("timeout: %v", err)
	}
}
