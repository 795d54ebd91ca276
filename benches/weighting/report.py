"""Markdown table from the rows bench.py writes with --json.

    python3 benches/weighting/report.py ROWS.json
"""

from __future__ import annotations

import json
import sys


def cell(x, spec):
    if x is None:
        return "-"
    if isinstance(x, str):
        return x
    return format(x, spec)


def main(path: str) -> int:
    with open(path) as fh:
        rows = json.load(fh)
    print("| scenario | n | library (settings) | seconds | x ours | largest margin error "
          "| estimates vs R | SEs vs R | note |")
    print("|---|---:|---|---:|---:|---:|---:|---:|---|")
    for r in rows:
        print(f"| {r['scenario']} | {r['n']:,} | {r['library']} | {cell(r['seconds'], '.4f')} "
              f"| {cell(r['ratio'], '.1f')} | {cell(r['margin_error'], '.1e')} "
              f"| {cell(r['est_vs_r'], '.1e')} | {cell(r['se_vs_r'], '.1e')} | {r['note']} |")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
