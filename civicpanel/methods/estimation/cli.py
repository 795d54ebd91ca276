"""`civicpanel estimate`: weighted shares or a mean, with standard errors, from a weighted file.

    civicpanel estimate --respondents WEIGHTED.csv --variable COLUMN [--by FEATURE] \
        [--margins MARGINS.csv] [--type auto|single|multiple|numeric] [--format text|json]

`--variable` is the answer column; `--by` a profile column to cross by. Give the margins
file the weights were raked to with `--margins`: its features are then the calibration
margins and the standard errors account for the raking (as R's survey package does for a
raked design); without it the weights are taken as fixed. Empty answers are left out
(shares are among those who answered). Cells resting on fewer than 5 respondents, and
the cells that would reveal them, are marked suppressed and show no figure.

Exit status: 0 done; 2 bad input.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from collections.abc import Sequence

import numpy as np

from ..disclosure import MIN_COUNT
from ..weighting.errors import WeightingError
from ..weighting.margins import encode_feature, read_margins_csv
from ..weighting.table import Table, parse_numbers, read_table
from .core import (
    EstimateTable,
    calibration_from_weights,
    estimate_mean,
    estimate_multiple,
    estimate_shares,
)


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="civicpanel estimate",
                                description="Weighted shares or mean with standard errors.")
    p.add_argument("--respondents", required=True, help="weighted CSV (from civicpanel weight)")
    p.add_argument("--variable", required=True, help="the answer column to estimate")
    p.add_argument("--by", default=None, help="a profile column: estimates for each of its groups")
    p.add_argument("--weight", default="weight", help="the weight column (default: weight)")
    p.add_argument("--margins", default=None, help="the margins file the weights were raked to: "
                   "standard errors then account for the raking")
    p.add_argument("--type", choices=("auto", "single", "multiple", "numeric"), default="auto",
                   help="auto: numeric if every answer is a number, else single choice")
    p.add_argument("--separator", default=";", help="between options of a multiple-choice answer")
    p.add_argument("--confidence", type=float, default=0.95)
    p.add_argument("--min-count", type=int, default=MIN_COUNT,
                   help="suppress cells with fewer respondents (default 5)")
    p.add_argument("--exact-se", action="store_true", help="project the raking residuals to "
                   "convergence instead of R survey's ten sweeps")
    p.add_argument("--format", choices=("text", "json"), default="text")
    return p


def _sort_key(value: str) -> tuple[int, float, str]:
    try:
        return (0, float(value), value)
    except ValueError:
        return (1, 0.0, value)


def _codes(values: Sequence[str], order: Sequence[str] | None = None) -> tuple[np.ndarray, list[str]]:
    labels = list(order) if order is not None else sorted({v for v in values if v}, key=_sort_key)
    index = {v: i for i, v in enumerate(labels)}
    return np.array([index.get(v, -1) for v in values], dtype=np.int64), labels


def _is_numeric(values: Sequence[str]) -> bool:
    seen = False
    for v in values:
        if v == "":
            continue
        try:
            float(v)
        except ValueError:
            return False
        seen = True
    return seen


def run(args: argparse.Namespace) -> EstimateTable:
    table: Table = read_table(args.respondents)
    weights = parse_numbers(table, args.weight, "weight", allow_empty=False)
    bad = np.flatnonzero(~(weights > 0) | ~np.isfinite(weights))
    if len(bad):
        raise WeightingError(f"{table.name} line {table.lines[bad[0]]}: the weight must be a "
                             "positive number; weight the file with `civicpanel weight` first")
    calibrated: dict[str, np.ndarray] = {}
    sizes: dict[str, int] = {}
    margin_order: dict[str, list[str]] = {}
    if args.margins:
        for m in read_margins_csv(args.margins):
            calibrated[m.feature] = encode_feature(
                table.column(m.feature, "a feature named in the margins"), m,
                source=table.name, lines=table.lines)
            sizes[m.feature] = len(m.categories)
            margin_order[m.feature] = list(m.categories)
    cal = calibration_from_weights(weights, calibrated, sizes)
    by = by_labels = None
    if args.by:
        by, by_labels = _codes(table.column(args.by, "the --by feature"), margin_order.get(args.by))
    values = table.column(args.variable, "the --variable")
    kind = args.type
    if kind == "auto":
        kind = "numeric" if _is_numeric(values) else "single"
    common = {"by": by, "by_labels": by_labels, "variable": args.variable, "by_name": args.by,
              "confidence": args.confidence, "min_count": args.min_count,
              "sweeps": None if args.exact_se else 10}
    if kind == "numeric":
        y = parse_numbers(table, args.variable, "answer", allow_empty=True)
        return estimate_mean(cal, y, **common)
    if kind == "single":
        answers, options = _codes(values)
        return estimate_shares(cal, answers, options, **common)
    sep = args.separator
    chosen = [[o.strip() for o in v.split(sep) if o.strip()] if v else [] for v in values]
    options = sorted({o for c in chosen for o in c}, key=_sort_key)
    index = {o: i for i, o in enumerate(options)}
    selected = np.zeros((len(values), len(options)), dtype=np.int8)
    for i, c in enumerate(chosen):
        for o in c:
            selected[i, index[o]] = 1
    answered = np.array([v != "" for v in values])
    return estimate_multiple(cal, selected, options, answered=answered, **common)


def _pct(x: float | None, kind: str) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "-"
    return f"{100 * x:.1f}%" if kind != "mean" else f"{x:.3f}"


def render_text(t: EstimateTable) -> str:
    kind = t.kind
    head = f"{t.variable}: {'weighted mean' if kind == 'mean' else 'weighted shares'}"
    if t.by:
        head += f" by {t.by}"
    rows = [head, f"Standard errors: {t.se_method}; {100 * t.confidence:g}% intervals.",
            f"{'group':<20} {'option':<20} {'estimate':>9} {'+/-':>8} {'interval':>19} "
            f"{'n':>7} {'eff. n':>9} {'deff':>6}"]
    for e in t.estimates:
        if e.suppressed:
            rows.append(f"{e.group:<20} {e.option:<20} {'suppressed (' + e.suppressed + ')':>40}")
            continue
        ci = f"{_pct(e.ci_low, kind)} - {_pct(e.ci_high, kind)}"
        eff = "-" if e.effective_n is None or math.isnan(e.effective_n) else f"{e.effective_n:,.1f}"
        deff = "-" if e.design_effect is None or math.isnan(e.design_effect) else f"{e.design_effect:.2f}"
        rows.append(f"{e.group:<20} {e.option:<20} {_pct(e.estimate, kind):>9} "
                    f"{_pct(e.moe, kind):>8} {ci:>19} {e.n if e.n is not None else '-':>7} "
                    f"{eff:>9} {deff:>6}")
    if any(e.suppressed for e in t.estimates):
        rows.append(f"Suppressed: fewer than {t.parameters['min_count']} respondents (primary), "
                    "or would let one be worked out from the totals (secondary).")
    return "\n".join(rows)


def _clean(obj: object) -> object:
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    if isinstance(obj, dict):
        return {k: _clean(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_clean(v) for v in obj]
    return obj


def main(argv: list[str]) -> int:
    args = _parser().parse_args(argv)
    try:
        result = run(args)
    except (WeightingError, ValueError) as exc:
        if args.format == "json":
            print(json.dumps({"error": str(exc)}))
        print(f"civicpanel estimate: {exc}", file=sys.stderr)
        return 2
    if args.format == "json":
        print(json.dumps(_clean(result.as_dict())))
    else:
        print(render_text(result))
    return 0
