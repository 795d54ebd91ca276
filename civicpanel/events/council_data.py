"""A council's events in the staff export formats, for `civicpanel council_export` and
`council_remove`: each drawn event's draw file (the staff "draw.csv": every placement with its
exact probability and seat), and per event its sessions and volunteers' answers."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from civicpanel.common.models import translated
from civicpanel.common.security import spreadsheet_safe
from civicpanel.events.models import Event, Participant, Placement

DRAW_HEADER = ["session", "pseudonym", "name", "email", "outcome", "reserve_rank", "probability", "seat"]


def draw_rows(event: Event) -> list[list]:
    """The rows of the staff draw export (one per placement), cells made spreadsheet-safe."""
    placements = (Placement.objects.filter(session__event=event, session__event__council_id=event.council_id)
                  .select_related("participant__member", "session").order_by("session__starts_at", "id"))
    return [[spreadsheet_safe(v) for v in (
        p.session.starts_at.isoformat(), p.participant.pseudonym, p.participant.member.name,
        p.participant.member.email or "", p.outcome, p.reserve_rank or "", f"{p.probability:.10f}", p.state)]
        for p in placements]


def _csv(header: list[str], rows: list[list]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


def _answer_cell(question, participant) -> str:
    """One answer as codes, the way the survey exports keep them: a choice's code, several
    codes in order joined by ";", a matrix as row=point pairs, the text beside "other"."""
    value = participant.answers.get(question.uid)
    if value is None:
        return ""
    if isinstance(value, dict):
        return ";".join(f"{row}={point}" for row, point in value.items())
    if isinstance(value, list):
        return ";".join(map(str, value))
    other = participant.answer_others.get(question.uid, "")
    return f"{value}: {other}" if other else str(value)


def export_council_events(council, folder: Path) -> list[Path]:
    files = []
    for event in Event.objects.filter(council=council).order_by("pk"):
        sessions = [[spreadsheet_safe(v) for v in (s.pk, s.starts_at.isoformat(), s.duration_minutes, s.place,
                                                   s.capacity, "cancelled" if s.cancelled_at else "")]
                    for s in event.sessions.order_by("starts_at", "pk")]
        path = folder / f"event-{event.pk}-sessions.csv"
        path.write_bytes(_csv(["session", "starts_at", "minutes", "place", "capacity", "cancelled"], sessions))
        files.append(path)
        questions = list(event.questions.all())
        volunteers = []
        for participant in Participant.objects.filter(event=event).select_related("member").order_by("pk"):
            sessions_chosen = ";".join(str(pk) for pk in participant.sessions.values_list("pk", flat=True))
            answers = [_answer_cell(q, participant) for q in questions]
            volunteers.append([spreadsheet_safe(v if not isinstance(v, list) else ";".join(map(str, v))) for v in (
                participant.pseudonym, participant.member.name, participant.member.email or "",
                participant.called_at.isoformat(),
                participant.volunteered_at.isoformat() if participant.volunteered_at else "",
                participant.withdrawn_at.isoformat() if participant.withdrawn_at else "", sessions_chosen, *answers)])
        path = folder / f"event-{event.pk}-volunteers.csv"
        header = ["pseudonym", "name", "email", "called_at", "volunteered_at", "withdrawn_at", "sessions",
                  *[translated(q.text) or q.uid for q in questions]]
        path.write_bytes(_csv(header, volunteers))
        files.append(path)
        if event.drawn_at:
            path = folder / f"event-{event.pk}-draw.csv"
            path.write_bytes(_csv(DRAW_HEADER, draw_rows(event)))
            files.append(path)
    return files
