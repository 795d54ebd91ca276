"""Weighted shares, means and cross-tables with standard errors for raked designs.

Standard errors are linearised as R's `survey` package does for a design
`svydesign(ids=~1, weights=~w)` raked with `rake()` and estimated with `svymean`:

* the influence value of a (domain) mean is x_i = w_i d_i (y_i - ybar) / sum(w d), with d_i
  the domain indicator (answered, and in the group);
* for a raked design x is replaced by its calibration residual: with z = x / w, ten
  sweeps over the raking margins each subtract from z its plain (unweighted) mean within
  every category of the margin (`svyrecvar`'s treatment of a "raking" postStrata), and
  x = w z; `sweeps=None` iterates this projection to convergence instead of ten times;
* the variance is n/(n-1) * sum((x_i - mean(x))^2) over all n respondents (sampling
  with replacement, one stage).

Because weights are constant within each cell of the raking cross-classification, the
sweeps run on per-cell sums and only one counting pass per question touches the
respondents.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from statistics import NormalDist
from typing import Any, Literal

import numpy as np

from ..disclosure import MIN_COUNT, suppress_line, suppress_table
from ..weighting.errors import RespondentsError, WeightingError
from ..weighting.raking import Calibration, build_calibration

__all__ = ["Estimate", "EstimateTable", "calibration_from_weights", "estimate_mean",
           "estimate_multiple", "estimate_shares"]

R_SWEEPS = 10
ALL = "All"


class EstimationError(WeightingError):
    """A parameter of an estimate is out of range."""

    code = "estimation.error"


@dataclass(frozen=True)
class Estimate:
    """One published figure: a share of an option or a mean, in one group.

    Suppressed figures have `estimate`, `se`, the interval and `n` set to None and
    `suppressed` set to 'primary' (too few respondents) or 'secondary' (would reveal one).
    """

    group: str
    option: str
    estimate: float | None
    se: float | None
    ci_low: float | None
    ci_high: float | None
    moe: float | None
    n: int | None
    group_n: int | None
    effective_n: float | None
    design_effect: float | None
    suppressed: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}


@dataclass(frozen=True)
class EstimateTable:
    """Estimates of one question, overall (group 'All') and by the groups of a feature."""

    variable: str
    kind: Literal["shares", "mean", "multiple"]
    by: str | None
    groups: tuple[str, ...]
    options: tuple[str, ...]
    estimates: tuple[Estimate, ...]
    se_method: str
    confidence: float
    parameters: dict[str, Any] = field(default_factory=dict)
    seconds: float = 0.0

    def get(self, option: str, group: str = ALL) -> Estimate:
        for e in self.estimates:
            if e.group == group and e.option == option:
                return e
        raise KeyError((group, option))

    def as_dict(self) -> dict[str, Any]:
        return {
            "variable": self.variable, "kind": self.kind, "by": self.by,
            "groups": list(self.groups), "options": list(self.options),
            "confidence": self.confidence, "se_method": self.se_method,
            "parameters": self.parameters, "seconds": self.seconds,
            "estimates": [e.as_dict() for e in self.estimates],
        }


def calibration_from_weights(weights: np.ndarray,
                             calibrated_on: Mapping[str, np.ndarray] | None = None,
                             n_categories: Mapping[str, int] | None = None) -> Calibration:
    """The design of weights made elsewhere (e.g. read back from a weighted file).

    `calibrated_on` names the raking features with each respondent's category code; the
    standard errors then account for the raking. Without it the weights are taken as
    fixed (no calibration adjustment), which overstates the error of raked weights.
    """
    w = np.asarray(weights, dtype=float)
    codes = []
    sizes = []
    names = []
    for name, c in (calibrated_on or {}).items():
        arr = np.asarray(c)
        if arr.shape != w.shape:
            raise RespondentsError(f"feature '{name}' has {len(arr)} values for {len(w)} weights",
                                   code="estimation.length_differs", what=name, given=len(arr), n=len(w))
        if len(arr) and arr.min() < 0:
            raise RespondentsError(f"feature '{name}' has a negative category code",
                                   code="estimation.negative_code", feature=name)
        k = int((n_categories or {}).get(name, int(arr.max()) + 1 if len(arr) else 1))
        codes.append(arr)
        sizes.append(k)
        names.append(name)
    cal, _ = build_calibration(codes, sizes, names, w)
    return cal


def _z(confidence: float) -> float:
    if not 0 < confidence < 1:
        raise EstimationError(f"confidence {confidence!r} must be between 0 and 1, e.g. 0.95",
                              code="estimation.bad_confidence", value=str(confidence))
    return NormalDist().inv_cdf(0.5 + confidence / 2)


def _linearised(cal: Calibration, A: np.ndarray, B: np.ndarray, D: np.ndarray,
                sweeps: int | None) -> dict[str, np.ndarray]:
    """Means and linearised SEs for J domain means from per-cell sums (m, J).

    A = sum of d*y, B = sum of d*y^2, D = sum of d over each cell's respondents.
    """
    w = cal.cell_weight[:, None]
    cnt = cal.cell_count
    wD = w * D
    n_hat = wD.sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = (w * A).sum(axis=0) / n_hat
        inv = 1.0 / n_hat
    mean_z = np.where(np.isfinite(mean), mean, 0.0)
    inv = np.where(np.isfinite(inv), inv, 0.0)
    Z = (A - mean_z * D) * inv
    Q = (B - 2 * mean_z * A + mean_z * mean_z * D) * (inv * inv)
    U = Z.copy()  # per-cell sums of the residual z
    S = np.zeros_like(Z)  # per-cell offset subtracted from each respondent's z
    J = Z.shape[1]
    margins = [(np.ascontiguousarray(cal.cell_categories[:, j]), k)
               for j, k in enumerate(cal.n_categories)]
    # plain means within categories (raking), or design-weighted ones (post-stratification)
    pw = cal.stratum_weight
    counts = [np.bincount(c, weights=cnt if pw is None else cnt * pw, minlength=k)
              for c, k in margins]
    limit = sweeps if sweeps is not None else 1000
    cols = np.arange(J)
    scale = float(np.abs(Z).max()) if Z.size else 0.0
    plan = [(c, k, (c[:, None] * J + cols).ravel(), nk[:, None] > 0, np.maximum(nk, 1e-300)[:, None])
            for (c, k), nk in zip(margins, counts, strict=True)]
    cnt_col = cnt[:, None]
    for _ in range(limit if margins else 0):
        biggest = 0.0
        for c, k, idx, has, nk in plan:
            V = U if pw is None else U * pw[:, None]
            sums = np.bincount(idx, weights=V.ravel(), minlength=k * J).reshape(k, J)
            a = np.where(has, sums / nk, 0.0)
            step = a[c]
            S += step
            U -= cnt_col * step
            if sweeps is None:
                biggest = max(biggest, float(np.abs(a).max()) if a.size else 0.0)
        if sweeps is None and biggest <= 1e-15 * max(scale, 1e-300):
            break
    R1 = w * U
    R2 = (w * w) * (Q - 2 * S * Z + cnt[:, None] * S * S)
    n = cal.n
    ss = R2.sum(axis=0) - R1.sum(axis=0) ** 2 / n
    var = ss * n / (n - 1) if n > 1 else np.full(J, np.nan)
    se = np.sqrt(np.maximum(var, 0.0))
    sw2 = (w * w * D).sum(axis=0)
    nd = D.sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        eff = n_hat * n_hat / sw2
        deff = nd / eff
    return {"mean": mean, "se": se, "n": nd, "effective_n": eff, "design_effect": deff}


def _check_n(cal: Calibration, arr: np.ndarray, what: str) -> None:
    if arr.shape[0] != cal.n:
        raise RespondentsError(f"{what} has {arr.shape[0]} values but the design has {cal.n} "
                               "respondents", code="estimation.length_differs", what=what, given=int(arr.shape[0]),
                               n=cal.n)


def _by_codes(cal: Calibration, by: np.ndarray | None, by_labels: Sequence[str] | None,
              ) -> tuple[np.ndarray | None, tuple[str, ...]]:
    if by is None:
        return None, ()
    b = np.asarray(by)
    _check_n(cal, b, "the grouping feature")
    if not np.issubdtype(b.dtype, np.integer):
        raise RespondentsError("the grouping feature must be integer category codes (-1 for none)",
                               code="estimation.group_codes")
    k = int(b.max()) + 1 if len(b) else 0
    labels = tuple(by_labels) if by_labels is not None else tuple(str(i) for i in range(k))
    if k > len(labels):
        raise RespondentsError(f"the grouping feature has code {k - 1} but only {len(labels)} labels",
                               code="estimation.group_labels", value=k - 1, labels=len(labels))
    return b, labels


def _se_method(cal: Calibration, sweeps: int | None) -> str:
    if not cal.features:
        return "linearised, weights taken as fixed (no calibration margins given)"
    how = f"{sweeps} sweeps as R survey" if sweeps else "exact projection"
    return f"linearised with raking residuals on {', '.join(cal.features)} ({how})"


def _make(group: str, option: str, res: dict[str, np.ndarray], j: int, cell_n: int,
          group_n: int | None, z: float, suppressed: str | None, bounded: bool) -> Estimate:
    if suppressed is not None:
        return Estimate(group, option, None, None, None, None, None, None, group_n, None, None,
                        suppressed)
    est = float(res["mean"][j])
    se = float(res["se"][j])
    moe = z * se
    lo, hi = est - moe, est + moe
    if bounded:
        lo, hi = max(lo, 0.0), min(hi, 1.0)
    return Estimate(group, option, est, se, lo, hi, moe, cell_n, group_n,
                    float(res["effective_n"][j]), float(res["design_effect"][j]), None)


def estimate_shares(cal: Calibration, answers: np.ndarray, options: Sequence[str], *,
                    by: np.ndarray | None = None, by_labels: Sequence[str] | None = None,
                    variable: str = "", by_name: str | None = None, confidence: float = 0.95,
                    min_count: int = MIN_COUNT, sweeps: int | None = R_SWEEPS) -> EstimateTable:
    """Weighted share of each option of a single-choice question.

    `answers` holds option codes (indices into `options`), -1 for no answer; shares are
    among those who answered. With `by` (group codes, -1 for none) each group gets its
    own shares; the table is suppressed as a whole (`disclosure.suppress_table`).
    """
    start = time.perf_counter()
    z = _z(confidence)
    a = np.asarray(answers)
    _check_n(cal, a, "the answers")
    K = len(options)
    if len(a) and (a.max() >= K or a.min() < -1):
        raise RespondentsError(f"answer code {int(a.max())} is outside the {K} options",
                               code="estimation.answer_code", value=int(a.max()), options=K)
    b, labels = _by_codes(cal, by, by_labels)
    G = len(labels) + 1 if b is not None else 1  # groups incl. one for "no group"
    m = len(cal.cell_count)
    idx = cal.cell.astype(np.int64) * (K + 1) + (a + 1)
    if b is not None:
        idx = (cal.cell.astype(np.int64) * G + np.where(b < 0, G - 1, b)) * (K + 1) + (a + 1)
    table = np.bincount(idx, minlength=m * G * (K + 1)).reshape(m, G, K + 1).astype(float)
    answered = table[:, :, 1:]
    if b is not None:
        groups = np.concatenate([answered.sum(axis=1, keepdims=True), answered[:, :-1]], axis=1)
    else:
        groups = answered
    A = groups.reshape(m, -1)
    D = np.repeat(groups.sum(axis=2), K, axis=1)
    res = _linearised(cal, A, A, D, sweeps)
    counts = groups.sum(axis=0)  # (groups, K): All first
    group_names = (ALL, *labels)
    out = []
    if b is None:
        sup = suppress_line(counts[0], min_count=min_count)
        total_n = None if sup.suppressed[-1] else int(sup.counts[-1])
        for k, opt in enumerate(options):
            out.append(_make(ALL, opt, res, k, int(counts[0, k]), total_n, z, sup.label(k), True))
    else:
        R = len(labels)
        sup2 = suppress_table(counts[1:], min_count=min_count)
        for g, name in enumerate(group_names):
            r = R if g == 0 else g - 1
            gn = None if sup2.suppressed[r, K] else int(sup2.counts[r, K])
            for k, opt in enumerate(options):
                out.append(_make(name, opt, res, g * K + k, int(counts[g, k]), gn, z,
                                 sup2.label(r, k), True))
    return EstimateTable(variable=variable, kind="shares", by=by_name, groups=group_names,
                         options=tuple(options), estimates=tuple(out),
                         se_method=_se_method(cal, sweeps), confidence=confidence,
                         parameters={"min_count": min_count, "sweeps": sweeps},
                         seconds=time.perf_counter() - start)


def estimate_mean(cal: Calibration, values: np.ndarray, *, by: np.ndarray | None = None,
                  by_labels: Sequence[str] | None = None, variable: str = "",
                  by_name: str | None = None, confidence: float = 0.95,
                  min_count: int = MIN_COUNT, sweeps: int | None = R_SWEEPS) -> EstimateTable:
    """Weighted mean of a numeric answer (NaN for no answer), overall and by group."""
    start = time.perf_counter()
    z = _z(confidence)
    y = np.asarray(values, dtype=float)
    _check_n(cal, y, "the answers")
    b, labels = _by_codes(cal, by, by_labels)
    m = len(cal.cell_count)
    valid = ~np.isnan(y)
    has_missing = not bool(valid.all())
    centre = float(y[valid].mean()) if valid.any() else 0.0
    yc = np.where(valid, y - centre, 0.0) if has_missing else y - centre
    if b is None:
        G = 1
        idx = cal.cell
    else:
        G = len(labels) + 1
        idx = cal.cell.astype(np.int64) * G + np.where(b < 0, G - 1, b)
    size = m * G
    A = np.bincount(idx, weights=yc, minlength=size).reshape(m, G)
    B = np.bincount(idx, weights=yc * yc, minlength=size).reshape(m, G)
    if has_missing:
        D = np.bincount(idx, weights=valid.astype(float), minlength=size).reshape(m, G)
    elif b is None:
        D = cal.cell_count.reshape(m, 1).copy()
    else:
        D = np.bincount(idx, minlength=size).reshape(m, G).astype(float)
    if b is not None:
        A = np.concatenate([A.sum(axis=1, keepdims=True), A[:, :-1]], axis=1)
        B = np.concatenate([B.sum(axis=1, keepdims=True), B[:, :-1]], axis=1)
        D = np.concatenate([D.sum(axis=1, keepdims=True), D[:, :-1]], axis=1)
    res = _linearised(cal, A, B, D, sweeps)
    res["mean"] = res["mean"] + centre
    ns = D.sum(axis=0)
    group_names = (ALL, *labels)
    if b is None:
        sup = suppress_line(ns, min_count=min_count)
        labels_sup = [sup.label(0)]
    else:
        sup = suppress_line(ns[1:], min_count=min_count)
        labels_sup = [sup.label(len(labels))] + [sup.label(g) for g in range(len(labels))]
    out = []
    for g, name in enumerate(group_names):
        s = labels_sup[g]
        out.append(_make(name, "mean", res, g, int(ns[g]), None if s else int(ns[g]), z, s, False))
    return EstimateTable(variable=variable, kind="mean", by=by_name, groups=group_names,
                         options=("mean",), estimates=tuple(out),
                         se_method=_se_method(cal, sweeps), confidence=confidence,
                         parameters={"min_count": min_count, "sweeps": sweeps},
                         seconds=time.perf_counter() - start)


def estimate_multiple(cal: Calibration, selected: np.ndarray, options: Sequence[str], *,
                      answered: np.ndarray | None = None, by: np.ndarray | None = None,
                      by_labels: Sequence[str] | None = None, variable: str = "",
                      by_name: str | None = None, confidence: float = 0.95,
                      min_count: int = MIN_COUNT,
                      sweeps: int | None = R_SWEEPS) -> EstimateTable:
    """Share choosing each option of a multiple-choice question (each a yes/no share).

    `selected` is (n, options) of 0/1; `answered` marks who answered the question at all
    (default: everyone). Each option is suppressed as its own yes/no table, so a share is
    hidden when fewer than `min_count` chose it or fewer than `min_count` did not.
    """
    start = time.perf_counter()
    sel = np.asarray(selected)
    if sel.ndim != 2 or sel.shape[1] != len(options):
        raise RespondentsError(f"expected a table of {len(options)} yes/no columns per respondent",
                               code="estimation.multiple_shape", options=len(options))
    _check_n(cal, sel, "the answers")
    ans = np.ones(cal.n, dtype=bool) if answered is None else np.asarray(answered, dtype=bool)
    out: list[Estimate] = []
    groups: tuple[str, ...] = (ALL,)
    for k, opt in enumerate(options):
        yes_no = np.where(ans, (sel[:, k] != 0).astype(np.int8), -1)
        t = estimate_shares(cal, yes_no, ("no", "yes"), by=by, by_labels=by_labels,
                            confidence=confidence, min_count=min_count, sweeps=sweeps)
        groups = t.groups
        for e in t.estimates:
            if e.option == "yes":
                out.append(Estimate(e.group, opt, e.estimate, e.se, e.ci_low, e.ci_high, e.moe,
                                    e.n, e.group_n, e.effective_n, e.design_effect, e.suppressed))
    out.sort(key=lambda e: groups.index(e.group))
    return EstimateTable(variable=variable, kind="multiple", by=by_name, groups=groups,
                         options=tuple(options), estimates=tuple(out),
                         se_method=_se_method(cal, sweeps), confidence=confidence,
                         parameters={"min_count": min_count, "sweeps": sweeps},
                         seconds=time.perf_counter() - start)
