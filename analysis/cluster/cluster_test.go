package cluster

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/hunchsec/hunch/record"
)

var update = flag.Bool("update", false, "rewrite testdata/process_features.csv")

type refSet struct {
	X          [][]float64 `json:"x"`
	Eps        float64     `json:"eps"`
	MinSamples int         `json:"min_samples"`
	Labels     []int       `json:"labels"`
}

func loadRef(t testing.TB) map[string]refSet {
	data, err := os.ReadFile("testdata/reference.json")
	if err != nil {
		t.Fatal(err)
	}
	var ref map[string]refSet
	if err := json.Unmarshal(data, &ref); err != nil {
		t.Fatal(err)
	}
	return ref
}

// sameUpToRelabelling checks that a and b partition the points alike: noise is noise in both,
// and the cluster ids map one to one.
func sameUpToRelabelling(a, b []int) error {
	if len(a) != len(b) {
		return fmt.Errorf("%d labels, want %d", len(a), len(b))
	}
	ab, ba := map[int]int{}, map[int]int{}
	for i := range a {
		if (a[i] == Noise) != (b[i] == Noise) {
			return fmt.Errorf("point %d: label %d, sklearn %d", i, a[i], b[i])
		}
		if a[i] == Noise {
			continue
		}
		if m, ok := ab[a[i]]; ok && m != b[i] {
			return fmt.Errorf("point %d: cluster %d is sklearn's %d and %d", i, a[i], m, b[i])
		}
		if m, ok := ba[b[i]]; ok && m != a[i] {
			return fmt.Errorf("point %d: sklearn's cluster %d is our %d and %d", i, b[i], m, a[i])
		}
		ab[a[i]], ba[b[i]] = b[i], a[i]
	}
	return nil
}

// TestAgainstSklearn: labels equal scikit-learn's up to relabelling on the three datasets
// testdata/reference.py clustered (blobs with noise, moons, process-event features).
func TestAgainstSklearn(t *testing.T) {
	ref := loadRef(t)
	for _, name := range []string{"blobs_noise", "moons", "process_features"} {
		r, ok := ref[name]
		if !ok {
			t.Fatalf("no %s in reference.json", name)
		}
		got, err := DBSCAN(r.X, Options{Eps: r.Eps, MinSamples: r.MinSamples})
		if err != nil {
			t.Fatal(err)
		}
		if err := sameUpToRelabelling(got, r.Labels); err != nil {
			t.Errorf("%s: %v", name, err)
		}
		clusters, noise := 0, 0
		for _, l := range r.Labels {
			clusters = max(clusters, l+1)
			if l == Noise {
				noise++
			}
		}
		t.Logf("%s: %d points, %d clusters, %d noise: same as sklearn", name, len(r.X), clusters, noise)
		if clusters < 2 || noise == 0 {
			t.Errorf("%s: a weak dataset (%d clusters, %d noise)", name, clusters, noise)
		}
	}
}

func TestSemantics(t *testing.T) {
	// A border point (2) within eps of two cores' clusters goes to the first cluster.
	x := [][]float64{{0}, {0.1}, {0.2}, {0.3}, {1.25}, {2.2}, {2.3}, {2.4}, {2.5}, {10}}
	got, err := DBSCAN(x, Options{Eps: 1, MinSamples: 4})
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(got) != "[0 0 0 0 0 1 1 1 1 -1]" {
		t.Errorf("labels %v", got)
	}
	// min_samples 1: every point is core; counting itself.
	got, _ = DBSCAN([][]float64{{0}, {5}}, Options{Eps: 1, MinSamples: 1})
	if fmt.Sprint(got) != "[0 1]" {
		t.Errorf("min_samples 1: %v", got)
	}
	// The grid (≤ 3 features) and the exhaustive search agree.
	rng := rand.New(rand.NewPCG(3, 4))
	pts := make([][]float64, 600)
	for i := range pts {
		pts[i] = []float64{rng.NormFloat64(), rng.NormFloat64(), rng.NormFloat64()}
	}
	a, _ := DBSCAN(pts, Options{Eps: 0.3, MinSamples: 4})
	wide := make([][]float64, len(pts))
	for i, p := range pts {
		wide[i] = append(append([]float64(nil), p...), 0)
	}
	b, _ := DBSCAN(wide, Options{Eps: 0.3, MinSamples: 4})
	if fmt.Sprint(a) != fmt.Sprint(b) {
		t.Error("grid and exhaustive search disagree")
	}
	for _, c := range []struct {
		x    [][]float64
		o    Options
		want string
	}{
		{x, Options{Eps: 0, MinSamples: 2}, "eps 0"},
		{x, Options{Eps: 1, MinSamples: 0}, "min_samples 0"},
		{[][]float64{{1}, {1, 2}}, Options{Eps: 1, MinSamples: 1}, "row 1 has 2 features"},
		{[][]float64{{math.NaN()}}, Options{Eps: 1, MinSamples: 1}, "not finite"},
		{x, Options{Eps: 1, MinSamples: 1, MaxPoints: 5}, "too many points: 10, more than 5"},
	} {
		if _, err := DBSCAN(c.x, c.o); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: %v, want %q", c.o, err, c.want)
		}
	}
}

func readEvents(t testing.TB) []record.Record {
	f, err := os.Open("../../examples/events.ndjson")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []record.Record
	for r, err := range record.Read(context.Background(), f, "events.ndjson", record.ReadOptions{}) {
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, r)
	}
	return out
}

// TestProcessFeatures pins the features of known command lines (values as msticpy computes
// them) and keeps testdata/process_features.csv — the third reference dataset — current.
func TestProcessFeatures(t *testing.T) {
	var r record.Record
	r.Append("NewProcessName", record.String(`C:\Windows\System32\cmd.exe`))
	r.Append("CommandLine", record.String(`cmd.exe /c "dir C:\"`))
	r.Append("SubjectLogonId", record.String("0x3E7"))
	got, err := ProcessFeatures(r, DefaultProcessFields, FeatureNames())
	if err != nil {
		t.Fatal(err)
	}
	// Computed with msticpy's formulas (len, split, re.findall of its delimiter class, zlib.crc32,
	// sum of ord) in Python.
	want := map[string]float64{ProcessNameLen: 27, ProcessNameTokens: 4, CommandlineTokens: 4, CommandlineLen: 20,
		CommandlineTokensFull: 9, CommandlineTokensHash: 2595521322, PathScore: 2570, CommandlineScore: 1522,
		IsSystemSession: 1, PathHash: 2866286114, CommandlineLogLen: math.Log10(20)}
	for i, n := range FeatureNames() {
		if w, ok := want[n]; ok && math.Abs(got[i]-w) > 1e-9 {
			t.Errorf("%s = %v, want %v", n, got[i], w)
		}
	}
	if _, err := ProcessFeatures(r, DefaultProcessFields, []string{"nope"}); err == nil {
		t.Error("unknown feature accepted")
	}
	var b strings.Builder
	b.WriteString(strings.Join(FeatureNames(), ",") + "\n")
	for _, ev := range readEvents(t) {
		row, err := ProcessFeatures(ev, DefaultProcessFields, FeatureNames())
		if err != nil {
			t.Fatal(err)
		}
		cells := make([]string, len(row))
		for i, v := range row {
			cells[i] = strconv.FormatFloat(v, 'g', -1, 64)
		}
		b.WriteString(strings.Join(cells, ",") + "\n")
	}
	path := filepath.Join("testdata", "process_features.csv")
	if *update {
		if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	committed, err := os.ReadFile(path)
	if err != nil || string(committed) != b.String() {
		t.Errorf("testdata/process_features.csv is stale (%v): go test ./analysis/cluster -run ProcessFeatures -update, then rerun testdata/reference.py", err)
	}
}

func TestScale(t *testing.T) {
	x := [][]float64{{3, 4}, {0, 0}}
	Scale(x, ScaleNormalize)
	if fmt.Sprint(x) != "[[0.6 0.8] [0 0]]" {
		t.Errorf("normalize: %v", x)
	}
	y := [][]float64{{1, 5}, {3, 5}}
	Scale(y, ScaleStandardize)
	if fmt.Sprint(y) != "[[-1 0] [1 0]]" {
		t.Errorf("standardize: %v", y)
	}
	if err := Scale(y, "log"); err == nil {
		t.Error("unknown scaling accepted")
	}
}

// BenchmarkDBSCAN100k clusters 100 000 2-D points (blobs and uniform noise). With
// HUNCH_BENCH_DIR set it writes them there for testdata/bench_sklearn.py to cluster the same rows.
func BenchmarkDBSCAN100k(b *testing.B) {
	rng := rand.New(rand.NewPCG(5, 6))
	x := make([][]float64, 100_000)
	centres := [][2]float64{{0, 0}, {5, 5}, {-5, 4}, {4, -5}, {-4, -4}}
	for i := range x {
		if i%10 == 0 {
			x[i] = []float64{rng.Float64()*20 - 10, rng.Float64()*20 - 10}
			continue
		}
		c := centres[i%len(centres)]
		x[i] = []float64{c[0] + rng.NormFloat64()*0.8, c[1] + rng.NormFloat64()*0.8}
	}
	if dir := os.Getenv("HUNCH_BENCH_DIR"); dir != "" {
		buf := make([]byte, 0, len(x)*16)
		for _, p := range x {
			for _, v := range p {
				buf = appendF64(buf, v)
			}
		}
		if err := os.WriteFile(filepath.Join(dir, "dbscan.f64"), buf, 0o644); err != nil {
			b.Fatal(err)
		}
	}
	var labels []int
	for b.Loop() {
		var err error
		if labels, err = DBSCAN(x, Options{Eps: 0.1, MinSamples: 10}); err != nil {
			b.Fatal(err)
		}
	}
	clusters := 0
	for _, l := range labels {
		clusters = max(clusters, l+1)
	}
	b.ReportMetric(float64(clusters), "clusters")
}

func appendF64(dst []byte, v float64) []byte {
	u := math.Float64bits(v)
	for k := 0; k < 8; k++ {
		dst = append(dst, byte(u>>(8*k)))
	}
	return dst
}
