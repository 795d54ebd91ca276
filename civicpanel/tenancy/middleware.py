from __future__ import annotations

from django.utils.functional import SimpleLazyObject

from civicpanel.tenancy.resolution import council_for_host


class CouncilMiddleware:
    """Sets `request.council` (or None) from the request's host, resolved lazily so that
    static files and health checks do not query the database."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        host = request.get_host()
        request.council = SimpleLazyObject(lambda: council_for_host(host))
        return self.get_response(request)
