#!/usr/bin/env bash
# Soak: runs the server for MINUTES (default 10) with 1 s sampling, CLIENTS (default 20) SockJS
# bridge clients attached and a CSV upload every 30 s, and prints RSS and open file handles every
# 30 s, so that growth shows. Uses target/server.jar and the test classes (BridgeClients).
set -euo pipefail
cd "$(dirname "$0")/.."
MINUTES=${MINUTES:-10}
CLIENTS=${CLIENTS:-20}
PORT=${PORT:-5140}
mvn -B -q package -DskipTests
mvn -B -q test-compile dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile=target/soak.classpath
work=$(mktemp -d)
# Run from copies, so that rebuilding target/ during the soak cannot pull classes out from under it.
cp target/server.jar "$work/server.jar"
cp -r target/classes target/test-classes "$work/"
MAD_LOGS_DIR="$work/logs" java -jar "$work/server.jar" -conf conf/config.json --port "$PORT" >"$work/server.out" 2>&1 &
pid=$!
trap 'kill $pid $clients_pid 2>/dev/null || true; rm -rf "$work"' EXIT
sleep 5
seconds=$((MINUTES * 60))
java -cp "$work/test-classes:$work/classes:$(cat target/soak.classpath)" dev.mad.soak.BridgeClients "$PORT" "$CLIENTS" "$seconds" &
clients_pid=$!
echo "machine: $(nproc) cores; server pid $pid; $CLIENTS bridge clients; upload every 30 s; ${MINUTES} min"
echo "elapsed_s rss_mib open_fds threads uploads"
uploads=0
for ((t = 0; t <= seconds; t += 30)); do
  rss=$(awk '/VmRSS/ {printf "%d", $2/1024}' "/proc/$pid/status")
  fds=$(ls "/proc/$pid/fd" | wc -l)
  threads=$(awk '/Threads/ {print $2}' "/proc/$pid/status")
  echo "$t $rss $fds $threads $uploads"
  [ "$t" -ge "$seconds" ] && break
  curl -s -o /dev/null -F "file=@sample_metrics2k.csv" "http://127.0.0.1:$PORT/api/upload-csv" && uploads=$((uploads + 1))
  sleep 30
done
wait $clients_pid || true
curl -s "http://127.0.0.1:$PORT/health" | head -c 300; echo
echo "analyses recorded: $(curl -s "http://127.0.0.1:$PORT/api/analysis-history?limit=500" | grep -o '"id"' | wc -l)"
ls "$work/logs" "$work/logs/analyses" | head -40 | tr '\n' ' '; echo
