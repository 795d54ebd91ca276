"""What the demo shows: the cases the issues name, in the data `python3 dev.py demo` seeds.

Seeding the demo takes a while, so it is seeded once for this module, inside a transaction that
is rolled back at the end; every test runs in a savepoint within it and sees the same demo.
The module's tests share one xdist group, so they run in one process after one another.
"""

from __future__ import annotations

import pytest
from django.db import transaction
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone, translation

pytestmark = [pytest.mark.django_db, pytest.mark.xdist_group("demo-content")]


@pytest.fixture(scope="module", autouse=True)
def demo(django_db_setup, django_db_blocker, tmp_path_factory):
    from civicpanel.demo.seed import seed_demo

    media = tmp_path_factory.mktemp("demo-media")
    with django_db_blocker.unblock(), override_settings(MEDIA_ROOT=media), transaction.atomic():
        seed_demo()
        yield
        transaction.set_rollback(True)


def test_the_vigerslev_survey_stands_for_vigerslevs_residents():
    """Issue 10's "done when": a district's survey is weighted to that district's residents."""
    from civicpanel.surveys.models import Survey
    from civicpanel.surveys.weighting import survey_weighting

    survey = Survey.objects.filter(council__slug="valby", responses__completed_at__isnull=False).distinct().get()
    with translation.override("da"):
        weighting = survey_weighting(council=survey.council, survey=survey)
    assert weighting.available and weighting.restricted
    assert weighting.population == "borgere i Vigerslev på 15 år og derover, 1. januar 2026"
    # Gender and age from Vigerslev's own figures (the joint table), not Valby's.
    assert {"Køn", "Fødselsår"} <= set(weighting.feature_names)
    assert "Bydel" not in weighting.feature_names
    by_name = {m.name: m for m in weighting.features}
    age = by_name.get("Fødselsår") or next(m for m in weighting.features if "Fødselsår" in m.joint)
    # Vigerslev's residents in the demo's table: 12,600 in all.
    assert sum(age.counts) == pytest.approx(12600)
    # Nothing dropped without a word: every note is Danish.
    for note in weighting.notes + weighting.merges:
        assert " is " not in note and " the " not in note, note


def test_the_demo_publishes_its_traffic_survey_with_two_breakdowns():
    from civicpanel.publishing.models import Publication

    publication = Publication.objects.get(published_at__isnull=False)
    assert publication.breakdowns == ["birth_year", "district"]
    council = publication.council
    host = council.domain or f"{council.slug}.localhost"
    page = Client(HTTP_HOST=host).get(reverse("publishing:survey", args=[publication.survey_id]),
                                      HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "public-breakdown" in page and "not weighted" in page


def test_the_demo_has_baerums_user_test():
    """The demo's event is Bærum's case, with the figures the issue names."""
    from civicpanel.events.models import Event, Participant, Placement
    from civicpanel.outreach.models import Mailing
    from civicpanel.outreach.registry import get_message_type

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


def test_demo_members_are_never_active_in_the_future():
    from civicpanel.members.models import Member

    now = timezone.now()
    assert Member.objects.filter(council__slug="valby").count() > 1000
    assert not Member.objects.filter(last_active_at__gt=now).exists()
    assert not Member.objects.filter(left_at__gt=now).exists()
