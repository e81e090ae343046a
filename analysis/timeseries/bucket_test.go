package timeseries

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hunchsec/hunch/record"
)

var t0 = time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)

func at(d time.Duration) time.Time { return t0.Add(d) }

func TestBucket(t *testing.T) {
	for _, tc := range []struct {
		name      string
		times     []time.Time
		values    []float64
		interval  time.Duration
		max       int
		start     time.Time
		want      []float64
		wantErr   error
		errSubstr string
	}{
		{name: "counts with empty buckets", interval: time.Hour, max: 10,
			times: []time.Time{at(5 * time.Minute), at(59 * time.Minute), at(3*time.Hour + time.Second), at(10 * time.Minute)},
			start: t0, want: []float64{3, 0, 0, 1}},
		{name: "sums", interval: time.Hour, max: 10,
			times: []time.Time{at(time.Minute), at(time.Hour), at(2 * time.Minute)}, values: []float64{2.5, 4, -1},
			start: t0, want: []float64{1.5, 4}},
		{name: "aligned to the epoch, not the first event", interval: 15 * time.Minute, max: 10,
			times: []time.Time{at(20 * time.Minute), at(31 * time.Minute)}, start: at(15 * time.Minute), want: []float64{1, 1}},
		{name: "zones normalised", interval: time.Hour, max: 10,
			times: []time.Time{t0.In(time.FixedZone("x", 5*3600)), at(time.Hour).In(time.FixedZone("y", -3*3600))},
			start: t0, want: []float64{1, 1}},
		{name: "before 1970", interval: 24 * time.Hour, max: 10,
			times: []time.Time{time.Date(1969, 12, 31, 23, 0, 0, 0, time.UTC)}, start: time.Date(1969, 12, 31, 0, 0, 0, 0, time.UTC), want: []float64{1}},
		{name: "exactly max buckets", interval: time.Hour, max: 4,
			times: []time.Time{at(0), at(3*time.Hour + 59*time.Minute)}, start: t0, want: []float64{1, 0, 0, 1}},
		{name: "one over max buckets", interval: time.Hour, max: 4,
			times: []time.Time{at(0), at(4 * time.Hour)}, wantErr: ErrTooManyBuckets},
		{name: "no events", interval: time.Hour, max: 4, wantErr: ErrNoEvents},
		{name: "values mismatch", interval: time.Hour, max: 4, times: []time.Time{t0}, values: []float64{1, 2}, errSubstr: "2 values for 1 times"},
		{name: "interval", interval: 0, max: 4, times: []time.Time{t0}, errSubstr: "interval 0s"},
		{name: "max", interval: time.Hour, max: 0, times: []time.Time{t0}, errSubstr: "max buckets 0"},
		{name: "out of range", interval: time.Hour, max: 4, times: []time.Time{{}}, errSubstr: "out of range"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			start, got, err := Bucket(tc.times, tc.values, tc.interval, tc.max)
			switch {
			case tc.wantErr != nil || tc.errSubstr != "":
				if err == nil || (tc.wantErr != nil && !errors.Is(err, tc.wantErr)) || !strings.Contains(err.Error(), tc.errSubstr) {
					t.Fatalf("error %v, want %v %q", err, tc.wantErr, tc.errSubstr)
				}
			case err != nil:
				t.Fatal(err)
			default:
				if !start.Equal(tc.start) || start.Location() != time.UTC || !slices.Equal(got, tc.want) {
					t.Errorf("got %s %v, want %s %v", start, got, tc.start, tc.want)
				}
			}
		})
	}
}

func stream(recs ...record.Record) record.Stream {
	return func(yield func(record.Record, error) bool) {
		for _, r := range recs {
			if !yield(r, nil) {
				return
			}
		}
	}
}

func rec(fields ...any) record.Record {
	var r record.Record
	for i := 0; i < len(fields); i += 2 {
		var v record.Value
		switch x := fields[i+1].(type) {
		case string:
			v = record.String(x)
		case time.Time:
			v = record.Time(x)
		case int:
			v = record.Int(int64(x))
		case float64:
			v = record.Float(x)
		case record.Value:
			v = x
		}
		r.Append(fields[i].(string), v)
	}
	return r
}

func TestFromRecords(t *testing.T) {
	recs := []record.Record{
		rec("TimeCreated", at(0), "Computer", "A", "bytes", 10),
		rec("UtcTime", "2026-03-01 10:30:00.123", "Computer", "B", "bytes", "2.5"),
		rec("@timestamp", at(2*time.Hour).Format(time.RFC3339Nano), "Computer", "A", "bytes", 1.5),
		rec("Computer", "A", "bytes", 7),                                  // no time
		rec("_time", "yesterday", "Computer", "A", "bytes", 7),            // bad time
		rec("timestamp", at(time.Hour), "Computer", "B", "bytes", "many"), // not a number
		rec("timestamp", at(time.Hour), "Computer", "C"),                  // no value
		rec("evt", record.Object(rec("when", at(3*time.Hour))), "Computer", "C", "bytes", 1),
	}
	t.Run("count", func(t *testing.T) {
		got, skipped, err := FromRecords(stream(recs...), RecordOptions{})
		if err != nil {
			t.Fatal(err)
		}
		// Default time fields only: the nested evt.when is not one of them.
		if skipped != 3 || len(got) != 1 || got[0].Group != nil || !got[0].Start.Equal(t0) ||
			got[0].Interval != time.Hour || !slices.Equal(got[0].Values, []float64{2, 2, 1}) {
			t.Errorf("got %+v skipped %d", got, skipped)
		}
	})
	t.Run("sum by group, common span", func(t *testing.T) {
		got, skipped, err := FromRecords(stream(recs...), RecordOptions{ValueField: "bytes", GroupBy: []string{"Computer"}})
		if err != nil {
			t.Fatal(err)
		}
		if skipped != 5 || len(got) != 2 {
			t.Fatalf("got %+v skipped %d", got, skipped)
		}
		if !slices.Equal(got[0].Group, []string{"A"}) || !slices.Equal(got[0].Values, []float64{10, 0, 1.5}) ||
			!slices.Equal(got[1].Group, []string{"B"}) || !slices.Equal(got[1].Values, []float64{2.5, 0, 0}) {
			t.Errorf("got %+v", got)
		}
		if got[1].Time(2) != at(2*time.Hour) {
			t.Errorf("Time(2) = %s", got[1].Time(2))
		}
	})
	t.Run("dotted time field", func(t *testing.T) {
		got, skipped, err := FromRecords(stream(recs...), RecordOptions{TimeField: "evt.when", Interval: 30 * time.Minute})
		if err != nil || skipped != 7 || len(got) != 1 || !got[0].Start.Equal(at(3*time.Hour)) || !slices.Equal(got[0].Values, []float64{1}) {
			t.Errorf("got %+v skipped %d err %v", got, skipped, err)
		}
	})
	t.Run("missing group field is its own group", func(t *testing.T) {
		got, _, err := FromRecords(stream(recs...), RecordOptions{GroupBy: []string{"User"}})
		if err != nil || len(got) != 1 || !slices.Equal(got[0].Group, []string{""}) {
			t.Errorf("got %+v err %v", got, err)
		}
	})
	for _, tc := range []struct {
		name string
		o    RecordOptions
		want string
	}{
		{"max series", RecordOptions{GroupBy: []string{"Computer"}, MaxSeries: 1}, "more than 1 groups of Computer"},
		{"max buckets", RecordOptions{MaxBuckets: 2}, "span 3 buckets"},
		{"max points", RecordOptions{GroupBy: []string{"Computer"}, MaxPoints: 5}, "3 series of 3 buckets are 9 points, more than 5"},
		{"no events", RecordOptions{TimeField: "nope"}, "no events"},
		{"interval", RecordOptions{Interval: -time.Second}, "interval -1s"},
		{"max series negative", RecordOptions{MaxSeries: -1}, "max series -1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := FromRecords(stream(recs...), tc.o)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want %q", err, tc.want)
			}
		})
	}
	t.Run("stream error", func(t *testing.T) {
		bad := func(yield func(record.Record, error) bool) { yield(record.Record{}, errors.New("broken")) }
		if _, _, err := FromRecords(bad, RecordOptions{}); err == nil || err.Error() != "broken" {
			t.Errorf("error %v", err)
		}
	})
}
