"""Each member's chosen profile options as one array on the member row (PostgreSQL only), so
that a filter on several profile questions is one GIN index lookup instead of a join per
question.

`members_member.profile_options` (bigint[], sorted option ids) is not a model field on
purpose: the database alone writes it, from the member's rows in `members_memberanswer`, by
statement triggers on that table (insert, update, delete, truncate; see migration
`members.0011`). Every way answers are written (forms, import, API, demo, erasure, bulk
deletes, COPY) therefore keeps it in step, and no ORM save can write a stale copy back. The
triggers fire even with `session_replication_role = replica` (the benchmark's COPY sets it).

On SQLite (development and the first test phase) there is no such column; `profile_filter`
gives the joins there, with the same meaning.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import connections
from django.db.models import BooleanField, Exists, Expression, OuterRef, Q

COLUMN = "profile_options"


def uses_profile_index(using: str = "default") -> bool:
    """Whether the database keeps the profile options array (PostgreSQL)."""
    return connections[using].vendor == "postgresql"


class ProfileOptionsMatch(Expression):
    """`profile_options @> ARRAY[...]` (has every option) or `&& ARRAY[...]` (has at least one)
    on the member table of the query it is used in.

    The operators are written as `OPERATOR(pg_catalog....)` so that they stay the built-in
    array operators (which the GIN index's array_ops serve) even where the intarray extension,
    whose operators of the same name take precedence on integer arrays, is installed.
    """

    conditional = True
    output_field = BooleanField()

    def __init__(self, option_ids: Iterable[int], *, every: bool, alias: str | None = None):
        super().__init__()
        self.option_ids = sorted({int(pk) for pk in option_ids})
        self.every = every
        self.alias = alias

    def resolve_expression(self, query=None, allow_joins=True, reuse=None, summarize=False, for_save=False):
        clone = self.copy()
        clone.alias = query.get_initial_alias()
        return clone

    def relabeled_clone(self, change_map):
        # A queryset used inside another (`member__in=queryset`) has its tables renamed.
        clone = self.copy()
        clone.alias = change_map.get(self.alias, self.alias)
        return clone

    def as_sql(self, compiler, connection):
        operator = "@>" if self.every else "&&"
        column = f"{compiler.quote_name(self.alias)}.{connection.ops.quote_name(COLUMN)}"
        return f"{column} OPERATOR(pg_catalog.{operator}) %s::bigint[]", (self.option_ids,)

    def as_sqlite(self, compiler, connection):
        raise NotImplementedError("the profile options array exists on PostgreSQL only; use profile_filter")

    def __repr__(self) -> str:
        return f"{self.__class__.__name__}({self.option_ids}, every={self.every})"


def profile_filter(option_groups: list[list[int]], *, using: str = "default") -> Q:
    """Members who chose at least one option of every group (a group: the chosen options of one
    question; OR within a group, AND across groups).

    PostgreSQL: the one-option groups together as one `@>` (one GIN lookup intersects them),
    each larger group as `&&`. SQLite: one `EXISTS` over the answers per group.
    """
    from civicpanel.members.models import MemberAnswer

    groups = [sorted(set(group)) for group in option_groups if group]
    condition = Q()
    if not groups:
        return condition
    if uses_profile_index(using):
        single = [group[0] for group in groups if len(group) == 1]
        if single:
            condition &= Q(ProfileOptionsMatch(single, every=True))
        for group in groups:
            if len(group) > 1:
                condition &= Q(ProfileOptionsMatch(group, every=False))
        return condition
    for group in groups:
        condition &= Q(Exists(MemberAnswer.objects.filter(member=OuterRef("pk"), option_id__in=group)))
    return condition
