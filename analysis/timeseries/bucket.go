package timeseries

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/hunchsec/hunch/record"
)

// Defaults for bucketing.
const (
	// DefaultInterval is the width of a bucket.
	DefaultInterval = time.Hour
	// DefaultMaxBuckets bounds the buckets of one series (about 11 years of hours).
	DefaultMaxBuckets = 100_000
	// DefaultMaxSeries bounds the number of groups FromRecords keeps.
	DefaultMaxSeries = 10_000
	// DefaultMaxPoints bounds the buckets of all series together (80 MB of float64).
	DefaultMaxPoints = 10_000_000
)

// ErrTooManyBuckets is returned when the events span more buckets than allowed.
var ErrTooManyBuckets = errors.New("too many buckets")

// ErrNoEvents is returned when there is nothing to bucket.
var ErrNoEvents = errors.New("no events")

// inRange reports whether t has a UnixNano: times from 1678 to 2261 do; others are refused
// rather than wrapped.
func inRange(t time.Time) bool {
	y := t.Year()
	return y > 1678 && y < 2262
}

// span tracks the first and last bucket seen and refuses spans beyond max buckets.
type span struct {
	interval int64
	max      int
	lo, hi   int64
	seen     bool
}

// index returns the bucket of t: floor(UnixNano / interval), so buckets align to the Unix
// epoch (whole hours, days at UTC midnight).
func (s *span) index(t time.Time) (int64, error) {
	if !inRange(t) {
		return 0, fmt.Errorf("time %s out of range", t.Format(time.RFC3339))
	}
	ns := t.UnixNano()
	i := ns / s.interval
	if ns%s.interval < 0 {
		i--
	}
	lo, hi := i, i
	if s.seen {
		lo, hi = min(s.lo, i), max(s.hi, i)
	}
	if hi-lo+1 > int64(s.max) {
		return 0, fmt.Errorf("events from %s to %s span %d buckets of %s, more than %d: %w",
			time.Unix(0, lo*s.interval).UTC().Format(time.RFC3339), time.Unix(0, hi*s.interval).UTC().Format(time.RFC3339),
			hi-lo+1, time.Duration(s.interval), s.max, ErrTooManyBuckets)
	}
	s.lo, s.hi, s.seen = lo, hi, true
	return i, nil
}

func (s *span) start() time.Time { return time.Unix(0, s.lo*s.interval).UTC() }
func (s *span) len() int         { return int(s.hi - s.lo + 1) }

func checkBucketArgs(interval time.Duration, maxBuckets int) error {
	if interval <= 0 {
		return fmt.Errorf("interval %s: must be positive", interval)
	}
	if maxBuckets < 1 {
		return fmt.Errorf("max buckets %d: must be at least 1", maxBuckets)
	}
	return nil
}

// Bucket counts times per interval, or sums values per interval when values is not nil (it
// must then be as long as times). Buckets align to the Unix epoch; start is the first bucket's
// start (UTC), and buckets without events are 0. More than maxBuckets buckets between the first
// and last event is ErrTooManyBuckets; no times is ErrNoEvents.
func Bucket(times []time.Time, values []float64, interval time.Duration, maxBuckets int) (time.Time, []float64, error) {
	if err := checkBucketArgs(interval, maxBuckets); err != nil {
		return time.Time{}, nil, err
	}
	if values != nil && len(values) != len(times) {
		return time.Time{}, nil, fmt.Errorf("%d values for %d times", len(values), len(times))
	}
	if len(times) == 0 {
		return time.Time{}, nil, ErrNoEvents
	}
	sp := span{interval: int64(interval), max: maxBuckets}
	idx := make([]int64, len(times))
	for i, t := range times {
		var err error
		if idx[i], err = sp.index(t); err != nil {
			return time.Time{}, nil, err
		}
	}
	counts := make([]float64, sp.len())
	for i, b := range idx {
		v := 1.0
		if values != nil {
			v = values[i]
		}
		counts[b-sp.lo] += v
	}
	return sp.start(), counts, nil
}

// RecordOptions say how FromRecords turns records into series. Zero values take the defaults.
type RecordOptions struct {
	// TimeField names the event time (dotted names reach into objects). Empty tries
	// TimeCreated, UtcTime, @timestamp, _time and timestamp, as the pipeline does.
	TimeField string
	// ValueField, when set, is summed per bucket instead of counting records.
	ValueField string
	// GroupBy fields make one series per distinct combination of their values.
	GroupBy []string
	// Interval is the bucket width (default DefaultInterval).
	Interval time.Duration
	// MaxBuckets bounds the span of the series in buckets (default DefaultMaxBuckets).
	MaxBuckets int
	// MaxSeries bounds the number of groups (default DefaultMaxSeries).
	MaxSeries int
	// MaxPoints bounds the buckets of all series together (default DefaultMaxPoints).
	MaxPoints int
}

// Series is a regular series of per-bucket counts or sums.
type Series struct {
	// Group holds the values of RecordOptions.GroupBy for this series (nil without grouping).
	Group []string
	// Start is the start of the first bucket (UTC) and Interval the bucket width.
	Start    time.Time
	Interval time.Duration
	// Values holds one count or sum per bucket.
	Values []float64
}

// Time returns the start of bucket i.
func (s Series) Time(i int) time.Time { return s.Start.Add(time.Duration(i) * s.Interval) }

// FromRecords buckets a stream of records into one series per group. All series cover the same
// buckets, from the first event of any group to the last, so that a group silent for most of
// that span shows as zeros. Records without a usable time, or without a finite number in
// ValueField, are skipped and counted in skipped. Groups come out sorted by their values.
func FromRecords(s record.Stream, o RecordOptions) (series []Series, skipped int, err error) {
	if o.Interval == 0 {
		o.Interval = DefaultInterval
	}
	if o.MaxBuckets == 0 {
		o.MaxBuckets = DefaultMaxBuckets
	}
	if o.MaxSeries == 0 {
		o.MaxSeries = DefaultMaxSeries
	}
	if o.MaxPoints == 0 {
		o.MaxPoints = DefaultMaxPoints
	}
	if err := checkBucketArgs(o.Interval, o.MaxBuckets); err != nil {
		return nil, 0, err
	}
	if o.MaxSeries < 1 || o.MaxPoints < 1 {
		return nil, 0, fmt.Errorf("max series %d and max points %d: must be at least 1", o.MaxSeries, o.MaxPoints)
	}
	type group struct {
		vals []string
		sums map[int64]float64
	}
	groups := map[string]*group{}
	sp := span{interval: int64(o.Interval), max: o.MaxBuckets}
	for r, err := range s {
		if err != nil {
			return nil, skipped, err
		}
		t, ok := r.EventTime(o.TimeField)
		if !ok || !inRange(t) {
			skipped++
			continue
		}
		v := 1.0
		if o.ValueField != "" {
			if v, ok = number(r, o.ValueField); !ok {
				skipped++
				continue
			}
		}
		vals := make([]string, len(o.GroupBy))
		for i, f := range o.GroupBy {
			if x, ok := r.Lookup(f); ok {
				vals[i] = x.Text()
			}
		}
		key := strings.Join(vals, "\x00")
		g := groups[key]
		if g == nil {
			if len(groups) == o.MaxSeries {
				return nil, skipped, fmt.Errorf("more than %d groups of %s", o.MaxSeries, strings.Join(o.GroupBy, ","))
			}
			g = &group{vals: vals, sums: map[int64]float64{}}
			groups[key] = g
		}
		i, err := sp.index(t)
		if err != nil {
			return nil, skipped, err
		}
		g.sums[i] += v
	}
	if len(groups) == 0 {
		return nil, skipped, ErrNoEvents
	}
	if n := len(groups) * sp.len(); n > o.MaxPoints {
		return nil, skipped, fmt.Errorf("%d series of %d buckets are %d points, more than %d: %w", len(groups), sp.len(), n, o.MaxPoints, ErrTooManyBuckets)
	}
	keys := make([]string, 0, len(groups))
	for k := range groups {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		g := groups[k]
		vals := make([]float64, sp.len())
		for i, v := range g.sums {
			vals[i-sp.lo] = v
		}
		if o.GroupBy == nil {
			g.vals = nil
		}
		series = append(series, Series{Group: g.vals, Start: sp.start(), Interval: o.Interval, Values: vals})
	}
	return series, skipped, nil
}

// number reads a finite number from a field (record.Value.Number).
func number(r record.Record, field string) (float64, bool) {
	v, ok := r.Lookup(field)
	if !ok {
		return 0, false
	}
	return v.Number()
}
