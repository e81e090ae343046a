#!/bin/sh
# hunch's demo on the bundled data, offline: decode the PowerShell in synthetic Windows process
# events, extract the indicators, and look them up in two local lists and a generated GeoIP
# database. Run from anywhere: sh examples/demo.sh
set -eu
cd "$(dirname "$0")/.."
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

CGO_ENABLED=0 go build -o "$work/hunch" ./cmd/hunch # static: it also goes into the Splunk app (step 9)
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

echo
echo '== 5. Warninglists: mark known-good infrastructure (a list in MISP format), then check values against it'
mkdir -p "$work/data/misp/warninglists/lists"
cp -R examples/intel/warninglists/lists/. "$work/data/misp/warninglists/lists/"
hunch intel warninglist enable --data "$work/data" 'Demo:%'
hunch intel warninglist check --data "$work/data" -o table cdn.example.net c2.example.com 198.51.100.23

echo
echo '== 6. Feeds: a free-text blocklist fetched into an event of its own, and cached for feed hits'
AKEY=$(hunch init --data "$work/data" --org 'Demo SOC' 2>/dev/null) # the host organisation owns feed events
export AKEY
mkdir -p "$work/data/feeds"
cp examples/intel/feeds/blocklist.txt "$work/data/feeds/"
hunch intel feed add --data "$work/data" --name 'Demo blocklist' --local --url blocklist.txt --caching 2>/dev/null
hunch intel feed fetch --data "$work/data" -o table --columns feed,added,updated,values 1
hunch intel feed cache --data "$work/data" -o table 1

echo
echo '== 7. Share: a second instance pulls the published events over the MISP sync protocol'
"$work/hunch" serve --data "$work/data" --listen 127.0.0.1:0 2>"$work/a.log" &
apid=$!
trap 'kill $apid 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 100); do grep -q 'msg=listening' "$work/a.log" && break; sleep 0.1; done
addr=$(sed -n 's/.*msg=listening addr=\([^ ]*\).*/\1/p' "$work/a.log")
hunch init --data "$work/b" --org 'Demo Partner' >/dev/null 2>&1
hunch org add --data "$work/b" 'Demo SOC' >/dev/null
hunch intel server add --data "$work/b" --name 'Demo SOC' --url "http://$addr" --remote-org 'Demo SOC' \
	--authkey env:AKEY --pull >/dev/null
hunch intel server pull --data "$work/b" 1
hunch intel search --data "$work/b" -o table --columns event_id,type,value,to_ids --type domain
kill $apid
wait $apid 2>/dev/null || true

echo
echo '== 8. Hunt with a query template: encoded PowerShell in the log files, values quoted, never pasted'
hunch query show files.encoded_powershell -p 'pattern=(?i)-enc\s "or" | delete' | sed -n '/^rendered:/,$p'
hunch query run files.encoded_powershell --files examples/events.ndjson -o ndjson |
	hunch extract --unpack -f CommandLine --unique global --types url,ipv4,domain -o table --columns Computer,type,value

echo
echo '== 9. Inside Splunk: the same decoding as a search command, over the protocol splunkd speaks'
chunk() { printf 'chunked 1.0,%d,%d\n%s%s' "$(printf %s "$1" | wc -c)" "$(printf %s "$2" | wc -c)" "$1" "$2"; }
cmd=$(sed -n 's/.*"CommandLine":"\(powershell.exe -NoP -W Hidden -enc [^"]*\)".*/\1/p' examples/events.ndjson | head -n 1)
{
	chunk '{"action":"getinfo","preview":false,"searchinfo":{"args":["field=CommandLine"],"app":"hunch"}}' ''
	chunk '{"action":"execute","finished":true}' "$(printf '_time,host,CommandLine\n1773476338,WKS-014,"%s"\n' "$cmd")"
} | hunch splunk-command hunchunpack >"$work/reply"
head -n 2 "$work/reply" | cut -c1-80                  # splunkd's view: the command's getinfo and execute replies
grep -o 'base64>utf16le.*' "$work/reply" | cut -d, -f1 # the decoding chain, and the decoded script:
grep -o "IEX (New-Object Net.WebClient).DownloadString('[^']*')" "$work/reply" | head -n 1
hunch splunk-app build --out "$work/hunch.tgz" --binary "$work/hunch" && tar -tzf "$work/hunch.tgz"

echo
echo '== 10. Command-line risk: which process launches look like an attacker, and why; then lookalikes of our domain'
hunch analyze cmdline --min-score 20 -o table --columns Computer,cmdline_score,cmdline_rules examples/events.ndjson
hunch extract --unpack -f CommandLine --types domain --unique global examples/events.ndjson |
	hunch analyze domains --watch example.com --flagged -o table --columns value,lookalike_kind,lookalike_reason

echo
echo '== 11. Process trees: where the encoded PowerShell on WKS-014 came from'
hunch analyze proctree --text --width 70 --host WKS-014.corp.example.com --process '-enc' examples/events.ndjson

echo
echo '== 12. Time series: logons per hour, decomposed by robust STL; the spray and the outage stand out both ways'
hunch analyze timeseries --robust --threshold 5 --anomalies -o table --columns time,count,trend,seasonal,score,anomaly examples/logons.ndjson

echo
echo '== 13. Clusters: 40 process launches fold into a few kinds; the one that clusters with nothing is the stager'
hunch analyze cluster --summary -o csv --columns cluster_id,cluster_size,Computer,CommandLine examples/events.ndjson | cut -c1-110

echo
echo '== 14. Sigma: our two demo rules over the events (author on every hit), then the same rule for three SIEMs'
hunch sigma scan -o csv --columns Computer,sigma_level,sigma_title examples/sigma -- examples/events.ndjson 2>"$work/sigma" |
	sed 1d | sort | uniq -c
cat "$work/sigma" # the per-rule summary, with each rule's attribution
for lang in spl kql esql; do hunch sigma convert --to "$lang" examples/sigma/lolbin_download.yml | sed '1d;/^$/d'; done

echo
echo '== 15. The report: timeline, process trees, the series with its anomalies, the IP map, entities, heatmap, table'
report=${HUNCH_DEMO_REPORT:-$work/report.html}
hunch report --title 'Demo hunt: WKS-014, WKS-022, WKS-040 and DC01' --geoip "$work/data/geoip/demo-geo.mmdb" \
	-o "$report" examples/events.ndjson examples/logons.ndjson
echo "wrote $report ($(wc -c <"$report") bytes, one file, opens offline; HUNCH_DEMO_REPORT=FILE keeps it)"

echo
echo '== 16. Reputation, all sources at once: verdict as a DBotScore, providers, GeoIP, intel store, warninglists'
hunch rep ip --config examples/hunch.yaml --data "$work/data" -o table \
	--columns indicator,dbot_score,verdict,decided_by,country,as_org,intel_events,intel_to_ids 198.51.100.23 192.0.2.10
hunch rep domain --config examples/hunch.yaml --data "$work/data" -o table \
	--columns indicator,dbot_score,verdict,intel_events,warninglists,feeds 'c2[.]example[.]com' cdn.example.net

echo
echo '== 17. An incident with a tamper-evident journal: open it, work it, verify the hash chain'
export HUNCH_ACTOR=demo
hunch incident --data "$work/data" new --name 'Encoded PowerShell on WKS-014' --type Malware --severity high --label demo -o table \
	--columns id,name,severity,status
hunch incident --data "$work/data" note 1 'decoded: a download cradle to 198.51.100.23 (see step 1)' -o table --columns seq,kind,actor
hunch incident --data "$work/data" set 1 --status active --owner alice -o table --columns id,status,owner,journal_entries
hunch incident --data "$work/data" journal 1 -o table --columns seq,kind,actor,body
for i in 1 2; do # Splunk's webhook alert action fires twice for one search: one incident, the second alert merged
	hunch incident --data "$work/data" ingest --format splunk examples/alerts/splunk_webhook.json -o table \
		--columns id,name,severity,merged,indicators,journal_entries
done
hunch incident --data "$work/data" verify 1 2

echo
echo '== 18. A playbook on the Splunk alert: decode, extract, look up, escalate, ask; the analyst approves; intel event, closed'
hunch playbook check examples/playbooks/triage-encoded-powershell.yaml | sed -n '1,2p'
hunch playbook run triage-encoded-powershell --playbooks examples/playbooks --config examples/hunch.yaml --data "$work/data" --incident 2
hunch task list --data "$work/data"
hunch task complete 1 approve approve --comment 'confirmed with the host owner' --continue \
	--playbooks examples/playbooks --config examples/hunch.yaml --data "$work/data" | sed -n '1,2p;/record/p;/close/p'
hunch intel search --data "$work/data" -o table --columns event_id,type,value,comment --value 198.51.100.23 --value http://198.51.100.23/a.ps1
hunch incident --data "$work/data" verify 2
hunch incident report 2 --data "$work/data" -o "$work/incident-2.html"
hunch incident summary --data "$work/data" --last 1d -o "$work/soc.csv" >/dev/null && cut -d, -f1-6,10-13 "$work/soc.csv"

echo
echo '== 19. A hunt file, run twice with new parameters: one report per host'
for host in WKS-014.corp.example.com WKS-040.corp.example.com; do
	hunch hunt run examples/hunts/encoded-powershell.yaml --config examples/hunch.yaml --data "$work/data" \
		-p host="$host" --dir "$work/hunt-$host" 2>/dev/null
	echo "  $(grep -c . "$work/hunt-$host/events.ndjson") events; indicators by verdict:" \
		"$(sed -n 's/^{"indicator":"[^"]*","type":"[^"]*","verdict":"\([a-z]*\)".*/\1/p' "$work/hunt-$host/records.ndjson" |
			sort | uniq -c | awk '{printf "%s%s %s", sep, $1, $2; sep=", "}')"
done

echo
echo '== 20. Linux hosts: sessions paired from auth.log and audit.log, logons clustered, the risky sudo sessions with why'
hunch analyze linux-sessions --logons -o table --columns user,source,method,logons,failures,rare examples/linux/auth.log
hunch analyze linux-sessions --risky -o table --columns start,kind,user,by,reasons examples/linux/auth.log examples/linux/audit.log

echo
echo '== 21. Pivots: what applies to an address, then a command line decoded and its address looked up, chained'
hunch pivot ip 198.51.100.23 -o table --columns function,summary,destructive | head -12
cmd=$(sed -n 's/.*"CommandLine":"\(powershell.exe -NoP -W Hidden -enc [^"]*\)".*/\1/p' examples/events.ndjson | head -n 1)
hunch pivot process "$cmd" extract -o ndjson | hunch pivot ip - lookup --config examples/hunch.yaml --data "$work/data" \
	-o table --columns indicator,verdict,decided_by,threatintel

echo
echo '== 22. Response: block the C2 domain on the c2 blocklist (an External Dynamic List hunch serve hands to firewalls)'
hunch respond block --list c2 --dry-run c2.example.com 198.51.100.23
hunch respond block --list c2 --yes --data "$work/data" c2.example.com 198.51.100.23
printf 'server:\n  edl:\n    c2-domains: {kind: domain, tags: ["edl:c2"]}\n    c2-ips: {kind: ip, tags: ["edl:c2"]}\n' >"$work/edl.yaml"
echo "the c2-domains and c2-ips lists, as a Palo Alto firewall pulls them from hunch serve at /edl/NAME:"
hunch intel edl --config "$work/edl.yaml" --data "$work/data" c2-domains
hunch intel edl --config "$work/edl.yaml" --data "$work/data" c2-ips
