"""How evenly a wave's invited members answered: response propensities and the R-indicator.

The R-indicator (Schouten, Cobben and Bethlehem 2009, "Indicators for the representativeness of
survey response", Survey Methodology 35(1)) is

    R = 1 - 2 S(rho),   S(rho)^2 = 1 / (N - 1) * sum_i d_i (rho_i - mean rho)^2,
    mean rho = 1 / N * sum_i d_i rho_i,   N = sum_i d_i,

over everyone invited, where rho_i is member i's estimated chance of answering (from a
logistic regression of answered / not answered on the profile variables) and d_i their design
weight (1 / the chance of being invited; 1 when everyone in the audience was invited). R = 1
when every group answers alike; the lowest possible value is 0 (half answer with certainty,
half never). Pure numpy, no Django.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from .errors import MethodError

__all__ = ["RIndicator", "RepresentativityError", "logistic_fit", "r_indicator"]


class RepresentativityError(MethodError):
    code = "representativity.error"


@dataclass(frozen=True)
class RIndicator:
    """R, the standard deviation of the propensities it rests on, their (weighted) mean, each
    invited member's propensity, and the model's variables."""

    r: float
    sd: float
    mean_propensity: float
    propensities: np.ndarray
    n: int
    responded: int
    features: tuple[str, ...]
    iterations: int


def logistic_fit(x: np.ndarray, y: np.ndarray, *, weights: np.ndarray | None = None, ridge: float = 1e-8,
                 max_iterations: int = 100, tolerance: float = 1e-10) -> tuple[np.ndarray, int]:
    """Coefficients of a weighted logistic regression of y (0/1) on x (n x k, with an intercept
    column) by Newton-Raphson (iteratively reweighted least squares).

    A tiny ridge penalty keeps the coefficients finite when a group answered all or none (the
    maximum-likelihood estimate is then at infinity); the fitted chances still tend to 0 or 1.
    Returns the coefficients and the number of iterations.
    """
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    n, k = x.shape
    w = np.ones(n) if weights is None else np.asarray(weights, dtype=float)
    beta = np.zeros(k)
    penalty = np.full(k, ridge)
    penalty[0] = 0.0  # the intercept is not shrunk
    for iteration in range(1, max_iterations + 1):
        eta = np.clip(x @ beta, -35.0, 35.0)
        mu = 1.0 / (1.0 + np.exp(-eta))
        gradient = x.T @ (w * (y - mu)) - penalty * beta
        hessian = (x * (w * mu * (1.0 - mu))[:, None]).T @ x + np.diag(penalty)
        step = np.linalg.lstsq(hessian, gradient, rcond=None)[0]
        beta = beta + step
        if float(np.max(np.abs(step))) < tolerance:
            return beta, iteration
    return beta, max_iterations


def _design(codes: Mapping[str, np.ndarray], sizes: Mapping[str, int], n: int) -> np.ndarray:
    """Intercept plus one indicator column per category after the first of every feature."""
    columns = [np.ones(n)]
    for name, c in codes.items():
        c = np.asarray(c, dtype=np.int64)
        for k in range(1, int(sizes[name])):
            columns.append((c == k).astype(float))
    x = np.column_stack(columns)
    # Categories nobody invited is in make all-zero columns: they carry no information.
    keep = np.flatnonzero(np.any(x != 0, axis=0))
    return x[:, keep]


def r_indicator(codes: Mapping[str, np.ndarray], sizes: Mapping[str, int], responded: Sequence[bool] | np.ndarray,
                *, design_weights: np.ndarray | None = None, ridge: float = 1e-8) -> RIndicator:
    """The R-indicator of a wave: `codes[feature]` is each invited member's category index on a
    profile variable (0 to sizes[feature] - 1), `responded` whether they answered."""
    y = np.asarray(responded, dtype=bool)
    n = len(y)
    if n < 2:
        raise RepresentativityError(f"the R-indicator needs at least 2 invited members, not {n}",
                                    code="representativity.too_few", n=n)
    for name, c in codes.items():
        c = np.asarray(c)
        if len(c) != n:
            raise RepresentativityError(f"feature '{name}' has {len(c)} members, the response list {n}",
                                        code="representativity.length", feature=name, given=len(c), expected=n)
        if len(c) and (int(c.min()) < 0 or int(c.max()) >= int(sizes[name])):
            raise RepresentativityError(f"feature '{name}': every invited member needs a category "
                                        f"(0 to {int(sizes[name]) - 1})",
                                        code="representativity.category", feature=name)
    d = np.ones(n) if design_weights is None else np.asarray(design_weights, dtype=float)
    if d.shape != (n,) or not np.all(np.isfinite(d)) or np.any(d <= 0):
        raise RepresentativityError("design weights must be positive numbers, one per invited member",
                                    code="representativity.design_weights")
    x = _design(codes, sizes, n)
    beta, iterations = logistic_fit(x, y.astype(float), weights=d, ridge=ridge)
    rho = 1.0 / (1.0 + np.exp(-np.clip(x @ beta, -35.0, 35.0)))
    total = float(d.sum())
    mean = float((d * rho).sum() / total)
    variance = float((d * (rho - mean) ** 2).sum() / (total - 1.0)) if total > 1 else 0.0
    sd = float(np.sqrt(max(variance, 0.0)))
    return RIndicator(r=1.0 - 2.0 * sd, sd=sd, mean_propensity=mean, propensities=rho, n=n,
                      responded=int(y.sum()), features=tuple(codes), iterations=iterations)
