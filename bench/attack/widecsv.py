#!/usr/bin/env python3
"""widecsv.py OUT COLUMNS ROWS: a CSV with a timestamp and COLUMNS-1 numeric columns, ROWS rows
(40,000 columns x 3 rows is about 500 KB): a small file that is wide, for bench/attack.sh."""
import sys

out, cols, rows = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
with open(out, "w") as f:
    f.write("timestamp," + ",".join("m%d" % i for i in range(cols - 1)) + "\n")
    for r in range(rows):
        f.write("2024-01-01 00:00:%02d," % r + ",".join(str((i + r) % 7) for i in range(cols - 1)) + "\n")
