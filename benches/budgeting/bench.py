"""civicpanel's participatory-budgeting rules beside pabutools on every Pabulib file.

For each file and each rule both implement: both wall times (the rule only, files already
parsed), their ratio, and whether the winners are identical. pabutools runs in a child process
with a time bound (--timeout) and a memory bound (--memory-gib); one heavy process at a time.
civicpanel is run with the options that mean what pabutools computes: tie-breaking "pabutools",
Equal Shares with utility points x cost and the add-one completion that stops at the first
exhaustive outcome ("add1-exhaustive"). The official add-one ("add1") is timed as well.

Every ratio divides two times taken in this run. civicpanel's time is the median of --repeat
counts; the machine's load average and cores are printed at the start and the end, since other
work on the machine slows both sides. `--reuse` only skips a pabutools run that did not finish
within the same time bound before (it never stands in for a time).
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
from pathlib import Path

from civicpanel.methods.budgeting import count, read_pabulib

HERE = Path(__file__).resolve().parent
RULES = ["greedy", "greedy-cost", "utilitarian", "phragmen", "mes-none", "mes-add1"]


def ours(election, rule: str, repeat: int) -> tuple[list[str], float]:
    """civicpanel's winners and the median of up to `repeat` wall times (each count from the
    election; no further repeats once 30 s have been spent on the cell)."""
    common = {"tie_breaking": "pabutools", "ordinal_scoring": "max-length"}
    times, winners = [], None
    while len(times) < repeat and sum(times) < 30:
        if rule.startswith("mes"):
            comp = {"mes-none": "none", "mes-add1": "add1-exhaustive", "mes-official": "add1"}[rule]
            out = count(election, "mes", completion=comp, utility="cost", **common)
        else:
            out = count(election, rule, **common)
        times.append(out.seconds)
        winners = sorted(out.winners)
    return winners, statistics.median(times)


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


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", required=True)
    ap.add_argument("--timeout", type=float, default=600)
    ap.add_argument("--memory-gib", type=float, default=8)
    ap.add_argument("--files", default="*.pb", help="comma-separated glob patterns")
    ap.add_argument("--rules", default=",".join(RULES))
    ap.add_argument("--repeat", type=int, default=3, help="civicpanel counts per cell (the median is shown)")
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
    rows = []
    started = load()
    print(f"{datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M} UTC, {platform.platform()}, {started}; "
          f"pabutools bound {args.timeout:g} s, civicpanel median of {args.repeat}\n", flush=True)
    head = ("| file | voters | projects | rule | pabutools s | civicpanel s | ratio | identical |\n"
            "|---|---:|---:|---|---:|---:|---:|---|")
    print(head, flush=True)
    for path in files:
        election = read_pabulib(path)
        approval = election.vote_type in ("approval", "choose-1")
        for rule in rules:
            if rule == "phragmen" and not approval:
                continue
            mine, my_s = ours(election, rule, args.repeat)
            key = f"{path.name}|{rule}|{args.timeout:g}|{args.memory_gib:g}"
            if args.reuse and cache.get(key, {}).get("status", "").startswith("did not finish"):
                t = cache[key]  # a run that did not finish: skipped, never a time
            else:
                t = theirs(path, rule, args.timeout, args.memory_gib)
                cache[key] = t
                cache_path.parent.mkdir(exist_ok=True)
                cache_path.write_text(json.dumps(cache, indent=1))
            if t["status"] == "ok":
                ratio = f"{t['seconds'] / my_s:,.0f}x" if my_s > 0 else "-"
                same = "yes" if t["winners"] == mine else "NO"
                their_s = f"{t['seconds']:.2f}"
            else:
                ratio, same, their_s = "-", "-", t["status"]
            row = {"file": path.name, "voters": len(election.ballots), "projects": len(election.projects),
                   "rule": rule, "pabutools": their_s, "civicpanel": f"{my_s:.3f}", "ratio": ratio,
                   "identical": same, "pabutools_peak_mib": round(t.get("peak_kib", 0) / 1024)}
            rows.append(row)
            print(f"| {path.stem} | {row['voters']} | {row['projects']} | {rule} | {their_s} | {my_s:.3f} "
                  f"| {ratio} | {same} |", flush=True)
        if "mes-add1" in rules:
            mine, my_s = ours(election, "mes-official", args.repeat)
            print(f"| {path.stem} | {len(election.ballots)} | {len(election.projects)} | mes-add1 (official, "
                  f"civicpanel only) | - | {my_s:.3f} | - | - |", flush=True)
            rows.append({"file": path.name, "rule": "mes-official", "civicpanel": f"{my_s:.3f}"})
    stamp = datetime.datetime.now(datetime.UTC).strftime("%Y%m%dT%H%M%SZ")
    out = HERE / "results" / f"bench-{stamp}.json"
    out.parent.mkdir(exist_ok=True)
    ended = load()
    out.write_text(json.dumps({"machine": platform.platform(), "timeout": args.timeout, "repeat": args.repeat,
                               "load_at_start": started, "load_at_end": ended, "rows": rows}, indent=1))
    print(f"\nat the end: {ended}\nwritten {out.relative_to(HERE.parent.parent)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
