package pipeline

import (
	"context"
	"errors"
	"fmt"

	"github.com/hunchsec/hunch/analysis/outlier"
	"github.com/hunchsec/hunch/record"
)

// Fields Outliers adds to each record.
const (
	FieldOutlierScore = "outlier_score" // sklearn's decision_function: below 0 is an outlier, lower is stranger
	FieldOutlier      = "outlier"       // true for the rows the forest labels outliers
)

// DefaultMaxOutlierRecords bounds the records Outliers holds in memory.
const DefaultMaxOutlierRecords = 2_000_000

// ErrTooManyRecords is returned when the input holds more records than a transform that reads
// all of them before writing any may hold.
var ErrTooManyRecords = errors.New("too many records")

// OutlierOptions configures Outliers.
type OutlierOptions struct {
	// Features are the numeric fields each row is made of (dotted names reach into objects).
	// Numbers, booleans (0/1) and strings that parse as numbers are accepted.
	Features []string
	// Missing, when not nil, stands in for a missing or non-numeric feature; when nil such a
	// record is an error naming it.
	Missing *float64
	// Forest configures the Isolation Forest (zero value: scikit-learn's defaults).
	Forest outlier.Options
	// Train, when not nil, is the set the forest is fitted on; otherwise it is fitted on the
	// input itself, as hunters usually do.
	Train record.Stream
	// OnlyOutliers drops the rows the forest labels inliers.
	OnlyOutliers bool
	// MaxRecords bounds the records held (in the input and in Train, each); default
	// DefaultMaxOutlierRecords.
	MaxRecords int
}

// Outliers reads every record of in, fits an Isolation Forest (package analysis/outlier) on
// Train or on in itself, and yields the records in their order with outlier_score and outlier
// appended. A record lacking a feature is an error unless Missing is set; errors in the input
// stream stop the transform, since the model cannot be built from part of the data.
func Outliers(ctx context.Context, in record.Stream, opts OutlierOptions) record.Stream {
	return func(yield func(record.Record, error) bool) {
		if len(opts.Features) == 0 {
			yield(record.Record{}, errors.New("outliers: no features given"))
			return
		}
		if opts.MaxRecords <= 0 {
			opts.MaxRecords = DefaultMaxOutlierRecords
		}
		recs, rows, err := featureRows(ctx, in, opts, true)
		if err != nil {
			yield(record.Record{}, err)
			return
		}
		if len(rows) == 0 {
			return
		}
		train := rows
		if opts.Train != nil {
			if _, train, err = featureRows(ctx, opts.Train, opts, false); err != nil {
				yield(record.Record{}, fmt.Errorf("training set: %w", err))
				return
			}
			if len(train) == 0 {
				yield(record.Record{}, errors.New("outliers: the training set is empty"))
				return
			}
		}
		f, err := outlier.Fit(train, opts.Forest)
		if err != nil {
			yield(record.Record{}, err)
			return
		}
		scores, err := f.DecisionFunction(rows)
		if err != nil {
			yield(record.Record{}, err)
			return
		}
		for i, rec := range recs {
			out := scores[i] < 0
			if opts.OnlyOutliers && !out {
				continue
			}
			rec.Append(FieldOutlierScore, record.Float(scores[i]))
			rec.Append(FieldOutlier, record.Bool(out))
			if !yield(rec, nil) {
				return
			}
		}
	}
}

// featureRows reads in into feature rows (and the records, when keep is set), each row made
// of the numeric fields features; a missing or non-numeric one is an error unless missing is set.
func featureRows(ctx context.Context, in record.Stream, opts OutlierOptions, keep bool) ([]record.Record, [][]float64, error) {
	return readRows(ctx, in, opts.MaxRecords, keep, "outliers", func(rec record.Record, n int) ([]float64, error) {
		return numericRow(rec, n, opts.Features, opts.Missing)
	})
}

// readRows reads every record of in into a row made by row, holding at most limit.
func readRows(ctx context.Context, in record.Stream, limit int, keep bool, what string,
	row func(rec record.Record, n int) ([]float64, error)) ([]record.Record, [][]float64, error) {
	var (
		recs []record.Record
		rows [][]float64
	)
	n := 0
	for rec, err := range in {
		if err != nil {
			return nil, nil, err
		}
		if canceled(ctx) {
			return nil, nil, ctx.Err()
		}
		n++
		if len(rows) >= limit {
			return nil, nil, fmt.Errorf("%s: %w: more than %d (raise the limit or sample the input)", what, ErrTooManyRecords, limit)
		}
		r, err := row(rec, n)
		if err != nil {
			return nil, nil, fmt.Errorf("%s: %w", what, err)
		}
		rows = append(rows, r)
		if keep {
			recs = append(recs, rec)
		}
	}
	return recs, rows, nil
}

// numericRow reads the numeric fields of record n.
func numericRow(rec record.Record, n int, features []string, missing *float64) ([]float64, error) {
	row := make([]float64, len(features))
	for j, name := range features {
		v, ok := lookup(rec, name)
		x, num := v.Number()
		if !ok || !num {
			if missing == nil {
				what := "is missing"
				if ok {
					what = fmt.Sprintf("is not a number (%.40q)", v.Text())
				}
				return nil, fmt.Errorf("record %d: field %q %s (give a value for missing features to use such records anyway)", n, name, what)
			}
			x = *missing
		}
		row[j] = x
	}
	return row, nil
}
