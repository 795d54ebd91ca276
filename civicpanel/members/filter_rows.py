"""The staff member list's narrow rows (PostgreSQL only): `members_filterrow` holds, per member,
what the list filters, counts and orders on (council, status, district, birth year, campaign,
joined, the profile options array), about a sixth of the member row's width. Counting the
members a filter matches per status then reads few pages instead of the wide member rows
(encrypted name, e-mail, address, phone), and only the page's fifty members are read from
`members_member`.

The database alone writes the rows: triggers on `members_member` (migration `members.0013`)
copy the member row on every insert, delete, COPY, truncate and change of a copied column, so
every write path keeps them equal to the members. Since members.0014 they also hold what a
survey's audience leaves members out for (the survey preference, a bounced address, whether
there is one: the send page's audience is a scan of these rows) and a profile version that
changes with every profile change (the key of the profiles a web process keeps,
members.categories.council_profiles). The profile options arrive through the member row, where the triggers on the answers put them (members.profile_index). The model
`MemberFilterRow` is unmanaged and read-only by convention. On SQLite it is a view of the
member table (so code that goes through every model finds its rows), and the list reads the
members there.
"""

from __future__ import annotations

from django.db import connections


def uses_filter_rows(using: str = "default") -> bool:
    """Whether the database keeps the members' filter rows (PostgreSQL)."""
    return connections[using].vendor == "postgresql"


def profiles_version(*, council_id: int, using: str = "default") -> int:
    """A number that changes whenever a member of the council is added or their birth year,
    district or profile options change (PostgreSQL; members.0014): the highest
    `profile_version` of the council's rows, which the triggers take from a sequence. One
    index probe, where the highest answer id of the council's members was a join of every
    answer with the members (1.1 to 1.6 s at a million)."""
    with connections[using].cursor() as cursor:
        cursor.execute("SELECT coalesce(max(profile_version), 0) FROM members_filterrow WHERE council_id = %s",
                       [council_id])
        return int(cursor.fetchone()[0])
