package cli

import (
	"encoding/json"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/hunchsec/hunch/automation"
	"github.com/hunchsec/hunch/automation/journal"
	"github.com/hunchsec/hunch/automation/respond"
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
	return cmd
}
