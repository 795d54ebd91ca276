"""Paper and phone answers typed in by staff for a member, found by the personal code printed on
their questionnaire.

The answers go through what the web form uses: each question is read and checked by the same
parser (`parse_answer`), and the display conditions decide which questions count, page by page
as `visible_flow` does on the web: an answer the routing skips is not saved (the staff member is
told how many). A required question may be left empty: staff type what is on the paper.

A survey can have its paper answers entered twice, by two different staff members. The second
entry is compared with the first question by question; when they agree the answers are saved,
otherwise the differences are shown and a third look at the paper settles them.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from civicpanel.audit.services import audit_record
from civicpanel.members.services import member_touch
from civicpanel.surveys import conditions
from civicpanel.surveys.models import Answer, Invitation, PaperEntry, Response, Survey
from civicpanel.surveys.questions import answer_display, parse_answer
from civicpanel.surveys.selectors import Structure, survey_structure

ENTRY_MODES = (Response.Mode.PAPER, Response.Mode.PHONE)


@dataclass
class PaperRead:
    values: dict[str, object] = field(default_factory=dict)
    others: dict[str, str] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    skipped: list[str] = field(default_factory=list)  # answers to questions the routing skips


def paper_read(*, structure: Structure, data) -> PaperRead:
    """Read a whole questionnaire from submitted form data, in survey order: conditions look only
    at earlier answers, so one pass decides which questions count (as on the web)."""
    read = PaperRead()
    seen: dict[str, object] = {}
    for page in structure.pages:
        page_shown = conditions.holds(page.condition, seen)
        shown = [q for q in page.survey_questions if page_shown and conditions.holds(q.condition, seen)]
        for question in page.survey_questions:
            if not question.answerable:
                continue
            lenient = copy.copy(question)
            lenient.required = False  # a blank on paper is a missing answer, not a typing error
            parsed = parse_answer(lenient, data)
            if question not in shown:
                if not parsed.empty or parsed.error:
                    read.skipped.append(question.uid)
                continue
            if parsed.error:
                read.errors[question.uid] = parsed.error
                continue
            if not parsed.empty:
                read.values[question.uid] = parsed.value
                seen[question.uid] = parsed.value
                if parsed.other_text:
                    read.others[question.uid] = parsed.other_text
    return read


def _check_mode(mode: str) -> None:
    if mode not in ENTRY_MODES:
        raise ValidationError({"mode": _("Choose whether the answers came on paper or by phone.")})


def _save_response(*, council, actor, invitation: Invitation, mode: str, values: dict, others: dict,
                   structure: Structure, action: str, request=None) -> Response:
    """Write the answers as the member's completed response (inside the caller's transaction,
    with the invitation locked)."""
    survey = invitation.survey
    if not survey.is_accepting_answers():
        # Also what keeps an anonymous survey anonymous: its answers are unlinked when it closes.
        raise ValidationError(_("The survey does not take answers now: paper answers can be entered while it is open."))
    response = Response.objects.select_for_update().filter(invitation=invitation).first()
    if response is not None and response.completed_at:
        raise ValidationError(_("This member has already answered the survey (%(mode)s).")
                              % {"mode": response.get_mode_display().lower()})
    now = timezone.now()
    if response is None:
        response = Response.objects.create(survey=survey, invitation=invitation, mode=mode,
                                           language=invitation.member.language[:5], completed_at=now)
    else:  # begun on the web and not finished: the paper answers take its place
        Answer.objects.filter(response=response).delete()
        response.mode, response.completed_at, response.current_page = mode, now, 0
        response.save(update_fields=["mode", "completed_at", "current_page", "updated_at"])
    by_uid = structure.by_uid
    Answer.objects.bulk_create([
        Answer(response=response, question=by_uid[uid], value=value, other_text=others.get(uid, ""))
        for uid, value in values.items()
    ])
    Invitation.objects.filter(pk=invitation.pk).update(completed_at=now)
    member_touch(member=invitation.member)
    audit_record(council=council, actor=actor, action=action, target=survey, member_ids=[invitation.member_id],
                 detail={"invitation": invitation.pk, "mode": mode, "answers": len(values)}, request=request)
    return response


@dataclass
class EntryOutcome:
    """What happened to one typed-in questionnaire: `saved`, `first` (waiting for the second
    entry), `differ` (the two entries disagree), or `invalid` (fix the errors and send again)."""

    state: str
    read: PaperRead
    invitation: Invitation | None = None


def _lock(council, survey: Survey, invitation: Invitation) -> Invitation:
    return (Invitation.objects.select_for_update(of=("self",)).select_related("survey", "member")
            .get(pk=invitation.pk, survey=survey, survey__council=council))


def paper_entry_submit(*, council, actor, survey: Survey, invitation: Invitation, mode: str, data,
                       request=None) -> EntryOutcome:
    """Type in one paper or phone questionnaire. Saved at once, or, when the survey has its paper
    answers entered twice, kept until a second staff member's entry agrees with it."""
    _check_mode(mode)
    structure = survey_structure(survey)
    read = paper_read(structure=structure, data=data)
    if read.errors:
        return EntryOutcome(state="invalid", read=read, invitation=invitation)
    with transaction.atomic():
        invitation = _lock(council, survey, invitation)
        if not survey.paper_double_entry:
            _save_response(council=council, actor=actor, invitation=invitation, mode=mode, values=read.values,
                           others=read.others, structure=structure, action="survey.paper_enter", request=request)
            return EntryOutcome(state="saved", read=read, invitation=invitation)
        if Response.objects.filter(invitation=invitation, completed_at__isnull=False).exists():
            raise ValidationError(_("This member has already answered the survey."))
        entries = list(PaperEntry.objects.filter(invitation=invitation).order_by("number"))
        if len(entries) >= 2:
            raise ValidationError(_("Two entries of this questionnaire disagree: settle the differences instead."))
        if entries and entries[0].entered_by_id == actor.pk:
            raise ValidationError(_("You typed in this questionnaire already: another staff member must enter it the second time."))
        number = len(entries) + 1
        try:
            with transaction.atomic():
                entry = PaperEntry.objects.create(invitation=invitation, number=number, mode=mode, values=read.values,
                                                  others=read.others, entered_by=actor)
        except IntegrityError as error:  # the same entry sent twice at once
            raise ValidationError(_("This questionnaire was just entered by someone else; open it again.")) from error
        audit_record(council=council, actor=actor, action="survey.paper_entry", target=survey,
                     member_ids=[invitation.member_id], detail={"invitation": invitation.pk, "entry": number},
                     request=request)
        if number == 1:
            return EntryOutcome(state="first", read=read, invitation=invitation)
        if not paper_differences(structure=structure, first=entries[0], second=entry):
            _save_response(council=council, actor=actor, invitation=invitation, mode=mode, values=read.values,
                           others=read.others, structure=structure, action="survey.paper_confirm", request=request)
            PaperEntry.objects.filter(invitation=invitation).delete()
            return EntryOutcome(state="saved", read=read, invitation=invitation)
        return EntryOutcome(state="differ", read=read, invitation=invitation)


@dataclass
class Difference:
    label: str  # the question ("3. How do you travel?") or "Mode"
    first: str
    second: str
    uid: str = ""


def paper_differences(*, structure: Structure, first: PaperEntry, second: PaperEntry) -> list[Difference]:
    """Field by field, where two entries of one questionnaire disagree."""
    found = []
    if first.mode != second.mode:
        modes = dict(Response.Mode.choices)
        found.append(Difference(label=_("Mode"), first=str(modes[first.mode]), second=str(modes[second.mode])))
    for question in structure.questions:
        if not question.answerable:
            continue
        uid = question.uid
        a = (first.values.get(uid), first.others.get(uid, ""))
        b = (second.values.get(uid), second.others.get(uid, ""))
        if a != b:
            found.append(Difference(
                uid=uid, label=f"{structure.number_of(question)}. {question.label}",
                first=answer_display(question, a[0], a[1]) or "–", second=answer_display(question, b[0], b[1]) or "–",
            ))
    return found


def paper_entry_resolve(*, council, actor, survey: Survey, invitation: Invitation, mode: str, data,
                        request=None) -> EntryOutcome:
    """The third look: the questionnaire as it really reads, after the two entries disagreed."""
    _check_mode(mode)
    structure = survey_structure(survey)
    read = paper_read(structure=structure, data=data)
    if read.errors:
        return EntryOutcome(state="invalid", read=read, invitation=invitation)
    with transaction.atomic():
        invitation = _lock(council, survey, invitation)
        if PaperEntry.objects.filter(invitation=invitation).count() < 2:
            raise ValidationError(_("There are no two disagreeing entries of this questionnaire to settle."))
        _save_response(council=council, actor=actor, invitation=invitation, mode=mode, values=read.values,
                       others=read.others, structure=structure, action="survey.paper_resolve", request=request)
        PaperEntry.objects.filter(invitation=invitation).delete()
    return EntryOutcome(state="saved", read=read, invitation=invitation)


def paper_double_entry_set(*, council, actor, survey: Survey, enabled: bool, request=None) -> Survey:
    """Switch double entry on or off. Switching it off while entries wait would strand them."""
    with transaction.atomic():
        survey = Survey.objects.select_for_update().get(pk=survey.pk, council=council)
        if not enabled and PaperEntry.objects.filter(invitation__survey=survey).exists():
            raise ValidationError(_("Some questionnaires wait for their second entry or a third look; finish those first."))
        if survey.paper_double_entry != enabled:
            survey.paper_double_entry = enabled
            survey.save(update_fields=["paper_double_entry", "updated_at"])
            audit_record(council=council, actor=actor, action="survey.update", target=survey,
                         detail={"fields": ["paper_double_entry"], "paper_double_entry": enabled}, request=request)
    return survey


def paper_entries_waiting(*, council, survey: Survey) -> list[dict]:
    """Questionnaires entered once (waiting for a second person) or twice and disagreeing."""
    waiting: dict[int, dict] = {}
    for entry in (PaperEntry.objects.filter(invitation__survey=survey, invitation__survey__council=council)
                  .select_related("entered_by", "invitation__member").order_by("invitation_id", "number")):
        member = entry.invitation.member
        row = waiting.setdefault(entry.invitation_id, {"invitation_id": entry.invitation_id, "entries": [],
                                                       "member_name": member.name or f"#{member.pk}"})
        row["entries"].append(entry)
    for row in waiting.values():
        row["differ"] = len(row["entries"]) >= 2
    return list(waiting.values())


def paper_entries_of(*, council, survey: Survey, invitation_id: int) -> list[PaperEntry]:
    return list(PaperEntry.objects.filter(invitation_id=invitation_id, invitation__survey=survey,
                                          invitation__survey__council=council).order_by("number"))


def agreed_values(first: PaperEntry, second: PaperEntry) -> tuple[dict, dict]:
    """The answers both entries agree on: the third look starts from them."""
    values = {uid: v for uid, v in first.values.items() if second.values.get(uid) == v}
    others = {uid: t for uid, t in first.others.items() if second.others.get(uid) == t and uid in values}
    return values, others

