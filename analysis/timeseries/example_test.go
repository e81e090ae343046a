package timeseries_test

import (
	"fmt"
	"math"
	"time"

	"github.com/hunchsec/hunch/analysis/timeseries"
)

func Example() {
	// Four weeks of hourly logons with a daily cycle, a burst on day 11 and an outage on day 20.
	start := time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)
	var times []time.Time
	for h := range 24 * 28 {
		n := 20 + int(10*math.Sin(2*math.Pi*float64(h%24)/24)) + int((uint32(h)*2654435761)>>29)
		switch h {
		case 24*10 + 14:
			n += 60
		case 24*19 + 10:
			n = 0
		}
		for i := range n {
			times = append(times, start.Add(time.Duration(h)*time.Hour+time.Duration(i)*time.Second))
		}
	}
	first, counts, err := timeseries.Bucket(times, nil, time.Hour, timeseries.DefaultMaxBuckets)
	if err != nil {
		panic(err)
	}
	// A seasonal smoother of about three weeks instead of the default 7 days spreads the burst's pull on the same hour
	// of the neighbouring days thinner, so those hours are not flagged as its echoes.
	o := timeseries.DefaultOptions(24, false)
	o.Seasonal = 21
	pts, err := timeseries.Detect(timeseries.Series{Start: first, Interval: time.Hour, Values: counts}, o, timeseries.DefaultThreshold)
	if err != nil {
		panic(err)
	}
	for _, p := range pts {
		if p.Direction != "" {
			fmt.Printf("%s %s %.0f events, expected %.0f\n", p.Time.Format("Jan 2 15:04"), p.Direction, p.Value, p.Trend+p.Seasonal)
		}
	}
	// Output:
	// Mar 12 14:00 high 83 events, expected 28
	// Mar 21 10:00 low 0 events, expected 24
}
