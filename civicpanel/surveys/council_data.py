"""A council's surveys in the staff export formats, for `civicpanel council_remove`."""

from __future__ import annotations

from pathlib import Path

from civicpanel.surveys.exports import responses_export
from civicpanel.surveys.models import Survey


def export_council_surveys(council, folder: Path) -> list[Path]:
    files = []
    for survey in Survey.objects.filter(council=council).order_by("pk"):
        for fmt, name in (("csv", "responses.csv"), ("codebook", "codebook.csv"), ("xlsx", "responses.xlsx")):
            response = responses_export(council=council, actor=None, survey=survey, fmt=fmt)
            path = folder / f"survey-{survey.pk}-{name}"
            path.write_bytes(response.content)
            files.append(path)
    return files
