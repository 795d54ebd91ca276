"""Sections that higher apps add to a member's own page (/me/), without members importing them.

An app registers, in its AppConfig.ready(), a function member -> a section or None:

    {"template": "events/member_section.html", "context": {...}}

The page includes each section's template with its context, in the order registered.
"""

from __future__ import annotations

from collections.abc import Callable

from civicpanel.members.models import Member

Section = Callable[[Member], dict | None]
_sections: list[Section] = []


def register_member_page_section(func: Section) -> Section:
    """Add a section to every member's own page (idempotent)."""
    if func not in _sections:
        _sections.append(func)
    return func


def member_page_sections(member: Member) -> list[dict]:
    return [section for section in (func(member) for func in _sections) if section]
