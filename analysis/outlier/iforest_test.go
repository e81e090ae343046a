package outlier

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"testing"
)

type refSet struct {
	X            [][]float64 `json:"x"`
	Planted      int         `json:"planted"`
	ScoreSamples []float64   `json:"score_samples"`
	Offset       float64     `json:"offset"`
}

func loadRef(t *testing.T) map[string]refSet {
	t.Helper()
	b, err := os.ReadFile("testdata/reference.json")
	if err != nil {
		t.Fatal(err)
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		t.Fatal(err)
	}
	m := map[string]refSet{}
	for k, v := range raw {
		if k == "n_estimators" {
			continue
		}
		var r refSet
		if err := json.Unmarshal(v, &r); err != nil {
			t.Fatal(err)
		}
		m[k] = r
	}
	return m
}

func ranks(v []float64) []float64 {
	idx := make([]int, len(v))
	for i := range idx {
		idx[i] = i
	}
	sort.Slice(idx, func(a, b int) bool { return v[idx[a]] < v[idx[b]] })
	r := make([]float64, len(v))
	for i := 0; i < len(idx); {
		j := i
		for j+1 < len(idx) && v[idx[j+1]] == v[idx[i]] {
			j++
		}
		for k := i; k <= j; k++ {
			r[idx[k]] = float64(i+j) / 2
		}
		i = j + 1
	}
	return r
}

func spearman(a, b []float64) float64 {
	ra, rb := ranks(a), ranks(b)
	var ma, mb float64
	for i := range ra {
		ma += ra[i]
		mb += rb[i]
	}
	ma /= float64(len(ra))
	mb /= float64(len(rb))
	var sab, saa, sbb float64
	for i := range ra {
		sab += (ra[i] - ma) * (rb[i] - mb)
		saa += (ra[i] - ma) * (ra[i] - ma)
		sbb += (rb[i] - mb) * (rb[i] - mb)
	}
	return sab / math.Sqrt(saa*sbb)
}

func TestMatchesSklearn(t *testing.T) {
	for name, ref := range loadRef(t) {
		t.Run(name, func(t *testing.T) {
			f, err := Fit(ref.X, Options{Seed: 1, NEstimators: 1000}) // as the reference script
			if err != nil {
				t.Fatal(err)
			}
			s, err := f.ScoreSamples(ref.X)
			if err != nil {
				t.Fatal(err)
			}
			rho := spearman(s, ref.ScoreSamples)
			t.Logf("%s: spearman %.4f", name, rho)
			if rho < 0.95 {
				t.Errorf("spearman %.4f < 0.95", rho)
			}
			// planted outliers are the last rows and must be the lowest scores
			n := len(s)
			order := make([]int, n)
			for i := range order {
				order[i] = i
			}
			sort.Slice(order, func(a, b int) bool { return s[order[a]] < s[order[b]] })
			for _, i := range order[:ref.Planted] {
				if i < n-ref.Planted {
					t.Errorf("row %d (not planted) among the %d lowest scores", i, ref.Planted)
				}
			}
			pred, _ := f.Predict(ref.X)
			for i := n - ref.Planted; i < n; i++ {
				if pred[i] != -1 {
					t.Errorf("planted row %d predicted %d, want -1", i, pred[i])
				}
			}
		})
	}
}

func TestDeterministicAndContamination(t *testing.T) {
	x := loadRef(t)["blob2d"].X
	a, _ := Fit(x, Options{Seed: 3, Contamination: 0.02})
	b, _ := Fit(x, Options{Seed: 3, Contamination: 0.02})
	sa, _ := a.ScoreSamples(x)
	sb, _ := b.ScoreSamples(x)
	for i := range sa {
		if sa[i] != sb[i] {
			t.Fatalf("row %d: %v != %v for the same seed", i, sa[i], sb[i])
		}
	}
	pred, _ := a.Predict(x)
	out := 0
	for _, p := range pred {
		if p == -1 {
			out++
		}
	}
	if out < 9 || out > 12 { // 2% of 510 = 10.2
		t.Errorf("contamination 0.02 flagged %d rows, want about 10", out)
	}
	c, _ := Fit(x, Options{Seed: 4})
	if c.Offset() != -0.5 {
		t.Errorf("auto offset %v, want -0.5", c.Offset())
	}
}

func TestErrors(t *testing.T) {
	tests := []struct {
		name string
		x    [][]float64
		opt  Options
	}{
		{"empty", nil, Options{}},
		{"no features", [][]float64{{}}, Options{}},
		{"ragged", [][]float64{{1, 2}, {1}}, Options{}},
		{"nan", [][]float64{{math.NaN()}}, Options{}},
		{"contamination", [][]float64{{1}}, Options{Contamination: 0.6}},
		{"estimators", [][]float64{{1}}, Options{NEstimators: -1}},
		{"max features", [][]float64{{1}}, Options{MaxFeatures: 2}},
		{"max samples", [][]float64{{1}}, Options{MaxSamples: -1}},
	}
	for _, tc := range tests {
		if _, err := Fit(tc.x, tc.opt); err == nil {
			t.Errorf("%s: no error", tc.name)
		}
	}
	if _, err := (*Forest)(nil).ScoreSamples([][]float64{{1}}); !errors.Is(err, ErrNotFitted) {
		t.Errorf("nil forest: %v", err)
	}
	f, _ := Fit([][]float64{{1, 2}, {3, 4}}, Options{})
	if _, err := f.ScoreSamples([][]float64{{1}}); err == nil {
		t.Error("wrong width scored")
	}
}

func BenchmarkScore1M(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 2))
	gen := func(n int) [][]float64 {
		x := make([][]float64, n)
		for i := range x {
			x[i] = make([]float64, 8)
			for j := range x[i] {
				x[i][j] = rng.NormFloat64()
			}
		}
		return x
	}
	train := gen(10000)
	f, err := Fit(train, Options{Seed: 1})
	if err != nil {
		b.Fatal(err)
	}
	x := gen(1000000)
	if dir := os.Getenv("HUNCH_BENCH_DIR"); dir != "" { // for testdata/bench_sklearn.py: the same rows
		writeF64(b, filepath.Join(dir, "iforest_train.f64"), train)
		writeF64(b, filepath.Join(dir, "iforest_score.f64"), x)
	}
	b.ResetTimer()
	for b.Loop() {
		if _, err := f.ScoreSamples(x); err != nil {
			b.Fatal(err)
		}
	}
}

// writeF64 writes rows as little-endian float64s, row after row (numpy.fromfile reads them).
func writeF64(b *testing.B, path string, rows [][]float64) {
	buf := make([]byte, 0, len(rows)*len(rows[0])*8)
	for _, r := range rows {
		for _, v := range r {
			buf = binary.LittleEndian.AppendUint64(buf, math.Float64bits(v))
		}
	}
	if err := os.WriteFile(path, buf, 0o644); err != nil {
		b.Fatal(err)
	}
}

func TestOptionsApplied(t *testing.T) {
	x := loadRef(t)["mix5d"].X
	tests := []struct {
		opt             Options
		psi, trees, fts int
	}{
		{Options{}, 256, 100, 5},
		{Options{MaxSamples: 64, NEstimators: 7, MaxFeatures: 0.4}, 64, 7, 2},
		{Options{MaxSamples: 100000}, len(x), 100, 5},
	}
	for _, tc := range tests {
		f, err := Fit(x, tc.opt)
		if err != nil {
			t.Fatal(err)
		}
		if f.psi != tc.psi || len(f.trees) != tc.trees || len(f.trees[0].features) != tc.fts {
			t.Errorf("%+v: psi %d trees %d features %d, want %d %d %d", tc.opt, f.psi, len(f.trees), len(f.trees[0].features), tc.psi, tc.trees, tc.fts)
		}
	}
}
