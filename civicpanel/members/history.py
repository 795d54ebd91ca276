"""A member's history with the panel on their staff page: what they were invited to and what
they took part in, one section per kind (surveys and events today; budgeting votes... as those
apps register).

members sits below the apps that invite members, so it cannot import them. Each app registers
a function once, in its AppConfig.ready():

    from civicpanel.members.history import HistorySection, register_history_provider

    def survey_history(member) -> HistorySection | None:
        ...  # the member's invitations as rows, newest first; None to show nothing

    register_history_provider(survey_history)

The sections appear in the order the apps were registered (INSTALLED_APPS order).
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field

from civicpanel.members.models import Member


@dataclass(frozen=True)
class HistoryRow:
    """One thing the member was asked to take part in."""

    title: str                         # e.g. the survey's title, in the staff member's language
    invited_at: datetime.datetime | None
    state: str                         # e.g. "Answered", "Started, not finished", "Not answered"
    done_at: datetime.datetime | None  # when they answered or took part; None if not (yet)
    taken_part: bool = False


@dataclass
class HistorySection:
    key: str                                        # stable id, e.g. "surveys"
    title: str                                      # heading, e.g. "Surveys"
    rows: list[HistoryRow] = field(default_factory=list)
    summary: str = ""                               # one line, e.g. "Invited to 4, answered 3"


HistoryProvider = Callable[[Member], "HistorySection | None"]

_providers: list[HistoryProvider] = []


def register_history_provider(func: HistoryProvider) -> HistoryProvider:
    """Add a function member -> HistorySection | None to the member page (idempotent)."""
    if func not in _providers:
        _providers.append(func)
    return func


def member_history(member: Member) -> list[HistorySection]:
    """The member's history, one section per registered app that has something to show."""
    sections = []
    for provider in _providers:
        section = provider(member)
        if section is not None:
            sections.append(section)
    return sections
