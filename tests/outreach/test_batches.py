"""A wave sent in batches: every member gets one e-mail, each row ends in the right state, one
refused address fails alone, and a worker killed in mid-batch leaves at most the e-mail it was
sending to be sent again."""

from __future__ import annotations

import dataclasses
import datetime
from collections import Counter

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from civicpanel.members.models import Member
from civicpanel.outreach import registry, sending
from civicpanel.outreach.models import Delivery
from civicpanel.outreach.services import mailing_create
from tests.outreach.factories import members

pytestmark = pytest.mark.django_db


def wave(council, people, **kwargs):
    # Not sent on commit (the test's transaction never commits): each test runs the worker itself.
    return mailing_create(council=council, actor=None, message_type="test_invitation",
                          member_ids=[m.pk for m in people], extra_context={"survey_title": "Trafik"},
                          reference_ids={m.pk: m.pk for m in people}, **kwargs)


def message_ids_by_address(smtp_server) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for message in smtp_server.parsed():
        found.setdefault(message["To"], []).append(message["Message-ID"])
    return found


def test_batches_reach_everyone_once_and_record_each_email(council, smtp_server):
    people = members(council, 23)
    mailing = wave(council, people)
    report = sending.send_mailing_now(mailing.pk, batch_size=5)
    assert report.sent == 23
    received = message_ids_by_address(smtp_server)
    assert sorted(received) == sorted(p.email for p in people)
    assert all(len(ids) == 1 for ids in received.values())
    for delivery in Delivery.objects.filter(mailing=mailing).select_related("member"):
        # The row names the very e-mail the member received, and no claim is left on it.
        assert delivery.state == "sent" and delivery.attempts == 1
        assert delivery.message_id == received[delivery.member.email][0]
        assert delivery.sent_at is not None and not delivery.claim_token and delivery.claimed_until is None
    assert sending.send_mailing_now(mailing.pk, batch_size=5).sent == 0  # nothing left to send


def test_a_refused_address_fails_alone_and_the_rest_of_its_batch_goes_out(council, smtp_server):
    people = members(council, 6)
    gone, busy = people[2], people[3]
    smtp_server.refuse[gone.email] = "550 5.1.1 no such user"
    smtp_server.refuse[busy.email] = "451 4.7.1 try again later"
    mailing = wave(council, people)
    report = sending.send_mailing_now(mailing.pk, batch_size=6)
    assert (report.sent, report.failed, report.retry) == (4, 1, 1)
    assert sorted(smtp_server.recipients()) == sorted(p.email for p in people if p not in (gone, busy))
    rows = {d.member_id: d for d in Delivery.objects.filter(mailing=mailing)}
    assert rows[gone.pk].state == "failed" and "550" in rows[gone.pk].last_error
    assert rows[busy.pk].state == "queued" and rows[busy.pk].next_attempt_at is not None
    # The e-mails just before and after the refused ones are recorded as sent.
    assert all(rows[p.pk].state == "sent" and rows[p.pk].message_id for p in people if p not in (gone, busy))
    assert Member.objects.get(pk=gone.pk).email_bounced
    assert not Member.objects.get(pk=busy.pk).email_bounced


class Killed(BaseException):
    """Stands for the worker process dying: nothing in the worker catches it."""


def test_a_worker_killed_in_mid_batch_leaves_only_the_email_in_flight_to_go_again(council, smtp_server,
                                                                               monkeypatch):
    people = members(council, 12)
    mailing = wave(council, people)
    real_deliver = sending._deliver
    handed_over: list[str] = []

    def deliver(mailer, **kwargs):
        # Every e-mail the server accepted before this one is recorded as sent, and only this
        # one is `sending`: a kill at any point leaves at most one e-mail unrecorded.
        states = Counter(Delivery.objects.filter(mailing=mailing).values_list("state", flat=True))
        assert states["sent"] == len(handed_over) and states["sending"] == 1
        message_id = real_deliver(mailer, **kwargs)
        handed_over.append(kwargs["to"])
        if len(handed_over) == 7:
            raise Killed  # the server has the 7th e-mail; the worker dies before recording it
        return message_id

    monkeypatch.setattr(sending, "_deliver", deliver)
    with pytest.raises(Killed):
        sending.send_mailing_now(mailing.pk, batch_size=10)
    states = Counter(Delivery.objects.filter(mailing=mailing).values_list("state", flat=True))
    assert states == {"sent": 6, "sending": 1, "queued": 5}
    # Another run takes the rows over once the dead worker's lease has ended.
    Delivery.objects.filter(mailing=mailing).update(claimed_until=timezone.now() - datetime.timedelta(seconds=1))
    handed_over.clear()
    monkeypatch.setattr(sending, "_deliver", real_deliver)
    assert sending.send_mailing_now(mailing.pk, batch_size=10).sent == 6
    received = Counter(smtp_server.recipients())
    assert set(received) == {p.email for p in people}
    assert sum(count - 1 for count in received.values()) == 1  # the e-mail in flight, once
    assert set(Delivery.objects.filter(mailing=mailing).values_list("state", flat=True)) == {"sent"}


def test_a_row_whose_lease_ran_out_mid_batch_is_left_to_the_next_claim(council, mailoutbox, monkeypatch):
    """A slow worker does not send a row its lease no longer covers (another worker may have
    it by now); the row is claimed again and sent once."""
    people = members(council, 4)
    mailing = wave(council, people)
    late = Delivery.objects.filter(mailing=mailing).order_by("id")[2]
    original = registry._TYPES["test_invitation"]
    expired = []

    def provider(delivery):
        if not expired:  # while the first e-mail is built, the lease of the third one ends
            expired.append(Delivery.objects.filter(pk=late.pk).update(
                claimed_until=timezone.now() - datetime.timedelta(seconds=1)))
        return {"link": "https://example.test/s/x/"}

    monkeypatch.setitem(registry._TYPES, "test_invitation", dataclasses.replace(original, context_provider=provider))
    report = sending.send_mailing_now(mailing.pk, batch_size=4)
    assert report.sent == 4
    assert sorted(m.to[0] for m in mailoutbox) == sorted(p.email for p in people)
    assert Delivery.objects.get(pk=late.pk).attempts == 1


def test_each_email_costs_one_statement_and_the_batch_is_read_at_once(council, mailoutbox, monkeypatch):
    """The message type's prefetch reads a whole batch's references in one query; what is left
    per e-mail is the statement that records it."""
    original = registry._TYPES["test_invitation"]
    prefetched_batches = []

    def prefetch(deliveries):
        prefetched_batches.append(len(deliveries))
        return {d.pk: f"https://example.test/s/{d.reference_id}/" for d in deliveries}

    def provider(delivery):
        return {"link": delivery.prefetched}

    monkeypatch.setitem(registry._TYPES, "test_invitation",
                        dataclasses.replace(original, context_provider=provider, prefetch=prefetch))

    def statements(count: int) -> int:
        mailing = wave(council, members(council, count))
        with CaptureQueriesContext(connection) as queries:
            assert sending.send_mailing_now(mailing.pk, batch_size=100).sent == count
        return len(queries)

    small, large = statements(5), statements(25)
    assert large - small == 20
    assert prefetched_batches == [5, 25]
    people = {m.to[0]: m for m in mailoutbox}
    for delivery in Delivery.objects.filter(state="sent").select_related("member"):
        assert f"https://example.test/s/{delivery.reference_id}/" in people[delivery.member.email].body


def test_a_slow_batch_stays_with_its_worker(council, mailoutbox, monkeypatch, settings):
    """A batch that takes longer than the lease (a slow relay) keeps its lease: a second worker
    finds nothing to claim, and every e-mail goes out once. The clock is simulated."""
    settings.CIVICPANEL_MAIL_LEASE_SECONDS = 10
    people = members(council, 6)
    mailing = wave(council, people)
    start = timezone.now()
    clock = {"now": start}
    monkeypatch.setattr(timezone, "now", lambda: clock["now"])
    original = registry._TYPES["test_invitation"]
    second_worker_claims = []

    def provider(delivery):
        clock["now"] += datetime.timedelta(seconds=4)  # each e-mail takes 4 s: 24 s for the batch
        second_worker_claims.extend(sending._claim(mailing.pk, "another-worker", 10))
        return {"link": "https://example.test/s/x/"}

    monkeypatch.setitem(registry._TYPES, "test_invitation", dataclasses.replace(original, context_provider=provider))
    report = sending.send_mailing_now(mailing.pk, batch_size=6)
    assert clock["now"] - start >= datetime.timedelta(seconds=24)
    assert report.sent == 6 and second_worker_claims == []
    assert sorted(m.to[0] for m in mailoutbox) == sorted(p.email for p in people)
