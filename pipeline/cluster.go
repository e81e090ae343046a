package pipeline

import (
	"context"
	"slices"
	"sort"
	"time"

	"github.com/hunchsec/hunch/analysis/cluster"
	"github.com/hunchsec/hunch/record"
)

// Fields Clusters adds.
const (
	FieldClusterID   = "cluster_id"   // the cluster, -1 for noise
	FieldClusterSize = "cluster_size" // events in it (1 for noise)
)

// ClusterOptions configures Clusters.
type ClusterOptions struct {
	// Features are process features (cluster.FeatureNames) computed from each event, or
	// numeric fields of the records; default cluster.DefaultFeatures.
	Features []string
	// Fields names where the process features read path, command line and logon id.
	Fields cluster.ProcessFields
	// Missing stands in for a missing numeric field; nil makes such a record an error.
	Missing *float64
	// Scale scales the rows first (cluster.ScaleNone, ScaleNormalize, ScaleStandardize).
	Scale cluster.Scaling
	// DBSCAN is eps and min_samples.
	DBSCAN cluster.Options
	// Summary writes one record per cluster instead of the events: cluster_id, cluster_size,
	// first and last time, and the representative event (the one nearest the cluster's mean).
	Summary bool
	// MaxRecords bounds the records held; default DefaultMaxOutlierRecords.
	MaxRecords int
}

// Clusters reads every record of in, builds its feature row, clusters the rows with DBSCAN
// (package analysis/cluster) and yields the records in their order with cluster_id and
// cluster_size, or with Summary one record per cluster, largest first, noise last.
func Clusters(ctx context.Context, in record.Stream, opts ClusterOptions) record.Stream {
	return func(yield func(record.Record, error) bool) {
		if len(opts.Features) == 0 {
			opts.Features = cluster.DefaultFeatures
		}
		if opts.MaxRecords <= 0 {
			opts.MaxRecords = DefaultMaxOutlierRecords
		}
		if opts.Fields.Path == nil && opts.Fields.CommandLine == nil && opts.Fields.LogonID == nil {
			opts.Fields = cluster.DefaultProcessFields
		}
		var procFeats, numFeats []string
		for _, f := range opts.Features {
			if slices.Contains(cluster.FeatureNames(), f) {
				procFeats = append(procFeats, f)
			} else {
				numFeats = append(numFeats, f)
			}
		}
		recs, rows, err := readRows(ctx, in, opts.MaxRecords, true, "cluster", func(rec record.Record, n int) ([]float64, error) {
			row, err := cluster.ProcessFeatures(rec, opts.Fields, procFeats)
			if err != nil {
				return nil, err
			}
			more, err := numericRow(rec, n, numFeats, opts.Missing)
			return append(row, more...), err
		})
		if err != nil {
			yield(record.Record{}, err)
			return
		}
		if len(rows) == 0 {
			return
		}
		if err := cluster.Scale(rows, opts.Scale); err != nil {
			yield(record.Record{}, err)
			return
		}
		labels, err := cluster.DBSCAN(rows, opts.DBSCAN)
		if err != nil {
			yield(record.Record{}, err)
			return
		}
		sizes := map[int]int{}
		for _, l := range labels {
			sizes[l]++
		}
		size := func(l int) int64 {
			if l == cluster.Noise {
				return 1
			}
			return int64(sizes[l])
		}
		if !opts.Summary {
			for i, rec := range recs {
				rec.Append(FieldClusterID, record.Int(int64(labels[i])))
				rec.Append(FieldClusterSize, record.Int(size(labels[i])))
				if !yield(rec, nil) {
					return
				}
			}
			return
		}
		for _, out := range summarise(recs, rows, labels, sizes) {
			if !yield(out, nil) {
				return
			}
		}
	}
}

// summarise writes one record per cluster — the representative event (nearest the cluster's
// mean) with cluster_id, cluster_size, first_time and last_time first — largest cluster first;
// noise events follow, one record each.
func summarise(recs []record.Record, rows [][]float64, labels []int, sizes map[int]int) []record.Record {
	ids := make([]int, 0, len(sizes))
	for l := range sizes {
		if l != cluster.Noise {
			ids = append(ids, l)
		}
	}
	sort.Slice(ids, func(i, j int) bool {
		if sizes[ids[i]] != sizes[ids[j]] {
			return sizes[ids[i]] > sizes[ids[j]]
		}
		return ids[i] < ids[j]
	})
	dim := len(rows[0])
	var out []record.Record
	emit := func(l int, members []int, size int) {
		mean := make([]float64, dim)
		for _, i := range members {
			for k, v := range rows[i] {
				mean[k] += v / float64(len(members))
			}
		}
		best, bestD := members[0], -1.0
		var first, last time.Time
		for _, i := range members {
			d := 0.0
			for k, v := range rows[i] {
				d += (v - mean[k]) * (v - mean[k])
			}
			if bestD < 0 || d < bestD {
				best, bestD = i, d
			}
			if t, ok := recs[i].EventTime(""); ok {
				if first.IsZero() || t.Before(first) {
					first = t
				}
				if last.IsZero() || t.After(last) {
					last = t
				}
			}
		}
		var r record.Record
		r.Append(FieldClusterID, record.Int(int64(l)))
		r.Append(FieldClusterSize, record.Int(int64(size)))
		r.Append("first_time", timeOrNull(first))
		r.Append("last_time", timeOrNull(last))
		appendSource(&r, recs[best], nil)
		out = append(out, r)
	}
	members := map[int][]int{}
	for i, l := range labels {
		members[l] = append(members[l], i)
	}
	for _, l := range ids {
		emit(l, members[l], sizes[l])
	}
	for _, i := range members[cluster.Noise] {
		emit(cluster.Noise, []int{i}, 1)
	}
	return out
}

func timeOrNull(t time.Time) record.Value {
	if t.IsZero() {
		return record.Null()
	}
	return record.Time(t)
}
