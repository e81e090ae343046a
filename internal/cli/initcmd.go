package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/hunchsec/hunch/intel"
)

// newInitCmd is `hunch init`: what `hunch serve` does on its first start (the host organisation and a site admin
// with an API key), without serving, for instances set up by script.
func newInitCmd(e *env) *cobra.Command {
	var db, org, email string
	cmd := &cobra.Command{
		Use:   "init",
		Short: "Create the host organisation and the first site admin of an empty intel store",
		Long: `init makes an empty intel store ready, as 'hunch serve' does on its first start: it creates the host
organisation (--org) and a site admin (--admin-email), and prints the admin's API key once on stdout (it is
stored hashed). On a store that already has users it changes nothing and says so.`,
		Example: `  hunch init --org 'Example CERT' --admin-email soc@example.org`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return e.withIntel(db, func(svc *intel.Service) error {
				o := firstNonEmpty(org, e.cfg.Server.Org, defaultOrgName)
				m := firstNonEmpty(email, e.cfg.Server.AdminEmail, defaultAdminEmail)
				key, created, err := svc.Bootstrap(e.ctx, o, m)
				if err != nil {
					return fmt.Errorf("init: %w", err)
				}
				if !created {
					fmt.Fprintln(e.stderr, "hunch: init: the store has users already; nothing changed")
					return nil
				}
				fmt.Fprintf(e.stderr, "created organisation %q and site admin %s; their API key (shown only now):\n", o, m)
				fmt.Fprintln(e.stdout, key)
				return nil
			})
		},
	}
	dbFlag(cmd, &db)
	cmd.Flags().StringVar(&org, "org", "", "host organisation (default "+defaultOrgName+")")
	cmd.Flags().StringVar(&email, "admin-email", "", "e-mail of the site admin (default "+defaultAdminEmail+")")
	return cmd
}
