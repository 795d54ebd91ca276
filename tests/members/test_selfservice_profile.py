"""The shared profile helpers (members.profile) used by sign-up, self-service and staff."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone, translation

from civicpanel.members.models import MemberAnswer
from civicpanel.members.profile import (
    age_band_option,
    member_profile_get,
    member_profile_set,
    profile_fields,
    profile_validate,
)
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def test_profile_fields_follow_the_questions(council):
    fields = profile_fields(council, language="en")
    assert list(fields) == ["gender", "birth_year", "district", "postal_code", "education", "employment",
                            "housing", "interests"]
    assert fields["gender"].label == "Gender"
    assert fields["gender"].required and not fields["interests"].required
    assert fields["birth_year"].max_value == timezone.localdate().year - council.minimum_age
    assert [code for code, _ in fields["district"].choices][1:] == ["vigerslev", "gammel-valby"]
    assert profile_fields(council, language="da")["gender"].label == "Køn"


def test_set_and_get_round_trip(council):
    member = MemberFactory(council=council, birth_year=None)
    values = {"gender": "woman", "birth_year": 1990, "district": "vigerslev", "postal_code": "2500",
              "education": "master", "employment": "employed", "housing": "owner", "interests": ["green", "culture"]}
    member_profile_set(member=member, values=values, partial=False)
    member.refresh_from_db()
    assert member.birth_year == 1990 and member.district.name == "Vigerslev" and member.postal_code == "2500"
    assert member_profile_get(member) == values
    member_profile_set(member=member, values={"interests": ["traffic"]})
    assert member_profile_get(member)["interests"] == ["traffic"]
    assert MemberAnswer.objects.filter(member=member).count() == 5


def test_postal_code_alone_picks_the_district(council):
    member = MemberFactory(council=council)
    member_profile_set(member=member, values={"postal_code": "2450"})
    member.refresh_from_db()
    assert member.district.name == "Gammel Valby"
    with pytest.raises(ValidationError) as error:
        profile_validate(council, {"postal_code": "2500"}, partial=True)
    assert "several districts" in str(error.value)


def test_bad_values_name_the_question(council, other_council):
    member = MemberFactory(council=council)
    with pytest.raises(ValidationError) as error:
        member_profile_set(member=member, values={"gender": "nonsense", "housing": "owner"})
    assert "Gender" in str(error.value)
    assert not MemberAnswer.objects.filter(member=member).exists()
    with pytest.raises(ValidationError) as error:
        member_profile_set(member=member, values={"postal_code": "5000"})
    assert "not in the area" in str(error.value)
    this_year = timezone.localdate().year
    with pytest.raises(ValidationError) as error:
        member_profile_set(member=member, values={"birth_year": this_year - 10})
    assert "15" in str(error.value)


def test_age_band(council):
    on = datetime.date(2026, 6, 1)
    assert age_band_option(council, 2000, on=on).code == "25-34"
    assert age_band_option(council, 2011, on=on).code == "15-24"
    assert age_band_option(council, 2015, on=on) is None
    assert age_band_option(council, None) is None
