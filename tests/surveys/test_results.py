"""Following the response rate and reading the first results; pseudonymous exports."""

from __future__ import annotations

import csv
import io

import openpyxl
import pytest
from django.http import QueryDict
from django.urls import reverse

from civicpanel.audit.models import AuditEvent
from civicpanel.members.models import MemberAnswer
from civicpanel.panel.models import ProfileOption
from civicpanel.surveys import services
from civicpanel.surveys.exports import respondent_id
from civicpanel.surveys.models import Response
from civicpanel.surveys.results import question_results, response_rates
from civicpanel.surveys.selectors import survey_structure
from tests.factories import MemberFactory
from tests.surveys.factories import build_survey, excel_file, invite

pytestmark = pytest.mark.django_db


def answer(survey, invitation, *, transport="1", safety="4", why="", wishes=(), days=""):
    pages = survey_structure(survey).pages
    first = QueryDict(mutable=True)
    first.update({f"q_{survey.q['transport'].uid}": transport, f"q_{survey.q['safety'].uid}": safety})
    if transport == "other":
        first[f"q_{survey.q['transport'].uid}_other"] = "Skateboard"
    services.response_submit_page(invitation=invitation, page_id=pages[0].pk, data=first, language="da")
    second = QueryDict(mutable=True)
    second.setlist(f"q_{survey.q['wishes'].uid}", list(wishes))
    second[f"q_{survey.q['why'].uid}"] = why
    second[f"q_{survey.q['days'].uid}"] = days
    services.response_submit_page(invitation=invitation, page_id=pages[1].pk, data=second, language="da")


@pytest.fixture
def answered(council):
    """10 invited: 7 in Vigerslev (6 answered), 3 in Gammel Valby (2 answered)."""
    survey = build_survey(council)
    vigerslev, valby = council.districts.order_by("order")
    woman = ProfileOption.objects.get(question__council=council, question__key="gender", code="woman")
    invitations = []
    for i in range(7):
        member = MemberFactory(council=council, district=vigerslev, name=f"Vigerslev Person {i}")
        if i < 5:
            MemberAnswer.objects.create(member=member, question=woman.question, option=woman)
        invitations.append(invite(survey, member)[0])
    for i in range(3):
        invitations.append(invite(survey, MemberFactory(council=council, district=valby, name=f"Valby Person {i}"))[0])
    for i, invitation in enumerate(invitations[:6]):
        answer(survey, invitation, transport="2" if i < 4 else "other", safety=str(1 + i % 5),
               why="=HYPERLINK(\"http://evil\")" if i == 0 else "", wishes=["1", "3"] if i % 2 else ["2"], days=str(i))
    answer(survey, invitations[7], safety="5")
    answer(survey, invitations[8], safety="3")
    return survey, invitations


def test_response_rates(council, answered):
    survey, _invitations = answered
    rates = response_rates(council=council, survey=survey)
    assert rates["totals"]["invited"] == 10 and rates["totals"]["completed"] == 8
    assert rates["totals"]["rate"] == 0.8
    district = next(b for b in rates["categories"] if b["question"].key == "district")
    by_name = {row["option"].text: row for row in district["rows"]}
    assert (by_name["Vigerslev"]["invited"], by_name["Vigerslev"]["completed"], by_name["Vigerslev"]["missing"]) == (7, 6, 1)
    assert by_name["Gammel Valby"]["rate"] == pytest.approx(2 / 3)
    assert rates["timeline"][0]["completed"] == 8


def test_progress_page(council, answered, staff_client, django_assert_max_num_queries):
    survey, _ = answered
    client = staff_client("analyst")
    with django_assert_max_num_queries(30):
        html = client.get(reverse("staff:survey_progress", args=[survey.pk])).content.decode()
    assert "80\xa0%" in html and "Vigerslev" in html
    assert "Send a reminder" not in html  # the analyst cannot send


def test_question_results_and_small_groups_hidden(council, answered):
    survey, _ = answered
    from civicpanel.panel.models import ProfileQuestion

    district = ProfileQuestion.objects.get(council=council, key="district")
    items, hidden = question_results(council=council, survey=survey, breakdown=district)
    by_uid = {item["question"].uid: item for item in items}
    transport = by_uid[survey.q["transport"].uid]
    assert transport["n"] == 8
    counts = {row["code"]: row["count"] for row in transport["table"]}
    assert counts == {"1": 2, "2": 4, "3": 0, "other": 2}
    assert transport["others"] == ["Skateboard", "Skateboard"]
    assert 'role="img"' in transport["chart"] and "<title id=" in transport["chart"]
    safety = by_uid[survey.q["safety"].uid]
    assert safety["mean"] == pytest.approx((1 + 2 + 3 + 4 + 5 + 1 + 5 + 3) / 8)
    assert hidden == 1  # Gammel Valby: 2 respondents < 5
    # Vigerslev alone would give away Gammel Valby's two answers (overall minus Vigerslev),
    # so it is hidden too.
    assert transport["breakdown"] == []
    assert by_uid[survey.q["days"].uid]["stats"]["max"] == 5
    assert by_uid[survey.q["why"].uid]["texts"] == ['=HYPERLINK("http://evil")']


def test_results_page_for_the_analyst_shows_no_identities(council, answered, staff_client,
                                                         django_assert_max_num_queries):
    survey, _ = answered
    client = staff_client("analyst")
    with django_assert_max_num_queries(30):
        response = client.get(reverse("staff:survey_results", args=[survey.pk]), {"by": "district"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "<svg" in html and "How do you travel?" in html
    assert "1 group hidden" in html
    assert "Person" not in html and "@example.net" not in html


def test_exports_are_pseudonymous_safe_and_audited(council, answered, staff_client):
    survey, invitations = answered
    client = staff_client("analyst")
    response = client.get(reverse("staff:survey_export", args=[survey.pk, "csv"]))
    text = response.content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    header, data = rows[0], rows[1:]
    assert len(data) == 8
    assert header[:3] == ["respondent", "Q1", "Q1_other"]
    assert "Q5_1" in header and "Q5_3" in header  # one column per option of the multiple choice
    assert "Person" not in text and "@example" not in text
    responses = Response.objects.filter(survey=survey).order_by("pk")
    assert {r[0] for r in data} == {respondent_id(survey, r.pk) for r in responses}
    assert "'=HYPERLINK" in text  # neutralised formula
    codebook = client.get(reverse("staff:survey_export", args=[survey.pk, "codebook"])).content.decode("utf-8-sig")
    assert "Q1" in codebook and "Walk" in codebook
    book = openpyxl.load_workbook(io.BytesIO(excel_file(client, survey)))
    assert book.sheetnames == ["responses", "codebook"]
    sheet = book["responses"]
    assert sheet.max_row == 9
    values = [cell.value for row in sheet.iter_rows() for cell in row]
    assert not any(isinstance(v, str) and v.startswith("=") for v in values)
    assert AuditEvent.objects.filter(action="survey.export", council=council).count() == 3


def test_anonymous_closed_survey_keeps_results_but_not_profiles(council, staff_client):
    survey = build_survey(council, anonymous=True)
    invitation, _ = invite(survey, MemberFactory(council=council))
    answer(survey, invitation)
    services.survey_close(council=council, actor=None, survey=survey)
    items, _hidden = question_results(council=council, survey=survey)
    assert items[0]["n"] == 1
    html = staff_client("analyst").get(reverse("staff:survey_results", args=[survey.pk]), {"by": "district"}).content.decode()
    assert "can no longer be linked" in html


def test_matrix_and_ranking_results_and_export_columns(council, staff_client):
    from civicpanel.surveys.models import Page
    from tests.surveys.factories import opts, t

    survey = services.survey_create(council=council, actor=None, title=t("Grid"), thanks=t("Thanks."))
    page = Page.objects.get(survey=survey)
    matrix = services.question_create(council=council, actor=None, page=page, kind="matrix", text=t("Rate"),
                                      settings={"scale_min": 1, "scale_max": 5, "rows": opts("Shops", "Buses")})
    ranking = services.question_create(council=council, actor=None, page=page, kind="ranking", text=t("Rank"),
                                       options=opts("A", "B", "C"))
    survey = services.survey_open(council=council, actor=None, survey=survey)
    for shops, buses, order in [(5, 1, ["2", "1", "3"]), (3, 3, ["2", "3", "1"])]:
        invitation, _ = invite(survey, MemberFactory(council=council))
        data = QueryDict(mutable=True)
        data.update({f"q_{matrix.uid}_1": str(shops), f"q_{matrix.uid}_2": str(buses)})
        data.update({f"q_{ranking.uid}_{code}": str(order.index(code) + 1) for code in order})
        result = services.response_submit_page(invitation=invitation, page_id=page.pk, data=data, language="en")
        assert result.done and not result.errors
    items, _hidden = question_results(council=council, survey=survey)
    rows = {r["label"]: r for r in items[0]["matrix"]}
    assert rows["Shops"]["mean"] == 4 and rows["Buses"]["counts"] == [1, 0, 1, 0, 0]
    ranked = {r["label"]: r for r in items[1]["ranking"]}
    assert ranked["B"]["first"] == 2 and ranked["B"]["mean"] == 1
    assert items[1]["ranking"][0]["label"] == "B"
    text = staff_client("analyst").get(reverse("staff:survey_export", args=[survey.pk, "csv"])).content.decode("utf-8-sig")
    data = list(csv.DictReader(io.StringIO(text)))
    assert {row["Q1_1"] for row in data} == {"5", "3"} and {row["Q2_2"] for row in data} == {"1"}


def test_ranking_needs_distinct_places(council):
    from civicpanel.surveys.models import Page
    from tests.surveys.factories import opts, t

    survey = services.survey_create(council=council, actor=None, title=t("Rank"), thanks=t("Thanks."))
    page = Page.objects.get(survey=survey)
    ranking = services.question_create(council=council, actor=None, page=page, kind="ranking", text=t("Rank"),
                                       options=opts("A", "B", "C"))
    survey = services.survey_open(council=council, actor=None, survey=survey)
    invitation, _ = invite(survey, MemberFactory(council=council))
    data = QueryDict(mutable=True)
    data.update({f"q_{ranking.uid}_1": "1", f"q_{ranking.uid}_2": "1", f"q_{ranking.uid}_3": "2"})
    result = services.response_submit_page(invitation=invitation, page_id=page.pk, data=data, language="en")
    assert "its own place" in result.errors[ranking.uid]


def test_a_breakdown_never_lets_a_small_group_be_worked_out_by_subtraction():
    from types import SimpleNamespace

    from civicpanel.surveys.results import _protect_by_subtraction

    def group(name, n, order):
        return {"group": SimpleNamespace(text=name, order=order), "n": n}

    shown = [group("A", 20, 1), group("B", 6, 2), group("C", 9, 3)]
    # 2 people belong to no group shown: hide the smallest group until the rest is >= 5.
    assert [r["group"].text for r in _protect_by_subtraction(shown, total=37)] == ["A", "C"]
    # Nobody outside the groups shown: nothing to protect.
    assert [r["group"].text for r in _protect_by_subtraction(shown, total=35)] == ["A", "B", "C"]
    # Five or more outside: that remainder is itself a group of five, as allowed.
    assert len(_protect_by_subtraction(shown, total=40)) == 3


def test_results_are_kept_until_an_answer_or_a_profile_changes(council, answered, staff_client,
                                                                django_assert_max_num_queries,
                                                                django_capture_on_commit_callbacks):
    from civicpanel.members.profile import member_profile_set
    from civicpanel.surveys.results_cache import results_fingerprint

    survey, invitations = answered
    client = staff_client("analyst")
    url = reverse("staff:survey_results", args=[survey.pk])
    assert "8 answers" in client.get(url).content.decode()
    # Seen again: from the cache (no weighting queries), the same figures.
    with django_assert_max_num_queries(16):
        assert "8 answers" in client.get(url).content.decode()
    answer(survey, invitations[9], safety="2")
    assert "9 answers" in client.get(url).content.decode()
    # A respondent's profile change (their category, so their weight) makes a new key at once too.
    before = results_fingerprint(council=council, survey=survey)
    with django_capture_on_commit_callbacks(execute=True):
        member_profile_set(member=invitations[8].member, values={"gender": "woman"})
    assert results_fingerprint(council=council, survey=survey) != before
