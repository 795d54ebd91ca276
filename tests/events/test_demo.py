"""The demo's event is Bærum's case, with the figures the issue names."""

from __future__ import annotations

import pytest

from civicpanel.demo import seed
from civicpanel.events.models import Event, Participant, Placement
from civicpanel.outreach.models import Mailing
from civicpanel.outreach.registry import get_message_type

pytestmark = pytest.mark.django_db


def test_the_demo_has_baerums_user_test():
    seed.seed_demo()
    event = Event.objects.get(council__slug="valby")
    assert event.kind == "user_test" and event.drawn_at
    assert Participant.objects.filter(event=event, volunteered_at__isnull=False).count() == 39
    assert set(event.draw["features"]) == {"gender", "birth_year", "district"}
    held, coming = event.sessions.all()
    assert Placement.objects.filter(session__event=event, outcome="selected").count() == 20
    assert Placement.objects.filter(session=held, state="attended").count() == 9
    assert Placement.objects.filter(session=held, state="no_show").count() == 1
    declined = Placement.objects.get(session=coming, state="declined")
    replacement = Placement.objects.get(replaces=declined)
    assert replacement.outcome == "reserve" and replacement.state == "confirmed"
    assert Placement.objects.filter(session=coming, state="confirmed").count() == 10
    # Two invited beyond the seats: one said yes to the full session and waits, one has not answered.
    assert Placement.objects.filter(session=coming, state="waiting", extra=True).count() == 1
    assert Placement.objects.filter(session=coming, state="invited", extra=True).count() == 1
    # The coming workshop's reminder went to those confirmed, with the calendar file attached.
    reminder = Mailing.objects.get(message_type="event_reminder", extra_context__session=coming.pk)
    assert reminder.deliveries.count() == 10 and coming.reminded_at is not None
    assert get_message_type("event_reminder").attachments is not None
