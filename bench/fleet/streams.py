#!/usr/bin/env python3
"""Per-stream sequence check of a hub's history (bench/fleet.sh).

  streams.py LOGS_DIR [EXCLUDE_PREFIX]

Reads metrics_history.csv and its rolled-over files, groups rows by agent_id and prints, for all
streams together: streams, rows, missing (sequence numbers absent between 1 and a stream's last),
duplicates (rows written twice), and the worst stream's missing count. Streams whose host starts
with EXCLUDE_PREFIX are left out.
"""
import csv
import glob
import os
import sys


def main(argv):
    logs = argv[1]
    exclude = argv[2] if len(argv) > 2 else None
    seqs = {}
    rows = 0
    files = sorted(glob.glob(os.path.join(logs, "metrics_history*.csv")))
    for f in files:
        with open(f, newline="") as fh:
            for r in csv.DictReader(fh):
                a = r.get("agent_id")
                if not a or (exclude and r["host"].startswith(exclude)):
                    continue
                seqs.setdefault(a, []).append(int(r["seq"]))
                rows += 1
    missing = dups = worst = 0
    worst_stream = ""
    for a, s in seqs.items():
        u = set(s)
        m = max(u) - len(u)
        missing += m
        dups += len(s) - len(u)
        if m > worst:
            worst, worst_stream = m, a
    print("files %d streams %d rows %d missing %d duplicates %d worst %d %s"
          % (len(files), len(seqs), rows, missing, dups, worst, worst_stream))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
