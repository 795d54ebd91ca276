"""A newsletter is sent once, however many times its confirmation is pressed at the same moment
(PostgreSQL row locks)."""

from __future__ import annotations

import secrets
import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections

from civicpanel.newsletters import services
from civicpanel.newsletters.models import Newsletter
from civicpanel.newsletters.selectors import confirmation_fingerprint, newsletter_languages
from civicpanel.outreach.models import Delivery, Mailing
from tests.factories import MemberFactory, staff_user


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_simultaneous_confirmations_make_one_mailing(council, settings):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: SQLite serialises writers anyway")
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend", "QUEUES": ["default", "mail"]}}
    MemberFactory.create_batch(5, council=council)
    actor = staff_user(council, "manager")
    languages = newsletter_languages(council=council)
    newsletter = services.newsletter_save(council=council, actor=actor, subject=dict.fromkeys(languages, "Nyt"),
                                          body=dict.fromkeys(languages, "Tekst"))
    fingerprint = confirmation_fingerprint(newsletter=newsletter, send_at=None)
    # Two staff members on two confirmation pages (two keys), each pressing several times.
    keys = [secrets.token_hex(16), secrets.token_hex(16)]
    barrier = threading.Barrier(10)
    refused, errors = [], []

    def press(key):
        try:
            barrier.wait()
            services.newsletter_send(council=council, actor=actor, newsletter=newsletter, send_at=None,
                                     confirmation=key, fingerprint=fingerprint)
        except ValidationError:
            refused.append(key)
        except Exception as error:  # noqa: BLE001 - collected and asserted below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=press, args=(keys[i % 2],)) for i in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert Mailing.objects.filter(council=council).count() == 1
    assert Delivery.objects.count() == 5
    sent = Newsletter.objects.get(pk=newsletter.pk)
    # The other page's presses are refused ("sent already"); the same page's repeats are not errors.
    assert set(refused) <= set(keys) - {sent.confirmation}
