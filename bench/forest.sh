#!/usr/bin/env bash
# Benchmarks IsolationForest fit and score with JMH and sets the results beside the scikit-learn
# figures measured on the same machine. Extra arguments go to JMH, e.g. `bench/forest.sh -p rows=10000`.
set -euo pipefail
export LC_ALL=C
cd "$(dirname "$0")/.."

# scikit-learn IsolationForest(n_estimators=100, max_samples=256, n_jobs=1), 8 features, this machine.
SK_FIT_LOW=45000
SK_FIT_HIGH=60000
SK_SCORE_LOW=46000
SK_SCORE_HIGH=63000

mvn -B -q test-compile
mvn -B -q dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile=target/forest-bench.classpath
CLASSPATH_JMH="target/test-classes:target/classes:$(cat target/forest-bench.classpath)"
RESULTS=target/forest-bench.csv

java -cp "$CLASSPATH_JMH" org.openjdk.jmh.Main IsolationForestBenchmark -rf csv -rff "$RESULTS" "$@"

echo
echo "Isolation forest, 100 trees, psi 256, 8 features; $(nproc) cores; $(java -version 2>&1 | head -n 1)"
echo "One JMH op is one pass over all rows, so rows/s = ops/s * rows."
echo
awk -F',' -v fl="$SK_FIT_LOW" -v fh="$SK_FIT_HIGH" -v sl="$SK_SCORE_LOW" -v sh="$SK_SCORE_HIGH" '
  NR == 1 { next }
  {
    gsub(/"/, "")
    name = $1; sub(/.*\./, "", name)
    ops = $5; err = $6; rows = $8
    rate = ops * rows
    if (name ~ /^fit/) { low = fl; high = fh } else { low = sl; high = sh }
    threads = (name == "fitParallel") ? "all cores" : "1 thread"
    printf "%-12s %-10s %9d rows  %12.0f rows/s (+/- %4.1f%%)   sklearn %d-%d rows/s   speed-up %5.1fx-%5.1fx\n",
      name, threads, rows, rate, (ops > 0 ? 100 * err / ops : 0), low, high, rate / high, rate / low
  }' "$RESULTS"
echo
echo "fitParallel is compared with single-threaded sklearn; the other rows are like for like."
