package slack

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hunchsec/hunch/automation/chat"
	"github.com/hunchsec/hunch/automation/chat/websocket"
	"github.com/hunchsec/hunch/enrich"
)

// fakeSlack is Slack's Web API as the tests need it: chat.postMessage recorded, a first 429,
// and apps.connections.open answering with a Socket Mode URL.
type fakeSlack struct {
	*httptest.Server
	mu       sync.Mutex
	posts    []map[string]any
	auth     []string
	wsURL    string
	throttle bool
}

func newFakeSlack(t *testing.T) *fakeSlack {
	f := &fakeSlack{}
	f.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		f.mu.Lock()
		defer f.mu.Unlock()
		f.auth = append(f.auth, r.Header.Get("Authorization"))
		switch r.URL.Path {
		case "/api/chat.postMessage":
			if f.throttle {
				f.throttle = false
				w.Header().Set("Retry-After", "1")
				w.WriteHeader(http.StatusTooManyRequests)
				return
			}
			var m map[string]any
			json.Unmarshal(body, &m)
			if m["channel"] == "C0NOTHERE" {
				io.WriteString(w, `{"ok":false,"error":"channel_not_found"}`)
				return
			}
			f.posts = append(f.posts, m)
			io.WriteString(w, `{"ok":true,"channel":"C024BE91L","ts":"1700000000.000200","message":{"text":"x"}}`)
		case "/api/apps.connections.open":
			fmt.Fprintf(w, `{"ok":true,"url":%q}`, f.wsURL)
		default:
			io.WriteString(w, `{"ok":false,"error":"unknown_method"}`)
		}
	}))
	t.Cleanup(f.Close)
	return f
}

func (f *fakeSlack) waitPosts(t *testing.T, n int) []map[string]any {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		f.mu.Lock()
		got := append([]map[string]any(nil), f.posts...)
		f.mu.Unlock()
		if len(got) >= n {
			return got
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d posts, want %d: %v", len(got), n, got)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func testBot() *chat.Bot {
	b := &chat.Bot{Rep: func(_ context.Context, inds []enrich.Indicator) ([]string, error) {
		out := make([]string, len(inds))
		for i, x := range inds {
			out[i] = fmt.Sprintf("%s (%s): malicious", x.Value, x.Type)
		}
		return out, nil
	}}
	b.SetVerbose("slack:C024BE91L", true)
	return b
}

func sign(secret, ts, body string) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte("v0:" + ts + ":" + body))
	return "v0=" + hex.EncodeToString(m.Sum(nil))
}

// Payloads in the form of Slack's Events API documentation.
const (
	urlVerification = `{"token":"Jhj5dZrVaK7ZwHHjRyZWjbDl","challenge":"3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P","type":"url_verification"}`
	messageEvent    = `{"token":"XXYYZZ","team_id":"T123ABC456","api_app_id":"A123ABC456","event":{"type":"message","channel":"C024BE91L","user":"U2147483697","text":"seen on the proxy: <http://203.0.113.9/a.ps1|203.0.113.9/a.ps1> and c2[.]example[.]com","ts":"1355517523.000005","channel_type":"channel"},"type":"event_callback","event_id":"Ev123ABC456","event_time":1355517523}`
	mentionEvent    = `{"token":"XXYYZZ","team_id":"T123ABC456","api_app_id":"A123ABC456","event":{"type":"app_mention","user":"U061F7AUR","text":"<@U0LAN0Z89> !ip 198.51.100.7","ts":"1515449522.000016","channel":"C0LAN2Q65","thread_ts":"1515449500.000010","event_ts":"1515449522000016"},"type":"event_callback","event_id":"Ev0LAN670R","event_time":1515449522}`
	botMessage      = `{"token":"XXYYZZ","team_id":"T123ABC456","event":{"type":"message","subtype":"bot_message","bot_id":"B123","text":"203.0.113.9 (ipv4): malicious","channel":"C024BE91L","ts":"1355517524.000001"},"type":"event_callback","event_id":"Ev999","event_time":1355517524}`
)

func TestEventsAPI(t *testing.T) {
	api := newFakeSlack(t)
	now := time.Unix(1700000000, 0)
	b := &Bot{Bot: testBot(), Client: &Client{BaseURL: api.URL, Token: "xoxb-test"}}
	h := &Events{Bot: b, Secret: []byte("8f742231b10e8888abcd99yyyzzz85a5"), Now: func() time.Time { return now }}
	send := func(body string, ts time.Time, sig string, hdr ...string) *httptest.ResponseRecorder {
		r := httptest.NewRequest("POST", "/slack/events", strings.NewReader(body))
		tss := strconv.FormatInt(ts.Unix(), 10)
		r.Header.Set("X-Slack-Request-Timestamp", tss)
		if sig == "" {
			sig = sign("8f742231b10e8888abcd99yyyzzz85a5", tss, body)
		}
		r.Header.Set("X-Slack-Signature", sig)
		for i := 0; i+1 < len(hdr); i += 2 {
			r.Header.Set(hdr[i], hdr[i+1])
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w
	}
	if w := send(urlVerification, now, ""); w.Code != 200 || w.Body.String() != "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P" {
		t.Fatalf("url_verification: %d %q", w.Code, w.Body)
	}
	if w := send(messageEvent, now, "v0=00"); w.Code != 401 {
		t.Errorf("bad signature: %d", w.Code)
	}
	if w := send(messageEvent, now.Add(-6*time.Minute), ""); w.Code != 401 {
		t.Errorf("stale timestamp: %d", w.Code)
	}
	if w := send(strings.Replace(messageEvent, "proxy", "pr0xy", 1), now, sign("8f742231b10e8888abcd99yyyzzz85a5", strconv.FormatInt(now.Unix(), 10), messageEvent)); w.Code != 401 {
		t.Errorf("a body changed after signing: %d", w.Code)
	}
	api.mu.Lock()
	api.throttle = true // the first reply meets a 429 and is sent again after Retry-After
	api.mu.Unlock()
	if w := send(messageEvent, now, ""); w.Code != 200 {
		t.Fatalf("message: %d", w.Code)
	}
	if w := send(messageEvent, now, "", "X-Slack-Retry-Num", "1", "X-Slack-Retry-Reason", "http_timeout"); w.Code != 200 {
		t.Fatalf("retry: %d", w.Code)
	}
	send(botMessage, now, "")
	send(mentionEvent, now, "")
	b.Wait()
	posts := api.waitPosts(t, 2)
	if len(posts) != 2 {
		t.Fatalf("posts %v", posts)
	}
	var verbose, mention map[string]any
	for _, p := range posts {
		if p["channel"] == "C024BE91L" {
			verbose = p
		} else {
			mention = p
		}
	}
	want := "http://203.0.113.9/a.ps1 (url): malicious\n203.0.113.9 (ipv4): malicious\nc2.example.com (domain): malicious"
	if verbose == nil || verbose["text"] != want || verbose["unfurl_links"] != false {
		t.Errorf("reply to the message: %v", verbose)
	}
	if mention == nil || mention["channel"] != "C0LAN2Q65" || mention["thread_ts"] != "1515449500.000010" || mention["text"] != "198.51.100.7 (ipv4): malicious" {
		t.Errorf("reply to the mention: %v", mention)
	}
	for _, a := range api.auth {
		if a != "Bearer xoxb-test" {
			t.Errorf("authorization %q", a)
		}
	}
	c := &Client{BaseURL: api.URL, Token: "xoxb-test"}
	if err := c.Post(context.Background(), "C0NOTHERE", "", []string{"x"}); err == nil || !strings.Contains(err.Error(), "channel_not_found") {
		t.Errorf("Slack's error: %v", err)
	}
	big := strings.Repeat("a", DefaultMaxBody+1)
	if w := send(big, now, ""); w.Code != http.StatusRequestEntityTooLarge {
		t.Errorf("oversized body: %d", w.Code)
	}
}

func TestSocketMode(t *testing.T) {
	api := newFakeSlack(t)
	acked := make(chan string, 4)
	ws := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := websocket.Upgrade(w, r)
		if err != nil {
			return
		}
		defer c.Close()
		c.WriteText([]byte(`{"type":"hello","num_connections":1,"debug_info":{"host":"applink-1"},"connection_info":{"app_id":"A123ABC456"}}`))
		c.WriteText([]byte(`{"envelope_id":"57d6a792-4d35-4d0b-b6aa-3361493e1caf","payload":` + messageEvent +
			`,"type":"events_api","accepts_response_payload":false,"retry_attempt":0,"retry_reason":""}`))
		_, msg, err := c.Read()
		if err == nil {
			acked <- string(msg)
		}
		c.WriteText([]byte(`{"type":"disconnect","reason":"refresh_requested","debug_info":{"host":"applink-1"}}`))
		time.Sleep(50 * time.Millisecond)
	}))
	defer ws.Close()
	api.wsURL = "ws" + strings.TrimPrefix(ws.URL, "http") + "/link/?ticket=abc&app_id=A123ABC456"
	b := &Bot{Bot: testBot(), Client: &Client{BaseURL: api.URL, Token: "xoxb-test"}}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- (&SocketMode{Bot: b, AppToken: "xapp-1-test"}).Run(ctx) }()
	select {
	case a := <-acked:
		if a != `{"envelope_id":"57d6a792-4d35-4d0b-b6aa-3361493e1caf"}` {
			t.Errorf("ack %s", a)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no ack")
	}
	posts := api.waitPosts(t, 1)
	if posts[0]["text"] != "http://203.0.113.9/a.ps1 (url): malicious\n203.0.113.9 (ipv4): malicious\nc2.example.com (domain): malicious" {
		t.Errorf("post %v", posts[0])
	}
	cancel()
	<-done
	api.mu.Lock()
	if api.auth[0] != "Bearer xapp-1-test" {
		t.Errorf("apps.connections.open with %q, want the app token", api.auth[0])
	}
	api.mu.Unlock()
}

func TestPlain(t *testing.T) {
	for in, want := range map[string]string{
		"<@U0LAN0Z89> !ip 198.51.100.7":                "!ip 198.51.100.7",
		"see <http://evil.example/x?a=1&amp;b=2|link>": "see http://evil.example/x?a=1&b=2",
		"<mailto:bob@example.com|bob@example.com>":     "bob@example.com",
		"a &lt;b&gt; <#C123|general> <!here>":          "a <b>",
	} {
		if got := Plain(in); got != want {
			t.Errorf("Plain(%q) = %q, want %q", in, got, want)
		}
	}
}

func FuzzEvents(f *testing.F) {
	for _, s := range []string{urlVerification, messageEvent, mentionEvent, botMessage} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		var cb callback
		if json.Unmarshal([]byte(body), &cb) != nil {
			return
		}
		_ = Plain(cb.Event.Text)
		if err := Verify([]byte("s"), http.Header{"X-Slack-Request-Timestamp": {"1"}, "X-Slack-Signature": {sign("s", "1", body)}}, []byte(body), time.Unix(1, 0)); err != nil {
			t.Fatalf("a correct signature refused: %v", err)
		}
	})
}

func TestRepliesEscaped(t *testing.T) {
	api := newFakeSlack(t)
	c := &Client{BaseURL: api.URL, Token: "xoxb-test"}
	if err := c.Post(context.Background(), "slack:C1", "", []string{"<!channel> & <@U1>: not ip"}); err != nil {
		t.Fatal(err)
	}
	if p := api.waitPosts(t, 1)[0]; p["text"] != "&lt;!channel&gt; &amp; &lt;@U1&gt;: not ip" || p["channel"] != "C1" {
		t.Errorf("posted %v", p)
	}
}

// TestConcurrentEvents: events are answered concurrently, and the bot is safe for it.
func TestConcurrentEvents(t *testing.T) {
	api := newFakeSlack(t)
	b := &Bot{Bot: testBot(), Client: &Client{BaseURL: api.URL, Token: "xoxb-test"}}
	for i := range 20 {
		b.handle(context.Background(), callback{Type: "event_callback", EventID: fmt.Sprint("Ev", i),
			Event: event{Type: "message", Channel: "C024BE91L", User: "U1", Text: fmt.Sprintf("seen 198.51.100.%d", i)}})
	}
	b.Wait()
	if n := len(api.waitPosts(t, 20)); n != 20 {
		t.Errorf("%d replies", n)
	}
}
