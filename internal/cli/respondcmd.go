package cli

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/hunchsec/hunch/automation"
	"github.com/hunchsec/hunch/automation/journal"
	"github.com/hunchsec/hunch/automation/playbook"
	"github.com/hunchsec/hunch/automation/respond"
	"github.com/hunchsec/hunch/enrich"
	"github.com/hunchsec/hunch/ioc"
	"github.com/hunchsec/hunch/pipeline"
	"github.com/hunchsec/hunch/record"
)

func newRespondCmd(e *env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "respond",
		Short: "Response actions: isolate or release a host on the EDR",
		Long: `respond acts on the products the SOC runs. isolate and release reach Microsoft Defender for Endpoint
($HUNCH_MDE_TENANT_ID, $HUNCH_MDE_CLIENT_ID, $HUNCH_MDE_CLIENT_SECRET) or CrowdStrike Falcon
($HUNCH_FALCON_CLIENT_ID, $HUNCH_FALCON_CLIENT_SECRET). --dry-run shows the requests without sending
the action; a real isolation needs --yes. With --incident N the request and the result are
journaled on the incident. Blocklists are served by 'hunch serve' as External Dynamic Lists
(server.edl in the configuration; the playbook action block adds to them).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return cmd.Help() },
	}
	for _, verb := range []string{"isolate", "release"} {
		var (
			edrName, comment, incident, db string
			dry, yes                       bool
		)
		c := &cobra.Command{
			Use:   verb + " HOST [--edr mde|crowdstrike] [--dry-run | --yes] [--incident N]",
			Short: map[string]string{"isolate": "Isolate a host from the network on the EDR", "release": "End a host's isolation on the EDR"}[verb],
			Args:  cobra.ExactArgs(1),
			RunE: func(_ *cobra.Command, args []string) error {
				host := args[0]
				edrs := e.edrs()
				if edrName == "" && len(edrs) == 1 {
					for n := range edrs {
						edrName = n
					}
				}
				edr := edrs[edrName]
				if edr == nil {
					var names []string
					for n := range edrs {
						names = append(names, n)
					}
					slices.Sort(names)
					return usagef("--edr %q: configured: %s (see hunch respond --help)", edrName, strings.Join(names, ", "))
				}
				if !dry && !yes {
					return usagef("%s %s acts on a live host: add --yes, or --dry-run to see the requests", verb, host)
				}
				if comment == "" {
					comment = "hunch respond " + verb
				}
				var r respond.Result
				var err error
				if verb == "isolate" {
					r, err = edr.Isolate(e.ctx, host, comment, dry)
				} else {
					r, err = edr.Release(e.ctx, host, comment, dry)
				}
				if incident != "" {
					id, perr := incidentID(incident)
					if perr != nil {
						return perr
					}
					body := map[string]any{"respond": verb, "edr": edrName, "host": host, "dry_run": dry, "result": r}
					if err != nil {
						body["error"] = err.Error()
					}
					if jerr := e.withIncidents(db, func(s *automation.Incidents) error {
						_, err := s.Append(e.ctx, id, journal.KindAction, e.actorName(), body)
						return err
					}); jerr != nil {
						return jerr
					}
				}
				if err != nil {
					return err
				}
				ex, _ := json.Marshal(r.Exchanges)
				return e.emit(streamOf([]record.Record{record.New(
					record.Field{Name: "host", Value: record.String(r.Host)},
					record.Field{Name: "edr", Value: record.String(edrName)},
					record.Field{Name: "action", Value: record.String(r.Action)},
					record.Field{Name: "device_id", Value: record.String(r.DeviceID)},
					record.Field{Name: "action_id", Value: record.String(r.ActionID)},
					record.Field{Name: "status", Value: record.String(r.Status)},
					record.Field{Name: "exchanges", Value: record.String(string(ex))})}))
			},
		}
		fl := c.Flags()
		fl.StringVar(&edrName, "edr", "", "mde or crowdstrike (default: the only one configured)")
		fl.StringVar(&comment, "comment", "", "the comment the EDR records with the action")
		fl.BoolVar(&dry, "dry-run", false, "look the host up and show the action's request without sending it")
		fl.BoolVar(&yes, "yes", false, "confirm the action")
		fl.StringVar(&incident, "incident", "", "journal the request and result on this incident")
		fl.StringVar(&db, "db", "", "store for --incident: a postgres:// URL (default: the embedded SQLite store)")
		cmd.AddCommand(c)
	}
	cmd.AddCommand(newRespondSIEMCmd(e), newRespondBlockCmd(e), newRespondAccountCmd(e, "disable"), newRespondAccountCmd(e, "enable"), newRespondAccountCmd(e, "ungroup"))
	return cmd
}

func newRespondAccountCmd(e *env, what string) *cobra.Command {
	var (
		incident, db string
		dry, yes     bool
	)
	use := map[string]string{"disable": "disable ACCOUNT", "enable": "enable ACCOUNT", "ungroup": "ungroup ACCOUNT GROUP"}[what]
	short := map[string]string{"disable": "Disable a directory account (Active Directory: userAccountControl's ACCOUNTDISABLE)",
		"enable": "Enable a directory account again", "ungroup": "Remove a directory account from a group (by cn or DN)"}[what]
	nargs := 1
	if what == "ungroup" {
		nargs = 2
	}
	c := &cobra.Command{
		Use:   use + " [--dry-run | --yes] [--incident N]",
		Short: short,
		Long: short + `. The directory is $HUNCH_LDAP_URL (ldap:// or ldaps://), bound as $HUNCH_LDAP_BIND_DN with
$HUNCH_LDAP_PASSWORD, searched under $HUNCH_LDAP_BASE_DN; the account is found by sAMAccountName, or by
uid in directories without it. --dry-run shows the entry and the change without making it.`,
		Args: cobra.ExactArgs(nargs),
		RunE: func(_ *cobra.Command, args []string) error {
			dir := e.directory()
			if dir == nil {
				return usagef("no directory: set $HUNCH_LDAP_URL, $HUNCH_LDAP_BIND_DN, $HUNCH_LDAP_PASSWORD and $HUNCH_LDAP_BASE_DN")
			}
			if !dry && !yes {
				return usagef("%s changes a live account: add --yes, or --dry-run to see the change", what)
			}
			var r respond.AccountResult
			var err error
			switch what {
			case "ungroup":
				r, err = dir.RemoveFromGroup(e.ctx, args[0], args[1], dry)
			default:
				r, err = dir.SetDisabled(e.ctx, args[0], what == "disable", dry)
			}
			if incident != "" {
				id, perr := incidentID(incident)
				if perr != nil {
					return perr
				}
				body := map[string]any{"respond": what, "account": args[0], "dry_run": dry, "result": r}
				if err != nil {
					body["error"] = err.Error()
				}
				if jerr := e.withIncidents(db, func(s *automation.Incidents) error {
					_, err := s.Append(e.ctx, id, journal.KindAction, e.actorName(), body)
					return err
				}); jerr != nil {
					return jerr
				}
			}
			if err != nil {
				return err
			}
			return e.emit(streamOf([]record.Record{record.New(
				record.Field{Name: "account", Value: record.String(r.Account)},
				record.Field{Name: "dn", Value: record.String(r.DN)},
				record.Field{Name: "action", Value: record.String(r.Action)},
				record.Field{Name: "before", Value: record.String(r.Before)},
				record.Field{Name: "after", Value: record.String(r.After)},
				record.Field{Name: "group", Value: record.String(r.Group)},
				record.Field{Name: "dry_run", Value: record.Bool(r.DryRun)})}))
		},
	}
	c.Flags().BoolVar(&dry, "dry-run", false, "show the change without making it")
	c.Flags().BoolVar(&yes, "yes", false, "confirm the change")
	c.Flags().StringVar(&incident, "incident", "", "journal the change on this incident")
	c.Flags().StringVar(&db, "db", "", "store for --incident: a postgres:// URL (default: the embedded SQLite store)")
	return c
}

func newRespondBlockCmd(e *env) *cobra.Command {
	var (
		list, db string
		yes, dry bool
	)
	c := &cobra.Command{
		Use:   "block VALUE… --list NAME [--yes | --dry-run]",
		Short: "Put addresses, domains or URLs on a blocklist served to firewalls as an External Dynamic List",
		Long: `block records the values as an intel event whose attributes are marked for detection and tagged
edl:NAME; the External Dynamic List that selects that tag (server.edl in the configuration, e.g.
c2-domains: {kind: domain, tags: ["edl:c2"]}) serves them from its next pull. Values that are not an
address, a domain or a URL are refused. Blocking again the same values in the same minute finds
the event already made.`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(_ *cobra.Command, args []string) error {
			tag, err := playbook.BlockTag(list)
			if err != nil {
				return usagef("--list: %v", err)
			}
			ex, err := ioc.NewExtractor(ioc.Options{})
			if err != nil {
				return err
			}
			var inds []enrich.Indicator
			for _, a := range args {
				t, v, ok := pipeline.Classify(ex, a)
				if !ok || !slices.Contains([]ioc.Type{ioc.IPv4, ioc.IPv6, ioc.Domain, ioc.URL}, t) {
					return usagef("%q is not an address, a domain or a URL", a)
				}
				inds = append(inds, enrich.Indicator{Type: t, Value: v})
			}
			if dry {
				for _, i := range inds {
					fmt.Fprintf(e.stdout, "would block %s %s on %s (tag %s)\n", i.Type, i.Value, list, tag)
				}
				return nil
			}
			if !yes {
				return usagef("blocking reaches every firewall that pulls the list: add --yes, or --dry-run")
			}
			kit, err := e.openAutomation(db, nil, e.playbookDir(""))
			if err != nil {
				return err
			}
			defer kit.close()
			if kit.env.IntelUser.OrgID == 0 {
				return errors.New("the intel store has no host organisation yet (run 'hunch init' or start 'hunch serve' once)")
			}
			key := fmt.Sprintf("respond-block/%s/%s/%s", list, time.Now().UTC().Format("200601021504"), strings.Join(args, ","))
			t := true
			out, err := kit.env.Record(e.ctx, playbook.NewEvent{Key: key, Info: "hunch blocklist " + list + " (" + e.actorName() + ")",
				Comment: "blocked by " + e.actorName(), Indicators: inds, Tags: []string{tag}, ToIDS: &t})
			if err != nil {
				return err
			}
			fmt.Fprintf(e.stdout, "blocklist %s: event %v, %v values\n", list, out["event_id"], out["attributes"])
			return nil
		},
	}
	c.Flags().StringVar(&list, "list", "", "the blocklist (its tag is edl:NAME)")
	c.Flags().BoolVar(&yes, "yes", false, "confirm")
	c.Flags().BoolVar(&dry, "dry-run", false, "show what would be blocked")
	c.Flags().StringVar(&db, "db", "", "store: a postgres:// URL (default: the embedded SQLite store)")
	return c
}

func newRespondSIEMCmd(e *env) *cobra.Command {
	var ch playbook.SIEMChange
	c := &cobra.Command{
		Use:   "siem-update CONNECTION ID [--status S] [--comment C] [--owner O] [--severity S] [--classification C]",
		Short: "Update the SIEM's incident: a Splunk ES notable (by rule_uid) or a Sentinel incident (by name)",
		Long: `siem-update writes hunch's conclusion back where the alert came from. On a splunk connection it
updates Enterprise Security notables (POST /services/notable_update: status new, in progress,
pending, resolved, closed; --severity sets the urgency; --owner; --comment). On a sentinel connection
(with a management block: subscription_id, resource_group, workspace_name) it updates the incident
through Azure Resource Manager, with its etag so a concurrent change is refused (--status New,
Active, Closed; --classification TruePositive, BenignPositive, FalsePositive, Undetermined;
--severity; --owner; --comment, added as a comment and, when closing, as the classification comment).`,
		Args: cobra.ExactArgs(2),
		RunE: func(_ *cobra.Command, args []string) error {
			if ch == (playbook.SIEMChange{}) {
				return usagef("give --status, --comment, --owner, --severity or --classification")
			}
			out, err := e.siemUpdate(e.ctx, args[0], args[1], ch)
			if err != nil {
				return err
			}
			r := record.New()
			for _, k := range []string{"siem", "id", "status", "message", "incident_number"} {
				if v, ok := out[k]; ok && v != nil {
					r.Append(k, record.String(fmt.Sprint(v)))
				}
			}
			return e.emit(streamOf([]record.Record{r}))
		},
	}
	fl := c.Flags()
	fl.StringVar(&ch.Status, "status", "", "the new status")
	fl.StringVar(&ch.Comment, "comment", "", "a comment")
	fl.StringVar(&ch.Owner, "owner", "", "the new owner")
	fl.StringVar(&ch.Severity, "severity", "", "the severity (Splunk: urgency)")
	fl.StringVar(&ch.Classification, "classification", "", "Sentinel: the classification when closing")
	return c
}
