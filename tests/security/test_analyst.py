"""Analysts see answers, never identities: every staff page an analyst can open (walked from the
URL table, so a page added later is covered too) and every export an analyst can download is
free of the names and e-mail addresses of the members behind the answers."""

from __future__ import annotations

import io
import re
import zipfile

import pytest
from django.urls import URLPattern, URLResolver

from civicpanel.accounts.models import Role
from civicpanel.accounts.permissions import ROLE_CAPABILITIES
from civicpanel.config import staff_urls
from civicpanel.events import services as event_services
from tests.events.factories import called_volunteers, close_volunteering, make_event
from tests.factories import MemberFactory
from tests.surveys.factories import build_survey, invite
from tests.surveys.sample_panel import set_population
from tests.surveys.test_results import answer

pytestmark = pytest.mark.django_db

NAME, EMAIL = "Zelda Identifiable", "zelda.identifiable@example.org"


def _patterns(patterns, prefix="/staff/"):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _patterns(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern), pattern.callback


def _analyst_routes() -> list[str]:
    allowed = ROLE_CAPABILITIES[Role.ANALYST]
    return sorted({route for route, view in _patterns(staff_urls.urlpatterns)
                   if not view.staff_capabilities or view.staff_capabilities & allowed})


def _fill(route: str, values: dict[str, list[str]]) -> list[str]:
    urls = [route]
    for name in re.findall(r"<(?:\w+:)?(\w+)>", route):
        if name not in values:
            pytest.fail(f"{route} is open to analysts: give <{name}> a value in this test so it is checked")
        urls = [re.sub(rf"<(?:\w+:)?{name}>", value, url, count=1) for url in urls for value in values[name]]
    return urls


def _text(content: bytes) -> str:
    if content.startswith(b"%PDF"):  # the committee report: its text
        from pypdf import PdfReader

        return " ".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)
    if content.startswith(b"PK"):  # an XLSX: read every part of the archive
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            return "".join(archive.read(name).decode("utf-8", "replace") for name in archive.namelist())
    return content.decode("utf-8", "replace")


def test_no_analyst_page_or_export_shows_an_identity(council, staff_client):
    survey = build_survey(council)
    district = council.districts.first()
    members = [MemberFactory(council=council, district=district) for _ in range(6)]
    members[0].name, members[0].email = NAME, EMAIL
    members[0].save(update_fields=["name", "email"])
    for number, member in enumerate(members):
        invitation, _token = invite(survey, member)
        answer(survey, invitation, transport="other", safety="4", wishes=["1"], days=str(number))
    wave = survey.waves.first()
    # An event they all volunteered for, drawn: its pages show analysts counts, never who.
    set_population(council)
    event = make_event(council, capacities=(3,))
    called_volunteers(council, event)
    close_volunteering(event)
    event_services.draw_run(council=council, actor=None, event=event, feature_keys=["district"], tolerance=3)
    from civicpanel.budgeting import voting
    from tests.budgeting.factories import build_round

    pb_round = build_round(council)  # a participatory-budgeting round the same members voted in
    for member in members:
        voting.ballot_cast(round=pb_round, voter=voting.voter_for_member(member), pot="city", choices=[1])
    # The committee report, made as the worker makes it (when this server can make PDFs).
    from civicpanel.analysis.models import SurveyReport
    from civicpanel.analysis.report_services import report_render
    from civicpanel.common.pdf import pdf_available

    report = SurveyReport.objects.create(council=council, survey=survey, language="da", breakdowns=["district"])
    if pdf_available():
        report_render(report_id=report.pk)
    else:
        SurveyReport.objects.filter(pk=report.pk).update(status="ready", pdf=b"%PDF-1.7\n%%EOF\n")
    # The Excel file of the responses, made as the worker makes it.
    from civicpanel.surveys.export_files import export_write
    from civicpanel.surveys.models import ResponseExport

    excel = ResponseExport.objects.create(council=council, survey=survey)
    export_write(export_id=excel.pk)
    # A letter campaign that brought them, with its batch: the campaign and health pages show counts.
    from civicpanel.members.models import Member
    from civicpanel.recruitment.models import Letter
    from tests.recruitment.helpers import batch as letter_batch
    from tests.recruitment.helpers import extract as address_extract
    from tests.recruitment.helpers import residents

    extract = address_extract(council, residents(6, age=30))
    letters = list(Letter.objects.filter(batch=letter_batch(council, extract)))
    Member.objects.filter(pk__in=[m.pk for m in members]).update(campaign=extract.campaign)
    for letter, member in zip(letters, members, strict=True):
        letter.member, letter.used_at = member, member.joined_at
        letter.save()
    values = {"survey_id": [str(survey.pk)], "wave_id": [str(wave.pk)], "fmt": ["csv", "xlsx", "codebook"],
              "event_id": [str(event.pk)], "round_id": [str(pb_round.pk)], "report_id": [str(report.pk)], "export_id": [str(excel.pk)],
              "campaign_id": [str(extract.campaign_id)]}
    analyst = staff_client("analyst")

    checked = []
    for route in _analyst_routes():
        for url in _fill(route, values):
            for query in ("", "?by=district", "?by=gender", "?by=birth_year"):
                response = analyst.get(url + query)
                assert response.status_code == 200, (url + query, response.status_code)
                text = _text(response.content)
                assert NAME not in text and EMAIL not in text, url + query
                checked.append(url)
    # The walk really reached the survey pages and the exports.
    assert any(url.endswith("/results/") for url in checked)
    assert any(url.endswith("/export/xlsx/") for url in checked)
    assert any(url.endswith(f"/export/xlsx/{excel.pk}/file/") for url in checked)
    assert any(url.endswith(f"/report/{report.pk}/pdf/") for url in checked)
    assert any(url.endswith(f"/events/{event.pk}/") for url in checked)
