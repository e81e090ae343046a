package timeseries

import (
	"errors"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/hunchsec/hunch/record"
)

// weekRecords is four weeks of hourly events on hosts A and B; B bursts at hour 300.
func weekRecords() []record.Record {
	var recs []record.Record
	for h := range 24 * 28 {
		base := 20 + int(10*math.Sin(2*math.Pi*float64(h%24)/24)) + int((uint32(h)*2654435761)>>29)
		for _, host := range []string{"A", "B"} {
			n := base
			if host == "B" && h == 300 {
				n += 60
			}
			for i := range n {
				recs = append(recs, rec("TimeCreated", t0.Add(time.Duration(h)*time.Hour+time.Duration(i)*time.Second), "host", host, "bytes", 2))
			}
		}
	}
	return recs
}

func TestAnalyze(t *testing.T) {
	recs := weekRecords()
	o := AnalyzeOptions{Records: RecordOptions{GroupBy: []string{"host"}, ValueField: "bytes"}, STL: DefaultOptions(24, false), OnlyAnomalies: true}
	o.STL.Seasonal = 21
	out, skipped, err := Analyze(stream(recs...), o)
	if err != nil || skipped != 0 {
		t.Fatal(err, skipped)
	}
	if len(out) != 1 {
		t.Fatalf("flagged %v", out)
	}
	r := out[0]
	if got := strings.Join(r.Names(), ","); got != "time,host,sum,trend,seasonal,resid,weight,score,anomaly" {
		t.Errorf("fields %s", got)
	}
	tm, _ := mustGet(t, r, "time").Time()
	sum, _ := mustGet(t, r, "sum").Float()
	if !tm.Equal(t0.Add(300*time.Hour)) || mustGet(t, r, "host").Text() != "B" || mustGet(t, r, "anomaly").Text() != "high" || sum < 120 {
		t.Errorf("record %s", r.AppendJSON(nil))
	}

	o.OnlyAnomalies, o.Records = false, RecordOptions{}
	out, _, err = Analyze(stream(recs...), o)
	if err != nil || len(out) != 24*28 {
		t.Fatalf("%d records, %v", len(out), err)
	}
	if got := strings.Join(out[0].Names(), ","); got != "time,count,trend,seasonal,resid,weight,score,anomaly" || !mustGet(t, out[0], "anomaly").IsNull() {
		t.Errorf("first record %s", out[0].AppendJSON(nil))
	}

	for _, tc := range []struct {
		name string
		o    AnalyzeOptions
		want error
		text string
	}{
		{"threshold", AnalyzeOptions{STL: DefaultOptions(24, false), Threshold: -1}, nil, "threshold -1"},
		{"stl", AnalyzeOptions{STL: DefaultOptions(1, false)}, nil, "period 1"},
		{"short", AnalyzeOptions{STL: DefaultOptions(24, false), Records: RecordOptions{Interval: 24 * time.Hour}}, ErrShortSeries, "span 29 buckets of 24h0m0s and period 24 needs at least 48"},
		{"none", AnalyzeOptions{STL: DefaultOptions(24, false), Records: RecordOptions{TimeField: "x"}}, ErrNoEvents, "no events"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := Analyze(stream(recs...), tc.o)
			if err == nil || (tc.want != nil && !errors.Is(err, tc.want)) || !strings.Contains(err.Error(), tc.text) {
				t.Errorf("error %v, want %v %q", err, tc.want, tc.text)
			}
		})
	}
}

func mustGet(t *testing.T, r record.Record, name string) record.Value {
	t.Helper()
	v, ok := r.Get(name)
	if !ok {
		t.Fatalf("no %s in %s", name, r.AppendJSON(nil))
	}
	return v
}
