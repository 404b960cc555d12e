#!/usr/bin/env bash
# Writes 10 million rows with a 64 MiB heap and reports wall time and peak RSS, to show that datagen streams:
# memory must stay flat however many rows are asked for.
#
# Usage: bench/datagen-memory.sh            (ROWS=... HEAP=-Xmx... JAVA=... to override)
set -euo pipefail
cd "$(dirname "$0")/.."

rows="${ROWS:-10000000}"
heap="${HEAP:--Xmx64m}"
java_bin="${JAVA:-java}"

# The generator needs only the JDK, so the shaded jar or the compiled classes alone are a complete classpath.
if [[ -f target/server.jar ]]; then
  classpath=target/server.jar
else
  if [[ ! -f target/classes/dev/mad/generate/DataGenCommand.class ]]; then
    mvn -q -B compile
  fi
  classpath=target/classes
fi

work="$(mktemp -d "${TMPDIR:-/tmp}/datagen-bench.XXXXXX")"
trap 'rm -rf "$work"' EXIT
command=("$java_bin" "$heap" -cp "$classpath" dev.mad.generate.DataGenCommand
         --rows "$rows" --output "$work/metrics.csv")

echo "datagen bench: $rows rows, $heap, classpath $classpath"
start="$(date +%s.%N)"
if [[ -x /usr/bin/time ]]; then
  /usr/bin/time -v -o "$work/time.txt" "${command[@]}"
  peak_kb="$(awk -F': ' '/Maximum resident set size/ {print $2}' "$work/time.txt")"
else
  # VmHWM is the kernel's own high-water mark, so the last reading before exit is the peak.
  "${command[@]}" &
  pid=$!
  peak_kb=0
  while kill -0 "$pid" 2>/dev/null; do
    hwm="$(awk '/^VmHWM:/ {print $2}' "/proc/$pid/status" 2>/dev/null || true)"
    [[ -n "$hwm" ]] && peak_kb="$hwm"
    sleep 0.2
  done
  wait "$pid"
fi
end="$(date +%s.%N)"

metrics_bytes="$(stat -c %s "$work/metrics.csv")"
labels_bytes="$(stat -c %s "$work/metrics.labels.csv")"
awk -v s="$start" -v e="$end" -v rows="$rows" -v kb="$peak_kb" -v mb="$metrics_bytes" -v lb="$labels_bytes" 'BEGIN {
  elapsed = e - s
  printf "elapsed:   %.1f s (%.0f rows/s)\n", elapsed, rows / elapsed
  printf "peak RSS:  %.1f MiB\n", kb / 1024
  printf "written:   metrics %.1f MiB, labels %.1f MiB\n", mb / 1048576, lb / 1048576
}'
