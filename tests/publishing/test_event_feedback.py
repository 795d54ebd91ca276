"""What came of an event: staff write it after the last session (in the council's languages, with
a date), it shows on the event's public page and the panel site, and one confirmed action
e-mails it to those who took part, as they get it, through the outreach worker."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from civicpanel.audit.models import AuditEvent
from civicpanel.events.models import Event, Placement, Session
from civicpanel.members.models import Member
from civicpanel.outreach.models import Delivery
from civicpanel.publishing.models import Feedback
from tests.events.factories import called_volunteers, make_event, panel_with_population

pytestmark = pytest.mark.django_db


@pytest.fixture
def finished(council):
    """A workshop held two days ago: of six volunteers with a seat, three checked in, one
    confirmed (attendance not taken), one was marked absent and one declined."""
    council.languages = ["da", "en"]
    council.save(update_fields=["languages"])
    members = panel_with_population(council, size=12)
    Member.objects.filter(pk__in=[m.pk for m in members]).update(language="en")
    event = make_event(council)
    participants = called_volunteers(council, event, count=6)[:6]
    session = event.sessions.get()
    Session.objects.filter(pk=session.pk).update(starts_at=timezone.now() - timedelta(days=2))
    Event.objects.filter(pk=event.pk).update(drawn_at=timezone.now() - timedelta(days=5))
    states = [Placement.State.ATTENDED] * 3 + [Placement.State.CONFIRMED, Placement.State.NO_SHOW,
                                                Placement.State.DECLINED]
    Placement.objects.bulk_create([Placement(session=session, participant=p, outcome=Placement.Outcome.SELECTED,
                                             probability=0.5, state=state)
                                   for p, state in zip(participants, states, strict=True)])
    event.refresh_from_db()
    event.took_part = [p.member for p in participants[:4]]
    return event


def write_outcome(client, event, **extra):
    data = {"outcome_da": "Kommunen planter træer på pladsen i foråret.",
            "outcome_en": "The council plants trees on the square in spring.",
            "outcome_date": (timezone.localdate() - timedelta(days=1)).isoformat(), **extra}
    return client.post(reverse("staff:event_outcome", args=[event.pk]), data)


def test_staff_write_what_came_of_it_and_the_public_sees_it_in_their_language(council, finished, staff_client):
    manager = staff_client("manager")
    detail = manager.get(reverse("staff:event_detail", args=[finished.pk]), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Write what came of it" in detail
    assert write_outcome(manager, finished).status_code == 302
    finished.refresh_from_db()
    assert finished.outcome == {"da": "Kommunen planter træer på pladsen i foråret.",
                                "en": "The council plants trees on the square in spring."}
    event_audit = AuditEvent.objects.get(council=council, action="event.outcome")
    assert event_audit.detail["languages"] == ["da", "en"]
    visitor = Client(HTTP_HOST=f"{council.slug}.localhost")
    page = visitor.get(reverse("events:public", args=[finished.pk]), HTTP_ACCEPT_LANGUAGE="da").content.decode()
    assert "Kommunen planter træer på pladsen i foråret." in page and "Det kom der ud af" in page
    site = visitor.get(reverse("publishing:site"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "The council plants trees on the square in spring." in site
    feed = visitor.get(reverse("publishing:feed"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "The council plants trees on the square in spring." in feed
    # The staff page leads on to telling those who took part.
    detail = manager.get(reverse("staff:event_detail", args=[finished.pk]), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Tell those who took part" in detail and reverse("staff:event_feedback", args=[finished.pk]) in detail


def test_what_came_of_it_waits_for_the_last_session_and_takes_no_future_date(council, staff_client):
    manager = staff_client("manager")
    upcoming = make_event(council)
    assert manager.get(reverse("staff:event_outcome", args=[upcoming.pk])).status_code == 302
    assert write_outcome(manager, upcoming).status_code == 302
    upcoming.refresh_from_db()
    assert upcoming.outcome == {}


def test_a_future_date_or_no_text_is_refused(council, finished, staff_client):
    manager = staff_client("manager")
    future = (timezone.localdate() + timedelta(days=3)).isoformat()
    page = manager.post(reverse("staff:event_outcome", args=[finished.pk]),
                        {"outcome_da": "Noget", "outcome_en": "", "outcome_date": future}, HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200 and "The date cannot be in the future." in page.content.decode()
    page = manager.post(reverse("staff:event_outcome", args=[finished.pk]), {"outcome_da": "  ", "outcome_en": ""},
                        HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200
    finished.refresh_from_db()
    assert finished.outcome == {}


def test_confirm_shows_exactly_what_participants_get_then_sends_once(council, finished, staff_client, mailoutbox,
                                                                     django_capture_on_commit_callbacks):
    manager = staff_client("manager")
    url = reverse("staff:event_feedback", args=[finished.pk])
    # Nothing to tell before it is written.
    assert "Write what came of it first" in manager.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    write_outcome(manager, finished)
    # One of those who took part does not want news any more: left out, and said so.
    Member.objects.filter(pk=finished.took_part[0].pk).update(wants_news=False)
    page = manager.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Send “what came of it” to 3 participants?" in page
    assert "Unsubscribed from this kind of e-mail" in page.replace("unsubscribed", "Unsubscribed")
    assert "The council plants trees on the square in spring." in page and "What came of it: User test of My page" in page
    confirmation = re.search(r'name="confirmation" value="([0-9a-f]{32})"', page).group(1)
    with django_capture_on_commit_callbacks(execute=True):
        response = manager.post(url, {"confirmation": confirmation})
    assert response.status_code == 302
    feedback = Feedback.objects.get(event=finished)
    assert feedback.invited_count == 4 and feedback.survey_id is None
    # Those who took part, and no one else: not the absent, not the one who declined.
    assert set(Delivery.objects.filter(mailing=feedback.mailing).values_list("member_id", flat=True)) == {
        m.pk for m in finished.took_part}
    assert sorted(m.to[0] for m in mailoutbox) == sorted(m.email for m in finished.took_part[1:])
    mail = mailoutbox[0]
    assert mail.subject == "What came of it: User test of My page"
    assert "The council plants trees on the square in spring." in mail.body
    assert f"/events/{finished.pk}/" in mail.body and "because you took part" in mail.body
    assert mail.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert AuditEvent.objects.filter(council=council, action="event.feedback_send").count() == 1
    # A second click sends nothing more; the page now says what was sent.
    with django_capture_on_commit_callbacks(execute=True):
        manager.post(url, {"confirmation": confirmation})
    assert Feedback.objects.filter(event=finished).count() == 1 and len(mailoutbox) == 3
    sent = manager.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Took part" in sent and "3 sent" in sent


def test_event_feedback_is_in_the_members_own_data(council, finished, staff_client,
                                                   django_capture_on_commit_callbacks):
    from civicpanel.members import erasure

    manager = staff_client("manager")
    write_outcome(manager, finished)
    page = manager.get(reverse("staff:event_feedback", args=[finished.pk])).content.decode()
    confirmation = re.search(r'name="confirmation" value="([0-9a-f]{32})"', page).group(1)
    with django_capture_on_commit_callbacks(execute=True):
        manager.post(reverse("staff:event_feedback", args=[finished.pk]), {"confirmation": confirmation})
    data = erasure.member_data(finished.took_part[1])
    assert data["event_feedback"][0]["event"] in ("User test of My page", "Brugertest af Min side")


def test_analysts_cannot_write_or_send_it(council, finished, staff_client):
    analyst = staff_client("analyst")
    assert write_outcome(analyst, finished).status_code == 403
    assert analyst.get(reverse("staff:event_feedback", args=[finished.pk])).status_code == 403
