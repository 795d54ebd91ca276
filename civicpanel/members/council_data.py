"""A council's members in the staff export formats, for `civicpanel council_remove`."""

from __future__ import annotations

from pathlib import Path

from civicpanel.common.csvio import write_csv
from civicpanel.members.models import ConsentRecord
from civicpanel.members.staff_services import members_export


def export_council_members(council, folder: Path) -> list[Path]:
    header, rows = members_export(council=council, actor=None, filters={})
    members = folder / "members.csv"
    write_csv(members, header, rows)
    consents = folder / "consent-records.csv"
    records = ConsentRecord.objects.filter(member__council=council).order_by("given_at", "pk")
    write_csv(consents, ["member", "purpose", "text_version", "text_sha256", "language", "given_at", "channel"], (
        [r.member_id, r.purpose, r.text_version, r.text_sha256, r.language, r.given_at.isoformat(), r.channel]
        for r in records))
    return [members, consents]
