package cli

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/hunchsec/hunch/automation/chat"
	"github.com/hunchsec/hunch/automation/chat/mattermost"
	"github.com/hunchsec/hunch/automation/chat/slack"
)

// chatFlags are the flags every chat transport shares.
type chatFlags struct {
	ef      engineFlags
	verbose []string
	maxInds int
	db      string
}

// bot builds the chat bot with the flags' verbose channels.
func (f *chatFlags) bot(e *env) (*chat.Bot, *automationKit, error) {
	bot, kit, err := e.chatBot(&f.ef, f.maxInds, f.db)
	if err != nil {
		return nil, nil, err
	}
	for _, ch := range f.verbose {
		bot.SetVerbose(ch, true)
	}
	return bot, kit, nil
}

func (f *chatFlags) register(cmd *cobra.Command) {
	f.ef.register(cmd)
	fl := cmd.Flags()
	fl.StringSliceVar(&f.verbose, "verbose", nil, "channels where every indicator said is answered (Slack: slack:ID, Mattermost: mattermost:ID)")
	fl.IntVar(&f.maxInds, "max-indicators", chat.DefaultMaxIndicators, "most indicators answered per message")
	fl.StringVar(&f.db, "db", "", "store for !incident, !playbook and !task: a postgres:// URL (default: the embedded SQLite store)")
}

// listen serves h on addr until the context ends.
func (e *env) listen(addr, path string, h http.Handler) error {
	mux := http.NewServeMux()
	mux.Handle(path, h)
	srv := &http.Server{Addr: addr, Handler: mux, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: time.Minute, WriteTimeout: time.Minute}
	if !loopback(addr) {
		e.log.Warn("listening on a non-loopback address: put TLS in front (Slack and Mattermost call over HTTPS)", "addr", addr)
	}
	go func() {
		<-e.ctx.Done()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
	}()
	fmt.Fprintf(e.stderr, "hunch: listening on http://%s%s\n", addr, path)
	if err := srv.ListenAndServe(); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

func newChatSlackCmd(e *env) *cobra.Command {
	var (
		f          chatFlags
		addr, api  string
		socketMode bool
	)
	cmd := &cobra.Command{
		Use:   "slack [--listen 127.0.0.1:8089 | --socket-mode]",
		Short: "Run the chat bot on Slack (Events API or Socket Mode)",
		Long: `slack answers in the Slack channels the app is in, as 'hunch chat irc' does on IRC. Messages
come by the Events API (Slack POSTs to http://ADDR/slack/events: put it behind TLS and give that
URL as the app's Request URL; every request's signature is checked with the signing secret) or,
with --socket-mode, over a WebSocket hunch opens (no inbound connection needed). Replies go out
with chat.postMessage.

Secrets come from the environment only: HUNCH_SLACK_BOT_TOKEN (xoxb-…, scopes chat:write,
channels:history, groups:history, app_mentions:read), and HUNCH_SLACK_SIGNING_SECRET for the
Events API or HUNCH_SLACK_APP_TOKEN (xapp-…, connections:write) for Socket Mode.`,
		Args: noArgs,
		RunE: func(_ *cobra.Command, _ []string) error {
			token := e.getenv("HUNCH_SLACK_BOT_TOKEN")
			if token == "" {
				return usagef("the bot token goes in $HUNCH_SLACK_BOT_TOKEN")
			}
			secret, appToken := e.getenv("HUNCH_SLACK_SIGNING_SECRET"), e.getenv("HUNCH_SLACK_APP_TOKEN")
			switch {
			case socketMode && appToken == "":
				return usagef("--socket-mode needs the app-level token in $HUNCH_SLACK_APP_TOKEN")
			case !socketMode && secret == "":
				return usagef("the Events API needs the signing secret in $HUNCH_SLACK_SIGNING_SECRET (or use --socket-mode)")
			}
			bot, kit, err := f.bot(e)
			if err != nil {
				return err
			}
			defer kit.close()
			sb := &slack.Bot{Bot: bot, Client: &slack.Client{BaseURL: api, Token: token, HTTP: e.httpClient()}, Log: e.log}
			defer sb.Wait()
			if socketMode {
				fmt.Fprintln(e.stderr, "hunch: on Slack by Socket Mode")
				return (&slack.SocketMode{Bot: sb, AppToken: appToken}).Run(e.ctx)
			}
			return e.listen(addr, "/slack/events", &slack.Events{Bot: sb, Secret: []byte(secret), Context: e.ctx})
		},
	}
	f.register(cmd)
	cmd.Flags().StringVar(&addr, "listen", "127.0.0.1:8089", "address of the Events API endpoint (/slack/events)")
	cmd.Flags().BoolVar(&socketMode, "socket-mode", false, "receive events over Socket Mode instead")
	cmd.Flags().StringVar(&api, "api-url", slack.DefaultAPI, "Slack's Web API base URL")
	return cmd
}

func newChatMattermostCmd(e *env) *cobra.Command {
	var (
		f         chatFlags
		addr      string
		botUserID string
	)
	cmd := &cobra.Command{
		Use:   "mattermost [--listen 127.0.0.1:8090]",
		Short: "Run the chat bot on Mattermost (outgoing webhook)",
		Long: `mattermost answers the messages a Mattermost outgoing webhook sends to
http://ADDR/mattermost (its callback URL; the webhook's channel and trigger words decide what is
sent), in the webhook's response. The webhook tokens allowed go in $HUNCH_MATTERMOST_WEBHOOK_TOKEN
(comma-separated, one per webhook). --bot-user-id keeps the bot from answering itself.`,
		Args: noArgs,
		RunE: func(_ *cobra.Command, _ []string) error {
			var tokens []string
			for t := range strings.SplitSeq(e.getenv("HUNCH_MATTERMOST_WEBHOOK_TOKEN"), ",") {
				if t = strings.TrimSpace(t); t != "" {
					tokens = append(tokens, t)
				}
			}
			if len(tokens) == 0 {
				return usagef("the outgoing webhook's token goes in $HUNCH_MATTERMOST_WEBHOOK_TOKEN")
			}
			bot, kit, err := f.bot(e)
			if err != nil {
				return err
			}
			defer kit.close()
			return e.listen(addr, "/mattermost", &mattermost.Webhook{Bot: bot, Tokens: tokens, BotUserID: botUserID, Log: e.log})
		},
	}
	f.register(cmd)
	cmd.Flags().StringVar(&addr, "listen", "127.0.0.1:8090", "address of the outgoing webhook's endpoint (/mattermost)")
	cmd.Flags().StringVar(&botUserID, "bot-user-id", "", "the bot's Mattermost user id (its own messages are not answered)")
	return cmd
}
