"""Staff pages for events: list, create and edit, the event page, sessions, questions, the call
for volunteers (with a confirmation step), the draw and its export."""

from __future__ import annotations

import csv
import secrets

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST

from civicpanel.accounts.decorators import staff_view
from civicpanel.accounts.permissions import Capability, can
from civicpanel.audit.services import audit_record
from civicpanel.common.formatting import number
from civicpanel.common.sorting import list_sort, sort_rows
from civicpanel.events import draw as drawing
from civicpanel.events import selectors, services
from civicpanel.events.audience import call_plan, call_sample
from civicpanel.events.council_data import DRAW_HEADER, draw_rows
from civicpanel.events.forms import (
    AudienceForm,
    DrawForm,
    EventForm,
    OutcomeForm,
    QuestionForm,
    QuestionKindForm,
    SessionForm,
)
from civicpanel.events.messages import message_context_for_preview
from civicpanel.events.models import Placement, RegistrationQuestion
from civicpanel.events.next_steps import event_next_steps
from civicpanel.members.categories import active_profile_questions
from civicpanel.members.segments import clean_filters, segment_list
from civicpanel.members.selectors import members_filter_describe
from civicpanel.methods.disclosure import MIN_COUNT
from civicpanel.outreach.registry import get_message_type
from civicpanel.outreach.texts import render as render_text
from civicpanel.outreach.texts import texts_for


def add_errors(form, error: ValidationError) -> None:
    """A service's ValidationError on the form: on the named field if the form has it, else on top."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


def _flash(request, error: ValidationError) -> None:
    for message in error.messages:
        messages.error(request, message)


@staff_view(Capability.EVENTS, Capability.RESULTS)
def event_list_view(request):
    sorting = list_sort(request.GET, selectors.EVENT_SORTS)
    return render(request, "events/staff/list.html", {
        "events": sort_rows(selectors.event_list(council=request.council), sorting, selectors.EVENT_SORTS),
        "sorting": sorting,
        "can_run": can(request.membership, Capability.EVENTS),
    })


@staff_view(Capability.EVENTS)
@require_http_methods(["GET", "POST"])
def event_create_view(request):
    form = EventForm(request.POST or None, languages=request.council.language_codes)
    if request.method == "POST" and form.is_valid():
        try:
            event = services.event_create(council=request.council, actor=request.user, request=request,
                                          **form.service_kwargs())
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, _("Event created. Now add its sessions."))
            return redirect("staff:event_detail", event.pk)
    return render(request, "events/staff/event_form.html", {"form": form, "event": None})


@staff_view(Capability.EVENTS)
@require_http_methods(["GET", "POST"])
def event_edit_view(request, event_id: int):
    event = selectors.event_get(council=request.council, event_id=event_id)
    form = EventForm(request.POST or None, languages=request.council.language_codes, event=event)
    if request.method == "POST" and form.is_valid():
        try:
            services.event_update(council=request.council, actor=request.user, event=event, request=request,
                                  **form.service_kwargs())
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, _("Event saved."))
            return redirect("staff:event_detail", event.pk)
    return render(request, "events/staff/event_form.html", {"form": form, "event": event})


@staff_view(Capability.EVENTS, Capability.RESULTS)
def event_detail_view(request, event_id: int):
    event = selectors.event_get(council=request.council, event_id=event_id)
    can_run = can(request.membership, Capability.EVENTS)
    return render(request, "events/staff/detail.html", {
        "event": event, "can_run": can_run,
        "sessions": selectors.sessions_with_counts(council=request.council, event=event),
        "counts": selectors.event_counts(council=request.council, event=event),
        "questions": list(event.questions.all()),
        "calls": selectors.calls(council=request.council, event=event) if can_run else [],
        "volunteers": selectors.volunteers(council=request.council, event=event) if can_run else [],
        "placements": selectors.placements_by_session(council=request.council, event=event) if can_run else [],
        "declinable": (Placement.State.INVITED, Placement.State.CONFIRMED, Placement.State.WAITING),
        "public_draw": selectors.public_draw(council=request.council, event=event),
        "who_came": (selectors.who_came(council=request.council, event=event, suppress=not can_run)
                     if event.drawn_at else []),
        "min_count": MIN_COUNT, "now": timezone.now(),
        "finished": services.event_finished(event),
        "next_steps": event_next_steps(request, event),
    })


@staff_view(Capability.EVENTS)
@require_http_methods(["GET", "POST"])
def event_outcome_view(request, event_id: int):
    """What came of the event, written after its last session."""
    event = selectors.event_get(council=request.council, event_id=event_id)
    if not services.event_finished(event):
        messages.info(request, _("What came of an event is written after its last session."))
        return redirect("staff:event_detail", event.pk)
    form = OutcomeForm(request.POST or None, languages=request.council.language_codes, event=event)
    if request.method == "POST" and form.is_valid():
        try:
            services.event_outcome_update(council=request.council, actor=request.user, event=event,
                                          request=request, **form.service_kwargs())
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, _("Saved: it shows on the event's public page and the panel's site."))
            return redirect("staff:event_detail", event.pk)
    return render(request, "events/staff/outcome_form.html", {"form": form, "event": event})


@staff_view(Capability.EVENTS)
@require_http_methods(["GET", "POST"])
def session_edit_view(request, event_id: int, session_id: int | None = None):
    event = selectors.event_get(council=request.council, event_id=event_id)
    session = selectors.session_get(council=request.council, event=event, session_id=session_id) if session_id else None
    form = SessionForm(request.POST or None, languages=request.council.language_codes, session=session)
    if request.method == "POST" and form.is_valid():
        try:
            services.session_save(council=request.council, actor=request.user, event=event, session=session,
                                  request=request, **form.service_kwargs())
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, _("Session saved."))
            return redirect("staff:event_detail", event.pk)
    return render(request, "events/staff/session_form.html", {"form": form, "event": event, "session": session})


@staff_view(Capability.EVENTS)
@require_POST
def session_delete_view(request, event_id: int, session_id: int):
    event = selectors.event_get(council=request.council, event_id=event_id)
    session = selectors.session_get(council=request.council, event=event, session_id=session_id)
    try:
        services.session_delete(council=request.council, actor=request.user, session=session, request=request)
    except ValidationError as error:
        _flash(request, error)
    else:
        messages.success(request, _("Session deleted."))
    return redirect("staff:event_detail", event.pk)


@staff_view(Capability.EVENTS)
@require_http_methods(["GET", "POST"])
def question_add_view(request, event_id: int):
    """Add a question to the volunteer form with the questionnaire builder: first its kind (any
    kind a survey question can have), then the fields that kind needs."""
    event = selectors.event_get(council=request.council, event_id=event_id)
    kind = request.POST.get("kind") or request.GET.get("kind")
    if kind not in RegistrationQuestion.Kind.values:
        kind_form = QuestionKindForm(request.GET if "kind" in request.GET else None)
        kind_form.is_valid()
        return render(request, "events/staff/question_form.html", {"kind_form": kind_form, "event": event})
    languages = request.council.language_codes
    form = QuestionForm(request.POST if f"text_{languages[0]}" in request.POST else None, languages=languages,
                        kind=kind)
    if form.is_bound and form.is_valid():
        try:
            services.question_add(council=request.council, actor=request.user, event=event, request=request,
                                  **form.service_kwargs())
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, _("Question added to the volunteer form."))
            return redirect("staff:event_detail", event.pk)
    return render(request, "events/staff/question_form.html", {
        "form": form, "event": event, "kind": kind, "kind_label": RegistrationQuestion.Kind(kind).label})


@staff_view(Capability.EVENTS)
@require_POST
def question_delete_view(request, event_id: int, question_id: int):
    event = selectors.event_get(council=request.council, event_id=event_id)
    question = selectors.question_get(council=request.council, event=event, question_id=question_id)
    try:
        services.question_delete(council=request.council, actor=request.user, question=question, request=request)
    except ValidationError as error:
        _flash(request, error)
    else:
        messages.success(request, _("Question deleted."))
    return redirect("staff:event_detail", event.pk)


def _email_preview(council, event) -> tuple[str, str]:
    """The call e-mail as members will get it (in the staff member's language), with an example link."""
    language = (translation.get_language() or council.default_language)[:2]
    if language not in ("da", "nb", "en"):
        language = council.default_language
    subject, body = texts_for(council, get_message_type(services.CALL_MESSAGE))[language]
    return render_text(subject, body, message_context_for_preview(council, event, language))


@staff_view(Capability.EVENTS)
@require_http_methods(["GET", "POST"])
def call_view(request, event_id: int):
    """Choose who is called, see how many and the e-mail, then confirm."""
    event = selectors.event_get(council=request.council, event_id=event_id)
    data = request.POST if request.method == "POST" else request.GET
    if data.get("audience") == "sample" and not data.get("sample_seed", "").strip():
        # A seed now, shown in the preview and carried to the send: what is sent is what was shown.
        data = data.copy()
        data["sample_seed"] = str(secrets.randbelow(services.MAX_SEED))
    form = AudienceForm(data, questions=active_profile_questions(council=request.council),
                        segments=list(segment_list(council=request.council)), council=request.council)
    segment = form.chosen_segment()
    filters = clean_filters(council=request.council, filters=form.filters())
    sample = form.sample()
    if request.method == "POST" and request.POST.get("action") == "send":
        try:
            call = services.call_send(council=request.council, actor=request.user, event=event, filters=filters,
                                      segment=segment,
                                      sample_size=sample[0] if sample else None,
                                      sample_seed=sample[1] if sample else None, request=request)
        except ValidationError as error:
            _flash(request, error)
        else:
            messages.success(request, ngettext("%(n)s member called to volunteer.",
                                               "%(n)s members called to volunteer.", call.recipient_count)
                             % {"n": number(call.recipient_count)})
            return redirect("staff:event_detail", event.pk)
    plan = call_plan(council=request.council, event=event, filters=filters)
    drawn = call_sample(council=request.council, member_ids=plan.member_ids, size=sample[0],
                        seed=sample[1]) if sample else None
    subject, body = _email_preview(request.council, event)
    return render(request, "events/staff/call.html", {
        "event": event, "form": form, "plan": plan, "filters": filters, "segment": segment,
        "filter_lines": members_filter_describe(council=request.council, filters=filters),
        "email_subject": subject, "email_body": body,
        "sample": drawn, "recipients": len(drawn.selected) if drawn else len(plan.member_ids),
        "open": event.volunteering_open(), "has_sessions": event.sessions.filter(cancelled_at__isnull=True).exists(),
    })


@staff_view(Capability.EVENTS)
@require_http_methods(["GET", "POST"])
def draw_view(request, event_id: int):
    """Quotas from the population figures, the volunteers beside the population, whether the
    quotas can be met (at once, without drawing), then the draw."""
    event = selectors.event_get(council=request.council, event_id=event_id)
    if event.drawn_at:
        return redirect("staff:event_detail", event.pk)
    features = drawing.draw_features(council=request.council)
    data = request.POST if request.method == "POST" else (request.GET if request.GET else None)
    form = DrawForm(data, features=features)
    keys, tolerance = [f.key for f in features], drawing.DEFAULT_TOLERANCE
    if data is not None and form.is_valid():
        keys, tolerance = form.cleaned_data["features"], form.cleaned_data["tolerance"]
        if request.method == "POST":
            try:
                services.draw_run(council=request.council, actor=request.user, event=event, feature_keys=keys,
                                  tolerance=tolerance, request=request)
            except ValidationError as error:
                _flash(request, error)
            else:
                messages.success(request, _("The seats are drawn. The seed is now public on the event's page."))
                return redirect("staff:event_detail", event.pk)
    plan = drawing.draw_plan(council=request.council, event=event, feature_keys=keys, tolerance=tolerance)
    return render(request, "events/staff/draw.html", {"event": event, "form": form, "plan": plan,
                                                      "deadline_passed": not event.volunteering_open()})


@staff_view(Capability.EVENTS)
def draw_export_view(request, event_id: int):
    """Every placement with its exact probability, for staff who run the event (audited)."""
    event = selectors.event_get(council=request.council, event_id=event_id)
    rows = draw_rows(event)
    member_ids = list(Placement.objects.filter(session__event=event).values_list("participant__member_id", flat=True))
    audit_record(council=request.council, actor=request.user, action="event.draw_export", target=event,
                 member_ids=member_ids, request=request)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="event-{event.pk}-draw.csv"'
    writer = csv.writer(response)
    writer.writerow(DRAW_HEADER)
    writer.writerows(rows)
    return response


@staff_view(Capability.EVENTS)
@require_POST
def seat_decline_view(request, event_id: int, placement_id: int):
    """A member told staff they cannot come (by phone, at the desk): staff record the decline on
    their behalf (audited with the staff member); the seat passes on as after their own decline."""
    event = selectors.event_get(council=request.council, event_id=event_id)
    placement = get_object_or_404(Placement, pk=placement_id, session__event=event, session__event__council=request.council)
    try:
        services.seat_decline(placement=placement, actor=request.user, request=request)
    except services.SeatNotOpen:
        messages.error(request, _("This seat cannot be declined any more."))
    else:
        messages.success(request, _("The decline is recorded. The seat passes on to the reserve or waiting list."))
    return redirect(reverse("staff:event_detail", args=[event.pk]) + "#the-draw")


@staff_view(Capability.EVENTS)
@require_POST
def seat_invite_extra_view(request, event_id: int, session_id: int):
    """Invite the next on the session's reserve list beyond the seats (one e-mail to one member)."""
    event = selectors.event_get(council=request.council, event_id=event_id)
    session = selectors.session_get(council=request.council, event=event, session_id=session_id)
    try:
        placement = services.seat_invite_extra(council=request.council, actor=request.user, session=session,
                                               request=request)
    except ValidationError as error:
        _flash(request, error)
    else:
        messages.success(request, _("%(name)s is invited from the reserve list. If every seat is taken when they say "
                                    "yes, they go on the waiting list.")
                         % {"name": placement.participant.member.display_name})
    return redirect(reverse("staff:event_detail", args=[event.pk]) + "#the-draw")


@staff_view(Capability.EVENTS)
def checkin_view(request, event_id: int, session_id: int):
    """The door list on a phone: everyone confirmed, with a check-in button each."""
    event = selectors.event_get(council=request.council, event_id=event_id)
    session = selectors.session_get(council=request.council, event=event, session_id=session_id)
    return render(request, "events/staff/checkin.html", {
        "event": event, "session": session,
        "placements": selectors.door_list(council=request.council, session=session),
    })


@staff_view(Capability.EVENTS)
@require_http_methods(["GET", "POST"])
def checkin_code_view(request, event_id: int, code: str):
    """Where the QR code on a ticket leads: who it is, and a button to check them in."""
    event = selectors.event_get(council=request.council, event_id=event_id)
    placement = selectors.placement_by_checkin_code(council=request.council, event=event, code=code)
    if request.method == "POST":
        try:
            services.attendance_set(council=request.council, actor=request.user, placement=placement, attended=True,
                                    request=request)
        except ValidationError as error:
            _flash(request, error)
        else:
            messages.success(request, _("%(name)s is checked in.") % {"name": placement.participant.member.display_name})
        return redirect("staff:event_checkin", event.pk, placement.session_id)
    return render(request, "events/staff/checkin_code.html", {"event": event, "placement": placement})


@staff_view(Capability.EVENTS)
@require_POST
def attendance_view(request, event_id: int, session_id: int, placement_id: int):
    event = selectors.event_get(council=request.council, event_id=event_id)
    session = selectors.session_get(council=request.council, event=event, session_id=session_id)
    placement = selectors.placement_get(council=request.council, session=session, placement_id=placement_id)
    attended = {"in": True, "no_show": False, "undo": None}.get(request.POST.get("attended", ""), "?")
    if attended == "?":
        messages.error(request, _("Unknown action."))
    else:
        try:
            services.attendance_set(council=request.council, actor=request.user, placement=placement,
                                    attended=attended, request=request)
        except ValidationError as error:
            _flash(request, error)
    return redirect(f"{reverse('staff:event_checkin', args=[event.pk, session.pk])}#p{placement.pk}")


@staff_view(Capability.EVENTS)
@require_POST
def no_shows_view(request, event_id: int, session_id: int):
    event = selectors.event_get(council=request.council, event_id=event_id)
    session = selectors.session_get(council=request.council, event=event, session_id=session_id)
    count = services.no_shows_record(council=request.council, actor=request.user, session=session, request=request)
    messages.success(request, ngettext("%(n)s participant recorded as not come.",
                                       "%(n)s participants recorded as not come.", count) % {"n": count})
    return redirect("staff:event_checkin", event.pk, session.pk)


@staff_view(Capability.EVENTS)
@require_POST
def session_cancel_view(request, event_id: int, session_id: int):
    event = selectors.event_get(council=request.council, event_id=event_id)
    session = selectors.session_get(council=request.council, event=event, session_id=session_id)
    services.session_cancel(council=request.council, actor=request.user, session=session, request=request)
    messages.success(request, _("The session is cancelled; everyone invited or confirmed is told."))
    return redirect("staff:event_detail", event.pk)
