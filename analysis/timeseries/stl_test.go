package timeseries

import (
	"encoding/json"
	"errors"
	"math"
	"os"
	"strings"
	"testing"
	"time"
)

type refCase struct {
	Name     string         `json:"name"`
	Y        []float64      `json:"y"`
	Config   map[string]any `json:"config"`
	Fit      map[string]int `json:"fit"`
	Trend    []float64      `json:"trend"`
	Seasonal []float64      `json:"seasonal"`
	Resid    []float64      `json:"resid"`
	Weights  []float64      `json:"weights"`
}

func loadReference(t testing.TB) []refCase {
	t.Helper()
	data, err := os.ReadFile("testdata/reference.json")
	if err != nil {
		t.Fatal(err)
	}
	var ref struct {
		Cases []refCase `json:"cases"`
	}
	if err := json.Unmarshal(data, &ref); err != nil {
		t.Fatal(err)
	}
	return ref.Cases
}

// options turns statsmodels' config dict (and fit arguments) into Options.
func (c refCase) options() Options {
	i := func(k string) int { return int(c.Config[k].(float64)) }
	o := DefaultOptions(i("period"), c.Config["robust"].(bool))
	o.Seasonal, o.Trend, o.LowPass = i("seasonal"), i("trend"), i("low_pass")
	o.SeasonalDeg, o.TrendDeg, o.LowPassDeg = i("seasonal_deg"), i("trend_deg"), i("low_pass_deg")
	o.SeasonalJump, o.TrendJump, o.LowPassJump = i("seasonal_jump"), i("trend_jump"), i("low_pass_jump")
	if v, ok := c.Fit["inner_iter"]; ok {
		o.InnerIter = v
	}
	if v, ok := c.Fit["outer_iter"]; ok {
		o.OuterIter = v
	}
	return o
}

// close reports whether got is within 1e-6 relative of want, or 1e-9 absolute near zero.
func closeTo(got, want float64) bool {
	d := math.Abs(got - want)
	return d <= 1e-9 || d <= 1e-6*math.Abs(want)
}

func TestDecomposeMatchesStatsmodels(t *testing.T) {
	cases := loadReference(t)
	if len(cases) < 3 {
		t.Fatalf("reference has %d cases", len(cases))
	}
	for _, c := range cases {
		t.Run(c.Name, func(t *testing.T) {
			r, err := Decompose(c.Y, c.options())
			if err != nil {
				t.Fatal(err)
			}
			for _, part := range []struct {
				name      string
				got, want []float64
			}{{"trend", r.Trend, c.Trend}, {"seasonal", r.Seasonal, c.Seasonal}, {"resid", r.Resid, c.Resid}, {"weights", r.Weights, c.Weights}} {
				if len(part.got) != len(part.want) {
					t.Fatalf("%s: %d values, want %d", part.name, len(part.got), len(part.want))
				}
				worst := 0.0
				for i := range part.got {
					if !closeTo(part.got[i], part.want[i]) {
						t.Errorf("%s[%d] = %.12g, statsmodels %.12g", part.name, i, part.got[i], part.want[i])
						break
					}
					worst = max(worst, math.Abs(part.got[i]-part.want[i]))
				}
				t.Logf("%s: largest absolute difference %.3g", part.name, worst)
			}
		})
	}
}

func TestDefaultOptionsResolve(t *testing.T) {
	for _, tc := range []struct {
		period, seasonal, trend, lowPass int
	}{
		{24, 7, 47, 25}, // ceil(36/(1-1.5/7)) = ceil(45.8) = 46, made odd
		{12, 7, 23, 13},
		{7, 11, 13, 9},
	} {
		o := DefaultOptions(tc.period, false)
		o.Seasonal = tc.seasonal
		r, err := o.resolve()
		if err != nil {
			t.Fatal(err)
		}
		if r.Trend != tc.trend || r.LowPass != tc.lowPass {
			t.Errorf("period %d seasonal %d: trend %d low-pass %d, want %d %d", tc.period, tc.seasonal, r.Trend, r.LowPass, tc.trend, tc.lowPass)
		}
	}
	// The reference configs carry statsmodels' own defaults.
	for _, c := range loadReference(t) {
		if c.Name != "hourly_counts" {
			continue
		}
		r, err := DefaultOptions(24, false).resolve()
		if err != nil {
			t.Fatal(err)
		}
		if float64(r.Trend) != c.Config["trend"].(float64) || float64(r.LowPass) != c.Config["low_pass"].(float64) {
			t.Errorf("defaults trend %d low-pass %d, statsmodels %v %v", r.Trend, r.LowPass, c.Config["trend"], c.Config["low_pass"])
		}
	}
	if o := DefaultOptions(24, true); o.InnerIter != 2 || o.OuterIter != 15 {
		t.Errorf("robust iterations %d/%d, want 2/15", o.InnerIter, o.OuterIter)
	}
	if o := DefaultOptions(24, false); o.InnerIter != 5 || o.OuterIter != 0 {
		t.Errorf("iterations %d/%d, want 5/0", o.InnerIter, o.OuterIter)
	}
}

func TestDecomposeRejects(t *testing.T) {
	y := make([]float64, 100)
	set := func(f func(*Options)) Options { o := DefaultOptions(24, false); f(&o); return o }
	for _, tc := range []struct {
		name string
		y    []float64
		o    Options
		want string
	}{
		{"period", y, set(func(o *Options) { o.Period = 1 }), "period 1"},
		{"even seasonal", y, set(func(o *Options) { o.Seasonal = 8 }), "seasonal 8"},
		{"small seasonal", y, set(func(o *Options) { o.Seasonal = 1 }), "seasonal 1"},
		{"even trend", y, set(func(o *Options) { o.Trend = 40 }), "trend 40"},
		{"trend below period", y, set(func(o *Options) { o.Trend = 23 }), "trend 23"},
		{"low-pass below period", y, set(func(o *Options) { o.LowPass = 23 }), "low-pass 23"},
		{"degree", y, set(func(o *Options) { o.TrendDeg = 2 }), "trend degree 2"},
		{"jump", y, set(func(o *Options) { o.LowPassJump = 0 }), "low-pass jump 0"},
		{"inner", y, set(func(o *Options) { o.InnerIter = 0 }), "inner iterations 0"},
		{"outer", y, set(func(o *Options) { o.OuterIter = -1 }), "outer iterations -1"},
		{"short", y[:47], DefaultOptions(24, false), "47 points"},
		{"nan", append([]float64{math.NaN()}, y...), DefaultOptions(24, false), "value 0 is NaN"},
		{"inf", append(y[:60:60], math.Inf(1)), DefaultOptions(24, false), "value 60 is +Inf"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Decompose(tc.y, tc.o)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want one containing %q", err, tc.want)
			}
		})
	}
	if _, err := Decompose(y[:47], DefaultOptions(24, false)); !errors.Is(err, ErrShortSeries) {
		t.Errorf("short series: %v, want ErrShortSeries", err)
	}
}

func TestDecomposeAddsUp(t *testing.T) {
	for _, c := range loadReference(t) {
		r, err := Decompose(c.Y, c.options())
		if err != nil {
			t.Fatal(err)
		}
		for i, v := range c.Y {
			if s := r.Trend[i] + r.Seasonal[i] + r.Resid[i]; math.Abs(s-v) > 1e-9*math.Max(1, math.Abs(v)) {
				t.Fatalf("%s[%d]: parts add to %v, want %v", c.Name, i, s, v)
			}
		}
	}
}

// benchSeries is reference.py's benchmark series: a daily cycle, a slow trend and LCG noise.
func benchSeries(n int) []float64 {
	y := make([]float64, n)
	x := uint64(1)
	for i := range y {
		x = x*6364136223846793005 + 1442695040888963407
		y[i] = 100 + 20*math.Sin(2*math.Pi*float64(i%24)/24) + 1e-4*float64(i) + 10*(float64(x>>11)/(1<<53)-0.5)
	}
	return y
}

func TestBenchSeriesMatchesReference(t *testing.T) {
	// reference.py prints "series sum 149997818.026057" and trend[500000]=149.842447718 for
	// the 1M series; the sum pins the generator, the full decomposition is BenchmarkSTL1M.
	y := benchSeries(1_000_000)
	s := 0.0
	for _, v := range y {
		s += v
	}
	if math.Abs(s-149997818.026057) > 1e-3 {
		t.Fatalf("benchmark series sum %.6f, reference.py 149997818.026057", s)
	}
}

func BenchmarkSTL1M(b *testing.B) {
	y := benchSeries(1_000_000)
	o := DefaultOptions(24, false)
	b.ResetTimer()
	for b.Loop() {
		r, err := Decompose(y, o)
		if err != nil {
			b.Fatal(err)
		}
		if !closeTo(r.Trend[500000], 149.842447718) && math.Abs(r.Trend[500000]-149.842447718) > 1e-8 {
			b.Fatalf("trend[500000] = %.9f, statsmodels 149.842447718", r.Trend[500000])
		}
	}
}

func TestPeriodFor(t *testing.T) {
	for step, want := range map[time.Duration]int{time.Hour: 24, 5 * time.Minute: 288, 24 * time.Hour: 7, 7 * time.Minute: 0, 48 * time.Hour: 0, 0: 0} {
		if got := PeriodFor(step); got != want {
			t.Errorf("PeriodFor(%v) = %d, want %d", step, got, want)
		}
	}
}
