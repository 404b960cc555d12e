#!/usr/bin/env python3
"""Checks on a server's metrics_history.csv for bench/attack.sh.

  history.py gaps FILE FROM TO   sampling gaps (consecutive timestamps > 2.5 s apart) between the
                                 epoch seconds FROM and TO; the stretch from FROM to the first row
                                 and from the last row to TO count too, so a stall at either end
                                 is a gap. Prints: gaps=N max_gap=S rows=R
  history.py fields FILE         lines that are not 15 comma-separated fields (a cut line, or two
                                 rows joined). Prints: lines=L bad=B [first bad line, cut short]
  history.py rows FILE           number of data rows (lines after the header)
  history.py missing FILE FROM TO  samples missing between FROM and TO at 1 s sampling: the sum,
                                 over consecutive rows more than 1.5 s apart, of the seconds
                                 between them less one. Prints the number

Timestamps are the server's "YYYY-MM-DD HH:MM:SS[.ffffff]" in local time.
"""
import sys
from datetime import datetime

GAP_S = 2.5
FIELDS = 15


def stamps(path):
    out = []
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            ts = line.split(",", 1)[0]
            for fmt in ("%Y-%m-%d %H:%M:%S.%f", "%Y-%m-%d %H:%M:%S"):
                try:
                    out.append(datetime.strptime(ts, fmt).timestamp())
                    break
                except ValueError:
                    pass
    return out


def gaps(path, t_from, t_to):
    ts = [t for t in stamps(path) if t_from - GAP_S <= t <= t_to + GAP_S]
    points = [t_from] + ts + [t_to]
    diffs = [b - a for a, b in zip(points, points[1:])]
    big = [d for d in diffs if d > GAP_S]
    print("gaps=%d max_gap=%.1fs rows=%d" % (len(big), max(diffs) if diffs else 0.0, len(ts)))


def missing(path, t_from, t_to):
    ts = [t for t in stamps(path) if t_from <= t <= t_to]
    print(sum(round(b - a) - 1 for a, b in zip(ts, ts[1:]) if b - a > 1.5))


def fields(path):
    lines = bad = 0
    first = ""
    with open(path, encoding="utf-8", errors="replace", newline="") as f:
        for line in f:
            lines += 1
            n = line.rstrip("\r\n").count(",") + 1
            if n != FIELDS or not line.endswith("\n"):
                bad += 1
                first = first or "line %d has %d fields: %s" % (lines, n, line.strip()[:60])
    print("lines=%d bad=%d %s" % (lines, bad, first))


def rows(path):
    with open(path, encoding="utf-8", errors="replace") as f:
        print(max(0, sum(1 for _ in f) - 1))


def main(argv):
    if len(argv) < 3:
        sys.exit(__doc__)
    if argv[1] == "gaps" and len(argv) == 5:
        gaps(argv[2], float(argv[3]), float(argv[4]))
    elif argv[1] == "fields":
        fields(argv[2])
    elif argv[1] == "missing" and len(argv) == 5:
        missing(argv[2], float(argv[3]), float(argv[4]))
    elif argv[1] == "rows":
        rows(argv[2])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv)
