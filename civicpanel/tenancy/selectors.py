"""Reads of a council's settings and districts."""

from __future__ import annotations

from django.db.models import QuerySet

from civicpanel.tenancy.models import Council, District


def council_districts(*, council: Council) -> QuerySet[District]:
    return District.objects.filter(council=council).order_by("order", "name")


def districts_for_postal_code(*, council: Council, postal_code: str) -> list[District]:
    """Every district of the council that lists this postal code (a code may cover several).

    Filtered in Python: postal code lists are short and JSON containment differs between
    SQLite and PostgreSQL.
    """
    postal_code = (postal_code or "").strip()
    return [d for d in council_districts(council=council) if postal_code in (d.postal_codes or [])]
