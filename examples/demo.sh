#!/bin/sh
# hunch's demo on the bundled data, offline: decode the PowerShell in synthetic Windows process
# events, extract the indicators, and look them up in two local lists and a generated GeoIP
# database. Run from anywhere: sh examples/demo.sh
set -eu
cd "$(dirname "$0")/.."
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

go build -o "$work/hunch" ./cmd/hunch
go run ./examples/gen/geodb -o "$work/data/geoip/demo-geo.mmdb"
hunch() { "$work/hunch" "$@"; }

echo '== 1. Decode and extract: network indicators in the PowerShell command lines'
hunch extract --unpack -f CommandLine -o table --columns record,Computer,type,value,via,encoding \
	--types ipv4,ipv6,domain,url,email examples/events.ndjson

echo
echo '== 2. Look them up: local threat intel + allow list (examples/hunch.yaml), GeoIP, cache'
hunch extract --unpack -f CommandLine --unique global --types ipv4,ipv6,domain,email examples/events.ndjson |
	hunch lookup --config examples/hunch.yaml --data "$work/data" -f value -o table \
		--columns indicator,type,verdict,decided_by,threatintel,country,as_org

echo
echo '== 3. The intel store: import a MISP event, then ask which of the indicators above it knows'
hunch intel import --data "$work/data" -o table examples/intel/phishing-wave.json
hunch intel search --data "$work/data" -o table --columns event_id,type,value,to_ids,tags,comment \
	--value 198.51.100.23 --value http://198.51.100.23/a.ps1 --value c2.example.com --value cdn.example.net

echo
echo '== 4. Hand it to the sensors: Suricata rules for the to_ids indicators of published events'
hunch intel export --data "$work/data" -F suricata | grep '^alert'
