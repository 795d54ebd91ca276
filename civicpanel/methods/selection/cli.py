"""`civicpanel select`: draw a panel (or a stratified sample) from CSV sheets.

    civicpanel select --people people.csv --features features.csv --size 50 --seed 7
    civicpanel select ... --method maximin --reserve 10 --out selected.csv --format json
    civicpanel select ... --method stratified --response-rate-column response_rate
    civicpanel select prepare       compile the sample landing's code now (after installing)

Exit status: 0 drawn, 2 bad input or infeasible quotas (nothing is drawn then).
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
import time
from typing import Any

import numpy as np

from .data import SelectionResult, StratifiedResult
from .errors import InfeasibleQuotasError, SelectionError
from .io import Table, read_features, read_people
from .panel import select_panel
from .stratified import stratified_sample


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="civicpanel select",
        description="Representative and fair selection from a pool of volunteers or panel members.",
    )
    p.add_argument("--people", required=True, help="CSV: an id column and one column per feature")
    p.add_argument("--features", required=True,
                   help="CSV: feature,value,min,max[,min_flex,max_flex][,population]")
    p.add_argument("--size", required=True, type=int,
                   help="panel size (stratified: expected number of completes)")
    p.add_argument("--seed", required=True, type=int, help="seed of the draw (same seed, same panel)")
    p.add_argument("--method", default="leximin", choices=["leximin", "maximin", "stratified"],
                   help="leximin (default): fairest lottery; maximin: only the smallest probability "
                        "maximised; stratified: survey sample matching the population column")
    p.add_argument("--reserve", type=int, default=0, help="length of the ordered reserve list")
    p.add_argument("--out", help="write the selected (and reserve) people's rows to this CSV")
    p.add_argument("--format", default="text", choices=["text", "json"])
    p.add_argument("--id-column", default="id", help="name of the id column in the people file")
    p.add_argument("--response-rate-column",
                   help="stratified: column with each person's expected response rate (0-1)")
    return p


def main(argv: list[str] | None = None) -> int:
    if list(sys.argv[1:] if argv is None else argv) == ["prepare"]:
        return _prepare()
    args = _parser().parse_args(argv)
    try:
        features = read_features(args.features)
        pool, table = read_people(args.people, features, args.id_column, args.response_rate_column)
        result: SelectionResult | StratifiedResult
        if args.method == "stratified":
            result = stratified_sample(pool, features, args.size, args.seed)
        else:
            result = select_panel(pool, features, args.size, args.seed, method=args.method,
                                  reserve=args.reserve)
    except SelectionError as exc:
        _fail(exc, args.format)
        return 2
    if args.out:
        _write_out(args.out, table, args.id_column, result)
    if args.format == "json":
        print(json.dumps(_as_json(result), ensure_ascii=False))
    else:
        print(_as_text(result))
    return 0


def _fail(exc: SelectionError, fmt: str) -> None:
    if fmt == "json":
        out: dict[str, Any] = {"error": type(exc).__name__, "message": str(exc),
                               "problems": getattr(exc, "problems", [str(exc)])}
        if isinstance(exc, InfeasibleQuotasError):
            out["relaxation"] = None if exc.relaxation is None else [
                {"feature": r.feature, "value": r.value, "bound": r.bound, "old": r.old, "new": r.new}
                for r in exc.relaxation
            ]
        print(json.dumps(out, ensure_ascii=False))
    else:
        print(f"Nothing was drawn.\n{exc}", file=sys.stderr)


def _as_json(result: SelectionResult | StratifiedResult) -> dict[str, Any]:
    if isinstance(result, StratifiedResult):
        return {
            "method": result.method, "seed": result.seed, "size": result.size,
            "selected": list(result.selected), "reserve": [],
            "probabilities": dict(zip(result.ids, map(float, result.inclusion), strict=True)),
            "min_probability": float(result.inclusion.min()) if len(result.ids) else 0.0,
            "quotas_met": not result.shortfalls,
            "expected_completes": result.expected_completes,
            "margins": [
                {"feature": f, "value": v, "target": t, "expected": e, "invited": d}
                for (f, v, t), (_, _, e), (_, _, d) in zip(result.target, result.expected, result.drawn, strict=True)
            ],
            "shortfalls": list(result.shortfalls),
            "panels_mixed": result.panels_mixed, "seconds": result.seconds,
        }
    return {
        "method": result.method, "seed": result.seed, "size": result.size,
        "selected": list(result.selected), "reserve": list(result.reserve),
        "probabilities": dict(zip(result.ids, map(float, result.probabilities), strict=True)),
        "min_probability": result.min_probability, "lp_bound": result.lp_bound,
        "quotas_met": result.quotas_met,
        "quotas": [{"feature": q.feature, "value": q.value, "min": q.min, "max": q.max,
                    "selected": q.selected} for q in result.quota_counts],
        "panels_mixed": result.panels_mixed, "levels": result.levels, "seconds": result.seconds,
    }


def _as_text(result: SelectionResult | StratifiedResult) -> str:
    if isinstance(result, StratifiedResult):
        lines = [
            f"stratified sample, seed {result.seed}: {len(result.selected)} invited for "
            f"{result.expected_completes:.1f} expected completes (target {result.size})",
            f"inclusion probabilities {result.inclusion.min():.4f} to {result.inclusion.max():.4f}; "
            f"lottery over {result.panels_mixed} allocations; {result.seconds:.2f} s",
            "feature value: target completes / expected / invited",
        ]
        lines += [f"  {f} {v}: {t:.1f} / {e:.1f} / {d}"
                  for (f, v, t), (_, _, e), (_, _, d) in zip(result.target, result.expected, result.drawn, strict=True)]
        lines += [f"too thin: {s}" for s in result.shortfalls]
        lines.append("invited: " + " ".join(result.selected))
        return "\n".join(lines)
    lines = [
        f"{result.method} panel of {result.size}, seed {result.seed}: all quotas met: "
        f"{'yes' if result.quotas_met else 'NO'}",
        f"smallest selection probability {result.min_probability:.4%} (no lottery can beat "
        f"{result.lp_bound:.4%}); lottery over {result.panels_mixed} panel compositions; "
        f"{result.seconds:.2f} s",
        "feature value: selected (min-max)",
    ]
    lines += [f"  {q.feature} {q.value}: {q.selected} ({q.min}-{q.max})" for q in result.quota_counts]
    lines.append("selected: " + " ".join(result.selected))
    if result.reserve:
        lines.append("reserve, in order: " + " ".join(result.reserve))
    return "\n".join(lines)


def _write_out(path: str, table: Table, id_column: str, result: SelectionResult | StratifiedResult) -> None:
    col = [h.casefold() for h in table.header].index(id_column.casefold())
    by_id = {row[col]: row for row in table.rows}
    probs = result.inclusion if isinstance(result, StratifiedResult) else result.probabilities
    prob_of = dict(zip(result.ids, probs, strict=True))
    reserve = result.reserve if isinstance(result, SelectionResult) else ()
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow([*table.header, "status", "reserve_rank", "probability"])
        for pid in result.selected:
            writer.writerow([*by_id[pid], "selected", "", f"{prob_of[pid]:.10f}"])
        for rank, pid in enumerate(reserve, start=1):
            writer.writerow([*by_id[pid], "reserve", rank, f"{prob_of[pid]:.10f}"])


def _prepare() -> int:
    """One ten-question sample of a small made-up pool, landed by column generation: compiles
    the landing's search code (numba) and caches it on disk (beside the module, or in
    NUMBA_CACHE_DIR), where every later process finds it. Without it, the first send preview on
    four or more profile questions after an install compiles it, for several seconds."""
    from .cube import cube_sample
    from .draw import rng_for

    started = time.perf_counter()
    rng = np.random.default_rng(0)
    categories = (2, 6, 5, 4, 5, 4, 3, 3, 2, 2)
    codes = np.stack([rng.choice(n, size=2000) for n in categories], axis=1)
    cube_sample(codes, categories, np.full(2000, 0.05), rng_for(0))
    print(f"sample code ready ({time.perf_counter() - started:.1f} s)")
    return 0
