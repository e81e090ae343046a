package cli

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/hunchsec/hunch/intel"
	"github.com/hunchsec/hunch/record"
)

// newIntelWarninglistCmd is `hunch intel warninglist`: the installed warninglists, which of them are enabled, and
// which of them values hit.
func newIntelWarninglistCmd(e *env) *cobra.Command {
	var db string
	cmd := &cobra.Command{
		Use:   "warninglist",
		Short: "List, enable, disable and check MISP warninglists",
		Long: `warninglist works on the warninglists 'hunch intel update' installed: list shows them, enable and
disable pick which are in force (for restSearch's enforceWarninglist, freetext import, the hits flagged
on event views and imports), check says which enabled lists values hit. Lists are named by id or by name
(with % as a wildcard, as MISP's toggleEnable takes them).`,
		Example: `  hunch intel warninglist list --enabled
  hunch intel warninglist enable 'List of known google%' 12
  hunch intel warninglist check 8.8.8.8 example.com`,
	}
	cmd.PersistentFlags().StringVar(&db, "db", "", "postgres:// URL of the intel store (default: SQLite in the data directory)")

	var enabledOnly bool
	var search string
	list := &cobra.Command{
		Use:   "list",
		Short: "List the installed warninglists",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return e.withIntel(db, func(svc *intel.Service) error {
				q := intel.WarninglistQuery{Value: search}
				if enabledOnly {
					q.Enabled = &enabledOnly
				}
				lists, err := svc.Warninglists(e.ctx, intel.System, q)
				if err != nil {
					return err
				}
				slices.SortFunc(lists, func(a, b intel.Warninglist) int { return cmp.Compare(a.ID, b.ID) })
				w, err := e.writer()
				if err != nil {
					return err
				}
				for _, l := range lists {
					r := record.New(
						record.Field{Name: "id", Value: record.Int(l.ID)},
						record.Field{Name: "name", Value: record.String(l.Name)},
						record.Field{Name: "type", Value: record.String(l.Type)},
						record.Field{Name: "entries", Value: record.Int(int64(l.EntryCount))},
						record.Field{Name: "enabled", Value: record.Bool(l.Enabled)},
						record.Field{Name: "version", Value: record.Int(l.Version)},
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
	list.Flags().BoolVar(&enabledOnly, "enabled", false, "only the enabled lists")
	list.Flags().StringVar(&search, "search", "", "only lists whose name or description contains this, or whose type is it")

	toggle := func(use, short string, on bool) *cobra.Command {
		return &cobra.Command{
			Use:   use + " LIST…",
			Short: short,
			Args:  cobra.MinimumNArgs(1),
			RunE: func(cmd *cobra.Command, args []string) error {
				var ids []int64
				var names []string
				for _, a := range args {
					if id, err := strconv.ParseInt(a, 10, 64); err == nil {
						ids = append(ids, id)
					} else {
						names = append(names, a)
					}
				}
				return e.withIntel(db, func(svc *intel.Service) error {
					var done intel.WarninglistToggle
					for _, sel := range []struct {
						ids   []int64
						names []string
					}{{ids, nil}, {nil, names}} {
						if len(sel.ids) == 0 && len(sel.names) == 0 {
							continue
						}
						t, err := svc.SetWarninglistsEnabled(e.ctx, intel.System, sel.ids, sel.names, &on)
						if err != nil {
							return fmt.Errorf("%s %s: %w", use, strings.Join(args, " "), err)
						}
						done.Count += t.Count
					}
					fmt.Fprintf(e.stderr, "%d warninglist(s) %sd\n", done.Count, use)
					return nil
				})
			},
		}
	}

	check := &cobra.Command{
		Use:   "check VALUE…",
		Short: "Say which enabled warninglists values hit",
		Long: `check prints one record per (value, list) hit: the value, the list's id and name, and the entry that
matched. Values that hit nothing print nothing; every list applies, whatever its attribute types, as
MISP's warninglists/checkValue.`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return e.withIntel(db, func(svc *intel.Service) error {
				hits, err := svc.CheckValue(e.ctx, intel.System, args)
				if err != nil {
					return err
				}
				w, err := e.writer()
				if err != nil {
					return err
				}
				for _, vh := range hits {
					for _, h := range vh.Hits {
						r := record.New(
							record.Field{Name: "value", Value: record.String(vh.Value)},
							record.Field{Name: "id", Value: record.Int(h.ID)},
							record.Field{Name: "list", Value: record.String(h.Name)},
							record.Field{Name: "matched", Value: record.String(h.Matched)},
						)
						if err := w.Write(r); err != nil {
							w.Close()
							return err
						}
					}
				}
				return w.Close()
			})
		},
	}
	cmd.AddCommand(list, toggle("enable", "Enable warninglists", true), toggle("disable", "Disable warninglists", false), check)
	return cmd
}
