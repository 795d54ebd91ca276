"""The members per status of a council (members.status_counts): kept by the database on
PostgreSQL, equal to counting the members after every way members are added, changed,
erased and deleted; an aggregate on SQLite."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from civicpanel.members import erasure, status_counts
from civicpanel.members.models import Member
from civicpanel.members.status_counts import council_status_counts
from tests.factories import MemberFactory, council_with_profile
from tests.migration_steps import migrate


def counted(council) -> dict[str, int]:
    return {status: Member.objects.filter(council=council, status=status).count() for status in Member.Status.values}


@pytest.fixture
def postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("the database keeps the counts on PostgreSQL only")


@pytest.mark.django_db
def test_the_counts_equal_the_members_after_every_kind_of_change(council, monkeypatch):
    monkeypatch.setattr(status_counts, "FOLD_AFTER", 5)
    other = council_with_profile(slug="other", name="Other")
    assert council_status_counts(council=council) == counted(council)
    members = [MemberFactory(council=council, status=status) for status in Member.Status.values for _ in range(3)]
    MemberFactory(council=other)
    Member.objects.bulk_create([Member(council=council, status=Member.Status.PENDING) for _ in range(4)])
    assert council_status_counts(council=council) == counted(council)

    first, second = members[0], members[1]
    first.status = Member.Status.PAUSED
    first.save(update_fields=["status"])
    second.status = Member.Status.LEFT
    second.save()  # every field
    Member.objects.filter(council=council, status=Member.Status.PENDING).update(status=Member.Status.ACTIVE)
    erasure.member_erase(member=members[2])
    Member.objects.filter(pk=members[3].pk).update(council=other)
    Member.objects.filter(pk__in=[m.pk for m in members[4:6]]).delete()
    for _ in range(2):  # the second read finds the rows folded
        assert council_status_counts(council=council) == counted(council)
        assert council_status_counts(council=other) == counted(other)


@pytest.mark.postgres
@pytest.mark.django_db
def test_folding_keeps_the_sums_and_leaves_one_row_per_status(postgres_only, council, monkeypatch):
    monkeypatch.setattr(status_counts, "FOLD_AFTER", 3)
    for status in Member.Status.values:
        MemberFactory.create_batch(2, council=council, status=status)
    council_status_counts(council=council)
    with connection.cursor() as cursor:
        cursor.execute("SELECT status, n FROM members_statuscount WHERE council_id = %s ORDER BY status", [council.pk])
        assert cursor.fetchall() == [(status, 2) for status in sorted(Member.Status.values)]
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("TRUNCATE members_member CASCADE")
        cursor.execute("SELECT count(*) FROM members_statuscount")
        assert cursor.fetchone()[0] == 0


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_migration_counts_the_members_there_are(postgres_only, council):
    old = migrate([("members", "0011_member_profile_options")])
    try:
        OldMember = old.get_model("members", "Member")
        for status in ("active", "active", "left"):
            OldMember.objects.create(council_id=council.pk, status=status)
        migrate([("members", "0012_member_status_counts")])
        assert council_status_counts(council=council) == {"pending": 0, "active": 2, "paused": 0, "left": 1}
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
