#!/usr/bin/env python3
"""Times scikit-learn's IsolationForest on the rows BenchmarkScore1M wrote (HUNCH_BENCH_DIR):
fit on 10 000 rows x 8, score 1 000 000 rows x 8, as the Go benchmark does.

    HUNCH_BENCH_DIR=/tmp/b go test -run '^$' -bench Score1M -benchtime 1x ./analysis/outlier
    /usr/bin/python3 analysis/outlier/testdata/bench_sklearn.py /tmp/b
"""
import os
import sys
import time

import numpy as np
import sklearn
from sklearn.ensemble import IsolationForest

d = sys.argv[1]
train = np.fromfile(os.path.join(d, "iforest_train.f64"), dtype="<f8").reshape(-1, 8)
x = np.fromfile(os.path.join(d, "iforest_score.f64"), dtype="<f8").reshape(-1, 8)
f = IsolationForest(n_estimators=100, random_state=0).fit(train)
t = time.perf_counter()
f.score_samples(x)
dt = time.perf_counter() - t
print(f"REF iforest_score_1m {dt:.3f} s scikit-learn {sklearn.__version__} IsolationForest.score_samples, {len(x)} rows x 8 (fit on {len(train)})")
