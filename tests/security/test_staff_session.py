"""Staff sessions: pages with personal data are never cached, a session without the second
factor cannot be steered elsewhere through the login redirect, and losing the role (or the
account) takes effect at the very next request."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client

from civicpanel.accounts.models import StaffMembership
from tests.factories import MemberFactory, staff_user

pytestmark = pytest.mark.django_db


def test_staff_pages_and_exports_are_not_cached(council, staff_client):
    member = MemberFactory(council=council)
    client = staff_client("admin")
    for url in ("/staff/members/", f"/staff/members/{member.pk}/", "/staff/members/export.csv", "/staff/audit/"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert "no-store" in response["Cache-Control"], url
        assert "private" in response["Cache-Control"], url


def test_login_redirect_keeps_the_whole_path_as_next(council):
    # A session with a password but without the second factor, for a user who has TOTP.
    user = staff_user(council, "admin")
    client = Client(HTTP_HOST=f"{council.slug}.localhost")
    client.force_login(user)
    response = client.get("/staff/%26next=https://evil.example/")
    assert response.status_code == 302
    query = parse_qs(urlsplit(response["Location"]).query)
    assert query["next"] == ["/staff/&next=https://evil.example/"]


def test_removed_role_and_deactivated_account_lose_access_at_once(council, staff_client):
    client = staff_client("admin")
    assert client.get("/staff/members/").status_code == 200
    StaffMembership.objects.filter(user=client.user, council=council).update(role="analyst")
    assert client.get("/staff/members/").status_code == 403
    StaffMembership.objects.filter(user=client.user, council=council).delete()
    assert client.get("/staff/").status_code == 404
    StaffMembership.objects.create(user=client.user, council=council, role="admin")
    client.user.is_active = False
    client.user.save(update_fields=["is_active"])
    response = client.get("/staff/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_staff_without_a_second_factor_cannot_take_over_another_address(council, other_council):
    """An address is a staff identity: when another council's admin adds that address, they give
    the role to whoever holds it. A new staff member who has only a password (no TOTP yet) must
    not be able to claim an address they do not own on the unverified e-mail page."""
    from allauth.account.models import EmailAddress

    user = staff_user(council, "analyst", with_totp=False)
    client = Client(HTTP_HOST=f"{council.slug}.localhost")
    client.post("/accounts/login/", {"login": user.email, "password": "correct horse battery staple"})
    assert "_auth_user_id" in client.session  # logged in with the password alone

    response = client.post("/accounts/email/", {"action_add": "", "email": "future.admin@example.org"})
    assert response.status_code == 302
    assert not EmailAddress.objects.filter(email="future.admin@example.org").exists()
    user.refresh_from_db()
    assert user.email != "future.admin@example.org"
