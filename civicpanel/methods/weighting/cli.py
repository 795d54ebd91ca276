"""`civicpanel weight`: rake a respondents file to population margins.

    civicpanel weight --respondents RESPONDENTS.csv --margins MARGINS.csv \
        [--trim 5] [--design-weight COLUMN] [--out WEIGHTED.csv] [--format text|json]

The margins file (feature,value,share or feature,value,count) names the weighting
features; the respondents file must have a column of that name for each, and may have
any other columns (id, answers), which are kept. The weighted file is the respondents
file with a `weight` column added (or replaced).

Exit status: 0 weighted; 1 raking did not converge (no weights written); 2 bad input.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from typing import Any

from .errors import NotConvergedError, WeightingError
from .margins import encode_feature, read_margins_csv
from .raking import rake
from .table import parse_numbers, read_table, write_table

WEIGHT_COLUMN = "weight"


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="civicpanel weight",
                                description="Rake respondents to population margins.")
    p.add_argument("--respondents", required=True, help="CSV: one row per respondent, a column "
                   "per weighting feature (other columns are kept)")
    p.add_argument("--margins", required=True, help="CSV: feature,value,share or feature,value,count")
    p.add_argument("--trim", type=float, default=None, help="cap weights at this multiple of the "
                   "mean weight, then rake again (e.g. 5)")
    p.add_argument("--design-weight", default=None, metavar="COLUMN",
                   help="column with design weights to start from (unequal selection chances)")
    p.add_argument("--out", default=None, help="write the respondents with a 'weight' column here")
    p.add_argument("--format", choices=("text", "json"), default="text")
    p.add_argument("--tolerance", type=float, default=1e-10,
                   help="largest relative distance from any margin (default 1e-10)")
    p.add_argument("--max-iterations", type=int, default=2000)
    return p


def _fail(fmt: str, message: str, status: int, extra: dict[str, Any] | None = None) -> int:
    if fmt == "json":
        print(json.dumps({"converged": False, "error": message, **(extra or {})}))
    print(f"civicpanel weight: {message}", file=sys.stderr)
    return status


def main(argv: list[str]) -> int:
    args = _parser().parse_args(argv)
    start = time.perf_counter()
    try:
        margins = read_margins_csv(args.margins)
        table = read_table(args.respondents)
        codes = {m.feature: encode_feature(table.column(m.feature, "a weighting feature named in "
                                                        "the margins"), m,
                                           source=table.name, lines=table.lines)
                 for m in margins}
        design = None
        if args.design_weight:
            design = parse_numbers(table, args.design_weight, "design weight", allow_empty=False)
        result = rake(codes, margins, design_weights=design, trim=args.trim,
                      tolerance=args.tolerance, max_iterations=args.max_iterations)
    except NotConvergedError as exc:
        return _fail(args.format, str(exc), 1, {"iterations": exc.iterations,
                                                "max_margin_error": exc.max_margin_error,
                                                "feature": exc.feature, "category": exc.category})
    except WeightingError as exc:
        return _fail(args.format, str(exc), 2)
    if args.out:
        write_table(table, args.out, WEIGHT_COLUMN, result.weights)
    summary = result.summary()
    summary["seconds"] = time.perf_counter() - start
    summary["seconds_weighting"] = result.seconds
    summary["respondents"] = args.respondents
    summary["out"] = args.out
    if WEIGHT_COLUMN in table.header:
        summary["replaced_weight_column"] = True
    if args.format == "json":
        print(json.dumps(summary))
        return 0
    lines = [
        f"Raked {result.n} respondents on {', '.join(result.features)}: converged in "
        f"{result.iterations} rounds, largest margin error {result.max_margin_error:.1e}.",
        f"Kish design effect {result.design_effect:.3f}, effective sample size "
        f"{result.effective_n:,.1f}; weights sum to {result.total:,.6g}.",
    ]
    if result.trim is not None:
        t = result.trim
        lines.append(f"Trimming at {t.cap_ratio:g} x the mean weight: {t.trimmed} respondents "
                     f"capped in the last of {t.rounds} rounds; largest weight now "
                     f"{t.max_weight_ratio:.3f} x the mean"
                     + ("" if t.cap_met else " (the cap could not be kept while meeting the "
                        "margins)") + f"; design effect before trimming {t.design_effect_before:.3f}.")
    lines.append(f"Weights written to {args.out}." if args.out
                 else "No --out given: weights not written.")
    lines.append(f"Took {summary['seconds']:.2f} s.")
    print("\n".join(lines))
    return 0
