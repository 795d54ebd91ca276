"""Which council a request is for, from its host name."""

from __future__ import annotations

from django.conf import settings

from civicpanel.tenancy.models import Council

DEV_SUFFIX = ".localhost"


def council_for_host(host: str) -> Council | None:
    """Its own domain in production, `<slug>.localhost` in development; an install with one
    council also answers on any other allowed host (the bare host)."""
    host = host.split(":", 1)[0].lower().rstrip(".")
    council = Council.objects.filter(domain=host).first()
    if council:
        return council
    if host.endswith(DEV_SUFFIX) and not settings.PRODUCTION:
        council = Council.objects.filter(slug=host[: -len(DEV_SUFFIX)]).first()
        if council:
            return council
    councils = list(Council.objects.all()[:2])
    return councils[0] if len(councils) == 1 else None
