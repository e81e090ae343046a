#!/usr/bin/env bash
# Peak resident memory and wall time of `hunch extract` (and `extract --unpack`) over a generated
# corpus of SIZE (default 1GiB): the bounded-memory figure in BENCHMARKS.md.
# Usage: bash bench/rss.sh [SIZE] [extra hunch extract flags...]
set -euo pipefail
cd "$(dirname "$0")/.."
size=${1:-1GiB}
shift || true
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
CGO_ENABLED=0 go build -o "$tmp/hunch" ./cmd/hunch
go run ./internal/benchcorpus/gencorpus -size "$size" -seed 1 -o "$tmp/corpus.txt"
echo "corpus: $(du -h "$tmp/corpus.txt" | cut -f1), $(wc -l <"$tmp/corpus.txt") lines"
for mode in "" "--unpack"; do
  n=$(/usr/bin/time -v -o "$tmp/time.txt" "$tmp/hunch" extract $mode "$@" -o ndjson "$tmp/corpus.txt" | wc -l)
  rss=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$tmp/time.txt")
  wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {print $2}' "$tmp/time.txt")
  echo "hunch extract $mode $*: max RSS $((rss / 1024)) MiB, wall $wall, $n indicators"
done
