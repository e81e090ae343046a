// Package cluster groups events that look alike: DBSCAN over numeric features, with the
// semantics of scikit-learn's sklearn.cluster.DBSCAN, and the process-event features msticpy's
// eventcluster module builds (command-line delimiter counts and hashes, character scores, path
// features, system sessions), so hunters can fold thousands of process launches into a few
// clusters and look at the ones that stand alone.
package cluster

import (
	"errors"
	"fmt"
	"math"
)

// Noise is the label of points that belong to no cluster.
const Noise = -1

// DefaultMaxPoints bounds the points DBSCAN takes.
const DefaultMaxPoints = 2_000_000

// Options configures DBSCAN.
type Options struct {
	// Eps is the neighbourhood radius (Euclidean); sklearn's default is 0.5.
	Eps float64
	// MinSamples is how many points (the point itself included) a neighbourhood needs for its
	// centre to be a core point; sklearn's default is 5.
	MinSamples int
	// MaxPoints bounds the input; default DefaultMaxPoints.
	MaxPoints int
}

// ErrTooManyPoints is returned when the input holds more than Options.MaxPoints points.
var ErrTooManyPoints = errors.New("too many points")

// DBSCAN labels each row of x with its cluster (0, 1, … in the order sklearn numbers them) or
// Noise, exactly as sklearn.cluster.DBSCAN(eps, min_samples).fit(x).labels_: a point counts
// itself in its neighbourhood, clusters grow from core points in index order, and a border
// point joins the first cluster that reaches it. Low-dimensional data (up to 3 features) is
// indexed by a grid of eps-sized cells; higher dimensions are searched exhaustively.
func DBSCAN(x [][]float64, o Options) ([]int, error) {
	if o.Eps <= 0 || math.IsNaN(o.Eps) || math.IsInf(o.Eps, 0) {
		return nil, fmt.Errorf("dbscan: eps %v must be a positive number", o.Eps)
	}
	if o.MinSamples < 1 {
		return nil, fmt.Errorf("dbscan: min_samples %d must be at least 1", o.MinSamples)
	}
	if o.MaxPoints <= 0 {
		o.MaxPoints = DefaultMaxPoints
	}
	n := len(x)
	if n > o.MaxPoints {
		return nil, fmt.Errorf("dbscan: %w: %d, more than %d", ErrTooManyPoints, n, o.MaxPoints)
	}
	if n == 0 {
		return nil, nil
	}
	dim := len(x[0])
	for i, r := range x {
		if len(r) != dim {
			return nil, fmt.Errorf("dbscan: row %d has %d features, want %d", i, len(r), dim)
		}
		for j, v := range r {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return nil, fmt.Errorf("dbscan: row %d feature %d is not finite", i, j)
			}
		}
	}
	var idx index
	if dim >= 1 && dim <= 3 {
		idx = newGrid(x, o.Eps)
	} else {
		idx = &brute{x: x, eps2: o.Eps * o.Eps}
	}
	core := make([]bool, n)
	for i := range x {
		core[i] = idx.count(i, o.MinSamples) >= o.MinSamples
	}
	labels := make([]int, n)
	for i := range labels {
		labels[i] = Noise
	}
	var stack, buf []int
	label := 0
	for i := range x {
		if labels[i] != Noise || !core[i] {
			continue
		}
		p := i
		for {
			if labels[p] == Noise {
				labels[p] = label
				if core[p] {
					buf = idx.neighbours(p, buf[:0])
					for _, v := range buf {
						if labels[v] == Noise {
							stack = append(stack, v)
						}
					}
				}
			}
			if len(stack) == 0 {
				break
			}
			p = stack[len(stack)-1]
			stack = stack[:len(stack)-1]
		}
		label++
	}
	return labels, nil
}

// index answers neighbourhood queries (distance <= eps, the point itself included).
type index interface {
	// count counts the neighbours of point i, stopping once it reaches enough.
	count(i, enough int) int
	// neighbours appends the neighbours of point i to dst.
	neighbours(i int, dst []int) []int
}

func dist2(a, b []float64) float64 {
	s := 0.0
	for k := range a {
		d := a[k] - b[k]
		s += d * d
	}
	return s
}

// brute searches every point.
type brute struct {
	x    [][]float64
	eps2 float64
}

func (b *brute) count(i, enough int) int {
	c := 0
	for j := range b.x {
		if dist2(b.x[i], b.x[j]) <= b.eps2 {
			if c++; c >= enough {
				return c
			}
		}
	}
	return c
}

func (b *brute) neighbours(i int, dst []int) []int {
	for j := range b.x {
		if dist2(b.x[i], b.x[j]) <= b.eps2 {
			dst = append(dst, j)
		}
	}
	return dst
}

// grid buckets points into cubes of side eps: a point's neighbours lie in its own cell and
// the cells next to it.
type grid struct {
	x     [][]float64
	eps   float64
	eps2  float64
	dim   int
	cells map[[3]int64][]int
}

func newGrid(x [][]float64, eps float64) *grid {
	g := &grid{x: x, eps: eps, eps2: eps * eps, dim: len(x[0]), cells: map[[3]int64][]int{}}
	for i, p := range x {
		k := g.key(p)
		g.cells[k] = append(g.cells[k], i)
	}
	return g
}

func (g *grid) key(p []float64) [3]int64 {
	var k [3]int64
	for d := 0; d < g.dim; d++ {
		k[d] = int64(math.Floor(p[d] / g.eps))
	}
	return k
}

// visit calls fn for every point in the cells around point i until fn returns false.
func (g *grid) visit(i int, fn func(j int) bool) {
	c := g.key(g.x[i])
	var off [3]int64
	var walk func(d int) bool
	walk = func(d int) bool {
		if d == g.dim {
			k := [3]int64{c[0] + off[0], c[1] + off[1], c[2] + off[2]}
			for _, j := range g.cells[k] {
				if dist2(g.x[i], g.x[j]) <= g.eps2 && !fn(j) {
					return false
				}
			}
			return true
		}
		for o := int64(-1); o <= 1; o++ {
			off[d] = o
			if !walk(d + 1) {
				return false
			}
		}
		return true
	}
	walk(0)
}

func (g *grid) count(i, enough int) int {
	c := 0
	g.visit(i, func(int) bool { c++; return c < enough })
	return c
}

func (g *grid) neighbours(i int, dst []int) []int {
	g.visit(i, func(j int) bool { dst = append(dst, j); return true })
	return dst
}
