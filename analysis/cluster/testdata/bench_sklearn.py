#!/usr/bin/env python3
"""Times scikit-learn's DBSCAN on the 100 000 points BenchmarkDBSCAN100k wrote (HUNCH_BENCH_DIR),
with the benchmark's eps 0.1 and min_samples 10.

    HUNCH_BENCH_DIR=/tmp/b go test -run '^$' -bench DBSCAN100k -benchtime 1x ./analysis/cluster
    /usr/bin/python3 analysis/cluster/testdata/bench_sklearn.py /tmp/b
"""
import os
import sys
import time

import numpy as np
import sklearn
from sklearn.cluster import DBSCAN

x = np.fromfile(os.path.join(sys.argv[1], "dbscan.f64"), dtype="<f8").reshape(-1, 2)
t = time.perf_counter()
labels = DBSCAN(eps=0.1, min_samples=10).fit(x).labels_
dt = time.perf_counter() - t
print(f"REF dbscan_100k {dt:.3f} s scikit-learn {sklearn.__version__} DBSCAN(eps=0.1, min_samples=10), {len(x)} points, {labels.max() + 1} clusters")
