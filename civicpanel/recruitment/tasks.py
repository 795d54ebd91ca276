"""Background work of the recruitment app (ids only as arguments)."""

from __future__ import annotations

from django.tasks import task


@task()
def letter_file_render(file_id: int) -> None:
    from civicpanel.recruitment.letter_files import letters_file_render

    letters_file_render(file_id=file_id)
