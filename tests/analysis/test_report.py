"""The committee report: the same figures as the results page, in Danish, Norwegian and English,
small groups hidden, made by the task worker, stored, downloadable and audited."""

from __future__ import annotations

import html as htmllib
import io
import re

import numpy as np
import pytest
from django.urls import reverse
from pypdf import PdfReader

from civicpanel.analysis import report_services, report_views
from civicpanel.analysis.models import SurveyReport
from civicpanel.analysis.report_content import _composition
from civicpanel.analysis.report_pdf import report_pdf
from civicpanel.audit.models import AuditEvent
from civicpanel.common.pdf import pdf_available
from civicpanel.surveys.representativeness import CategoryRow, QuestionRows, Representativeness
from tests.surveys.test_weighting import answered  # noqa: F401  (the weighted survey fixture)

pytestmark = pytest.mark.django_db
needs_pdf = pytest.mark.skipif(not pdf_available(), reason="WeasyPrint needs Pango on this machine")

ROW = re.compile(r'<tr><th scope="row">([^<]+)</th>((?:<td class="num">[^<]*</td>)+)</tr>')
CELL = re.compile(r'<td class="num">([^<]*)</td>')


def _flat(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace("\xa0", " ")).strip()


def page_rows(html: str) -> list[str]:
    """Every figure row of the results page's tables as "label cell cell ...", spaces normalised;
    a hidden figure as "–", as the report prints it."""
    html = re.sub(r'<span class="suppressed">.*?</span></span>', "–", html)
    return [_flat(" ".join([htmllib.unescape(label), *(htmllib.unescape(c) for c in CELL.findall(cells))]))
            for label, cells in ROW.findall(html)]


def pdf_text(pdf: bytes) -> str:
    return _flat(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages))


def make_report(client, survey, django_capture_on_commit_callbacks, **data) -> SurveyReport:
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("staff:survey_report", args=[survey.pk]),
                               {"language": "en", **data})
    assert response.status_code == 302, response.content.decode()[-2000:]
    return SurveyReport.objects.latest("pk")


@needs_pdf
@pytest.mark.parametrize("language", ["en", "da"])
def test_the_report_has_the_results_pages_figures(council, answered, staff_client,  # noqa: F811
                                                  django_capture_on_commit_callbacks, language):
    survey = answered[0]
    analyst = staff_client("analyst")
    analyst.cookies["django_language"] = language
    results = analyst.get(reverse("staff:survey_results", args=[survey.pk]), HTTP_ACCEPT_LANGUAGE=language)
    expected = page_rows(results.content.decode())
    by_district = analyst.get(reverse("staff:survey_results", args=[survey.pk]) + "?by=district",
                              HTTP_ACCEPT_LANGUAGE=language)
    expected_split = [row for row in page_rows(by_district.content.decode()) if row.split(" ")[0] in
                      ("Vigerslev", "Gammel")]
    assert len(expected) >= 12 and expected_split  # every option of every question, weighted, with intervals

    report = make_report(analyst, survey, django_capture_on_commit_callbacks, language=language,
                         breakdowns=["district"])
    assert report.status == SurveyReport.Status.READY and report.progress == 100
    pdf = analyst.get(reverse("staff:survey_report_download", args=[survey.pk, report.pk]))
    assert pdf["Content-Type"] == "application/pdf"
    text = pdf_text(pdf.content)
    missing = [row for row in expected + expected_split if row not in text]
    assert not missing, missing


@needs_pdf
@pytest.mark.parametrize(("language", "headings", "figures", "title"), [
    ("da", ["Formål", "Hvem blev spurgt og hvordan", "Læs med forsigtighed", "Bilag: spørgeskemaet"],
     ["Svarprocent", "6,00"], "Udvalgsrapport: Traffic"),
    ("nb", ["Formål", "Hvem ble spurt og hvordan", "Les med forsiktighet", "Vedlegg: spørreskjemaet"],
     ["Svarprosent", "6,00"], "Utvalgsrapport: Traffic"),
    ("en", ["Purpose", "Who was asked and how", "Read with care", "Appendix: the questionnaire"],
     ["Response rate", "6.00"], "Committee report: Traffic"),
])
def test_the_report_in_each_language(council, answered, language, headings, figures, title):  # noqa: F811
    survey = answered[0]
    pdf = report_pdf(council=council, survey=survey, language=language, breakdown_keys=["gender"])
    reader = PdfReader(io.BytesIO(pdf))
    text = pdf_text(pdf)
    for words in headings + figures:
        assert words in text, words
    assert "How residents travel and what would make streets safer." in text  # the purpose
    assert reader.metadata.title == title
    catalog = reader.trailer["/Root"]
    assert catalog["/Lang"] == language
    assert "/StructTreeRoot" in catalog


@needs_pdf
def test_breakdown_cells_are_hidden_as_the_results_page_hides_them(council, answered, staff_client,  # noqa: F811
                                                                   django_capture_on_commit_callbacks):
    """By gender: the group nobody is in and the cells from which a small one could be worked out
    show "–" in the report exactly where the results page hides them."""
    survey = answered[0]
    analyst = staff_client("analyst")
    page = analyst.get(reverse("staff:survey_results", args=[survey.pk]) + "?by=gender").content.decode()
    expected = [row for row in page_rows(page) if row.split(" ")[0] in ("Kvinde", "Mand", "Andet")]
    assert any("–" in row for row in expected) and any("%" in row for row in expected)
    report = make_report(analyst, survey, django_capture_on_commit_callbacks, language="da",
                         breakdowns=["gender"])
    text = pdf_text(analyst.get(reverse("staff:survey_report_download", args=[survey.pk, report.pk])).content)
    assert "Resultater efter Køn" in text
    missing = [row for row in expected if row not in text]
    assert not missing, missing


def test_composition_hides_small_groups_and_what_gives_them_away():
    def row(label, n):
        return CategoryRow(label=label, population_share=0.25, invited=10, invited_share=0.25, respondents=n,
                           respondent_share=n / 20, weighted_share=0.25, response_rate=n / 10)

    report = Representativeness(invited=40, respondents=20, questions=[
        QuestionRows(question=None, rows=[row("a", 9), row("b", 8), row("c", 3), row("d", 0)], has_population=True),
        QuestionRows(question=None, rows=[row("x", 0), row("y", 0)], has_population=True),
    ])
    shown = _composition(report)
    assert len(shown.questions) == 1  # nobody answered the second profile question
    rows = {r.label: r.respondents for r in shown.questions[0].rows}
    # 3 is too few; with the total published, hiding it alone would leave it as 20 - 9 - 8.
    assert rows == {"a": 9, "b": None, "c": None, "d": 0}
    hidden = np.array([r.respondent_share is None for r in shown.questions[0].rows])
    assert hidden.tolist() == [False, True, True, False]


def test_the_worker_makes_the_report_and_the_page_follows_it(council, answered, staff_client,  # noqa: F811
                                                            django_capture_on_commit_callbacks, monkeypatch,
                                                            settings):
    """The request only queues the task; the task moves the progress through its steps and
    stores the PDF; the page shows the progress while it works and the download after."""
    from django.tasks import task_backends

    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend",
                                  "QUEUES": ["default", "mail"]}}
    survey = answered[0]
    manager = staff_client("manager")
    with django_capture_on_commit_callbacks(execute=True):
        manager.post(reverse("staff:survey_report", args=[survey.pk]), {"language": "nb", "breakdowns": ["gender"]})
    report = SurveyReport.objects.get()
    queued = task_backends["default"].results
    assert [(r.task.name, r.args) for r in queued] == [("survey_report_render", [report.pk])]
    assert report.status == SurveyReport.Status.QUEUED
    page = manager.get(reverse("staff:survey_report", args=[survey.pk])).content.decode()
    assert "<progress" in page and "report-progress.js" in page
    status = manager.get(reverse("staff:survey_report_status", args=[survey.pk, report.pk])).json()
    assert status == {"status": "queued", "progress": 0, "step": "", "working": True}

    steps = []
    real = report_services._progress

    def spy(report_id):
        tell = real(report_id)

        def both(percent, step):
            steps.append((percent, step))
            tell(percent, step)
        return both

    monkeypatch.setattr(report_services, "_progress", spy)
    monkeypatch.setattr(report_services, "report_pdf", lambda **kw: _fake_pdf(kw["progress"]))
    from civicpanel.analysis.tasks import survey_report_render

    survey_report_render.func(report.pk)
    report.refresh_from_db()
    assert report.status == SurveyReport.Status.READY and report.progress == 100 and report.size == 9
    assert [s for _p, s in steps] == ["results", "pdf"]
    page = manager.get(reverse("staff:survey_report", args=[survey.pk])).content.decode()
    assert reverse("staff:survey_report_download", args=[survey.pk, report.pk]) in page
    assert "<progress" not in page

    download = manager.get(reverse("staff:survey_report_download", args=[survey.pk, report.pk]))
    assert download.content == b"%PDF-fake" and "attachment" in download["Content-Disposition"]
    actions = list(AuditEvent.objects.filter(action__startswith="survey.report").values_list("action", "detail"))
    assert ("survey.report_request", {"report": report.pk, "language": "nb", "breakdowns": ["gender"]}) in actions
    assert ("survey.report_download", {"report": report.pk, "language": "nb"}) in actions


def _fake_pdf(progress):
    progress(5, "results")
    progress(70, "pdf")
    return b"%PDF-fake"


def test_a_failed_report_says_so(council, answered, staff_client, monkeypatch):  # noqa: F811
    survey = answered[0]
    report = SurveyReport.objects.create(council=council, survey=survey, language="en")

    def broken(**kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(report_services, "report_pdf", broken)
    report_services.report_render(report_id=report.pk)
    report.refresh_from_db()
    assert report.status == SurveyReport.Status.FAILED and report.error == "failed"
    page = staff_client("analyst").get(reverse("staff:survey_report", args=[survey.pk])).content.decode()
    assert "Mislykkedes. Prøv igen" in page  # the council's language
    assert staff_client("analyst").get(
        reverse("staff:survey_report_download", args=[survey.pk, report.pk])).status_code == 404


def test_without_pango_the_page_says_reports_cannot_be_made_here(council, answered, staff_client,  # noqa: F811
                                                                 monkeypatch):
    survey = answered[0]
    monkeypatch.setattr(report_views, "pdf_available", lambda: False)
    monkeypatch.setattr(report_services, "pdf_available", lambda: False)
    analyst = staff_client("analyst")
    page = analyst.get(reverse("staff:survey_report", args=[survey.pk]))
    assert page.status_code == 200
    assert "Rapporter kan ikke laves på denne server" in page.content.decode()
    assert analyst.post(reverse("staff:survey_report", args=[survey.pk]), {"language": "en"}).status_code == 200
    assert not SurveyReport.objects.exists()


def test_reports_of_another_council_are_not_found(council, other_council, answered, staff_client):  # noqa: F811
    survey = answered[0]
    report = SurveyReport.objects.create(council=council, survey=survey, language="en", status="ready", pdf=b"x")
    other = staff_client("admin", council=other_council)
    assert other.get(reverse("staff:survey_report_download", args=[survey.pk, report.pk])).status_code == 404
