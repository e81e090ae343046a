package cli

import (
	"strings"

	"github.com/spf13/cobra"

	"github.com/hunchsec/hunch/analysis/cluster"
	"github.com/hunchsec/hunch/pipeline"
	"github.com/hunchsec/hunch/record"
)

func newAnalyzeClusterCmd(e *env) *cobra.Command {
	var (
		in      inputFlags
		o       pipeline.ClusterOptions
		scale   string
		missing string
	)
	cmd := &cobra.Command{
		Use:   "cluster [FILE...]",
		Short: "Group alike events with DBSCAN (process-event features as msticpy builds them, or numeric fields)",
		Long: `cluster builds a row of features for every event, clusters the rows with DBSCAN (scikit-learn's
semantics: --eps radius, --min-samples points with the point itself, border points to the first
cluster reaching them, noise -1) and appends cluster_id and cluster_size to each event; --summary
writes one record per cluster instead — its size, first and last time, and the representative
event (the one nearest the cluster's mean) — largest first, every noise event after them. The
events that cluster with nothing are the ones to read.

Features (--features) are numeric fields of the records, or process features computed from each
event's process path (NewProcessName, Image), command line and logon id, named as msticpy's
add_process_features names them: ` + strings.Join(cluster.FeatureNames(), ", ") + `.
The default is msticpy's example set: ` + strings.Join(cluster.DefaultFeatures, ", ") + `, standardised.
Every event is held until the end: --max-records bounds them.`,
		Example: `  hunch analyze cluster --summary -o table --columns cluster_id,cluster_size,Computer,CommandLine Security.evtx
  hunch analyze cluster --features bytes_out,duration,dest_port --eps 0.3 --min-samples 10 conn.ndjson`,
		RunE: func(_ *cobra.Command, files []string) error {
			if !(o.DBSCAN.Eps > 0) {
				return usagef("--eps must be positive")
			}
			if o.DBSCAN.MinSamples < 1 {
				return usagef("--min-samples must be at least 1")
			}
			o.Scale = cluster.Scaling(scale)
			if err := cluster.Scale(nil, o.Scale); err != nil {
				return usageError{err}
			}
			var err error
			if o.Missing, err = missingValue(missing, o.MaxRecords); err != nil {
				return err
			}
			return e.transform(&in, files, func(s record.Stream) record.Stream {
				return pipeline.Clusters(e.ctx, s, o)
			})
		},
	}
	in.register(cmd)
	fl := cmd.Flags()
	fl.StringSliceVar(&o.Features, "features", cluster.DefaultFeatures, "process features or numeric fields, comma-separated")
	fl.Float64Var(&o.DBSCAN.Eps, "eps", 0.5, "neighbourhood radius (after scaling)")
	fl.IntVar(&o.DBSCAN.MinSamples, "min-samples", 2, "points a neighbourhood needs, the point itself included, for a core point")
	fl.StringVar(&scale, "scale", "standardize", "scaling of the features first: standardize, normalize (rows to unit length, as msticpy) or none")
	fl.BoolVar(&o.Summary, "summary", false, "one record per cluster: size, first and last time, representative event")
	fl.StringVar(&missing, "missing", "", "number to use for a missing or non-numeric field (default: such a record is an error)")
	fl.IntVar(&o.MaxRecords, "max-records", pipeline.DefaultMaxOutlierRecords, "most records held in memory")
	return cmd
}
