package timeseries

import "time"

// Point is one bucket of a series with its decomposition and score.
type Point struct {
	// Time is the start of the bucket and Value its count or sum.
	Time  time.Time
	Value float64
	// Trend, Seasonal and Resid are the STL parts (they add up to Value); Weight is the
	// robustness weight (1 without robust fitting).
	Trend, Seasonal, Resid, Weight float64
	// Score is the residual's robust z-score (see Scores).
	Score float64
	// Direction is High or Low when |Score| reaches the threshold, "" otherwise.
	Direction Direction
}

// Detect decomposes a series with STL and scores every bucket's residual.
func Detect(s Series, o Options, threshold float64) ([]Point, error) {
	if _, err := Score(nil, threshold); err != nil {
		return nil, err
	}
	r, err := Decompose(s.Values, o)
	if err != nil {
		return nil, err
	}
	scores := Scores(r.Resid)
	out := make([]Point, len(s.Values))
	for i, v := range s.Values {
		out[i] = Point{Time: s.Time(i), Value: v, Trend: r.Trend[i], Seasonal: r.Seasonal[i], Resid: r.Resid[i],
			Weight: r.Weights[i], Score: scores[i], Direction: direction(scores[i], threshold)}
	}
	return out, nil
}
