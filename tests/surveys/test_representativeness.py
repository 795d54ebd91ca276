"""Representativeness per survey: population, invited and respondents per profile category
(before and after weighting), response rates, and the R-indicator of the wave."""

from __future__ import annotations

import numpy as np
import pytest
from django.urls import reverse
from django.utils import timezone, translation

from civicpanel.members.models import MemberAnswer
from civicpanel.methods.representativity import r_indicator
from civicpanel.surveys.models import Invitation, Response
from civicpanel.surveys.representativeness import survey_representativeness
from tests.surveys.factories import build_survey
from tests.surveys.sample_panel import build_panel, set_population
from tests.surveys.test_weighting import invite_all

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def wave(council):
    """90 invited; every woman answers, one man in three does."""
    set_population(council)
    members = build_panel(council, size=90)
    survey = build_survey(council)
    invitations = invite_all(survey, members)
    men = set(MemberAnswer.objects.filter(option__code="man").values_list("member_id", flat=True))
    answering = [i for k, i in enumerate(invitations) if i.member_id not in men or (k // 3) % 3 == 0]
    now = timezone.now()
    Response.objects.bulk_create([Response(survey=survey, invitation=i, language="en", completed_at=now)
                                  for i in answering])
    Invitation.objects.filter(pk__in=[i.pk for i in answering]).update(completed_at=now)
    return survey, invitations, men, answering


def test_rows_and_r_indicator_of_a_wave(council, wave):
    survey, invitations, men, answering = wave
    report = survey_representativeness(council=council, survey=survey)
    assert report.invited == 90 and report.respondents == len(answering)
    gender = next(q for q in report.questions if q.question.key == "gender")
    rows = {row.label: row for row in gender.rows}
    assert rows["Woman"].response_rate == 1.0
    assert rows["Man"].response_rate == pytest.approx(sum(1 for k, i in enumerate(invitations)
                                                          if i.member_id in men and (k // 3) % 3 == 0) / len(men))
    assert rows["Man"].invited_share == pytest.approx(len(men) / 90)
    assert rows["Man"].population_share == pytest.approx(0.5)
    # After weighting, the respondents match the population on gender.
    assert rows["Man"].weighted_share == pytest.approx(0.5, abs=1e-9)
    # The R-indicator is the method's, on the same profile variables.
    answered = np.array([i in answering for i in invitations])
    direct = r_indicator({"gender": np.array([1 if i.member_id in men else 0 for i in invitations])},
                         {"gender": 2}, answered)
    assert report.r is not None and 0 < report.r < 1
    # Gender explains the response completely here, so adding age and district changes little.
    assert report.r == pytest.approx(direct.r, abs=0.08)
    assert report.model_questions == ["Gender", "Year of birth", "District"]


def test_page_explains_the_r_indicator_in_one_sentence(council, wave, staff_client, other_council):
    survey, *_rest = wave
    url = reverse("staff:survey_representativeness", args=[survey.pk])
    html = staff_client("analyst").get(url).content.decode()
    assert "R-indikator" in html
    assert "den er 1, når alle slags medlemmer var lige tilbøjelige til at svare" in html
    assert "Køn" in html and "Svarprocent" in html
    assert staff_client("analyst", council=other_council).get(url).status_code == 404
    results = staff_client("analyst").get(reverse("staff:survey_results", args=[survey.pk])).content.decode()
    assert url in results


def test_nobody_invited_yet(council, staff_client):
    survey = build_survey(council)
    report = survey_representativeness(council=council, survey=survey)
    assert report.invited == 0 and report.r is None
    page = staff_client("analyst").get(reverse("staff:survey_representativeness", args=[survey.pk]))
    assert page.status_code == 200


def test_no_answers_yet_gives_no_r_indicator(council):
    set_population(council)
    survey = build_survey(council)
    invite_all(survey, build_panel(council, size=20))
    report = survey_representativeness(council=council, survey=survey)
    assert report.invited == 20 and report.r is None
    assert report.r_problem == "Nobody has answered yet, so there is no response to compare."
