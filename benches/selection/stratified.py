"""Benchmark: stratified samples on many profile questions, in one run side by side.

    .venv/bin/python benches/selection/stratified.py [--cases 2000/3,100000/10] [--draws 50] [--timeout 120]

For each case (pool size / number of profile questions) it builds a synthetic panel with
realistic skew (questions of 2 to 6 categories, drawn with self-selection bias), asks for a
sample of 5 % of the pool with response rates between 20 % and 60 %, and times:
- civicpanel's cube method (`stratified_sample(..., design="cube")`),
- civicpanel's lottery over types (`design="lottery"`, the method used for few questions),
  in a subprocess stopped at --timeout,
- R's `sampling::samplecube` (fast flight phase of Chauvet and Tillé, then landing by
  linear programming), when Rscript and the R package `sampling` are installed (Debian:
  r-base-core r-cran-sampling), on the same inclusion probabilities, also stopped at --timeout.
All times are wall times of this run (for the cube also its CPU time, which a busy machine
disturbs less); ratios are of wall times taken in this run. The balance
figure is the largest deviation of a category's invitations from its expectation over
--draws draws of the cube (goal: within one), with the number of draws in which every
category was within one; the time is the median over the draws, and so is the landing
phase's (the cube's last step, timed on its own: the column generation, plus the LP landing
when it falls back), with the number of draws the column generation landed.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from civicpanel.methods.selection import Features, Pool, Quota, stratified_sample  # noqa: E402
from civicpanel.methods.selection import cube as cube_module  # noqa: E402
from civicpanel.methods.selection.stratified import feature_codes  # noqa: E402

CASES = [
    "2000/3",
    "2000/4",
    "2000/5",
    "2000/6",
    "2000/8",
    "10000/4",
    "10000/6",
    "2000/10",
    "100000/10",
    "1000000/10",
]


def make_case(pool_size: int, questions: int, seed: int = 2026):
    """A panel whose categories are over- and under-represented against the population."""
    rng = np.random.Generator(np.random.PCG64(seed))
    sizes = [2, 6, 5, 4, 5, 4, 3, 3, 2, 2, 4, 3][:questions]
    names = [f"q{j}" for j in range(questions)]
    columns: dict[str, np.ndarray] = {}
    quotas = []
    for name, c in zip(names, sizes, strict=True):
        population = rng.dirichlet(np.full(c, 4.0))
        bias = np.exp(rng.normal(0, 0.4, c))
        panel_share = population * bias / (population * bias).sum()
        columns[name] = rng.choice(c, size=pool_size, p=panel_share)
        quotas += [Quota(name, f"v{k}", population=float(population[k])) for k in range(c)]
    ids = [f"m{i:07d}" for i in range(pool_size)]
    rates = rng.uniform(0.2, 0.6, pool_size)
    features = Features(tuple(quotas))
    pool = Pool.build(
        ids, {n: [f"v{k}" for k in columns[n]] for n in names}, features, response_rates=rates
    )
    return pool, features


def lottery_worker(pool_size: int, questions: int, size: int) -> None:
    pool, features = make_case(pool_size, questions)
    started = time.perf_counter()
    stratified_sample(pool, features, size, seed=1, design="lottery")
    print(json.dumps({"seconds": time.perf_counter() - started}))


def timed_subprocess(args: list[str], timeout: float) -> float | None:
    try:
        done = subprocess.run(args, capture_output=True, text=True, timeout=timeout, check=True)
    except subprocess.TimeoutExpired:
        return None
    return float(json.loads(done.stdout.strip().splitlines()[-1])["seconds"])


R_SCRIPT = """
suppressMessages(library(sampling))
args <- commandArgs(trailingOnly = TRUE)
d <- read.csv(args[1])
pik <- d$pik
X <- as.matrix(d[, -1]) * pik
set.seed(1)
t <- system.time(s <- samplecube(X, pik, order = 1, comment = FALSE, method = 2))[["elapsed"]]
cat(sprintf('{"seconds": %f, "selected": %d}\\n', t, sum(s)))
"""


def r_cube(
    codes: np.ndarray, categories: tuple[int, ...], pik: np.ndarray, timeout: float
) -> float | None | str:
    if not shutil.which("Rscript"):
        return "R not installed"
    check = subprocess.run(["Rscript", "-e", "library(sampling)"], capture_output=True)
    if check.returncode != 0:
        return "R package sampling not installed"
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "x.csv"
        # The same balancing variables as ours: one indicator per category (the first of each
        # question dropped, since the sample size is balanced too).
        columns = [pik] + [
            (codes[:, q] == c).astype(float) for q, n in enumerate(categories) for c in range(1, n)
        ]
        header = "pik," + ",".join(f"x{i}" for i in range(len(columns) - 1))
        np.savetxt(
            path,
            np.column_stack([columns[0], np.ones(len(pik)), *columns[1:]]),
            delimiter=",",
            header="pik,one," + header.split(",", 1)[1],
            comments="",
            fmt="%.12g",
        )
        script = Path(tmp) / "cube.R"
        script.write_text(R_SCRIPT)
        return timed_subprocess(["Rscript", str(script), str(path)], timeout)


LANDING_SECONDS: list[float] = []


def _timed_landing(finish):
    """The landing phase (cube._finish) with its wall time recorded, to show its share."""

    def timed(*args):
        started = time.perf_counter()
        try:
            return finish(*args)
        finally:
            LANDING_SECONDS.append(time.perf_counter() - started)

    return timed


LANDED_BY_COLUMNS: list[bool] = []


def _timed_column_generation(land):
    """The landing by column generation (landing.land): whether it found its lottery (else the
    cube falls back to the LP landing, cube._finish, whose time is then added)."""

    def timed(*args):
        started = time.perf_counter()
        try:
            landed = land(*args)
            LANDED_BY_COLUMNS.append(landed is not None)
            return landed
        finally:
            LANDING_SECONDS.append(time.perf_counter() - started)

    return timed


cube_module._finish = _timed_landing(cube_module._finish)
cube_module.landing.land = _timed_column_generation(cube_module.landing.land)


def ours(pool: Pool, features: Features, size: int, draws: int) -> dict:
    codes, categories = feature_codes(pool, features)
    LANDED_BY_COLUMNS.clear()
    times, cpu, landing, worst, within = [], [], [], 0.0, 0
    result = None
    for seed in range(draws):
        LANDING_SECONDS.clear()
        started, started_cpu = time.perf_counter(), time.process_time()
        result = stratified_sample(pool, features, size, seed=seed, design="cube")
        times.append(time.perf_counter() - started)
        cpu.append(time.process_time() - started_cpu)
        landing.append(sum(LANDING_SECONDS))
        picked = np.isin(np.asarray(pool.ids), np.asarray(result.selected))
        this = 0.0
        for q, n in enumerate(categories):
            expected = np.bincount(codes[:, q], weights=result.inclusion, minlength=n)
            drawn = np.bincount(codes[picked, q], minlength=n)
            this = max(this, float(np.abs(drawn - expected).max()))
        worst = max(worst, this)
        within += this <= 1 + 1e-9
    assert result is not None
    return {
        "seconds": float(np.median(times)),
        "landing": float(np.median(landing)),
        "by_columns": sum(LANDED_BY_COLUMNS),
        "cpu": float(np.median(cpu)),
        "max_deviation": worst,
        "within_one": within,
        "inclusion": result.inclusion,
        "codes": codes,
        "categories": categories,
    }


def fmt(seconds: float | None | str, timeout: float) -> str:
    if seconds is None:
        return f"did not finish within {timeout:.0f} s"
    if isinstance(seconds, str):
        return seconds
    return f"{seconds:.2f} s"


def ratio(other: float | None | str, mine: float, timeout: float) -> str:
    if isinstance(other, str):
        return "-"
    if other is None:
        return f"> {timeout / mine:,.0f}x"
    return f"{other / mine:,.1f}x"


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--lottery-worker":
        lottery_worker(*(int(x) for x in sys.argv[2:5]))
        return
    ap = argparse.ArgumentParser()
    ap.add_argument("--cases", default=",".join(CASES), help="comma-separated POOL/QUESTIONS pairs")
    ap.add_argument(
        "--draws", type=int, default=20, help="cube draws per case (fewer for 1,000,000)"
    )
    ap.add_argument("--timeout", type=float, default=120.0, help="seconds for each anchor run")
    args = ap.parse_args()
    load = os.getloadavg()
    print(
        f"machine: {os.cpu_count()} cores, load average at start {load[0]:.2f} / {load[1]:.2f} / {load[2]:.2f}"
    )
    print(
        "| pool | questions | categories | cube (median wall / CPU) | of which landing | landed by column generation | largest deviation | "
        "lottery over types | "
        "lottery / cube | R sampling::samplecube | R / cube | Pool.build |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for case in args.cases.split(","):
        pool_size, questions = (int(x) for x in case.split("/"))
        started = time.perf_counter()
        pool, features = make_case(pool_size, questions)
        build = time.perf_counter() - started
        size = max(10, pool_size // 20)
        draws = max(1, args.draws if pool_size <= 100_000 else args.draws // 10)
        mine = ours(pool, features, size, draws)
        lottery = timed_subprocess(
            [
                sys.executable,
                __file__,
                "--lottery-worker",
                str(pool_size),
                str(questions),
                str(size),
            ],
            args.timeout,
        )
        r = r_cube(mine["codes"], mine["categories"], mine["inclusion"], args.timeout)
        print(
            f"| {pool_size:,} | {questions} | {sum(mine['categories'])} | {mine['seconds']:.2f} s / {mine['cpu']:.2f} s "
            f"| {mine['landing']:.3f} s | {mine['by_columns']} of {draws} "
            f"| {mine['max_deviation']:.2f} ({mine['within_one']} of {draws} draws within one) | {fmt(lottery, args.timeout)} "
            f"| {ratio(lottery, mine['seconds'], args.timeout)} | {fmt(r, args.timeout)} "
            f"| {ratio(r, mine['seconds'], args.timeout)} | {build:.2f} s |",
            flush=True,
        )


if __name__ == "__main__":
    main()
