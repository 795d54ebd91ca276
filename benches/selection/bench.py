"""Benchmark: civicpanel.methods.selection beside sortition-algorithms, same synthetic pools.

Run with benches/selection/run.sh (it builds the benchmark's own virtualenv). For each
case it prints both wall times and their ratio, both minimum selection probabilities
and their ratio, whether every quota was met, the linear-programming upper bound that
no lottery can beat, and the anchor's legacy greedy algorithm for contrast.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent.parent))

from synth import make_pool, make_quotas  # noqa: E402

from civicpanel.methods.selection import Features, Pool, Quota, select_panel  # noqa: E402
from civicpanel.methods.selection.quota import build_types  # noqa: E402

CASES = [(500, 50), (2000, 50), (2000, 500), (10000, 50), (10000, 500)]


def ours(pool_size: int, panel: int, method: str) -> dict:
    ids, cols = make_pool(pool_size)
    features = Features(tuple(Quota(f, v, lo, hi) for f, v, lo, hi in make_quotas(panel)))
    pool = Pool.build(ids, cols, features)
    started = time.perf_counter()
    r = select_panel(pool, features, panel, seed=1, method=method)
    seconds = time.perf_counter() - started
    return {"seconds": seconds, "min_probability": r.min_probability, "lp_bound": r.lp_bound,
            "quotas_met": r.quotas_met, "panels_mixed": r.panels_mixed, "levels": r.levels,
            "types": build_types(pool, features).size}


def anchor(args: list[str], timeout: float) -> dict | None:
    try:
        done = subprocess.run([sys.executable, str(HERE / "anchor_worker.py"), *args], capture_output=True,
                              text=True, timeout=timeout, cwd=HERE, check=True)
    except subprocess.TimeoutExpired:
        return None
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--maximin-timeout", type=float, default=120.0,
                    help="seconds the anchor's maximin may take per case")
    ap.add_argument("--legacy-draws", type=int, default=200,
                    help="draws of the anchor's legacy algorithm per case (0: skip)")
    ap.add_argument("--legacy-timeout", type=float, default=300.0)
    ap.add_argument("--cases", default=",".join(f"{p}/{n}" for p, n in CASES),
                    help="comma-separated POOL/PANEL pairs")
    args = ap.parse_args()
    cases = [tuple(int(x) for x in c.split("/")) for c in args.cases.split(",")]
    print(f"anchor: sortition-algorithms (highspy backend); maximin bound {args.maximin_timeout:.0f} s; "
          f"legacy {args.legacy_draws} draws")
    rows = []
    for pool_size, panel in cases:
        mx = ours(pool_size, panel, "maximin")
        lx = ours(pool_size, panel, "leximin")
        am = anchor(["maximin", str(pool_size), str(panel)], args.maximin_timeout)
        lg = (anchor(["legacy", str(pool_size), str(panel), str(args.legacy_draws)], args.legacy_timeout)
              if args.legacy_draws else None)
        rows.append((pool_size, panel, mx, lx, am, lg))
        _print_case(pool_size, panel, mx, lx, am, lg, args)
        sys.stdout.flush()
    print()
    print("| pool | panel | types | LP bound | ours maximin s | ours leximin s | anchor maximin s | "
          "time ratio (anchor/ours maximin) | ours min p | anchor min p | ratio | quotas met (ours/anchor) "
          "| anchor legacy min freq (never drawn) |")
    print("|" + "---|" * 13)
    for pool_size, panel, mx, lx, am, lg in rows:
        a_s = f"{am['seconds']:.1f}" if am else f"did not finish within {args.maximin_timeout:.0f}"
        ratio_t = f"{am['seconds'] / mx['seconds']:.0f}x" if am else f"> {args.maximin_timeout / mx['seconds']:.0f}x"
        a_p = f"{am['min_probability']:.5f}" if am else "-"
        ratio_p = f"{lx['min_probability'] / am['min_probability']:.4f}" if am and am["min_probability"] > 0 else "-"
        a_q = ("yes" if am["quotas_met"] else "NO") if am else "-"
        leg = f"{lg['min_frequency']:.4f} ({lg['never_drawn']})" if lg else "-"
        print(f"| {pool_size} | {panel} | {mx['types']} | {mx['lp_bound']:.5f} | {mx['seconds']:.2f} | "
              f"{lx['seconds']:.2f} | {a_s} | {ratio_t} | {lx['min_probability']:.5f} | {a_p} | {ratio_p} | "
              f"{'yes' if mx['quotas_met'] and lx['quotas_met'] else 'NO'}/{a_q} | {leg} |")


def _print_case(pool_size, panel, mx, lx, am, lg, args) -> None:
    print(f"\npool {pool_size}, panel {panel}: {mx['types']} types; LP bound {mx['lp_bound']:.6f}")
    print(f"  ours maximin: {mx['seconds']:.2f} s, min p {mx['min_probability']:.6f}, "
          f"{mx['panels_mixed']} compositions, quotas met {mx['quotas_met']}")
    print(f"  ours leximin: {lx['seconds']:.2f} s, min p {lx['min_probability']:.6f}, "
          f"{lx['panels_mixed']} compositions, {lx['levels']} levels, quotas met {lx['quotas_met']}")
    if am:
        print(f"  anchor maximin: {am['seconds']:.2f} s, min p {am['min_probability']:.6f}, "
              f"{am['panels_mixed']} panels, quotas met {am['quotas_met']}; "
              f"time ratio {am['seconds'] / mx['seconds']:.1f}x, min p ratio (ours leximin / anchor) "
              f"{lx['min_probability'] / am['min_probability']:.5f}")
    else:
        print(f"  anchor maximin: did not finish within {args.maximin_timeout:.0f} s")
    if lg:
        print(f"  anchor legacy: {lg['seconds']:.3f} s per draw; over {lg['draws']} draws the least-drawn "
              f"volunteer was drawn with frequency {lg['min_frequency']:.4f}; {lg['never_drawn']} never drawn; "
              f"quotas met {lg['quotas_met']}")
    elif args.legacy_draws:
        print(f"  anchor legacy: did not finish {args.legacy_draws} draws within {args.legacy_timeout:.0f} s")


if __name__ == "__main__":
    main()
