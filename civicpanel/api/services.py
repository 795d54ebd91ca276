"""Writes for the read API: making and revoking tokens, and the open licence. Each one audited."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from civicpanel.api.models import ApiToken, Licence, OpenDataSettings, Scope
from civicpanel.audit.services import audit_record
from civicpanel.common.security import token_hash

TOKEN_PREFIX = "cpk_"  # noqa: S105 - a label that tells the tokens apart, not a secret


@dataclass
class NewToken:
    token: ApiToken
    plaintext: str  # shown once, never stored


def token_create(*, council, actor, name: str, scopes: list[str], request=None) -> NewToken:
    """A new token with the given scopes. The plaintext is returned once; only its hash is kept."""
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": _("Give the token a name, e.g. who uses it.")})
    scopes = [s for s in Scope.values if s in set(scopes or [])]
    if not scopes:
        raise ValidationError({"scopes": _("Choose at least one thing the token may read.")})
    plaintext = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with transaction.atomic():
        token = ApiToken.objects.create(council=council, name=name[:120], prefix=plaintext[:10],
                                        token_hash=token_hash(plaintext), scopes=scopes, created_by=actor)
        audit_record(council=council, actor=actor, action="api.token_create", target=token,
                     detail={"name": token.name, "scopes": scopes}, request=request)
    return NewToken(token=token, plaintext=plaintext)


def token_revoke(*, council, actor, token: ApiToken, request=None) -> ApiToken:
    """Stop a token from working, at once and for good."""
    with transaction.atomic():
        token = ApiToken.objects.select_for_update().get(pk=token.pk, council=council)
        if token.revoked_at is None:
            token.revoked_at, token.revoked_by = timezone.now(), actor
            token.save(update_fields=["revoked_at", "revoked_by"])
            audit_record(council=council, actor=actor, action="api.token_revoke", target=token,
                         detail={"name": token.name}, request=request)
    return token


def token_touch(token: ApiToken) -> None:
    """Note when a token was last used, at most once an hour (not a write per request)."""
    now = timezone.now()
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 3600:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)


def open_data_set(*, council, actor, licence: str, attribution: str = "", request=None) -> OpenDataSettings:
    if licence not in Licence.values:
        raise ValidationError({"licence": _("Choose one of the licences.")})
    with transaction.atomic():
        settings, _created = OpenDataSettings.objects.select_for_update().get_or_create(council=council)
        settings.licence, settings.attribution = licence, (attribution or "").strip()[:200]
        settings.save()
        audit_record(council=council, actor=actor, action="api.licence_set", target=settings,
                     detail={"licence": licence}, request=request)
    return settings
