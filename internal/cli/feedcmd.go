package cli

import (
	"fmt"
	"path/filepath"
	"strconv"

	"github.com/spf13/cobra"

	"github.com/hunchsec/hunch/intel"
	"github.com/hunchsec/hunch/misp"
	"github.com/hunchsec/hunch/record"
)

// newIntelFeedCmd is `hunch intel feed`: MISP's feeds — list them, add one (or MISP's default list), fetch them
// into events, cache their values for feed hits.
func newIntelFeedCmd(e *env) *cobra.Command {
	var db, localDir string
	cmd := &cobra.Command{
		Use:   "feed",
		Short: "List, add, fetch and cache MISP feeds",
		Long: `feed works on MISP's feeds: list shows them, add stores one (or, with --defaults, MISP's default list that
'hunch intel update --only feeds' installed), fetch imports feeds into events (a MISP feed's new and newer
events, a freetext or CSV feed's values into its event), cache indexes their values for the feed hits of
events/view and restSearch with includeFeedCorrelations, without importing anything. The server does both
on its own every --feeds-every.`,
		Example: `  hunch intel feed add --name botvrij --format misp --url https://www.botvrij.eu/data/feed-osint
  hunch intel feed add --name blocklist --format freetext --local --url blocklist.txt
  hunch intel feed fetch 1
  hunch intel feed cache all`,
	}
	pf := cmd.PersistentFlags()
	pf.StringVar(&db, "db", "", "postgres:// URL of the intel store (default: SQLite in the data directory)")
	pf.StringVar(&localDir, "feeds-dir", "", `only directory local feeds are read from (default: the data directory's feeds/; "-": none)`)
	with := func(fn func(svc *intel.Service) error) error {
		return e.withIntel(db, func(svc *intel.Service) error {
			svc.SetFeedOptions(intel.FeedOptions{LocalDir: e.feedsDir(localDir)})
			return fn(svc)
		})
	}

	list := &cobra.Command{
		Use:   "list",
		Short: "List the feeds",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return with(func(svc *intel.Service) error {
				feeds, err := svc.Feeds(e.ctx, intel.System)
				if err != nil {
					return err
				}
				w, err := e.writer()
				if err != nil {
					return err
				}
				for _, f := range feeds {
					r := record.New(
						record.Field{Name: "id", Value: record.Int(int64(f.ID))},
						record.Field{Name: "name", Value: record.String(f.Name)},
						record.Field{Name: "provider", Value: record.String(f.Provider)},
						record.Field{Name: "format", Value: record.String(f.SourceFormat)},
						record.Field{Name: "input", Value: record.String(f.InputSource)},
						record.Field{Name: "url", Value: record.String(f.URL)},
						record.Field{Name: "enabled", Value: record.Bool(bool(f.Enabled))},
						record.Field{Name: "caching", Value: record.Bool(bool(f.CachingEnabled))},
						record.Field{Name: "cached", Value: record.Int(int64(f.CacheTimestamp))},
					)
					if err := w.Write(r); err != nil {
						w.Close()
						return err
					}
				}
				return w.Close()
			})
		},
	}

	var (
		f                                             misp.Feed
		local, defaults, disabled                     bool
		dist, columns, delimiter, exclude, inputFlags string
	)
	add := &cobra.Command{
		Use:   "add",
		Short: "Add a feed, or MISP's default feeds with --defaults",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return with(func(svc *intel.Service) error {
				if defaults {
					n, err := svc.LoadDefaultFeeds(e.ctx, intel.System)
					if err != nil {
						return err
					}
					fmt.Fprintf(e.stderr, "%d default feed(s) added (disabled; enable them with the API or add your own)\n", n)
					return nil
				}
				f.Enabled = misp.FlexBool(!disabled)
				if local {
					f.InputSource = misp.FeedInputLocal
				}
				if dist != "" {
					d, ok := misp.DistributionOf(atoiOr(dist, -1))
					if !ok {
						return usagef("--distribution %q: want 0 to 5", dist)
					}
					f.Distribution = d
				}
				f.Settings.CSV.Value, f.Settings.CSV.Delimiter, f.Settings.Common.ExcludeRegex = columns, delimiter, exclude
				f.Headers = inputFlags
				if err := svc.AddFeed(e.ctx, intel.System, &f, map[string]bool{"fixed_event": cmd.Flags().Changed("fixed-event")}); err != nil {
					return err
				}
				fmt.Fprintf(e.stderr, "feed %d added: %s\n", f.ID, f.Name)
				return nil
			})
		},
	}
	af := add.Flags()
	af.StringVar(&f.Name, "name", "", "name of the feed")
	af.StringVar(&f.Provider, "provider", "", "who provides it (default: the name)")
	af.StringVar(&f.URL, "url", "", "http(s) URL, or with --local a path under the local feed directory")
	af.StringVar(&f.SourceFormat, "format", misp.FeedFormatFreetext, "misp, freetext or csv")
	af.BoolVar(&local, "local", false, "read the feed from the local feed directory")
	af.BoolVar(&disabled, "disabled", false, "add it disabled (not fetched)")
	af.BoolVar((*bool)(&f.CachingEnabled), "caching", false, "cache its values for feed hits")
	af.BoolVar((*bool)(&f.FixedEvent), "fixed-event", true, "freetext and csv: one event for the feed, updated on each fetch")
	af.BoolVar((*bool)(&f.DeltaMerge), "delta-merge", false, "with --fixed-event: delete values gone from the feed")
	af.BoolVar((*bool)(&f.OverrideIDs), "override-ids", false, "set to_ids off on every value")
	af.BoolVar((*bool)(&f.LookupVisible), "lookup-visible", false, "show its hits to users who are not site admins")
	af.StringVar(&dist, "distribution", "", "distribution of its events, 0-5 (default 0)")
	af.StringVar(&columns, "csv-columns", "", "csv: 1-based columns holding values, comma-separated (default 1)")
	af.StringVar(&delimiter, "csv-delimiter", ",", "csv: field delimiter")
	af.StringVar(&exclude, "exclude", "", "freetext and csv: regular expression of lines to skip, e.g. /^#/")
	af.StringVar(&inputFlags, "headers", "", `HTTP headers sent with each request, "Name: value" per line`)
	af.BoolVar(&defaults, "defaults", false, "add MISP's default feeds instead (installed by 'hunch intel update --only feeds')")

	var all bool
	fetch := &cobra.Command{
		Use:   "fetch [ID…]",
		Short: "Fetch feeds into events",
		RunE: func(cmd *cobra.Command, args []string) error {
			if all == (len(args) > 0) {
				return usagef("name feed ids or --all")
			}
			return with(func(svc *intel.Service) error {
				if all {
					n, err := svc.FetchFeeds(e.ctx, intel.System)
					if err != nil {
						return err
					}
					fmt.Fprintf(e.stderr, "%d feed(s) fetched\n", n)
					return nil
				}
				for _, a := range args {
					id, err := strconv.ParseInt(a, 10, 64)
					if err != nil {
						return usagef("feed id %q: not a number", a)
					}
					r, err := svc.FetchFeed(e.ctx, intel.System, id)
					if err != nil {
						return err
					}
					fmt.Fprintf(e.stderr, "feed %d: %d event(s) added, %d updated, %d unchanged; %d value(s) new, %d removed\n",
						id, r.Added, r.Updated, r.Unchanged, r.New, r.Removed)
				}
				return nil
			})
		},
	}
	fetch.Flags().BoolVar(&all, "all", false, "fetch every enabled feed")

	cache := &cobra.Command{
		Use:   "cache ID|all|freetext|misp",
		Short: "Cache the values of feeds for feed hits, without importing them",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return with(func(svc *intel.Service) error {
				if id, err := strconv.ParseInt(args[0], 10, 64); err == nil {
					n, err := svc.CacheFeed(e.ctx, intel.System, id)
					if err != nil {
						return err
					}
					fmt.Fprintf(e.stderr, "feed %d: %d value(s) cached\n", id, n)
					return nil
				}
				n, err := svc.CacheFeeds(e.ctx, intel.System, args[0])
				if err != nil {
					return err
				}
				fmt.Fprintf(e.stderr, "%d feed(s) cached\n", n)
				return nil
			})
		},
	}
	cmd.AddCommand(list, add, fetch, cache)
	return cmd
}

// atoiOr is s as a number, or def.
func atoiOr(s string, def int) int {
	n, err := strconv.Atoi(s)
	if err != nil {
		return def
	}
	return n
}

// feedsDir is the directory local feeds are read from: the flag's value, or else the data directory's feeds/.
func (e *env) feedsDir(flag string) string {
	if flag != "" {
		return flag
	}
	return filepath.Join(e.dataDir(), "feeds")
}
