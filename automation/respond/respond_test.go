package respond

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// Replies in the form of Microsoft's and CrowdStrike's API documentation.
const (
	mdeToken    = `{"token_type":"Bearer","expires_in":3599,"ext_expires_in":3599,"access_token":"eyJ0eXAiOiJKV1Qi.mde"}`
	mdeMachines = `{"@odata.context":"https://api.securitycenter.microsoft.com/api/$metadata#Machines","value":[{"id":"1e5bc9d7e413ddd7902c2932e418702b84d0cc07","computerDnsName":"ws01.corp.example.com","firstSeen":"2026-01-02T14:39:38Z","osPlatform":"Windows11","healthStatus":"Active","riskScore":"High"}]}`
	mdeNone     = `{"@odata.context":"https://api.securitycenter.microsoft.com/api/$metadata#Machines","value":[]}`
	mdeIsolated = `{"@odata.context":"https://api.securitycenter.microsoft.com/api/$metadata#MachineActions/$entity","id":"b89eb834-4578-496c-8be0-03f004061435","type":"Isolate","requestor":"hunch-app","requestorComment":"incident 3","status":"Pending","machineId":"1e5bc9d7e413ddd7902c2932e418702b84d0cc07","computerDnsName":"ws01.corp.example.com","creationDateTimeUtc":"2026-11-23T09:00:00Z","lastUpdateDateTimeUtc":"2026-11-23T09:00:00Z","relatedFileInfo":null}`
	mdeDenied   = `{"error":{"code":"Forbidden","message":"The application does not have any of the required application roles (Machine.Isolate) to perform this operation","target":"43f4cb08-8fac-4b65-9db1-745c2ae65f3a"}}`
	mdeThrottle = `{"error":{"code":"TooManyRequests","message":"Rate limit is exceeded. Try again in 1 seconds.","target":"x"}}`

	csToken    = `{"access_token":"eyJhbGciOi.falcon","token_type":"bearer","expires_in":1799}`
	csDevices  = `{"meta":{"query_time":0.004,"pagination":{"offset":0,"limit":100,"total":1},"powered_by":"device-api","trace_id":"2f0a"},"resources":["4b5a8a5c1b2c4d5e6f7a8b9c0d1e2f3a"],"errors":[]}`
	csNone     = `{"meta":{"query_time":0.004,"pagination":{"offset":0,"limit":100,"total":0},"powered_by":"device-api","trace_id":"2f0b"},"resources":[],"errors":[]}`
	csAction   = `{"meta":{"query_time":0.21,"powered_by":"device-api","trace_id":"2f0c"},"resources":[{"id":"4b5a8a5c1b2c4d5e6f7a8b9c0d1e2f3a","path":"/devices/entities/devices/v1"}],"errors":[]}`
	csDenied   = `{"meta":{"query_time":0.001,"powered_by":"crowdstrike-api-gateway","trace_id":"2f0d"},"errors":[{"code":403,"message":"access denied, authorization failed"}]}`
	csThrottle = `{"meta":{"query_time":0,"powered_by":"crowdstrike-api-gateway","trace_id":"2f0e"},"errors":[{"code":429,"message":"API rate limit exceeded."}]}`
)

// replay serves canned replies by "METHOD path" and records the requests.
type replay struct {
	mu       sync.Mutex
	replies  map[string][]reply // consumed in order; the last one repeats
	requests []string
	bodies   []string
	auth     []string
}

type reply struct {
	status int
	body   string
	header map[string]string
	delay  time.Duration
}

func (rp *replay) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	k := r.Method + " " + r.URL.Path
	rp.mu.Lock()
	rp.requests = append(rp.requests, k+"?"+r.URL.RawQuery)
	rp.bodies = append(rp.bodies, string(b))
	rp.auth = append(rp.auth, r.Header.Get("Authorization"))
	list := rp.replies[k]
	var rep reply
	if len(list) > 0 {
		rep = list[0]
		if len(list) > 1 {
			rp.replies[k] = list[1:]
		}
	} else {
		rep = reply{status: 404, body: `{"error":{"code":"NotFound","message":"no route"}}`}
	}
	rp.mu.Unlock()
	if rep.delay > 0 {
		time.Sleep(rep.delay)
	}
	for k, v := range rep.header {
		w.Header().Set(k, v)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(rep.status)
	io.WriteString(w, rep.body)
}

func newMDE(t *testing.T, replies map[string][]reply) (*MDE, *replay) {
	rp := &replay{replies: replies}
	rp.replies["POST /tenant-1/oauth2/v2.0/token"] = []reply{{status: 200, body: mdeToken}}
	srv := httptest.NewServer(rp)
	t.Cleanup(srv.Close)
	return &MDE{BaseURL: srv.URL, LoginURL: srv.URL, TenantID: "tenant-1", ClientID: "app", ClientSecret: "s3cret"}, rp
}

func TestMDE(t *testing.T) {
	ctx := context.Background()
	m, rp := newMDE(t, map[string][]reply{
		"GET /api/machines": {{status: 200, body: mdeMachines}},
		"POST /api/machines/1e5bc9d7e413ddd7902c2932e418702b84d0cc07/isolate": {
			{status: 429, body: mdeThrottle, header: map[string]string{"Retry-After": "1"}},
			{status: 201, body: mdeIsolated}},
		"POST /api/machines/1e5bc9d7e413ddd7902c2932e418702b84d0cc07/unisolate": {{status: 403, body: mdeDenied}},
	})
	r, err := m.Isolate(ctx, "WS01.corp.example.com", "incident 3", false)
	if err != nil {
		t.Fatal(err)
	}
	if r.DeviceID != "1e5bc9d7e413ddd7902c2932e418702b84d0cc07" || r.ActionID != "b89eb834-4578-496c-8be0-03f004061435" || r.Status != "Pending" ||
		len(r.Exchanges) != 2 || r.Exchanges[1].Status != 201 {
		t.Fatalf("isolate %+v", r)
	}
	var body map[string]string
	json.Unmarshal(r.Exchanges[1].Body, &body)
	if body["Comment"] != "incident 3" || body["IsolationType"] != "Full" {
		t.Errorf("isolate body %v", body)
	}
	rp.mu.Lock()
	if !strings.Contains(rp.requests[1], "$filter=computerDnsName+eq+%27ws01.corp.example.com%27") || rp.auth[1] != "Bearer eyJ0eXAiOiJKV1Qi.mde" ||
		!strings.Contains(rp.bodies[0], "scope=") || len(rp.requests) != 4 { // token, machines, 429, 201
		t.Errorf("requests %q", rp.requests)
	}
	rp.mu.Unlock()
	if _, err := m.Release(ctx, "ws01.corp.example.com", "", false); !errors.Is(err, ErrForbidden) || !strings.Contains(err.Error(), "Machine.Isolate") {
		t.Errorf("permission failure: %v", err)
	}
	// dry run: the machine is looked up, the action is not sent
	r, err = m.Isolate(ctx, "ws01.corp.example.com", "check", true)
	if err != nil || !r.Exchanges[1].DryRun || r.Exchanges[1].Status != 0 || r.Status != "dry run" {
		t.Errorf("dry run %+v %v", r, err)
	}
	m2, _ := newMDE(t, map[string][]reply{"GET /api/machines": {{status: 200, body: mdeNone}}})
	if _, err := m2.Isolate(ctx, "nobody", "", false); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown machine: %v", err)
	}
	m3, _ := newMDE(t, map[string][]reply{"GET /api/machines": {{status: 429, body: mdeThrottle, header: map[string]string{"Retry-After": "0"}}}})
	if _, err := m3.Isolate(ctx, "ws01", "", false); !errors.Is(err, ErrRateLimited) {
		t.Errorf("rate limited past the retries: %v", err)
	}
	m4, _ := newMDE(t, map[string][]reply{"GET /api/machines": {{status: 200, body: mdeMachines, delay: 300 * time.Millisecond}}})
	short, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
	defer cancel()
	if _, err := m4.Isolate(short, "ws01", "", false); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("timeout: %v", err)
	}
	bad := &MDE{BaseURL: m.BaseURL, LoginURL: m.LoginURL, TenantID: "other", ClientID: "x"}
	if _, err := bad.Isolate(ctx, "ws01", "", false); err == nil || !strings.Contains(err.Error(), "sign-in") {
		t.Errorf("sign-in failure: %v", err)
	}
}

func newFalcon(t *testing.T, replies map[string][]reply) (*Falcon, *replay) {
	rp := &replay{replies: replies}
	if _, ok := replies["POST /oauth2/token"]; !ok {
		rp.replies["POST /oauth2/token"] = []reply{{status: 201, body: csToken}}
	}
	srv := httptest.NewServer(rp)
	t.Cleanup(srv.Close)
	return &Falcon{BaseURL: srv.URL, ClientID: "id", ClientSecret: "secret"}, rp
}

func TestFalcon(t *testing.T) {
	ctx := context.Background()
	f, rp := newFalcon(t, map[string][]reply{
		"GET /devices/queries/devices/v1": {{status: 200, body: csDevices}},
		"POST /devices/entities/devices-actions/v2": {
			{status: 429, body: csThrottle, header: map[string]string{"X-RateLimit-RetryAfter": fmt.Sprint(time.Now().Unix())}},
			{status: 202, body: csAction},
			{status: 403, body: csDenied}},
	})
	r, err := f.Isolate(ctx, "WS01", "incident 3", false)
	if err != nil {
		t.Fatal(err)
	}
	if r.DeviceID != "4b5a8a5c1b2c4d5e6f7a8b9c0d1e2f3a" || r.Status != "requested" || r.Action != "isolate" {
		t.Fatalf("contain %+v", r)
	}
	rp.mu.Lock()
	if rp.requests[1] != "GET /devices/queries/devices/v1?filter=hostname%3A%27WS01%27" || !strings.HasSuffix(rp.requests[3], "?action_name=contain") ||
		!strings.Contains(rp.bodies[3], `"ids":["4b5a8a5c1b2c4d5e6f7a8b9c0d1e2f3a"]`) || rp.auth[3] != "Bearer eyJhbGciOi.falcon" {
		t.Errorf("requests %q %q", rp.requests, rp.bodies)
	}
	rp.mu.Unlock()
	if _, err := f.Release(ctx, "WS01", "", false); !errors.Is(err, ErrForbidden) || !strings.Contains(err.Error(), "access denied") {
		t.Errorf("permission failure: %v", err)
	}
	f2, _ := newFalcon(t, map[string][]reply{"GET /devices/queries/devices/v1": {{status: 200, body: csNone}}})
	if _, err := f2.Isolate(ctx, "ghost", "", false); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown host: %v", err)
	}
	f3, _ := newFalcon(t, map[string][]reply{"POST /oauth2/token": {{status: 403, body: csDenied}}})
	if _, err := f3.Isolate(ctx, "WS01", "", false); !errors.Is(err, ErrForbidden) {
		t.Errorf("bad credentials: %v", err)
	}
}

func TestFalconRateLimitAndTimeout(t *testing.T) {
	ctx := context.Background()
	f, _ := newFalcon(t, map[string][]reply{"GET /devices/queries/devices/v1": {
		{status: 429, body: csThrottle, header: map[string]string{"X-RateLimit-RetryAfter": fmt.Sprint(time.Now().Add(time.Hour).Unix())}}}})
	if _, err := f.Isolate(ctx, "WS01", "", false); !errors.Is(err, ErrRateLimited) {
		t.Errorf("a rate limit an hour away: %v", err)
	}
	f2, _ := newFalcon(t, map[string][]reply{"GET /devices/queries/devices/v1": {{status: 200, body: csDevices, delay: 300 * time.Millisecond}}})
	short, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
	defer cancel()
	if _, err := f2.Isolate(short, "WS01", "", false); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("timeout: %v", err)
	}
}

// TestLDAPTimeout: a directory that accepts the connection and never answers is given up on.
func TestLDAPTimeout(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			defer c.Close() // silent
		}
	}()
	d := &LDAP{URL: "ldap://" + l.Addr().String(), BindDN: "cn=x", Password: "y", BaseDN: "dc=x", Timeout: 200 * time.Millisecond}
	start := time.Now()
	_, err = d.SetDisabled(context.Background(), "jdoe", true, false)
	var ne net.Error
	if !errors.As(err, &ne) || !ne.Timeout() || time.Since(start) > 2*time.Second {
		t.Errorf("silent directory: %v after %v", err, time.Since(start))
	}
	if _, err := (&LDAP{URL: "http://x"}).SetDisabled(context.Background(), "jdoe", true, false); err == nil || !strings.Contains(err.Error(), "want ldap or ldaps") {
		t.Errorf("bad scheme: %v", err)
	}
}
