package cli

import (
	"strconv"

	"github.com/spf13/cobra"

	"github.com/hunchsec/hunch/pipeline"
	"github.com/hunchsec/hunch/record"
)

// missingValue checks the --missing and --max-records flags the numeric-feature verbs share:
// nil when no stand-in value was given.
func missingValue(missing string, maxRecords int) (*float64, error) {
	if maxRecords < 1 {
		return nil, usagef("--max-records must be at least 1")
	}
	if missing == "" {
		return nil, nil
	}
	m, err := strconv.ParseFloat(missing, 64)
	if err != nil {
		return nil, usagef("--missing %q: want a number", missing)
	}
	return &m, nil
}

func newAnalyzeOutlierCmd(e *env) *cobra.Command {
	var (
		in            inputFlags
		o             pipeline.OutlierOptions
		train         string
		contamination string
		maxSamples    string
		missing       string
		seed          uint64
	)
	cmd := &cobra.Command{
		Use:   "outlier [FILE...]",
		Short: "Score records on numeric features with an Isolation Forest (scikit-learn's semantics)",
		Long: `outlier builds an Isolation Forest on the numeric --features of the records (or of --train,
to fit on a known-good baseline and score new data) and appends outlier_score — scikit-learn's
decision_function: below 0 is an outlier, lower is stranger — and outlier (true/false).
--contamination auto uses scikit-learn's offset of -0.5; a fraction such as 0.01 labels that
share of the training rows outliers. The same --seed gives the same forest.
Every record is held until the end: --max-records bounds them.`,
		Example: `  hunch analyze outlier --features bytes_out,bytes_in,duration --outliers conn.ndjson
  hunch analyze outlier --train last_month.ndjson --features logons,hosts,failures --contamination 0.01 today.ndjson`,
		RunE: func(_ *cobra.Command, files []string) error {
			if len(o.Features) == 0 {
				return usagef("--features is required (numeric fields, comma-separated)")
			}
			if contamination != "auto" {
				c, err := strconv.ParseFloat(contamination, 64)
				if err != nil || c <= 0 || c > 0.5 {
					return usagef("--contamination %q: want auto or a fraction in (0, 0.5]", contamination)
				}
				o.Forest.Contamination = c
			}
			if maxSamples != "auto" {
				n, err := strconv.Atoi(maxSamples)
				if err != nil || n < 1 {
					return usagef("--max-samples %q: want auto or a positive count", maxSamples)
				}
				o.Forest.MaxSamples = n
			}
			if o.Forest.NEstimators < 1 {
				return usagef("--trees must be at least 1")
			}
			if o.Forest.MaxFeatures <= 0 || o.Forest.MaxFeatures > 1 {
				return usagef("--max-features %v: want a fraction in (0, 1]", o.Forest.MaxFeatures)
			}
			var err error
			if o.Missing, err = missingValue(missing, o.MaxRecords); err != nil {
				return err
			}
			o.Forest.Seed = seed
			if train != "" {
				ts, _, err := e.inputs(&in, []string{train})
				if err != nil {
					return err
				}
				o.Train = ts
			}
			return e.transform(&in, files, func(s record.Stream) record.Stream {
				return pipeline.Outliers(e.ctx, s, o)
			})
		},
	}
	in.register(cmd)
	fl := cmd.Flags()
	fl.StringSliceVar(&o.Features, "features", nil, "numeric fields to score on, comma-separated (required)")
	fl.StringVar(&train, "train", "", "fit on this file and score the input (default: fit on the input)")
	fl.StringVar(&contamination, "contamination", "auto", "expected share of outliers: auto or a fraction in (0, 0.5]")
	fl.IntVar(&o.Forest.NEstimators, "trees", 100, "number of trees")
	fl.StringVar(&maxSamples, "max-samples", "auto", "rows drawn per tree: auto (min(256, rows)) or a count")
	fl.Float64Var(&o.Forest.MaxFeatures, "max-features", 1, "share of the features each tree may split on")
	fl.Uint64Var(&seed, "seed", 0, "random seed")
	fl.StringVar(&missing, "missing", "", "number to use for a missing or non-numeric feature (default: such a record is an error)")
	fl.BoolVar(&o.OnlyOutliers, "outliers", false, "only the records labelled outliers")
	fl.IntVar(&o.MaxRecords, "max-records", pipeline.DefaultMaxOutlierRecords, "most records held in memory (input and --train each)")
	return cmd
}
