package cli

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/hunchsec/hunch/intel"
	"github.com/hunchsec/hunch/server/edl"
)

func newIntelEDLCmd(e *env) *cobra.Command {
	var (
		db, format string
	)
	cmd := &cobra.Command{
		Use:   "edl NAME [--format paloalto|fortinet|checkpoint]",
		Short: "Print an External Dynamic List as hunch serve hands it to firewalls at /edl/NAME",
		Long: `edl builds the list NAME of the configuration (server.edl) from the intel store now, exactly as
'hunch serve' serves it, so a list can be checked before a firewall pulls it. Without NAME it lists
the configured lists.`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(_ *cobra.Command, args []string) error {
			lists := e.cfg.Server.EDL
			if len(args) == 0 {
				names := make([]string, 0, len(lists))
				for n := range lists {
					names = append(names, n)
				}
				slices.Sort(names)
				for _, n := range names {
					fmt.Fprintf(e.stdout, "%s\t%s\t%s\n", n, lists[n].Kind, strings.Join(lists[n].Tags, ","))
				}
				return nil
			}
			sp, ok := lists[args[0]]
			if !ok {
				return usagef("no list %q in server.edl of the configuration", args[0])
			}
			return e.withIntel(db, func(svc *intel.Service) error {
				u := intel.System
				u.OrgID = svc.Policy().Settings().Instance.HostOrgID
				entries, _, err := svc.EDL(e.ctx, u, sp, time.Now())
				if err != nil {
					return err
				}
				body, _ := edl.Render(args[0], sp.Kind, format, entries)
				_, err = e.stdout.Write(body)
				return err
			})
		},
	}
	cmd.Flags().StringVar(&db, "db", "", "postgres:// URL of the intel store (default: the embedded SQLite store)")
	cmd.Flags().StringVar(&format, "format", "paloalto", "paloalto, fortinet or checkpoint")
	return cmd
}
