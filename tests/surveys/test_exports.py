"""Exports an analyst can use: numeric codes with labels, numbers stored as numbers, SPSS with
variable and value labels, profile variables beside the answers without singling anyone out."""

from __future__ import annotations

import io
import random
import tempfile
from collections import Counter
from pathlib import Path

import openpyxl
import pyreadstat
import pytest
from django.urls import reverse
from hypothesis import given, settings
from hypothesis import strategies as st

from civicpanel.members.models import MemberAnswer
from civicpanel.panel.models import ProfileQuestion
from civicpanel.surveys.exports import (
    OTHER_NUMBER,
    ProfileColumn,
    Variable,
    build_export,
    protect_profile,
)
from tests.factories import MemberFactory
from tests.surveys.factories import build_survey, excel_file, invite
from tests.surveys.test_results import answer

pytestmark = pytest.mark.django_db


@pytest.fixture
def answered(council):
    """12 respondents: 10 women in Vigerslev, 2 men in Gammel Valby (a rare combination)."""
    survey = build_survey(council)
    vigerslev, valby = council.districts.order_by("order")[:2]
    gender = ProfileQuestion.objects.get(council=council, key="gender")
    for i in range(12):
        member = MemberFactory(council=council, district=vigerslev if i < 10 else valby, name=f"Person {i}",
                               birth_year=1980)
        MemberAnswer.objects.create(member=member, question=gender,
                                    option=gender.options.get(code="woman" if i < 10 else "man"))
        invitation, _token = invite(survey, member)
        answer(survey, invitation, transport="other" if i == 0 else str(1 + i % 2), safety=str(1 + i % 5),
               wishes=["1", "3"], days=str(i))
    return survey


def test_answers_are_numeric_codes_and_profiles_protect_the_rare(council, answered):
    export = build_export(answered)
    header = export.header
    rows = [dict(zip(header, row, strict=True)) for row in export.rows]
    assert {row["Q1"] for row in rows} == {1, 2, OTHER_NUMBER}
    assert all(isinstance(row["Q2"], int) for row in rows)  # the scale
    assert {row["Q5_1"] for row in rows} == {1}
    # Profile variables after the weights, so the earlier columns keep their places.
    assert header.index("weight") < header.index("P_gender")
    # Every combination of the profile columns shown is shared by at least 5 respondents.
    profile = [name for name in header if name.startswith("P_")]
    combos = Counter(tuple(row[name] for name in profile) for row in rows)
    assert all(count >= 5 for combo, count in combos.items() if any(code is not None for code in combo))
    assert combos[(None,) * len(profile)] == 2  # the two men in Gammel Valby: their profile is left empty
    assert "P_gender" in header and "P_district" in header
    assert "Person" not in str(export.rows)


def test_xlsx_stores_numbers_as_numbers(council, answered, staff_client):
    sheet = openpyxl.load_workbook(io.BytesIO(excel_file(staff_client("analyst"), answered)))["responses"]
    header = [cell.value for cell in sheet[1]]
    first = {name: cell.value for name, cell in zip(header, sheet[2], strict=True)}
    assert isinstance(first["Q1"], int) and isinstance(first["Q2"], int) and isinstance(first["Q6"], int)
    assert sheet.cell(row=2, column=header.index("Q2") + 1).data_type == "n"


def test_spss_file_reads_back_with_variable_and_value_labels(council, answered, staff_client):
    response = staff_client("analyst").get(reverse("staff:survey_export", args=[answered.pk, "sav"]),
                                           HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200 and response["Content-Disposition"].endswith('.sav"')
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "r.sav"
        path.write_bytes(response.content)
        frame, meta = pyreadstat.read_sav(str(path))
    assert len(frame) == 12
    labels = dict(zip(meta.column_names, meta.column_labels, strict=True))
    assert labels["Q1"] == "How do you travel?"
    assert meta.variable_value_labels["Q1"][1.0] == "Walk" and meta.variable_value_labels["Q1"][97.0] == "Other"
    assert meta.variable_measure["Q1"] == "nominal" and meta.variable_measure["Q2"] == "ordinal"
    assert meta.variable_measure["Q6"] == "scale"
    assert meta.variable_value_labels["P_gender"][1.0]  # the profile categories carry their names
    assert sorted(frame["Q6"]) == list(range(12))  # numbers as numbers
    assert "Person" not in frame.to_string()


def test_codebook_lists_codes_and_what_was_coarsened(council, answered, staff_client):
    text = staff_client("analyst").get(reverse("staff:survey_export", args=[answered.pk, "codebook"]),
                                       HTTP_ACCEPT_LANGUAGE="en").content.decode("utf-8-sig")
    assert ",97,Other" in text and ",1,Walk" in text
    assert "P_gender" in text


def _set_modes(survey, modes: list[str]) -> None:
    from civicpanel.surveys.models import Response

    for response, mode in zip(Response.objects.filter(survey=survey).order_by("pk"), modes, strict=False):
        Response.objects.filter(pk=response.pk).update(mode=mode)


def test_csv_and_xlsx_say_how_each_response_came_in(council, answered, staff_client):
    """Web and paper answers side by side, each way shared by at least five: the mode column
    tells them apart, with its labels in the codebook."""
    _set_modes(answered, ["paper"] * 5)  # five of the ten women in Vigerslev
    client = staff_client("analyst")
    text = client.get(reverse("staff:survey_export", args=[answered.pk, "csv"])).content.decode("utf-8-sig")
    lines = [line.split(",") for line in text.splitlines()]
    modes = [row[lines[0].index("mode")] for row in lines[1:]]
    # The two men in Gammel Valby are a rare group: their profile and mode are left empty.
    assert modes == ["2"] * 5 + ["1"] * 5 + ["", ""]
    client.cookies["django_language"] = "en"
    book = openpyxl.load_workbook(io.BytesIO(excel_file(client, answered)))
    sheet = book["responses"]
    header = [cell.value for cell in sheet[1]]
    assert [row[header.index("mode")].value for row in sheet.iter_rows(min_row=2)] == [2] * 5 + [1] * 5 + [None] * 2
    codebook = [[cell.value for cell in row] for row in book["codebook"].iter_rows()]
    assert [None, None, None, 2, "Paper (typed in by staff)"] in codebook
    assert [None, None, None, 3, "Phone (typed in by staff)"] in codebook


def test_a_lone_phone_answer_cannot_be_picked_out_by_the_staff_who_typed_it_in(council, answered):
    """Staff know whom they phoned: a phone answer alone in its profile group would give away
    that person's answers. Its mode is blanked with its profile; the column stays."""
    _set_modes(answered, ["phone"])
    export = build_export(answered)
    rows = [dict(zip(export.header, row, strict=True)) for row in export.rows]
    assert export.header[-1] == "mode"
    assert [row["mode"] for row in rows].count(3) == 0
    kept = [name for name in export.header if name.startswith("P_")] + ["mode"]
    combos = Counter(tuple(row[name] for name in kept) for row in rows)
    assert all(count >= 5 for combo, count in combos.items() if any(code is not None for code in combo))


def test_paper_and_phone_become_one_group_before_anything_is_blanked(council, answered):
    _set_modes(answered, ["paper", "paper", "paper", "phone", "phone"])
    export = build_export(answered)
    rows = [dict(zip(export.header, row, strict=True)) for row in export.rows]
    assert [row["mode"] for row in rows] == [2] * 5 + [1] * 5 + [None] * 2
    mode = export.variables[-1]
    assert mode.values == {1: "Online", 2: "Paper (typed in by staff) + Phone (typed in by staff)"}
    assert any(note.startswith("mode:") and "are one group" in note for note in export.notes)


def column(name, codes, values, ordered=False):
    return ProfileColumn(Variable(name, name, "ordinal" if ordered else "nominal", dict(values)), ordered, list(codes))


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(1, 7), st.integers(1, 3), st.integers(1, 5)), min_size=0, max_size=80),
       st.integers(2, 6))
def test_protect_profile_always_leaves_groups_of_at_least_k(people, k):
    """Property: whatever the data, afterwards every combination of the columns left is
    shared by at least k respondents (a blanked value counts as its own group only with k)."""
    columns = [column("age", [p[0] for p in people], {i: f"band {i}" for i in range(1, 8)}, ordered=True),
               column("gender", [p[1] for p in people], {1: "w", 2: "m", 3: "o"}),
               column("district", [p[2] for p in people], {i: f"d{i}" for i in range(1, 6)})]
    protect_profile(columns, k=k)
    if not columns or not people:
        return
    keys = list(zip(*(c.codes for c in columns), strict=True))
    counts = Counter(keys)
    for key, count in counts.items():
        if any(code is not None for code in key):
            assert count >= k, (key, count)
    # Merging keeps age bands adjacent and in order.
    age = next((c for c in columns if c.variable.name == "age"), None)
    if age is not None:
        assert all(code in age.variable.values for code in age.codes if code is not None)


def test_protect_profile_merges_age_bands_before_leaving_anything_out():
    rng = random.Random(3)
    ages = [rng.choice([1, 2, 2, 3, 3, 3, 4]) for _ in range(40)]
    columns = [column("age", ages, {1: "15-24", 2: "25-34", 3: "35-44", 4: "45+"}, ordered=True),
               column("gender", [1] * 40, {1: "w", 2: "m"})]
    notes = protect_profile(columns, k=5)
    assert [c.variable.name for c in columns] == ["age", "gender"]
    assert any("are one group" in note for note in notes)
    assert "15-24 + 25-34" in columns[0].variable.values.values()


def test_the_worker_makes_the_excel_file_and_the_page_follows_it(council, answered, staff_client, settings,
                                                                  django_capture_on_commit_callbacks):
    """Asking only queues the task; the page shows the progress while the worker writes and the
    download after; asking twice while it works makes no second file; both steps are audited."""
    from django.tasks import task_backends

    from civicpanel.audit.models import AuditEvent
    from civicpanel.surveys.models import ResponseExport
    from civicpanel.surveys.tasks import response_export_write

    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend",
                                  "QUEUES": ["default", "mail"]}}
    analyst = staff_client("analyst")
    page_url = reverse("staff:survey_excel", args=[answered.pk])
    with django_capture_on_commit_callbacks(execute=True):
        assert analyst.post(page_url).status_code == 302
        assert analyst.post(page_url).status_code == 302
    export = ResponseExport.objects.get()
    assert [(r.task.name, r.args) for r in task_backends["default"].results] == [("response_export_write",
                                                                                  [export.pk])]
    page = analyst.get(page_url).content.decode()
    assert "<progress" in page and "report-progress.js" in page
    status = analyst.get(reverse("staff:survey_excel_status", args=[answered.pk, export.pk])).json()
    assert status == {"status": "queued", "progress": 0, "step": "", "working": True}
    download_url = reverse("staff:survey_excel_download", args=[answered.pk, export.pk])
    assert analyst.get(download_url).status_code == 404  # not ready yet

    response_export_write.func(export.pk)
    export.refresh_from_db()
    assert export.status == ResponseExport.Status.READY and export.progress == 100 and export.rows == 12
    page = analyst.get(page_url).content.decode()
    assert download_url in page and "<progress" not in page
    sheet = openpyxl.load_workbook(io.BytesIO(analyst.get(download_url).content))["responses"]
    assert sheet.max_row == 13 and "Person" not in str([c.value for row in sheet.iter_rows() for c in row])
    actions = list(AuditEvent.objects.filter(action__startswith="survey.export").values_list("action", "detail"))
    assert ("survey.export_request", {"format": "xlsx", "export": export.pk}) in actions
    assert ("survey.export", {"format": "xlsx", "rows": 12, "export": export.pk}) in actions


def test_excel_files_are_deleted_when_a_respondent_is_erased(council, answered, staff_client):
    from civicpanel.members.erasure import member_erase
    from civicpanel.surveys.models import ResponseExport

    analyst = staff_client("analyst")
    for _ in range(5):
        excel_file(analyst, answered)
    assert ResponseExport.objects.filter(survey=answered).count() == 3  # older copies are not kept
    respondent = answered.invitations.first().member
    member_erase(member=respondent)
    assert not ResponseExport.objects.filter(survey=answered).exists()


def test_excel_files_of_another_council_are_not_found(council, other_council, answered, staff_client):
    other = staff_client("analyst", council=other_council)
    export = made_export(answered)
    for name in ("staff:survey_excel_status", "staff:survey_excel_download"):
        assert other.get(reverse(name, args=[answered.pk, export.pk])).status_code == 404


def made_export(survey):
    from civicpanel.surveys.export_files import export_write
    from civicpanel.surveys.models import ResponseExport

    export = ResponseExport.objects.create(council=survey.council, survey=survey)
    return export_write(export_id=export.pk)


def test_an_excel_file_the_worker_lost_shows_failed_and_asking_again_makes_a_new_one(
        council, answered, staff_client, settings, django_capture_on_commit_callbacks):
    """A worker killed while it had the file leaves it "being made" for ever (the queue does not
    hand the task out again): after STALLED_AFTER the page says it failed, and a new request
    makes a new file instead of following the lost one."""
    from datetime import timedelta

    from django.tasks import task_backends
    from django.utils import timezone

    from civicpanel.surveys.models import ResponseExport

    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend",
                                  "QUEUES": ["default", "mail"]}}
    analyst = staff_client("analyst")
    page_url = reverse("staff:survey_excel", args=[answered.pk])
    with django_capture_on_commit_callbacks(execute=True):
        analyst.post(page_url)
    lost = ResponseExport.objects.get()
    ResponseExport.objects.filter(pk=lost.pk).update(status=ResponseExport.Status.RENDERING, progress=40)
    status_url = reverse("staff:survey_excel_status", args=[answered.pk, lost.pk])
    assert analyst.get(status_url).json()["working"] is True  # still within its time

    ResponseExport.objects.filter(pk=lost.pk).update(
        created_at=timezone.now() - ResponseExport.STALLED_AFTER - timedelta(minutes=1))
    assert analyst.get(status_url).json()["working"] is False  # the page stops waiting and reloads
    page = analyst.get(page_url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Failed. Try again" in page and "<progress" not in page
    with django_capture_on_commit_callbacks(execute=True):
        assert analyst.post(page_url).status_code == 302
    new = ResponseExport.objects.exclude(pk=lost.pk).get()
    assert [r.args for r in task_backends["default"].results] == [[lost.pk], [new.pk]]
