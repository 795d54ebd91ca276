"""Simulation: how good are the weighted estimates after a cube sample, against the lottery over
types, at four profile questions (the number where the send page switches from one to the other)?

    .venv/bin/python benches/selection/estimates.py [--reps 300] [--pool 4000] [--completes 400]

A synthetic population of 200,000 residents with four profile questions (2, 6, 5 and 4
categories); a panel drawn from it with self-selection (some categories join two or three
times as often); each panel member answers with a probability that depends on their categories
(20-60 %); and two answers: a yes/no share and a 1-5 score, both depending on the categories and
on something the questions do not measure. Per repetition, for each design:

1. the sample for `--completes` expected completes, with response-rate adjustment
   (`stratified_sample(..., design=...)`; the lottery's design is computed once and drawn with
   a new seed each time, the cube is drawn afresh);
2. who answers (each invited member with their own probability);
3. weights as the results page makes them: design weights (1 / inclusion probability) raked
   to the population's margins on the four questions (`methods.weighting.rake`);
4. the weighted share and mean with their 95 % intervals (`methods.estimation`, linearised
   standard errors that account for the raking).

It prints, per design and estimate, the bias and the root mean squared error against the
population's true value, the mean interval width, and how often the interval held the true
value (goal 95 %).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from civicpanel.methods.estimation import estimate_mean, estimate_shares  # noqa: E402
from civicpanel.methods.selection import Features, Pool, Quota, stratified_sample  # noqa: E402
from civicpanel.methods.selection.stratified import stratified_design  # noqa: E402
from civicpanel.methods.weighting import Margin, rake  # noqa: E402

SIZES = (2, 6, 5, 4)
POPULATION = 200_000


def world(pool_size: int, seed: int = 14):
    rng = np.random.default_rng(seed)
    q = len(SIZES)
    shares = [rng.dirichlet(np.full(c, 4.0)) for c in SIZES]
    people = np.column_stack([rng.choice(c, size=POPULATION, p=s) for c, s in zip(SIZES, shares, strict=True)])
    # Answers depend on the categories (additively on the logit) and on a hidden trait.
    effects = [rng.normal(0, 0.6, c) for c in SIZES]
    hidden = rng.normal(0, 1, POPULATION)
    logit = -0.3 + sum(effects[j][people[:, j]] for j in range(q)) + 0.8 * hidden
    yes = rng.random(POPULATION) < 1 / (1 + np.exp(-logit))
    score = np.clip(np.rint(3 + sum(0.5 * effects[j][people[:, j]] for j in range(q)) + 0.7 * hidden
                            + rng.normal(0, 0.8, POPULATION)), 1, 5)
    # The panel: self-selection by category only (missing at random given the categories), so
    # that what differs between the designs is the design's own error, not a selection bias
    # on something unmeasured that no weighting corrects, whatever the design.
    join = np.exp(sum(rng.normal(0, 0.45, c)[people[:, j]] for j, c in enumerate(SIZES)))
    panel = rng.choice(POPULATION, size=pool_size, replace=False, p=join / join.sum())
    answer = 1 / (1 + np.exp(-(-0.6 + sum(rng.normal(0, 0.4, c)[people[panel, j]] for j, c in enumerate(SIZES)))))
    answer = np.clip(answer, 0.2, 0.6)
    counts = [np.bincount(people[:, j], minlength=c) for j, c in enumerate(SIZES)]
    truth = {"share yes": float(yes.mean()), "mean score": float(score.mean())}
    return people, panel, answer, yes, score, counts, truth


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--reps", type=int, default=300)
    parser.add_argument("--pool", type=int, default=4000)
    parser.add_argument("--completes", type=int, default=400)
    args = parser.parse_args()
    print(f"machine: {os.cpu_count()} cores, load {'/'.join(f'{x:.2f}' for x in os.getloadavg())}", flush=True)
    people, panel, answer, yes, score, counts, truth = world(args.pool)
    names = [f"q{j}" for j in range(len(SIZES))]
    quotas = tuple(Quota(names[j], f"v{k}", population=float(counts[j][k]))
                   for j, c in enumerate(SIZES) for k in range(c))
    features = Features(quotas)
    ids = [f"m{i:06d}" for i in range(args.pool)]
    pool = Pool.build(ids, {names[j]: [f"v{k}" for k in people[panel, j]] for j in range(len(SIZES))}, features,
                      response_rates=answer)
    margins = [Margin(names[j], tuple(f"v{k}" for k in range(c)), tuple(float(x) for x in counts[j] / counts[j].sum()))
               for j, c in enumerate(SIZES)]
    started = time.perf_counter()
    lottery = stratified_design(pool, features, args.completes)
    print(f"lottery design over types computed once in {time.perf_counter() - started:.1f} s", flush=True)
    row_of = {pid: i for i, pid in enumerate(ids)}
    rng = np.random.default_rng(2026)
    results: dict[str, dict[str, list[tuple[float, float, float]]]] = {
        d: {"share yes": [], "mean score": []} for d in ("lottery", "cube")}
    timings = {"lottery": [], "cube": []}
    for rep in range(args.reps):
        for design in ("lottery", "cube"):
            t = time.perf_counter()
            if design == "lottery":
                _composition, rows = lottery.draw(rep)
                rows = np.array(sorted(rows))
                inclusion = lottery.inclusion
            else:
                result = stratified_sample(pool, features, args.completes, seed=rep, design="cube")
                rows = np.array(sorted(row_of[i] for i in result.selected))
                inclusion = np.asarray(result.inclusion)
            timings[design].append(time.perf_counter() - t)
            answered = rows[rng.random(len(rows)) < answer[rows]]
            person = panel[answered]
            codes = {names[j]: people[person, j] for j in range(len(SIZES))}
            weighting = rake(codes, margins, design_weights=1 / inclusion[answered])
            cal = weighting.calibration
            share = estimate_shares(cal, yes[person].astype(int), options=["0", "1"]).estimates
            mean = estimate_mean(cal, score[person].astype(float)).estimates[0]
            hit = next(e for e in share if e.option == "1")
            results[design]["share yes"].append((hit.estimate, hit.ci_low, hit.ci_high))
            results[design]["mean score"].append((mean.estimate, mean.ci_low, mean.ci_high))
        if (rep + 1) % 50 == 0:
            print(f"  {rep + 1} repetitions", flush=True)
    print(f"\npool {args.pool:,}, four questions ({' x '.join(map(str, SIZES))} categories), "
          f"{args.completes} expected completes, {args.reps} repetitions; load "
          f"{'/'.join(f'{x:.2f}' for x in os.getloadavg())}\n")
    print("| estimate (true value) | design | bias | RMSE | mean 95 % interval width | coverage | draw (median) |")
    print("|---|---|---:|---:|---:|---:|---:|")
    for what in ("share yes", "mean score"):
        scale = 100 if what == "share yes" else 1
        unit = " points" if what == "share yes" else ""
        for design in ("lottery", "cube"):
            rows = np.array(results[design][what], dtype=float)
            error = rows[:, 0] - truth[what]
            covered = (rows[:, 1] <= truth[what]) & (truth[what] <= rows[:, 2])
            se_cov = np.sqrt(0.95 * 0.05 / len(rows)) * 100
            print(f"| {what} ({truth[what] * scale:.2f}{unit.strip() and ' %'}) | {design} | "
                  f"{error.mean() * scale:+.2f}{unit} | {np.sqrt((error ** 2).mean()) * scale:.2f}{unit} | "
                  f"{(rows[:, 2] - rows[:, 1]).mean() * scale:.2f}{unit} | {covered.mean() * 100:.1f} % "
                  f"(± {1.96 * se_cov:.1f}) | {np.median(timings[design]) * 1000:.0f} ms |")


if __name__ == "__main__":
    main()
