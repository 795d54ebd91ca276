"""A member's events in their own data export, and what erasure does to them.

Registered with civicpanel.members.erasure in EventsConfig.ready().
"""

from __future__ import annotations

from civicpanel.common.models import translated
from civicpanel.events.models import Participant, Placement
from civicpanel.questionnaires.kinds import answer_display


def event_member_data(member) -> dict[str, list[dict]]:
    """Every event the member was called to: when they volunteered, for which sessions, their
    answers to the event's questions, their pseudonym in the draw and each seat's outcome."""
    rows = []
    participants = (Participant.objects.filter(member=member).select_related("event")
                    .prefetch_related("sessions", "event__questions", "placements__session").order_by("called_at"))
    for participant in participants:
        questions = {q.uid: q for q in participant.event.questions.all()}
        rows.append({
            "event": translated(participant.event.title),
            "called_at": participant.called_at.isoformat(),
            "volunteered_at": participant.volunteered_at.isoformat() if participant.volunteered_at else None,
            "withdrawn_at": participant.withdrawn_at.isoformat() if participant.withdrawn_at else None,
            "pseudonym": participant.pseudonym,
            "sessions_that_suit": [s.starts_at.isoformat() for s in participant.sessions.all()],
            "answers": [
                {"question": q.label,
                 "answer": answer_display(q, participant.answers[uid], participant.answer_others.get(uid, ""))}
                for uid, q in questions.items() if uid in participant.answers
            ],
            "draw": [
                {"session": p.session.starts_at.isoformat(), "outcome": p.outcome, "reserve_rank": p.reserve_rank,
                 "probability": p.probability, "seat": p.state or None,
                 "checked_in_at": p.checked_in_at.isoformat() if p.checked_in_at else None}
                for p in participant.placements.all()
            ],
        })
    return {"events": rows}


def event_member_erase(member) -> None:
    """Kill the member's links and drop their answers to the events' questions (free text may
    name them). The placements stay, tied to a pseudonym only, so published draws and
    attendance counts stay true; the member row itself becomes an anonymous husk."""
    Participant.objects.filter(member=member).update(token_hash=None, token_salt="", answers={}, answer_others={})
    Placement.objects.filter(participant__member=member).update(checkin_code="")


def event_member_section(member) -> dict | None:
    """The member's events on their own page: each event they volunteered for, its sessions
    and their seat, with their personal link (volunteer form, seat answers, ticket, withdraw)."""
    from civicpanel.events.links import participant_path

    participants = list(Participant.objects.filter(member=member, volunteered_at__isnull=False,
                                                   token_hash__isnull=False)
                        .select_related("event").prefetch_related("placements__session", "sessions")
                        .order_by("-called_at"))
    if not participants:
        return None
    rows = []
    for participant in participants:
        placements = sorted(participant.placements.all(), key=lambda p: p.session.starts_at)
        rows.append({"participant": participant, "event": participant.event, "path": participant_path(participant),
                     "placements": placements, "sessions": list(participant.sessions.all())})
    return {"template": "events/member_section.html", "context": {"rows": rows}}


def attended_choices(council) -> list[tuple[str, str]]:
    """Events with anyone checked in, for the surveys' audience ("attended event X")."""
    from civicpanel.events.models import Event

    events = Event.objects.filter(council=council, sessions__placements__state=Placement.State.ATTENDED).distinct()
    return [(str(e.pk), e.name) for e in events.order_by("-volunteer_deadline")]


def attended_members(council, values: list[str]):
    ids = [int(v) for v in values if str(v).isdecimal()]
    return Placement.objects.filter(session__event__council=council, session__event_id__in=ids,
                                    state=Placement.State.ATTENDED).values("participant__member_id")
