package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/hunchsec/hunch/enrich/providers"
	"github.com/hunchsec/hunch/record"
)

func newConfigCmd(e *env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "config",
		Short: "Check the configuration",
	}
	cmd.AddCommand(&cobra.Command{
		Use:   "check",
		Short: "Validate hunch.yaml and say which providers are usable, and why not",
		Long: `check loads the configuration (an invalid file fails with every problem and its field),
then builds each provider as a lookup would — resolving env: and file: secrets without printing
them — and lists name, type, whether it is usable, whether it works offline, and the reason when
it is not usable. GeoIP databases and the data directory are checked too. No request is sent.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			where := e.cfg.Path
			if where == "" {
				where = "(none: defaults)"
			}
			fmt.Fprintf(e.stderr, "configuration: %s\ndata directory: %s\n", where, e.dataDir())
			built := providers.Build(e.cfg.Enrich, providers.Deps{Getenv: e.getenv, DataDir: e.dataDir()})
			statuses := func(yield func(record.Record, error) bool) {
				for _, st := range built.Status {
					if !yield(jsonRecord(e.ctx, st)) {
						return
					}
				}
			}
			if err := e.emit(statuses); err != nil {
				return err
			}
			if len(built.Status) == 0 {
				fmt.Fprintln(e.stderr, "providers: none configured (add enrich.providers to hunch.yaml; see the README)")
			}
			db, err := e.geoDB()
			switch {
			case err != nil:
				fmt.Fprintf(e.stderr, "geoip: %v\n", err)
			case db == nil:
				fmt.Fprintln(e.stderr, "geoip: no databases (geoip.files, or 'hunch geoip update')")
			default:
				for _, d := range db.Databases() {
					fmt.Fprintf(e.stderr, "geoip: %s (%s, built %s)\n", d.Path, d.Type, d.Built.Format("2006-01-02"))
				}
				db.Close()
			}
			return nil
		},
	})
	return cmd
}
