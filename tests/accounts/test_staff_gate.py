"""Every staff URL, whichever app adds it, is behind the same gate: the second factor, staff of
this council (else 404), and the role matrix (else 403). These tests walk the URL table, so a
page added later is covered without anyone remembering to add it here."""

from __future__ import annotations

import re

import pytest
from django.urls import URLPattern, URLResolver

from civicpanel.accounts.permissions import ROLE_CAPABILITIES
from civicpanel.config import staff_urls

pytestmark = pytest.mark.django_db


def _patterns(patterns, prefix="/staff/"):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _patterns(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern), pattern.callback


def _concrete(route: str) -> str:
    """Fill every converter with a value that names no object of ours."""
    route = re.sub(r"<int:[^>]+>", "999999", route)
    route = re.sub(r"<(?:slug|str|uuid|path)?:?[^>]+>", "x", route)
    return route.replace("^", "").replace("$", "")


STAFF_ROUTES = sorted({(_concrete(route), view) for route, view in _patterns(staff_urls.urlpatterns)},
                      key=lambda item: item[0])


def test_every_staff_view_is_gated():
    ungated = [route for route, view in STAFF_ROUTES if not hasattr(view, "staff_capabilities")]
    assert ungated == []


@pytest.mark.parametrize(("url", "view"), STAFF_ROUTES, ids=[route for route, _ in STAFF_ROUTES])
def test_staff_of_another_council_gets_404(url, view, council, other_council, staff_client):
    client = staff_client("admin", council=council)
    client.defaults["HTTP_HOST"] = f"{other_council.slug}.localhost"
    assert client.get(url).status_code == 404


@pytest.mark.same_on_every_database
@pytest.mark.parametrize("role", ["admin", "manager", "analyst"])
def test_role_matrix(role, staff_client):
    client = staff_client(role)
    allowed = ROLE_CAPABILITIES[role]
    for url, view in STAFF_ROUTES:
        status = client.get(url).status_code
        if view.staff_capabilities and not (view.staff_capabilities & allowed):
            assert status == 403, f"{role} must not reach {url}, got {status}"
        else:
            assert status != 403, f"{role} must reach {url}, got 403"


@pytest.mark.same_on_every_database
def test_anonymous_is_sent_to_login_from_every_staff_url(council, client):
    for url, _ in STAFF_ROUTES:
        response = client.get(url)
        assert response.status_code == 302, url
        assert "/accounts/login/" in response["Location"]
