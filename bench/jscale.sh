#!/usr/bin/env bash
# -j scaling of `hunch extract` end to end: wall time of -j 1 and -j 2 over a generated corpus of
# SIZE (default 64MiB), ROUNDS interleaved runs each (default 6), medians and their ratio.
# Usage: bash bench/jscale.sh [SIZE] [ROUNDS] [extra hunch extract flags, e.g. --unpack or -o csv...]
set -euo pipefail
cd "$(dirname "$0")/.."
size=${1:-64MiB}
rounds=${2:-6}
shift 2 || shift $# || true
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
CGO_ENABLED=0 go build -o "$tmp/hunch" ./cmd/hunch
go run ./internal/benchcorpus/gencorpus -size "$size" -seed 1 -o "$tmp/corpus.txt"
for r in $(seq "$rounds"); do
  for j in 1 2; do
    /usr/bin/time -f "%e" -o "$tmp/t" "$tmp/hunch" extract -j "$j" -o ndjson "$@" "$tmp/corpus.txt" >/dev/null
    cat "$tmp/t" >>"$tmp/j$j"
  done
done
median() { sort -n "$1" | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
m1=$(median "$tmp/j1")
m2=$(median "$tmp/j2")
echo "hunch extract -o ndjson $* over $size, $rounds interleaved rounds"
echo "-j 1: $(tr '\n' ' ' <"$tmp/j1")s  median ${m1}s"
echo "-j 2: $(tr '\n' ' ' <"$tmp/j2")s  median ${m2}s"
awk -v a="$m1" -v b="$m2" 'BEGIN {printf "ratio -j1/-j2: %.2fx\n", a / b}'
