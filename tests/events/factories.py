"""Events with sessions, a called panel and volunteers, for the events tests."""

from __future__ import annotations

from datetime import timedelta

from django.http import QueryDict
from django.utils import timezone

from civicpanel.events import services
from civicpanel.events.models import Event, Participant
from tests.surveys.sample_panel import build_panel, set_population


def make_event(council, *, capacities=(10,), days=7, actor=None, **fields) -> Event:
    now = timezone.now()
    event = services.event_create(council=council, actor=actor, title={"en": "User test of My page", "da": "Brugertest af Min side"},
                                  volunteer_deadline=now + timedelta(days=days), **fields)
    for i, capacity in enumerate(capacities):
        services.session_save(council=council, actor=actor, event=event, starts_at=now + timedelta(days=days + 3 + 7 * i),
                              duration_minutes=90, place="Town hall, room 2", online_link="", capacity=capacity,
                              accessibility={"en": "Step-free access"})
    return event


def panel_with_population(council, *, size=60, seed=3):
    set_population(council)
    return build_panel(council, size=size, seed=seed)


def volunteer(participant: Participant, sessions=None, **answers) -> dict:
    data = QueryDict(mutable=True)
    for key, value in answers.items():
        data[f"q_{key}"] = value
    sessions = sessions if sessions is not None else list(participant.event.sessions.all())
    return services.volunteer_submit(participant=participant, session_ids=[s.pk for s in sessions], data=data)


def called_volunteers(council, event, *, count=None) -> list[Participant]:
    """Call the whole panel and let `count` (all by default) of them volunteer for every session."""
    call = services.call_send(council=council, actor=None, event=event, filters={})
    participants = list(Participant.objects.filter(call=call).order_by("pk"))
    for participant in participants[:count]:
        assert volunteer(participant) == {}
    return participants


def close_volunteering(event: Event) -> Event:
    Event.objects.filter(pk=event.pk).update(volunteer_deadline=timezone.now() - timedelta(minutes=1))
    event.refresh_from_db()
    return event


def open_link(client, participant: Participant) -> str:
    """Open the personal link as the e-mail does: it is exchanged for the session and the
    browser goes on to the event's own page; returns that page's path."""
    from civicpanel.events.links import participant_path

    response = client.get(participant_path(participant))
    assert response.status_code == 302, response.status_code
    return response["Location"]
