package cli

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"github.com/hunchsec/hunch/automation/chat"
	"github.com/hunchsec/hunch/automation/chat/irc"
	"github.com/hunchsec/hunch/automation/chat/mattermost"
	"github.com/hunchsec/hunch/automation/chat/slack"
	"github.com/hunchsec/hunch/automation/incidentreport"
	"github.com/hunchsec/hunch/automation/playbook"
	"github.com/hunchsec/hunch/intel"
	"github.com/hunchsec/hunch/intel/acl"
	"github.com/hunchsec/hunch/server"
	"github.com/hunchsec/hunch/server/api"
	"github.com/hunchsec/hunch/server/edl"
	"github.com/hunchsec/hunch/server/mispapi"
	"github.com/hunchsec/hunch/server/taxii"
	"github.com/hunchsec/hunch/web"
)

// Defaults of the organisation and site admin `hunch serve` makes on an instance without users.
const (
	defaultOrgName    = "ORGNAME"
	defaultAdminEmail = "admin@admin.test"
)

// serveFlags are the flags of `hunch serve`; each overrides the configuration's server block.
type serveFlags struct {
	listen        string
	db            string
	tlsCert       string
	tlsKey        string
	tlsSelfSigned bool
	maxBody       byteSize
	org           string
	adminEmail    string
	logFormat     string
	uiIdle, uiMax time.Duration
	syncEvery     time.Duration
	feedsEvery    time.Duration
	feedsDir      string
	playbooks     string
	playbookPoll  time.Duration
	hunts         string
	irc           irc.Options
	ircVerbose    []string
	slackSocket   bool
	slackAPI      string
	mattermostURL string
	mattermostBot string
	ef            engineFlags
}

func newServeCmd(e *env) *cobra.Command {
	f := &serveFlags{}
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Serve the intel store over a MISP-compatible REST API (PyMISP works against it)",
		Long: `serve answers MISP's REST API (events, attributes, objects, tags, sightings, restSearch,
organisations, users) from the intel store: the embedded SQLite file in the data directory, or
PostgreSQL with --db postgres://… (or $HUNCH_DATABASE, or intel.database in the configuration).

On first start, when the store has no users, it creates the host organisation (--org) and a site
admin (--admin-email) and prints the admin's API key once on stderr. Keep it: it is stored hashed
and never shown again (make more keys with 'hunch user add').

It listens on 127.0.0.1:8080 unless told otherwise, speaks TLS with --tls-cert/--tls-key or
--tls-self-signed, answers GET /health without authentication, logs every request (structured,
on stderr) and shuts down gracefully on interrupt.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return e.serve(cmd, f) },
	}
	fl := cmd.Flags()
	fl.StringVar(&f.listen, "listen", "", "address to listen on, host:port (default "+server.DefaultAddr+")")
	fl.StringVar(&f.db, "db", "", "postgres:// URL of the intel store (default: SQLite in the data directory)")
	fl.StringVar(&f.tlsCert, "tls-cert", "", "PEM certificate (chain) file; needs --tls-key")
	fl.StringVar(&f.tlsKey, "tls-key", "", "PEM private key file of --tls-cert")
	fl.BoolVar(&f.tlsSelfSigned, "tls-self-signed", false, "make a self-signed certificate for localhost at start")
	fl.Var(&f.maxBody, "max-body", "largest request body accepted, e.g. 64MiB (default 32MiB)")
	fl.StringVar(&f.org, "org", "", "host organisation made on first start (default "+defaultOrgName+")")
	fl.StringVar(&f.adminEmail, "admin-email", "", "e-mail of the site admin made on first start (default "+defaultAdminEmail+")")
	fl.StringVar(&f.logFormat, "log-format", "text", "log format on stderr: text or json")
	fl.DurationVar(&f.uiIdle, "ui-session-idle", web.DefaultSessionIdle, "web UI sessions end after this long unused")
	fl.DurationVar(&f.uiMax, "ui-session-max", web.DefaultSessionMax, "web UI sessions end this long after login, however used")
	fl.DurationVar(&f.syncEvery, "sync-every", 0, "pull from and push to the sync servers every this long, e.g. 15m (0: only on request)")
	fl.DurationVar(&f.feedsEvery, "feeds-every", time.Hour, "fetch enabled feeds and cache caching-enabled ones this often (0: never)")
	fl.StringVar(&f.playbooks, "playbooks", "", "playbook library directory (default: $HUNCH_PLAYBOOKS or the data directory's playbooks/)")
	fl.StringVar(&f.hunts, "hunts", "", "directory of hunt files; those with a schedule run here, each run kept under the data directory's hunts/")
	fl.DurationVar(&f.playbookPoll, "playbook-poll", playbook.DefaultPoll, "how often runs answered elsewhere (hunch task complete) are picked up")
	fl.StringVar(&f.irc.Addr, "irc-server", "", "IRC server host:port for the chat bot and playbook notifications (password in $HUNCH_IRC_PASSWORD)")
	fl.StringVar(&f.irc.Nick, "irc-nick", "hunch", "the bot's IRC nick")
	fl.StringSliceVar(&f.irc.Channels, "irc-channel", nil, "IRC channels to join (repeatable)")
	fl.StringSliceVar(&f.ircVerbose, "irc-verbose", nil, "IRC channels where every indicator said is answered")
	fl.StringVar(&f.irc.Oper, "irc-oper", "", "IRC operator name (password in $HUNCH_IRC_OPER_PASSWORD)")
	fl.BoolVar(&f.slackSocket, "slack-socket-mode", false, "receive Slack events over Socket Mode ($HUNCH_SLACK_APP_TOKEN) instead of /slack/events")
	fl.StringVar(&f.slackAPI, "slack-api-url", slack.DefaultAPI, "Slack's Web API base URL")
	fl.StringVar(&f.mattermostURL, "mattermost-url", "", "Mattermost server to post to (token in $HUNCH_MATTERMOST_TOKEN)")
	fl.StringVar(&f.mattermostBot, "mattermost-bot-user-id", "", "the bot's Mattermost user id (its own messages are not answered)")
	f.ef.register(cmd)
	fl.StringVar(&f.feedsDir, "feeds-dir", "", `only directory local feeds are read from (default: the data directory's feeds/; "-": none)`)
	return cmd
}

// serverConfig merges the flags over the configuration's server block and checks them.
func (e *env) serverConfig(cmd *cobra.Command, f *serveFlags) (server.Config, error) {
	c := e.cfg.Server
	fl := cmd.Flags()
	pick := func(name, flag, conf string) string {
		if fl.Changed(name) {
			return flag
		}
		return conf
	}
	cfg := server.Config{
		Addr:          pick("listen", f.listen, c.Listen),
		TLSCert:       pick("tls-cert", f.tlsCert, c.TLSCert),
		TLSKey:        pick("tls-key", f.tlsKey, c.TLSKey),
		TLSSelfSigned: f.tlsSelfSigned || c.TLSSelfSigned,
	}
	if fl.Changed("tls-self-signed") {
		cfg.TLSSelfSigned = f.tlsSelfSigned
	}
	if cfg.Addr == "" {
		cfg.Addr = server.DefaultAddr
	}
	if _, _, err := net.SplitHostPort(cfg.Addr); err != nil {
		return cfg, usagef("--listen %q: want host:port", cfg.Addr)
	}
	switch {
	case (cfg.TLSCert == "") != (cfg.TLSKey == ""):
		return cfg, usagef("--tls-cert and --tls-key go together")
	case cfg.TLSSelfSigned && cfg.TLSCert != "":
		return cfg, usagef("--tls-self-signed excludes --tls-cert and --tls-key")
	}
	if fl.Changed("max-body") {
		if f.maxBody <= 0 {
			return cfg, usagef("--max-body must be positive")
		}
		cfg.MaxBodyBytes = int64(f.maxBody)
	} else {
		n, err := c.MaxBodyBytes()
		if err != nil {
			return cfg, fmt.Errorf("server.max_body: %w", err)
		}
		cfg.MaxBodyBytes = n
	}
	return cfg, nil
}

// serverLogger is the logger of a running server: info and above (debug with -vv) on stderr.
func (e *env) serverLogger(format string) (*slog.Logger, error) {
	opts := &slog.HandlerOptions{Level: slog.LevelInfo}
	if e.verbose >= 2 {
		opts.Level = slog.LevelDebug
	}
	switch format {
	case "text", "":
		return slog.New(slog.NewTextHandler(e.stderr, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(e.stderr, opts)), nil
	}
	return nil, usagef("--log-format %q: want text or json", format)
}

func (e *env) serve(cmd *cobra.Command, f *serveFlags) error {
	cfg, err := e.serverConfig(cmd, f)
	if err != nil {
		return err
	}
	log, err := e.serverLogger(f.logFormat)
	if err != nil {
		return err
	}
	dsn, err := e.intelDB(f.db)
	if err != nil {
		return err
	}
	e.log = log
	svc, closeStore, err := e.openIntel(dsn)
	if err != nil {
		return err
	}
	defer closeStore()

	org := firstNonEmpty(f.org, e.cfg.Server.Org, defaultOrgName)
	email := firstNonEmpty(f.adminEmail, e.cfg.Server.AdminEmail, defaultAdminEmail)
	key, created, err := svc.Bootstrap(e.ctx, org, email)
	if err != nil {
		return fmt.Errorf("first start: %w", err)
	}
	if created {
		fmt.Fprintf(e.stderr, `
  First start: created organisation %q and site admin %s.
  Their API key (shown only now; stored hashed, keep it safe):

      %s

`, org, email, key)
	}
	// The warninglists are parsed and indexed once (about half a second for MISP's 135 lists): do it now, in the
	// background, rather than in the first request that needs them.
	go func() {
		if _, err := svc.WarninglistFilter(e.ctx); err != nil && e.ctx.Err() == nil {
			log.Warn("loading the warninglists", "error", err.Error())
		}
	}()
	svc.SetFeedOptions(intel.FeedOptions{LocalDir: e.feedsDir(f.feedsDir)})
	go svc.RunFeeds(e.ctx, f.feedsEvery)
	uuid, err := svc.InstanceUUID(e.ctx)
	if err != nil {
		return err
	}
	// The MISP API answers every path no other surface claims, as MISP's own paths are at the root.
	kit, err := e.automationOn(svc, &f.ef, e.playbookDir(f.playbooks))
	if err != nil {
		return err
	}
	defer kit.close()
	routes := http.NewServeMux()
	if err := e.serveChat(kit, f, routes, log); err != nil {
		return err
	}
	mispAPI := mispapi.New(mispapi.Deps{Intel: svc, InstanceUUID: uuid, Logger: log})
	routes.Handle("/", mispAPI)
	routes.Handle(web.Prefix, web.New(web.Deps{Intel: svc, Logger: log, SessionIdle: f.uiIdle, SessionMax: f.uiMax,
		SecureCookies: cfg.TLSCert != "" || cfg.TLSSelfSigned,
		Incidents:     kit.incidents, Engine: kit.engine, SLA: e.slaPolicy(), Chat: kit.post,
		RunPivot: e.pivotRecords}))
	routes.Handle("GET /{$}", web.RootRedirect(mispAPI))
	keys := mispapi.NewKeyAuthenticator(mispapi.StoreKeyLookup(svc), acl.NewKeyChecker(mispapi.DefaultKeyCacheTTL, mispapi.DefaultKeyCacheSize, nil), nil)
	edlHandler, err := edl.New(edl.Deps{Intel: svc, Lists: e.cfg.Server.EDL, Logger: log, Auth: keys})
	if err != nil {
		return err
	}
	routes.Handle("/edl/", edlHandler)
	routes.Handle("/taxii2/", taxii.New(taxii.Deps{Intel: svc, InstanceUUID: uuid, Logger: log}))
	routes.Handle("/api/", api.New(api.Deps{
		Auth:      keys,
		Incidents: kit.incidents, Engine: kit.engine, Logger: log, SLA: new(e.slaPolicy()),
		Report: func(ctx context.Context, w io.Writer, id int64) error {
			return incidentreport.Write(ctx, w, kit.incidents, e.slaPolicy(), id)
		},
		HuntRuns: func() (any, error) { return listHuntRuns(filepath.Join(e.dataDir(), "hunts")) },
	}))
	if f.hunts != "" {
		sched, err := e.huntScheduler(f.hunts, log)
		if err != nil {
			return err
		}
		go sched.Serve(e.ctx, 0)
	}
	log.Info("playbooks", "library", len(kit.engine.Library), "dir", e.playbookDir(f.playbooks))
	go kit.engine.Serve(e.ctx, f.playbookPoll)
	srv, err := server.New(cfg, routes, log)
	if err != nil {
		return err
	}
	if !cfg.TLSSelfSigned && cfg.TLSCert == "" && !loopback(cfg.Addr) {
		log.Warn("listening on a non-loopback address without TLS: API keys and data cross the network in clear; use --tls-cert/--tls-key or --tls-self-signed", "addr", cfg.Addr)
	}
	go syncLoop(e.ctx, svc, f.syncEvery, log)
	return srv.Run(e.ctx)
}

// loopback reports whether addr (host:port) listens on loopback only.
func loopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func firstNonEmpty(v ...string) string {
	for _, s := range v {
		if strings.TrimSpace(s) != "" {
			return s
		}
	}
	return ""
}

// serveIRC connects the chat bot to IRC, where it answers in the channels, and returns how to post there
// (notifications, manual tasks); it reconnects when the connection drops.
func (e *env) serveIRC(bot *chat.Bot, f *serveFlags, log *slog.Logger) (func(context.Context, string, []string) error, error) {
	if len(f.irc.Channels) == 0 {
		return nil, usagef("--irc-server needs at least one --irc-channel")
	}
	f.irc.Password = e.getenv("HUNCH_IRC_PASSWORD")
	if f.irc.Oper != "" {
		f.irc.OperPassword = e.getenv("HUNCH_IRC_OPER_PASSWORD")
		if f.irc.OperPassword == "" {
			return nil, usagef("--irc-oper needs the operator password in $HUNCH_IRC_OPER_PASSWORD")
		}
	}
	c, err := irc.Dial(e.ctx, f.irc)
	if err != nil {
		return nil, err
	}
	var mu sync.Mutex
	post := func(_ context.Context, channel string, lines []string) error {
		mu.Lock()
		cur := c
		mu.Unlock()
		return cur.Send(channel, lines)
	}
	log.Info("irc", "server", f.irc.Addr, "nick", c.Nick(), "channels", strings.Join(f.irc.Channels, ","))
	go func() {
		for {
			err := irc.Serve(e.ctx, c, bot)
			c.Close()
			if e.ctx.Err() != nil {
				return
			}
			log.Warn("irc connection lost; reconnecting", "error", fmt.Sprint(err))
			for e.ctx.Err() == nil {
				time.Sleep(5 * time.Second)
				nc, err := irc.Dial(e.ctx, f.irc)
				if err == nil {
					mu.Lock()
					c = nc
					mu.Unlock()
					break
				}
			}
		}
	}()
	return post, nil
}

// serveChat connects the server's chat bot to every transport configured — IRC (--irc-server), Slack (a bot
// token in $HUNCH_SLACK_BOT_TOKEN, with the Events API at /slack/events when $HUNCH_SLACK_SIGNING_SECRET is set, or
// Socket Mode with --slack-socket-mode and $HUNCH_SLACK_APP_TOKEN) and Mattermost (--mattermost-url with
// $HUNCH_MATTERMOST_TOKEN for posts, and the outgoing webhook at /mattermost with
// $HUNCH_MATTERMOST_WEBHOOK_TOKEN) — and lets playbooks post to a channel of any: slack:ID, mattermost:ID, or an
// IRC channel.
func (e *env) serveChat(kit *automationKit, f *serveFlags, routes *http.ServeMux, log *slog.Logger) error {
	bot := kit.bot(chat.DefaultMaxIndicators)
	for _, ch := range f.ircVerbose {
		bot.SetVerbose(ch, true)
	}
	posters := map[string]func(context.Context, string, []string) error{}
	if f.irc.Addr != "" {
		post, err := e.serveIRC(bot, f, log)
		if err != nil {
			return err
		}
		posters[""] = post
	}
	if token := e.getenv("HUNCH_SLACK_BOT_TOKEN"); token != "" {
		sb := &slack.Bot{Bot: bot, Client: &slack.Client{BaseURL: f.slackAPI, Token: token, HTTP: e.httpClient()}, Log: log}
		posters[slack.Prefix] = func(ctx context.Context, ch string, lines []string) error { return sb.Client.Post(ctx, ch, "", lines) }
		if secret := e.getenv("HUNCH_SLACK_SIGNING_SECRET"); secret != "" {
			routes.Handle("POST /slack/events", &slack.Events{Bot: sb, Secret: []byte(secret), Context: e.ctx})
			log.Info("slack", "events", "/slack/events")
		}
		if f.slackSocket {
			app := e.getenv("HUNCH_SLACK_APP_TOKEN")
			if app == "" {
				return usagef("--slack-socket-mode needs the app-level token in $HUNCH_SLACK_APP_TOKEN")
			}
			go (&slack.SocketMode{Bot: sb, AppToken: app}).Run(e.ctx)
			log.Info("slack", "socket_mode", true)
		}
	}
	if f.mattermostURL != "" {
		token := e.getenv("HUNCH_MATTERMOST_TOKEN")
		if token == "" {
			return usagef("--mattermost-url needs an access token in $HUNCH_MATTERMOST_TOKEN")
		}
		mc := &mattermost.Client{URL: f.mattermostURL, Token: token, HTTP: e.httpClient()}
		posters[mattermost.Prefix] = func(ctx context.Context, ch string, lines []string) error { return mc.Post(ctx, ch, "", lines) }
	}
	var hookTokens []string
	for t := range strings.SplitSeq(e.getenv("HUNCH_MATTERMOST_WEBHOOK_TOKEN"), ",") {
		if t = strings.TrimSpace(t); t != "" {
			hookTokens = append(hookTokens, t)
		}
	}
	if len(hookTokens) > 0 {
		routes.Handle("POST /mattermost", &mattermost.Webhook{Bot: bot, Tokens: hookTokens, BotUserID: f.mattermostBot, Log: log})
		log.Info("mattermost", "webhook", "/mattermost")
	}
	if len(posters) == 0 {
		return nil
	}
	kit.setChat(func(ctx context.Context, channel string, lines []string) error {
		for prefix, post := range posters {
			if prefix != "" && strings.HasPrefix(channel, prefix) {
				return post(ctx, channel, lines)
			}
		}
		if post := posters[""]; post != nil && !strings.HasPrefix(channel, slack.Prefix) && !strings.HasPrefix(channel, mattermost.Prefix) {
			return post(ctx, channel, lines)
		}
		return fmt.Errorf("no chat connection for channel %q", channel)
	})
	return nil
}
