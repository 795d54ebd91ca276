"""Background work of the analysis app (ids only as arguments)."""

from __future__ import annotations

from django.tasks import task


@task()
def survey_report_render(report_id: int) -> None:
    from civicpanel.analysis.report_services import report_render

    report_render(report_id=report_id)
