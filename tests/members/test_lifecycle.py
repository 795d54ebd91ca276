"""`civicpanel members_lifecycle`: renewal reminders, erasure at the end of the term, stale sign-ups."""

from __future__ import annotations

import datetime
import io

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from civicpanel.members.models import Member, MemberToken
from civicpanel.members.services import members_lifecycle_run
from civicpanel.members.tokens import token_issue
from civicpanel.panel.models import ConsentVersion
from tests.factories import MemberFactory
from tests.members.conftest import link_path

pytestmark = pytest.mark.django_db

DAY = datetime.timedelta(days=1)


def member_since(council, days_ago: int, **kwargs) -> Member:
    """An active member whose consent (and term) started `days_ago` days ago."""
    moment = timezone.now() - days_ago * DAY
    consent = ConsentVersion.objects.filter(council=council).first()
    member = MemberFactory(council=council, consent_version=consent, consent_given_at=moment,
                           confirmed_at=moment, language="en", **kwargs)
    Member.objects.filter(pk=member.pk).update(joined_at=moment)
    member.refresh_from_db()
    return member


@pytest.fixture
def run(django_capture_on_commit_callbacks):
    def run(now=None, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return members_lifecycle_run(now=now, **kwargs)
    return run


TERM_DAYS = 3 * 365  # the factories' councils have a three-year term


def test_renewal_reminder_once(council, mailoutbox, run, resident_client, django_capture_on_commit_callbacks):
    due = member_since(council, TERM_DAYS - 20, email="due@example.org")
    fresh = member_since(council, 400, email="fresh@example.org")
    report = run()
    assert report.reminded == {council.slug: 1}
    assert [m.to for m in mailoutbox] == [["due@example.org"]]
    due.refresh_from_db()
    fresh.refresh_from_db()
    assert due.renewal_reminded_at is not None and fresh.renewal_reminded_at is None
    # Idempotent: the next day's run sends nothing new.
    assert run().total == 0 and len(mailoutbox) == 1

    # The reminder holds no login link (a login link lives 15 minutes and the reminder is read
    # days later): its button opens the login page, which sends a fresh link to the consent page.
    assert not MemberToken.objects.filter(member=due).exists()
    path = link_path(mailoutbox[0])
    assert path == "/me/login/?next=%2Fme%2Fconsent%2F"
    assert "15 minutes" in mailoutbox[0].body
    with django_capture_on_commit_callbacks(execute=True):
        assert resident_client.post(path, {"email": "due@example.org"}).status_code == 302
    login = link_path(mailoutbox[-1])
    assert login.startswith("/me/login/") and login.endswith("?next=/me/consent/")
    token = MemberToken.objects.get(member=due)
    assert token.expires_at - timezone.now() <= datetime.timedelta(minutes=15)
    response = resident_client.post(login)
    assert response.status_code == 302 and response["Location"] == "/me/consent/"


def test_term_end_erases_only_after_a_reminder(council, mailoutbox, run):
    overdue = member_since(council, TERM_DAYS + 5, email="overdue@example.org", name="Olga Overdue")
    report = run()
    # Never reminded (the job did not run for a while): reminded now, not erased yet.
    assert report.reminded == {council.slug: 1} and report.anonymised == {}
    overdue.refresh_from_db()
    assert overdue.status == Member.Status.ACTIVE and overdue.email
    later = timezone.now() + 15 * DAY
    report = run(now=later)
    assert report.anonymised == {council.slug: 1}
    overdue.refresh_from_db()
    assert overdue.status == Member.Status.LEFT and overdue.email is None and overdue.name == ""
    assert run(now=later).total == 0


def test_renewed_consent_starts_a_new_term(council, run, resident_client):
    from tests.members.test_selfservice import log_in

    member = member_since(council, TERM_DAYS - 10, email="renews@example.org")
    run()
    log_in(resident_client, member)
    consent = ConsentVersion.objects.get(council=council)
    assert resident_client.post("/me/consent/", {"consent": "on", "consent_version": consent.pk}).status_code == 302
    report = run(now=timezone.now() + 40 * DAY)
    assert report.total == 0
    member.refresh_from_db()
    assert member.status == Member.Status.ACTIVE and member.email == "renews@example.org"


def test_unconfirmed_signups_are_deleted_after_30_days(council, run):
    old = member_since(council, 31, status=Member.Status.PENDING)
    recent = member_since(council, 10, status=Member.Status.PENDING)
    asked_again = member_since(council, 40, status=Member.Status.PENDING)
    token_issue(member=asked_again, purpose=MemberToken.Purpose.CONFIRM)
    report = run()
    assert report.pending_deleted == {council.slug: 1}
    assert not Member.objects.filter(pk=old.pk).exists()
    assert Member.objects.filter(pk__in=[recent.pk, asked_again.pk]).count() == 2


def test_councils_are_handled_with_their_own_term(council, other_council, run):
    other_council.panel_term_years = 1
    other_council.save()
    here = member_since(council, 340, email="here@example.org")
    there = member_since(other_council, 340, email="there@example.org")
    report = run()
    assert report.reminded == {other_council.slug: 1}
    here.refresh_from_db()
    there.refresh_from_db()
    assert here.renewal_reminded_at is None and there.renewal_reminded_at is not None


def test_command_prints_what_it_did(council, mailoutbox, django_capture_on_commit_callbacks):
    member_since(council, TERM_DAYS - 20, email="due@example.org")
    member_since(council, 45, status=Member.Status.PENDING)
    out = io.StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("members_lifecycle", stdout=out)
    assert "valby: 1 renewal reminders sent" in out.getvalue()
    assert "valby: 1 unconfirmed sign-ups deleted" in out.getvalue()
    assert len(mailoutbox) == 1
    out = io.StringIO()
    call_command("members_lifecycle", "--council", "valby", stdout=out)
    assert out.getvalue().strip() == "Nothing to do."
    with pytest.raises(CommandError):
        call_command("members_lifecycle", "--council", "nowhere")
