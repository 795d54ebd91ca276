"""Weighted estimates with linearised standard errors for raked designs, and their suppression.

Pure numpy; no Django. See docs/methods/weighting.md.
"""

from .core import (
    ALL,
    Estimate,
    EstimateTable,
    calibration_from_weights,
    estimate_mean,
    estimate_multiple,
    estimate_shares,
)

__all__ = [
    "ALL",
    "Estimate",
    "EstimateTable",
    "calibration_from_weights",
    "estimate_mean",
    "estimate_multiple",
    "estimate_shares",
]
