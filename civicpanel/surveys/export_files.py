"""The Excel file of a survey's responses, made by the task worker: asking for one, writing it
(openpyxl's write-only mode: rows are streamed to the file instead of kept as cell objects),
downloading it. Stored files are deleted when the responses they were made from change in a
way a file must follow (member_data.survey_member_erase, services.survey_close's
anonymisation).

A request and every download are in the audit log. The page follows the worker's progress as
the committee report's page does.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import get_language, override
from django.utils.translation import gettext as _

from civicpanel.audit.services import audit_record
from civicpanel.surveys.exports import build_export, xlsx_bytes
from civicpanel.surveys.models import ResponseExport, Survey

logger = logging.getLogger(__name__)

# Files kept per survey: older ones are deleted when a new one is asked for (each holds every
# response, so copies are not left lying about).
KEEP = 3


def export_request(*, council, actor, survey: Survey, request=None) -> ResponseExport:
    """Queue an Excel file of `survey`'s responses. One already being made is returned instead
    of a second (a double click, two staff members at once)."""
    assert survey.council_id == council.pk
    from civicpanel.surveys.tasks import response_export_write

    with transaction.atomic():
        Survey.objects.select_for_update().filter(pk=survey.pk).first()
        working = ResponseExport.objects.filter(ResponseExport.working_q(), survey=survey).first()
        if working is not None:
            return working
        export = ResponseExport.objects.create(council=council, survey=survey, requested_by=actor,
                                               language=get_language() or "")
        old = ResponseExport.objects.filter(survey=survey).values_list("pk", flat=True)[KEEP:]
        ResponseExport.objects.filter(pk__in=list(old)).delete()
        audit_record(council=council, actor=actor, action="survey.export_request", target=survey,
                     detail={"format": "xlsx", "export": export.pk}, request=request)
        transaction.on_commit(lambda: response_export_write.enqueue(export.pk))
    return export


def _progress(export_id: int):
    def tell(percent: int, step: str) -> None:
        ResponseExport.objects.filter(pk=export_id).update(progress=percent, step=step)
    return tell


def export_write(*, export_id: int) -> ResponseExport | None:
    """Write the file (the task). One already written is left as it is."""
    export = ResponseExport.objects.select_related("survey").filter(pk=export_id).first()
    if export is None or export.status == ResponseExport.Status.READY:
        return export
    tell = _progress(export.pk)
    ResponseExport.objects.filter(pk=export.pk).update(status=ResponseExport.Status.RENDERING, progress=1,
                                                       step="reading")
    try:
        with override(export.language or settings.LANGUAGE_CODE):
            table = build_export(export.survey, progress=tell)
            content = xlsx_bytes(export.survey, table, progress=tell)
    except Exception:
        logger.exception("response export %s failed", export.pk)
        ResponseExport.objects.filter(pk=export.pk).update(status=ResponseExport.Status.FAILED, step="",
                                                           finished_at=timezone.now())
    else:
        # A row deleted meanwhile (an erasure) updates nothing: that file is not stored.
        ResponseExport.objects.filter(pk=export.pk).update(
            status=ResponseExport.Status.READY, progress=100, step="done", content=content, size=len(content),
            rows=len(table.rows), finished_at=timezone.now())
    return ResponseExport.objects.filter(pk=export.pk).first()


def export_download(*, council, actor, export: ResponseExport, request=None) -> bytes:
    """The file, written to the audit log (who took which survey's responses, how many rows)."""
    if export.council_id != council.pk or export.status != ResponseExport.Status.READY:
        raise ValidationError(_("This file is not ready."))
    audit_record(council=council, actor=actor, action="survey.export", target=export.survey,
                 detail={"format": "xlsx", "rows": export.rows, "export": export.pk}, request=request)
    return bytes(export.content)
