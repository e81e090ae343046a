package pipeline_test

import (
	"context"
	"errors"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/hunchsec/hunch/analysis/outlier"
	"github.com/hunchsec/hunch/pipeline"
	"github.com/hunchsec/hunch/record"
)

// connRecords makes n ordinary connections and, when odd is set, one exfiltration-sized one last.
func connRecords(n int, odd bool, seed uint64) []record.Record {
	rng := rand.New(rand.NewPCG(seed, 1))
	var recs []record.Record
	for i := range n {
		var r record.Record
		r.Append("id", record.Int(int64(i)))
		r.Append("bytes_out", record.Int(int64(800+rng.IntN(400))))
		r.Append("duration", record.Float(1+rng.Float64()))
		r.Append("port", record.String("443"))
		recs = append(recs, r)
	}
	if odd {
		var r record.Record
		r.Append("id", record.Int(int64(n)))
		r.Append("bytes_out", record.Int(9_000_000))
		r.Append("duration", record.Float(600))
		r.Append("port", record.String("0x1bb"))
		recs = append(recs, r)
	}
	return recs
}

func TestOutliersFindsThePlantedRow(t *testing.T) {
	recs := connRecords(500, true, 7)
	out := collect(t, pipeline.Outliers(context.Background(), streamOf(recs...), pipeline.OutlierOptions{
		Features: []string{"bytes_out", "duration", "port"}, Forest: pipelineForest(0.01),
	}))
	if len(out) != len(recs) {
		t.Fatalf("%d records out, want %d", len(out), len(recs))
	}
	lowest, at := 1.0, -1
	flagged := 0
	for i, r := range out {
		id, _ := r.Get("id")
		if n, _ := id.Int(); n != int64(i) {
			t.Fatalf("record %d out of order (id %d)", i, n)
		}
		s, _ := r.Get(pipeline.FieldOutlierScore)
		f, _ := s.Float()
		if f < lowest {
			lowest, at = f, i
		}
		if o, _ := r.Get(pipeline.FieldOutlier); o.Text() == "true" {
			flagged++
		}
	}
	if at != 500 || lowest >= 0 {
		t.Errorf("lowest score %v at %d, want the planted row 500 below 0", lowest, at)
	}
	// contamination 0.01 labels about 1% of the 501 training rows.
	if flagged < 3 || flagged > 8 {
		t.Errorf("%d rows labelled outliers with contamination 0.01", flagged)
	}
	only := collect(t, pipeline.Outliers(context.Background(), streamOf(recs...), pipeline.OutlierOptions{
		Features: []string{"bytes_out", "duration"}, Forest: pipelineForest(0.01), OnlyOutliers: true,
	}))
	if len(only) == 0 || len(only) > 8 {
		t.Fatalf("OnlyOutliers kept %d", len(only))
	}
	for _, r := range only {
		if o, _ := r.Get(pipeline.FieldOutlier); o.Text() != "true" {
			t.Errorf("inlier kept: %v", r)
		}
	}
}

func TestOutliersTrainOnBaseline(t *testing.T) {
	baseline := connRecords(300, false, 1)
	today := connRecords(50, true, 2)
	out := collect(t, pipeline.Outliers(context.Background(), streamOf(today...), pipeline.OutlierOptions{
		Features: []string{"bytes_out", "duration"}, Train: streamOf(baseline...), Forest: pipelineForest(0.01),
	}))
	if len(out) != 51 {
		t.Fatalf("%d out", len(out))
	}
	flagged := 0
	for _, r := range out[:50] {
		if o, _ := r.Get(pipeline.FieldOutlier); o.Text() == "true" {
			flagged++
		}
	}
	if o, _ := out[50].Get(pipeline.FieldOutlier); o.Text() != "true" {
		t.Errorf("planted row not an outlier against the baseline: %v", out[50])
	}
	if flagged > 5 {
		t.Errorf("%d of 50 ordinary rows flagged against the baseline", flagged)
	}
	if _, err := firstErr(pipeline.Outliers(context.Background(), streamOf(today...), pipeline.OutlierOptions{
		Features: []string{"bytes_out"}, Train: streamOf(),
	})); err == nil || !strings.Contains(err.Error(), "training set is empty") {
		t.Errorf("empty training set: %v", err)
	}
}

func TestOutliersBadInput(t *testing.T) {
	var bad record.Record
	bad.Append("bytes_out", record.String("lots"))
	recs := append(connRecords(10, false, 3), bad)
	_, err := firstErr(pipeline.Outliers(context.Background(), streamOf(recs...), pipeline.OutlierOptions{Features: []string{"bytes_out"}}))
	if err == nil || !strings.Contains(err.Error(), `record 11: field "bytes_out" is not a number ("lots")`) {
		t.Errorf("non-numeric: %v", err)
	}
	_, err = firstErr(pipeline.Outliers(context.Background(), streamOf(recs...), pipeline.OutlierOptions{Features: []string{"nope"}}))
	if err == nil || !strings.Contains(err.Error(), `record 1: field "nope" is missing`) {
		t.Errorf("missing: %v", err)
	}
	zero := 0.0
	out := collect(t, pipeline.Outliers(context.Background(), streamOf(recs...), pipeline.OutlierOptions{Features: []string{"bytes_out"}, Missing: &zero}))
	if len(out) != 11 {
		t.Errorf("with Missing: %d records", len(out))
	}
	_, err = firstErr(pipeline.Outliers(context.Background(), streamOf(recs...), pipeline.OutlierOptions{Features: []string{"bytes_out"}, MaxRecords: 5}))
	if !errors.Is(err, pipeline.ErrTooManyRecords) {
		t.Errorf("limit: %v", err)
	}
	if _, err = firstErr(pipeline.Outliers(context.Background(), streamOf(recs...), pipeline.OutlierOptions{})); err == nil {
		t.Error("no features: no error")
	}
	boom := errors.New("read failed")
	in := func(yield func(record.Record, error) bool) {
		if yield(recs[0], nil) {
			yield(record.Record{}, boom)
		}
	}
	if _, err = firstErr(pipeline.Outliers(context.Background(), in, pipeline.OutlierOptions{Features: []string{"bytes_out"}})); !errors.Is(err, boom) {
		t.Errorf("input error: %v", err)
	}
}

func pipelineForest(contamination float64) outlier.Options {
	return outlier.Options{Contamination: contamination, Seed: 1}
}

func firstErr(s record.Stream) (int, error) {
	n := 0
	for _, err := range s {
		if err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}
