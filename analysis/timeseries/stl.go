// Package timeseries finds anomalies in event rates: it buckets event times into counts per
// interval, decomposes the series into trend, seasonal and residual parts with STL
// (Cleveland et al. 1990, as statsmodels.tsa.seasonal.STL computes it) and scores the
// residuals against a robust scale in both directions.
//
// STL needs the whole series, so Analyze and FromRecords hold every bucket of every series in
// memory (not every record: one sum per bucket and group), bounded by RecordOptions' MaxBuckets,
// MaxSeries and MaxPoints.
package timeseries

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"time"
)

// Options are the parameters of an STL decomposition. Start from DefaultOptions, which holds
// statsmodels' defaults; a zero Trend or LowPass means statsmodels' default length.
type Options struct {
	// Period is the number of observations in one seasonal cycle (24 for hourly counts with a
	// daily cycle). It must be at least 2.
	Period int
	// Seasonal is the length of the seasonal LOESS smoother: odd and at least 3 (default 7).
	Seasonal int
	// Trend is the length of the trend LOESS smoother: odd, at least 3 and greater than Period.
	// 0 means the smallest odd integer >= 1.5·Period/(1−1.5/Seasonal).
	Trend int
	// LowPass is the length of the low-pass filter's LOESS: odd, at least 3 and greater than
	// Period. 0 means the smallest odd integer greater than Period.
	LowPass int
	// SeasonalDeg, TrendDeg and LowPassDeg are the degrees (0 or 1) of the local polynomials.
	SeasonalDeg, TrendDeg, LowPassDeg int
	// SeasonalJump, TrendJump and LowPassJump (at least 1) evaluate the LOESS at every jump-th
	// point only and interpolate linearly in between.
	SeasonalJump, TrendJump, LowPassJump int
	// Robust turns on bisquare robustness weights computed from the residuals between the
	// outer iterations.
	Robust bool
	// InnerIter is the number of inner (seasonal/trend) loops, at least 1.
	InnerIter int
	// OuterIter is the number of robustness iterations, at least 0.
	OuterIter int
}

// DefaultOptions returns statsmodels' defaults for a period: seasonal 7, degrees 1, jumps 1,
// default trend and low-pass lengths, and 2 inner / 15 outer iterations when robust, 5 inner /
// 0 outer when not.
func DefaultOptions(period int, robust bool) Options {
	o := Options{
		Period: period, Seasonal: 7,
		SeasonalDeg: 1, TrendDeg: 1, LowPassDeg: 1,
		SeasonalJump: 1, TrendJump: 1, LowPassJump: 1,
		Robust: robust, InnerIter: 5,
	}
	if robust {
		o.InnerIter, o.OuterIter = 2, 15
	}
	return o
}

// Result holds the parts of a decomposition: Trend + Seasonal + Resid equals the input.
// Weights are the final robustness weights (all 1 without robustness iterations).
type Result struct {
	Trend, Seasonal, Resid, Weights []float64
}

// resolve fills the default lengths and checks every option.
func (o Options) resolve() (Options, error) {
	if o.Period < 2 {
		return o, fmt.Errorf("period %d: must be at least 2", o.Period)
	}
	if o.Seasonal < 3 || o.Seasonal%2 == 0 {
		return o, fmt.Errorf("seasonal %d: must be an odd integer >= 3", o.Seasonal)
	}
	if o.Trend == 0 {
		o.Trend = int(math.Ceil(1.5 * float64(o.Period) / (1 - 1.5/float64(o.Seasonal))))
		if o.Trend%2 == 0 {
			o.Trend++
		}
	}
	if o.Trend < 3 || o.Trend%2 == 0 || o.Trend <= o.Period {
		return o, fmt.Errorf("trend %d: must be an odd integer >= 3 greater than the period", o.Trend)
	}
	if o.LowPass == 0 {
		o.LowPass = o.Period + 1
		if o.LowPass%2 == 0 {
			o.LowPass++
		}
	}
	if o.LowPass < 3 || o.LowPass%2 == 0 || o.LowPass <= o.Period {
		return o, fmt.Errorf("low-pass %d: must be an odd integer >= 3 greater than the period", o.LowPass)
	}
	for _, d := range []struct {
		name string
		v    int
	}{{"seasonal", o.SeasonalDeg}, {"trend", o.TrendDeg}, {"low-pass", o.LowPassDeg}} {
		if d.v != 0 && d.v != 1 {
			return o, fmt.Errorf("%s degree %d: must be 0 or 1", d.name, d.v)
		}
	}
	for _, j := range []struct {
		name string
		v    int
	}{{"seasonal", o.SeasonalJump}, {"trend", o.TrendJump}, {"low-pass", o.LowPassJump}} {
		if j.v < 1 {
			return o, fmt.Errorf("%s jump %d: must be at least 1", j.name, j.v)
		}
	}
	if o.InnerIter < 1 {
		return o, fmt.Errorf("inner iterations %d: must be at least 1", o.InnerIter)
	}
	if o.OuterIter < 0 {
		return o, fmt.Errorf("outer iterations %d: must be at least 0", o.OuterIter)
	}
	return o, nil
}

// ErrShortSeries is returned by Decompose for a series shorter than two periods.
var ErrShortSeries = errors.New("series shorter than two periods")

// Decompose splits y into trend, seasonal and residual parts with STL. It follows the netlib
// Fortran (stl, stlstp, stlss, stlfts, stless, stlest, stlrwt) as statsmodels ports it, so the
// parts agree with statsmodels.tsa.seasonal.STL(y, ...).fit() to rounding. Unlike statsmodels it
// refuses series shorter than two periods and values that are not finite.
func Decompose(y []float64, o Options) (Result, error) {
	o, err := o.resolve()
	if err != nil {
		return Result{}, err
	}
	n := len(y)
	if n < 2*o.Period {
		return Result{}, fmt.Errorf("%d points with period %d: %w", n, o.Period, ErrShortSeries)
	}
	for i, v := range y {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return Result{}, fmt.Errorf("value %d is %v: want finite values", i, v)
		}
	}
	s := &stl{y: y, n: n, o: o,
		trend: make([]float64, n), season: make([]float64, n), rw: make([]float64, n)}
	for i := range s.work {
		s.work[i] = make([]float64, n+2*o.Period)
	}
	for i := range s.rw {
		s.rw[i] = 1
	}
	for k := 0; ; k++ {
		s.onestp()
		if k >= o.OuterIter {
			break
		}
		for i := range n {
			s.work[0][i] = s.trend[i] + s.season[i]
		}
		s.rwts()
		s.userw = true
	}
	resid := make([]float64, n)
	for i := range n {
		resid[i] = y[i] - s.season[i] - s.trend[i]
	}
	return Result{Trend: s.trend, Seasonal: s.season, Resid: resid, Weights: s.rw}, nil
}

// stl is the state of one decomposition; work holds the Fortran's five work columns.
type stl struct {
	y                 []float64
	n                 int
	o                 Options
	userw             bool
	trend, season, rw []float64
	work              [5][]float64
	scratch           []float64
}

// onestp is stlstp: InnerIter passes of seasonal smoothing, low-pass filtering and trend smoothing.
func (s *stl) onestp() {
	n, np, w := s.n, s.o.Period, &s.work
	for range s.o.InnerIter {
		for i := range n {
			w[0][i] = s.y[i] - s.trend[i]
		}
		s.ss()
		s.fts()
		ess(w[2], n, s.o.LowPass, s.o.LowPassDeg, s.o.LowPassJump, false, w[3], w[0], w[4])
		for i := range n {
			s.season[i] = w[1][np+i] - w[0][i]
			w[0][i] = s.y[i] - s.season[i]
		}
		ess(w[0], n, s.o.Trend, s.o.TrendDeg, s.o.TrendJump, s.userw, s.rw, s.trend, w[2])
	}
}

// ss is stlss: smooth each cycle-subseries of work[0] and extend it by one point at either
// end, writing the n+2·period values to work[1].
func (s *stl) ss() {
	n, np, ns := s.n, s.o.Period, s.o.Seasonal
	y, season := s.work[0], s.work[1]
	work1, work2, work3, work4 := s.work[2], s.work[3], s.work[4], s.season
	for j := range np {
		k := (n-(j+1))/np + 1
		for i := range k {
			work1[i] = y[i*np+j]
		}
		if s.userw {
			for i := range k {
				work3[i] = s.rw[i*np+j]
			}
		}
		ess(work1, k, ns, s.o.SeasonalDeg, s.o.SeasonalJump, s.userw, work3, work2[1:], work4)
		v, ok := est(work1, k, ns, s.o.SeasonalDeg, 0, 1, min(ns, k), work4, s.userw, work3)
		if !ok {
			v = work2[1]
		}
		work2[0] = v
		v, ok = est(work1, k, ns, s.o.SeasonalDeg, k+1, max(1, k-ns+1), k, work4, s.userw, work3)
		if !ok {
			v = work2[k]
		}
		work2[k+1] = v
		for m := range k + 2 {
			season[m*np+j] = work2[m]
		}
	}
}

// fts is stlfts: moving averages of lengths period, period and 3 over work[1] into work[2].
func (s *stl) fts() {
	n, np := s.n+2*s.o.Period, s.o.Period
	ma(s.work[1], n, np, s.work[2])
	ma(s.work[2], n-np+1, np, s.work[0])
	ma(s.work[0], n-2*np+2, 3, s.work[2])
}

// ma is stlma: the moving average of length l over the first n values of x, as a running sum.
func ma(x []float64, n, l int, ave []float64) {
	newn := n - l + 1
	flen := float64(l)
	v := 0.0
	for i := range l {
		v += x[i]
	}
	ave[0] = v / flen
	k, m := l, 0
	for j := 1; j < newn; j++ {
		v += x[k] - x[m]
		ave[j] = v / flen
		k++
		m++
	}
}

// rwts is stlrwt: bisquare weights of the residuals y − work[0] scaled by six times their median.
func (s *stl) rwts() {
	n := s.n
	for i := range n {
		s.rw[i] = math.Abs(s.y[i] - s.work[0][i])
	}
	if s.scratch == nil {
		s.scratch = make([]float64, n)
	}
	part := s.scratch
	copy(part, s.rw)
	slices.Sort(part)
	cmad := 3.0 * (part[n/2] + part[n-n/2-1])
	if cmad == 0 {
		for i := range n {
			s.rw[i] = 1
		}
		return
	}
	c9, c1 := 0.999*cmad, 0.001*cmad
	for i := range n {
		r := s.rw[i]
		switch {
		case r <= c1:
			s.rw[i] = 1
		case r <= c9:
			u := r / cmad
			u = 1 - u*u
			s.rw[i] = u * u
		default:
			s.rw[i] = 0
		}
	}
}

// ess is stless: LOESS of the first n values of y with window length l and degree ideg,
// evaluated every njump points and interpolated linearly between them, into ys. res is
// scratch space for the kernel weights; rw are the robustness weights when userw.
func ess(y []float64, n, l, ideg, njump int, userw bool, rw, ys, res []float64) {
	if n < 2 {
		ys[0] = y[0]
		return
	}
	newnj := min(njump, n-1)
	var nleft, nright int
	at := func(i int) {
		if v, ok := est(y, n, l, ideg, i+1, nleft, nright, res, userw, rw); ok {
			ys[i] = v
		} else {
			ys[i] = y[i]
		}
	}
	switch {
	case l >= n:
		nleft, nright = 1, n
		for i := 0; i < n; i += newnj {
			at(i)
		}
	case newnj == 1:
		nsh := (l + 1) / 2
		nleft, nright = 1, l
		for i := range n {
			if i+1 > nsh && nright != n {
				nleft++
				nright++
			}
			at(i)
		}
	default:
		nsh := (l + 1) / 2
		for i := 0; i < n; i += newnj {
			switch {
			case i+1 < nsh:
				nleft, nright = 1, l
			case i+1 >= n-nsh+1:
				nleft, nright = n-l+1, n
			default:
				nleft, nright = i+1-nsh+1, l+i+1-nsh
			}
			at(i)
		}
	}
	if newnj == 1 {
		return
	}
	for i := 0; i < n-newnj; i += newnj {
		delta := (ys[i+newnj] - ys[i]) / float64(newnj)
		for j := i; j < i+newnj; j++ {
			ys[j] = ys[i] + delta*float64(j-i)
		}
	}
	k := ((n-1)/newnj)*newnj + 1
	if k != n {
		at(n - 1)
		if k != n-1 {
			delta := (ys[n-1] - ys[k-1]) / float64(n-k)
			for j := k; j < n; j++ {
				ys[j] = ys[k-1] + delta*float64(j+1-k)
			}
		}
	}
}

// est is stlest: the LOESS fit at position xs (1-based, may lie outside 1..n) from the points
// nleft..nright (1-based, inclusive) with tricube kernel weights, written to w. ok is false
// when every weight is zero.
func est(y []float64, n, l, ideg, xs, nleft, nright int, w []float64, userw bool, rw []float64) (float64, bool) {
	rng := float64(n) - 1
	h := float64(max(xs-nleft, nright-xs))
	if l > n {
		h += float64((l - n) / 2)
	}
	h9, h1 := 0.999*h, 0.001*h
	a := 0.0
	for j := nleft - 1; j < nright; j++ {
		w[j] = 0
		r := math.Abs(float64(j + 1 - xs))
		if r <= h9 {
			if r <= h1 {
				w[j] = 1
			} else {
				q := r / h
				q = 1 - q*q*q
				w[j] = q * q * q
			}
			if userw {
				w[j] *= rw[j]
			}
			a += w[j]
		}
	}
	if a <= 0 {
		return 0, false
	}
	for j := nleft - 1; j < nright; j++ {
		w[j] /= a
	}
	if h > 0 && ideg > 0 {
		a = 0
		for j := nleft - 1; j < nright; j++ {
			a += w[j] * float64(j+1)
		}
		b := float64(xs) - a
		c := 0.0
		for j := nleft - 1; j < nright; j++ {
			d := float64(j+1) - a
			c += w[j] * d * d
		}
		if math.Sqrt(c) > 0.001*rng {
			b /= c
			for j := nleft - 1; j < nright; j++ {
				w[j] *= b*(float64(j+1)-a) + 1
			}
		}
	}
	ys := 0.0
	for j := nleft - 1; j < nright; j++ {
		ys += w[j] * y[j]
	}
	return ys, true
}

// PeriodFor is the seasonal period of a series of the given step: one day in steps for steps
// that divide a day (24 for hourly counts, 288 for 5-minute ones), 7 for daily steps (a week),
// and 0 (no known season) otherwise.
func PeriodFor(step time.Duration) int {
	const day = 24 * time.Hour
	switch {
	case step <= 0:
		return 0
	case step == day:
		return 7
	case step < day && day%step == 0:
		return int(day / step)
	}
	return 0
}
