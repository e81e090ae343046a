#!/usr/bin/env bash
# Bulk import and a streamed restSearch CSV export through `hunch serve`: the intel store's end-to-end figures
# in BENCHMARKS.md. Generates N attributes (default 1000000) with bench/intelgen, imports them with
# `hunch intel import` into a fresh SQLite store (attributes/s), starts `hunch serve` on it, and asks
# attributes/restSearch for CSV with curl as the site admin: wall time, lines, and the server's peak RSS
# during the export (VmHWM, reset just before the request).
# Usage: bash bench/restsearch.sh [N] [KEEPDIR]   (KEEPDIR keeps corpus and store for a later run)
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-1000000}
if [ -n "${2:-}" ]; then tmp=$2; mkdir -p "$tmp"; else tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT; fi
CGO_ENABLED=0 go build -o "$tmp/hunch" ./cmd/hunch
if [ ! -d "$tmp/data" ]; then
  go run ./bench/intelgen -attrs "$n" -out "$tmp/corpus"
  echo "corpus: $(du -sh "$tmp/corpus" | cut -f1) of NDJSON, $n attributes"
  start=$(date +%s.%N)
  "$tmp/hunch" --data "$tmp/data" -o csv intel import "$tmp/corpus"/*.ndjson >/dev/null
  end=$(date +%s.%N)
  awk -v n="$n" -v s="$start" -v e="$end" 'BEGIN { printf "import: %d attributes in %.1f s: %.0f attributes/s\n", n, e - s, n / (e - s) }'
  echo "store: $(du -sh "$tmp/data" | cut -f1)"
fi
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
rm -f "$tmp/serve.err"
"$tmp/hunch" --data "$tmp/data" serve --listen "127.0.0.1:$port" 2>"$tmp/serve.err" &
pid=$!
trap 'kill $pid 2>/dev/null || true; [ -n "${2:-}" ] || rm -rf "$tmp"' EXIT
for _ in $(seq 100); do curl -fsS "http://127.0.0.1:$port/health" >/dev/null 2>&1 && break; sleep 0.1; done
key=${HUNCH_KEY:-$(grep -Eo '^ +[A-Za-z0-9]{40}$' "$tmp/serve.err" | tr -d ' ' || true)}
if [ -z "$key" ]; then
  [ -f "$tmp/key" ] && key=$(cat "$tmp/key") || { echo "no admin key: set HUNCH_KEY" >&2; exit 1; }
fi
echo "$key" >"$tmp/key"
echo 5 >"/proc/$pid/clear_refs" 2>/dev/null || echo "(cannot reset VmHWM: peak includes start-up)"
before=$(awk '/VmRSS/ {print $2}' "/proc/$pid/status")
start=$(date +%s.%N)
lines=$(curl -fsS -H "Authorization: $key" -H 'Accept: application/json' -H 'Content-Type: application/json' \
  -d '{"returnFormat":"csv"}' "http://127.0.0.1:$port/attributes/restSearch" | wc -l)
end=$(date +%s.%N)
peak=$(awk '/VmHWM/ {print $2}' "/proc/$pid/status")
awk -v l="$lines" -v s="$start" -v e="$end" -v b="$before" -v p="$peak" 'BEGIN {
  printf "restSearch csv: %d lines in %.2f s (%.0f attributes/s, header and final empty line aside); server RSS %.1f MiB before, peak %.1f MiB\n", l, e - s, (l - 2) / (e - s), b / 1024, p / 1024 }'
kill "$pid"; wait "$pid" 2>/dev/null || true
