"""A council's participatory-budgeting rounds in the staff export format (Pabulib, one .pb file
per vote of every round whose list of projects is final), for `civicpanel council_export` and
`council_remove`. Ideas, projects, updates and the ballot box are in the tables export too."""

from __future__ import annotations

from pathlib import Path

from civicpanel.budgeting.models import Round
from civicpanel.budgeting.pabulib_io import pot_keys, round_export


def export_council_rounds(council, folder: Path) -> list[Path]:
    files = []
    for rnd in Round.objects.filter(council=council).order_by("pk"):
        if not rnd.projects_frozen_at and not rnd.imported:
            continue  # no final list of projects, so no Pabulib file (the staff page offers none either)
        for key, _label in pot_keys(rnd):
            path = folder / f"round-{rnd.pk}-{key}.pb"
            path.write_text(round_export(rnd, key), encoding="utf-8")
            files.append(path)
    return files
