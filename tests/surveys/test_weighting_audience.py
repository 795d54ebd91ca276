"""Weights for the population that was asked: a survey sent to one district is weighted to that
district's residents, from a joint population table (district x gender x age band)."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from civicpanel.common.security import new_salt
from civicpanel.members.models import MemberAnswer
from civicpanel.panel.population import population_import_csv
from civicpanel.surveys.models import Answer, Invitation, Response, Wave
from civicpanel.surveys.results import question_results
from civicpanel.surveys.weighting import survey_weighting, weighted_items
from tests.surveys.factories import build_survey
from tests.surveys.sample_panel import build_panel, options, set_population

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def _table(council, counts) -> None:
    """A joint table district x gender x age band (plain layout), dated by its title."""
    lines = ["district;gender;birth_year;count"]
    for (district, gender, band), count in counts.items():
        lines.append(f"{district};{gender};{band};{count}")
    population_import_csv(council=council, actor=None, data=("\n".join(lines) + "\n").encode(), dry_run=False,
                          source="Constructed population, 1 January 2026")


def _population(council):
    """Vigerslev is mostly men, young and old alike; Gammel Valby mostly women. Numbers differ
    per band so that the answer below differs between the district and the rest."""
    counts = {}
    for d, district in enumerate(("Vigerslev", "Gammel Valby")):
        for band_index, band in enumerate(options(council, "birth_year")):
            men = (300 if d == 0 else 60) + 10 * band_index
            women = (100 if d == 0 else 340) - 5 * band_index
            counts[(district, "man", band.code)] = men
            counts[(district, "woman", band.code)] = women
    return counts


def _yes(gender: str, band_index: int) -> bool:
    """The truth: whether a resident of this cell owns a car (same in both districts)."""
    return (gender == "man" and band_index != 3) or (gender == "woman" and band_index >= 5)


def _truth(council, counts, districts) -> float:
    bands = [b.code for b in options(council, "birth_year")]
    yes = sum(c for (d, g, b), c in counts.items() if d in districts and _yes(g, bands.index(b)))
    return yes / sum(c for (d, _g, _b), c in counts.items() if d in districts)


def _send_to(survey, members, filters) -> list[Invitation]:
    wave = Wave.objects.create(survey=survey, kind=Wave.Kind.INVITATION, send_at=timezone.now(), filters=filters,
                               recipient_count=len(members))
    Invitation.objects.bulk_create([Invitation(survey=survey, member=m, wave=wave, token_salt=new_salt(),
                                               invited_at=timezone.now()) for m in members])
    return list(Invitation.objects.filter(wave=wave).order_by("pk"))


def _answer(council, survey, invitations) -> None:
    """Every respondent answers the car question with the truth of their cell."""
    now = timezone.now()
    responses = Response.objects.bulk_create([Response(survey=survey, invitation=i, language="en", completed_at=now)
                                              for i in invitations])
    men = set(MemberAnswer.objects.filter(option__code="man", member__council=council)
              .values_list("member_id", flat=True))
    bands = options(council, "birth_year")
    year = timezone.localdate().year
    answers = []
    for response, invitation in zip(responses, invitations, strict=True):
        member = invitation.member
        band = next(i for i, b in enumerate(bands) if b.min_age <= year - member.birth_year <= b.max_age)
        value = "yes" if _yes("man" if member.pk in men else "woman", band) else "no"
        answers.append(Answer(response=response, question=survey.q["car"], value=value))
    Answer.objects.bulk_create(answers)


def _car_share(council, survey, weighting) -> tuple[float, float]:
    items, _hidden = question_results(council=council, survey=survey)
    weighted_items(weighting=weighting, survey=survey, items=items)
    car = next(i for i in items if i["question"].pk == survey.q["car"].pk)
    row = next(r for r in car["table"] if r["code"] == "yes")
    return row["share"], row["weighted"]["estimate"]


def test_a_district_only_survey_estimates_the_district_truth(council, staff_client):
    set_population(council)
    counts = _population(council)
    _table(council, counts)
    members = build_panel(council, size=700)
    vigerslev = next(o for o in options(council, "district") if o.text == "Vigerslev")
    asked = [m for m in members if m.district_id == vigerslev.district_id]
    survey = build_survey(council)
    _answer(council, survey, _send_to(survey, asked, {"district": [vigerslev.code]}))

    weighting = survey_weighting(council=council, survey=survey)
    assert weighting.restricted
    assert weighting.population == "residents of Vigerslev aged 15 or over, Jan. 1, 2026"
    # Every gender x age cell of Vigerslev has enough respondents: post-stratification on them.
    assert weighting.joint_names == ["Gender", "Year of birth"]
    assert "District is the same for everyone the survey was sent to (Vigerslev), so it needs no weighting." \
        in weighting.notes
    unweighted, weighted = _car_share(council, survey, weighting)
    truth = _truth(council, counts, {"Vigerslev"})
    assert weighted == pytest.approx(truth, abs=1e-9)
    # ...which is not what all residents would answer, nor what the respondents answered.
    assert abs(truth - _truth(council, counts, {"Vigerslev", "Gammel Valby"})) > 0.1
    assert abs(unweighted - truth) > 0.05

    html = staff_client("analyst").get(reverse("staff:survey_results", args=[survey.pk])).content.decode()
    # The staff member's language (the council's, Danish): the population named, the method, the notes.
    assert "Vægtet til borgere i Vigerslev på 15 år og derover, 1. januar 2026: de vægtede andele" in html
    assert "hver kombination af Køn × Fødselsår (poststratificering)" in html
    assert "Bydel er den samme for alle, undersøgelsen blev sendt til (Vigerslev)" in html


def test_too_few_respondents_per_cell_falls_back_to_raking_and_says_so(council):
    set_population(council)
    counts = _population(council)
    _table(council, counts)
    members = build_panel(council, size=160)
    vigerslev = next(o for o in options(council, "district") if o.text == "Vigerslev")
    asked = [m for m in members if m.district_id == vigerslev.district_id]
    survey = build_survey(council)
    _answer(council, survey, _send_to(survey, asked, {"district": [vigerslev.code]}))
    weighting = survey_weighting(council=council, survey=survey)
    assert weighting.available and not weighting.joint_names
    assert weighting.feature_names == ["Gender", "Year of birth"]
    assert any("Some combinations of Gender and Year of birth have fewer than 5 respondents" in n
               for n in weighting.notes)
    # Raking still meets the district's own figures of gender and age.
    _unweighted, weighted = _car_share(council, survey, weighting)
    assert 0 < weighted < 1


def test_a_filter_the_figures_cannot_describe_shows_unweighted_results_and_says_why(council, staff_client):
    set_population(council)
    members = build_panel(council, size=60)
    survey = build_survey(council)
    _answer(council, survey, _send_to(survey, members[:30], {"interests": ["nature"]}))
    weighting = survey_weighting(council=council, survey=survey)
    assert not weighting.available
    assert "do not describe that part of the population" in weighting.reason
    html = staff_client("analyst").get(reverse("staff:survey_results", args=[survey.pk])).content.decode()
    assert "befolkningstallene beskriver ikke den del af befolkningen" in html
    assert "Vægtet andel" not in html and "Vægtet til" not in html


def test_without_a_table_a_district_survey_is_not_weighted_to_the_whole_council(council):
    set_population(council)
    members = build_panel(council, size=60)
    vigerslev = next(o for o in options(council, "district") if o.text == "Vigerslev")
    survey = build_survey(council)
    asked = [m for m in members if m.district_id == vigerslev.district_id]
    _answer(council, survey, _send_to(survey, asked, {"district": [vigerslev.code]}))
    weighting = survey_weighting(council=council, survey=survey)
    assert not weighting.available and "District" in weighting.reason


def test_a_whole_panel_survey_names_the_council_area(council):
    set_population(council)
    members = build_panel(council, size=60)
    survey = build_survey(council)
    _answer(council, survey, _send_to(survey, members, {}))
    weighting = survey_weighting(council=council, survey=survey)
    assert weighting.population == "residents of the area of Valby Lokaludvalg aged 15 or over"
