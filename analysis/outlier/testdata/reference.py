# Generates the fixed datasets and sklearn's IsolationForest scores the Go tests compare against.
# Run with Debian's python3: /usr/bin/python3 reference.py
import json, time
import numpy as np
from sklearn.ensemble import IsolationForest

rng = np.random.default_rng(7)
out = {"n_estimators": 1000}
# dataset 1: 2-D gaussian blob with 10 planted outliers (last rows)
a = rng.normal(0, 1, size=(500, 2))
a = np.vstack([a, rng.uniform(6, 9, size=(10, 2)) * rng.choice([-1, 1], size=(10, 2))])
# dataset 2: 5-D mixture of two blobs with 5 planted outliers
b = np.vstack([rng.normal(0, 1, size=(400, 5)), rng.normal(5, 0.5, size=(300, 5)), rng.uniform(10, 14, size=(5, 5))])
for name, X, planted in (("blob2d", a, 10), ("mix5d", b, 5)):
    f = IsolationForest(n_estimators=1000, random_state=0).fit(X)  # 1000 trees: with 100, sklearn vs itself at another seed is only ~0.95 on mix5d
    out[name] = {"x": X.tolist(), "planted": planted, "score_samples": f.score_samples(X).tolist(),
                 "offset": float(f.offset_)}
json.dump(out, open("reference.json", "w"))
Xtr = rng.normal(0, 1, size=(10000, 8)); Xte = rng.normal(0, 1, size=(1000000, 8))
f = IsolationForest(n_estimators=100, random_state=0).fit(Xtr)
t = time.perf_counter(); f.score_samples(Xte); print("sklearn score 1M rows x 8 (fit 10k): %.2fs" % (time.perf_counter() - t))
