"""The members' profile options array (members.profile_index): the member filter means the same
with it (PostgreSQL) as with the joins (SQLite, and the reference here), and the database keeps
it equal to the member's answers however they are written."""

from __future__ import annotations

import random
from functools import partial

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from civicpanel.members import erasure
from civicpanel.members.models import Member, MemberAnswer
from civicpanel.members.profile import member_profile_set
from civicpanel.members.selectors import (
    member_counts_by_option,
    member_status_counts,
    members_filter,
)
from civicpanel.panel.models import ProfileQuestion
from tests.concurrency import run_at_once
from tests.factories import MemberFactory
from tests.migration_steps import migrate


@pytest.fixture
def postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("the profile options array exists on PostgreSQL only")


def stored_options(member) -> list[int]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT profile_options FROM members_member WHERE id = %s", [member.pk])
        return list(cursor.fetchone()[0])


def answered_options(member) -> list[int]:
    return sorted(MemberAnswer.objects.filter(member_id=member.pk).values_list("option_id", flat=True))


def choice_questions(council):
    return {q.key: q for q in ProfileQuestion.objects.filter(council=council, kind__in=["single", "multi"])
            .prefetch_related("options")}


def varied_panel(council, n: int = 60, seed: int = 7):
    """n members with random answers: every single-choice question answered or not, 0-3 interests,
    all four statuses."""
    rng = random.Random(seed)
    questions = choice_questions(council)
    members = []
    for i in range(n):
        member = MemberFactory(council=council, status=rng.choice(list(Member.Status.values)),
                               birth_year=rng.randint(1940, 2005))
        for question in questions.values():
            options = list(question.options.all())
            if question.kind == ProfileQuestion.Kind.MULTI:
                chosen = rng.sample(options, rng.randint(0, min(3, len(options))))
            else:
                chosen = [rng.choice(options)] if rng.random() < 0.85 else []
            MemberAnswer.objects.bulk_create(MemberAnswer(member=member, question=question, option=o) for o in chosen)
        members.append(member)
    return members, questions


def reference(members, filters, questions) -> set[int]:
    """Who matches, from the answers in Python: some chosen option of every filtered question."""
    wanted = {key: {o.pk for o in questions[key].options.all() if o.code in codes} for key, codes in filters.items()}
    matching = set()
    for member in members:
        chosen = set(answered_options(member))
        if all(chosen & options for options in wanted.values()):
            matching.add(member.pk)
    return matching


@pytest.mark.django_db
def test_the_filter_and_its_counts_match_the_answers_on_varied_data(council):
    members, questions = varied_panel(council)
    rng = random.Random(11)
    cases = [{"gender": ["woman"]}, {"gender": ["woman"], "education": ["master"]},
             {"interests": ["traffic", "culture"]}, {"gender": ["man", "woman"], "interests": ["traffic"]}]
    for _ in range(20):
        keys = rng.sample(sorted(questions), rng.randint(1, 3))
        cases.append({key: rng.sample([o.code for o in questions[key].options.all()],
                                      rng.randint(1, 2)) for key in keys})
    checked = 0
    for filters in cases:
        filters = {k: [c for c in v if c in {o.code for o in questions[k].options.all()}] for k, v in filters.items()}
        if not all(filters.values()):
            continue
        expected = reference(members, filters, questions)
        found = members_filter(council=council, filters=filters)
        assert set(found.values_list("pk", flat=True)) == expected, filters
        by_status = {s: sum(1 for m in members if m.pk in expected and m.status == s) for s in Member.Status.values}
        assert member_status_counts(queryset=found) == by_status, filters
        # Used inside another query (the counts per option), the filter keeps its meaning.
        counts = member_counts_by_option(council=council, queryset=found)
        for option in questions["gender"].options.all():
            assert counts["gender"][option.code] == sum(
                1 for m in members if m.pk in expected and option.pk in answered_options(m)), filters
        checked += 1
    assert checked >= 15


@pytest.mark.django_db
def test_the_filter_uses_the_array_on_postgresql_and_joins_elsewhere(council):
    sql = str(members_filter(council=council, filters={"gender": ["woman"], "interests": ["traffic", "culture"]}).query)
    if connection.vendor == "postgresql":
        assert "profile_options" in sql and "members_memberanswer" not in sql
        assert "OPERATOR(pg_catalog.@>)" in sql and "OPERATOR(pg_catalog.&&)" in sql
    else:
        assert "profile_options" not in sql and sql.count("EXISTS") == 2


@pytest.mark.postgres
@pytest.mark.django_db
def test_the_array_follows_every_write_of_answers(postgres_only, council):
    questions = choice_questions(council)
    gender, interests = questions["gender"], questions["interests"]
    member = MemberFactory(council=council)
    other = MemberFactory(council=council)
    assert stored_options(member) == []

    woman = gender.options.get(code="woman")
    answer = MemberAnswer.objects.create(member=member, question=gender, option=woman)
    assert stored_options(member) == [woman.pk]

    man = gender.options.get(code="man")
    answer.option = man
    answer.save()
    assert stored_options(member) == [man.pk]

    *several, elsewhere = list(interests.options.all()[:4])
    MemberAnswer.objects.bulk_create([MemberAnswer(member=member, question=interests, option=o) for o in several]
                                     + [MemberAnswer(member=other, question=interests, option=elsewhere)])
    assert stored_options(member) == sorted([man.pk] + [o.pk for o in several])
    assert stored_options(other) == [elsewhere.pk]

    # Moving an answer to another member changes both.
    MemberAnswer.objects.filter(member=other).update(member=member)
    assert stored_options(other) == []
    assert stored_options(member) == sorted([man.pk, elsewhere.pk] + [o.pk for o in several])
    MemberAnswer.objects.filter(member=member, option=several[0]).delete()
    assert stored_options(member) == answered_options(member)

    member_profile_set(member=member, values={"gender": "woman", "interests": ["culture"]})
    assert stored_options(member) == answered_options(member)
    assert woman.pk in stored_options(member)

    MemberAnswer.objects.filter(member=member).delete()
    assert stored_options(member) == []

    # COPY (the scale benchmark loads answers so), with the per-row triggers off as it has them.
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = replica")
        with cursor.cursor.copy("COPY members_memberanswer (member_id, question_id, option_id) FROM STDIN") as copy:
            copy.write_row((member.pk, gender.pk, woman.pk))
            copy.write_row((other.pk, interests.pk, elsewhere.pk))
        cursor.execute("SET LOCAL session_replication_role = origin")
    assert stored_options(member) == [woman.pk]
    assert stored_options(other) == [elsewhere.pk]

    with connection.cursor() as cursor:
        # The deferred foreign-key checks first: a table with pending ones cannot be truncated.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("TRUNCATE members_memberanswer")
    assert stored_options(member) == []


@pytest.mark.postgres
@pytest.mark.django_db
def test_an_erased_member_has_no_profile_options_left(postgres_only, council):
    member = MemberFactory(council=council)
    member_profile_set(member=member, values={"gender": "woman", "interests": ["traffic", "culture"]})
    assert len(stored_options(member)) == 3
    erasure.member_erase(member=member)
    assert stored_options(member) == []
    assert not members_filter(council=council, filters={"gender": ["woman"]}).filter(pk=member.pk).exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_answers_of_one_member_all_reach_the_array(postgres_only, council):
    """Each writer recomputes the array after waiting for the others' commits: none is lost."""
    interests = choice_questions(council)["interests"]
    options = list(interests.options.all())
    member = MemberFactory(council=council)
    errors = run_at_once([partial(MemberAnswer.objects.create, member_id=member.pk, question=interests,
                                  option=option) for option in options], in_transaction=True)
    assert errors == []
    assert stored_options(member) == sorted(o.pk for o in options)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_migration_fills_the_array_of_existing_members(postgres_only, council):
    questions = choice_questions(council)
    gender, interests = questions["gender"], questions["interests"]
    old = migrate([("members", "0010_member_postal_address_phone")])
    try:
        OldMember, OldAnswer = old.get_model("members", "Member"), old.get_model("members", "MemberAnswer")
        answered = OldMember.objects.create(council_id=council.pk, status="active")
        silent = OldMember.objects.create(council_id=council.pk, status="active")
        man, first, second = gender.options.get(code="man"), *interests.options.all()[:2]
        OldAnswer.objects.create(member_id=answered.pk, question_id=gender.pk, option_id=man.pk)
        for option in (first, second):
            OldAnswer.objects.create(member_id=answered.pk, question_id=interests.pk, option_id=option.pk)
        migrate([("members", "0011_member_profile_options")])
        assert stored_options(answered) == sorted([man.pk, first.pk, second.pk])
        assert stored_options(silent) == []
        found = members_filter(council=council, filters={"gender": ["man"], "interests": [first.code]})
        assert list(found.values_list("pk", flat=True)) == [answered.pk]
        found = members_filter(council=council, filters={"gender": ["woman"]})
        assert list(found.values_list("pk", flat=True)) == []
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
