package cli

import (
	"context"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/hunchsec/hunch/automation/chat"
	"github.com/hunchsec/hunch/automation/chat/irc"
	"github.com/hunchsec/hunch/enrich"
	"github.com/hunchsec/hunch/pipeline"
	"github.com/hunchsec/hunch/record"
)

func newChatCmd(e *env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "chat",
		Short: "Run hunch's chat bot: reputation answers in chat channels",
		Args:  cobra.NoArgs,
		RunE:  func(cmd *cobra.Command, _ []string) error { return cmd.Help() },
	}
	cmd.AddCommand(newChatIRCCmd(e), newChatSlackCmd(e), newChatMattermostCmd(e))
	return cmd
}

// repLine writes one reputation record as a chat line.
func repLine(r record.Record) string {
	get := func(f string) string {
		v, _ := r.Get(f)
		return v.Text()
	}
	line := fmt.Sprintf("%s (%s): %s, DBotScore %s", get(pipeline.FieldIndicator), get(pipeline.FieldType), get(pipeline.FieldVerdict), get(fieldDBotScore))
	if d := get(pipeline.FieldDecidedBy); d != "" {
		line += ", decided by " + d
	}
	var where []string
	for _, f := range []string{"country", "as_org"} {
		if v := get(f); v != "" {
			where = append(where, v)
		}
	}
	if asn := get("asn"); asn != "" {
		where = append(where, "AS"+asn)
	}
	if len(where) > 0 {
		line += " — " + strings.Join(where, ", ")
	}
	return line
}

func newChatIRCCmd(e *env) *cobra.Command {
	var (
		f chatFlags
		o irc.Options
	)
	cmd := &cobra.Command{
		Use:   "irc --server HOST:PORT --channel '#soc'",
		Short: "Run the chat bot on an IRC server",
		Long: `irc connects to an IRC server, joins the channels and answers there:
  !ip !url !domain !file !email VALUE…   reputation, one line per value (providers, DBotScore, GeoIP)
  !verbose on|off                         answer every indicator said in this channel
  !incident new NAME | show N | note N TEXT | assign N NICK | severity N LEVEL | close N
                                          incidents in the store (--db), journaled as chat:<nick>
  !playbook list | run NAME INCIDENT      start a playbook (hunch serve drives it)
  !task list | done RUN TASK [ANSWER]     answer a playbook's manual task
  !help
In the --verbose channels every message's indicators are answered from the start. Lookups go
through the configured providers and the cache, as 'hunch lookup' does. With --oper (and the
operator password in $HUNCH_IRC_OPER_PASSWORD) the bot becomes an IRC operator and asks for
ngircd's relaxed flood protection, so a reply of many lines is not held back by the server.`,
		Example: `  hunch chat irc --server irc.example.org:6667 --nick hunch --channel '#soc' --verbose '#soc'`,
		Args:    noArgs,
		RunE: func(_ *cobra.Command, _ []string) error {
			if o.Addr == "" || len(o.Channels) == 0 {
				return usagef("--server and --channel are required")
			}
			if o.Oper != "" {
				o.OperPassword = e.getenv("HUNCH_IRC_OPER_PASSWORD")
				if o.OperPassword == "" {
					return usagef("--oper needs the operator password in $HUNCH_IRC_OPER_PASSWORD")
				}
			}
			o.Password = e.getenv("HUNCH_IRC_PASSWORD")
			bot, kit, err := f.bot(e)
			if err != nil {
				return err
			}
			defer kit.close()
			c, err := irc.Dial(e.ctx, o)
			if err != nil {
				return err
			}
			defer c.Close()
			fmt.Fprintf(e.stderr, "hunch: on %s as %s in %s\n", o.Addr, c.Nick(), strings.Join(o.Channels, ", "))
			return irc.Serve(e.ctx, c, bot)
		},
	}
	f.register(cmd)
	fl := cmd.Flags()
	fl.StringVar(&o.Addr, "server", "", "IRC server, host:port (required; the password, if any, in $HUNCH_IRC_PASSWORD)")
	fl.StringVar(&o.Nick, "nick", "hunch", "nick")
	fl.StringSliceVar(&o.Channels, "channel", nil, "channels to join (repeatable, required)")
	fl.StringVar(&o.Oper, "oper", "", "IRC operator name (password in $HUNCH_IRC_OPER_PASSWORD)")
	fl.DurationVar(&o.Timeout, "timeout", 0, "dial and registration timeout (default 15s)")
	return cmd
}

// chatBot builds the chat bot every transport shares: reputation through the configured providers and cache (as
// 'hunch lookup' does), the !incident commands on the store db, and !playbook and !task on the playbook library.
// The kit it opens is returned for the transport to connect to the playbooks' chat; its close releases everything.
func (e *env) chatBot(ef *engineFlags, maxInds int, db string) (*chat.Bot, *automationKit, error) {
	kit, err := e.openAutomation(db, ef, e.playbookDir(""))
	if err != nil {
		return nil, nil, err
	}
	return kit.bot(maxInds), kit, nil
}

// bot is the chat bot over the kit.
func (k *automationKit) bot(maxInds int) *chat.Bot {
	return &chat.Bot{MaxIndicators: maxInds, Incidents: k.incidents, Playbooks: k.engine,
		Rep: func(ctx context.Context, inds []enrich.Indicator) ([]string, error) {
			recs, err := k.lookup(ctx, typedIndicatorRecords(inds), nil)
			if err != nil {
				return nil, err
			}
			lines := make([]string, len(recs))
			for i, r := range recs {
				lines[i] = repLine(r)
			}
			return lines, nil
		}}
}
