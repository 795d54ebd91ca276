from __future__ import annotations

from civicpanel.tenancy.resolution import council_for_host

# Paths that never belong to a council: no query for them.
UNSCOPED_PREFIXES = ("/static/", "/media/", "/healthz")


class CouncilMiddleware:
    """Sets `request.council` (a Council, or None for a host no council answers on)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path.startswith(UNSCOPED_PREFIXES):
            request.council = None
        else:
            request.council = council_for_host(request.get_host())
        return self.get_response(request)
