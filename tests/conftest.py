"""Shared fixtures.

On PostgreSQL runs (CIVICPANEL_DB_TESTS_ONLY=1) only tests that use the database run,
since the pure-method tests do not depend on it; the browser walks and the page walks marked
`same_on_every_database` (headers, roles, CSRF) run on SQLite only (they check pages, which the
database does not change, and the same paths run on PostgreSQL through the other tests).
"""

from __future__ import annotations

import os
import shutil
import time

import pytest
from django.test import Client

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]

DB_FIXTURES = {"db", "transactional_db", "client", "live_server", "council", "staff_client"}


def pytest_collection_modifyitems(config, items):
    # The PostgreSQL races open dozens of connections each: on one worker they run one after
    # another instead of together (with `--dist loadgroup`, as dev.py runs the suite).
    for item in items:
        if item.get_closest_marker("postgres") is not None:
            item.add_marker(pytest.mark.xdist_group("postgres-races"))
    if os.environ.get("CIVICPANEL_DB_TESTS_ONLY") != "1":
        return
    keep, drop = [], []
    for item in items:
        fixtures = set(getattr(item, "fixturenames", ()))
        uses_db = item.get_closest_marker("django_db") is not None or bool(fixtures & DB_FIXTURES)
        drives_browser = "browser" in fixtures or "page" in fixtures or "phone" in fixtures
        same_everywhere = item.get_closest_marker("same_on_every_database") is not None
        (keep if uses_db and not drives_browser and not same_everywhere else drop).append(item)
    items[:] = keep
    config.hook.pytest_deselected(items=drop)


@pytest.fixture(autouse=True)
def _isolated_media_and_cache(tmp_path, settings):
    """Uploads and the erasure ledger go to a temporary folder; rate-limit counters start empty in
    every test, and so do the councils each process keeps per host (a rolled-back council sends
    no signal)."""
    from django.core.cache import cache

    from civicpanel.tenancy.resolution import forget_councils

    settings.MEDIA_ROOT = tmp_path / "media"
    settings.CIVICPANEL_ERASURE_LEDGER = str(tmp_path / "erasure-ledger.jsonl")
    cache.clear()
    forget_councils()
    yield
    cache.clear()
    forget_councils()


@pytest.fixture
def council(db):
    from tests.factories import council_with_profile

    return council_with_profile(slug="valby", name="Valby Lokaludvalg")


@pytest.fixture
def other_council(db):
    from tests.factories import council_with_profile

    return council_with_profile(slug="bergen", name="Årstad bydel", country="NO", default_language="nb")


def login_with_second_factor(client: Client, user) -> Client:
    """Log a staff user in as if through password + TOTP (what allauth records in the session)."""
    client.force_login(user)
    session = client.session
    now = time.time()
    session["account_authentication_methods"] = [
        {"method": "password", "at": now, "email": user.email},
        {"method": "mfa", "at": now, "type": "totp"},
    ]
    session["account_authentication_methods_user"] = str(user.pk)
    session.save()
    return client


@pytest.fixture
def staff_client(db, council):
    """staff_client("admin"|"manager"|"analyst", council=...) -> a logged-in client on that
    council's host, with the second factor done."""

    def make(role: str = "admin", council=council, **kwargs) -> Client:
        from tests.factories import staff_user

        user = staff_user(council, role, **kwargs)
        client = Client(HTTP_HOST=f"{council.slug}.localhost")
        client.user = user
        return login_with_second_factor(client, user)

    return make


@pytest.fixture(scope="session")
def browser():
    """One headless Chromium for the whole run (Playwright's sync API allows one per process).

    Playwright's sync API runs an event loop in this thread; the ORM calls the tests make
    between page actions are still plain synchronous code, hence DJANGO_ALLOW_ASYNC_UNSAFE.
    """
    if CHROMIUM is None:
        pytest.skip("no Chromium installed")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()
