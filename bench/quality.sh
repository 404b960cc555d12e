#!/usr/bin/env bash
# Detection quality on labelled real server metrics: runs ../shared/quality/evaluate.py (both
# protocols, every series) on the built jar, then the original project's labelled sample, and
# prints the macro numbers README quotes. Arguments are options of the CLI, given to every run
# (e.g. bench/quality.sh --sensitivity 2). JAR=path measures another build.
# Needs Debian's python3-sklearn and python3-pandas (evaluate.py runs under /usr/bin/python3).
set -euo pipefail
cd "$(dirname "$0")/.."
QUALITY=${QUALITY:-../shared/quality}
FIXTURE=${FIXTURE:-../shared/fixtures/seed_sample_metrics2k.csv}
JAR=${JAR:-target/server.jar}
[ -f "$JAR" ] || mvn -B -q package -DskipTests
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
export MAD_LOGS_DIR="$out/logs"
/usr/bin/python3 "$QUALITY/evaluate.py" --jar "$JAR" --out "$out" -- "$@"
echo
java -jar "$JAR" --csv-file "$FIXTURE" --output-file "$out/fixture.csv" "$@" >/dev/null
/usr/bin/python3 - "$out/fixture.csv" "${FIXTURE%.csv}.labels.csv" <<'PY'
import csv, sys
flags = [r["is_anomaly"] == "true" for r in csv.DictReader(open(sys.argv[1]))]
labels = [r["label"] == "1" for r in csv.DictReader(open(sys.argv[2]))]
tp = sum(f and l for f, l in zip(flags, labels)); fp = sum(f and not l for f, l in zip(flags, labels))
fn = sum(l and not f for f, l in zip(flags, labels))
print(f"[fixture] seed_sample_metrics2k: flagged {sum(flags)} of {len(flags)}, tp {tp} fp {fp} fn {fn}, "
      f"F1 {2 * tp / max(1, 2 * tp + fp + fn):.3f}")
PY
