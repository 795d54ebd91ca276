"""Background work of the surveys app (ids only as arguments)."""

from __future__ import annotations

from django.tasks import task


@task()
def response_export_write(export_id: int) -> None:
    from civicpanel.surveys.export_files import export_write

    export_write(export_id=export_id)
