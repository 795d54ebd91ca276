"""Sending a wave: what members receive, who is skipped, and that nothing goes out twice."""

from __future__ import annotations

import dataclasses
import datetime

import pytest
from django.test import override_settings
from django.utils import timezone

from civicpanel.audit.models import AuditEvent
from civicpanel.members.models import Member
from civicpanel.outreach import registry, sending
from civicpanel.outreach.models import Delivery, Mailing
from civicpanel.outreach.services import mailing_cancel, mailing_create, message_template_save
from tests.outreach.factories import members

pytestmark = pytest.mark.django_db


def create(council, people, *, actor=None, **kwargs) -> Mailing:
    kwargs.setdefault("message_type", "test_invitation")
    kwargs.setdefault("extra_context", {"survey_title": "Trafik i Valby"})
    kwargs.setdefault("reference_ids", {m.pk: 1000 + m.pk for m in people})
    return mailing_create(council=council, actor=actor, member_ids=[m.pk for m in people], **kwargs)


def states(mailing) -> dict[str, int]:
    counts: dict[str, int] = {}
    for state in Delivery.objects.filter(mailing=mailing).values_list("state", flat=True):
        counts[state] = counts.get(state, 0) + 1
    return counts


def test_a_wave_reaches_every_member_once_with_their_own_link(council, mailoutbox,
                                                              django_capture_on_commit_callbacks):
    people = members(council, 3)
    with django_capture_on_commit_callbacks(execute=True):
        mailing = create(council, people, reference="survey:1:invite")
    assert sorted(m.to[0] for m in mailoutbox) == sorted(p.email for p in people)
    by_address = {m.to[0]: m for m in mailoutbox}
    for person in people:
        message = by_address[person.email]
        assert message.subject == "Ny undersøgelse: Trafik i Valby"  # the member's language (da)
        assert f"Kære {person.name}" in message.body
        assert f"https://example.test/s/{1000 + person.pk}/" in message.body
        assert council.name in message.body
    assert states(mailing) == {"sent": 3}
    delivery = Delivery.objects.get(mailing=mailing, member=people[0])
    assert delivery.reference_id == 1000 + people[0].pk
    assert delivery.sent_at is not None and delivery.message_id.startswith("<")
    event = AuditEvent.objects.get(action="mailing.create")
    assert sorted(event.member_ids) == sorted(p.pk for p in people)


def test_member_language_and_council_text_are_used(council, mailoutbox, django_capture_on_commit_callbacks):
    english = members(council, 1, language="en")[0]
    message_template_save(council=council, actor=None, key="test_invitation", language="en",
                          subject="Your voice on {{ survey_title }}", body="Hello {{ member_name }}: {{ link }}")
    with django_capture_on_commit_callbacks(execute=True):
        create(council, [english])
    assert mailoutbox[0].subject == "Your voice on Trafik i Valby"
    assert mailoutbox[0].body.startswith(f"Hello {english.name}: https://example.test/s/")
    assert mailoutbox[0].content_subtype == "plain"


def test_list_unsubscribe_headers_on_bulk_mail_not_on_transactional(council, mailoutbox,
                                                                     django_capture_on_commit_callbacks):
    person = members(council, 1)[0]
    with django_capture_on_commit_callbacks(execute=True):
        create(council, [person])
        create(council, [person], message_type="test_login", extra_context={})
    invitation, login = mailoutbox
    header = invitation.extra_headers["List-Unsubscribe"]
    assert header.startswith("<http://valby.localhost:8000/o/unsubscribe/")
    assert "<mailto:panel@example.org?subject=unsubscribe>" in header
    assert invitation.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    url = header[1:header.index(">")]
    assert url in invitation.body  # {{ unsubscribe_url }} is the same link
    assert "List-Unsubscribe" not in login.extra_headers
    # The link itself is not stored: only a salt and the hash.
    delivery = Delivery.objects.get(mailing__message_type="test_invitation")
    token = url.rstrip("/").rsplit("/", 1)[1]
    assert token not in (delivery.unsubscribe_salt, delivery.unsubscribe_hash)


def test_sending_the_same_wave_again_sends_nothing_new(council, mailoutbox, django_capture_on_commit_callbacks):
    people = members(council, 4)
    with django_capture_on_commit_callbacks(execute=True):
        mailing = create(council, people)
    assert len(mailoutbox) == 4
    report = sending.send_mailing_now(mailing.pk)
    assert report.sent == 0 and len(mailoutbox) == 4
    assert states(mailing) == {"sent": 4}


def test_unsubscribe_between_two_batches_stops_the_later_batch(council, mailoutbox, monkeypatch):
    people = members(council, 4)
    mailing = create(council, people)
    late = people[3]
    seen = []

    def provider(delivery):
        seen.append(delivery.member_id)
        if delivery.member_id == people[1].pk:  # end of the first batch: the member unsubscribes
            Member.objects.filter(pk=late.pk).update(wants_surveys=False)
        return {"link": "https://example.test/s/x/"}

    original = registry._TYPES["test_invitation"]
    monkeypatch.setitem(registry._TYPES, "test_invitation", dataclasses.replace(original, context_provider=provider))
    report = sending.send_mailing_now(mailing.pk, batch_size=2)
    assert report.sent == 3 and report.skipped == 1
    assert late.email not in [m.to[0] for m in mailoutbox]
    skipped = Delivery.objects.get(mailing=mailing, member=late)
    assert (skipped.state, skipped.skip_reason) == ("skipped", "unsubscribed")


def test_members_who_cannot_get_mail_are_skipped_with_the_reason(council, mailoutbox,
                                                                django_capture_on_commit_callbacks):
    ok, bounced, paused, pending, left, no_surveys = members(council, 6)
    Member.objects.filter(pk=bounced.pk).update(email_bounced=True)
    Member.objects.filter(pk=paused.pk).update(status="paused")
    Member.objects.filter(pk=pending.pk).update(status="pending")
    Member.objects.filter(pk=left.pk).update(status="left", email=None)
    Member.objects.filter(pk=no_surveys.pk).update(wants_surveys=False)
    with django_capture_on_commit_callbacks(execute=True):
        mailing = create(council, [ok, bounced, paused, pending, left, no_surveys])
    assert [m.to[0] for m in mailoutbox] == [ok.email]
    reasons = dict(Delivery.objects.filter(mailing=mailing, state="skipped").values_list("member_id", "skip_reason"))
    assert reasons == {bounced.pk: "bounced", paused.pk: "paused", pending.pk: "pending", left.pk: "left",
                       no_surveys.pk: "unsubscribed"}


def test_transactional_mail_ignores_preferences_but_not_bounces(council, mailoutbox,
                                                                django_capture_on_commit_callbacks):
    no_surveys, bounced = members(council, 2)
    Member.objects.filter(pk=no_surveys.pk).update(wants_surveys=False, status="pending")
    Member.objects.filter(pk=bounced.pk).update(email_bounced=True)
    with django_capture_on_commit_callbacks(execute=True):
        create(council, [no_surveys, bounced], message_type="test_login", extra_context={})
    assert [m.to[0] for m in mailoutbox] == [no_surveys.email]


def test_members_of_another_council_cannot_be_mailed(council, other_council):
    stranger = members(other_council, 1)[0]
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        create(council, [stranger])
    assert not Mailing.objects.exists()


def test_a_member_listed_twice_gets_one_email(council, mailoutbox, django_capture_on_commit_callbacks):
    person = members(council, 1)[0]
    with django_capture_on_commit_callbacks(execute=True):
        mailing_create(council=council, actor=None, message_type="test_invitation",
                       member_ids=[person.pk, person.pk], extra_context={"survey_title": "x"})
    assert len(mailoutbox) == 1


def test_cancel_stops_what_is_not_sent(council, mailoutbox, staff_client):
    people = members(council, 3)
    mailing = create(council, people)
    actor = staff_client("manager").user
    mailing_cancel(council=council, actor=actor, mailing=mailing)
    sending.send_mailing_now(mailing.pk)
    assert mailoutbox == []
    assert states(mailing) == {"cancelled": 3}
    assert AuditEvent.objects.filter(action="mailing.cancel", object_id=str(mailing.pk)).exists()


def test_permanent_refusal_marks_the_member_bounced_and_stops_further_mail(council, smtp_server,
                                                                          django_capture_on_commit_callbacks):
    good, gone = members(council, 2)
    smtp_server.refuse[gone.email] = "550 5.1.1 <" + gone.email + ">: no such user"
    with django_capture_on_commit_callbacks(execute=True):
        first = create(council, [good, gone])
    assert smtp_server.recipients() == [good.email]
    failed = Delivery.objects.get(mailing=first, member=gone)
    assert failed.state == "failed"
    assert gone.email not in failed.last_error and "550" in failed.last_error
    gone.refresh_from_db()
    assert gone.email_bounced is True
    assert AuditEvent.objects.filter(action="member.bounced", member_ids=[gone.pk]).exists()
    # The next wave does not even try the address.
    with django_capture_on_commit_callbacks(execute=True):
        second = create(council, [good, gone])
    assert smtp_server.recipients() == [good.email, good.email]
    skipped = Delivery.objects.get(mailing=second, member=gone)
    assert (skipped.state, skipped.skip_reason) == ("skipped", "bounced")


def test_temporary_refusal_is_retried_later_with_backoff(council, smtp_server):
    person = members(council, 1)[0]
    smtp_server.refuse[person.email] = "451 4.7.1 try again later"
    mailing = create(council, [person])
    before = timezone.now()
    report = sending.send_mailing_now(mailing.pk)
    assert report.retry == 1
    delivery = Delivery.objects.get(mailing=mailing)
    assert delivery.state == "queued" and delivery.attempts == 1
    assert delivery.next_attempt_at >= before + datetime.timedelta(seconds=sending.RETRY_BASE_SECONDS)
    # Not due yet: another run leaves it alone.
    assert sending.send_mailing_now(mailing.pk).retry == 0
    # Once due and accepted, it is sent; the member is not marked bounced.
    del smtp_server.refuse[person.email]
    Delivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now())
    assert sending.send_mailing_now(mailing.pk).sent == 1
    person.refresh_from_db()
    assert not person.email_bounced and smtp_server.recipients() == [person.email]


def test_temporary_failures_end_after_the_last_attempt(council, smtp_server):
    person = members(council, 1)[0]
    smtp_server.refuse[person.email] = "421 4.3.2 busy"
    mailing = create(council, [person])
    for _attempt in range(sending.MAX_ATTEMPTS):
        Delivery.objects.filter(mailing=mailing).update(next_attempt_at=None)
        sending.send_mailing_now(mailing.pk)
    delivery = Delivery.objects.get(mailing=mailing)
    assert (delivery.state, delivery.attempts) == ("failed", sending.MAX_ATTEMPTS)


def test_unreachable_server_keeps_the_wave_for_later(council, settings):
    people = members(council, 3)
    from tests.outreach.conftest import free_port

    settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.smtp.EmailBackend",
                                    "OPTIONS": {"host": "127.0.0.1", "port": free_port(), "timeout": 2}}}
    mailing = create(council, people)
    report = sending.send_mailing_now(mailing.pk)
    assert report.sent == 0 and report.failed == 0
    rows = list(Delivery.objects.filter(mailing=mailing))
    assert all(row.state == "queued" and row.next_attempt_at and not row.claim_token for row in rows)
    assert [row.attempts for row in rows] == [0, 0, 0]  # the server never answered: no attempt used up


def test_crashed_run_is_resent_but_sent_rows_never(council, mailoutbox):
    """A worker killed after committing `sending`: the row is sent again once its lease ends."""
    people = members(council, 3)
    mailing = create(council, people)
    first, second, third = Delivery.objects.filter(mailing=mailing).order_by("id")
    Delivery.objects.filter(pk=first.pk).update(state="sent", sent_at=timezone.now())
    expired = timezone.now() - datetime.timedelta(seconds=1)
    Delivery.objects.filter(pk=second.pk).update(state="sending", attempts=1, claim_token="dead",
                                                 claimed_until=expired)
    leased = timezone.now() + datetime.timedelta(minutes=5)
    Delivery.objects.filter(pk=third.pk).update(claim_token="alive", claimed_until=leased)
    sending.send_mailing_now(mailing.pk)
    # The sent one is not sent again; the crashed one is; the one another worker holds is left alone.
    assert [m.to[0] for m in mailoutbox] == [Member.objects.get(pk=second.member_id).email]
    assert states(mailing) == {"sent": 2, "queued": 1}
    assert sending.next_run_at(Mailing.objects.get(pk=mailing.pk)) == leased


def test_scheduled_wave_is_queued_for_its_time(council, django_capture_on_commit_callbacks):
    from django_tasks_db.models import DBTaskResult

    person = members(council, 1)[0]
    when = timezone.now() + datetime.timedelta(hours=2)
    tasks = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default", "mail"]}}
    with override_settings(TASKS=tasks), django_capture_on_commit_callbacks(execute=True):
        mailing = create(council, [person], send_at=when)
    queued = DBTaskResult.objects.get()
    assert queued.queue_name == "mail" and queued.run_after == when
    assert queued.args_kwargs["args"] == [mailing.pk]
    # Run early by mistake: it sends nothing and does not queue a second run.
    with override_settings(TASKS=tasks):
        assert sending.send_mailing_now(mailing.pk).sent == 0
    assert DBTaskResult.objects.count() == 1


def test_resume_command_requeues_an_unfinished_wave(council):
    from django.core.management import call_command
    from django_tasks_db.models import DBTaskResult

    people = members(council, 2)
    mailing = create(council, people)  # on_commit never ran: as if the queued run was lost
    tasks = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default", "mail"]}}
    with override_settings(TASKS=tasks):
        call_command("mailings_resume")
        call_command("mailings_resume")  # already waiting: not queued twice
    assert [row.args_kwargs["args"] for row in DBTaskResult.objects.all()] == [[mailing.pk]]


def test_erasure_leaves_no_trace_of_the_email(council, mailoutbox, django_capture_on_commit_callbacks):
    from civicpanel.outreach.services import member_outreach_erase

    person, other = members(council, 2)
    with django_capture_on_commit_callbacks(execute=True):
        create(council, [person, other])
    waiting = create(council, [person])
    member_outreach_erase(person)
    rows = Delivery.objects.filter(member=person)
    assert all(not row.message_id and not row.unsubscribe_hash and not row.last_error for row in rows)
    assert rows.get(mailing=waiting).state == "cancelled"
    assert Delivery.objects.get(member=other).message_id


def test_an_address_no_server_can_take_fails_alone_and_the_wave_goes_on(council, smtp_server,
                                                                      django_capture_on_commit_callbacks):
    good, odd = members(council, 2)
    Member.objects.filter(pk=odd.pk).update(email="sofie.jørgensen@example.dk")
    with django_capture_on_commit_callbacks(execute=True):
        mailing = create(council, [good, odd])
    assert smtp_server.recipients() == [good.email]
    assert states(mailing) == {"sent": 1, "failed": 1}
    assert "jørgensen" not in Delivery.objects.get(mailing=mailing, member=odd).last_error


def test_a_long_wave_gives_its_worker_back_after_its_time_and_continues_behind_the_queue(
        council, mailoutbox, monkeypatch, django_capture_on_commit_callbacks):
    """A run stops after a batch once its time is up and queues its continuation behind what was
    queued meanwhile (another council's wave, a survey wave to prepare); nothing is lost or sent
    twice across the runs."""
    from django_tasks_db.models import DBTaskResult

    people = members(council, 12)
    mailing = create(council, people)  # its first run is started by hand below
    monkeypatch.setattr(sending, "RUN_SECONDS", 0)  # every run's time is up after its first batch
    tasks = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default", "mail"]}}
    with override_settings(TASKS=tasks):
        with django_capture_on_commit_callbacks(execute=True):
            waiting = create(council, members(council, 1))  # queued while the long wave is sent
        assert sending.send_mailing_now(mailing.pk, batch_size=5).sent == 5
        queue = [row.args_kwargs["args"] for row in DBTaskResult.objects.ready().order_by(
            *DBTaskResult._meta.ordering)]
        assert queue == [[waiting.pk], [mailing.pk]]
    # The continuation, whose own continuations the test settings run at once: the rest, once each.
    sending.send_mailing_now(mailing.pk, batch_size=5)
    assert states(mailing) == {"sent": 12}
    to = [m.to[0] for m in mailoutbox]
    assert sorted(to) == sorted(p.email for p in people)
