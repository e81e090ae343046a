package cli

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestServeSlackAndMattermost: a playbook started by an alert asks in a Slack channel, is
// answered there (a signed Events API request to hunch serve), and notifies a Mattermost channel
// through the REST API — Slack's and Mattermost's APIs recorded by httptest servers.
func TestServeSlackAndMattermost(t *testing.T) {
	var mu sync.Mutex
	var slackPosts, mmPosts []map[string]any
	slackAPI := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var m map[string]any
		json.NewDecoder(r.Body).Decode(&m)
		mu.Lock()
		if r.URL.Path == "/api/chat.postMessage" && r.Header.Get("Authorization") == "Bearer xoxb-1" {
			slackPosts = append(slackPosts, m)
		}
		mu.Unlock()
		io.WriteString(w, `{"ok":true,"channel":"C1","ts":"1.2"}`)
	}))
	defer slackAPI.Close()
	mm := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var m map[string]any
		json.NewDecoder(r.Body).Decode(&m)
		mu.Lock()
		if r.URL.Path == "/api/v4/posts" && r.Header.Get("Authorization") == "Bearer mm-token" {
			mmPosts = append(mmPosts, m)
		}
		mu.Unlock()
		w.WriteHeader(http.StatusCreated)
		io.WriteString(w, `{"id":"p"}`)
	}))
	defer mm.Close()

	dir := t.TempDir()
	books := filepath.Join(dir, "playbooks")
	os.MkdirAll(books, 0o755)
	os.WriteFile(filepath.Join(books, "ask.yaml"), []byte(`
name: ask
triggers: [{incident_type: Splunk alert}]
tasks:
  - {id: ask, type: manual, prompt: "contain {{ .alert.result.host }}?", options: [yes, no], channel: "slack:C1", next: {yes: tell}}
  - {id: tell, type: action, action: notify, with: {channel: "mattermost:town", message: "containing {{ .alert.result.host }}, approved by {{ .tasks.ask.output.by }}"}}
`), 0o644)
	data := filepath.Join(dir, "data")
	addr := freeAddr(t)
	logs, stop := startServeEnv(t, data, addr, map[string]string{"HUNCH_SLACK_BOT_TOKEN": "xoxb-1", "HUNCH_SLACK_SIGNING_SECRET": "shh",
		"HUNCH_MATTERMOST_TOKEN": "mm-token"}, "--playbooks", books, "--slack-api-url", slackAPI.URL, "--mattermost-url", mm.URL, "--playbook-poll", "100ms")
	defer stop()
	key := apiKeyFrom(t, logs.String())
	alert, _ := os.ReadFile("../../examples/alerts/splunk_webhook.json")
	req, _ := http.NewRequest("POST", "http://"+addr+"/api/alerts/splunk", strings.NewReader(string(alert)))
	req.Header.Set("Authorization", key)
	res, err := http.DefaultClient.Do(req)
	if err != nil || res.StatusCode != 201 {
		t.Fatalf("alert: %v %v", res.Status, err)
	}
	res.Body.Close()
	waitFor := func(what string, cond func() bool) {
		t.Helper()
		for deadline := time.Now().Add(10 * time.Second); !cond(); time.Sleep(20 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("%s; server log:\n%s", what, logs)
			}
		}
	}
	waitFor("no question in Slack", func() bool { mu.Lock(); defer mu.Unlock(); return len(slackPosts) == 1 })
	if slackPosts[0]["channel"] != "C1" || !strings.Contains(slackPosts[0]["text"].(string), "contain WKS-014?\nanswer with: !task done 1 ask yes|no") {
		t.Fatalf("asked %v", slackPosts[0])
	}
	event := `{"type":"event_callback","event_id":"Ev1","event":{"type":"message","channel":"C1","user":"U42","text":"!task done 1 ask yes","ts":"1.3"}}`
	ts := strconv.FormatInt(time.Now().Unix(), 10)
	m := hmac.New(sha256.New, []byte("shh"))
	fmt.Fprintf(m, "v0:%s:%s", ts, event)
	req, _ = http.NewRequest("POST", "http://"+addr+"/slack/events", strings.NewReader(event))
	req.Header.Set("X-Slack-Request-Timestamp", ts)
	req.Header.Set("X-Slack-Signature", "v0="+hex.EncodeToString(m.Sum(nil)))
	res, err = http.DefaultClient.Do(req)
	if err != nil || res.StatusCode != 200 {
		t.Fatalf("slack event: %v %v", res, err)
	}
	res.Body.Close()
	waitFor("no notification in Mattermost", func() bool { mu.Lock(); defer mu.Unlock(); return len(mmPosts) == 1 })
	if mmPosts[0]["channel_id"] != "town" || mmPosts[0]["message"] != "containing WKS-014, approved by chat:U42" {
		t.Errorf("notified %v", mmPosts[0])
	}
	waitFor("no reply in Slack", func() bool { mu.Lock(); defer mu.Unlock(); return len(slackPosts) == 2 })
	if slackPosts[1]["text"] != "run 1: task ask done (yes), by U42" {
		t.Errorf("reply %v", slackPosts[1])
	}
	// an unsigned request is refused
	res, _ = http.Post("http://"+addr+"/slack/events", "application/json", strings.NewReader(event))
	if res.StatusCode != http.StatusUnauthorized {
		t.Errorf("unsigned event: %d", res.StatusCode)
	}
}

func TestChatSlackMattermostUsage(t *testing.T) {
	for _, c := range []struct {
		args []string
		env  map[string]string
		want string
	}{
		{[]string{"chat", "slack"}, nil, "HUNCH_SLACK_BOT_TOKEN"},
		{[]string{"chat", "slack"}, map[string]string{"HUNCH_SLACK_BOT_TOKEN": "x"}, "HUNCH_SLACK_SIGNING_SECRET"},
		{[]string{"chat", "slack", "--socket-mode"}, map[string]string{"HUNCH_SLACK_BOT_TOKEN": "x"}, "HUNCH_SLACK_APP_TOKEN"},
		{[]string{"chat", "mattermost"}, nil, "HUNCH_MATTERMOST_WEBHOOK_TOKEN"},
	} {
		code, _, errOut := runHunchEnv(t, c.env, "", c.args...)
		if code != ExitUsage || !strings.Contains(errOut, c.want) {
			t.Errorf("%v: %d %s", c.args, code, errOut)
		}
	}
}

// apiKeyFrom finds the admin API key hunch serve prints on its first start.
func apiKeyFrom(t *testing.T, log string) string {
	t.Helper()
	m := regexp.MustCompile(`(?m)^\s+([A-Za-z0-9]{40})\s*$`).FindStringSubmatch(log)
	if m == nil {
		t.Fatalf("no API key printed on first start:\n%s", log)
	}
	return m[1]
}
