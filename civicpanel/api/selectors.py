"""Reads for the read API's own tables, always for one council."""

from __future__ import annotations

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from civicpanel.api.models import LICENCE_URLS, ApiToken, Licence, OpenDataSettings
from civicpanel.common.security import token_hash


def token_list(*, council) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(council=council).select_related("created_by", "revoked_by")


def token_get(*, council, token_id: int) -> ApiToken:
    return get_object_or_404(ApiToken, pk=token_id, council=council)


def token_for(*, council, plaintext: str) -> ApiToken | None:
    """The working token a request presents, in this council only (a revoked one is None)."""
    if not plaintext or len(plaintext) > 100:
        return None
    return ApiToken.objects.filter(council=council, token_hash=token_hash(plaintext), revoked_at__isnull=True).first()


def open_data_settings(*, council) -> OpenDataSettings:
    """The council's open-data choice, or the default (CC BY 4.0) if it never chose."""
    found = OpenDataSettings.objects.filter(council=council).first()
    return found or OpenDataSettings(council=council, licence=Licence.CC_BY_4)


def licence_info(*, council) -> dict:
    settings = open_data_settings(council=council)
    return {"id": settings.licence, "title": Licence(settings.licence).label, "url": LICENCE_URLS[settings.licence],
            "attribution": settings.attribution or council.name}
