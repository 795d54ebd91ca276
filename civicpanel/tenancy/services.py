"""Writes on a council's own settings."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from civicpanel.audit.services import audit_record
from civicpanel.tenancy.models import Council

GENERAL_FIELDS = ("name", "logo", "brand_colour", "languages", "default_language", "minimum_age", "panel_term_years",
                  "contact_limit_count", "contact_limit_days", "contact_email", "from_email", "domain")


def council_settings_update(*, council: Council, actor, changes: dict[str, Any], request=None) -> list[str]:
    """Apply the general settings and return the names of the fields that changed.

    `changes` holds cleaned values for GENERAL_FIELDS (a form's cleaned_data); `logo` is an
    uploaded file, False to remove the logo, or None to keep it. Saving nothing writes no audit row,
    so a double submit leaves one entry.
    """
    with transaction.atomic():
        council = Council.objects.select_for_update().get(pk=council.pk)
        changed: list[str] = []
        detail: dict[str, Any] = {}
        for field in GENERAL_FIELDS:
            if field not in changes:
                continue
            value = changes[field]
            if field == "logo":
                if value is None or value == council.logo:
                    continue
                if value is False:
                    if not council.logo:
                        continue
                    detail["logo"] = {"from": council.logo.name, "to": ""}
                    council.logo = ""
                else:
                    council.logo.save(value.name, value, save=False)
                    detail["logo"] = {"to": council.logo.name}
                changed.append("logo")
                continue
            old = getattr(council, field)
            if old == value:
                continue
            setattr(council, field, value)
            changed.append(field)
            detail[field] = {"from": old, "to": value}
        if changed:
            if {"logo", "brand_colour"} & set(changed):
                council.brand_version += 1  # new addresses for the brand stylesheet and the logo
                changed_fields = [*changed, "brand_version"]
            else:
                changed_fields = changed
            council.save(update_fields=changed_fields)
            audit_record(council=council, actor=actor, action="council.settings_update", target=council,
                         detail=detail, request=request)
    return changed
