"""The common base of every error the methods raise.

A method error carries a `code` (what kind of problem, e.g. "weighting.empty_category") and
`params` (the values that make it concrete: the feature, the category, a count). Its English
message (`str(error)`) serves the command line and notebooks; a web page builds its own
sentence in the reader's language from the code and the values, so nothing here depends on
Django or on translation catalogues.
"""

from __future__ import annotations

from typing import Any


class MethodError(ValueError):
    """An input a method refuses, with a code and the values that a translated message needs."""

    code = "method.error"

    def __init__(self, message: str, *, code: str | None = None, **params: Any) -> None:
        super().__init__(message)
        if code is not None:
            self.code = code
        self.params: dict[str, Any] = params


class Problem(str):
    """One of several problems an error lists (a line of a file, a quota): the English text,
    and a code with values for a translated sentence. A str, so it reads and compares as text."""

    code: str
    params: dict[str, Any]

    def __new__(cls, message: str, *, code: str, **params: Any) -> Problem:
        problem = super().__new__(cls, message)
        problem.code = code
        problem.params = params
        return problem
