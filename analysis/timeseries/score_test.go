package timeseries

import (
	"math"
	"slices"
	"testing"
)

func TestScores(t *testing.T) {
	for _, tc := range []struct {
		name  string
		resid []float64
		want  []float64
	}{
		// median 0, |dev| median 1 → scale 1.4826.
		{"mad", []float64{-1, 1, 0, 2, -2}, []float64{-1 / 1.4826, 1 / 1.4826, 0, 2 / 1.4826, -2 / 1.4826}},
		// centred on the median, not on zero.
		{"shifted", []float64{9, 11, 10, 12, 8}, []float64{-1 / 1.4826, 1 / 1.4826, 0, 2 / 1.4826, -2 / 1.4826}},
		// MAD 0: mean absolute deviation 10/5 = 2 → scale 2.5066.
		{"mad zero", []float64{0, 0, 0, 10, 0}, []float64{0, 0, 0, 10 / (1.2533 * 2), 0}},
		{"constant", []float64{4, 4, 4}, []float64{0, 0, 0}},
		{"empty", nil, []float64{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := Scores(tc.resid)
			if len(got) != len(tc.want) {
				t.Fatalf("%d scores, want %d", len(got), len(tc.want))
			}
			for i := range got {
				if math.Abs(got[i]-tc.want[i]) > 1e-12 {
					t.Errorf("score[%d] = %v, want %v", i, got[i], tc.want[i])
				}
			}
		})
	}
}

func TestScoreBothDirections(t *testing.T) {
	resid := []float64{0.1, -0.2, 0.3, -0.1, 0.2, 5, 0, -0.3, -4, 0.1, -0.2}
	got, err := Score(resid, 3)
	if err != nil {
		t.Fatal(err)
	}
	want := []Anomaly{{Index: 5, Direction: High}, {Index: 8, Direction: Low}}
	if len(got) != len(want) {
		t.Fatalf("anomalies %+v, want indexes 5 (high) and 8 (low)", got)
	}
	for i := range want {
		if got[i].Index != want[i].Index || got[i].Direction != want[i].Direction || got[i].Resid != resid[want[i].Index] {
			t.Errorf("anomaly %d = %+v, want index %d %s", i, got[i], want[i].Index, want[i].Direction)
		}
	}
	// The threshold is inclusive: a score exactly at it is flagged.
	s := Scores(resid)
	if got, _ := Score(resid, s[5]); len(got) == 0 || got[0].Index != 5 {
		t.Errorf("score equal to the threshold not flagged: %+v", got)
	}
	for _, th := range []float64{0, -1, math.NaN(), math.Inf(1)} {
		if _, err := Score(resid, th); err == nil {
			t.Errorf("threshold %v accepted", th)
		}
	}
}

// TestDetectPlanted runs the whole chain on reference.py's hourly counts: a burst of +90 at
// hour 400 and a silent busy hour at 500 must come out high and low.
func TestDetectPlanted(t *testing.T) {
	var y []float64
	for _, c := range loadReference(t) {
		if c.Name == "hourly_counts" {
			y = c.Y
		}
	}
	for _, robust := range []bool{false, true} {
		pts, err := Detect(Series{Values: y, Interval: DefaultInterval}, DefaultOptions(24, robust), DefaultThreshold)
		if err != nil {
			t.Fatal(err)
		}
		var flagged []int
		for i, p := range pts {
			if p.Direction != "" {
				flagged = append(flagged, i)
			}
			if math.Abs(p.Trend+p.Seasonal+p.Resid-p.Value) > 1e-9 {
				t.Fatalf("point %d: parts do not add up", i)
			}
		}
		if pts[400].Direction != High || pts[500].Direction != Low {
			t.Errorf("robust=%v: hour 400 %q (score %.2f), hour 500 %q (score %.2f), want high and low",
				robust, pts[400].Direction, pts[400].Score, pts[500].Direction, pts[500].Score)
		}
		// Without robustness the only other flags are the burst's echoes in the seasonal part
		// (hours 376 and 426) and two busy hours of the Poisson noise. With robustness the fit
		// hugs the quiet hours, the MAD shrinks and the busy hours' larger noise is flagged
		// more (36 of 672 buckets), so only the planted pair is asserted there.
		if !robust && len(flagged) > 6 {
			t.Errorf("robust=%v: %d buckets flagged, want few: %v", robust, len(flagged), flagged)
		}
		t.Logf("robust=%v flagged %v", robust, flagged)
		if !slices.Contains(flagged, 400) {
			t.Errorf("burst not flagged")
		}
	}
	if _, err := Detect(Series{Values: y}, DefaultOptions(24, false), 0); err == nil {
		t.Error("threshold 0 accepted")
	}
	if _, err := Detect(Series{Values: y[:30]}, DefaultOptions(24, false), 3); err == nil {
		t.Error("short series accepted")
	}
}
