"""Raking, post-stratification and trimming on the table of cells.

Every respondent falls in one cell of the full cross-classification of the weighting
features (and of the distinct design weights, when there are any). Respondents in the
same cell get the same weight, so after one pass over the respondents that counts the
cells, raking works on the cell table alone and its cost does not depend on n; the
cell weights are then handed back to the respondents with one gather.
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from .errors import (
    EmptyCategoryError,
    MarginsError,
    NotConvergedError,
    RespondentsError,
    WeightingError,
)
from .margins import Margin, check_margins

__all__ = ["Calibration", "TrimReport", "WeightingResult", "build_calibration", "kish",
           "poststratify", "rake"]

DEFAULT_TOLERANCE = 1e-10
DEFAULT_MAX_ITERATIONS = 2000
DEFAULT_TRIM_ROUNDS = 200
_DENSE_CELLS = 1 << 16


@dataclass(frozen=True)
class Calibration:
    """The weighting design, as estimation needs it for calibrated standard errors.

    `cell[i]` is respondent i's cell; all respondents of a cell share `cell_weight`.
    `cell_categories[c, j]` is the category of cell c on calibration margin j.
    """

    features: tuple[str, ...]
    n_categories: tuple[int, ...]
    cell: np.ndarray
    cell_weight: np.ndarray
    cell_count: np.ndarray
    cell_categories: np.ndarray
    stratum_weight: np.ndarray | None = None
    """For post-stratification: the design weight of each cell, by which R's
    `postStratify` weights the means within strata; None for raking (plain means)."""

    @property
    def n(self) -> int:
        return int(self.cell.shape[0])

    @property
    def weights(self) -> np.ndarray:
        return self.cell_weight[self.cell]


@dataclass(frozen=True)
class TrimReport:
    """What trimming did: the cap (a multiple of the mean weight) and whether it holds."""

    cap_ratio: float
    cap_met: bool
    rounds: int
    trimmed: int
    max_weight_ratio: float
    design_effect_before: float


@dataclass(frozen=True)
class WeightingResult:
    """Weights that meet the margins, with the figures a report states about them."""

    weights: np.ndarray
    converged: bool
    iterations: int
    max_margin_error: float
    effective_n: float
    design_effect: float
    n: int
    total: float
    method: str
    features: tuple[str, ...]
    calibration: Calibration
    parameters: dict[str, Any] = field(default_factory=dict)
    trim: TrimReport | None = None
    seconds: float = 0.0

    def summary(self) -> dict[str, Any]:
        """Plain JSON-ready figures (no arrays)."""
        out: dict[str, Any] = {
            "converged": self.converged,
            "method": self.method,
            "iterations": self.iterations,
            "max_margin_error": self.max_margin_error,
            "design_effect": self.design_effect,
            "effective_n": self.effective_n,
            "n": self.n,
            "total_weight": self.total,
            "features": list(self.features),
            "parameters": self.parameters,
            "seconds": self.seconds,
        }
        if self.trim is not None:
            out["trim"] = {
                "cap_ratio": self.trim.cap_ratio,
                "cap_met": self.trim.cap_met,
                "rounds": self.trim.rounds,
                "trimmed": self.trim.trimmed,
                "max_weight_ratio": self.trim.max_weight_ratio,
                "design_effect_before": self.trim.design_effect_before,
            }
        return out


def kish(weights: np.ndarray) -> tuple[float, float]:
    """Kish's effective sample size (sum w)^2 / sum w^2 and design effect n / that."""
    w = np.asarray(weights, dtype=float)
    s1, s2 = float(w.sum()), float(np.dot(w, w))
    if s2 == 0:
        return 0.0, math.nan
    eff = s1 * s1 / s2
    return eff, len(w) / eff


def _kish_cells(count: np.ndarray, weight: np.ndarray) -> tuple[float, float]:
    s1 = float(np.dot(count, weight))
    s2 = float(np.dot(count, weight * weight))
    n = float(count.sum())
    eff = s1 * s1 / s2 if s2 > 0 else 0.0
    return eff, (n / eff if eff > 0 else math.nan)


def build_calibration(codes: Sequence[np.ndarray], sizes: Sequence[int],
                      features: Sequence[str],
                      group_weights: np.ndarray | None = None) -> tuple[Calibration, np.ndarray]:
    """Count the cells of the cross-classification of `codes` (and of distinct values of
    `group_weights`). Returns the calibration (cell weights still unset: the group
    weight of each cell, or 1) and the cell totals of `group_weights`.
    """
    n = int(codes[0].shape[0]) if codes else (0 if group_weights is None else len(group_weights))
    shape = [int(k) for k in sizes]
    group_values = None
    group = None
    if group_weights is not None:
        gw = np.asarray(group_weights, dtype=float)
        if gw.shape != (n,):
            raise RespondentsError(f"{len(gw)} weights given for {n} respondents",
                                   code="weighting.weight_count", given=len(gw), n=n)
        if not np.all(np.isfinite(gw)) or gw.min() <= 0:
            bad = int(np.flatnonzero(~np.isfinite(gw) | (gw <= 0))[0])
            raise RespondentsError(f"respondent {bad + 1}: the weight {gw[bad]!r} is not a "
                                   "positive number; design weights must be greater than zero",
                                   code="weighting.bad_weight", respondent=bad + 1, value=str(gw[bad]))
        group_values, group = np.unique(gw, return_inverse=True)
        shape.append(len(group_values))
    radix = math.prod(shape) if shape else 1
    if radix >= 2**62:
        raise WeightingError("too many combinations of categories to count cells; merge categories",
                             code="weighting.too_many_cells")
    key: npt.NDArray[np.integer[Any]] = np.zeros(n, dtype=np.int64 if radix >= 2**31 else np.int32)
    for c, k in zip(codes, sizes, strict=True):
        key *= k
        key += c
    if group is not None and group_values is not None:
        key *= len(group_values)
        key += group
    if radix <= max(_DENSE_CELLS, n):
        cell = key
        cell_count = np.bincount(cell, minlength=radix)
        cell_keys = np.arange(radix)
        occupied = np.flatnonzero(cell_count)
        if radix > 256 and 2 * len(occupied) < radix:
            # mostly empty (few respondents): keep the occupied cells only, so that
            # estimation sweeps over them and not over the whole cross-classification
            lookup = np.zeros(radix, dtype=np.int32)
            lookup[occupied] = np.arange(len(occupied), dtype=np.int32)
            cell = lookup[key]
            cell_count = cell_count[occupied]
            cell_keys = occupied
    else:
        cell_keys, cell, cell_count = np.unique(key, return_inverse=True, return_counts=True)
    unravelled = np.unravel_index(cell_keys, shape) if shape else ()
    p = len(sizes)
    cats = np.stack(unravelled[:p], axis=1).astype(np.intp) if p else np.zeros((len(cell_keys), 0), np.intp)
    if group_values is not None:
        cell_weight = group_values[unravelled[p]]
    else:
        cell_weight = np.ones(len(cell_keys))
    cal = Calibration(features=tuple(features), n_categories=tuple(int(k) for k in sizes),
                      cell=cell, cell_weight=cell_weight, cell_count=cell_count.astype(float),
                      cell_categories=cats)
    return cal, cell_count * cell_weight


def _check_codes(codes: Mapping[str, np.ndarray], margins: Sequence[Margin]) -> list[np.ndarray]:
    out = []
    n = None
    for m in margins:
        if m.feature not in codes:
            raise RespondentsError(f"the respondents have no feature '{m.feature}', which the "
                                   "margins name; add the column or remove the feature from the margins",
                                   code="weighting.missing_feature", feature=m.feature)
        c = np.asarray(codes[m.feature])
        if c.ndim != 1 or not np.issubdtype(c.dtype, np.integer):
            raise RespondentsError(f"feature '{m.feature}': expected one integer category code "
                                   "per respondent", code="weighting.codes_not_integers", feature=m.feature)
        if n is None:
            n = len(c)
        elif len(c) != n:
            raise RespondentsError(f"feature '{m.feature}' has {len(c)} respondents, others {n}",
                                   code="weighting.length_differs", feature=m.feature, given=len(c), n=n)
        if len(c):
            lo, hi = int(c.min()), int(c.max())
            if lo < 0 or hi >= len(m.categories):
                bad = int(np.flatnonzero((c < 0) | (c >= len(m.categories)))[0])
                raise RespondentsError(
                    f"feature '{m.feature}': respondent {bad + 1} has category code {int(c[bad])}, "
                    f"but the margins list {len(m.categories)} categories (codes 0 to "
                    f"{len(m.categories) - 1}); add the category to the margins or recode it",
                    code="weighting.code_out_of_range", feature=m.feature, respondent=bad + 1, value=int(c[bad]),
                    categories=len(m.categories))
        out.append(c)
    if not n:
        raise RespondentsError("there are no respondents to weight", code="weighting.no_respondents")
    return out


def _neighbour(m: Margin, k: int, present: np.ndarray) -> str:
    for j in (k - 1, k + 1, k - 2, k + 2):
        if 0 <= j < len(m.categories) and present[j]:
            return m.categories[j]
    return "a neighbouring category"


def _check_support(margins: Sequence[Margin], targets: list[np.ndarray], cal: Calibration) -> None:
    for j, (m, t) in enumerate(zip(margins, targets, strict=True)):
        counts = np.bincount(cal.cell_categories[:, j], weights=cal.cell_count,
                             minlength=len(m.categories))
        for k, cat in enumerate(m.categories):
            if t[k] > 0 and counts[k] == 0:
                other = _neighbour(m, k, counts > 0)
                raise EmptyCategoryError(
                    f"feature '{m.feature}', category '{cat}'{m.where(k)}: the population has "
                    f"{'a share of ' + format(m.targets[k], 'g') if m.kind == 'share' else format(m.targets[k], ',g')} "
                    f"but no respondent is in it, so no weight can make up for it. Merge '{cat}' "
                    f"into '{other}' in both the respondents and the margins, then weight again",
                    code="weighting.empty_category", feature=m.feature, category=cat, other=other)
            if t[k] == 0 and counts[k] > 0:
                raise MarginsError(
                    f"feature '{m.feature}', category '{cat}'{m.where(k)}: the population figure "
                    f"is 0 but {int(counts[k])} respondent(s) are in it. Correct the figure, or "
                    "recode these respondents into another category", code="weighting.zero_population",
                    feature=m.feature, category=cat, n=int(counts[k]))


def _ipf(cal: Calibration, cats: list[np.ndarray], targets: list[np.ndarray],
         t: np.ndarray, tol: float, max_iter: int) -> tuple[np.ndarray, int, float, int, int]:
    """Rake cell totals `t` (in place) to `targets`; returns t, sweeps, error, worst margin, category."""
    sizes = [len(x) for x in targets]
    err = math.inf
    worst = (0, 0)
    safe = [np.where(x > 0, x, 1.0) for x in targets]
    for sweep in range(1, max_iter + 1):
        for c, target, k in zip(cats, targets, sizes, strict=True):
            s = np.bincount(c, weights=t, minlength=k)
            f = np.divide(target, s, out=np.ones(k), where=s > 0)
            t *= f[c]
        err = 0.0
        for j, (c, target, k) in enumerate(zip(cats, targets, sizes, strict=True)):
            s = np.bincount(c, weights=t, minlength=k)
            rel = np.abs(s - target) / safe[j]
            i = int(np.argmax(rel))
            if rel[i] > err:
                err, worst = float(rel[i]), (j, i)
        if err <= tol:
            return t, sweep, err, worst[0], worst[1]
        if not math.isfinite(err):
            break
    return t, max_iter, err, worst[0], worst[1]


def _not_converged(margins: Sequence[Margin], sweeps: int, err: float, j: int, k: int,
                   what: str = "Raking") -> NotConvergedError:
    m = margins[j]
    cat = m.categories[k]
    return NotConvergedError(
        f"{what} did not meet the population figures after {sweeps} rounds: feature "
        f"'{m.feature}', category '{cat}' is still {err:.2%} off. The respondents' cross-"
        "classification has gaps the figures need (for example no young women at all). Merge "
        f"small categories such as '{cat}' with a neighbour, or weight on fewer features. No "
        "weights were produced.",
        feature=m.feature, category=cat, iterations=sweeps, max_margin_error=err)


def rake(codes: Mapping[str, np.ndarray], margins: Sequence[Margin], *,
         design_weights: np.ndarray | None = None, total: float | None = None,
         trim: float | None = None, tolerance: float = DEFAULT_TOLERANCE,
         max_iterations: int = DEFAULT_MAX_ITERATIONS,
         trim_rounds: int = DEFAULT_TRIM_ROUNDS) -> WeightingResult:
    """Rake respondents to population margins by iterative proportional fitting.

    `codes[feature]` holds each respondent's category code (an index into the margin's
    categories). Starting from `design_weights` (1 when None), weights are adjusted until
    every category's weighted total is within `tolerance` (relative) of its target.
    Shares are scaled to `total`: by default the sum of the design weights (n without
    them); counts keep their own total. With `trim`, no weight may exceed `trim` times
    the mean weight: weights are capped and raked again in turn (`trim_rounds` at most).

    Raises `NotConvergedError` (no weights) if the margins are not met after
    `max_iterations` sweeps, and `EmptyCategoryError`, `MarginsError` or
    `RespondentsError` for input that cannot be weighted.
    """
    start = time.perf_counter()
    if tolerance <= 0 or max_iterations < 1:
        raise WeightingError("tolerance must be positive and max_iterations at least 1",
                             code="weighting.bad_tolerance")
    if trim is not None and not trim > 1:
        raise WeightingError(f"trim {trim!r}: the cap is a multiple of the mean weight and must "
                             "be greater than 1 (5 is usual)", code="weighting.bad_trim", value=str(trim))
    kind, targets = check_margins(margins)
    arrays = _check_codes(codes, margins)
    n = len(arrays[0])
    cal, t = build_calibration(arrays, [len(m.categories) for m in margins],
                               [m.feature for m in margins], design_weights)
    if kind == "share":
        scale = float(total) if total is not None else float(t.sum())
        targets = [x * scale for x in targets]
    elif total is not None:
        targets = [x * (float(total) / x.sum()) for x in targets]
    _check_support(margins, targets, cal)
    cats = [np.ascontiguousarray(cal.cell_categories[:, j]) for j in range(len(margins))]
    t = t.astype(float)
    t, sweeps, err, j, k = _ipf(cal, cats, targets, t, tolerance, max_iterations)
    if err > tolerance:
        raise _not_converged(margins, sweeps, err, j, k)
    count = cal.cell_count
    occupied = count > 0
    grand = float(targets[0].sum())
    trim_report = None
    if trim is not None:
        w = np.divide(t, count, out=np.zeros_like(t), where=occupied)
        _, deff_before = _kish_cells(count, w)
        cap = trim * grand / n
        rounds = 0
        trimmed = 0
        while rounds < trim_rounds and w.max() > cap * (1 + 1e-9):
            rounds += 1
            over = w > cap
            trimmed = int(count[over].sum())
            w[over] = cap
            t = w * count
            t, s, err, j, k = _ipf(cal, cats, targets, t, tolerance, max_iterations)
            sweeps += s
            if err > tolerance:
                raise _not_converged(margins, sweeps, err, j, k, "Raking after trimming")
            w = np.divide(t, count, out=np.zeros_like(t), where=occupied)
        ratio = float(w.max() / (grand / n))
        trim_report = TrimReport(cap_ratio=float(trim), cap_met=bool(ratio <= trim * (1 + 1e-6)),
                                 rounds=rounds, trimmed=trimmed, max_weight_ratio=ratio,
                                 design_effect_before=deff_before)
    cell_weight = np.divide(t, count, out=np.zeros_like(t), where=occupied)
    cal = Calibration(features=cal.features, n_categories=cal.n_categories, cell=cal.cell,
                      cell_weight=cell_weight, cell_count=count,
                      cell_categories=cal.cell_categories)
    weights = cell_weight[cal.cell]
    eff, deff = _kish_cells(count, cell_weight)
    return WeightingResult(
        weights=weights, converged=True, iterations=sweeps, max_margin_error=err,
        effective_n=eff, design_effect=deff, n=n, total=grand, method="raking",
        features=cal.features, calibration=cal,
        parameters={"tolerance": tolerance, "max_iterations": max_iterations, "trim": trim,
                    "total": total, "margins": kind,
                    "design_weights": design_weights is not None},
        trim=trim_report, seconds=time.perf_counter() - start)


def poststratify(codes: Mapping[str, np.ndarray], features: Sequence[str],
                 categories: Sequence[Sequence[str]], population: np.ndarray, *,
                 design_weights: np.ndarray | None = None,
                 total: float | None = None) -> WeightingResult:
    """Post-stratify on the full cross-table of `features`.

    `population` has one axis per feature (in order, categories in order) with counts, or
    shares adding up to 1 (then scaled to `total`, by default the sum of the design
    weights). Every cell with population must have respondents.
    """
    start = time.perf_counter()
    pop = np.asarray(population, dtype=float)
    sizes = [len(c) for c in categories]
    if pop.shape != tuple(sizes):
        raise WeightingError(f"the population table has shape {pop.shape} but the features have "
                             f"{tuple(sizes)} categories", code="weighting.table_shape")
    if not np.all(np.isfinite(pop)) or pop.min() < 0 or pop.sum() <= 0:
        raise WeightingError("the population table must hold numbers of zero or more, not all zero",
                             code="weighting.table_values")
    joint_name = " x ".join(features)
    dummy = [Margin(f, tuple(c), tuple([1.0 / len(c)] * len(c))) for f, c in
             zip(features, categories, strict=True)]
    arrays = _check_codes(codes, dummy)
    n = len(arrays[0])
    joint = np.zeros(n, dtype=np.int64)
    for c, k in zip(arrays, sizes, strict=True):
        joint *= k
        joint += c
    radix = math.prod(sizes)
    cal, t = build_calibration([joint], [radix], [joint_name], design_weights)
    counts = np.bincount(cal.cell_categories[:, 0], weights=cal.cell_count, minlength=radix)
    flat = pop.ravel()
    shares = abs(flat.sum() - 1.0) <= 1e-3
    for idx in np.flatnonzero((flat > 0) & (counts == 0)).tolist() + \
            np.flatnonzero((flat == 0) & (counts > 0)).tolist():
        where = np.unravel_index(idx, sizes)
        label = " x ".join(f"{f} '{categories[a][int(i)]}'" for a, (f, i) in
                           enumerate(zip(features, where, strict=True)))
        if flat[idx] > 0:
            raise EmptyCategoryError(
                f"cell {label}: the population has people in it but no respondent is in it. "
                "Merge this category with a neighbouring one (for example two adjacent age "
                "bands) in both the respondents and the population table, or rake on the "
                "margins instead", code="weighting.empty_cell", cell=label)
        raise WeightingError(f"cell {label}: the population is 0 but {int(counts[idx])} "
                             "respondent(s) are in it; correct the population table",
                             code="weighting.zero_population_cell", cell=label, n=int(counts[idx]))
    if shares:
        scale = float(total) if total is not None else float(t.sum())
        target = flat / flat.sum() * scale
    else:
        target = flat * (float(total) / flat.sum() if total is not None else 1.0)
    c = cal.cell_categories[:, 0]
    s = np.bincount(c, weights=t, minlength=radix)
    f = np.divide(target, s, out=np.ones(radix), where=s > 0)
    t = t * f[c]
    achieved = np.bincount(c, weights=t, minlength=radix)
    err = float(np.max(np.abs(achieved - target) / np.where(target > 0, target, 1.0)))
    count = cal.cell_count
    cell_weight = np.divide(t, count, out=np.zeros_like(t), where=count > 0)
    cal = Calibration(features=(joint_name,), n_categories=(radix,), cell=cal.cell,
                      cell_weight=cell_weight, cell_count=count,
                      cell_categories=cal.cell_categories, stratum_weight=cal.cell_weight)
    eff, deff = _kish_cells(count, cell_weight)
    return WeightingResult(
        weights=cell_weight[cal.cell], converged=True, iterations=1, max_margin_error=err,
        effective_n=eff, design_effect=deff, n=n, total=float(target.sum()),
        method="post-stratification", features=tuple(features), calibration=cal,
        parameters={"total": total, "population": "shares" if shares else "counts",
                    "design_weights": design_weights is not None},
        seconds=time.perf_counter() - start)
