"""The residents' side of events. No login: a participant's personal link is the key.

/events/<id>/            the event's public page: what, when, the commitment (SHA-256 of the
                         seed) before the draw, the seed and the counts after it
/events/p/<token>/       the personal link from the e-mail: exchanged for the session on first
                         use, then the browser goes on to /events/mine/<id>/ (the token is not
                         left in the address bar, the history, a bookmark or a Referer; opening
                         the link again, on another device too, starts a new such session)
/events/mine/<id>/       the participant's own page: the volunteer form, then their outcome,
                         their pseudonym and the files to check the draw
/events/mine/<id>/files/<n>/<pool|quotas|selected>.csv
                         the draw's files for session n (volunteers of the event only)
/events/mine/<id>/seats/<seat>/<accept|decline>/
                         answering an invitation to a seat (POST; idempotent)
/events/mine/<id>/seats/<seat>/              the ticket, with a QR code staff scan at the door
/events/mine/<id>/seats/<seat>/qr.svg, calendar.ics
"""

from __future__ import annotations

import csv
import io

from django.conf import settings
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import translation
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from civicpanel.audit.services import audit_record
from civicpanel.common.mail import absolute_url
from civicpanel.common.tokenurls import token_miss, token_url
from civicpanel.events import selectors, services
from civicpanel.events.calendar import calendar_file
from civicpanel.events.forms import VolunteerForm
from civicpanel.events.links import participant_by_token, participant_in_session
from civicpanel.events.models import Event, Placement
from civicpanel.questionnaires.kinds import parse_answer, question_view

FILES = ("pool", "quotas", "selected")


def _language_for(request, member_language: str | None) -> str:
    """The member's own language unless they chose another with the switcher; else the council's."""
    council = request.council
    chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
    browser = getattr(request, "LANGUAGE_CODE", None) if member_language is None else None
    for candidate in (chosen, member_language, browser, council.default_language):
        if candidate and candidate in council.language_codes:
            return candidate
    return council.default_language


def _public_event(request, event_id: int) -> Event:
    if request.council is None:
        raise Http404
    return get_object_or_404(Event, pk=event_id, council=request.council)


def event_public_view(request, event_id: int):
    event = _public_event(request, event_id)
    return render(request, "events/public.html", {
        "event": event, "sessions": list(event.sessions.all()),
        "public_draw": selectors.public_draw(council=request.council, event=event),
        "counts": selectors.event_counts(council=request.council, event=event),
    })


# event id (str) -> participant id, for the personal links opened in this browser
SESSION_PARTICIPANTS = "events.participants"


def _activate(request, member_language: str | None) -> None:
    language = _language_for(request, member_language)
    translation.activate(language)
    request.LANGUAGE_CODE = language


def _participant_in_session(request, event_id: int):
    """The participant whose link was opened earlier in this browser, for this event and council."""
    if request.council is None:
        raise Http404
    participant_id = request.session.get(SESSION_PARTICIPANTS, {}).get(str(event_id))
    participant = participant_in_session(council=request.council, event_id=event_id, participant_id=participant_id)
    _activate(request, participant.member.language if participant else None)
    return participant


def _mine(event_id: int, suffix: str = "") -> str:
    return reverse("events:mine", args=[event_id]) + suffix


@never_cache
@token_url
@require_http_methods(["GET"])
def participant_link_view(request, token: str):
    """The link from the e-mail: remember the participant in the session and go on without the
    token (keeping "?ticket=<seat>" from a member's own page)."""
    if request.council is None:
        raise Http404
    participant = participant_by_token(council=request.council, token=token)
    if participant is None:
        token_miss(request)
        _activate(request, None)
        return _unknown(request)
    linked = dict(request.session.get(SESSION_PARTICIPANTS, {}))
    linked[str(participant.event_id)] = participant.pk
    request.session[SESSION_PARTICIPANTS] = linked
    ticket = request.GET.get("ticket", "")
    if ticket.isdecimal():
        return redirect(_mine(participant.event_id, f"seats/{int(ticket)}/"))
    return redirect(_mine(participant.event_id))


def _unknown(request):
    return render(request, "events/message.html", {"kind": "unknown"}, status=404)


def _reopen(request):
    return render(request, "events/message.html", {"kind": "reopen"}, status=404)


@never_cache
@require_http_methods(["GET", "POST"])
def participant_view(request, event_id: int):
    participant = _participant_in_session(request, event_id)
    if participant is None:
        return _reopen(request)
    event = participant.event
    errors: dict[str, str] = {}
    data = None
    if request.method == "POST":
        form = VolunteerForm(request.POST)  # no control characters in what is stored (common.forms)
        data = form.data
        try:
            errors = services.volunteer_submit(participant=participant, session_ids=form.session_ids(), data=data,
                                               language=request.LANGUAGE_CODE)
        except services.VolunteeringClosed:
            return render(request, "events/message.html", {"kind": "closed", "event": event}, status=409)
        if not errors:
            return redirect(f"{request.path}?saved=1")
    participant.refresh_from_db()
    chosen = ({int(v) for v in data.getlist("sessions") if v.isdecimal()} if data is not None
              else set(participant.sessions.values_list("pk", flat=True)))
    views = []
    for question in event.questions.all():
        if data is not None:  # the answer as sent, shown again beside its error (as on a survey page)
            parsed = parse_answer(question, data)
            value = parsed.value if parsed.value is not None else data.get(f"q_{question.uid}")
            other = parsed.other_text
        else:
            value, other = participant.answers.get(question.uid), participant.answer_others.get(question.uid, "")
        views.append(question_view(question, number=None, value=value, other_text=other,
                                   error=errors.get(question.uid, "")))
    placements = list(participant.placements.select_related("session").order_by("session__starts_at"))
    public_draw = selectors.public_draw(council=request.council, event=event)
    return render(request, "events/participant.html", {
        "participant": participant, "event": event, "views": views, "errors": errors,
        "sessions": list(event.sessions.filter(cancelled_at__isnull=True)), "chosen": chosen,
        "open": event.volunteering_open(), "saved": request.GET.get("saved") == "1",
        "placements": placements, "public_draw": public_draw,
        "bands": {p.pk: selectors.probability_band(p.probability) for p in placements},
        "Outcome": Placement.Outcome,
    })


@require_POST
def participant_withdraw_view(request, event_id: int):
    participant = _participant_in_session(request, event_id)
    if participant is None:
        return _reopen(request)
    try:
        services.volunteer_withdraw(participant=participant)
    except services.VolunteeringClosed:
        return render(request, "events/message.html", {"kind": "closed", "event": participant.event}, status=409)
    return redirect(_mine(event_id, "?withdrawn=1"))


@never_cache
def participant_file_view(request, event_id: int, number: int, name: str):
    """The draw's files, for the event's volunteers only: the pool is not public, since a small
    pool's profile combinations could point to a person."""
    participant = _participant_in_session(request, event_id)
    if participant is None or name not in FILES or participant.volunteered_at is None:
        raise Http404
    event = participant.event
    sessions = event.draw.get("sessions", []) if event.drawn_at else []
    if not 1 <= number <= len(sessions):
        raise Http404
    row = sessions[number - 1]
    if name == "pool":
        content = row["people_csv"]
    elif name == "quotas":
        content = row["quotas_csv"]
    else:
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["id", "status", "reserve_rank"])
        for pseudonym in row["selected"]:
            writer.writerow([pseudonym, "selected", ""])
        for rank, pseudonym in enumerate(row["reserve_list"], start=1):
            writer.writerow([pseudonym, "reserve", rank])
        content = out.getvalue()
    audit_record(council=request.council, actor=None, action="event.pool_download", target=event,
                 member_ids=[participant.member_id], detail={"session": row["session"], "file": name}, request=request)
    response = HttpResponse(content, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="event-{event.pk}-session-{number}-{name}.csv"'
    return response


def _placement_or_404(participant, placement_id: int) -> Placement:
    return get_object_or_404(Placement.objects.select_related("session", "session__event"), pk=placement_id,
                             participant=participant)


@require_POST
def seat_answer_view(request, event_id: int, placement_id: int, answer: str):
    """Accept or decline a seat. A second click, or the same form sent again, changes nothing."""
    participant = _participant_in_session(request, event_id)
    if participant is None:
        return _reopen(request)
    placement = _placement_or_404(participant, placement_id)
    try:
        if answer == "accept":
            services.seat_accept(placement=placement)
        elif answer == "decline":
            services.seat_decline(placement=placement, request=request)
        else:
            raise Http404
    except services.SeatNotOpen:
        return render(request, "events/message.html", {"kind": "seat_closed", "event": participant.event}, status=409)
    return redirect(_mine(event_id, f"#seat-{placement.pk}"))


def _ticket_placement(request, event_id: int, placement_id: int):
    participant = _participant_in_session(request, event_id)
    if participant is None:
        raise Http404
    placement = _placement_or_404(participant, placement_id)
    if placement.state not in services.CONFIRMED_STATES:
        raise Http404
    return participant, placement


@never_cache
def ticket_view(request, event_id: int, placement_id: int):
    participant, placement = _ticket_placement(request, event_id, placement_id)
    return render(request, "events/ticket.html", {"participant": participant, "placement": placement,
                                                  "event": participant.event, "session": placement.session})


@never_cache
def ticket_qr_view(request, event_id: int, placement_id: int):
    """The QR code on the ticket: the staff check-in address of this seat (useless without a
    staff login)."""
    import qrcode
    import qrcode.image.svg

    _participant, placement = _ticket_placement(request, event_id, placement_id)
    url = absolute_url(request.council, reverse("staff:event_checkin_code", args=[placement.session.event_id,
                                                                                   placement.checkin_code]))
    image = qrcode.make(url, image_factory=qrcode.image.svg.SvgFillImage, box_size=10, border=2)
    return HttpResponse(image.to_string(), content_type="image/svg+xml")


@never_cache
def ticket_calendar_view(request, event_id: int, placement_id: int):
    participant, placement = _ticket_placement(request, event_id, placement_id)
    # The event's public page, never a personal link: calendars get synced and shared.
    response = HttpResponse(calendar_file(placement.session, participant_url=absolute_url(
        request.council, reverse("events:public", args=[event_id]))), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="event-{participant.event_id}.ics"'
    return response
