"""Fixtures for the resident-facing members tests."""

from __future__ import annotations

import re

import pytest
from django.test import Client


def site_client(council, capture) -> Client:
    """A visitor on the council's site (browser set to English) whose requests run their
    on-commit work (the mail tasks) before returning, as they would after a real commit."""
    client = Client(HTTP_HOST=f"{council.slug}.localhost", HTTP_ACCEPT_LANGUAGE="en")
    original = client.request

    def request(**kwargs):
        with capture(execute=True):
            return original(**kwargs)

    client.request = request
    return client


@pytest.fixture
def resident_client(council, django_capture_on_commit_callbacks):
    """An anonymous visitor on the council's site (host valby.localhost)."""
    return site_client(council, django_capture_on_commit_callbacks)


@pytest.fixture
def site_client_for(django_capture_on_commit_callbacks):
    return lambda council: site_client(council, django_capture_on_commit_callbacks)


LINK_RE = re.compile(r"http://[\w.:-]+(/[^\s\"<>]+)")


def link_path(message) -> str:
    """The site-relative path of the (first) link in an e-mail's plain-text body."""
    match = LINK_RE.search(message.body)
    assert match, message.body
    return match.group(1)
