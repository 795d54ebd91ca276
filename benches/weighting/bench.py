"""Weighting benchmark: civicpanel against balance, ipfn, weightipy and R's survey.

    python3 benches/weighting/bench.py [--sizes 1000,100000,1000000]
        [--scenarios independent,correlated] [--no-r] [--r-timeout 900]
        [--anchor-timeout 600] [--repeat 3]

Run through benches/weighting/run.sh, which makes the benchmark's own virtualenv with
the anchor libraries. Every library rakes the same respondents to the same margins in
the same run; R's survey (if Rscript and the survey package are installed) also
estimates the ten questions, and our point estimates and standard errors are compared
with its. Anchors run in their own processes with a time limit.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))

import data  # noqa: E402

from civicpanel.methods.estimation import estimate_mean, estimate_shares  # noqa: E402
from civicpanel.methods.weighting import Margin, rake  # noqa: E402


def write_folder(ds: data.Dataset, folder: Path) -> None:
    meta = {"n": ds.n, "features": [], "questions": []}
    for (name, codes), share in zip(ds.features.items(), ds.shares, strict=True):
        codes.tofile(folder / f"{name}.bin")
        meta["features"].append({"name": name, "k": len(share), "share": share.tolist()})
    for i, (q, k) in enumerate(zip(ds.single, data.SINGLE, strict=True)):
        q.tofile(folder / f"q{i + 1}.bin")
        meta["questions"].append({"name": f"q{i + 1}", "kind": "single", "k": k})
    for i, y in enumerate(ds.ratings):
        name = f"q{len(ds.single) + i + 1}"
        y.tofile(folder / f"{name}.bin")
        meta["questions"].append({"name": name, "kind": "numeric"})
    (folder / "meta.json").write_text(json.dumps(meta))


def ours(ds: data.Dataset):
    margins = [Margin(name, tuple(str(i) for i in range(len(s))), tuple(s))
               for name, s in zip(ds.features, ds.shares, strict=True)]
    t0 = time.perf_counter()
    res = rake(ds.features, margins)
    t1 = time.perf_counter()
    tables = [estimate_shares(res.calibration, q, [str(i) for i in range(k)], min_count=0)
              for q, k in zip(ds.single, data.SINGLE, strict=True)]
    tables += [estimate_mean(res.calibration, y, min_count=0) for y in ds.ratings]
    t2 = time.perf_counter()
    return res, tables, t1 - t0, t2 - t0


def peak_memory(ds: data.Dataset) -> int:
    tracemalloc.start()
    tracemalloc.reset_peak()
    ours(ds)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak


def run_anchor(name: str, mode: str, folder: Path, timeout: float):
    try:
        out = subprocess.run([sys.executable, str(HERE / "anchors.py"), name, mode, str(folder)],
                             capture_output=True, text=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        return {"error": f"did not finish within {timeout:.0f} s"}
    if out.returncode != 0:
        return {"error": (out.stderr.strip().splitlines() or ["failed"])[-1][:120]}
    result = json.loads(out.stdout.strip().splitlines()[-1])
    result["weights"] = np.fromfile(folder / f"{name}_{mode}_weights.bin")
    return result


def run_r(mode: str, questions: int, folder: Path, timeout: float):
    try:
        out = subprocess.run(["Rscript", str(HERE / "r_survey.R"), str(folder), mode, str(questions)],
                             capture_output=True, text=True, timeout=timeout, check=False)
    except FileNotFoundError:
        return {"error": "Rscript not installed"}
    except subprocess.TimeoutExpired:
        return {"error": f"did not finish within {timeout:.0f} s"}
    if out.returncode != 0:
        return {"error": (out.stderr.strip().splitlines() or ["failed"])[-1][:120]}
    result = json.loads((folder / f"r_{mode}.json").read_text())
    result["weights"] = np.fromfile(folder / f"r_weights_{mode}.bin")
    return result


def compare_with_r(tables, r_est) -> tuple[float, float]:
    worst_est = worst_se = 0.0
    for i, t in enumerate(tables):
        r = r_est[f"q{i + 1}"]
        r_e = np.atleast_1d(np.array(r["estimate"], dtype=float))
        r_s = np.atleast_1d(np.array(r["se"], dtype=float))
        e = np.array([x.estimate for x in t.estimates if x.group == "All"])
        s = np.array([x.se for x in t.estimates if x.group == "All"])
        worst_est = max(worst_est, float(np.max(np.abs(e / r_e - 1))))
        worst_se = max(worst_se, float(np.max(np.abs(s / r_s - 1))))
    return worst_est, worst_se


def fmt(x, spec=".3g"):
    if x is None:
        return "-"
    if isinstance(x, str):
        return x
    return format(x, spec)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--sizes", default="1000,100000,1000000")
    p.add_argument("--scenarios", default="independent,correlated")
    p.add_argument("--no-r", action="store_true")
    p.add_argument("--r-timeout", type=float, default=900)
    p.add_argument("--anchor-timeout", type=float, default=600)
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--anchors", default="balance,ipfn,weightipy")
    p.add_argument("--json", default=None, help="also write all rows to this file")
    args = p.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",")]
    print(f"# weighting benchmark on {platform.machine()} with {os.cpu_count()} cores, "
          f"python {platform.python_version()}, numpy {np.__version__}")
    header = (f"{'scenario':<12}{'n':>9}  {'library':<22}{'seconds':>9}{'ratio':>9}"
              f"{'margin err':>12}{'est vs R':>10}{'SE vs R':>10}  note")
    print(header)
    rows = []
    for scenario in args.scenarios.split(","):
        for n in sizes:
            ds = data.make(n, scenario)
            with tempfile.TemporaryDirectory() as tmp:
                folder = Path(tmp)
                write_folder(ds, folder)
                best_w = best_all = float("inf")
                res = tables = None
                for _ in range(args.repeat):
                    res, tables, tw, ta = ours(ds)
                    best_w, best_all = min(best_w, tw), min(best_all, ta)
                peak = peak_memory(ds)
                err = data.margin_error(ds.features, ds.shares, res.weights)

                def row(lib, seconds, base, margin_err, est=None, se=None, note="",
                        _scenario=scenario, _n=n):
                    ratio = seconds / base if isinstance(seconds, float) else None
                    rows.append({"scenario": _scenario, "n": _n, "library": lib,
                                 "seconds": seconds, "ratio": ratio, "margin_error": margin_err,
                                 "est_vs_r": est, "se_vs_r": se, "note": note})
                    print(f"{_scenario:<12}{_n:>9}  {lib:<22}{fmt(seconds, '.4f'):>9}"
                          f"{fmt(ratio, '.1f'):>9}{fmt(margin_err, '.1e'):>12}"
                          f"{fmt(est, '.1e'):>10}{fmt(se, '.1e'):>10}  {note}", flush=True)

                r_tight = None if args.no_r else run_r("tight", 10, folder, args.r_timeout)
                est_diff = se_diff = None
                if r_tight and "error" not in r_tight:
                    est_diff, se_diff = compare_with_r(tables, r_tight["estimates"])
                row("civicpanel weights", best_w, best_w, err,
                    note=f"{res.iterations} sweeps, deff {res.design_effect:.3f}")
                row("civicpanel +10 est.", best_all, best_all, err, est_diff, se_diff,
                    note=f"peak {peak / 2**20:.1f} MiB = {peak / ds.input_bytes():.2f} x "
                         f"inputs ({ds.input_bytes() / 2**20:.1f} MiB)")
                for lib in args.anchors.split(","):
                    for mode in ("default", "tight"):
                        r = run_anchor(lib, mode, folder, args.anchor_timeout)
                        if "error" in r:
                            row(f"{lib} ({mode})", r["error"], best_w, None)
                            continue
                        note = ""
                        if lib == "ipfn":
                            note = f"ipfn on the cell table alone {r['params']['ipfn_seconds']:.4f} s"
                        row(f"{lib} ({mode})", r["seconds"], best_w,
                            data.margin_error(ds.features, ds.shares, r["weights"]), note=note)
                if r_tight is not None:
                    if "error" in r_tight:
                        row("R survey (tight)", r_tight["error"], best_all, None)
                    else:
                        rs = float(r_tight["rake_seconds"])
                        ms = float(r_tight["mean_seconds"])
                        row("R survey rake (tight)", rs, best_w,
                            data.margin_error(ds.features, ds.shares, r_tight["weights"]))
                        row("R survey +10 svymean", rs + ms, best_all,
                            data.margin_error(ds.features, ds.shares, r_tight["weights"]),
                            note=f"svymean {ms:.2f} s for 10 questions")
                    if n <= 100_000:
                        r_def = run_r("default", 0, folder, args.r_timeout)
                        if "error" not in r_def:
                            row("R survey rake (default)", float(r_def["rake_seconds"]), best_w,
                                data.margin_error(ds.features, ds.shares, r_def["weights"]))
    print(f"# peak resident memory of this process: "
          f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
