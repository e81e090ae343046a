// Package mattermost carries hunch's chat bot over Mattermost: messages arrive by an outgoing
// webhook (Mattermost POSTs each message of the channels it watches, with the webhook's token,
// which is checked) and are answered in the webhook's response; posts hunch makes on its own
// (playbook notifications) go out through the REST API (POST /api/v4/posts) with a bot token.
package mattermost

import (
	"bytes"
	"context"
	"crypto/subtle"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"strings"

	"github.com/hunchsec/hunch/automation/chat"
)

// Prefix marks a Mattermost channel id among the channels of every transport
// ("mattermost:fuo5z5ye8ig3bqjjt3qf6u6n9r").
const Prefix = "mattermost:"

// DefaultMaxBody bounds an outgoing-webhook request.
const DefaultMaxBody = 1 << 20

// Webhook is the endpoint of Mattermost's outgoing webhooks.
type Webhook struct {
	Bot *chat.Bot
	// Tokens are the tokens of the outgoing webhooks allowed to call (one per webhook).
	Tokens []string
	// BotUserID is the bot's own user id: its messages are not answered.
	BotUserID string
	MaxBody   int64
	Log       *slog.Logger
}

// outgoing is the payload of an outgoing webhook (form-encoded or JSON).
type outgoing struct {
	Token       string `json:"token"`
	TeamID      string `json:"team_id"`
	ChannelID   string `json:"channel_id"`
	ChannelName string `json:"channel_name"`
	UserID      string `json:"user_id"`
	UserName    string `json:"user_name"`
	PostID      string `json:"post_id"`
	Text        string `json:"text"`
	TriggerWord string `json:"trigger_word"`
}

func (h *Webhook) tokenOK(tok string) bool {
	ok := false
	for _, t := range h.Tokens {
		if t != "" && subtle.ConstantTimeCompare([]byte(t), []byte(tok)) == 1 {
			ok = true
		}
	}
	return ok
}

func (h *Webhook) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	max := h.MaxBody
	if max <= 0 {
		max = DefaultMaxBody
	}
	body, ok := chat.ReadPost(w, r, max)
	if !ok {
		return
	}
	var in outgoing
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if ct == "application/json" {
		if err := json.Unmarshal(body, &in); err != nil {
			http.Error(w, "not JSON", http.StatusBadRequest)
			return
		}
	} else {
		r.Body = io.NopCloser(bytes.NewReader(body))
		if err := r.ParseForm(); err != nil {
			http.Error(w, "bad form", http.StatusBadRequest)
			return
		}
		f := r.PostForm
		in = outgoing{Token: f.Get("token"), TeamID: f.Get("team_id"), ChannelID: f.Get("channel_id"), ChannelName: f.Get("channel_name"),
			UserID: f.Get("user_id"), UserName: f.Get("user_name"), PostID: f.Get("post_id"), Text: f.Get("text"), TriggerWord: f.Get("trigger_word")}
	}
	if !h.tokenOK(in.Token) {
		http.Error(w, "invalid token", http.StatusUnauthorized)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	if in.UserID == h.BotUserID && h.BotUserID != "" {
		io.WriteString(w, "{}")
		return
	}
	lines, err := h.Bot.Handle(r.Context(), chat.Message{Channel: Prefix + in.ChannelID, Nick: in.UserName, Text: in.Text})
	if err != nil {
		lines = append(lines, "error: "+err.Error())
	}
	if len(lines) == 0 {
		io.WriteString(w, "{}")
		return
	}
	json.NewEncoder(w).Encode(map[string]string{"text": strings.Join(lines, "\n"), "response_type": "comment"})
}

// Client posts with the REST API v4.
type Client struct {
	URL   string // the server, e.g. https://mattermost.example.org
	Token string // a bot's or user's access token
	HTTP  *http.Client
}

// apiError is Mattermost's error body.
type apiError struct {
	ID         string `json:"id"`
	Message    string `json:"message"`
	StatusCode int    `json:"status_code"`
}

// Post sends lines to a channel (by id, with or without Prefix) as one post, in the thread of
// rootID when set.
func (c *Client) Post(ctx context.Context, channelID, rootID string, lines []string) error {
	channelID = strings.TrimPrefix(channelID, Prefix)
	body, _ := json.Marshal(map[string]string{"channel_id": channelID, "message": strings.Join(lines, "\n"), "root_id": rootID})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimSuffix(c.URL, "/")+"/api/v4/posts", bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+c.Token)
	hc := c.HTTP
	if hc == nil {
		hc = http.DefaultClient
	}
	res, err := hc.Do(req)
	if err != nil {
		return fmt.Errorf("mattermost: %w", err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(io.LimitReader(res.Body, 1<<20))
	if res.StatusCode/100 != 2 {
		var e apiError
		if json.Unmarshal(raw, &e) == nil && e.Message != "" {
			return fmt.Errorf("mattermost: %s (%s, %d)", e.Message, e.ID, res.StatusCode)
		}
		return fmt.Errorf("mattermost: %s", res.Status)
	}
	return nil
}
