"""No staff page answers before the second factor; login never reveals whether an account exists."""

import pytest
from allauth.mfa.totp.internal.auth import hotp_value
from django.test import Client
from django.urls import reverse

from tests.factories import staff_user, totp_secret

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"


def test_staff_page_redirects_anonymous_to_login(council):
    response = Client().get("/staff/")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_password_alone_does_not_open_staff_pages(council):
    user = staff_user(council, "admin")
    client = Client()
    response = client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_authenticate")
    assert client.get("/staff/").status_code == 302  # not logged in yet
    assert "_auth_user_id" not in client.session


def test_password_and_totp_open_staff_pages(council):
    import time

    user = staff_user(council, "manager")
    client = Client()
    client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    code = hotp_value(totp_secret(user), int(time.time()) // 30)
    response = client.post(reverse("mfa_authenticate"), {"code": f"{code:06d}"})
    assert response.status_code == 302
    page = client.get("/staff/")
    assert page.status_code == 200
    assert "Overview" in page.content.decode() or "Overblik" in page.content.decode()


def test_staff_without_totp_must_set_it_up_before_any_staff_page(council):
    user = staff_user(council, "admin", with_totp=False)
    client = Client()
    client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    for url in ("/staff/", "/staff/staff/", "/staff/audit/"):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"] == reverse("mfa_activate_totp")


def test_session_without_second_factor_is_logged_out(council):
    user = staff_user(council, "admin")
    client = Client()
    client.force_login(user)  # a session that never passed TOTP
    response = client.get("/staff/")
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session


def test_login_failure_is_the_same_for_known_and_unknown_accounts(council):
    staff_user(council, "admin", email="known@example.org")
    known = Client().post(reverse("account_login"), {"login": "known@example.org", "password": "wrong-password-1"})
    unknown = Client().post(reverse("account_login"), {"login": "nobody@example.org", "password": "wrong-password-1"})
    assert known.status_code == unknown.status_code == 200
    strip = lambda r: r.content.decode().replace("known@example.org", "X").replace("nobody@example.org", "X")  # noqa: E731
    import re

    no_csrf = lambda s: re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", s)  # noqa: E731
    assert no_csrf(strip(known)) == no_csrf(strip(unknown))


def test_password_reset_is_the_same_for_known_and_unknown_accounts(council, mailoutbox):
    staff_user(council, "admin", email="known@example.org")
    known = Client().post(reverse("account_reset_password"), {"email": "known@example.org"})
    unknown = Client().post(reverse("account_reset_password"), {"email": "nobody@example.org"})
    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"]


def test_failed_logins_are_throttled(council):
    user = staff_user(council, "admin")
    client = Client()
    for _ in range(5):
        client.post(reverse("account_login"), {"login": user.email, "password": "wrong-password-1"})
    response = client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    assert response.status_code in (200, 429)
    assert "_auth_user_id" not in client.session
    assert "mfa_authenticate" not in response.get("Location", "")
