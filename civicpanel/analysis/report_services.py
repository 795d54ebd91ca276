"""Committee reports: asking for one (the worker makes it), making it, downloading it.

A request and every download are in the audit log. The PDF is made by the task worker in
every case (one path for small and big surveys); the page follows its progress.
"""

from __future__ import annotations

import logging

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from civicpanel.analysis.models import SurveyReport
from civicpanel.analysis.report_pdf import LANGUAGES, report_pdf
from civicpanel.audit.services import audit_record
from civicpanel.common.pdf import PdfUnavailable, pdf_available
from civicpanel.surveys.audience import profile_questions

logger = logging.getLogger(__name__)

MAX_BREAKDOWNS = 3


def report_request(*, council, actor, survey, language: str, breakdowns: list[str], request=None) -> SurveyReport:
    """Queue a report of `survey` in `language`, broken down by up to MAX_BREAKDOWNS profile questions."""
    if not pdf_available():
        raise ValidationError(_("Reports cannot be made on this server: the PDF library it needs is not installed. "
                                "Ask the people who run the server to install Pango."))
    if language not in LANGUAGES:
        raise ValidationError({"language": _("Choose Danish, Norwegian or English.")})
    keys = {q.key for q in profile_questions(council=council)}
    breakdowns = list(dict.fromkeys(b for b in breakdowns if b))
    if any(b not in keys for b in breakdowns):
        raise ValidationError({"breakdowns": _("Unknown profile question.")})
    if len(breakdowns) > MAX_BREAKDOWNS:
        raise ValidationError({"breakdowns": _("Choose at most %(n)s breakdowns.") % {"n": MAX_BREAKDOWNS}})
    from civicpanel.analysis.tasks import survey_report_render

    with transaction.atomic():
        report = SurveyReport.objects.create(council=council, survey=survey, language=language,
                                             breakdowns=breakdowns, requested_by=actor)
        audit_record(council=council, actor=actor, action="survey.report_request", target=survey,
                     detail={"report": report.pk, "language": language, "breakdowns": breakdowns}, request=request)
        transaction.on_commit(lambda: survey_report_render.enqueue(report.pk))
    return report


def _progress(report_id: int):
    def tell(percent: int, step: str) -> None:
        SurveyReport.objects.filter(pk=report_id).update(progress=percent, step=step)
    return tell


def report_render(*, report_id: int) -> SurveyReport | None:
    """Make the PDF (the task). A report already made is left as it is."""
    report = SurveyReport.objects.select_related("council", "survey").filter(pk=report_id).first()
    if report is None or report.status == SurveyReport.Status.READY:
        return report
    SurveyReport.objects.filter(pk=report.pk).update(status=SurveyReport.Status.RENDERING, progress=1, step="results",
                                                     error="")
    try:
        pdf = report_pdf(council=report.council, survey=report.survey, language=report.language,
                         breakdown_keys=report.breakdowns, progress=_progress(report.pk))
    except PdfUnavailable:
        error = "pdf_unavailable"
    except Exception:
        logger.exception("survey report %s failed", report.pk)
        error = "failed"
    else:
        SurveyReport.objects.filter(pk=report.pk).update(
            status=SurveyReport.Status.READY, progress=100, step="done", pdf=pdf, size=len(pdf),
            finished_at=timezone.now())
        report.refresh_from_db()
        return report
    SurveyReport.objects.filter(pk=report.pk).update(status=SurveyReport.Status.FAILED, step="", error=error,
                                                     finished_at=timezone.now())
    report.refresh_from_db()
    return report


def report_download(*, council, actor, report: SurveyReport, request=None) -> bytes:
    """The PDF, written to the audit log (who took which report of which survey)."""
    if report.council_id != council.pk or report.status != SurveyReport.Status.READY:
        raise ValidationError(_("This report is not ready."))
    audit_record(council=council, actor=actor, action="survey.report_download", target=report.survey,
                 detail={"report": report.pk, "language": report.language}, request=request)
    return bytes(report.pdf)
