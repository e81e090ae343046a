package cli

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/hunchsec/hunch/enrich/geoip"
	"github.com/hunchsec/hunch/report"
)

func newReportCmd(e *env) *cobra.Command {
	var (
		in        inputFlags
		opts      report.Options
		heatmap   string
		geoFiles  []string
		entities  []string
		notRobust bool
	)
	cmd := &cobra.Command{
		Use:   "report [FILE...]",
		Short: "Write a self-contained HTML report of records: timeline, process trees, series, map, entity graph, heatmap, table",
		Long: `report reads records (NDJSON, CSV, JSON, EVTX, ...) and writes one HTML file that opens offline
in any browser — its scripts, styles and the world outline are inside it — with seven views:
an event timeline (zoomable, lanes by host or event type), the process trees of process-creation
events (risky command lines highlighted when the records carry cmdline_score, e.g. from
'hunch analyze cmdline'), the event counts per interval, a map of the IP addresses the records
locate (lat/lon fields, prefixed forms such as dst_ip_lat, or --geoip databases), an entity
graph (hosts, accounts, processes, IPs, domains seen in the same record), a heatmap of two fields
and a sortable, filterable table (--columns).

-o names the HTML file (default: standard output). Heatmap fields are record fields or host, type,
hour, weekday, date. --entity KIND=FIELD,... replaces the fields an entity kind (host, account,
process, ip, domain) is read from.`,
		Example: `  hunch report examples/events.ndjson -o report.html
  hunch analyze cmdline logs/*.evtx | hunch report --title "WS01, 14 March" --group-by type -o ws01.html
  hunch report conn.ndjson --geoip GeoLite2-City.mmdb --heatmap hour,id.resp_h --columns ts,id.orig_h,id.resp_h -o conn.html`,
		RunE: func(_ *cobra.Command, files []string) error {
			out := e.output
			switch out {
			case "table", "json", "ndjson", "csv", "text":
				return usagef("-o %s: report writes HTML; -o names the file to write", out)
			}
			if heatmap != "" {
				x, y, ok := strings.Cut(heatmap, ",")
				if !ok || strings.TrimSpace(x) == "" || strings.TrimSpace(y) == "" || strings.Contains(y, ",") {
					return usagef("--heatmap %q: want two fields, X,Y", heatmap)
				}
				opts.HeatmapX, opts.HeatmapY = strings.TrimSpace(x), strings.TrimSpace(y)
			}
			if opts.GroupBy != "host" && opts.GroupBy != "type" {
				return usagef("--group-by %q: want host or type", opts.GroupBy)
			}
			if opts.Interval < 0 {
				return usagef("--interval must not be negative")
			}
			for _, n := range []struct {
				name string
				v    int
			}{{"--max-records", opts.MaxRecords}, {"--max-rows", opts.MaxRows}, {"--max-nodes", opts.MaxNodes}} {
				if n.v <= 0 {
					return usagef("%s must be positive", n.name)
				}
			}
			if len(entities) > 0 {
				opts.Entities = map[string][]string{}
				for _, s := range entities {
					kind, fields, ok := strings.Cut(s, "=")
					if !ok || fields == "" {
						return usagef("--entity %q: want KIND=FIELD[,FIELD...]", s)
					}
					opts.Entities[kind] = strings.Split(fields, ",")
				}
			}
			opts.Columns = e.columns
			if !(opts.AnomalyZ > 0) {
				return usagef("--threshold must be positive")
			}
			opts.Decompose = report.STL(!notRobust, 0)
			db, err := e.reportGeoDB(geoFiles)
			if err != nil {
				return err
			}
			if db != nil {
				defer db.Close()
				opts.GeoIP = db
			}
			src, t, err := e.inputs(&in, files)
			if err != nil {
				return err
			}
			data, err := report.Build(src, opts)
			if err != nil {
				if strings.HasPrefix(err.Error(), "entity kind") {
					return usageError{err}
				}
				return err
			}
			if data.Skipped > 0 {
				fmt.Fprintf(e.stderr, "hunch: warning: the report holds the first %d records; %d more were left out (--max-records)\n", data.Records, data.Skipped)
			}
			if err := writeReport(out, e.stdout, data, opts); err != nil {
				return err
			}
			return t.done()
		},
	}
	in.register(cmd)
	fl := cmd.Flags()
	fl.StringVar(&opts.Title, "title", "", "title of the report (default \"hunch report\")")
	fl.StringVar(&opts.GroupBy, "group-by", "host", "timeline lanes: host or type")
	fl.StringVar(&heatmap, "heatmap", "", "the heatmap's two fields, X,Y (default hour,host)")
	fl.StringArrayVar(&geoFiles, "geoip", nil, "MaxMind-format database (.mmdb) to locate IP addresses with; repeatable (default: the configured GeoIP databases)")
	fl.DurationVar(&opts.Interval, "interval", 0, "bucket width of the event-count series, e.g. 5m or 1h (default: chosen from the time span)")
	fl.StringArrayVar(&entities, "entity", nil, "fields an entity kind is read from, KIND=FIELD,... (kinds: host, account, process, ip, domain); repeatable")
	fl.IntVar(&opts.MaxRecords, "max-records", report.DefaultMaxRecords, "read at most this many records; the rest are counted and left out")
	fl.IntVar(&opts.MaxRows, "max-rows", report.DefaultMaxRows, "records the table holds at most")
	fl.IntVar(&opts.MaxNodes, "max-nodes", report.DefaultMaxNodes, "entities the graph shows at most (the most frequent)")
	fl.Float64Var(&opts.AnomalyZ, "threshold", 5, "robust z-score of an STL residual that marks an anomaly (either direction)")
	fl.BoolVar(&notRobust, "no-robust", false, "plain STL instead of robust STL for the series view (robust keeps a burst from bending the trend and season)")
	return cmd
}

// reportGeoDB opens the --geoip files, or else the configured GeoIP databases (nil when there are none).
func (e *env) reportGeoDB(files []string) (*geoip.DB, error) {
	if len(files) > 0 {
		db, err := geoip.Open(files...)
		if err != nil {
			return nil, fmt.Errorf("opening --geoip: %w", err)
		}
		return db, nil
	}
	db, err := e.geoDB()
	if err != nil {
		return nil, fmt.Errorf("opening GeoIP databases: %w", err)
	}
	return db, nil
}

// writeReport renders the report to the named file (written aside and renamed, so a failure leaves no half
// file), or to stdout when name is "" or "-".
func writeReport(name string, stdout io.Writer, data report.Data, opts report.Options) error {
	if name == "" || name == "-" {
		w := bufio.NewWriter(stdout)
		if err := report.Render(w, data, opts); err != nil {
			return err
		}
		return w.Flush()
	}
	f, err := os.CreateTemp(filepath.Dir(name), "."+filepath.Base(name)+".*")
	if err != nil {
		return fmt.Errorf("writing report: %w", err)
	}
	defer os.Remove(f.Name())
	w := bufio.NewWriter(f)
	if err := report.Render(w, data, opts); err != nil {
		f.Close()
		return err
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return fmt.Errorf("writing report: %w", err)
	}
	if err := f.Chmod(0o644); err != nil {
		f.Close()
		return fmt.Errorf("writing report: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("writing report: %w", err)
	}
	if err := os.Rename(f.Name(), name); err != nil {
		return fmt.Errorf("writing report: %w", err)
	}
	return nil
}
