#!/usr/bin/env bash
# Alerting acceptance (issue 15), on the live server with real collection, a real Alertmanager
# (Debian's prometheus-alertmanager, loopback, gossip off) and a webhook receiver
# (bench/alerting/receiver.py):
#  1. burst: every core busy for BURST seconds; reports the time from the burst's start to the
#     firing alert reaching the receiver behind Alertmanager, and when the resolved one (endsAt)
#     arrives relative to the burst's end;
#  2. outage: the receiver (the server's own webhook) is down for DOWN seconds while INCIDENTS
#     bursts open and close incidents, the server restarted (SIGTERM) after the third; then it
#     returns: reports whether every event arrived, none twice per event id, in order per incident.
# Loopback only; everything it starts goes on exit. Uses target/server.jar (built if missing).
set -euo pipefail
cd "$(dirname "$0")/.."
BURST=${BURST:-15}
DOWN=${DOWN:-120}
INCIDENTS=${INCIDENTS:-5}
[ -f target/server.jar ] || mvn -B -q package -DskipTests
work=$(mktemp -d)
pids=()
loops=()
cleanup() { kill "${loops[@]}" "${pids[@]}" "${server:-}" "${receiver:-}" 2>/dev/null || true; wait 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
now_ms() { date +%s%3N; }
# three distinct free ports, held at once while chosen
read -r RPORT AMPORT SPORT < <(python3 -c '
import socket
ss = [socket.socket() for _ in range(3)]
for s in ss: s.bind(("127.0.0.1", 0))
print(*[s.getsockname()[1] for s in ss])')
received=$work/received.jsonl
: >"$received"

start_receiver() { python3 bench/alerting/receiver.py "$RPORT" "$received" & receiver=$!; }
start_receiver
cat >"$work/am.yml" <<YML
route:
  receiver: bench
  group_by: [alertname, host, incident_id]
  group_wait: 1s
  group_interval: 1s
  repeat_interval: 1h
receivers:
  - name: bench
    webhook_configs:
      - url: http://127.0.0.1:$RPORT/am
        send_resolved: true
YML
/usr/bin/prometheus-alertmanager --config.file="$work/am.yml" --storage.path="$work/am" \
  --web.listen-address="127.0.0.1:$AMPORT" --cluster.listen-address= >"$work/am.log" 2>&1 &
pids+=($!)
cat >"$work/config.json" <<JSON
{"logs_dir": "$work/logs", "detect": {"baseline_seconds": 20, "window_seconds": 120},
 "http": {"port": $SPORT},
 "notify": {"alertmanager_urls": "http://127.0.0.1:$AMPORT",
            "webhooks": [{"name": "bench-hook", "url": "http://127.0.0.1:$RPORT/hook",
                          "secret": "bench-secret-0123456789"}],
            "retry_max_seconds": 10}}
JSON
start_server() {
  java -jar target/server.jar -conf "$work/config.json" >>"$work/server.log" 2>&1 & server=$!
  local t=$(date +%s)
  until ! kill -0 "$server" 2>/dev/null || curl -sf "http://127.0.0.1:$SPORT/api/status" | grep -q '"is_trained":true'; do
    sleep 1
    if [ $(( $(date +%s) - t )) -gt 120 ]; then echo "no model after 120 s"; tail -30 "$work/server.log"; exit 1; fi
  done
  kill -0 "$server" 2>/dev/null || { echo "the server did not start:"; tail -20 "$work/server.log"; exit 1; }
}
open_incidents() { curl -sf "http://127.0.0.1:$SPORT/api/incidents?state=open" | python3 -c 'import json,sys; print(json.load(sys.stdin)["total"])'; }
burst() { for _ in $(seq "$(nproc)"); do timeout "$1" sh -c 'while :; do :; done' & loops+=($!); done; }
await_closed() {
  local t=$(date +%s)
  sleep 3
  until [ "$(open_incidents)" = 0 ]; do
    sleep 1
    if [ $(( $(date +%s) - t )) -gt 120 ]; then echo "incident still open after 120 s"; exit 1; fi
  done
}
start_server
echo "server trained; Alertmanager on $AMPORT, receiver on $RPORT"
sleep 20 # a quiet stretch, so the burst is the only news

# 1. burst through Alertmanager
b0=$(now_ms); burst "$BURST"; wait "${loops[@]}" 2>/dev/null || true; loops=(); b1=$(now_ms)
await_closed
for _ in $(seq 60); do
  grep -q '"status": "resolved"' "$received" && break
  sleep 1
done
python3 - "$received" "$b0" "$b1" <<'PY'
import json, sys, datetime
rows = [json.loads(l) for l in open(sys.argv[1])]
b0, b1 = int(sys.argv[2]), int(sys.argv[3])
am = [r for r in rows if r["path"] == "/am"]
firing = next((r for r in am if r["body"]["status"] == "firing"), None)
resolved = next((r for r in am if r["body"]["status"] == "resolved"), None)
if not firing:
    sys.exit("burst: no firing alert reached the receiver behind Alertmanager")
a = firing["body"]["alerts"][0]
print(f"burst: {(b1 - b0) / 1000:.1f} s of busy cores; firing alert at the receiver behind Alertmanager "
      f"{(firing['at_ms'] - b0) / 1000:.1f} s after the burst began (labels {a['labels']})")
if not resolved:
    sys.exit("burst: no resolved alert")
ends = datetime.datetime.fromisoformat(resolved["body"]["alerts"][0]["endsAt"].replace("Z", "+00:00")).timestamp() * 1000
print(f"burst: resolved alert at the receiver {(resolved['at_ms'] - b1) / 1000:.1f} s after the burst ended; "
      f"endsAt {resolved['body']['alerts'][0]['endsAt']} = {(ends - b1) / 1000:+.1f} s from the burst's end")
PY

# 2. receiver down while incidents open and close, server restarted once
kill "$receiver"; wait "$receiver" 2>/dev/null || true; receiver=
down_ms=$(now_ms)
: >"$received"
for k in $(seq "$INCIDENTS"); do
  burst 6; wait "${loops[@]}" 2>/dev/null || true; loops=()
  await_closed
  echo "outage: incident $k opened and closed"
  if [ "$k" = 3 ]; then
    kill -TERM "$server"; wait "$server" 2>/dev/null || true
    echo "outage: server restarted"; start_server; sleep 5
  fi
done
pending=$(curl -sf "http://127.0.0.1:$SPORT/api/notifications" | python3 -c 'import json,sys; print([r["pending"] for r in json.load(sys.stdin)["receivers"]])')
left=$(( DOWN * 1000 - ($(now_ms) - down_ms) ))
[ "$left" -gt 0 ] && sleep $(( left / 1000 ))
echo "outage: receiver back after $(( ($(now_ms) - down_ms) / 1000 )) s; waiting per receiver: $pending"
start_receiver
t=$(date +%s)
until curl -sf "http://127.0.0.1:$SPORT/api/notifications" | python3 -c 'import json,sys; sys.exit(0 if all(r["pending"] == 0 for r in json.load(sys.stdin)["receivers"]) else 1)'; do
  sleep 1
  if [ $(( $(date +%s) - t )) -gt 120 ]; then echo "outbox not empty 120 s after the receiver returned"; exit 1; fi
done
echo "outage: outbox empty $(( $(date +%s) - t )) s after the receiver returned"
python3 - "$received" "$work/logs/anomaly_history.db" <<'PY'
import json, sys, sqlite3, collections
rows = [json.loads(l) for l in open(sys.argv[1])]
hooks = [r["body"] for r in rows if r["path"] == "/hook"]
ids = collections.Counter(h["event_id"] for h in hooks)
per = collections.defaultdict(list)
for h in hooks:
    per[(h["host"], h["incident_id"])].append(h["event"])
db = sqlite3.connect(sys.argv[2])
stored = db.execute("SELECT count(*) FROM live_incidents").fetchone()[0]
dup = sum(1 for c in ids.values() if c > 1)
ordered = all(ev[0] == "opened" and ev[-1] == "closed" and ev.count("opened") == 1 and ev.count("closed") == 1
              for ev in per.values())
print(f"outage: {len(hooks)} webhook events for {len(per)} incidents (the history holds {stored}: these "
      f"and the burst's); {dup} event ids twice; "
      f"every incident opened first and closed last, once each: {ordered}")
for k, ev in per.items():
    print(f"  {k[0]} #{k[1]}: {' -> '.join(ev)}")
PY
