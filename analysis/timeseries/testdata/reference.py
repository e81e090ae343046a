# Generates the fixed series and statsmodels' STL decompositions the Go tests compare against,
# then times statsmodels on the benchmark series (BenchmarkSTL1M builds the same one).
# Run with Debian's python3 from this directory: /usr/bin/python3 reference.py
# With --bench (bench/analysis.sh) only the benchmark is timed and reference.json is left alone.
import json, math, sys, time
import numpy as np
import statsmodels
from statsmodels.tsa.seasonal import STL

rng = np.random.default_rng(11)
cases = []

def add(name, y, fit=None, **kw):
    s = STL(y, **kw)
    r = s.fit(**(fit or {}))
    cases.append({"name": name, "y": [float(v) for v in y], "config": s.config, "fit": fit or {},
                  "trend": r.trend.tolist(), "seasonal": r.seasonal.tolist(),
                  "resid": r.resid.tolist(), "weights": r.weights.tolist()})

# 1. four weeks of hourly event counts: daily cycle, slow growth, Poisson noise, and two planted
#    anomalies (a burst at hour 400 and a silent busy hour at 500).
h = np.arange(24 * 28)
lam = 40 + 25 * np.sin(2 * np.pi * (h % 24 - 8) / 24) + 0.02 * h
counts = rng.poisson(lam).astype(float)
counts[400] += 90
counts[500] = 0
add("hourly_counts_robust", counts, period=24, robust=True)
add("hourly_counts", counts, period=24)
# 2. monthly-like series: period 12, gaussian noise, non-robust, explicit lengths.
m = np.arange(144)
add("period12", 10 + 0.05 * m + 3 * np.cos(2 * np.pi * m / 12) + rng.normal(0, 0.5, m.size),
    period=12, seasonal=13, trend=23, low_pass=13)
# 3. weekly cycle with outliers, robust, degree-0 smoothers, jumps and a length that is not a
#    whole number of periods.
d = np.arange(7 * 30 + 3)
w = 100 + 30 * (d % 7 >= 5) + rng.standard_t(3, d.size) * 4
w[[17, 90, 150]] += [120, -80, 200]
add("weekly_jumps_robust", w, period=7, seasonal=11, seasonal_deg=0, trend_deg=0, low_pass_deg=1,
    seasonal_jump=2, trend_jump=3, low_pass_jump=2, robust=True)
add("weekly_iters", w, period=7, robust=True, fit={"inner_iter": 3, "outer_iter": 4})
# 4. just over two periods; with jumps, windows longer than the series (the LOESS over all
#    points, evaluated every jump-th point).
add("short", rng.normal(5, 1, 50), period=24)
add("short_jumps_robust", rng.normal(5, 1, 31) + np.arange(31) % 12, period=12, seasonal=9,
    seasonal_jump=3, trend_jump=2, low_pass_jump=4, robust=True)

if "--bench" not in sys.argv:
    json.dump({"statsmodels": statsmodels.__version__, "cases": cases},
              open("reference.json", "w"), separators=(",", ":"))

# Benchmark series: 1M points, period 24, from a 64-bit LCG both languages compute exactly.
def series(n):
    x, out = 1, np.empty(n)
    mask = (1 << 64) - 1
    for i in range(n):
        x = (x * 6364136223846793005 + 1442695040888963407) & mask
        out[i] = 100 + 20 * math.sin(2 * math.pi * (i % 24) / 24) + 1e-4 * i + 10 * ((x >> 11) / 2**53 - 0.5)
    return out

y = series(1_000_000)
print("series sum %.6f" % y.sum())
t = time.perf_counter()
r = STL(y, period=24).fit()
dt = time.perf_counter() - t
print("statsmodels %s STL 1M points period 24 robust=False: %.2fs (trend[500000]=%.9f)"
      % (statsmodels.__version__, dt, r.trend[500000]))
print("REF stl_1m %.3f s statsmodels %s STL(period=24).fit(), 1000000 points, the series BenchmarkSTL1M checks (trend[500000]=%.9f)"
      % (dt, statsmodels.__version__, r.trend[500000]))
