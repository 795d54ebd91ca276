"""A staff member logs in with password and TOTP in a real browser."""

import time

import pytest
from allauth.mfa.totp.internal.auth import hotp_value
from playwright.sync_api import expect

from tests.factories import staff_user, totp_secret

pytestmark = pytest.mark.django_db(transaction=True)


def test_staff_logs_in_with_password_and_totp(live_server, page):
    from tests.factories import council_with_profile

    council = council_with_profile(slug="valby", name="Valby Lokaludvalg")
    user = staff_user(council, "manager")
    page.goto(f"{live_server.url}/staff/")
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password").fill("correct horse battery staple")
    page.get_by_role("button", name="Sign In").click()
    code = hotp_value(totp_secret(user), int(time.time()) // 30)
    page.get_by_label("Code").fill(f"{code:06d}")
    page.get_by_role("button", name="Sign In").click()
    page.wait_for_url(f"{live_server.url}/staff/")
    expect(page.get_by_role("heading", name="Overview")).to_be_visible()
    expect(page.get_by_role("navigation", name="Staff menu")).to_be_visible()
