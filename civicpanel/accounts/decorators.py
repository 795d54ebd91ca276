"""The one gate in front of every staff view."""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.cache import add_never_cache_headers

from civicpanel.accounts.permissions import Capability, can, membership_for


def staff_view(*capabilities: Capability | None):
    """Allow a view only to staff of the request's council (anyone else: 404, so that a
    council's pages are not even confirmed to exist) whose role has one of the capabilities
    (else 403); with none given, any staff role of the council may see it.

    Sets `request.membership` for the view and its template.
    """
    needed = frozenset(c for c in capabilities if c is not None)

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if request.council is None:
                raise Http404
            membership = membership_for(request.user, request.council)
            if membership is None:
                raise Http404
            if needed and not any(can(membership, capability) for capability in needed):
                raise PermissionDenied
            request.membership = membership
            response = view(request, *args, **kwargs)
            # Staff pages and exports carry personal data: keep them out of the browser's cache
            # (a shared office computer) and out of any cache on the way.
            add_never_cache_headers(response)
            return response

        wrapper.staff_capabilities = needed
        return wrapper

    return decorator
