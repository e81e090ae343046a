// Package slack carries hunch's chat bot over Slack: messages arrive by the Events API (an
// HTTP endpoint Slack calls, each request's signature checked with the app's signing secret) or
// by Socket Mode (a WebSocket the bot opens, for hosts Slack cannot reach), and replies go out
// with the Web API's chat.postMessage. Slack's markup in incoming text (<http://x|x>, &amp;) is
// undone before the bot reads it, so pasted indicators are seen as they were typed.
package slack

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/hunchsec/hunch/automation/chat"
	"github.com/hunchsec/hunch/automation/chat/websocket"
)

// Prefix marks a Slack channel id among the channels of every transport ("slack:C024BE91L"):
// the bot sees channels so, and a notification to such a channel goes to Slack.
const Prefix = "slack:"

// DefaultAPI is Slack's Web API base.
const DefaultAPI = "https://slack.com"

// Limits.
const (
	DefaultMaxBody = 1 << 20         // an Events API request body
	MaxSkew        = 5 * time.Minute // how far a request's timestamp may be from now (Slack's advice)
	maxText        = 39000           // chat.postMessage truncates text past 40 000 characters
)

// Client posts with the Web API.
type Client struct {
	BaseURL string // DefaultAPI when empty
	Token   string // the bot token, xoxb-…
	HTTP    *http.Client
}

// apiError is Slack's {"ok": false, "error": "…"}.
type apiError struct {
	OK    bool   `json:"ok"`
	Error string `json:"error"`
	URL   string `json:"url"`
}

func (c *Client) call(ctx context.Context, method string, token string, body any, out any) error {
	base := c.BaseURL
	if base == "" {
		base = DefaultAPI
	}
	b, err := json.Marshal(body)
	if err != nil {
		return err
	}
	hc := c.HTTP
	if hc == nil {
		hc = http.DefaultClient
	}
	for attempt := 0; ; attempt++ {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimSuffix(base, "/")+"/api/"+method, bytes.NewReader(b))
		if err != nil {
			return err
		}
		req.Header.Set("Content-Type", "application/json; charset=utf-8")
		req.Header.Set("Authorization", "Bearer "+token)
		res, err := hc.Do(req)
		if err != nil {
			return fmt.Errorf("slack %s: %w", method, err)
		}
		raw, err := io.ReadAll(io.LimitReader(res.Body, 1<<20))
		res.Body.Close()
		if err != nil {
			return fmt.Errorf("slack %s: %w", method, err)
		}
		if res.StatusCode == http.StatusTooManyRequests && attempt < 3 {
			wait, _ := strconv.Atoi(res.Header.Get("Retry-After"))
			if wait <= 0 || wait > 60 {
				wait = 1
			}
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(time.Duration(wait) * time.Second):
			}
			continue
		}
		if res.StatusCode != http.StatusOK {
			return fmt.Errorf("slack %s: %s", method, res.Status)
		}
		var e apiError
		if err := json.Unmarshal(raw, &e); err != nil {
			return fmt.Errorf("slack %s: %w", method, err)
		}
		if !e.OK {
			return fmt.Errorf("slack %s: %s", method, e.Error)
		}
		if out != nil {
			return json.Unmarshal(raw, out)
		}
		return nil
	}
}

// Post sends lines to channel (an id, with or without Prefix) as one message (in the thread of
// threadTS when set).
func (c *Client) Post(ctx context.Context, channel, threadTS string, lines []string) error {
	channel = strings.TrimPrefix(channel, Prefix)
	// Slack reads <…> as links and mentions (<!channel>): what the bot says is escaped as its
	// documentation asks, so nothing a user typed can come back as a mention.
	text := strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(strings.Join(lines, "\n"))
	if len(text) > maxText {
		text = text[:maxText] + "…"
	}
	msg := map[string]any{"channel": channel, "text": text, "unfurl_links": false, "unfurl_media": false}
	if threadTS != "" {
		msg["thread_ts"] = threadTS
	}
	return c.call(ctx, "chat.postMessage", c.Token, msg, nil)
}

// event is the part of a message or app_mention event the bot reads.
type event struct {
	Type     string `json:"type"`
	Subtype  string `json:"subtype"`
	BotID    string `json:"bot_id"`
	User     string `json:"user"`
	Text     string `json:"text"`
	Channel  string `json:"channel"`
	TS       string `json:"ts"`
	ThreadTS string `json:"thread_ts"`
}

// callback is an Events API request body.
type callback struct {
	Type      string `json:"type"`
	Challenge string `json:"challenge"`
	EventID   string `json:"event_id"`
	Event     event  `json:"event"`
}

// Bot answers Slack events with the chat bot.
type Bot struct {
	Bot    *chat.Bot
	Client *Client
	Log    *slog.Logger

	mu   sync.Mutex
	seen map[string]time.Time // event ids handled in the last hour (Slack retries)
	wg   sync.WaitGroup
}

// Wait waits for the replies being sent.
func (b *Bot) Wait() { b.wg.Wait() }

func (b *Bot) log() *slog.Logger {
	if b.Log != nil {
		return b.Log
	}
	return slog.New(slog.DiscardHandler)
}

// fresh reports whether an event id is new, remembering it.
func (b *Bot) fresh(id string, now time.Time) bool {
	if id == "" {
		return true
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.seen == nil {
		b.seen = map[string]time.Time{}
	}
	for k, t := range b.seen {
		if now.Sub(t) > time.Hour {
			delete(b.seen, k)
		}
	}
	if _, ok := b.seen[id]; ok {
		return false
	}
	b.seen[id] = now
	return true
}

var (
	linkRE    = regexp.MustCompile(`<((?:https?|mailto|ftp)[^|>]*)(?:\|[^>]*)?>`)
	mentionRE = regexp.MustCompile(`<[@#!][^>]*>`)
)

// Plain undoes Slack's markup: links become their target, mentions are dropped, &amp; &lt; &gt;
// are decoded.
func Plain(s string) string {
	s = linkRE.ReplaceAllStringFunc(s, func(m string) string {
		target := linkRE.FindStringSubmatch(m)[1]
		return strings.TrimPrefix(target, "mailto:")
	})
	s = mentionRE.ReplaceAllString(s, "")
	return strings.NewReplacer("&lt;", "<", "&gt;", ">", "&amp;", "&").Replace(strings.TrimSpace(s))
}

// handle answers one event in the background; ctx bounds the reply.
func (b *Bot) handle(ctx context.Context, cb callback) {
	ev := cb.Event
	if cb.Type != "event_callback" || (ev.Type != "message" && ev.Type != "app_mention") || ev.BotID != "" || ev.Subtype != "" || ev.User == "" {
		return
	}
	if !b.fresh(cb.EventID, time.Now()) {
		return
	}
	b.wg.Add(1)
	go func() {
		defer b.wg.Done()
		lines, err := b.Bot.Handle(ctx, chat.Message{Channel: Prefix + ev.Channel, Nick: ev.User, Text: Plain(ev.Text)})
		if err != nil {
			lines = append(lines, "error: "+err.Error())
		}
		if len(lines) == 0 {
			return
		}
		if err := b.Client.Post(ctx, ev.Channel, ev.ThreadTS, lines); err != nil {
			b.log().Warn("slack reply", "channel", ev.Channel, "error", err.Error())
		}
	}()
}

// Events is the Events API endpoint.
type Events struct {
	Bot *Bot
	// Secret is the app's signing secret.
	Secret []byte
	// MaxBody bounds a request; DefaultMaxBody when zero.
	MaxBody int64
	// Now is the clock (time.Now when nil); Context bounds the replies (Background when nil).
	Now     func() time.Time
	Context context.Context
}

// Verify checks Slack's signature of a request: X-Slack-Signature is v0= and the hex
// HMAC-SHA256, under the signing secret, of "v0:<X-Slack-Request-Timestamp>:<body>", and the
// timestamp is within MaxSkew of now.
func Verify(secret []byte, h http.Header, body []byte, now time.Time) error {
	ts := h.Get("X-Slack-Request-Timestamp")
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return errors.New("no request timestamp")
	}
	if d := now.Sub(time.Unix(sec, 0)); d > MaxSkew || d < -MaxSkew {
		return fmt.Errorf("request timestamp %s is more than %s from now", ts, MaxSkew)
	}
	sig, ok := strings.CutPrefix(h.Get("X-Slack-Signature"), "v0=")
	got, err := hex.DecodeString(sig)
	if !ok || err != nil {
		return errors.New("no v0 signature")
	}
	mac := hmac.New(sha256.New, secret)
	fmt.Fprintf(mac, "v0:%s:", ts)
	mac.Write(body)
	if !hmac.Equal(got, mac.Sum(nil)) {
		return errors.New("signature does not match")
	}
	return nil
}

func (e *Events) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	max := e.MaxBody
	if max <= 0 {
		max = DefaultMaxBody
	}
	body, ok := chat.ReadPost(w, r, max)
	if !ok {
		return
	}
	now := time.Now()
	if e.Now != nil {
		now = e.Now()
	}
	if err := Verify(e.Secret, r.Header, body, now); err != nil {
		e.Bot.log().Warn("slack request refused", "error", err.Error())
		http.Error(w, "invalid request signature", http.StatusUnauthorized)
		return
	}
	var cb callback
	if err := json.Unmarshal(body, &cb); err != nil {
		http.Error(w, "not JSON", http.StatusBadRequest)
		return
	}
	if cb.Type == "url_verification" {
		w.Header().Set("Content-Type", "text/plain")
		io.WriteString(w, cb.Challenge)
		return
	}
	ctx := e.Context
	if ctx == nil {
		ctx = context.Background()
	}
	e.Bot.handle(ctx, cb) // acknowledged now, answered in the background (Slack wants 200 within 3 s)
	w.WriteHeader(http.StatusOK)
}

// SocketMode receives events over a WebSocket the bot opens with the app-level token.
type SocketMode struct {
	Bot *Bot
	// AppToken is the app-level token (xapp-…) with connections:write.
	AppToken string
}

type envelope struct {
	Type       string   `json:"type"`
	EnvelopeID string   `json:"envelope_id"`
	Payload    callback `json:"payload"`
	Reason     string   `json:"reason"`
}

// Run connects and serves until ctx ends, reconnecting when Slack asks (disconnect) or the
// connection drops.
func (s *SocketMode) Run(ctx context.Context) error {
	for backoff := time.Second; ctx.Err() == nil; {
		err := s.once(ctx)
		if ctx.Err() != nil {
			return nil
		}
		if err != nil {
			s.Bot.log().Warn("slack socket mode", "error", err.Error())
			select {
			case <-ctx.Done():
				return nil
			case <-time.After(backoff):
			}
			backoff = min(2*backoff, time.Minute)
			continue
		}
		backoff = time.Second
	}
	return nil
}

// once opens one connection and reads it until it ends.
func (s *SocketMode) once(ctx context.Context) error {
	var open struct {
		URL string `json:"url"`
	}
	if err := s.Bot.Client.call(ctx, "apps.connections.open", s.AppToken, map[string]any{}, &open); err != nil {
		return err
	}
	conn, err := websocket.Dial(ctx, open.URL, nil)
	if err != nil {
		return err
	}
	defer conn.Close()
	go func() {
		<-ctx.Done()
		conn.SetReadDeadline(time.Now())
	}()
	for {
		_, msg, err := conn.Read()
		if err != nil {
			return err
		}
		var env envelope
		if err := json.Unmarshal(msg, &env); err != nil {
			return fmt.Errorf("slack socket mode: %w", err)
		}
		switch env.Type {
		case "disconnect":
			return nil // reconnect
		case "events_api":
			ack, _ := json.Marshal(map[string]string{"envelope_id": env.EnvelopeID})
			if err := conn.WriteText(ack); err != nil {
				return err
			}
			s.Bot.handle(ctx, env.Payload)
		default:
			if env.EnvelopeID != "" { // slash commands, interactivity: acknowledged, not used
				ack, _ := json.Marshal(map[string]string{"envelope_id": env.EnvelopeID})
				conn.WriteText(ack)
			}
		}
	}
}
