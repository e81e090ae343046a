package mattermost

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/hunchsec/hunch/automation/chat"
	"github.com/hunchsec/hunch/enrich"
)

func testBot() *chat.Bot {
	b := &chat.Bot{Rep: func(_ context.Context, inds []enrich.Indicator) ([]string, error) {
		out := make([]string, len(inds))
		for i, x := range inds {
			out[i] = fmt.Sprintf("%s (%s): malicious", x.Value, x.Type)
		}
		return out, nil
	}}
	b.SetVerbose("mattermost:fuo5z5ye8ig3bqjjt3qf6u6n9r", true)
	return b
}

// An outgoing-webhook payload as Mattermost's documentation shows it.
var formPayload = url.Values{
	"channel_id": {"fuo5z5ye8ig3bqjjt3qf6u6n9r"}, "channel_name": {"town-square"}, "team_domain": {"someteam"},
	"team_id": {"kbg4c6jiapbdpdm4gouj8gypnr"}, "post_id": {"mxhwb3cpufbp5ra5ygh6ggsyhw"}, "text": {"beacon to 203.0.113.9 from WS01"},
	"timestamp": {"1445532266"}, "token": {"zmigewsanbbsdf59xnmduzypjc"}, "trigger_word": {""}, "user_id": {"rnina9994bde8mua79zqcg5hmo"},
	"user_name": {"alice"},
}

func TestOutgoingWebhook(t *testing.T) {
	h := &Webhook{Bot: testBot(), Tokens: []string{"other", "zmigewsanbbsdf59xnmduzypjc"}, BotUserID: "botuser00000000000000000000"}
	send := func(ct, body string) *httptest.ResponseRecorder {
		r := httptest.NewRequest("POST", "/mattermost", strings.NewReader(body))
		r.Header.Set("Content-Type", ct)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w
	}
	w := send("application/x-www-form-urlencoded", formPayload.Encode())
	var got map[string]string
	json.Unmarshal(w.Body.Bytes(), &got)
	if w.Code != 200 || got["text"] != "203.0.113.9 (ipv4): malicious" || got["response_type"] != "comment" {
		t.Fatalf("form payload: %d %s", w.Code, w.Body)
	}
	js, _ := json.Marshal(map[string]string{"token": "zmigewsanbbsdf59xnmduzypjc", "channel_id": "other0000000000000000000000", "user_name": "bob",
		"user_id": "u1", "text": "!domain c2[.]example[.]com"})
	w = send("application/json", string(js))
	if json.Unmarshal(w.Body.Bytes(), &got); w.Code != 200 || got["text"] != "c2.example.com (domain): malicious" {
		t.Errorf("JSON payload with a command: %d %s", w.Code, w.Body)
	}
	bad := url.Values{}
	for k, v := range formPayload {
		bad[k] = v
	}
	bad.Set("token", "zmigewsanbbsdf59xnmduzypjd")
	if w := send("application/x-www-form-urlencoded", bad.Encode()); w.Code != 401 {
		t.Errorf("wrong token: %d", w.Code)
	}
	own := url.Values{}
	for k, v := range formPayload {
		own[k] = v
	}
	own.Set("user_id", "botuser00000000000000000000")
	if w := send("application/x-www-form-urlencoded", own.Encode()); w.Code != 200 || w.Body.String() != "{}" {
		t.Errorf("the bot's own message: %d %s", w.Code, w.Body)
	}
	if w := send("application/json", strings.Repeat("x", DefaultMaxBody+1)); w.Code != http.StatusRequestEntityTooLarge {
		t.Errorf("oversized: %d", w.Code)
	}
}

func TestREST(t *testing.T) {
	var gotBody map[string]string
	var gotAuth string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		gotAuth = r.Header.Get("Authorization")
		b, _ := io.ReadAll(r.Body)
		json.Unmarshal(b, &gotBody)
		if gotBody["channel_id"] == "missing" {
			w.WriteHeader(http.StatusForbidden)
			io.WriteString(w, `{"id":"api.context.permissions.app_error","message":"You do not have the appropriate permissions.","detailed_error":"","request_id":"x","status_code":403}`)
			return
		}
		if r.URL.Path != "/api/v4/posts" {
			w.WriteHeader(404)
			return
		}
		w.WriteHeader(http.StatusCreated)
		io.WriteString(w, `{"id":"p1","channel_id":"c1","message":"x"}`)
	}))
	defer srv.Close()
	c := &Client{URL: srv.URL + "/", Token: "bot-token"}
	if err := c.Post(context.Background(), "mattermost:c1", "", []string{"incident 3 is critical", "approve with !task done 3 approve"}); err != nil {
		t.Fatal(err)
	}
	if gotAuth != "Bearer bot-token" || gotBody["message"] != "incident 3 is critical\napprove with !task done 3 approve" || gotBody["channel_id"] != "c1" {
		t.Errorf("posted %v with %q", gotBody, gotAuth)
	}
	if err := c.Post(context.Background(), "missing", "", []string{"x"}); err == nil || !strings.Contains(err.Error(), "appropriate permissions") {
		t.Errorf("Mattermost's error: %v", err)
	}
}

func FuzzWebhook(f *testing.F) {
	f.Add("application/x-www-form-urlencoded", formPayload.Encode())
	f.Add("application/json", `{"token":"t","text":"!ip 1.2.3.4","channel_id":"c","user_name":"u"}`)
	h := &Webhook{Bot: testBot(), Tokens: []string{"t"}}
	f.Fuzz(func(t *testing.T, ct, body string) {
		r := httptest.NewRequest("POST", "/", strings.NewReader(body))
		r.Header.Set("Content-Type", ct)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code == 200 && !json.Valid(w.Body.Bytes()) {
			t.Fatalf("answered 200 with %q", w.Body)
		}
	})
}
