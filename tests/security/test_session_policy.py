"""Sessions, passwords and login limits, pinned: the production settings as they are, and the
behaviour each setting promises (Argon2, 30 minutes idle / 12 hours for staff, the __Host-
cookie, 15-minute login links, 1-hour resets, 15-minute locks, 20 logins a minute per address)."""

from __future__ import annotations

import datetime
import json
import os
import subprocess
import sys
import time

import pytest
from django.contrib.auth.hashers import check_password, make_password
from django.test import Client
from django.utils import timezone

from civicpanel.accounts.middleware import SESSION_SEEN, SESSION_STARTED
from civicpanel.members.models import MemberToken
from tests.factories import MemberFactory, staff_user
from tests.test_settings import PRODUCTION_ENV

pytestmark = pytest.mark.django_db

PINNED = {
    "PASSWORD_HASHERS": ["django.contrib.auth.hashers.Argon2PasswordHasher",
                         "django.contrib.auth.hashers.PBKDF2PasswordHasher"],
    "SESSION_COOKIE_NAME": "__Host-sessionid",
    "CSRF_COOKIE_NAME": "__Host-csrftoken",
    "SESSION_COOKIE_SECURE": True,
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "SESSION_COOKIE_DOMAIN": None,
    "SESSION_COOKIE_PATH": "/",
    "SESSION_COOKIE_AGE": 12 * 3600,
    "STAFF_SESSION_IDLE_SECONDS": 30 * 60,
    "STAFF_SESSION_MAX_SECONDS": 12 * 3600,
    "PASSWORD_RESET_TIMEOUT": 72 * 3600,
    "STAFF_PASSWORD_RESET_SECONDS": 3600,
    "ACCOUNT_RATE_LIMITS": {"login_failed": "5/15m/key", "reset_password": "5/h/ip,3/h/key", "login": "20/m/ip"},
}


def _settings_of(env: dict) -> dict:
    code = ("import json, django; django.setup(); from django.conf import settings; "
            "from civicpanel.members.tokens import LOGIN_LIFETIME; "
            f"names = {list(PINNED)!r}; "
            "out = {n: getattr(settings, n) for n in names}; "
            "out['LOGIN_LIFETIME'] = LOGIN_LIFETIME.total_seconds(); "
            "out['MIDDLEWARE'] = settings.MIDDLEWARE; print(json.dumps(out))")
    clean = {k: v for k, v in os.environ.items() if k not in {"CIVICPANEL_ENV", "DATABASE_URL", "SECRET_KEY"}}
    result = subprocess.run([sys.executable, "-c", code], env={**clean, **env}, capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_production_settings_are_pinned():
    values = _settings_of(PRODUCTION_ENV)
    for name, expected in PINNED.items():
        assert values[name] == expected, name
    assert values["LOGIN_LIFETIME"] == 15 * 60
    assert "civicpanel.accounts.middleware.StaffSessionTimeoutMiddleware" in values["MIDDLEWARE"]


def test_development_uses_argon2_and_the_same_limits():
    values = _settings_of({"CIVICPANEL_ENV": "development", "DJANGO_SETTINGS_MODULE": "civicpanel.config.settings"})
    assert values["PASSWORD_HASHERS"][0] == "django.contrib.auth.hashers.Argon2PasswordHasher"
    assert values["ACCOUNT_RATE_LIMITS"] == PINNED["ACCOUNT_RATE_LIMITS"]
    assert values["STAFF_SESSION_IDLE_SECONDS"] == 30 * 60
    assert values["SESSION_COOKIE_NAME"] == "sessionid"  # __Host- needs HTTPS


def test_passwords_are_hashed_with_argon2(settings):
    settings.PASSWORD_HASHERS = PINNED["PASSWORD_HASHERS"]
    encoded = make_password("correct horse battery staple")
    assert encoded.startswith("argon2$argon2id$")
    assert check_password("correct horse battery staple", encoded)


# --- Staff sessions -------------------------------------------------------------------------------

def _age_session(client, *, idle: float, age: float) -> None:
    session = client.session
    now = time.time()
    session[SESSION_STARTED] = now - age
    session[SESSION_SEEN] = now - idle
    session.save()


def test_staff_session_ends_after_30_minutes_idle(staff_client):
    client = staff_client("admin")
    assert client.get("/staff/").status_code == 200
    _age_session(client, idle=29 * 60, age=3600)
    assert client.get("/staff/").status_code == 200
    _age_session(client, idle=31 * 60, age=3600)
    response = client.get("/staff/members/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/") and "next=%2Fstaff%2Fmembers%2F" in response["Location"]
    assert "_auth_user_id" not in client.session
    assert client.get("/staff/").status_code == 302


def test_staff_session_ends_after_12_hours_even_when_busy(staff_client):
    client = staff_client("admin")
    _age_session(client, idle=10, age=12 * 3600 - 60)
    assert client.get("/staff/").status_code == 200
    _age_session(client, idle=10, age=12 * 3600 + 60)
    assert client.get("/staff/").status_code == 302
    assert "_auth_user_id" not in client.session


def test_the_idle_clock_moves_with_each_request(staff_client):
    client = staff_client("admin")
    _age_session(client, idle=20 * 60, age=3600)
    client.get("/staff/")
    assert time.time() - client.session[SESSION_SEEN] < 5


# --- Links and resets -----------------------------------------------------------------------------

def test_a_residents_login_link_lasts_15_minutes(council, mailoutbox):
    MemberFactory(council=council, email="bo@example.org")
    client = Client(HTTP_HOST=f"{council.slug}.localhost")
    client.post("/me/login/", {"email": "bo@example.org"})
    token = MemberToken.objects.get(purpose=MemberToken.Purpose.LOGIN)
    lifetime = token.expires_at - timezone.now()
    assert datetime.timedelta(minutes=14) < lifetime <= datetime.timedelta(minutes=15)


def _token_made_ago(user, seconds: int) -> str:
    from allauth.account.forms import default_token_generator

    generator = default_token_generator
    real_now = generator._now
    generator._now = lambda: real_now() - datetime.timedelta(seconds=seconds)
    try:
        return generator.make_token(user)
    finally:
        generator._now = real_now


def test_a_staff_password_reset_lasts_one_hour_and_an_invitation_72_hours(council):
    from allauth.account.forms import default_token_generator

    user = staff_user(council, "admin")  # has a password: a reset
    assert default_token_generator.check_token(user, _token_made_ago(user, 59 * 60))
    assert not default_token_generator.check_token(user, _token_made_ago(user, 61 * 60))
    invited = staff_user(council, "analyst")
    invited.set_unusable_password()
    invited.save()
    assert default_token_generator.check_token(invited, _token_made_ago(invited, 71 * 3600))
    assert not default_token_generator.check_token(invited, _token_made_ago(invited, 73 * 3600))


# --- Login limits ----------------------------------------------------------------------------------

def test_five_wrong_passwords_lock_the_account_for_15_minutes(council):
    user = staff_user(council, "admin", email="known@example.org")
    client = Client(REMOTE_ADDR="10.9.0.1", HTTP_ACCEPT_LANGUAGE="en")
    for _ in range(5):
        client.post("/accounts/login/", {"login": user.email, "password": "wrong-password-123"})
    # From another address too, and with the right password: locked.
    other = Client(REMOTE_ADDR="10.9.0.2", HTTP_ACCEPT_LANGUAGE="en")
    locked = other.post("/accounts/login/", {"login": user.email, "password": "correct horse battery staple"})
    assert "_auth_user_id" not in other.session
    assert "Too many failed login attempts" in locked.content.decode()
    # An unknown address reads exactly the same words.
    for _ in range(5):
        client.post("/accounts/login/", {"login": "nobody@example.org", "password": "wrong-password-123"})
    unknown = other.post("/accounts/login/", {"login": "nobody@example.org", "password": "x-wrong-password"})
    assert "Too many failed login attempts" in unknown.content.decode()


def test_twenty_logins_a_minute_per_address_then_429(council):
    client = Client(REMOTE_ADDR="10.9.1.1")
    statuses = [client.post("/accounts/login/", {"login": f"p{n}@example.org", "password": "wrong-password-1"}).status_code
                for n in range(21)]
    assert statuses[:20] == [200] * 20
    assert statuses[20] == 429
    assert Client(REMOTE_ADDR="10.9.1.2").post(
        "/accounts/login/", {"login": "q@example.org", "password": "wrong-password-1"}).status_code == 200
