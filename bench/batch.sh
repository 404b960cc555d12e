#!/usr/bin/env bash
# End-to-end batch analysis benchmark: generates ROWS rows in the seed's schema with datagen,
# then times `java -jar target/server.jar --csv-file ... --output-file ...` (JVM start, both
# passes, output CSV, history database) and reports wall time and peak RSS. The reference is
# the scikit-learn pipeline of the original (pandas read, IsolationForest(100, 256, 0.05) fit +
# score_samples + predict, CSV write): about 12 s for 200k rows on this machine.
# Files up to 128 MiB are analysed in a child JVM (see dev.mad.cli.TunedJvm); the time covers
# both JVMs and the peak RSS is that of the larger process (GNU time reports the largest of the
# processes it waited for, children included).
#
# Usage: bench/batch.sh [ROWS...]    (default: 200000 1000000)
set -euo pipefail
cd "$(dirname "$0")/.."
JAR=${JAR:-target/server.jar}   # JAR=path times another build
[ -f "$JAR" ] || mvn -B -q package -DskipTests
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(200000 1000000)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(java -version 2>&1 | head -1)"
for rows in "${sizes[@]}"; do
  java -jar "$JAR" datagen --rows "$rows" --output "$work/in.csv" --seed 7 >/dev/null
  size=$(du -m "$work/in.csv" | cut -f1)
  best=""
  for run in 1 2 3; do
    rm -rf "$work/logs"
    /usr/bin/time -f "%e %M" -o "$work/time" env MAD_LOGS_DIR="$work/logs" \
      java -jar "$JAR" --csv-file "$work/in.csv" --output-file "$work/out.csv" >"$work/summary" 2>&1
    read -r secs rss_kb < "$work/time"
    echo "  $rows rows (${size} MiB), run $run: ${secs} s, peak RSS $((rss_kb / 1024)) MiB, $(grep 'Anomalies detected' "$work/summary")"
    if [ -z "$best" ] || awk -v a="$secs" -v b="$best" 'BEGIN {exit !(a < b)}'; then best=$secs; fi
    [ "$rows" -ge 5000000 ] && break
  done
  if [ "$rows" -eq 200000 ]; then
    awk -v b="$best" 'BEGIN {printf "  best %.2f s: %.1fx faster than scikit-learn (12 s)\n", b, 12 / b}'
  else
    awk -v b="$best" -v r="$rows" 'BEGIN {printf "  best %.2f s (%.0f rows/s end to end)\n", b, r / b}'
  fi
  rm -f "$work/in.csv" "$work/in.labels.csv" "$work/out.csv"
done
