// Package outlier finds unusual rows in numeric feature matrices for threat hunting.
// It implements the Isolation Forest of Liu et al. with the conventions of
// scikit-learn's IsolationForest (scores, offset, decision function, labels).
package outlier

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
)

// ErrNotFitted is returned when a Forest is used before Fit.
var ErrNotFitted = errors.New("isolation forest is not fitted")

// Options configures an Isolation Forest; the zero value gives sklearn's defaults.
type Options struct {
	// NEstimators is the number of trees (default 100).
	NEstimators int
	// MaxSamples is the subsample size per tree; 0 means "auto" = min(256, n).
	MaxSamples int
	// Contamination is the expected outlier fraction in (0, 0.5]; 0 means "auto" (offset -0.5).
	Contamination float64
	// MaxFeatures is the fraction of features each tree may split on (default 1.0).
	MaxFeatures float64
	// Seed seeds the PCG generator; the same seed gives the same forest.
	Seed uint64
}

type node struct {
	feature     int // -1 for a leaf
	threshold   float64
	left, right int
	size        int // samples in a leaf
}

type tree struct {
	nodes    []node
	features []int
}

// Forest is a fitted Isolation Forest.
type Forest struct {
	trees   []tree
	psi     int
	dim     int
	offset  float64
	nTrain  int
	options Options
}

// avgPath is c(n), the average path length of an unsuccessful BST search over n points.
func avgPath(n int) float64 {
	switch {
	case n <= 1:
		return 0
	case n == 2:
		return 1
	}
	f := float64(n)
	return 2*(math.Log(f-1)+0.5772156649015329) - 2*(f-1)/f
}

// Fit builds a forest from the rows of x (each row one sample with the same number of features).
func Fit(x [][]float64, opt Options) (*Forest, error) {
	n := len(x)
	if n == 0 {
		return nil, errors.New("fit isolation forest: no rows")
	}
	dim := len(x[0])
	if dim == 0 {
		return nil, errors.New("fit isolation forest: rows have no features")
	}
	for i, r := range x {
		if len(r) != dim {
			return nil, fmt.Errorf("fit isolation forest: row %d has %d features, want %d", i, len(r), dim)
		}
		for j, v := range r {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return nil, fmt.Errorf("fit isolation forest: row %d feature %d is not finite", i, j)
			}
		}
	}
	if opt.NEstimators == 0 {
		opt.NEstimators = 100
	}
	if opt.NEstimators < 0 {
		return nil, fmt.Errorf("fit isolation forest: n_estimators %d must be positive", opt.NEstimators)
	}
	if opt.MaxFeatures == 0 {
		opt.MaxFeatures = 1
	}
	if opt.MaxFeatures < 0 || opt.MaxFeatures > 1 {
		return nil, fmt.Errorf("fit isolation forest: max_features %g must be in (0, 1]", opt.MaxFeatures)
	}
	if opt.Contamination < 0 || opt.Contamination > 0.5 {
		return nil, fmt.Errorf("fit isolation forest: contamination %g must be in (0, 0.5] or 0 for auto", opt.Contamination)
	}
	if opt.MaxSamples < 0 {
		return nil, fmt.Errorf("fit isolation forest: max_samples %d must be positive", opt.MaxSamples)
	}
	psi := opt.MaxSamples
	if psi == 0 {
		psi = min(256, n)
	}
	psi = min(psi, n)
	nFeat := max(1, int(opt.MaxFeatures*float64(dim)))
	maxDepth := int(math.Ceil(math.Log2(math.Max(float64(psi), 2))))
	rng := rand.New(rand.NewPCG(opt.Seed, opt.Seed^0x9e3779b97f4a7c15))
	f := &Forest{psi: psi, dim: dim, nTrain: n, options: opt}
	idx := make([]int, n)
	for t := 0; t < opt.NEstimators; t++ {
		for i := range idx {
			idx[i] = i
		}
		for i := 0; i < psi; i++ { // partial Fisher-Yates: sample without replacement
			j := i + rng.IntN(n-i)
			idx[i], idx[j] = idx[j], idx[i]
		}
		sample := append([]int(nil), idx[:psi]...)
		feats := rng.Perm(dim)[:nFeat]
		tr := tree{features: feats}
		build(&tr, x, sample, 0, maxDepth, rng)
		f.trees = append(f.trees, tr)
	}
	f.offset = -0.5
	if opt.Contamination > 0 {
		s, _ := f.ScoreSamples(x)
		f.offset = percentile(s, 100*opt.Contamination)
	}
	return f, nil
}

// build grows a node over rows sample and returns its index.
func build(tr *tree, x [][]float64, sample []int, depth, maxDepth int, rng *rand.Rand) int {
	id := len(tr.nodes)
	tr.nodes = append(tr.nodes, node{feature: -1, size: len(sample)})
	if depth >= maxDepth || len(sample) <= 1 {
		return id
	}
	// choose among the features that are not constant in this node
	var cand []int
	lo := make(map[int][2]float64, len(tr.features))
	for _, fe := range tr.features {
		mn, mx := math.Inf(1), math.Inf(-1)
		for _, r := range sample {
			v := x[r][fe]
			mn, mx = math.Min(mn, v), math.Max(mx, v)
		}
		if mx > mn {
			cand = append(cand, fe)
			lo[fe] = [2]float64{mn, mx}
		}
	}
	if len(cand) == 0 {
		return id
	}
	fe := cand[rng.IntN(len(cand))]
	b := lo[fe]
	th := b[0] + rng.Float64()*(b[1]-b[0])
	if th >= b[1] {
		th = b[0]
	}
	i, j := 0, len(sample)-1
	for i <= j {
		if x[sample[i]][fe] <= th {
			i++
		} else {
			sample[i], sample[j] = sample[j], sample[i]
			j--
		}
	}
	l := build(tr, x, sample[:i], depth+1, maxDepth, rng)
	r := build(tr, x, sample[i:], depth+1, maxDepth, rng)
	tr.nodes[id] = node{feature: fe, threshold: th, left: l, right: r}
	return id
}

func percentile(s []float64, p float64) float64 {
	c := append([]float64(nil), s...)
	sort.Float64s(c)
	pos := p / 100 * float64(len(c)-1) // numpy's linear interpolation
	lo := int(math.Floor(pos))
	if lo >= len(c)-1 {
		return c[len(c)-1]
	}
	return c[lo] + (pos-float64(lo))*(c[lo+1]-c[lo])
}

// Offset is the threshold subtracted from ScoreSamples by DecisionFunction (-0.5 for automatic contamination).
func (f *Forest) Offset() float64 { return f.offset }

// ScoreSamples returns -2^(-E[h(x)]/c(psi)) per row: lower is more abnormal, as in sklearn.
func (f *Forest) ScoreSamples(x [][]float64) ([]float64, error) {
	if f == nil || len(f.trees) == 0 {
		return nil, ErrNotFitted
	}
	cpsi := avgPath(f.psi)
	out := make([]float64, len(x))
	for i, r := range x {
		if len(r) != f.dim {
			return nil, fmt.Errorf("score isolation forest: row %d has %d features, want %d", i, len(r), f.dim)
		}
		var sum float64
		for t := range f.trees {
			nodes := f.trees[t].nodes
			k, d := 0, 0
			for nodes[k].feature >= 0 {
				if r[nodes[k].feature] <= nodes[k].threshold {
					k = nodes[k].left
				} else {
					k = nodes[k].right
				}
				d++
			}
			sum += float64(d) + avgPath(nodes[k].size)
		}
		out[i] = -math.Pow(2, -sum/float64(len(f.trees))/cpsi)
	}
	return out, nil
}

// DecisionFunction returns ScoreSamples minus Offset: negative values are outliers.
func (f *Forest) DecisionFunction(x [][]float64) ([]float64, error) {
	s, err := f.ScoreSamples(x)
	if err != nil {
		return nil, err
	}
	for i := range s {
		s[i] -= f.offset
	}
	return s, nil
}

// Predict labels each row -1 (outlier) or 1 (inlier), as sklearn does.
func (f *Forest) Predict(x [][]float64) ([]int, error) {
	d, err := f.DecisionFunction(x)
	if err != nil {
		return nil, err
	}
	out := make([]int, len(d))
	for i, v := range d {
		out[i] = 1
		if v < 0 {
			out[i] = -1
		}
	}
	return out, nil
}
