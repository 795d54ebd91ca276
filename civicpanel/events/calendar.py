"""A session as an iCalendar file (RFC 5545), for the participant's own calendar."""

from __future__ import annotations

from datetime import UTC

from django.utils import timezone

from civicpanel.common.models import translated


def _escape(text: str) -> str:
    return (text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\r\n", "\\n")
            .replace("\n", "\\n"))


def _stamp(moment) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def _fold(line: str) -> str:
    """Lines longer than 75 octets are folded (continuation lines start with a space)."""
    out, current = [], ""
    for char in line:
        if len((current + char).encode("utf-8")) > 75:
            out.append(current)
            current = " " + char
        else:
            current += char
    out.append(current)
    return "\r\n".join(out)


def calendar_file(session, *, participant_url: str) -> str:
    event = session.event
    description = "\n\n".join(part for part in (translated(event.description), session.accessibility_text,
                                                session.online_link, participant_url) if part)
    lines = [
        "BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//civicpanel//events//EN", "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH", "BEGIN:VEVENT",
        f"UID:session-{session.pk}@{event.council.slug}.civicpanel",
        f"DTSTAMP:{_stamp(timezone.now())}",
        f"DTSTART:{_stamp(session.starts_at)}",
        f"DTEND:{_stamp(session.ends_at)}",
        f"SUMMARY:{_escape(translated(event.title))}",
        f"LOCATION:{_escape(session.place or session.online_link)}",
        f"DESCRIPTION:{_escape(description)}",
        "STATUS:CANCELLED" if session.cancelled_at else "STATUS:CONFIRMED",
        "END:VEVENT", "END:VCALENDAR",
    ]
    return "\r\n".join(_fold(line) for line in lines) + "\r\n"
