"""Writes for events: the event and its sessions and questions, calls for volunteers,
volunteering, the fair draw, seats (accept, decline, replacement), attendance.

Each service opens its transaction and writes the audit row; e-mail goes through outreach
(`mailing_create`), whose worker rebuilds each personal link at send time.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from civicpanel.audit.services import audit_record
from civicpanel.common.security import new_salt, token_hash
from civicpanel.events.audience import call_plan, call_sample
from civicpanel.events.links import participant_token
from civicpanel.events.models import (
    Call,
    Event,
    Participant,
    Placement,
    RegistrationQuestion,
    Session,
)
from civicpanel.members.segments import clean_filters
from civicpanel.methods.selection import replacement_for
from civicpanel.outreach.services import mailing_create
from civicpanel.questionnaires.kinds import CHOICE_KINDS, parse_answer, settings_problems

CALL_MESSAGE = "event_call"
INVITATION_MESSAGE = "event_invitation"
RESERVE_MESSAGE = "event_reserve"
NOT_DRAWN_MESSAGE = "event_not_drawn"
REMINDER_MESSAGE = "event_reminder"
CHANGE_MESSAGE = "event_change"
CANCEL_MESSAGE = "event_cancel"
SEAT_OFFER_MESSAGE = "event_seat_offer"
EXTRA_INVITATION_MESSAGE = "event_extra_invitation"
# Holding a seat, or offered one: these count when a replacement must keep the quotas.
HOLDING_STATES = ("invited", "confirmed", "attended", "no_show")
CONFIRMED_STATES = ("confirmed", "attended", "no_show")
MAX_SEED = 2**31 - 1
PSEUDONYM_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O or 1/I to misread


def seed_commitment(seed: int) -> str:
    """What the public page shows before the draw: SHA-256 of the seed written in decimal."""
    return hashlib.sha256(str(seed).encode("ascii")).hexdigest()


# --- Event, sessions, questions -----------------------------------------------------------

EVENT_FIELDS = ("kind", "title", "description", "volunteer_deadline", "reply_days", "reminder_hours",
                "reserve_size")


def _locked(event: Event, council) -> Event:
    return Event.objects.select_for_update().get(pk=event.pk, council=council)


def _ensure_not_drawn(event: Event) -> None:
    if event.drawn_at is not None:
        raise ValidationError(_("The seats have been drawn; this can no longer be changed."))


def event_create(*, council, actor, title: dict, volunteer_deadline: datetime, request=None, **fields) -> Event:
    """A new event with its lottery seed fixed now and its commitment published from the start."""
    if not any((t or "").strip() for t in title.values()):
        raise ValidationError({"title": _("Give the event a title.")})
    seed = secrets.randbelow(MAX_SEED)
    with transaction.atomic():
        event = Event.objects.create(
            council=council, title=title, volunteer_deadline=volunteer_deadline, seed=seed,
            seed_commitment=seed_commitment(seed), created_by=actor if getattr(actor, "pk", None) else None,
            **{k: v for k, v in fields.items() if k in EVENT_FIELDS},
        )
        audit_record(council=council, actor=actor, action="event.create", target=event,
                     detail={"commitment": event.seed_commitment}, request=request)
    return event


def event_update(*, council, actor, event: Event, request=None, **fields) -> Event:
    with transaction.atomic():
        event = _locked(event, council)
        changed = [name for name, value in fields.items() if name in EVENT_FIELDS and getattr(event, name) != value]
        if changed and event.drawn_at is not None and "volunteer_deadline" in changed:
            raise ValidationError({"volunteer_deadline": _("The seats have been drawn; the volunteering deadline "
                                                           "can no longer be changed.")})
        for name in changed:
            setattr(event, name, fields[name])
        if changed:
            event.save(update_fields=[*changed, "updated_at"])
            audit_record(council=council, actor=actor, action="event.update", target=event,
                         detail={"fields": changed}, request=request)
    return event


def event_finished(event: Event, now=None) -> bool:
    """The event's sessions are over: seats were drawn, it is not cancelled, and its last
    session that was held has ended."""
    now = now or timezone.now()
    if event.cancelled_at is not None or event.drawn_at is None:
        return False
    ends = [session.ends_at for session in event.sessions.filter(cancelled_at__isnull=True)]
    return bool(ends) and max(ends) <= now


def event_outcome_update(*, council, actor, event: Event, outcome: dict[str, str], outcome_date,
                         request=None) -> Event:
    """Write what came of the event (after its sessions): the text per language and its date."""
    outcome = {language: text.strip() for language, text in (outcome or {}).items() if (text or "").strip()}
    if not outcome:
        raise ValidationError(_("Write what came of it in at least one language."))
    if outcome_date is not None and outcome_date > timezone.localdate():
        raise ValidationError({"outcome_date": _("The date cannot be in the future.")})
    with transaction.atomic():
        event = _locked(event, council)
        if not event_finished(event):
            raise ValidationError(_("What came of an event is written after its last session."))
        if event.outcome == outcome and event.outcome_date == outcome_date:
            return event
        event.outcome, event.outcome_date = outcome, outcome_date
        event.save(update_fields=["outcome", "outcome_date", "updated_at"])
        audit_record(council=council, actor=actor, action="event.outcome", target=event,
                     detail={"languages": sorted(outcome), "date": outcome_date.isoformat() if outcome_date else None},
                     request=request)
    return event


SESSION_FIELDS = ("starts_at", "duration_minutes", "place", "online_link", "capacity", "accessibility")


def session_save(*, council, actor, event: Event, session: Session | None = None, request=None,
                 **fields) -> Session:
    """Add a session, or change one. Once drawn, the number of seats is fixed (the draw was made
    for it); a change of time or place is sent to everyone invited or confirmed."""
    if not (fields.get("place") or "").strip() and not (fields.get("online_link") or "").strip():
        raise ValidationError({"place": _("Give a place or an online link.")})
    if fields.get("capacity") is not None and fields["capacity"] < 1:
        raise ValidationError({"capacity": _("A session needs at least one seat.")})
    with transaction.atomic():
        event = _locked(event, council)
        if session is None:
            _ensure_not_drawn(event)
            session = Session.objects.create(event=event, **{k: v for k, v in fields.items() if k in SESSION_FIELDS})
            audit_record(council=council, actor=actor, action="event.session_add", target=event,
                         detail={"session": session.pk}, request=request)
            return session
        session = Session.objects.select_for_update().get(pk=session.pk, event=event)
        changed = [n for n, v in fields.items() if n in SESSION_FIELDS and getattr(session, n) != v]
        if event.drawn_at is not None and "capacity" in changed:
            raise ValidationError({"capacity": _("The seats have been drawn; the number of seats can no longer "
                                                 "be changed.")})
        for name in changed:
            setattr(session, name, fields[name])
        if changed:
            if "starts_at" in changed:
                session.reminded_at = None
                changed.append("reminded_at")
            session.save(update_fields=changed)
            audit_record(council=council, actor=actor, action="event.session_update", target=event,
                         detail={"session": session.pk, "fields": changed}, request=request)
            # Those with a seat hear of a change to when or where; not of a corrected note.
            if event.drawn_at is not None and {"starts_at", "duration_minutes", "place", "online_link"} & set(changed):
                holders = Placement.objects.filter(session=session, state__in=(
                    Placement.State.INVITED, Placement.State.CONFIRMED, Placement.State.WAITING))
                _notify(council=council, actor=actor, event=event, message_type=CHANGE_MESSAGE,
                        participants=[p.participant for p in holders.select_related("participant")], session=session)
    return session


def session_delete(*, council, actor, session: Session, request=None) -> None:
    with transaction.atomic():
        event = _locked(session.event, council)
        _ensure_not_drawn(event)
        session_id = session.pk
        Session.objects.filter(pk=session_id, event=event).delete()
        audit_record(council=council, actor=actor, action="event.session_delete", target=event,
                     detail={"session": session_id}, request=request)


def question_add(*, council, actor, event: Event, kind: str, text: dict, options: list | None = None,
                 required: bool = False, help: dict | None = None, settings: dict | None = None,
                 request=None) -> RegistrationQuestion:
    """Add one of the event's own questions to the volunteer form: any kind a survey question
    can have, checked as the survey builder checks it (questionnaires.kinds)."""
    if kind not in RegistrationQuestion.Kind.values:
        raise ValidationError({"kind": _("Choose a kind of question.")})
    if not any((t or "").strip() for t in text.values()):
        raise ValidationError({"text": _("Write the question.")})
    options, settings = options or [], settings or {}
    problems = settings_problems(kind, options, settings)
    if problems:
        raise ValidationError(problems)
    with transaction.atomic():
        event = _locked(event, council)
        if Participant.objects.filter(event=event, volunteered_at__isnull=False).exists():
            raise ValidationError(_("Volunteers have answered the form; its questions can no longer change."))
        order = event.questions.count()
        question = RegistrationQuestion.objects.create(
            event=event, uid="q" + secrets.token_hex(5), order=order, kind=kind, text=text, help=help or {},
            required=required and kind != RegistrationQuestion.Kind.INFO,
            options=options if kind in CHOICE_KINDS else [], settings=settings,
        )
        audit_record(council=council, actor=actor, action="event.question_add", target=event,
                     detail={"question": question.uid, "kind": kind}, request=request)
    return question


def question_delete(*, council, actor, question: RegistrationQuestion, request=None) -> None:
    with transaction.atomic():
        event = _locked(question.event, council)
        if Participant.objects.filter(event=event, volunteered_at__isnull=False).exists():
            raise ValidationError(_("Volunteers have answered the form; its questions can no longer change."))
        uid = question.uid
        RegistrationQuestion.objects.filter(pk=question.pk, event=event).delete()
        audit_record(council=council, actor=actor, action="event.question_delete", target=event,
                     detail={"question": uid}, request=request)


# --- The call for volunteers -------------------------------------------------------------

def _new_pseudonyms(event: Event, count: int) -> list[str]:
    taken = set(Participant.objects.filter(event=event).values_list("pseudonym", flat=True))
    fresh: list[str] = []
    while len(fresh) < count:
        code = "".join(secrets.choice(PSEUDONYM_ALPHABET) for _i in range(6))
        if code not in taken:
            taken.add(code)
            fresh.append(code)
    return fresh


def call_send(*, council, actor, event: Event, filters: dict | None = None, segment=None,
              sample_size: int | None = None, sample_seed: int | None = None, request=None) -> Call:
    """Call an audience to volunteer: one participant (with a personal link) per member not yet
    called and not left out, and one outreach mailing. The audience is a saved `segment`
    (members.segments) or `filters`, as for a survey's sending. With `sample_size`, only a
    representative sample of them (audience.call_sample; seed kept on the call). Safe to call
    twice: those already called are left out the second time."""
    if segment is not None:
        if segment.council_id != council.pk:
            raise ValidationError(_("Unknown segment."))
        filters = segment.filters
    filters = clean_filters(council=council, filters=filters or {})
    now = timezone.now()
    with transaction.atomic():
        event = _locked(event, council)
        if event.cancelled_at is not None:
            raise ValidationError(_("The event is cancelled."))
        if not event.volunteering_open(now):
            raise ValidationError(_("The volunteering deadline has passed or the seats are drawn; no call can be sent."))
        if not event.sessions.filter(cancelled_at__isnull=True).exists():
            raise ValidationError(_("Add a session before calling for volunteers."))
        plan = call_plan(council=council, event=event, filters=filters or {}, now=now)
        if not plan.member_ids:
            raise ValidationError(_("Nobody to call: everyone in this audience is left out or already called."))
        design = {}
        if sample_size is not None:
            drawn = call_sample(council=council, member_ids=plan.member_ids, size=sample_size,
                                seed=sample_seed if sample_seed is not None else secrets.randbelow(MAX_SEED))
            if drawn.errors:
                raise ValidationError(drawn.errors)
            plan.member_ids, design = drawn.selected, drawn.record()
        call = Call.objects.create(event=event, segment=segment, filters=filters, recipient_count=len(plan.member_ids),
                                   left_out=plan.left_out, sample=design,
                                   created_by=actor if getattr(actor, "pk", None) else None)
        pseudonyms = _new_pseudonyms(event, len(plan.member_ids))
        Participant.objects.bulk_create([
            Participant(event=event, member_id=m, call=call, token_salt=new_salt(), pseudonym=p, called_at=now)
            for m, p in zip(plan.member_ids, pseudonyms, strict=True)
        ], batch_size=500)
        created = list(Participant.objects.filter(call=call).only("pk", "member_id", "token_salt"))
        for participant in created:
            participant.token_hash = token_hash(participant_token(participant))
        Participant.objects.bulk_update(created, ["token_hash"], batch_size=500)
        mailing = mailing_create(council=council, actor=actor, message_type=CALL_MESSAGE,
                                 member_ids=plan.member_ids, reference=f"event:{event.pk}",
                                 reference_ids={p.member_id: p.pk for p in created})
        call.mailing = mailing
        call.save(update_fields=["mailing"])
        audit_record(council=council, actor=actor, action="event.call", target=event, member_ids=plan.member_ids,
                     detail={"call": call.pk, "segment": segment.pk if segment else None, "filters": filters,
                             "called": len(plan.member_ids),
                             "left_out": plan.left_out, "sample": design}, request=request)
    return call


# --- Volunteering ---------------------------------------------------------------------------

class VolunteeringClosed(Exception):
    """The deadline has passed, the seats are drawn or the event is cancelled."""


def volunteer_submit(*, participant: Participant, session_ids: list[int], data, language: str = "") -> dict[str, str]:
    """Save a member's answer to the call: which sessions suit them and the event's questions.

    Returns errors by field ({} when saved). Sending the form again overwrites the earlier
    answer (and takes back a withdrawal) until the deadline; nothing is saved when anything
    is wrong.
    """
    with transaction.atomic():
        participant = Participant.objects.select_for_update().select_related("event").get(pk=participant.pk)
        event = participant.event
        if not event.volunteering_open():
            raise VolunteeringClosed
        sessions = list(event.sessions.filter(cancelled_at__isnull=True, pk__in=session_ids))
        errors: dict[str, str] = {}
        if not sessions:
            errors["sessions"] = _("Tick at least one session that suits you.")
        answers, others = {}, {}
        for question in event.questions.all():
            parsed = parse_answer(question, data)
            if parsed.error:
                errors[question.uid] = parsed.error
            elif not parsed.empty:
                answers[question.uid] = parsed.value
                if parsed.other_text:
                    others[question.uid] = parsed.other_text
        if errors:
            return errors
        participant.sessions.set(sessions)
        participant.answers, participant.answer_others = answers, others
        participant.volunteered_at = participant.volunteered_at or timezone.now()
        participant.withdrawn_at = None
        participant.save(update_fields=["answers", "answer_others", "volunteered_at", "withdrawn_at"])
    return {}


def volunteer_withdraw(*, participant: Participant) -> Participant:
    """Take back one's volunteering before the draw (after the draw: decline the seat)."""
    with transaction.atomic():
        participant = Participant.objects.select_for_update().select_related("event").get(pk=participant.pk)
        if not participant.event.volunteering_open():
            raise VolunteeringClosed
        if participant.volunteered_at and participant.withdrawn_at is None:
            participant.withdrawn_at = timezone.now()
            participant.save(update_fields=["withdrawn_at"])
    return participant


# --- The draw ---------------------------------------------------------------------------------

def draw_run(*, council, actor, event: Event, feature_keys: list[str], tolerance: int, request=None) -> Event:
    """Draw every session's seats with the committed seed (see draw.py), keep each volunteer's
    probability and the ordered reserve lists, and publish the seed. Nothing is saved when any
    session's quotas cannot be met."""
    from civicpanel.events import draw as drawing

    now = timezone.now()
    with transaction.atomic():
        event = _locked(event, council)
        if event.drawn_at is not None:
            raise ValidationError(_("The seats have already been drawn."))
        if event.cancelled_at is not None:
            raise ValidationError(_("The event is cancelled."))
        if now < event.volunteer_deadline:
            raise ValidationError(_("The draw can be made once the volunteering deadline has passed."))
        plan = drawing.draw_plan(council=council, event=event, feature_keys=feature_keys, tolerance=tolerance)
        if plan.errors:
            raise ValidationError(plan.errors)
        codes = drawing.volunteer_codes(council=council, features=plan.features,
                                        participants=[p for s in plan.sessions for p in s.pool])
        taken: set[int] = set()
        record_sessions = []
        rows = []
        for session_plan in plan.sessions:
            session = session_plan.session
            pool = [p for p in session_plan.pool if p.pk not in taken]
            people = drawing.people_csv(plan.features, [(p.pseudonym, codes[p.pk]) for p in pool])
            quotas = drawing.features_csv(session_plan.quotas)
            reserve = min(event.reserve_size, max(len(pool) - session.capacity, 0))
            try:
                result = drawing.run_files(people=people, quotas=quotas, size=session.capacity, seed=event.seed,
                                           reserve=reserve)
            except drawing.InfeasibleQuotasError as error:
                problems, relaxation = drawing.explain(error, rows=session_plan.quotas,
                                                       pool_codes=[codes[p.pk] for p in pool],
                                                       size=session.capacity, features=plan.features)
                when = timezone.localtime(session.starts_at).strftime("%d.%m.%Y %H:%M")
                messages = [_("Session %(when)s:") % {"when": when}, *problems]
                if relaxation:
                    messages += [_("Smallest change to the quotas that makes the draw possible:"), *relaxation]
                raise ValidationError(messages) from error
            by_pseudonym = {p.pseudonym: p for p in pool}
            probability = dict(zip(result.ids, (float(x) for x in result.probabilities), strict=True))
            selected, reserve_list = set(result.selected), list(result.reserve)
            for pseudonym, participant in by_pseudonym.items():
                if pseudonym in selected:
                    outcome, rank = Placement.Outcome.SELECTED, None
                    taken.add(participant.pk)
                elif pseudonym in reserve_list:
                    outcome, rank = Placement.Outcome.RESERVE, reserve_list.index(pseudonym) + 1
                else:
                    outcome, rank = Placement.Outcome.NOT_DRAWN, None
                rows.append(Placement(session=session, participant=participant, outcome=outcome, reserve_rank=rank,
                                      probability=probability[pseudonym], checkin_code=secrets.token_urlsafe(12)))
            record_sessions.append({
                "session": session.pk, "size": session.capacity, "reserve": reserve, "pool": len(pool),
                "people_csv": people, "quotas_csv": quotas, "selected": sorted(selected), "reserve_list": reserve_list,
                "min_probability": result.min_probability, "panels_mixed": result.panels_mixed,
                "quota_counts": [{"feature": c.feature, "value": c.value, "min": c.min, "max": c.max,
                                  "count": c.selected} for c in result.quota_counts],
            })
        reply_by = now + timedelta(days=event.reply_days)
        for placement in rows:
            if placement.outcome == Placement.Outcome.SELECTED:
                placement.state, placement.invited_at, placement.reply_by = Placement.State.INVITED, now, reply_by
        Placement.objects.bulk_create(rows, batch_size=500)
        _draw_notify(council=council, actor=actor, event=event, placements=rows)
        event.draw = {"method": drawing.METHOD, "seed": event.seed, "features": [f.key for f in plan.features],
                      "tolerance": tolerance, "volunteers": plan.volunteers, "incomplete": plan.incomplete,
                      "sessions": record_sessions}
        event.drawn_at = now
        event.save(update_fields=["draw", "drawn_at", "updated_at"])
        audit_record(council=council, actor=actor, action="event.draw", target=event,
                     member_ids=[p.participant.member_id for p in rows if p.outcome == Placement.Outcome.SELECTED],
                     detail={"seed": event.seed, "features": event.draw["features"], "tolerance": tolerance,
                             "sessions": [{k: s[k] for k in ("session", "size", "reserve", "pool", "selected",
                                                              "reserve_list")} for s in record_sessions]},
                     request=request)
    return event



def _notify(*, council, actor, event: Event, message_type: str, participants: list[Participant],
            session: Session | None = None) -> None:
    if not participants:
        return
    mailing_create(council=council, actor=actor, message_type=message_type,
                   member_ids=[p.member_id for p in participants], reference=f"event:{event.pk}",
                   reference_ids={p.member_id: p.pk for p in participants},
                   extra_context={"session": session.pk} if session else None)


def _draw_notify(*, council, actor, event: Event, placements: list[Placement]) -> None:
    """After the draw: an invitation per seat (one wave per session, since the e-mail names the
    session), and one kind e-mail to everyone else: on a reserve list, or not drawn."""
    invited: set[int] = set()
    reserve: dict[int, Participant] = {}
    others: dict[int, Participant] = {}
    by_session: dict[int, tuple[Session, list[Participant]]] = {}
    for placement in placements:
        participant = placement.participant
        if placement.outcome == Placement.Outcome.SELECTED:
            invited.add(participant.pk)
            by_session.setdefault(placement.session_id, (placement.session, []))[1].append(participant)
        elif placement.outcome == Placement.Outcome.RESERVE:
            reserve[participant.pk] = participant
        else:
            others[participant.pk] = participant
    for session, participants in by_session.values():
        _notify(council=council, actor=actor, event=event, message_type=INVITATION_MESSAGE,
                participants=participants, session=session)
    _notify(council=council, actor=actor, event=event, message_type=RESERVE_MESSAGE,
            participants=[p for pk, p in reserve.items() if pk not in invited])
    _notify(council=council, actor=actor, event=event, message_type=NOT_DRAWN_MESSAGE,
            participants=[p for pk, p in others.items() if pk not in invited and pk not in reserve])


# --- Seats -------------------------------------------------------------------------------------

class SeatNotOpen(Exception):
    """The invitation cannot be answered any more (declined, expired, replaced or cancelled)."""


def seats_taken(session: Session) -> int:
    return Placement.objects.filter(session=session, state__in=CONFIRMED_STATES).count()


def seat_accept(*, placement: Placement) -> Placement:
    """Accept an invited seat. The session row is locked, so however many accept at once,
    no more than its capacity are confirmed; the rest go on the waiting list. Accepting twice
    (a double click, a replayed link) changes nothing."""
    with transaction.atomic():
        session = Session.objects.select_for_update().select_related("event").get(pk=placement.session_id)
        placement = Placement.objects.select_for_update().select_related("participant").get(pk=placement.pk)
        if placement.state in (*CONFIRMED_STATES, Placement.State.WAITING):
            return placement
        if placement.state != Placement.State.INVITED or session.cancelled_at or session.event.cancelled_at:
            raise SeatNotOpen
        now = timezone.now()
        full = seats_taken(session) >= session.capacity
        placement.state = Placement.State.WAITING if full else Placement.State.CONFIRMED
        placement.replied_at = now
        placement.save(update_fields=["state", "replied_at"])
        audit_record(council=session.event.council, actor=None, action="event.seat_accept", target=session.event,
                     member_ids=[placement.participant.member_id],
                     detail={"session": session.pk, "state": placement.state})
    return placement


def seat_decline(*, placement: Placement, actor=None, request=None) -> Placement:
    """Decline an invited seat, or give up a confirmed one (or a place on the waiting list); the
    seat then goes to the first on the reserve list whose swap keeps every quota, or else to the
    waiting list. Declining twice changes nothing. With a staff `actor` it is a decline the
    member gave staff (by phone, at the desk), recorded on their behalf."""
    with transaction.atomic():
        session = Session.objects.select_for_update().select_related("event", "event__council").get(
            pk=placement.session_id)
        placement = Placement.objects.select_for_update().select_related("participant").get(pk=placement.pk)
        if placement.state in (Placement.State.DECLINED, Placement.State.WITHDRAWN, Placement.State.EXPIRED):
            return placement
        if placement.state not in (Placement.State.INVITED, Placement.State.CONFIRMED, Placement.State.WAITING):
            raise SeatNotOpen
        # A seat is freed by a confirmed participant, or by an invitation to a seat; not by an
        # extra invitation beyond the seats (it held none).
        held = (placement.state == Placement.State.CONFIRMED
                or placement.state == Placement.State.INVITED and not placement.extra)
        placement.state = (Placement.State.DECLINED if placement.state == Placement.State.INVITED
                           else Placement.State.WITHDRAWN)
        placement.replied_at = timezone.now()
        placement.save(update_fields=["state", "replied_at"])
        council = session.event.council
        audit_record(council=council, actor=actor, action="event.seat_decline", target=session.event,
                     member_ids=[placement.participant.member_id],
                     detail={"session": session.pk, "state": placement.state,
                             **({"on_behalf": True} if getattr(actor, "pk", None) else {})}, request=request)
        if held:
            _replace(council=council, actor=actor, session=session, dropped=placement)
    return placement


def _replace(*, council, actor, session: Session, dropped: Placement) -> Placement | None:
    """Invite the first reserve of the session, not yet asked and not seated elsewhere, whose
    swap for `dropped` keeps every quota (methods.selection.replacement_for)."""
    event = session.event
    chosen = replacement_candidate(session=session, dropped=dropped)
    if chosen is None:
        return _offer_to_waiting_list(council=council, actor=actor, session=session, dropped=dropped)
    now = timezone.now()
    chosen.state, chosen.invited_at, chosen.replaces = Placement.State.INVITED, now, dropped
    chosen.reply_by, chosen.extra = _reply_by(session, now), False  # a real seat now
    chosen.save(update_fields=["state", "invited_at", "reply_by", "replaces", "extra"])
    _notify(council=council, actor=actor, event=event, message_type=INVITATION_MESSAGE,
            participants=[chosen.participant], session=session)
    audit_record(council=council, actor=actor, action="event.seat_replace", target=event,
                 member_ids=[chosen.participant.member_id],
                 detail={"session": session.pk, "dropped": dropped.participant.pseudonym,
                         "reserve": chosen.participant.pseudonym,
                         "reserve_rank": chosen.reserve_rank})
    return chosen


def _reply_by(session: Session, now: datetime) -> datetime:
    reply_by = max(now + timedelta(days=session.event.reply_days), now + timedelta(hours=1))
    if reply_by > session.starts_at > now:  # a late offer must be answered before the session
        reply_by = session.starts_at
    return reply_by


def waiting_list(session: Session) -> list[Placement]:
    """Those who said yes when the session was full, in the order they said it."""
    return list(Placement.objects.filter(session=session, state=Placement.State.WAITING)
                .select_related("participant").order_by("replied_at", "pk"))


def _offer_to_waiting_list(*, council, actor, session: Session, dropped: Placement) -> Placement | None:
    """No reserve keeps the quotas: the freed seat is offered to the first on the session's
    waiting list (an e-mail through outreach, answered like an invitation with the same reply
    deadline rule; a decline or no answer passes it on to the next). The session row is locked
    by the caller, so two freed seats never go to the same person."""
    event = session.event
    if (session.cancelled_at or event.cancelled_at or session.starts_at <= timezone.now()
            or seats_taken(session) >= session.capacity):  # no seat is actually free (only an offer was)
        waiting = []
    else:
        waiting = waiting_list(session)
    if not waiting:
        audit_record(council=council, actor=actor, action="event.seat_unfilled", target=event,
                     detail={"session": session.pk, "dropped": dropped.participant.pseudonym})
        return None
    chosen = waiting[0]
    now = timezone.now()
    chosen.state, chosen.invited_at, chosen.replaces = Placement.State.INVITED, now, dropped
    chosen.reply_by, chosen.extra = _reply_by(session, now), False  # a real seat now
    chosen.save(update_fields=["state", "invited_at", "reply_by", "replaces", "extra"])
    _notify(council=council, actor=actor, event=event, message_type=SEAT_OFFER_MESSAGE,
            participants=[chosen.participant], session=session)
    audit_record(council=council, actor=actor, action="event.seat_offer_waiting", target=event,
                 member_ids=[chosen.participant.member_id],
                 detail={"session": session.pk, "dropped": dropped.participant.pseudonym,
                         "waiting": chosen.participant.pseudonym, "position": 1, "waiting_count": len(waiting)})
    return chosen


def replacement_candidate(*, session: Session, dropped: Placement) -> Placement | None:
    """Who would take `dropped`'s seat: the first reserve of the session, not yet asked, not
    seated elsewhere and not withdrawn, whose swap keeps every quota (replacement_for). Reads
    only; `_replace` acts on it."""
    from civicpanel.events import draw as drawing

    event = session.event
    record = next((row for row in event.draw.get("sessions", []) if row["session"] == session.pk), None)
    if record is None:
        return None
    pool, features = drawing.read_files(people=record["people_csv"], quotas=record["quotas_csv"])
    placements = {p.participant.pseudonym: p for p in
                  Placement.objects.filter(session=session).select_related("participant")}
    holding = [pseudonym for pseudonym, p in placements.items()
               if p.state in HOLDING_STATES and p.pk != dropped.pk
               and not (p.extra and p.state == Placement.State.INVITED)]
    busy = set(Placement.objects.filter(session__event=event, state__in=HOLDING_STATES)
               .exclude(session=session).values_list("participant__pseudonym", flat=True))
    candidates = [pseudonym for pseudonym in record["reserve_list"]
                  if pseudonym in placements and placements[pseudonym].state == Placement.State.NONE
                  and pseudonym not in busy and placements[pseudonym].participant.withdrawn_at is None]
    pick = replacement_for(pool, features, [*holding, dropped.participant.pseudonym], candidates,
                           dropped.participant.pseudonym)
    return placements[pick] if pick is not None else None


def extra_candidate(*, session: Session) -> Placement | None:
    """Who an extra invitation would go to: the first on the session's reserve list not yet
    asked, not seated elsewhere and not withdrawn."""
    busy = set(Placement.objects.filter(session__event_id=session.event_id, state__in=HOLDING_STATES)
               .exclude(session=session).values_list("participant_id", flat=True))
    for placement in (Placement.objects.filter(session=session, outcome=Placement.Outcome.RESERVE,
                                               state=Placement.State.NONE, participant__withdrawn_at__isnull=True)
                      .select_related("participant").order_by("reserve_rank", "pk")):
        if placement.participant_id not in busy:
            return placement
    return None


def seat_invite_extra(*, council, actor, session: Session, request=None) -> Placement:
    """Invite the next on the session's reserve list beyond the seats, for when staff expect
    some of those drawn not to come. The session is never overfilled: whoever says yes once
    every seat is confirmed goes on the waiting list, and is offered a seat that frees up."""
    with transaction.atomic():
        session = Session.objects.select_for_update().select_related("event", "event__council").get(
            pk=session.pk, event__council=council)
        event = session.event
        now = timezone.now()
        if event.drawn_at is None or event.cancelled_at or session.cancelled_at or session.starts_at <= now:
            raise ValidationError(_("Extra invitations can be sent only for a coming session after the draw."))
        chosen = extra_candidate(session=session)
        if chosen is None:
            raise ValidationError(_("Nobody on this session's reserve list is left to invite."))
        chosen.state, chosen.invited_at, chosen.extra = Placement.State.INVITED, now, True
        chosen.reply_by = _reply_by(session, now)
        chosen.save(update_fields=["state", "invited_at", "reply_by", "extra"])
        _notify(council=council, actor=actor, event=event, message_type=EXTRA_INVITATION_MESSAGE,
                participants=[chosen.participant], session=session)
        audit_record(council=council, actor=actor, action="event.seat_invite_extra", target=event,
                     member_ids=[chosen.participant.member_id],
                     detail={"session": session.pk, "reserve": chosen.participant.pseudonym,
                             "reserve_rank": chosen.reserve_rank, "confirmed": seats_taken(session),
                             "capacity": session.capacity}, request=request)
    return chosen


def seats_expire_due(*, now: datetime | None = None) -> int:
    """Invitations not answered by their reply deadline lose the seat to the reserve list (the
    scheduled job). Returns how many expired."""
    now = now or timezone.now()
    expired = 0
    for placement in Placement.objects.filter(state=Placement.State.INVITED, reply_by__lt=now,
                                              session__cancelled_at__isnull=True).select_related("session"):
        with transaction.atomic():
            session = Session.objects.select_for_update().select_related("event", "event__council").get(
                pk=placement.session_id)
            locked = Placement.objects.select_for_update().select_related("participant").get(pk=placement.pk)
            if locked.state != Placement.State.INVITED or not locked.reply_by or locked.reply_by >= now:
                continue
            locked.state = Placement.State.EXPIRED
            locked.save(update_fields=["state"])
            audit_record(council=session.event.council, actor=None, action="event.seat_expire",
                         target=session.event, member_ids=[locked.participant.member_id],
                         detail={"session": session.pk})
            if not locked.extra:  # an extra invitation held no seat: nothing passes on
                _replace(council=session.event.council, actor=None, session=session, dropped=locked)
            expired += 1
    return expired


def reminders_send_due(*, now: datetime | None = None) -> int:
    """Remind those confirmed, the event's set number of hours before each session (the
    scheduled job). Each session is reminded once. Returns the number of sessions reminded."""
    now = now or timezone.now()
    count = 0
    for session in Session.objects.filter(reminded_at__isnull=True, cancelled_at__isnull=True, starts_at__gt=now,
                                          event__drawn_at__isnull=False).select_related("event", "event__council"):
        if session.starts_at - timedelta(hours=session.event.reminder_hours) > now:
            continue
        with transaction.atomic():
            locked = Session.objects.select_for_update().get(pk=session.pk)
            if locked.reminded_at is not None:
                continue
            participants = [p.participant for p in Placement.objects.filter(
                session=locked, state=Placement.State.CONFIRMED).select_related("participant")]
            _notify(council=session.event.council, actor=None, event=session.event,
                    message_type=REMINDER_MESSAGE, participants=participants, session=locked)
            locked.reminded_at = now
            locked.save(update_fields=["reminded_at"])
            count += 1
    return count


def session_cancel(*, council, actor, session: Session, request=None) -> Session:
    """Cancel a session: everyone invited or confirmed is told, and their seats lapse."""
    with transaction.atomic():
        event = _locked(session.event, council)
        session = Session.objects.select_for_update().get(pk=session.pk, event=event)
        if session.cancelled_at is not None:
            return session
        session.cancelled_at = timezone.now()
        session.save(update_fields=["cancelled_at"])
        holders = list(Placement.objects.filter(session=session, state__in=(
            Placement.State.INVITED, Placement.State.CONFIRMED, Placement.State.WAITING)).select_related("participant"))
        _notify(council=council, actor=actor, event=event, message_type=CANCEL_MESSAGE,
                participants=[p.participant for p in holders], session=session)
        audit_record(council=council, actor=actor, action="event.session_cancel", target=event,
                     member_ids=[p.participant.member_id for p in holders], detail={"session": session.pk},
                     request=request)
    return session


def attendance_set(*, council, actor, placement: Placement, attended: bool | None, request=None) -> Placement:
    """Check a participant in (True), record a no-show (False) or undo either (None). Only
    confirmed seats can be checked in; setting the same state again changes nothing."""
    with transaction.atomic():
        placement = Placement.objects.select_for_update().select_related("session__event", "participant").get(
            pk=placement.pk, session__event__council=council)
        if placement.state not in CONFIRMED_STATES:
            raise ValidationError(_("Only a confirmed participant can be checked in or marked as not come."))
        state = {True: Placement.State.ATTENDED, False: Placement.State.NO_SHOW, None: Placement.State.CONFIRMED}[attended]
        if placement.state == state:
            return placement
        placement.state = state
        placement.checked_in_at = timezone.now() if attended else None
        placement.save(update_fields=["state", "checked_in_at"])
        audit_record(council=council, actor=actor, action="event.attendance", target=placement.session.event,
                     member_ids=[placement.participant.member_id],
                     detail={"session": placement.session_id, "state": state}, request=request)
    return placement


def no_shows_record(*, council, actor, session: Session, request=None) -> int:
    """After a session: every confirmed participant not checked in is recorded as not come."""
    with transaction.atomic():
        rows = list(Placement.objects.select_for_update().filter(
            session=session, session__event__council=council, state=Placement.State.CONFIRMED)
            .select_related("participant"))
        Placement.objects.filter(pk__in=[p.pk for p in rows]).update(state=Placement.State.NO_SHOW)
        if rows:
            audit_record(council=council, actor=actor, action="event.no_shows", target=session.event,
                         member_ids=[p.participant.member_id for p in rows],
                         detail={"session": session.pk, "count": len(rows)}, request=request)
    return len(rows)
