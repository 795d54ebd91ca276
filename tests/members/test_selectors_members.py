"""members.selectors: the one member filter (list, export, survey audiences) and the counts."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone, translation

from civicpanel.members.models import Member, MemberAnswer
from civicpanel.members.selectors import (
    MemberFilterError,
    member_counts_by_option,
    member_detail,
    members_filter,
)
from civicpanel.panel.models import Campaign, ProfileOption, ProfileQuestion
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    """Assert on the English source texts, whatever translations exist."""
    with translation.override("en"):
        yield


@pytest.fixture
def staff_client(staff_client):
    def make(*args, **kwargs):
        client = staff_client(*args, **kwargs)
        client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
        return client

    return make

YEAR = timezone.localdate().year


def answer(member, key, *codes):
    question = ProfileQuestion.objects.get(council=member.council, key=key)
    for code in codes:
        MemberAnswer.objects.create(member=member, question=question, option=question.options.get(code=code))


def district(council, name):
    return council.districts.get(name=name)


@pytest.fixture
def people(council):
    """Five members with different profiles; keyed by a nickname."""
    anna = MemberFactory(council=council, name="Anna Holm", email="anna@example.net", birth_year=YEAR - 20,
                         district=district(council, "Vigerslev"))
    answer(anna, "gender", "woman")
    answer(anna, "interests", "green", "traffic")
    bo = MemberFactory(council=council, name="Bo Dahl", email="bo@example.net", birth_year=YEAR - 40,
                       district=district(council, "Gammel Valby"))
    answer(bo, "gender", "man")
    answer(bo, "interests", "culture")
    cille = MemberFactory(council=council, name="Cille", email="cille@example.net", birth_year=YEAR - 70,
                          district=district(council, "Vigerslev"), status=Member.Status.PAUSED)
    answer(cille, "gender", "woman")
    answer(cille, "interests", "traffic")
    dan = MemberFactory(council=council, name="Dan", email="dan@example.net", birth_year=None, district=None,
                        status=Member.Status.PENDING)
    answer(dan, "gender", "other")
    eva = MemberFactory(council=council, name="Eva", email="eva@elsewhere.org", birth_year=YEAR - 24,
                        district=district(council, "Gammel Valby"))
    answer(eva, "gender", "woman")
    return {"anna": anna, "bo": bo, "cille": cille, "dan": dan, "eva": eva}


def names(queryset):
    return sorted(m.name.split()[0].lower() for m in queryset)


def test_empty_filter_is_every_member_of_the_council(council, other_council, people):
    MemberFactory(council=other_council)
    assert names(members_filter(council=council, filters={})) == ["anna", "bo", "cille", "dan", "eva"]
    assert names(members_filter(council=council, filters=None)) == ["anna", "bo", "cille", "dan", "eva"]


def test_single_choice_or_within_the_question(council, people):
    assert names(members_filter(council=council, filters={"gender": ["woman"]})) == ["anna", "cille", "eva"]
    assert names(members_filter(council=council, filters={"gender": ["man", "other"]})) == ["bo", "dan"]
    assert names(members_filter(council=council, filters={"gender": "man"})) == ["bo"]


def test_multiple_choice_or_within_and_no_duplicates(council, people):
    result = members_filter(council=council, filters={"interests": ["green", "traffic"]})
    # Anna chose both: she appears once.
    assert names(result) == ["anna", "cille"]
    assert result.count() == 2


def test_age_bands_from_birth_year(council, people):
    assert names(members_filter(council=council, filters={"birth_year": ["15-24"]})) == ["anna", "eva"]
    assert names(members_filter(council=council, filters={"birth_year": ["35-44", "65-74"]})) == ["bo", "cille"]
    # The band follows the year: next year Eva (24 now) is 25.
    next_year = datetime.date(YEAR + 1, 6, 1)
    assert names(members_filter(council=council, filters={"birth_year": ["15-24"]}, today=next_year)) == ["anna"]


def test_district(council, people):
    code = ProfileOption.objects.get(district=district(council, "Gammel Valby")).code
    assert names(members_filter(council=council, filters={"district": [code]})) == ["bo", "eva"]


def test_and_across_questions_and_status(council, people):
    code = ProfileOption.objects.get(district=district(council, "Vigerslev")).code
    filters = {"gender": ["woman"], "district": [code]}
    assert names(members_filter(council=council, filters=filters)) == ["anna", "cille"]
    assert names(members_filter(council=council, filters={**filters, "status": ["active"]})) == ["anna"]
    assert names(members_filter(council=council, filters={**filters, "birth_year": ["15-24", "65-74"],
                                                          "interests": ["traffic"]})) == ["anna", "cille"]


def test_search_campaign_and_join_dates(council, people):
    assert names(members_filter(council=council, filters={"q": "ELSEWHERE"})) == ["eva"]
    assert names(members_filter(council=council, filters={"q": "holm"})) == ["anna"]
    # A whole address is looked up exactly (the blind index), in any case.
    address = people["bo"].email
    assert names(members_filter(council=council, filters={"q": address.upper()})) == ["bo"]
    assert names(members_filter(council=council, filters={"q": "x" + address})) == []
    campaign = Campaign.objects.create(council=council, code="poster-1", name="Poster", channel="poster")
    Member.objects.filter(pk=people["bo"].pk).update(campaign=campaign)
    assert names(members_filter(council=council, filters={"campaign": ["poster-1"]})) == ["bo"]
    Member.objects.filter(pk=people["dan"].pk).update(joined_at=timezone.now() - datetime.timedelta(days=400))
    cutoff = (timezone.localdate() - datetime.timedelta(days=30)).isoformat()
    assert names(members_filter(council=council, filters={"joined_before": cutoff})) == ["dan"]
    assert "dan" not in names(members_filter(council=council, filters={"joined_after": cutoff}))


def test_unknown_code_matches_nobody_and_unknown_key_is_an_error(council, people):
    assert members_filter(council=council, filters={"gender": ["nonexistent"]}).count() == 0
    with pytest.raises(MemberFilterError):
        members_filter(council=council, filters={"shoe_size": ["42"]})
    with pytest.raises(MemberFilterError):
        members_filter(council=council, filters={"status": ["sleeping"]})
    with pytest.raises(MemberFilterError):
        members_filter(council=council, filters={"joined_after": "yesterday"})


def test_counts_by_option_equal_direct_counts(council, people, django_assert_max_num_queries):
    queryset = members_filter(council=council, filters={"status": ["active", "paused"]})
    with django_assert_max_num_queries(5):
        counts = member_counts_by_option(council=council, queryset=queryset)
    assert counts["gender"] == {"woman": 3, "man": 1, "other": 0}
    assert counts["interests"]["traffic"] == 2 and counts["interests"]["green"] == 1
    assert counts["birth_year"]["15-24"] == 2 and counts["birth_year"]["65-74"] == 1
    vigerslev = ProfileOption.objects.get(district=district(council, "Vigerslev")).code
    assert counts["district"][vigerslev] == 2
    for key, per_option in counts.items():
        question = ProfileQuestion.objects.get(council=council, key=key)
        if question.kind in ("single", "multi"):
            for code, n in per_option.items():
                assert n == MemberAnswer.objects.filter(member__in=queryset, option__question=question,
                                                        option__code=code).count()


def test_member_detail_is_scoped_to_the_council(council, other_council, people):
    assert member_detail(council=council, member_id=people["anna"].pk).name == "Anna Holm"
    with pytest.raises(Member.DoesNotExist):
        member_detail(council=other_council, member_id=people["anna"].pk)


def test_filter_in_words(council, people):
    from django.utils import translation

    from civicpanel.members.selectors import members_filter_describe

    with translation.override("en"):
        lines = members_filter_describe(council=council, filters={
            "gender": ["woman", "man"], "birth_year": ["15-24"], "status": ["active"], "q": "holm"})
    assert lines == ["Gender: Woman or Man", "Age: 15–24", "Status: Active", "Search: “holm”"]
