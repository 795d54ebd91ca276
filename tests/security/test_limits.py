"""Limits that refuse a request say so, in the same words whether the address is known or not;
and they hold when the requests come all at once."""

from __future__ import annotations

import re
import threading

import pytest
from django.db import connection, connections
from django.test import Client

from civicpanel.common.ratelimit import rate_limit_hit
from civicpanel.members import services
from civicpanel.members.models import Member
from tests.factories import MemberFactory
from tests.members.test_signup import signup_data

pytestmark = pytest.mark.django_db

PER_ADDRESS = "Several links have already been asked for this e-mail address in the last hour."


def _visible(response) -> str:
    html = response.content.decode()
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)


@pytest.mark.parametrize("form", ["login", "signup"])
def test_a_link_request_over_the_limit_says_so_for_known_and_unknown_addresses(form, council, mailoutbox):
    MemberFactory(council=council, email="known@example.org")
    answers = {}
    for email in ("known@example.org", "unknown@example.org"):
        client = Client(HTTP_HOST=f"{council.slug}.localhost", HTTP_ACCEPT_LANGUAGE="en")
        post = (lambda: client.post("/me/login/", {"email": email})) if form == "login" else (
            lambda: client.post("/join/", signup_data(council, email=email)))
        statuses = [post().status_code for _ in range(services.MAILS_PER_ADDRESS)]
        assert statuses == [302] * services.MAILS_PER_ADDRESS
        refused = post()
        assert refused.status_code == 429 and PER_ADDRESS in refused.content.decode()
        answers[email] = _visible(refused)
    assert answers["known@example.org"] == answers["unknown@example.org"]
    assert len([m for m in mailoutbox if m.to == ["known@example.org"]]) <= services.MAILS_PER_ADDRESS


def test_the_limit_counts_exactly(settings):
    assert [rate_limit_hit(scope="t", key="k", limit=3, window=60) for _ in range(5)] == [False, False, False,
                                                                                        True, True]
    assert rate_limit_hit(scope="t", key="other", limit=3, window=60) is False


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_twelve_signups_at_once_from_one_address_let_ten_through(council, settings):
    """With the database cache of a production install: counting with get-and-set let 12 of 12
    parallel sign-ups through a limit of 10."""
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: SQLite serialises writers anyway")
    from django.core.management import call_command

    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache",
                                   "LOCATION": "civicpanel_cache_test"}}
    call_command("createcachetable", verbosity=0)
    try:
        barrier = threading.Barrier(12)
        statuses: list[int] = []

        def sign_up(number: int):
            try:
                client = Client(HTTP_HOST=f"{council.slug}.localhost", REMOTE_ADDR="192.0.2.50")
                data = signup_data(council, email=f"parallel{number}@example.org")
                barrier.wait()
                statuses.append(client.post("/join/", data).status_code)
            finally:
                connections.close_all()

        threads = [threading.Thread(target=sign_up, args=(n,)) for n in range(12)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert sorted(statuses) == [302] * services.SIGNUP_LIMIT_PER_IP + [429] * 2
        addresses = [m.email for m in Member.objects.filter(council=council)]  # encrypted: compare decrypted
        assert sum(1 for a in addresses if a and a.startswith("parallel")) == 10
    finally:
        settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
        with connection.cursor() as cursor:
            cursor.execute("DROP TABLE IF EXISTS civicpanel_cache_test")
