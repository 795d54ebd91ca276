"""A synthetic city-wide round: 100,000 voters, 100 projects, every rule (civicpanel only).

    python3 benches/budgeting/synthetic.py [--voters 100000] [--projects 100] [--seed 1]

Voters approve up to 5 projects, drawn with popularity that varies between projects; costs are
between 20,000 and 2,000,000 and the budget is a quarter of their sum."""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from civicpanel.methods.budgeting import count, make_election  # noqa: E402


def synthetic(voters: int, projects: int, seed: int):
    rng = np.random.default_rng(seed)
    costs = (rng.integers(20, 2000, size=projects) * 1000).tolist()
    popularity = rng.dirichlet(np.full(projects, 0.8))
    lengths = rng.integers(0, 6, size=voters)  # 0: an empty ballot, still a voter
    ballots = []
    ids = [str(j + 1) for j in range(projects)]
    for k in lengths.tolist():
        chosen = rng.choice(projects, size=k, replace=False, p=popularity) if k else []
        ballots.append([ids[j] for j in chosen])
    return make_election(budget=sum(costs) // 4, projects=dict(zip(ids, costs, strict=True)), ballots=ballots,
                         meta={"currency": "DKK"})


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--voters", type=int, default=100_000)
    ap.add_argument("--projects", type=int, default=100)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    t0 = time.perf_counter()
    e = synthetic(args.voters, args.projects, args.seed)
    print(f"{args.voters} voters, {args.projects} projects (made in {time.perf_counter() - t0:.1f} s)")
    print(f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())} on {os.cpu_count()} cores "
          "(wall seconds stretch with the load, CPU seconds much less)")
    print("| rule | completion | funded | total cost | seconds | CPU s |\n|---|---|---:|---:|---:|---:|")
    total = 0.0
    for rule, completion in [("greedy", "-"), ("greedy-cost", "-"), ("utilitarian", "-"), ("phragmen", "-"),
                             ("mes", "none"), ("mes", "greedy"), ("mes", "add1"), ("mes", "add1-exhaustive")]:
        opts = {"completion": completion} if rule == "mes" else {}
        t, c = time.perf_counter(), time.process_time()
        out = count(e, rule, **opts)
        s, cpu = time.perf_counter() - t, time.process_time() - c
        total += s
        extra = f" ({out.steps} steps)" if rule == "mes" and completion.startswith("add1") else ""
        print(f"| {rule} | {completion}{extra} | {len(out.winners)} | {out.total_cost} | {s:.2f} | {cpu:.2f} |", flush=True)
    print(f"\nall rules: {total:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
