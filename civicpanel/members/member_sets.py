"""Groups of members that a higher app knows of and an audience may be narrowed to, without
members (or surveys) importing that app: e.g. events registers "attended event X", so a
follow-up survey goes to those who came.

An app registers, in its AppConfig.ready():

    register_member_set("attended_event", label=..., choices=lambda council: [("12", "User test"), ...],
                        members=lambda council, values: <queryset of member ids>)

`members_filter` then accepts {"attended_event": ["12"]} like a profile question's codes:
values are OR-ed, and keys are AND-ed with the rest of the filter.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class MemberSet:
    key: str
    label: Any  # a (lazy) text in the active language
    choices: Callable[[Any], list[tuple[str, str]]]
    members: Callable[[Any, list[str]], Any]


_SETS: dict[str, MemberSet] = {}


def register_member_set(key: str, *, label, choices: Callable, members: Callable) -> None:
    """Declare a member set (registering the same key again replaces it)."""
    _SETS[key] = MemberSet(key=key, label=label, choices=choices, members=members)


def member_sets() -> list[MemberSet]:
    return list(_SETS.values())


def member_set(key: str) -> MemberSet | None:
    return _SETS.get(key)
