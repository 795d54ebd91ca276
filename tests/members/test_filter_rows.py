"""The members' filter rows (members.filter_rows, PostgreSQL): the database keeps them equal to
the member rows after every kind of write, concurrent ones included, and the staff member list
read through them shows the same members, counts and order as read from the members."""

from __future__ import annotations

import random
from functools import partial

import pytest
from django.db import connection, transaction
from django.db.migrations.executor import MigrationExecutor

from civicpanel.members import erasure, filter_rows, staff_services
from civicpanel.members.models import Member, MemberAnswer
from civicpanel.members.profile import member_profile_set
from civicpanel.panel.models import Campaign
from civicpanel.tenancy.models import District
from tests.concurrency import run_at_once
from tests.factories import MemberFactory, UserFactory, council_with_profile
from tests.members.test_profile_index import choice_questions, varied_panel
from tests.migration_steps import migrate

COLUMNS = "council_id, status, district_id, birth_year, campaign_id, joined_at, profile_options"
# What a survey's audience reads (members.0014): the rows hold whether there is an address,
# never the address itself.
MEMBER_COLUMNS = f"{COLUMNS}, wants_surveys, email_bounced, coalesce(email, '') <> ''"
ROW_COLUMNS = f"{COLUMNS}, wants_surveys, email_bounced, has_email"


@pytest.fixture
def postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("the filter rows exist on PostgreSQL only")


def assert_rows_are_the_members():
    """Every member has exactly one row, equal to the member row; the options equal the answers."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id, {MEMBER_COLUMNS} FROM members_member ORDER BY id")
        members = cursor.fetchall()
        cursor.execute(f"SELECT member_id, {ROW_COLUMNS} FROM members_filterrow ORDER BY member_id")
        assert cursor.fetchall() == members
        cursor.execute("""
            SELECT m.id FROM members_member AS m
            WHERE m.profile_options IS DISTINCT FROM coalesce(
                (SELECT array_agg(a.option_id ORDER BY a.option_id) FROM members_memberanswer AS a
                 WHERE a.member_id = m.id), '{}')
        """)
        assert cursor.fetchall() == []


@pytest.mark.postgres
@pytest.mark.django_db
def test_the_rows_follow_every_kind_of_write(postgres_only, council):
    other = council_with_profile(slug="other", name="Other")
    questions = choice_questions(council)
    gender, interests = questions["gender"], questions["interests"]
    district = District.objects.filter(council=council).first()
    campaign = Campaign.objects.create(council=council, code="poster", name="Poster", channel="poster")

    members = MemberFactory.create_batch(6, council=council)
    Member.objects.bulk_create([Member(council=council, status=Member.Status.PENDING) for _ in range(3)])
    assert_rows_are_the_members()

    first, second, third, fourth, fifth, sixth = members
    first.status = Member.Status.PAUSED
    first.save(update_fields=["status"])
    second.district = district
    second.birth_year = 1999
    second.campaign = campaign
    second.save()  # every field
    third.name = "Only the name"  # no copied column: the row stays as it is
    third.save(update_fields=["name"])
    Member.objects.filter(status=Member.Status.PENDING).update(status=Member.Status.ACTIVE, birth_year=1950)
    Member.objects.filter(pk=fourth.pk).update(council=other)
    assert_rows_are_the_members()

    # What the audience reads: the preference, a bounce, the address gone, empty, back, changed.
    third.wants_surveys = False
    third.save(update_fields=["wants_surveys"])
    Member.objects.filter(pk=fourth.pk).update(email_bounced=True)
    fifth.email = None
    fifth.save()
    Member.objects.filter(pk=sixth.pk).update(email="")
    assert_rows_are_the_members()
    fifth.email = "back@example.org"
    fifth.save()
    third.email = "changed@example.org"
    third.save(update_fields=["email"])
    Member.objects.filter(pk=fourth.pk).update(email_bounced=False, wants_surveys=False)
    assert_rows_are_the_members()

    # Answers: through the profile, one by one, in bulk, changed, moved, deleted.
    member_profile_set(member=first, values={"gender": "woman", "interests": ["traffic", "culture"]})
    answer = MemberAnswer.objects.create(member=fifth, question=gender, option=gender.options.get(code="man"))
    MemberAnswer.objects.bulk_create([MemberAnswer(member=sixth, question=interests, option=o)
                                      for o in interests.options.all()[:3]])
    answer.option = gender.options.get(code="woman")
    answer.save()
    MemberAnswer.objects.filter(member=sixth).update(member=fifth)
    MemberAnswer.objects.filter(member=first, question=interests).delete()
    assert_rows_are_the_members()

    erasure.member_erase(member=first)
    Member.objects.filter(pk=second.pk).delete()
    fifth.delete()
    assert_rows_are_the_members()

    # COPY, as the scale benchmark loads members and answers, with the per-row triggers off.
    woman = gender.options.get(code="woman")
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = replica")
        with cursor.cursor.copy("COPY members_member (council_id, email, name, language, postal_code, status, source, "
                                "wants_surveys, wants_events, wants_news, email_bounced, joined_at, phone, "
                                "postal_address, birth_year) FROM STDIN") as copy:
            for year in (1960, 1970):
                copy.write_row((council.pk, None, "", "da", "", "active", "", True, True, True, False,
                                "2026-01-02 10:00+00", "", "", year))
        cursor.execute("SELECT max(id) FROM members_member")
        copied = cursor.fetchone()[0]
        with cursor.cursor.copy("COPY members_memberanswer (member_id, question_id, option_id) FROM STDIN") as copy:
            copy.write_row((copied, gender.pk, woman.pk))
        cursor.execute("SET LOCAL session_replication_role = origin")
    assert_rows_are_the_members()

    with connection.cursor() as cursor:
        # The deferred foreign-key checks first: a table with pending ones cannot be truncated.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("TRUNCATE members_member CASCADE")
    assert_rows_are_the_members()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_of_the_same_members_leave_the_rows_exact(postgres_only, council):
    """Status changes, answers and district moves of the same members from several connections at
    once: each row is written under its member row's lock, so the last writer's member is its row."""
    interests = choice_questions(council)["interests"]
    options = list(interests.options.all())
    districts = list(District.objects.filter(council=council))
    members = MemberFactory.create_batch(4, council=council)
    def write(n: int):
        rng = random.Random(n)
        for round_ in range(5):
            with transaction.atomic():
                # Lock in id order as the answers' triggers do, so writers never deadlock.
                chosen = sorted(rng.sample(members, 2), key=lambda m: m.pk)
                ids = [m.pk for m in chosen]
                list(Member.objects.select_for_update().filter(pk__in=ids).order_by("pk"))
                Member.objects.filter(pk=ids[0]).update(
                    status=rng.choice([Member.Status.ACTIVE, Member.Status.PAUSED]),
                    district=rng.choice(districts), birth_year=1940 + n * 10 + round_)
                MemberAnswer.objects.filter(member_id=ids[1]).delete()
                MemberAnswer.objects.bulk_create([MemberAnswer(member_id=ids[1], question=interests, option=o)
                                                  for o in rng.sample(options, 2)])

    errors = run_at_once([partial(write, n) for n in range(6)])
    assert errors == []
    assert_rows_are_the_members()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_answers_and_status_changes_of_one_member(postgres_only, council):
    """Answers added by some connections while others pause and resume the member: none is lost."""
    interests = choice_questions(council)["interests"]
    options = list(interests.options.all())
    member = MemberFactory(council=council)
    add = [partial(MemberAnswer.objects.create, member_id=member.pk, question=interests, option=option)
           for option in options]
    toggle = [partial(Member.objects.filter(pk=member.pk).update, status=status)
              for status in (Member.Status.PAUSED, Member.Status.ACTIVE)]
    errors = run_at_once(add + toggle, in_transaction=True)
    assert errors == []
    assert_rows_are_the_members()
    with connection.cursor() as cursor:
        cursor.execute("SELECT profile_options FROM members_filterrow WHERE member_id = %s", [member.pk])
        assert list(cursor.fetchone()[0]) == sorted(o.pk for o in options)


@pytest.mark.postgres
@pytest.mark.django_db
def test_the_list_read_through_the_rows_equals_the_list_read_from_the_members(postgres_only, council, monkeypatch):
    """Same members, counts, order and pages with the narrow rows as without them."""
    members, questions = varied_panel(council, n=120)
    districts = list(District.objects.filter(council=council))
    rng = random.Random(3)
    for member in members:
        Member.objects.filter(pk=member.pk).update(district=rng.choice(districts + [None]))
    district_codes = [o.code for o in council.profile_questions.get(key="district").options.all()]
    actor = UserFactory()
    cases = [{}, {"status": ["active"]}, {"gender": ["woman"]}, {"gender": ["man"], "status": ["active", "paused"]},
             {"interests": ["traffic", "culture"], "district": district_codes[:1]},
             {"birth_year": ["25-34", "45-54"], "gender": ["woman", "man"]}, {"q": "resident"}]
    sorts = [None, "joined", "number", "-number", "district", "-status", "name", "active"]

    def listing(filters, sort, page, narrow):
        monkeypatch.setattr(staff_services, "uses_filter_rows", lambda: narrow)
        found = staff_services.member_search(council=council, actor=actor, filters=filters, sort=sort,
                                             page_number=page)
        return ([row.member.pk for row in found.rows], found.total, found.status_counts, found.page.number,
                found.page.paginator.num_pages, found.sort)

    checked = 0
    for filters in cases:
        for sort in sorts:
            for page in (1, 2, 3):
                assert listing(filters, sort, page, True) == listing(filters, sort, page, False), (filters, sort, page)
                checked += 1
    assert checked == len(cases) * len(sorts) * 3


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_migration_fills_the_rows_of_existing_members(postgres_only, council):
    gender = choice_questions(council)["gender"]
    old = migrate([("members", "0012_member_status_counts")])
    try:
        OldMember, OldAnswer = old.get_model("members", "Member"), old.get_model("members", "MemberAnswer")
        answered = OldMember.objects.create(council_id=council.pk, status="active", birth_year=1970)
        OldMember.objects.create(council_id=council.pk, status="left")
        OldAnswer.objects.create(member_id=answered.pk, question_id=gender.pk,
                                 option_id=gender.options.get(code="man").pk)
        migrate([("members", "0013_member_filter_rows")])
        OldMember.objects.create(council_id=council.pk, status="active", wants_surveys=False, email_bounced=True)
        OldMember.objects.create(council_id=council.pk, status="active", email="")
        migrate([("members", "0014_filter_rows_audience")])
        assert_rows_are_the_members()
        # And they are kept from then on.
        OldMember.objects.filter(pk=answered.pk).update(status="paused")
        assert_rows_are_the_members()
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())


def profiles_version(council):
    return filter_rows.profiles_version(council_id=council.pk)


@pytest.mark.postgres
@pytest.mark.django_db
def test_the_profile_version_changes_with_every_profile_change_and_only_then(postgres_only, council):
    """The key of the profiles a web process keeps (members.categories.council_profiles): a new
    member, a birth year, district, answer or council move gives the council a new version;
    status, preferences, address and unchanged saves do not."""
    gender = choice_questions(council)["gender"]
    district = District.objects.filter(council=council).first()
    other = council_with_profile(slug="other", name="Other")
    member = MemberFactory(council=council)
    versions = [profiles_version(council)]

    def changed() -> bool:
        versions.append(profiles_version(council))
        return versions[-1] != versions[-2]

    for write in (lambda: Member.objects.filter(pk=member.pk).update(status=Member.Status.PAUSED),
                  lambda: Member.objects.filter(pk=member.pk).update(wants_surveys=False, email_bounced=True),
                  lambda: Member.objects.filter(pk=member.pk).update(email="other@example.org"),
                  lambda: Member.objects.get(pk=member.pk).save()):
        write()
        assert not changed()
    for write in (lambda: MemberFactory(council=council),
                  lambda: Member.objects.filter(pk=member.pk).update(birth_year=1961),
                  lambda: Member.objects.filter(pk=member.pk).update(district=district),
                  lambda: MemberAnswer.objects.create(member=member, question=gender,
                                                      option=gender.options.get(code="man"))):
        write()
        assert changed()
    assert versions == sorted(versions)
    before_other = profiles_version(other)
    Member.objects.filter(pk=member.pk).update(council=other)
    assert profiles_version(other) > before_other
