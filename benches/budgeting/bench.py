"""civicpanel's participatory-budgeting rules beside pabutools on every Pabulib file.

For each file and each rule both implement: both wall times (the rule only, files already
parsed), their ratio, the same for CPU time, and whether the winners are identical. pabutools
runs in a child process with a time bound (--timeout) and a memory bound (--memory-gib).
civicpanel is run with the options that mean what pabutools computes: tie-breaking "pabutools",
Equal Shares with utility points x cost. `mes-add1` is Equal Shares with the add-one completion
in both variants: the one that stops at the first exhaustive outcome (pabutools'
`voter_budget_increment=1`, civicpanel's "add1-exhaustive") and the official one that keeps
raising the share while the outcome fits (pabutools' `exhaustion_by_budget_increase` with
`exhaustive_stop=False`, civicpanel's "add1").

Every ratio divides two times taken in this run: civicpanel's counts are all timed first (the
median of --repeat counts each, after one untimed count that loads the compiled counting code),
then pabutools runs, --jobs at a time (default 1). The machine's load average and cores are
printed at the start, before pabutools starts, and at the end, since other work on the machine
slows both sides; CPU seconds are much less sensitive to it. `--reuse` only skips a pabutools run
that did not finish within the same time bound before (it never stands in for a time).
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from civicpanel.methods.budgeting import count, read_pabulib

HERE = Path(__file__).resolve().parent
RULES = ["greedy", "greedy-cost", "utilitarian", "phragmen", "mes-none", "mes-add1"]
# what each row runs: (label, civicpanel rule and completion, pabutools worker rule)
VARIANTS = {
    "greedy": [("greedy", ("greedy", None), "greedy")],
    "greedy-cost": [("greedy-cost", ("greedy-cost", None), "greedy-cost")],
    "utilitarian": [("utilitarian", ("utilitarian", None), "utilitarian")],
    "phragmen": [("phragmen", ("phragmen", None), "phragmen")],
    "mes-none": [("mes-none", ("mes", "none"), "mes-none")],
    "mes-add1": [("mes-add1", ("mes", "add1-exhaustive"), "mes-add1"),
                 ("mes-add1 official", ("mes", "add1"), "mes-official")],
}


def ours(election, rule: str, completion: str | None, repeat: int) -> tuple[list[str], float, float]:
    """civicpanel's winners and the medians of up to `repeat` wall and CPU times (each count from
    the election; no further repeats once 30 s have been spent on the cell)."""
    options = {"tie_breaking": "pabutools", "ordinal_scoring": "max-length"}
    if rule == "mes":
        options |= {"completion": completion, "utility": "cost"}
    walls: list[float] = []
    cpus: list[float] = []
    winners: list[str] = []
    while len(walls) < repeat and sum(walls) < 30:
        started = time.process_time()
        out = count(election, rule, **options)
        cpus.append(time.process_time() - started)
        walls.append(out.seconds)
        winners = sorted(out.winners)
    return winners, statistics.median(walls), statistics.median(cpus)


def load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f} {five:.2f} {fifteen:.2f} on {os.cpu_count()} cores"


def theirs(path: Path, rule: str, timeout: float, memory_gib: float) -> dict:
    def limit() -> None:
        cap = int(memory_gib * 2**30)
        resource.setrlimit(resource.RLIMIT_AS, (cap, cap))

    started = time.perf_counter()
    try:
        proc = subprocess.run([sys.executable, str(HERE / "pabutools_worker.py"), str(path), rule],
                              capture_output=True, text=True, timeout=timeout, preexec_fn=limit)
    except subprocess.TimeoutExpired:
        return {"status": f"did not finish within {timeout:.0f} s"}
    if proc.returncode != 0:
        last = (proc.stderr.strip().splitlines() or ["?"])[-1]
        if "MemoryError" in proc.stderr:
            return {"status": f"ran out of the {memory_gib:g} GiB memory bound"}
        return {"status": f"failed: {last[:80]}", "wall": time.perf_counter() - started}
    data = json.loads(proc.stdout.strip().splitlines()[-1])
    data["status"] = "ok"
    return data


def ratio(theirs_s: float, ours_s: float) -> str:
    return f"{theirs_s / ours_s:,.0f}x" if ours_s > 0 else "-"


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", required=True)
    ap.add_argument("--timeout", type=float, default=1200)
    ap.add_argument("--memory-gib", type=float, default=8)
    ap.add_argument("--files", default="*.pb", help="comma-separated glob patterns")
    ap.add_argument("--rules", default=",".join(RULES))
    ap.add_argument("--repeat", type=int, default=3, help="civicpanel counts per cell (the median is shown)")
    ap.add_argument("--jobs", type=int, default=1, help="pabutools runs at a time")
    ap.add_argument("--reuse", action="store_true",
                    help="skip pabutools runs that did not finish within the same bound before "
                         "(results/pabutools-cache.json); finished runs are always run again")
    args = ap.parse_args()
    cache_path = HERE / "results" / "pabutools-cache.json"
    cache = json.loads(cache_path.read_text()) if cache_path.exists() else {}
    found = {p for pattern in args.files.split(",") for p in Path(args.data).glob(pattern)}
    files = sorted(found, key=lambda p: p.stat().st_size)
    if not files:
        print(f"no .pb files in {args.data}", file=sys.stderr)
        return 1
    rules = args.rules.split(",")
    unknown = [r for r in rules if r not in VARIANTS]
    if unknown:
        print(f"unknown rule {unknown[0]}; rules: {', '.join(VARIANTS)}", file=sys.stderr)
        return 1
    started = load()
    print(f"{datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M} UTC, {platform.platform()}, {started}; "
          f"pabutools bound {args.timeout:g} s, {args.jobs} at a time; civicpanel median of {args.repeat}",
          flush=True)
    # 1. civicpanel, every cell, before any pabutools run. The first count in a process loads (or,
    # once per machine, compiles) the compiled counting code: untimed, and reported.
    t0 = time.perf_counter()
    count(read_pabulib(files[0]), "mes", completion="add1", tie_breaking="pabutools")
    print(f"first count in this process (loads or compiles the counting code): {time.perf_counter() - t0:.2f} s",
          flush=True)
    t0 = time.perf_counter()
    cells = []
    for path in files:
        election = read_pabulib(path)
        approval = election.vote_type in ("approval", "choose-1")
        for rule in rules:
            if rule == "phragmen" and not approval:
                continue
            for label, (our_rule, completion), their_rule in VARIANTS[rule]:
                mine, my_s, my_cpu = ours(election, our_rule, completion, args.repeat)
                cells.append({"path": path, "voters": len(election.ballots), "projects": len(election.projects),
                              "label": label, "their_rule": their_rule, "mine": mine, "my_s": my_s,
                              "my_cpu": my_cpu})
    print(f"civicpanel: {time.perf_counter() - t0:.1f} s for all its counts; now pabutools, {load()}\n",
          flush=True)
    head = ("| file | voters | projects | rule | pabutools s | civicpanel s | ratio | CPU s: pabutools / civicpanel "
            "| CPU ratio | identical |\n|---|---:|---:|---|---:|---:|---:|---:|---:|---|")
    print(head, flush=True)

    # 2. pabutools, --jobs at a time
    def run(cell: dict) -> dict:
        key = f"{cell['path'].name}|{cell['their_rule']}|{args.timeout:g}|{args.memory_gib:g}"
        if args.reuse and cache.get(key, {}).get("status", "").startswith("did not finish"):
            return cache[key]  # a run that did not finish: skipped, never a time
        t = theirs(cell["path"], cell["their_rule"], args.timeout, args.memory_gib)
        cache[key] = t
        cache_path.parent.mkdir(exist_ok=True)
        cache_path.write_text(json.dumps(cache, indent=1))
        return t

    def line(cell: dict, t: dict) -> tuple[str, dict]:
        if t["status"] == "ok":
            their_s, wall_ratio = f"{t['seconds']:.2f}", ratio(t["seconds"], cell["my_s"])
            cpu = f"{t['cpu_seconds']:.2f} / {cell['my_cpu']:.3f}"
            cpu_ratio = ratio(t["cpu_seconds"], cell["my_cpu"])
            same = "yes" if t["winners"] == cell["mine"] else "NO"
        else:
            their_s, wall_ratio, cpu, cpu_ratio, same = t["status"], "-", f"- / {cell['my_cpu']:.3f}", "-", "-"
        row = {"file": cell["path"].name, "voters": cell["voters"], "projects": cell["projects"],
               "rule": cell["label"], "pabutools": their_s, "civicpanel": f"{cell['my_s']:.3f}",
               "ratio": wall_ratio, "pabutools_cpu": t.get("cpu_seconds"), "civicpanel_cpu": cell["my_cpu"],
               "cpu_ratio": cpu_ratio, "identical": same, "pabutools_peak_mib": round(t.get("peak_kib", 0) / 1024)}
        text = (f"| {cell['path'].stem} | {cell['voters']} | {cell['projects']} | {cell['label']} | {their_s} "
                f"| {cell['my_s']:.3f} | {wall_ratio} | {cpu} | {cpu_ratio} | {same} |")
        return text, row

    lines: dict[int, str] = {}
    rows: dict[int, dict] = {}
    with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        futures = {pool.submit(run, cell): i for i, cell in enumerate(cells)}
        for future in futures:  # in table order; each row printed once its run is done
            i = futures[future]
            lines[i], rows[i] = line(cells[i], future.result())
            print(lines[i], flush=True)
    ended = load()
    stamp = datetime.datetime.now(datetime.UTC).strftime("%Y%m%dT%H%M%SZ")
    out = HERE / "results" / f"bench-{stamp}.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps({"machine": platform.platform(), "timeout": args.timeout, "repeat": args.repeat,
                               "jobs": args.jobs, "load_at_start": started, "load_at_end": ended,
                               "rows": [rows[i] for i in sorted(rows)]}, indent=1))
    print(f"\nat the end: {ended}\nwritten {out.relative_to(HERE.parent.parent)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
