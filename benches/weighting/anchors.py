"""The anchor libraries, each run in its own process on the arrays in a data folder.

    python3 anchors.py NAME MODE DIR     prints one JSON line; weights go to DIR

NAME: balance | ipfn | weightipy. MODE: default (the library's own settings) or tight
(settings pushed towards margins met to 1e-10, where the library allows it).
"""

from __future__ import annotations

import itertools
import json
import sys
import time
from pathlib import Path

import numpy as np


def load(folder: Path):
    meta = json.loads((folder / "meta.json").read_text())
    n = meta["n"]
    feats = {f["name"]: np.fromfile(folder / f"{f['name']}.bin", dtype=np.int8, count=n)
             for f in meta["features"]}
    shares = {f["name"]: np.array(f["share"]) for f in meta["features"]}
    return meta, feats, shares


def run_balance(mode: str, feats, shares) -> tuple[np.ndarray, float, dict]:
    import pandas as pd
    from balance.weighting_methods.rake import rake

    names = list(feats)
    sample = pd.DataFrame({k: pd.Categorical(v.astype(np.int64).astype(str)) for k, v in feats.items()})
    # the target: every cell of the cross-classification, weighted by the product of the
    # shares, so its margins are exactly the population margins
    cells = list(itertools.product(*[range(len(shares[k])) for k in names]))
    grid = np.array(cells)
    target = pd.DataFrame({k: pd.Categorical(grid[:, j].astype(str)) for j, k in enumerate(names)})
    tw = np.prod([shares[k][grid[:, j]] for j, k in enumerate(names)], axis=0) * len(sample)
    params = {} if mode == "default" else {"convergence_rate": 1e-12, "rate_tolerance": 0.0,
                                           "max_iteration": 5000}
    start = time.perf_counter()
    out = rake(sample, pd.Series(np.ones(len(sample))), target, pd.Series(tw),
               transformations=None, **params)
    seconds = time.perf_counter() - start
    return np.asarray(out["weight"], dtype=float), seconds, params


def run_ipfn(mode: str, feats, shares) -> tuple[np.ndarray, float, dict]:
    from ipfn import ipfn

    names = list(feats)
    sizes = [len(shares[k]) for k in names]
    n = len(feats[names[0]])
    params = {} if mode == "default" else {"convergence_rate": 1e-12, "max_iteration": 5000,
                                           "rate_tolerance": 0.0}
    start = time.perf_counter()
    key = np.zeros(n, dtype=np.int64)
    for k, s in zip(names, sizes, strict=True):
        key *= s
        key += feats[k]
    counts = np.bincount(key, minlength=int(np.prod(sizes))).astype(float)
    table = counts.reshape(sizes)
    counted = time.perf_counter()
    fitted = ipfn.ipfn(table.copy(), [shares[k] * n for k in names], [[j] for j in range(len(names))],
                       **params).iteration()
    raked = time.perf_counter()
    factor = np.divide(fitted.ravel(), counts, out=np.zeros_like(counts), where=counts > 0)
    weights = factor[key]
    seconds = time.perf_counter() - start
    return weights, seconds, {**params, "ipfn_seconds": raked - counted}


def run_weightipy(mode: str, feats, shares) -> tuple[np.ndarray, float, dict]:
    import pandas as pd
    import weightipy as wp

    df = pd.DataFrame({k: v.astype(np.int64) for k, v in feats.items()})
    scheme_dict = {k: {int(i): float(s) * 100 for i, s in enumerate(shares[k])} for k in feats}
    params = {} if mode == "default" else {"convcrit": 1e-9, "max_iterations": 5000}
    scheme = wp.scheme_from_dict(scheme_dict, rim_params=params)
    start = time.perf_counter()
    w = wp.weight(df, scheme)
    seconds = time.perf_counter() - start
    return np.asarray(w, dtype=float), seconds, params


def main(argv: list[str]) -> int:
    name, mode, folder = argv[0], argv[1], Path(argv[2])
    _, feats, shares = load(folder)
    runner = {"balance": run_balance, "ipfn": run_ipfn, "weightipy": run_weightipy}[name]
    weights, seconds, params = runner(mode, feats, shares)
    weights.astype(float).tofile(folder / f"{name}_{mode}_weights.bin")
    print(json.dumps({"seconds": seconds, "params": params}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
