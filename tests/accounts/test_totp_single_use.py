"""Staff TOTP (B1): a 30 s step, one step of tolerance either side, each code good for one login,
and a password reset that ends without a login: every staff route still asks for the second factor.
The TOTP clock is fixed (allauth's module reads time.time()), nothing sleeps."""

from __future__ import annotations

import re
from types import SimpleNamespace

import pytest
from allauth.mfa.totp.internal import auth as totp
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from tests.factories import staff_user, totp_secret
from tests.security.route_matrix import MATRIX
from tests.security.world import build_world, concrete, url_table

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"
# 12:00:15 UTC: the middle of a 30 s step.
NOW = 1_796_472_015.0


@pytest.fixture
def clock(monkeypatch):
    """The TOTP clock, set to NOW; move it with clock.now = ..."""
    state = SimpleNamespace(now=NOW)
    monkeypatch.setattr(totp, "time", SimpleNamespace(time=lambda: state.now))
    cache.clear()
    return state


def code_at(user, seconds: float) -> str:
    return totp.format_hotp_value(totp.hotp_value(totp_secret(user), int(seconds) // 30))


def second_step(council, user, code: str) -> Client:
    client = Client(HTTP_HOST=f"{council.slug}.localhost")
    response = client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    assert response["Location"] == reverse("mfa_authenticate")
    client.last = client.post(reverse("mfa_authenticate"), {"code": code})
    return client


def logged_in(client: Client) -> bool:
    return client.get("/staff/").status_code == 200


def test_the_step_and_tolerance_are_set_explicitly(settings):
    assert settings.MFA_TOTP_PERIOD == 30
    assert settings.MFA_TOTP_TOLERANCE == 1
    assert "SingleUse" in settings.MFA_FORMS["authenticate"]
    assert "SingleUse" in settings.MFA_FORMS["reauthenticate"]


def test_a_code_opens_one_login_and_is_refused_when_replayed(council, clock):
    user = staff_user(council, "admin")
    code = code_at(user, NOW)
    assert logged_in(second_step(council, user, code))
    replay = second_step(council, user, code)
    assert replay.last.status_code == 200  # the form again, with its error
    assert not logged_in(replay)
    assert "_auth_user_id" not in replay.session


def test_a_code_is_refused_again_after_allauths_own_memory_of_it_lapses(council, clock):
    # allauth keeps a used code in the cache for one period only; with the tolerance the code
    # itself is valid 30 s longer. Replayed 40 s later it must still fail.
    user = staff_user(council, "admin")
    code = code_at(user, NOW)
    assert logged_in(second_step(council, user, code))
    clock.now = NOW + 40
    cache.clear()  # also a cache that was emptied or lost (restart, eviction) does not help
    assert not logged_in(second_step(council, user, code))


def test_an_older_code_is_refused_after_a_newer_one_was_used(council, clock):
    user = staff_user(council, "admin")
    assert logged_in(second_step(council, user, code_at(user, NOW + 30)))  # the phone runs one step ahead
    assert not logged_in(second_step(council, user, code_at(user, NOW)))  # still within tolerance, but older
    clock.now = NOW + 60
    assert logged_in(second_step(council, user, code_at(user, NOW + 60)))  # a new step opens a new login


@pytest.mark.parametrize(("offset", "accepted"), [(-60, False), (-30, True), (0, True), (30, True), (60, False)])
def test_one_step_either_side_is_accepted_and_two_are_not(council, clock, offset, accepted):
    user = staff_user(council, "admin")
    client = second_step(council, user, code_at(user, NOW + offset))
    assert logged_in(client) is accepted


def test_the_reauthentication_code_is_single_use_too(council, clock):
    user = staff_user(council, "admin")
    client = second_step(council, user, code_at(user, NOW))
    assert logged_in(client)
    clock.now = NOW + 30
    code = code_at(user, clock.now)
    assert client.post(reverse("mfa_reauthenticate"), {"code": code}).status_code == 302
    again = client.post(reverse("mfa_reauthenticate"), {"code": code})
    assert again.status_code == 200
    assert again.context["form"].errors


def _staff_urls(council):
    world = build_world(council)
    urls = []
    for route, name, _callback in url_table():
        if set(MATRIX[name]) <= set("AMN"):
            url = concrete(route, name, world)
            if url is not None:
                urls.append(url)
    assert len(urls) > 50
    return urls


def _reset_password_to_the_end(council, user, mailoutbox) -> Client:
    client = Client(HTTP_HOST=f"{council.slug}.localhost")
    assert client.post(reverse("account_reset_password"), {"email": user.email}).status_code == 302
    link = re.search(r"https?://[^/\s]+(/accounts/password/reset/key/\S+/)", mailoutbox[-1].body).group(1)
    form_url = client.get(link)["Location"]
    new = "a brand new long passphrase 7"
    done = client.post(form_url, {"password1": new, "password2": new})
    assert done.status_code == 302
    user.refresh_from_db()
    assert user.check_password(new)  # the reset really went through
    client.done = done
    return client


@pytest.mark.parametrize("login_on_reset", [False, True])
def test_a_password_reset_followed_to_the_end_does_not_skip_the_second_factor(
        council, clock, settings, mailoutbox, login_on_reset):
    settings.ACCOUNT_LOGIN_ON_PASSWORD_RESET = login_on_reset
    user = staff_user(council, "admin")
    urls = _staff_urls(council)
    client = _reset_password_to_the_end(council, user, mailoutbox)
    if login_on_reset:
        # allauth's login after a reset goes through the same stages: the code is asked next.
        assert client.done["Location"] == reverse("mfa_authenticate")
    assert "_auth_user_id" not in client.session
    for url in urls:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("account_login")), url
    # The new password leads to the code step, and only the code opens the staff pages.
    login = Client(HTTP_HOST=f"{council.slug}.localhost")
    response = login.post(reverse("account_login"), {"login": user.email, "password": "a brand new long passphrase 7"})
    assert response["Location"] == reverse("mfa_authenticate")
    assert login.get(urls[0]).status_code == 302
    assert login.post(reverse("mfa_authenticate"), {"code": code_at(user, NOW)}).status_code == 302
    assert login.get("/staff/").status_code == 200
