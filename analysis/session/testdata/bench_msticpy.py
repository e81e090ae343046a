#!/usr/bin/env python3
"""Times msticpy's Markov session model on the sessions BenchmarkMarkov1M wrote.

    HUNCH_BENCH_SESSIONS=/tmp/s.json go test -run '^$' -bench Markov1M -benchtime 1x ./analysis/session
    /usr/bin/python3 analysis/session/testdata/bench_msticpy.py /tmp/s.json

Needs msticpy (pip install msticpy); only its analysis.anomalous_sequence.model is used. Times
Model.train plus the scores hunch's Rank computes: session likelihoods, their geometric means
and the rarest window of length 2, all at the commands + parameters + values level.
Exits 2 when msticpy cannot be imported.
"""
import json
import sys
import time

try:
    from msticpy.analysis.anomalous_sequence.model import Model
    from msticpy.analysis.anomalous_sequence.utils.data_structures import Cmd
except ImportError as e:  # pragma: no cover
    print(f"msticpy not importable ({e}): pip install msticpy", file=sys.stderr)
    sys.exit(2)

with open(sys.argv[1]) as f:
    raw = json.load(f)
sessions = [[Cmd(name=c[0], params=dict(c[1])) for c in s] for s in raw]
events = sum(len(s) for s in sessions)

t0 = time.perf_counter()
m = Model(sessions=sessions)
m.train()
m.compute_likelihoods_of_sessions(use_start_end_tokens=True)
m.compute_geomean_lik_of_sessions()
m.compute_rarest_windows(window_len=2, use_start_end_tokens=True, use_geo_mean=False)
dt = time.perf_counter() - t0
print(f"REF markov_1m {dt:.3f} s msticpy Model train + likelihoods + geometric means + rarest window 2, {events} events ({events / dt:.0f} events/s)")
