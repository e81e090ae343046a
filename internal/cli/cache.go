package cli

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/hunchsec/hunch/enrich"
	"github.com/hunchsec/hunch/record"
	"github.com/hunchsec/hunch/store"
	"github.com/hunchsec/hunch/store/sqlite"
)

func newCacheCmd(e *env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "cache",
		Short: "Inspect or empty the lookup cache in the data directory",
	}
	cmd.AddCommand(&cobra.Command{
		Use:   "stats",
		Short: "Entries per provider: fresh, expired, size, verdicts, oldest and newest",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return e.withDB(func(db *sqlite.DB) error {
				stats, err := db.CacheStats(e.ctx, time.Now())
				if err != nil {
					return err
				}
				return e.emit(statRecords(stats))
			})
		},
	})
	var provider string
	var expired bool
	purge := &cobra.Command{
		Use:   "purge",
		Short: "Delete cached answers: all, one provider's (--provider), or only expired ones (--expired)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return e.withDB(func(db *sqlite.DB) error {
				n, err := db.PurgeCache(e.ctx, provider, expired, time.Now())
				if err != nil {
					return err
				}
				fmt.Fprintf(e.stdout, "purged %d cached answer(s)\n", n)
				return nil
			})
		},
	}
	purge.Flags().StringVar(&provider, "provider", "", "only this provider's answers")
	purge.Flags().BoolVar(&expired, "expired", false, "only answers past their lifetime")
	cmd.AddCommand(purge)
	return cmd
}

// statRecords renders cache statistics, one record per provider.
func statRecords(stats []store.CacheStat) record.Stream {
	return func(yield func(record.Record, error) bool) {
		for _, s := range stats {
			r := record.New(
				record.Field{Name: "provider", Value: record.String(s.Provider)},
				record.Field{Name: "entries", Value: record.Int(s.Entries)},
				record.Field{Name: "expired", Value: record.Int(s.Expired)},
				record.Field{Name: "bytes", Value: record.Int(s.Bytes)},
			)
			for v := enrich.Unknown; v <= enrich.Malicious; v++ {
				r.Append(v.String(), record.Int(s.Verdicts[v]))
			}
			r.Append("oldest", record.Time(s.OldestStored))
			r.Append("newest", record.Time(s.NewestStored))
			if !yield(r, nil) {
				return
			}
		}
	}
}
