"""Errors raised by weighting, each with a message a staff member can act on."""

from __future__ import annotations

from ..errors import MethodError


class WeightingError(MethodError):
    """Base class: the input cannot be weighted as it stands."""

    code = "weighting.error"


class MarginsError(WeightingError):
    """The population figures are malformed, missing a category or do not add up."""


class RespondentsError(WeightingError):
    """The respondents lack a feature, have an empty value or an unknown category."""


class EmptyCategoryError(WeightingError):
    """A category (or cell) has population but no respondents, so no weight can reach it."""


class NotConvergedError(WeightingError):
    """Raking did not meet the margins within the iteration limit; no weights are returned."""

    code = "weighting.not_converged"

    def __init__(self, message: str, *, feature: str, category: str, iterations: int,
                 max_margin_error: float, code: str | None = None) -> None:
        super().__init__(message, code=code, feature=feature, category=category, iterations=iterations,
                         off_share=max_margin_error)
        self.feature = feature
        self.category = category
        self.iterations = iterations
        self.max_margin_error = max_margin_error
