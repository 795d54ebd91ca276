"""Links that higher apps add to an event's staff page (telling the participants what came of
it), without events importing them. Registered in an AppConfig.ready() as a function
(request, event) -> list of {"text": ..., "href": ..., "kind": ...}; it returns nothing the staff
member's role may not use."""

from __future__ import annotations

from collections.abc import Callable

StepsFor = Callable[[object, object], list[dict]]
_providers: list[StepsFor] = []


def register_event_next_steps(func: StepsFor) -> StepsFor:
    """Add links to every event's staff page (idempotent)."""
    if func not in _providers:
        _providers.append(func)
    return func


def event_next_steps(request, event) -> list[dict]:
    return [step for func in _providers for step in func(request, event)]
