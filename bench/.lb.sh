#!/usr/bin/env bash
# Live acceptance check of the detector, as a user would see it: start the server with a 20 s
# baseline, wait for the first model, watch a quiet host for QUIET seconds, then load every core
# with busy loops for 30 s and report how fast an incident opened and what it said.
set -euo pipefail
cd "$(dirname "$0")/.."
QUIET=${QUIET:-60}
PORT=${PORT:-5098}
[ -f target/server.jar ] || mvn -B -q package -DskipTests
work=$(mktemp -d)
loops=()
cleanup() { kill "${loops[@]}" "$pid" 2>/dev/null || true; cp -r "$work" /tmp/lbwork; rm -rf "$work"; }
trap cleanup EXIT
MAD_LOGS_DIR="$work/logs" MAD_DETECT_BASELINE_SECONDS=20 \
  java -jar target/server.jar -conf conf/config.json --port "$PORT" >"$work/out.txt" 2>&1 &
pid=$!
start=$(date +%s)
until curl -sf "http://127.0.0.1:$PORT/api/status" | grep -q '"is_trained":true'; do
  sleep 1
  if [ $(( $(date +%s) - start )) -gt 90 ]; then echo "no model after 90 s"; cat "$work/out.txt"; exit 1; fi
done
echo "model trained $(( $(date +%s) - start )) s after start"

incidents() { python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))))' "$work/logs/anomalies.json" 2>/dev/null || echo 0; }
before=$(incidents)
sleep "$QUIET"
after=$(incidents)
echo "quiet host: $((after - before)) incident(s) opened in ${QUIET} s"

burst_ms=$(date +%s%3N)
for _ in $(seq "$(nproc)"); do timeout 30 sh -c 'while :; do :; done' & loops+=($!); done
found=""
for _ in $(seq 60); do
  sleep 0.5
  found=$(python3 - "$work/logs/anomalies.json" "$burst_ms" <<'PY' 2>/dev/null || true
import json, sys, datetime
incidents = json.load(open(sys.argv[1]))
burst = int(sys.argv[2])
for inc in incidents:
    started = datetime.datetime.fromisoformat(inc["started"]).timestamp() * 1000
    if started >= burst - 1000:
        top = max(inc["contributions"].items(), key=lambda kv: kv[1])
        print(f"opened {(started - burst) / 1000:.1f} s after the burst began (first flagged sample); "
              f"severity {inc['severity']}; reason: {inc['reason']}; top contribution {top[0]} {top[1]}%")
        break
PY
)
  [ -n "$found" ] && break
done
seen_ms=$(date +%s%3N)
if [ -z "$found" ]; then echo "burst: no incident within 30 s"; exit 1; fi
echo "burst: incident $found"
echo "burst: visible in anomalies.json $(( (seen_ms - burst_ms) )) ms after the burst began"
