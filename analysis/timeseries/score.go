package timeseries

import (
	"fmt"
	"math"
	"slices"
)

// Direction says which way a flagged residual points.
type Direction string

// The directions of an anomaly: more events than trend and season predict, or fewer.
const (
	High Direction = "high"
	Low  Direction = "low"
)

// DefaultThreshold is the |score| at and above which a residual is an anomaly.
const DefaultThreshold = 3.0

// Anomaly is one residual whose robust score reaches the threshold.
type Anomaly struct {
	// Index is the position in the series.
	Index int
	// Resid is the residual and Score its robust z-score.
	Resid, Score float64
	// Direction is High for a positive score and Low for a negative one.
	Direction Direction
}

// Scores returns the robust z-score of each residual: (r − median) / scale, where scale is
// 1.4826·MAD (the median absolute deviation from the median, scaled to a normal's standard
// deviation). When more than half the residuals equal the median the MAD is 0, and the scale
// falls back to 1.2533·(mean absolute deviation from the median); when that is 0 too, every
// residual equals the median and every score is 0. Unlike msticpy, residuals keep their
// fractions (no cast to int) and both signs count.
func Scores(resid []float64) []float64 {
	out := make([]float64, len(resid))
	if len(resid) == 0 {
		return out
	}
	med := median(slices.Clone(resid))
	dev := make([]float64, len(resid))
	mean := 0.0
	for i, r := range resid {
		dev[i] = math.Abs(r - med)
		mean += dev[i]
	}
	mean /= float64(len(resid))
	scale := 1.4826 * median(dev)
	if scale == 0 {
		scale = 1.2533 * mean
	}
	if scale == 0 {
		return out
	}
	for i, r := range resid {
		out[i] = (r - med) / scale
	}
	return out
}

// median sorts x and returns its median.
func median(x []float64) float64 {
	slices.Sort(x)
	n := len(x)
	if n%2 == 1 {
		return x[n/2]
	}
	return (x[n/2-1] + x[n/2]) / 2
}

// Score returns the residuals whose score (see Scores) is at least threshold in absolute
// value, in series order. threshold must be positive.
func Score(resid []float64, threshold float64) ([]Anomaly, error) {
	if !(threshold > 0) || math.IsInf(threshold, 0) {
		return nil, fmt.Errorf("threshold %v: must be a positive number", threshold)
	}
	var out []Anomaly
	for i, s := range Scores(resid) {
		if d := direction(s, threshold); d != "" {
			out = append(out, Anomaly{Index: i, Resid: resid[i], Score: s, Direction: d})
		}
	}
	return out, nil
}

func direction(score, threshold float64) Direction {
	switch {
	case score >= threshold:
		return High
	case score <= -threshold:
		return Low
	}
	return ""
}
