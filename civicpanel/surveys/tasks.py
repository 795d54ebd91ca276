"""Background work of the surveys app (ids only as arguments)."""

from __future__ import annotations

from django.tasks import task


@task()
def response_export_write(export_id: int) -> None:
    from civicpanel.surveys.export_files import export_write

    export_write(export_id=export_id)


@task()
def survey_results_refresh(survey_id: int, language: str, by: str, weights_on: bool) -> None:
    from civicpanel.surveys.results_cache import survey_results_refresh as refresh

    refresh(survey_id=survey_id, language=language, by=by, weights_on=weights_on)


# Ahead of queued send runs: the staff member who sent the wave is waiting to see it ready.
@task(priority=10)
def wave_prepare(wave_id: int) -> None:
    from civicpanel.surveys.waves import wave_prepare as prepare

    prepare(wave_id=wave_id)
