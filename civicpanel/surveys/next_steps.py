"""Links that higher apps add to a survey's results page (what staff do next with the results:
publish them, send the feedback, download the report), without surveys importing them.

An app registers, in its AppConfig.ready(), a function (request, survey) -> list of
{"text": ..., "href": ...}; it returns nothing the staff member's role may not use.
"""

from __future__ import annotations

from collections.abc import Callable

StepsFor = Callable[[object, object], list[dict]]
_providers: list[StepsFor] = []


def register_survey_next_steps(func: StepsFor) -> StepsFor:
    """Add links to every survey's results page (idempotent)."""
    if func not in _providers:
        _providers.append(func)
    return func


def survey_next_steps(request, survey) -> list[dict]:
    return [step for func in _providers for step in func(request, survey)]
