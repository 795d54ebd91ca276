"""Weighted results: raking the respondents to the population, estimates with intervals, exports."""

from __future__ import annotations

import csv
import io
import re

import numpy as np
import openpyxl
import pytest
from django.urls import reverse
from django.utils import timezone

from civicpanel.common.security import new_salt
from civicpanel.members.models import MemberAnswer
from civicpanel.methods.disclosure import suppress_table
from civicpanel.methods.weighting import Margin, rake
from civicpanel.panel.models import PopulationFigure, ProfileQuestion
from civicpanel.surveys import services
from civicpanel.surveys.models import Answer, Invitation, Response, Wave
from civicpanel.surveys.results import question_results
from civicpanel.surveys.sampling import SampleRequest
from civicpanel.surveys.weighting import survey_weighting, weighted_items
from tests.surveys.factories import build_survey, excel_file
from tests.surveys.sample_panel import build_panel, options, set_population

pytestmark = pytest.mark.django_db


def gender_of(council, members):
    man = options(council, "gender")[1]
    men = set(MemberAnswer.objects.filter(option=man).values_list("member_id", flat=True))
    return {m.pk: ("man" if m.pk in men else "woman") for m in members}


def respond(survey, invitations, genders):
    """Complete responses written directly (fast): women walk (one in five bikes), men drive
    (one in four walks); safety 4 for women,
    2 for men; days 10 for women, 2 for men; wishes: everyone trees, men also lights."""
    now = timezone.now()
    responses = Response.objects.bulk_create([Response(survey=survey, invitation=i, language="en", completed_at=now)
                                              for i in invitations])
    Invitation.objects.filter(pk__in=[i.pk for i in invitations]).update(completed_at=now)
    q = survey.q
    answers = []
    for i, (response, invitation) in enumerate(zip(responses, invitations, strict=True)):
        man = genders[invitation.member_id] == "man"
        drives = man and i % 4 != 0
        transport = "3" if drives else ("2" if not man and i % 5 == 0 else "1")
        answers += [Answer(response=response, question=q["transport"], value=transport),
                    Answer(response=response, question=q["safety"], value=2 if man else 4),
                    Answer(response=response, question=q["car"], value="yes" if man else "no"),
                    Answer(response=response, question=q["wishes"], value=["1", "3"] if man else ["1"]),
                    Answer(response=response, question=q["days"], value=2 if man else 10)]
    Answer.objects.bulk_create(answers)
    return responses


def invite_all(survey, members):
    wave = Wave.objects.create(survey=survey, kind=Wave.Kind.INVITATION, send_at=timezone.now())
    Invitation.objects.bulk_create([Invitation(survey=survey, member=m, wave=wave, token_salt=new_salt(),
                                               invited_at=timezone.now()) for m in members])
    return list(Invitation.objects.filter(wave=wave).order_by("pk"))


@pytest.fixture
def answered(council):
    """60 respondents from a panel with two women for each man (the population is half and half)."""
    set_population(council)
    members = build_panel(council, size=60)
    survey = build_survey(council)
    genders = gender_of(council, members)
    respond(survey, invite_all(survey, members), genders)
    return survey, members, genders


def direct_weights(council, survey, *, design=None):
    """The weights computed straight from the method: gender, age band, district as codes."""
    responses = list(Response.objects.filter(survey=survey, completed_at__isnull=False).order_by("pk")
                     .select_related("invitation__member"))
    year = timezone.localdate().year
    codes, margins = {}, []
    for key in ("gender", "birth_year", "district"):
        opts = options(council, key)
        figures = dict(PopulationFigure.objects.filter(option__in=opts).values_list("option_id", "count"))
        total = sum(figures.values())
        margins.append(Margin(key, tuple(o.code for o in opts), tuple(figures[o.pk] / total for o in opts)))
        column = []
        for r in responses:
            member = r.invitation.member
            if key == "gender":
                option = MemberAnswer.objects.get(member=member, question__key="gender").option
            elif key == "district":
                option = next(o for o in opts if o.district_id == member.district_id)
            else:
                option = next(o for o in opts if o.min_age <= year - member.birth_year <= o.max_age)
            column.append(opts.index(option))
        codes[key] = np.array(column)
    weights = rake(codes, margins, design_weights=design).weights
    return responses, weights


def test_weighted_shares_move_toward_population_and_equal_the_method(council, answered):
    survey, members, genders = answered
    weighting = survey_weighting(council=council, survey=survey)
    assert weighting.available and weighting.feature_names == ["Gender", "Year of birth", "District"]
    assert not weighting.sampled
    items, _hidden = question_results(council=council, survey=survey)
    weighted_items(weighting=weighting, survey=survey, items=items)
    transport = items[0]
    car = next(r for r in transport["table"] if r["code"] == "3")
    responses, weights = direct_weights(council, survey)
    drives = np.array([genders[r.invitation.member_id] == "man" and i % 4 != 0 for i, r in enumerate(responses)])
    assert car["share"] == pytest.approx(drives.sum() / 60)
    direct = float(weights[drives].sum() / weights.sum())
    assert direct > car["share"] + 0.1  # men are under-represented and most of them drive
    assert car["weighted"]["estimate"] == pytest.approx(direct, abs=1e-9)
    assert car["weighted"]["low"] < direct < car["weighted"]["high"]
    assert weighting.result.weights == pytest.approx(weights, abs=1e-9)
    # Means move the same way: men feel less safe and spend fewer days in parks.
    safety = items[1]
    assert safety["weighted"]["mean"]["estimate"] == pytest.approx(3.0, abs=1e-9)
    assert safety["mean"] > 3.2
    days = next(i for i in items if i["question"].pk == survey.q["days"].pk)
    assert days["weighted"]["mean"]["estimate"] == pytest.approx(6.0, abs=1e-9)
    wishes = next(i for i in items if i["question"].pk == survey.q["wishes"].pk)
    lights = next(r for r in wishes["table"] if r["code"] == "3")
    assert lights["weighted"]["estimate"] == pytest.approx(0.5, abs=1e-9)
    summary = transport["weighted"]
    assert summary["design_effect"] > 1 and summary["effective_n"] < 60 and summary["moe_points"] > 0


def test_sample_design_weights_are_the_starting_point(council):
    set_population(council, with_age=False)
    members = build_panel(council, size=90)
    survey = build_survey(council)
    wave = services.wave_send(council=council, actor=None, survey=survey, sample=SampleRequest(size=40, seed=9))
    invitations = list(Invitation.objects.filter(wave=wave).order_by("pk"))
    respond(survey, invitations[:30], gender_of(council, members))
    weighting = survey_weighting(council=council, survey=survey)
    assert weighting.sampled and weighting.feature_names == ["Gender", "District"]
    probabilities = {i.pk: i.inclusion_probability for i in invitations}
    responses = list(Response.objects.filter(survey=survey).order_by("pk"))
    design = np.array([1 / probabilities[r.invitation_id] for r in responses])
    assert weighting.design_weights == pytest.approx(design)
    year_free = {"gender": [], "district": []}
    genders = gender_of(council, members)
    by_id = {m.pk: m for m in members}
    vigerslev = council.districts.order_by("order")[0]
    for r in responses:
        member = by_id[Invitation.objects.get(pk=r.invitation_id).member_id]
        year_free["gender"].append(0 if genders[member.pk] == "woman" else 1)
        year_free["district"].append(0 if member.district_id == vigerslev.pk else 1)
    margins = [Margin("gender", ("woman", "man", "other"), (0.5, 0.5, 0.0)), Margin("district", ("v", "g"), (0.6, 0.4))]
    direct = rake({k: np.array(v) for k, v in year_free.items()}, margins, design_weights=design)
    assert weighting.result.weights == pytest.approx(direct.weights, abs=1e-9)
    assert sum(weighting.result.weights) == pytest.approx(design.sum())


def test_empty_categories_are_merged_or_the_feature_skipped_with_the_reason(council):
    set_population(council)
    members = build_panel(council, size=70)
    survey = build_survey(council)
    genders = gender_of(council, members)
    youngest = options(council, "birth_year")[0]
    year = timezone.localdate().year
    kept = [m for m in members if genders[m.pk] == "woman" and not (year - m.birth_year <= youngest.max_age)]
    respond(survey, invite_all(survey, kept), genders)
    weighting = survey_weighting(council=council, survey=survey)
    assert weighting.feature_names == ["Year of birth", "District"]
    merged = " ".join(weighting.merges)
    assert "Year of birth: “15–24” has 0 respondents, fewer than 5, so it is merged with “25–34”." in merged
    assert weighting.features[0].labels[0] == "15–24 + 25–34"
    # Gender cannot be saved by merging: every respondent is a woman.
    assert weighting.notes == ["Gender is left out of the weighting: even with categories merged, its respondents "
                               "do not make up two categories of at least 5 respondents each, so it cannot tell the "
                               "weights anything."]


def test_anonymous_survey_after_closing_is_unweighted_with_a_note(council, staff_client):
    set_population(council)
    members = build_panel(council, size=20)
    survey = build_survey(council, anonymous=True)
    respond(survey, invite_all(survey, members), gender_of(council, members))
    survey = services.survey_close(council=council, actor=None, survey=survey)
    weighting = survey_weighting(council=council, survey=survey)
    assert not weighting.available and "anonymous" in weighting.reason
    html = staff_client("analyst").get(reverse("staff:survey_results", args=[survey.pk])).content.decode()
    assert "no profile categories were kept with them, so the results are unweighted" in html
    assert "Weighted share" not in html


def test_analyst_sees_weighted_results_and_can_switch_them_off(council, answered, staff_client,
                                                                 django_assert_max_num_queries):
    survey, _members, _genders = answered
    client = staff_client("analyst")
    url = reverse("staff:survey_results", args=[survey.pk])
    with django_assert_max_num_queries(40):
        html = client.get(url).content.decode()
    assert "Weighted to the residents of the area of Valby Lokaludvalg aged 15 or over" in html
    assert "The weights meet the population figures of Gender, Year of birth, District, each on its own (raking)." \
        in html
    assert "Weighted share" in html and "95 % interval" in html and "effective n" in html
    assert "margin of error up to ±" in html and "Unweighted n 60" in html
    assert "Unweighted share" in html
    assert "Panel member" not in html  # aggregates only
    off = client.get(url, {"weights": "off"}).content.decode()
    assert "Weighted share" not in off and "Unweighted: the figures describe the respondents only" in off
    by = client.get(url, {"by": "district"}).content.decode()
    assert "weighted shares" in by


def test_weighted_breakdown_hides_small_cells(council, answered):
    """By district: every share rests on 5 or more respondents or is hidden as the disclosure
    method says; a shown share is the weighted share within the district."""
    survey, _members, _genders = answered
    district = ProfileQuestion.objects.get(council=council, key="district")
    weighting = survey_weighting(council=council, survey=survey)
    items, _hidden = question_results(council=council, survey=survey, breakdown=district)
    weighted_items(weighting=weighting, survey=survey, items=items, breakdown=district)
    rows = items[0]["weighted_breakdown"]
    responses, weights = direct_weights(council, survey)
    answers = dict(Answer.objects.filter(question=survey.q["transport"]).values_list("response_id", "value"))
    in_district = [[r.invitation.member.district.name == row["group"] for r in responses] for row in rows]
    chosen = [code for code in ("1", "2", "3") if code in answers.values()]  # options nobody chose are 0 %
    counts = np.array([[sum(1 for r, inside in zip(responses, mask, strict=True) if inside and answers[r.pk] == code)
                        for code in chosen] for mask in in_district])
    hidden = suppress_table(counts, min_count=5).suppressed
    shown = 0
    for g, row in enumerate(rows):
        mask = np.array(in_district[g])
        for k, code in enumerate(("1", "2", "3")):
            cell = row["cells"][k]
            if code not in chosen:
                assert cell == 0.0
                continue
            assert (cell is None) == bool(hidden[g, chosen.index(code)])
            if cell is not None:
                chose = np.array([answers[r.pk] == code for r in responses])
                assert cell == pytest.approx(weights[mask & chose].sum() / weights[mask].sum(), abs=1e-9)
                shown += 1
        assert row["cells"][3] == 0.0  # "Other": nobody chose it
    assert shown >= 2


def test_export_has_weight_columns_and_codebook_rows(council, answered, staff_client):
    survey, _members, _genders = answered
    client = staff_client("analyst")
    body = client.get(reverse("staff:survey_export", args=[survey.pk, "csv"])).content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(body)))
    header, data = rows[0], rows[1:]
    # The weights follow the answers; profile variables (P_...) come after them, then the mode.
    at = header.index("weight")
    assert header[at - 1:at + 1] == ["design_weight", "weight"] and header[:2] == ["respondent", "Q1"]
    assert header[-1] == "mode" and all(name.startswith("P_") for name in header[at + 1:-1])
    weights = sorted(float(r[at]) for r in data)
    expected = sorted(survey_weighting(council=council, survey=survey).result.weights)
    assert weights == pytest.approx(expected, abs=1e-5)
    assert {r[at - 1] for r in data} == {"1.0"}
    book = client.get(reverse("staff:survey_export", args=[survey.pk, "codebook"])).content.decode("utf-8-sig")
    assert "design_weight" in book and "raked on Gender, Year of birth, District" in book
    sheet = openpyxl.load_workbook(io.BytesIO(excel_file(client, survey)))["responses"]
    names = [c.value for c in sheet[1]]
    assert names[names.index("weight") - 1] == "design_weight"


def test_results_of_another_council_are_not_found(council, other_council, answered, staff_client):
    survey, _members, _genders = answered
    url = reverse("staff:survey_results", args=[survey.pk])
    assert staff_client("analyst", council=other_council).get(url).status_code == 404


def test_few_respondents_show_no_broken_numbers(council, staff_client):
    """Ten respondents, five per district (the fewest a category may rest on): weighted on
    district; a question one of them answered has a weighted figure but no interval, and nothing
    reads "nan"."""
    for option, count in zip(options(council, "district"), (600, 400), strict=True):
        PopulationFigure.objects.create(council=council, option=option, count=count)
    members = build_panel(council, size=40)
    vigerslev, valby = council.districts.order_by("order")
    chosen = ([m for m in members if m.district_id == vigerslev.pk][:5]
              + [m for m in members if m.district_id == valby.pk][:5])
    survey = build_survey(council)
    responses = respond(survey, invite_all(survey, chosen), gender_of(council, members))
    Answer.objects.filter(response__in=responses[1:], question=survey.q["days"]).delete()
    Answer.objects.filter(question=survey.q["wishes"]).delete()
    weighting = survey_weighting(council=council, survey=survey)
    assert weighting.feature_names == ["District"]
    html = staff_client("analyst").get(reverse("staff:survey_results", args=[survey.pk])).content.decode()
    assert "Weighted share" in html and re.search(r"\bnan\b", html, re.IGNORECASE) is None


def test_weighted_breakdown_of_a_scale_has_group_averages(council, answered, staff_client):
    """Safety by gender: women 4, men 2; the "Other" group has nobody and is hidden."""
    survey, _members, _genders = answered
    gender = ProfileQuestion.objects.get(council=council, key="gender")
    weighting = survey_weighting(council=council, survey=survey)
    items, _hidden = question_results(council=council, survey=survey, breakdown=gender)
    weighted_items(weighting=weighting, survey=survey, items=items, breakdown=gender)
    rows = {row["group"]: row for row in items[1]["weighted_breakdown"]}
    assert rows["Woman"]["mean"] == pytest.approx(4.0) and rows["Man"]["mean"] == pytest.approx(2.0)
    assert rows["Other / prefer not to say"]["mean"] is None
    html = staff_client("analyst").get(reverse("staff:survey_results", args=[survey.pk]), {"by": "gender"}).content.decode()
    assert "Weighted average" in html and "4.00" in html
