package timeseries

import (
	"errors"
	"fmt"

	"github.com/hunchsec/hunch/record"
)

// AnalyzeOptions configure Analyze.
type AnalyzeOptions struct {
	// Records say how records become series (time and value fields, groups, interval, limits).
	Records RecordOptions
	// STL is the decomposition; start from DefaultOptions.
	STL Options
	// Threshold is the |score| at which a bucket is an anomaly (DefaultThreshold when 0).
	Threshold float64
	// OnlyAnomalies keeps only the flagged buckets.
	OnlyAnomalies bool
}

// Analyze buckets the records (see FromRecords), decomposes and scores every series (see
// Detect) and returns one record per bucket: time, the GroupBy fields, count (or sum when
// Records.ValueField is set), trend, seasonal, resid, weight, score and anomaly ("high", "low"
// or null), series after series. It holds every bucket of every series, bounded by the
// Records limits, because STL needs the whole series. skipped counts the records without a
// time or value. A span shorter than two periods is ErrShortSeries; no usable record is
// ErrNoEvents.
func Analyze(s record.Stream, o AnalyzeOptions) (out []record.Record, skipped int, err error) {
	if o.Threshold == 0 {
		o.Threshold = DefaultThreshold
	}
	if _, err := Score(nil, o.Threshold); err != nil {
		return nil, 0, err
	}
	if _, err := o.STL.resolve(); err != nil {
		return nil, 0, err
	}
	series, skipped, err := FromRecords(s, o.Records)
	if err != nil {
		return nil, skipped, err
	}
	valueName := "count"
	if o.Records.ValueField != "" {
		valueName = "sum"
	}
	for _, sr := range series {
		pts, err := Detect(sr, o.STL, o.Threshold)
		if errors.Is(err, ErrShortSeries) {
			return nil, skipped, fmt.Errorf("the events span %d buckets of %s and period %d needs at least %d: %w",
				len(sr.Values), sr.Interval, o.STL.Period, 2*o.STL.Period, ErrShortSeries)
		}
		if err != nil {
			return nil, skipped, err
		}
		for _, p := range pts {
			if o.OnlyAnomalies && p.Direction == "" {
				continue
			}
			out = append(out, p.record(o.Records.GroupBy, sr.Group, valueName))
		}
	}
	return out, skipped, nil
}

// record renders one scored bucket.
func (p Point) record(groupBy, group []string, valueName string) record.Record {
	var r record.Record
	r.Grow(9 + len(groupBy))
	r.Append("time", record.Time(p.Time))
	for i, f := range groupBy {
		r.Append(f, record.String(group[i]))
	}
	r.Append(valueName, record.Float(p.Value))
	r.Append("trend", record.Float(p.Trend))
	r.Append("seasonal", record.Float(p.Seasonal))
	r.Append("resid", record.Float(p.Resid))
	r.Append("weight", record.Float(p.Weight))
	r.Append("score", record.Float(p.Score))
	anomaly := record.Null()
	if p.Direction != "" {
		anomaly = record.String(string(p.Direction))
	}
	r.Append("anomaly", anomaly)
	return r
}
