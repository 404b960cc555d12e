#!/usr/bin/env bash
# Idle footprint of the server: starts it from target/server.jar with a throw-away logs dir,
# lets it sample for WARMUP seconds (default 60), then reports RSS and the CPU it used over the
# next WINDOW seconds (default 30), measured from /proc/<pid>/stat, not from ps's lifetime average.
set -euo pipefail
cd "$(dirname "$0")/.."
WARMUP=${WARMUP:-60}
WINDOW=${WINDOW:-30}
PORT=${PORT:-5099}
[ -f target/server.jar ] || mvn -B -q package -DskipTests
work=$(mktemp -d)
trap 'kill $pid 2>/dev/null || true; rm -rf "$work"' EXIT
MAD_LOGS_DIR="$work/logs" java -jar target/server.jar -conf conf/config.json --port "$PORT" >"$work/out.txt" 2>&1 &
pid=$!
sleep "$WARMUP"
hz=$(getconf CLK_TCK)
ticks() { awk '{print $14 + $15}' "/proc/$pid/stat"; }
t0=$(ticks); sleep "$WINDOW"; t1=$(ticks)
rss_kb=$(awk '/VmRSS/ {print $2}' "/proc/$pid/status")
hwm_kb=$(awk '/VmHWM/ {print $2}' "/proc/$pid/status")
rows=$(($(wc -l < "$work/logs/metrics_history.csv") - 1))
cpu=$(awk -v a="$t0" -v b="$t1" -v hz="$hz" -v w="$WINDOW" 'BEGIN {printf "%.2f", 100 * (b - a) / hz / w}')
echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(java -version 2>&1 | head -1)"
echo "after ${WARMUP}s of 1 s sampling (${rows} rows written):"
echo "  RSS now:  $((rss_kb / 1024)) MiB (peak $((hwm_kb / 1024)) MiB)"
echo "  CPU:      ${cpu}% of one core, averaged over the next ${WINDOW}s"
