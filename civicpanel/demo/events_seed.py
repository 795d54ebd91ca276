"""The demo's event, after Bærum's case: a user test of the council's self-service pages ("Min
side") called to the panel; 39 volunteered, 20 were drawn with quotas on gender, age band and
district for two workshops of 10. The first has been held, with attendance registered; the
second is tomorrow, and one of those drawn declined and was replaced from the reserve list;
two more were invited from the reserve list beyond the seats, and the one who said yes to the
full session is on its waiting list; its reminder has gone out, with the session as a calendar
file (the demo's mailbox shows it).

Everything goes through the services staff and members use (call, volunteer form, draw, seat
answers, check-in), so the demo's pages show real data: the call's e-mails, the public page
with the seed, each volunteer's files to rerun the draw, the door list and who came.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
from django.core.exceptions import ValidationError
from django.http import QueryDict
from django.utils import timezone

from civicpanel.events import services
from civicpanel.events.draw import draw_features
from civicpanel.events.models import Event, Participant, Placement
from civicpanel.members.categories import member_categories

VOLUNTEERS = 39
BALANCE = ("gender", "birth_year", "district")
TITLE = {"da": "Brugertest af Min side", "nb": "Brukertest av Min side", "en": "User test of My page"}
DESCRIPTION = {
    "da": "Vi er ved at lave en ny selvbetjening, Min side. Hjælp os med at teste den: du løser nogle små opgaver "
          "på en computer eller din egen telefon, mens vi ser med og spørger undervejs. Det tager 1-1½ time, "
          "og der er kaffe og kage. Ingen forudsætninger: vi tester siden, ikke dig.",
    "nb": "Vi lager en ny selvbetjening, Min side. Hjelp oss å teste den: du løser noen små oppgaver på en "
          "datamaskin eller din egen telefon mens vi ser på og spør underveis. Det tar 1-1½ time, og det blir "
          "kaffe og kake. Ingen forkunnskaper: vi tester siden, ikke deg.",
    "en": "We are building new self-service pages, My page. Help us test them: you do a few small tasks on a "
          "computer or your own phone while we watch and ask along the way. It takes 1-1.5 hours, with coffee "
          "and cake. No experience needed: we are testing the pages, not you.",
}
ACCESS = {"da": "Niveaufri adgang fra Valby Tingsted, teleslynge i lokalet.",
          "nb": "Trinnfri adkomst fra Valby Tingsted, teleslynge i rommet.",
          "en": "Step-free access from Valby Tingsted, hearing loop in the room."}


def seed_demo_events(*, council, actor, rng: np.random.Generator) -> Event:
    now = timezone.now()
    event = services.event_create(council=council, actor=actor, title=TITLE, description=DESCRIPTION,
                                  kind=Event.Kind.USER_TEST, volunteer_deadline=now + dt.timedelta(days=1),
                                  reply_days=4, reserve_size=20, reminder_hours=48)
    held = services.session_save(council=council, actor=actor, event=event,
                                 starts_at=_at(now - dt.timedelta(days=3), 17), duration_minutes=90,
                                 place="Valby Medborgerhus, Valgårdsvej 4, lokale 2", online_link="", capacity=10,
                                 accessibility=ACCESS)
    coming = services.session_save(council=council, actor=actor, event=event,
                                   starts_at=_at(now + dt.timedelta(days=1), 17), duration_minutes=90,
                                   place="Valby Medborgerhus, Valgårdsvej 4, lokale 2", online_link="",
                                   capacity=10, accessibility=ACCESS)
    services.question_add(council=council, actor=actor, event=event, kind="single", required=True,
                          text={"da": "Hvilken enhed vil du helst teste på?", "nb": "Hvilken enhet vil du helst teste på?",
                                "en": "Which device would you rather test on?"},
                          options=[{"code": "1", "label": {"da": "Min egen telefon", "nb": "Min egen telefon",
                                                           "en": "My own phone"}},
                                   {"code": "2", "label": {"da": "En computer", "nb": "En datamaskin",
                                                           "en": "A computer"}}])
    call = services.call_send(council=council, actor=actor, event=event, filters={})
    question_uid = event.questions.get().uid
    for participant in _volunteers(council, call, rng):
        sessions = [held, coming] if rng.random() < 0.6 else [held] if rng.random() < 0.5 else [coming]
        data = QueryDict(mutable=True)
        data[f"q_{question_uid}"] = "1" if rng.random() < 0.6 else "2"
        services.volunteer_submit(participant=participant, session_ids=[s.pk for s in sessions], data=data)
    # The deadline has passed: the draw was made a week before the first workshop.
    Event.objects.filter(pk=event.pk).update(volunteer_deadline=now - dt.timedelta(days=10))
    event.refresh_from_db()
    keys = [f.key for f in draw_features(council=council) if f.key in BALANCE]
    for tolerance in (2, 3):
        try:
            services.draw_run(council=council, actor=actor, event=event, feature_keys=keys, tolerance=tolerance)
            break
        except ValidationError:
            continue
    event.refresh_from_db()
    if event.drawn_at is None:
        raise RuntimeError("the demo's volunteers cannot fill the workshops under any tolerance tried")
    # The first workshop: everyone drawn said yes; nine came, one did not.
    first = list(Placement.objects.filter(session=held, state=Placement.State.INVITED).order_by("id"))
    for placement in first:
        services.seat_accept(placement=placement)
    for number, placement in enumerate(first):
        services.attendance_set(council=council, actor=actor, placement=placement, attended=number != 3)
    # The second: one of those drawn declined, the next suitable reserve took the seat and said yes.
    second = list(Placement.objects.filter(session=coming, state=Placement.State.INVITED).order_by("id"))
    leaving = next((p for p in second if services.replacement_candidate(session=coming, dropped=p)), second[0])
    services.seat_decline(placement=leaving)
    for placement in Placement.objects.filter(session=coming, state=Placement.State.INVITED).order_by("id"):
        services.seat_accept(placement=placement)
    # Staff expect someone not to come and invited two more from the reserve list beyond the
    # seats: the first said yes to a full session and is on the waiting list; the other has not
    # answered yet.
    extra = services.seat_invite_extra(council=council, actor=actor, session=coming)
    services.seat_accept(placement=extra)
    services.seat_invite_extra(council=council, actor=actor, session=coming)
    # The scheduled job's reminder, due now (48 hours before): those confirmed get it with the .ics.
    services.reminders_send_due()
    return event


def _at(day: dt.datetime, hour: int) -> dt.datetime:
    local = timezone.localtime(day)
    return local.replace(hour=hour, minute=0, second=0, microsecond=0)


def _volunteers(council, call, rng: np.random.Generator) -> list[Participant]:
    """39 of those called, self-selected as volunteers usually are (older members and one quarter
    more often), but with someone from every age band and quarter, as in Bærum."""
    participants = list(Participant.objects.filter(call=call).order_by("pk"))
    features = {f.key: f for f in draw_features(council=council) if f.key in BALANCE}
    categories = {key: member_categories(council=council, feature=f) for key, f in features.items()}
    placed = [p for p in participants if all(p.member_id in categories[key] for key in features)]
    chosen: list[Participant] = []
    # One from each age band and each quarter first (and a man and a woman), then the rest by
    # self-selection weights.
    for key in ("birth_year", "district", "gender"):
        if key not in features:
            continue
        for option in features[key].options:
            if not (features[key].figures.get(option.pk) or 0):
                continue
            pool = [p for p in placed if categories[key][p.member_id] == option.pk and p not in chosen]
            for _ in range(2 if key == "birth_year" else 1):
                if pool:
                    chosen.append(pool.pop(int(rng.integers(len(pool)))))
    rest = [p for p in placed if p not in chosen]
    ages = {o.pk: o.min_age or 0 for o in features["birth_year"].options} if "birth_year" in features else {}
    weights = np.array([1.0 + (ages.get(categories["birth_year"].get(p.member_id), 0) / 30.0) for p in rest])
    picks = rng.choice(len(rest), size=max(0, VOLUNTEERS - len(chosen)), replace=False, p=weights / weights.sum())
    chosen += [rest[int(i)] for i in picks]
    return chosen[:VOLUNTEERS]
