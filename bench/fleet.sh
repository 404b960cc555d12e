#!/usr/bin/env bash
# Fleet benchmark (issue 14): one hub and real agent JVMs on loopback.
#
#   bench/fleet.sh                 HOSTS=1000 simulated hosts, LOAD_SECONDS=300
#
# 1. standalone opens no cluster port;
# 2. a hub (collect_local on) takes HOSTS simulated hosts at 1 Hz from one simulator agent, plus
#    one real agent (host "real-agent") sampling this machine: every 10 s the hub's CPU and RSS and
#    the worst host's last-sample age; the sample-to-bridge latency over 60 s for 50 hosts (as a
#    browser receives them); a CPU burst on this machine, and how long until the real agent's host
#    has an incident, while the simulated hosts run; the real agent's own footprint;
# 3. kill -9 the real agent: its host turns silent, and no incident storm for the others;
# 4. kill -9 the hub and start it again 10 s later: after the agents catch up, every stream's
#    sequence numbers in metrics_history.csv (and its rolled-over files) have no gap.
# Prints a table (measure | value | target | verdict) and exits 0 only when every target holds.
# Everything binds 127.0.0.1; everything it starts is killed on exit. About LOAD_SECONDS + 4 min.
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
HOSTS=${HOSTS:-1000}
LOAD_SECONDS=${LOAD_SECONDS:-300}
REAL_AT=${REAL_AT:-90}                                     # the simulated hosts have trained by then
BURST_AT=${BURST_AT:-$((LOAD_SECONDS > 270 ? LOAD_SECONDS - 60 : REAL_AT + 120))} # the real agent has learned by then
JAR=${JAR:-$ROOT/target/server.jar}
# the real agent runs as README suggests for agents; AGENT_JVM="" for the JVM's defaults
AGENT_JVM=${AGENT_JVM--XX:+UseSerialGC -Xms8m -Xmx32m -XX:TieredStopAtLevel=1 -XX:CompileThresholdScaling=0.1 -XX:-UsePerfData -Xss256k -XX:ReservedCodeCacheSize=24m}
# the hub's heap, as README sizes it for a fleet (200 MB + 0.6 MB per host); HUB_JVM="" for the defaults
HUB_JVM=${HUB_JVM--Xmx800m}
[ -f "$JAR" ] || mvn -B -q package -DskipTests
WORK=$(mktemp -d /tmp/fleet.XXXXXX)
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null; done
  if [ "${KEEP:-0}" = 1 ]; then echo "logs kept in $WORK" >&2; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
HTTP=$(free_port); HZ_HUB=$(free_port); BUS_HUB=$(free_port)
HZ_SIM=$(free_port); BUS_SIM=$(free_port); HZ_REAL=$(free_port); BUS_REAL=$(free_port)
CLK=$(getconf CLK_TCK)
ROWS=()
row() { ROWS+=("$(printf '%-44s | %-34s | %-16s | %s' "$1" "$2" "$3" "$4")"); echo "  $1: $2 ($4)" >&2; }
ticks() { awk '{print $14 + $15}' "/proc/$1/stat" 2>/dev/null || echo 0; }
rss() { awk '/VmRSS/ {print int($2 / 1024)}' "/proc/$1/status" 2>/dev/null || echo 0; }
api() { curl -s --max-time 5 "http://127.0.0.1:$HTTP$1"; }
await_up() {
  for _ in $(seq 1 60); do
    [ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "http://127.0.0.1:$HTTP/api/status")" = 200 ] && return 0
    sleep 1
  done
  return 1
}
start_hub() {
  # shellcheck disable=SC2086
  java $HUB_JVM -jar "$JAR" hub --logs-dir "$WORK/hub" --port "$HTTP" --cluster-port "$HZ_HUB" --bus-port "$BUS_HUB" \
    >>"$WORK/hub.out" 2>&1 &
  HUB=$!
  PIDS+=("$HUB")
}
echo "fleet bench: $(nproc) cores; $HOSTS simulated hosts; load ${LOAD_SECONDS}s; real agent JVM '$AGENT_JVM'; jar $JAR; load average $(cut -d' ' -f1-3 /proc/loadavg)" >&2

# 1. standalone: no cluster port
java -jar "$JAR" --logs-dir "$WORK/standalone" --port "$(free_port)" >"$WORK/standalone.out" 2>&1 &
SA=$!
PIDS+=("$SA")
sleep 8
sa_ports=$(ss -ltnpH 2>/dev/null | grep "pid=$SA," | awk '{print $4}' | sed 's/.*://' | sort -n | tr '\n' ' ')
kill "$SA"
row "standalone: listening ports" "${sa_ports:-none}" "HTTP only" \
  "$([ "$(echo $sa_ports | wc -w)" = 1 ] && ! echo " $sa_ports " | grep -q ' 5701 ' && echo PASS || echo FAIL)"

# 2. load
start_hub
await_up || { echo "hub did not start: $(tail -3 "$WORK/hub.out")" >&2; exit 1; }
sleep 3
rss_empty=$(rss "$HUB")
java -jar "$JAR" agent --logs-dir "$WORK/sim" --cluster-port "$HZ_SIM" --bus-port "$BUS_SIM" \
  --members "127.0.0.1:$HZ_HUB" --simulate-hosts "$HOSTS" >"$WORK/sim.out" 2>&1 &
SIM=$!
PIDS+=("$SIM")

REAL=""
# The real agent samples this machine, which the hub and the simulator load too: it starts once
# the fleet has settled (every simulated host trained), so that load is part of what it learns.
start_real() {
# shellcheck disable=SC2086
  MALLOC_ARENA_MAX=2 MAD_HOST_NAME=real-agent java $AGENT_JVM -jar "$JAR" agent --logs-dir "$WORK/real" --cluster-port "$HZ_REAL" \
    --bus-port "$BUS_REAL" --members "127.0.0.1:$HZ_HUB" >"$WORK/real.out" 2>&1 &
  REAL=$!
  PIDS+=("$REAL")
  REAL_T0=$(elapsed)
}
T0=$(date +%s)
elapsed() { echo $(($(date +%s) - T0)); }
max_age=0; max_rss=0; ages_log=""; cpu0=""; t_cpu0=0; real_t60=""; real_rss60=0
lat_started=0; burst_done=0; burst_line="not run"
while [ "$(elapsed)" -lt "$LOAD_SECONDS" ]; do
  sleep 10
  t=$(elapsed)
  r=$(rss "$HUB"); [ "$r" -gt "$max_rss" ] && max_rss=$r
  a=$(api /api/hosts | python3 -c 'import json,sys
d=json.load(sys.stdin)["hosts"]; a=[h["last_sample_age_ms"] or 0 for h in d if h["host"]!="real-agent"]
print(len(d), max(a) if a else 0)' 2>/dev/null || echo "0 0")
  n=${a% *}; age=${a#* }
  echo "  t=${t}s hub RSS ${r} MB, hosts $n, worst age ${age} ms" >&2
  if [ "$t" -ge 60 ]; then
    [ "$age" -gt "$max_age" ] && max_age=$age
    [ -z "$cpu0" ] && { cpu0=$(ticks "$HUB"); t_cpu0=$t; }
  fi
  [ -z "$REAL" ] && [ "$t" -ge "$REAL_AT" ] && start_real
  if [ -n "$REAL" ] && [ -z "$real_t60" ] && [ "$t" -ge $((REAL_T0 + 60)) ]; then
    real_t60=$(ticks "$REAL"); real_at=$t
  fi
  if [ "$t" -ge 120 ] && [ "$lat_started" = 0 ]; then
    lat_started=1
    sample=$(python3 -c "print(' '.join('sim-%04d' % (1 + i * max(1, $HOSTS // 50)) for i in range(min(50, $HOSTS))))")
    python3 bench/fleet/latency.py "$HTTP" 60 $sample real-agent >"$WORK/latency.txt" 2>&1 &
  fi
  if [ "$t" -ge "$BURST_AT" ] && [ "$burst_done" = 0 ]; then
    burst_done=1
    real_cpu=$(awk -v a="$real_t60" -v b="$(ticks "$REAL")" -v hz="$CLK" -v w="$((t - real_at))" 'BEGIN {printf "%.2f", 100 * (b - a) / hz / w}')
    real_rss=$(rss "$REAL")
    before=$(api "/api/anomalies?limit=1000" | python3 -c 'import json,sys,time
print(sum(1 for i in json.load(sys.stdin)["incidents"] if i["host"].startswith("sim-")))')
    # the burst must find the host quiet: wait (up to 90 s) until no incident of its is open
    for _ in $(seq 1 90); do
      api /api/hosts | python3 -c 'import json,sys
h=[h for h in json.load(sys.stdin)["hosts"] if h["host"]=="real-agent"]
sys.exit(0 if h and not h[0]["incident_open"] else 1)' && break
      sleep 1
    done
    tb=$(date +%s.%N)
    burn=()
    for _ in 1 2; do
      python3 -c 'import time
end = time.time() + 25
while time.time() < end: pass' &
      burn+=("$!")
    done
    seen=""
    for _ in $(seq 1 50); do
      # an incident opened by the burst, or one already open that the burst escalated
      if api "/api/anomalies?host=real-agent&limit=5" | python3 -c 'import json,sys,datetime
ts=lambda s: datetime.datetime.fromisoformat(s.replace("Z","+00:00")).timestamp()
tb=float(sys.argv[1]); inc=json.load(sys.stdin)["incidents"]
ok=[i for i in inc if ts(i["started"]) >= tb - 1 or (i["ended"] is None or ts(i["ended"]) >= tb) and ts(i["timestamp"]) >= tb - 1 and i["metrics"].get("cpu_percent", 0) >= 90]
sys.exit(0 if ok else 1)' "$tb"; then seen=$(python3 -c "import time; print('%.1f' % (time.time() - $tb))"); break; fi
      sleep 0.5
    done
    wait "${burn[@]}"
    after=$(api "/api/anomalies?limit=1000" | python3 -c 'import json,sys
print(sum(1 for i in json.load(sys.stdin)["incidents"] if i["host"].startswith("sim-")))')
    api "/api/anomalies?host=real-agent&limit=5" >"$WORK/real-incidents.json"
    rate=$(api "/api/anomalies?limit=1000" | python3 -c 'import json,sys,datetime,time
ts=lambda s: datetime.datetime.fromisoformat(s.replace("Z","+00:00")).timestamp()
tb=float(sys.argv[1]); inc=[i for i in json.load(sys.stdin)["incidents"] if i["host"].startswith("sim-")]
print(sum(1 for i in inc if tb - 100 <= ts(i["started"]) < tb - 75))' "$tb")
    burst_line="${seen:-none in 25} s; simulated hosts opened $((after - before)) incidents meanwhile ($rate in 25 s before)"
    row "CPU burst on the real agent: incident after" "$burst_line" "<= 5 s" \
      "$([ -n "$seen" ] && python3 -c "import sys; sys.exit(0 if $seen <= 5 else 1)" && echo PASS || echo FAIL)"
  fi
done
cpu=$(awk -v a="$cpu0" -v b="$(ticks "$HUB")" -v hz="$CLK" -v w="$(($(elapsed) - t_cpu0))" 'BEGIN {printf "%.2f", (b - a) / hz / w}')
rss_end=$(rss "$HUB")
per_host=$(( (rss_end - rss_empty) * 1024 / (HOSTS + 1) ))
row "hub CPU, average after the first minute" "$cpu cores" "<= 1 core" "$(awk -v c="$cpu" 'BEGIN {print (c <= 1 ? "PASS" : "FAIL")}')"
row "hub RSS, highest / at the end" "$max_rss MB / $rss_end MB" "<= 1024 MB" "$([ "$max_rss" -le 1024 ] && echo PASS || echo FAIL)"
row "memory per host (RSS growth / hosts)" "$per_host KB (hub alone ${rss_empty} MB)" "reported" "INFO"
row "worst host's last-sample age (lag)" "$max_age ms" "< 2000 ms, no growth" "$([ "$max_age" -lt 2000 ] && echo PASS || echo FAIL)"
lat=$(cat "$WORK/latency.txt" 2>/dev/null)
p99=$(echo "$lat" | awk '{for (i=1;i<=NF;i++) if ($i=="p99_ms") print $(i+1)}')
row "sample-to-bridge latency (51 hosts, 60 s)" "${lat:-none}" "p99 <= 1000 ms" "$([ -n "$p99" ] && [ "$p99" -le 1000 ] && echo PASS || echo FAIL)"
row "real agent footprint (after 60 s)" "RSS ${real_rss:-?} MB, CPU ${real_cpu:-?}% of a core" "<= 128 MB, <= 1 %" \
  "$(awk -v r="${real_rss:-999}" -v c="${real_cpu:-99}" 'BEGIN {print (r <= 128 && c <= 1 ? "PASS" : "FAIL (goal)")}')"

# 3. kill -9 the real agent
before=$(api "/api/anomalies?limit=1000" | python3 -c 'import json,sys
print(sum(1 for i in json.load(sys.stdin)["incidents"] if i["host"].startswith("sim-")))')
tk=$(date +%s)
kill -9 "$REAL"
silent=""
for _ in $(seq 1 60); do
  st=$(api /api/hosts | python3 -c 'import json,sys
print(next((h["state"] for h in json.load(sys.stdin)["hosts"] if h["host"]=="real-agent"), "gone"))' 2>/dev/null)
  [ "$st" = silent ] && { silent=$(($(date +%s) - tk)); break; }
  sleep 1
done
after=$(api "/api/anomalies?limit=1000" | python3 -c 'import json,sys
print(sum(1 for i in json.load(sys.stdin)["incidents"] if i["host"].startswith("sim-")))')
silent_inc=$(api "/api/anomalies?host=real-agent&limit=3" | python3 -c 'import json,sys
print(any(i["reason"].startswith("Host silent") for i in json.load(sys.stdin)["incidents"]))')
row "kill -9 real agent: host silent after" "${silent:-never} s; silent incident $silent_inc; sim incidents +$((after - before))" \
  "<= stale (30) + 5 s" "$([ -n "$silent" ] && [ "$silent" -le 35 ] && [ "$silent_inc" = True ] && echo PASS || echo FAIL)"

# 4. kill -9 the hub, start it again
kill -9 "$HUB"
sleep 10
start_hub
await_up || { echo "hub did not restart" >&2; }
back=$(date +%s)
sleep 60
kill "$SIM"
wait "$SIM" 2>/dev/null
sleep 3
kill "$HUB"
wait "$HUB" 2>/dev/null
check=$(python3 bench/fleet/streams.py "$WORK/hub" real-agent)
missing=$(echo "$check" | awk '{for (i=1;i<=NF;i++) if ($i=="missing") print $(i+1)}')
row "hub kill -9 + restart: samples missing" "$check" "0 missing" "$([ "$missing" = 0 ] && echo PASS || echo FAIL)"
caught=$(grep -c "A new hub\|reachable again" "$WORK/sim.out")
row "simulator agent noticed the new hub" "$caught log lines" ">= 1" "$([ "$caught" -ge 1 ] && echo PASS || echo FAIL)"

echo
printf '%-44s | %-34s | %-16s | %s\n' measure value target verdict
for r in "${ROWS[@]}"; do echo "$r"; done
fails=$(printf '%s\n' "${ROWS[@]}" | grep -c '| FAIL')
echo "TOTAL: ${#ROWS[@]} measures, $fails failed"
[ "$fails" = 0 ]
