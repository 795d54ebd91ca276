"""The surveys tests read English texts: pages for visitors without a language preference
and service messages are in English here (the member's own language still wins on their link)."""

from __future__ import annotations

import pytest
from django.utils import translation


@pytest.fixture(autouse=True)
def _english(settings):
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield
