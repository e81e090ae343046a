#!/usr/bin/env bash
# The analysis benchmarks beside their references, on the same data: each Go benchmark writes
# its dataset (HUNCH_BENCH_DIR) and the reference script times statsmodels, scikit-learn or
# msticpy on those very rows. Prints one line per pair with both times and the ratio
# (hunch / reference: below 1 means hunch is faster).
# Needs Debian's python3-numpy, python3-sklearn, python3-statsmodels (use /usr/bin/python3, or
# set PYTHON) and, for the Markov pair, msticpy importable (pip install msticpy); a pair whose
# reference cannot run is reported as skipped.
# Usage: bash bench/analysis.sh [PAIR...]   (pairs: iforest markov stl dbscan; default all)
set -euo pipefail
cd "$(dirname "$0")/.."
py=${PYTHON:-/usr/bin/python3}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
export HUNCH_BENCH_DIR=$dir HUNCH_BENCH_SESSIONS=$dir/sessions.json
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'); $(go version | cut -d' ' -f3); $($py --version 2>&1)"

# pair NAME PACKAGE BENCHMARK SCRIPT [SCRIPT ARGS]: run the Go benchmark once, then the script.
pair() {
	local name=$1 pkg=$2 bench=$3 script=$4
	shift 4
	local out ns gos ref
	out=$(go test -run '^$' -bench "^Benchmark${bench}\$" -benchtime 1x -count 1 "$pkg" 2>&1) || { echo "$out"; return 1; }
	ns=$(awk -v b="Benchmark${bench}" '$1 ~ "^"b"(-[0-9]+)?$" { print $3 }' <<<"$out")
	[ -n "$ns" ] || { echo "$out"; echo "no result for $bench"; return 1; }
	gos=$(awk -v n="$ns" 'BEGIN { printf "%.3f", n / 1e9 }')
	if ! ref=$("$py" "$script" "$@" 2>&1); then
		printf '%-10s hunch %8.3f s   reference skipped: %s\n' "$name" "$gos" "$(tail -n 1 <<<"$ref")"
		return 0
	fi
	ref=$(grep '^REF ' <<<"$ref")
	awk -v name="$name" -v g="$gos" -v line="$ref" 'BEGIN {
		split(line, f, " "); r = f[3]; sub(/^REF [^ ]+ [^ ]+ s /, "", line)
		printf "%-10s hunch %8.3f s   reference %8.3f s   ratio %.2f   (%s)\n", name, g, r, g / r, line }'
}

want=${*:-iforest markov stl dbscan}
for p in $want; do
	case $p in
	iforest) pair iforest ./analysis/outlier Score1M analysis/outlier/testdata/bench_sklearn.py "$dir" ;;
	markov) pair markov ./analysis/session Markov1M analysis/session/testdata/bench_msticpy.py "$HUNCH_BENCH_SESSIONS" ;;
	stl) (cd analysis/timeseries/testdata && pair stl .. STL1M reference.py --bench) ;;
	dbscan) pair dbscan ./analysis/cluster DBSCAN100k analysis/cluster/testdata/bench_sklearn.py "$dir" ;;
	*) echo "unknown pair $p (iforest markov stl dbscan)"; exit 2 ;;
	esac
done
