"""A council's staff, for `civicpanel council_remove`: exported, then the accounts that served
this council only are deleted with it (staff e-mail addresses are personal data too)."""

from __future__ import annotations

from pathlib import Path

from civicpanel.accounts.models import StaffMembership, User
from civicpanel.common.csvio import write_csv


def export_council_staff(council, folder: Path) -> list[Path]:
    path = folder / "staff.csv"
    memberships = StaffMembership.objects.filter(council=council).select_related("user").order_by("user__email")
    write_csv(path, ["email", "name", "role", "since", "last_login"], (
        [m.user.email, m.user.full_name, m.role, m.created_at.isoformat(),
         m.user.last_login.isoformat() if m.user.last_login else ""] for m in memberships))
    return [path]


def purge_council_staff(council) -> dict[str, int]:
    """Delete the accounts whose only council is this one (operators' superuser accounts stay)."""
    elsewhere = StaffMembership.objects.exclude(council=council).values("user_id")
    ids = list(User.objects.filter(memberships__council=council, is_superuser=False)
               .exclude(pk__in=elsewhere).values_list("pk", flat=True))
    if not ids:
        return {}
    _total, per_model = User.objects.filter(pk__in=ids).delete()
    return per_model
