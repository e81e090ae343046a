#!/usr/bin/env python3
"""Writes reference.json: three datasets and scikit-learn's DBSCAN labels for them, which the Go
tests compare against (equal up to relabelling). Run with Debian's python3-sklearn:

    cd analysis/cluster/testdata && /usr/bin/python3 reference.py

1. blobs_noise: four Gaussian blobs and uniform noise (make_blobs, seed 7);
2. moons: two interleaving half-circles with noise (make_moons, seed 11);
3. process_features: the process features the Go code computes for examples/events.ndjson
   (process_features.csv), msticpy's default columns (commandlineTokensFull, pathScore,
   isSystemSession) standardised as StandardScaler does.
"""
import csv
import json

import numpy as np
import sklearn
from sklearn.cluster import DBSCAN
from sklearn.datasets import make_blobs, make_moons
from sklearn.preprocessing import StandardScaler

out = {}

x, _ = make_blobs(n_samples=800, centers=4, cluster_std=0.6, random_state=7)
rng = np.random.default_rng(7)
x = np.vstack([x, rng.uniform(x.min(axis=0) - 2, x.max(axis=0) + 2, size=(80, 2))])
out["blobs_noise"] = {"x": x.tolist(), "eps": 0.5, "min_samples": 5}

x, _ = make_moons(n_samples=600, noise=0.08, random_state=11)
out["moons"] = {"x": x.tolist(), "eps": 0.12, "min_samples": 6}

with open("process_features.csv") as f:
    rows = list(csv.DictReader(f))
cols = ["commandlineTokensFull", "pathScore", "isSystemSession"]
x = StandardScaler().fit_transform(np.array([[float(r[c]) for c in cols] for r in rows]))
out["process_features"] = {"x": x.tolist(), "eps": 0.3, "min_samples": 2}

for name in ("blobs_noise", "moons", "process_features"):
    d = out[name]
    d["labels"] = DBSCAN(eps=d["eps"], min_samples=d["min_samples"]).fit(np.array(d["x"])).labels_.tolist()
    labels = d["labels"]
    print(name, len(labels), "points,", max(labels) + 1, "clusters,", labels.count(-1), "noise")

with open("reference.json", "w") as f:
    json.dump(out, f)
