"""Browser tests: Playwright driving the system's Chromium against the live test server.

Skipped, with the reason, where no Chromium is installed (Debian: apt-get install chromium).
"""

from __future__ import annotations

import os

import pytest

from tests.conftest import CHROMIUM


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "tests/browser/" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.browser)
            if CHROMIUM is None:
                item.add_marker(pytest.mark.skip(reason="no Chromium installed"))


@pytest.fixture
def page(browser):
    context = browser.new_context(locale="en-GB", accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


@pytest.fixture
def phone(browser):
    """A phone-sized browser (iPhone 13 viewport, touch)."""
    context = browser.new_context(locale="da-DK", viewport={"width": 390, "height": 844},
                                  device_scale_factor=3, is_mobile=True, has_touch=True)
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()
