package cli

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/hunchsec/hunch/analysis/timeseries"
)

func newAnalyzeTimeseriesCmd(e *env) *cobra.Command {
	var (
		in        inputFlags
		ro        timeseries.RecordOptions
		period    int
		seasonal  int
		robust    bool
		threshold float64
		onlyFlags bool
	)
	cmd := &cobra.Command{
		Use:   "timeseries [FILE...]",
		Short: "Find unusual event rates: STL decomposition of counts per interval, residuals scored both ways",
		Long: `timeseries counts the records per --interval (or sums --value-field), one series per value
of the --by fields, decomposes each series into trend, seasonal and residual parts with STL
(as statsmodels.tsa.seasonal.STL computes it; --period buckets make one season) and scores each
residual: score = (resid − median) / (1.4826 · MAD of the residuals). A bucket with
|score| >= --threshold is an anomaly: high (more events than trend and season predict) or low
(fewer, down to silence). Buckets without events count 0, and grouped series all cover the
span from the first event to the last.

It writes one record per bucket: time, the --by fields, count (or sum), trend, seasonal, resid,
weight (the robustness weight, 1 without --robust), score and anomaly (high, low or null);
--anomalies keeps only the flagged buckets. A series needs at least two periods of buckets.

--robust refits with bisquare weights (15 passes) so that outliers bend trend and season less,
but it tightens the fit around typical buckets, so more buckets reach the threshold; and a
burst that also pushed the same hour of neighbouring days off can end up in the seasonal part.
A longer --seasonal smoother (odd, e.g. 21 for three weeks of a daily cycle) spreads a burst's
pull on the neighbouring cycles thinner.`,
		Example: `  hunch analyze timeseries --anomalies sysmon.ndjson
  hunch analyze timeseries --by Computer --interval 15m --period 96 -o table logons.ndjson
  hunch analyze timeseries --value-field bytes_out --interval 1h --threshold 4 proxy.csv`,
		RunE: func(_ *cobra.Command, files []string) error {
			if ro.Interval <= 0 {
				return usagef("--interval %s: must be positive", ro.Interval)
			}
			if period < 2 {
				return usagef("--period %d: must be at least 2", period)
			}
			if seasonal < 3 || seasonal%2 == 0 {
				return usagef("--seasonal %d: must be an odd number of at least 3", seasonal)
			}
			if !(threshold > 0) {
				return usagef("--threshold %v: must be positive", threshold)
			}
			if ro.MaxBuckets < 1 || ro.MaxSeries < 1 || ro.MaxPoints < 1 {
				return usagef("--max-buckets, --max-series and --max-points must be at least 1")
			}
			ao := timeseries.AnalyzeOptions{Records: ro, STL: timeseries.DefaultOptions(period, robust), Threshold: threshold, OnlyAnomalies: onlyFlags}
			ao.STL.Seasonal = seasonal
			src, t, err := e.inputs(&in, files)
			if err != nil {
				return err
			}
			what := "a time"
			if ro.ValueField != "" {
				what = "a time and a number in " + ro.ValueField
			}
			recs, skipped, err := timeseries.Analyze(src, ao)
			switch {
			case errors.Is(err, timeseries.ErrNoEvents):
				return fmt.Errorf("no records with %s", what)
			case errors.Is(err, timeseries.ErrShortSeries):
				return fmt.Errorf("%w (use a shorter --interval or more data)", err)
			case err != nil:
				return err
			}
			if skipped > 0 {
				fmt.Fprintf(e.stderr, "hunch: %d record(s) without %s skipped\n", skipped, what)
			}
			w, err := e.writer()
			if err != nil {
				return err
			}
			for _, r := range recs {
				if err := w.Write(r); err != nil {
					return err
				}
			}
			if err := w.Close(); err != nil {
				return err
			}
			return t.done()
		},
	}
	in.register(cmd)
	fl := cmd.Flags()
	fl.StringVar(&ro.TimeField, "time-field", "", "time field (default: TimeCreated, UtcTime, @timestamp, _time or timestamp)")
	fl.DurationVar(&ro.Interval, "interval", timeseries.DefaultInterval, "bucket width")
	fl.IntVar(&period, "period", 24, "buckets in one seasonal cycle (24 for a daily cycle of hours)")
	fl.IntVar(&seasonal, "seasonal", 7, "length of the seasonal smoother in cycles (odd, at least 3)")
	fl.BoolVar(&robust, "robust", false, "robust STL: bisquare-weighted refits that outliers bend less")
	fl.Float64Var(&threshold, "threshold", timeseries.DefaultThreshold, "|score| at which a bucket is an anomaly")
	fl.StringVar(&ro.ValueField, "value-field", "", "sum this numeric field per bucket instead of counting records")
	fl.StringSliceVar(&ro.GroupBy, "by", nil, "one series per value of these fields (comma-separated)")
	fl.BoolVar(&onlyFlags, "anomalies", false, "only the buckets flagged high or low")
	fl.IntVar(&ro.MaxBuckets, "max-buckets", timeseries.DefaultMaxBuckets, "most buckets from the first event to the last")
	fl.IntVar(&ro.MaxSeries, "max-series", timeseries.DefaultMaxSeries, "most --by groups")
	fl.IntVar(&ro.MaxPoints, "max-points", timeseries.DefaultMaxPoints, "most buckets of all series together")
	return cmd
}
