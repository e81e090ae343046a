package timeseries

import (
	"encoding/binary"
	"math"
	"testing"
	"time"
)

// FuzzDecompose drives Decompose with arbitrary series and options: it must either refuse them
// or return finite parts that add up to the input.
func FuzzDecompose(f *testing.F) {
	f.Add([]byte{2, 7, 1, 1, 1, 1, 1, 1, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10})
	f.Add([]byte{5, 3, 0, 0, 0, 3, 2, 4, 1, 9, 200, 3, 0, 0, 255, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 1})
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) < 9 || len(data) > 1000 {
			return
		}
		o := DefaultOptions(int(data[0]%12), data[8]&1 == 1)
		o.Seasonal = int(data[1] % 15)
		o.SeasonalDeg, o.TrendDeg, o.LowPassDeg = int(data[2]%2), int(data[3]%2), int(data[4]%2)
		o.SeasonalJump, o.TrendJump, o.LowPassJump = int(data[5]%5), int(data[6]%5), int(data[7]%5)
		if data[8]&2 != 0 {
			o.OuterIter = int(data[8] >> 5)
		}
		y := make([]float64, 0, len(data)-9)
		for _, b := range data[9:] {
			y = append(y, float64(int8(b)))
		}
		r, err := Decompose(y, o)
		if err != nil {
			return
		}
		for i := range y {
			for _, v := range []float64{r.Trend[i], r.Seasonal[i], r.Weights[i]} {
				if math.IsNaN(v) || math.IsInf(v, 0) {
					t.Fatalf("non-finite part at %d: %+v", i, r)
				}
			}
			if d := r.Trend[i] + r.Seasonal[i] + r.Resid[i] - y[i]; math.Abs(d) > 1e-6*math.Max(1, math.Abs(y[i])) {
				t.Fatalf("parts at %d miss by %v", i, d)
			}
		}
		_ = Scores(r.Resid)
	})
}

// FuzzBucket checks Bucket on arbitrary times: counts add up to the number of times, and every
// refusal is an error rather than a panic.
func FuzzBucket(f *testing.F) {
	f.Add([]byte{0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 2}, int64(time.Hour), 100)
	f.Add([]byte{128, 0, 0, 0, 0, 0, 0, 0, 127, 255, 255, 255, 255, 255, 255, 255}, int64(time.Minute), 3)
	f.Fuzz(func(t *testing.T, data []byte, interval int64, max int) {
		var times []time.Time
		for i := 0; i+8 <= len(data); i += 8 {
			times = append(times, time.Unix(0, int64(binary.BigEndian.Uint64(data[i:]))))
		}
		max %= 1 << 16
		_, counts, err := Bucket(times, nil, time.Duration(interval), max)
		if err != nil {
			return
		}
		sum := 0.0
		for _, c := range counts {
			sum += c
		}
		if int(sum) != len(times) || len(counts) > max {
			t.Fatalf("%d counts summing to %v for %d times", len(counts), sum, len(times))
		}
	})
}
