"""Weighting respondents to population figures: raking, post-stratification, trimming.

Pure numpy; no Django. See docs/methods/weighting.md.
"""

from .collapse import MIN_RESPONDENTS, Collapse, Merge, collapse_categories
from .errors import (
    EmptyCategoryError,
    MarginsError,
    NotConvergedError,
    RespondentsError,
    WeightingError,
)
from .margins import Margin, check_margins, encode_feature, read_margins_csv
from .raking import (
    Calibration,
    TrimReport,
    WeightingResult,
    build_calibration,
    kish,
    poststratify,
    rake,
)

__all__ = [
    "MIN_RESPONDENTS",
    "Collapse",
    "Merge",
    "collapse_categories",
    "Calibration",
    "EmptyCategoryError",
    "Margin",
    "MarginsError",
    "NotConvergedError",
    "RespondentsError",
    "TrimReport",
    "WeightingError",
    "WeightingResult",
    "build_calibration",
    "check_margins",
    "encode_feature",
    "kish",
    "poststratify",
    "rake",
    "read_margins_csv",
]
