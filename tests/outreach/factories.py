from __future__ import annotations

from civicpanel.members.models import Member
from tests.factories import MemberFactory


def members(council, count: int, **kwargs) -> list[Member]:
    """`count` active members of the council who want every kind of e-mail."""
    return [MemberFactory(council=council, **kwargs) for _ in range(count)]
