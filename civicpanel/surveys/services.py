"""Writes for surveys: the builder, opening and closing, answering, audiences and sending.

Each service opens its transaction and writes the audit row; e-mail goes through the outreach
app (`mailing_create`), which owns delivery, unsubscribe and the worker.
"""

from __future__ import annotations

import random
import secrets
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from civicpanel.audit.services import audit_record
from civicpanel.members.categories import profiles_changed
from civicpanel.members.segments import clean_filters, segment_save  # noqa: F401 - segments are the members'
from civicpanel.members.services import member_touch
from civicpanel.outreach.services import mailing_cancel, mailing_create
from civicpanel.surveys import conditions, purpose, waves
from civicpanel.surveys.audience import audience_plan
from civicpanel.surveys.models import (
    Answer,
    Invitation,
    Page,
    Question,
    Response,
    ResponseExport,
    Segment,
    Survey,
    Wave,
)
from civicpanel.surveys.paper_codes import paper_codes_issue
from civicpanel.surveys.questions import parse_answer, settings_problems
from civicpanel.surveys.sampling import SampleRequest, sample_draw
from civicpanel.surveys.selectors import Structure, survey_structure, survey_structure_for_answering
from civicpanel.surveys.survey_templates import TEMPLATES

REMINDER_MESSAGE = "survey_reminder"


def _new_uid() -> str:
    return "q" + secrets.token_hex(5)


def _has_answers(survey: Survey) -> bool:
    return Response.objects.filter(survey=survey).exists()


# --- Survey ------------------------------------------------------------------------------

SURVEY_FIELDS = ("title", "intro", "thanks", "opens_at", "closes_at", "anonymous",
                 "reminder_count", "reminder_interval_days")


def _check_dates(opens_at, closes_at) -> None:
    if opens_at and closes_at and closes_at <= opens_at:
        raise ValidationError({"closes_at": _("The closing time must be after the opening time.")})


def survey_create(*, council, actor, title: dict, request=None, **fields) -> Survey:
    """A draft survey with one empty page."""
    _check_dates(fields.get("opens_at"), fields.get("closes_at"))
    with transaction.atomic():
        survey = Survey.objects.create(council=council, title=title, created_by=actor,
                                       **{k: v for k, v in fields.items() if k in SURVEY_FIELDS})
        Page.objects.create(survey=survey, order=0)
        audit_record(council=council, actor=actor, action="survey.create", target=survey, request=request)
    return survey


def survey_update(*, council, actor, survey: Survey, request=None, **fields) -> Survey:
    _check_dates(fields.get("opens_at", survey.opens_at), fields.get("closes_at", survey.closes_at))
    with transaction.atomic():
        survey = Survey.objects.select_for_update().get(pk=survey.pk, council=council)
        if survey.anonymous and fields.get("anonymous") is False and _has_answers(survey):
            raise ValidationError({"anonymous": _(
                "The survey has answers given under the promise of anonymity; it cannot stop being anonymous."
            )})
        changed = []
        for name, value in fields.items():
            if name in SURVEY_FIELDS and getattr(survey, name) != value:
                setattr(survey, name, value)
                changed.append(name)
        if changed:
            survey.save(update_fields=[*changed, "updated_at"])
            audit_record(council=council, actor=actor, action="survey.update", target=survey,
                         detail={"fields": changed}, request=request)
    return survey


def survey_purpose_update(*, council, actor, survey: Survey, request=None, **fields) -> Survey:
    """Write the purpose (why, for which committee or case, how the answers are used) and later
    the decision and what was done. A decision or an action needs its date, and a date needs its
    text; neither date may lie in the future. Any status: decisions come after the survey closes."""
    errors = {}
    today = timezone.localdate()
    for text, day in (("decision", "decision_date"), ("outcome", "outcome_date")):
        written = any((v or "").strip() for v in (fields.get(text) or {}).values())
        if written and not fields.get(day):
            errors[day] = _("Give the date as well.")
        elif fields.get(day) and not written:
            errors[text] = _("Write what the date is about, or leave the date empty.")
        elif fields.get(day) and fields[day] > today:
            errors[day] = _("The date cannot be in the future: write this when it has happened.")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        survey = Survey.objects.select_for_update().get(pk=survey.pk, council=council)
        changed = []
        for name in (*purpose.TEXT_FIELDS, *purpose.DATE_FIELDS):
            if name in fields and getattr(survey, name) != fields[name]:
                setattr(survey, name, fields[name])
                changed.append(name)
        if changed:
            survey.save(update_fields=[*changed, "updated_at"])
            audit_record(council=council, actor=actor, action="survey.purpose", target=survey,
                         detail={"fields": changed}, request=request)
    return survey


def survey_open(*, council, actor, survey: Survey, request=None) -> Survey:
    with transaction.atomic():
        survey = Survey.objects.select_for_update().get(pk=survey.pk, council=council)
        if survey.status == Survey.Status.OPEN:
            return survey
        if survey.status == Survey.Status.CLOSED and survey.anonymised_at:
            raise ValidationError(_("This anonymous survey has closed and cannot be opened again."))
        structure = survey_structure(survey)
        if not any(q.answerable for q in structure.questions):
            raise ValidationError(_("Add at least one question before opening the survey."))
        _check_all_conditions(structure)
        if not any((text or "").strip() for text in (survey.thanks or {}).values()):
            raise ValidationError(_("Write the thank-you text first: say what happens next and when the results will be shared."))
        if survey.closes_at and survey.closes_at <= timezone.now():
            raise ValidationError(_("The closing time has passed; set a later closing time first."))
        survey.status = Survey.Status.OPEN
        survey.save(update_fields=["status", "updated_at"])
        audit_record(council=council, actor=actor, action="survey.open", target=survey, request=request)
    return survey


def survey_close(*, council, actor, survey: Survey, request=None) -> Survey:
    """Close for answers. In anonymous mode the link between responses and members is cut now."""
    with transaction.atomic():
        survey = Survey.objects.select_for_update().get(pk=survey.pk, council=council)
        if survey.status != Survey.Status.CLOSED:
            survey.status = Survey.Status.CLOSED
            survey.save(update_fields=["status", "updated_at"])
            audit_record(council=council, actor=actor, action="survey.close", target=survey, request=request)
        if survey.anonymous and not survey.anonymised_at:
            cut = _responses_anonymise(survey)
            # Excel files made before are of the responses as they were, linked to their ids.
            ResponseExport.objects.filter(survey=survey).delete()
            survey.anonymised_at = timezone.now()
            survey.save(update_fields=["anonymised_at"])
            audit_record(council=council, actor=actor, action="survey.anonymise", target=survey,
                         detail={"responses": cut}, request=request)
    return survey


def _responses_anonymise(survey: Survey) -> int:
    """Cut every link between the survey's answers and its members.

    Dropping the invitation link is not enough: a response's timestamps equal its invitation's
    completion time, and row ids follow the order people answered in. So the responses and
    answers are written afresh in random order, with the closing time as their only time, and
    the old rows deleted. Returns the number of responses.
    """
    rng = random.SystemRandom()
    old = list(Response.objects.filter(survey=survey).values_list("pk", "language", "completed_at", "mode"))
    rng.shuffle(old)
    answers: dict[int, list[tuple]] = {}
    for response_id, question_id, value, other in Answer.objects.filter(response__survey=survey).values_list(
        "response_id", "question_id", "value", "other_text"
    ):
        answers.setdefault(response_id, []).append((question_id, value, other))
    now = timezone.now()
    for pk, language, completed_at, mode in old:
        # The mode stays (results can be split by it); who typed a paper answer in does not.
        fresh = Response.objects.create(survey=survey, language=language, completed_at=now if completed_at else None,
                                        mode=mode)
        rows = answers.get(pk, [])
        rng.shuffle(rows)
        Answer.objects.bulk_create([Answer(response=fresh, question_id=q, value=v, other_text=o) for q, v, o in rows])
    old_ids = [pk for pk, _language, _completed, _mode in old]
    for start in range(0, len(old_ids), 500):
        Response.objects.filter(pk__in=old_ids[start:start + 500]).delete()
    return len(old)


def surveys_close_due(*, now: datetime | None = None) -> list[Survey]:
    """Close every open survey whose closing time has passed (the scheduled command)."""
    now = now or timezone.now()
    closed = []
    for survey in Survey.objects.filter(status=Survey.Status.OPEN, closes_at__lte=now).select_related("council"):
        closed.append(survey_close(council=survey.council, actor=None, survey=survey))
    return closed


def _build(*, council, actor, spec: dict) -> Survey:
    """Create a draft from a plain description (a template or a copy), giving every question a
    fresh uid and rewriting the conditions to the new uids."""
    uid_map = {q["uid"]: _new_uid() for page in spec["pages"] for q in page["questions"]}

    def remap(condition):
        if not condition:
            return None
        return {**condition, "question": uid_map.get(condition["question"], condition["question"])}

    survey = Survey.objects.create(
        council=council, created_by=actor,
        **{k: spec[k] for k in (*SURVEY_FIELDS, *purpose.REQUIRED_BEFORE_SENDING) if k in spec},
    )
    for p_order, page_spec in enumerate(spec["pages"]):
        page = Page.objects.create(survey=survey, order=p_order, title=page_spec.get("title") or {},
                                   condition=remap(page_spec.get("condition")))
        Question.objects.bulk_create([
            Question(
                survey=survey, page=page, uid=uid_map[q["uid"]], order=q_order, kind=q["kind"],
                text=q.get("text") or {}, help=q.get("help") or {}, required=q.get("required", False),
                options=q.get("options") or [], settings=q.get("settings") or {}, condition=remap(q.get("condition")),
            )
            for q_order, q in enumerate(page_spec["questions"])
        ])
    return survey


def survey_copy(*, council, actor, survey: Survey, request=None) -> Survey:
    """A new draft with the same pages, questions and conditions (new uids, remapped), no dates,
    no invitations and no answers."""
    structure = survey_structure(survey)
    title = {}
    for language, text in survey.title.items():
        with translation.override(language):
            title[language] = _("%(title)s (copy)") % {"title": text}
    spec = {
        "title": title, "intro": survey.intro, "thanks": survey.thanks, "anonymous": survey.anonymous,
        # The same case and use, usually; what was decided belongs to the original only.
        "purpose": survey.purpose, "committee": survey.committee, "answers_use": survey.answers_use,
        "reminder_count": survey.reminder_count, "reminder_interval_days": survey.reminder_interval_days,
        "pages": [
            {"title": p.title, "condition": p.condition,
             "questions": [{"uid": q.uid, "kind": q.kind, "text": q.text, "help": q.help, "required": q.required,
                            "options": q.options, "settings": q.settings, "condition": q.condition}
                           for q in p.survey_questions]}
            for p in structure.pages
        ],
    }
    with transaction.atomic():
        copy = _build(council=council, actor=actor, spec=spec)
        audit_record(council=council, actor=actor, action="survey.copy", target=copy,
                     detail={"from": survey.pk}, request=request)
    return copy


def survey_from_template(*, council, actor, key: str, request=None) -> Survey:
    template = TEMPLATES.get(key)
    if template is None:
        raise ValidationError(_("Unknown template."))
    languages = council.language_codes

    def only(texts):
        return {lang: text for lang, text in (texts or {}).items() if lang in languages} or dict(texts or {})

    def clean(q):
        q = dict(q)
        q["text"] = only(q.get("text"))
        q["options"] = [{**o, "label": only(o["label"])} for o in q.get("options", [])]
        settings = dict(q.get("settings") or {})
        for name in ("low_label", "high_label"):
            if name in settings:
                settings[name] = only(settings[name])
        if "rows" in settings:
            settings["rows"] = [{**r, "label": only(r["label"])} for r in settings["rows"]]
        q["settings"] = settings
        return q

    spec = {
        "title": only(template["title"]), "intro": only(template["intro"]), "thanks": only(template["thanks"]),
        "pages": [{"questions": [clean(q) for q in page]} for page in template["pages"]],
    }
    with transaction.atomic():
        survey = _build(council=council, actor=actor, spec=spec)
        audit_record(council=council, actor=actor, action="survey.create", target=survey,
                     detail={"template": key}, request=request)
    return survey


def survey_for_member_set(*, council, actor, template: str, set_key: str, value: str,
                          opens_on: date | None = None, request=None) -> tuple[Survey, Segment]:
    """A draft survey from a template for a group another app knows of (members.member_sets,
    e.g. those who took part in a budgeting round), opening on `opens_on` if given (a follow-up
    a year later). The group is kept as a saved segment named after it, which the sending page
    offers; nothing is sent here: staff review the draft and send it the usual way."""
    from civicpanel.members.member_sets import member_set

    registered = member_set(set_key)
    label = dict(registered.choices(council)).get(value) if registered else None
    if label is None:
        raise ValidationError(_("This group is unknown or has nobody in it yet."))
    with transaction.atomic():
        survey = survey_from_template(council=council, actor=actor, key=template, request=request)
        if opens_on is not None:
            survey.opens_at = timezone.make_aware(datetime.combine(opens_on, time(9, 0)))
            survey.save(update_fields=["opens_at"])
        name = f"{registered.label}: {label}"[:120]
        segment, _created = Segment.objects.get_or_create(
            council=council, name=name,
            defaults={"filters": {set_key: [value]}, "created_by": actor if getattr(actor, "pk", None) else None})
        if segment.filters != {set_key: [value]}:  # a segment of that name means something else: keep both
            segment = Segment.objects.create(council=council, name=f"{name} ({survey.pk})"[:120],
                                             filters={set_key: [value]},
                                             created_by=actor if getattr(actor, "pk", None) else None)
        audit_record(council=council, actor=actor, action="survey.for_group", target=survey,
                     detail={"group": set_key, "value": value, "template": template,
                             "opens_on": opens_on.isoformat() if opens_on else None}, request=request)
    return survey, segment


# --- Pages and questions -------------------------------------------------------------------

def _check_all_conditions(structure: Structure) -> None:
    """After a structural change: every condition must still point backwards at a question
    that exists. Raises ValidationError naming the question or page (the change is rolled back)."""
    positions = structure.positions
    for page_number, page in enumerate(structure.pages, start=1):
        start = structure.page_start(page)
        try:
            conditions.check_order(condition=page.condition, page_start=start, positions=positions)
        except conditions.ConditionError as error:
            raise ValidationError(_("Page %(n)s: %(error)s") % {"n": page_number, "error": error}) from error
        for question in page.survey_questions:
            try:
                conditions.check_order(condition=question.condition, page_start=start, positions=positions)
            except conditions.ConditionError as error:
                raise ValidationError(_("Question “%(q)s”: %(error)s") % {"q": question.label, "error": error}) from error


def _resolve_condition(*, structure: Structure, raw: dict | None, page_start: int) -> dict | None:
    """Builder input {"question": uid, "op": ..., "value": "text"} -> a checked condition."""
    if not raw or not raw.get("question"):
        return None
    source = structure.by_uid.get(raw["question"])
    if source is None:
        raise ValidationError({"condition_question": _(
            "The condition points at a question that has been deleted. Choose another question or remove the condition."
        )})
    try:
        conditions.check_order(condition={"question": source.uid}, page_start=page_start, positions=structure.positions)
        return conditions.normalise(op=raw.get("op", ""), raw_value=str(raw.get("value", "")), source=source)
    except conditions.ConditionError as error:
        raise ValidationError({"condition_question": str(error)}) from error


def _ensure_editable(survey: Survey) -> None:
    if survey.status == Survey.Status.CLOSED:
        raise ValidationError(_("The survey is closed; make a copy to change it."))


def page_add(*, council, actor, survey: Survey, request=None) -> Page:
    with transaction.atomic():
        survey = Survey.objects.select_for_update().get(pk=survey.pk, council=council)
        _ensure_editable(survey)
        last = Page.objects.filter(survey=survey).order_by("-order").first()
        page = Page.objects.create(survey=survey, order=(last.order + 1) if last else 0)
        audit_record(council=council, actor=actor, action="survey.page_add", target=survey, request=request)
    return page


def page_update(*, council, actor, page: Page, title: dict, condition: dict | None, request=None) -> Page:
    with transaction.atomic():
        survey = Survey.objects.select_for_update().get(pk=page.survey_id, council=council)
        _ensure_editable(survey)
        structure = survey_structure(survey)
        page = next(p for p in structure.pages if p.pk == page.pk)
        page.title = title
        page.condition = _resolve_condition(structure=structure, raw=condition, page_start=structure.page_start(page))
        page.save(update_fields=["title", "condition"])
        audit_record(council=council, actor=actor, action="survey.page_update", target=survey, request=request)
    return page


def page_delete(*, council, actor, page: Page, request=None) -> None:
    with transaction.atomic():
        survey = Survey.objects.select_for_update().get(pk=page.survey_id, council=council)
        _ensure_editable(survey)
        if Page.objects.filter(survey=survey).count() <= 1:
            raise ValidationError(_("A survey needs at least one page."))
        if Answer.objects.filter(question__page=page).exists():
            raise ValidationError(_("Questions on this page have answers; the page cannot be deleted."))
        uids = set(Question.objects.filter(page=page).values_list("uid", flat=True))
        page.delete()
        structure = survey_structure(survey)
        for question in structure.questions:
            if question.condition and question.condition.get("question") in uids:
                raise ValidationError(_("Question “%(q)s” has a condition on a question of this page; change that condition first.")
                                      % {"q": question.label})
        for p in structure.pages:
            if p.condition and p.condition.get("question") in uids:
                raise ValidationError(_("Another page has a condition on a question of this page; change that condition first."))
        for order, p in enumerate(structure.pages):
            if p.order != order:
                Page.objects.filter(pk=p.pk).update(order=order)
        audit_record(council=council, actor=actor, action="survey.page_delete", target=survey, request=request)


def page_move(*, council, actor, page: Page, direction: int, request=None) -> None:
    """Move a page one place up (-1) or down (+1)."""
    with transaction.atomic():
        survey = Survey.objects.select_for_update().get(pk=page.survey_id, council=council)
        _ensure_editable(survey)
        pages = list(Page.objects.filter(survey=survey).order_by("order", "id"))
        index = next(i for i, p in enumerate(pages) if p.pk == page.pk)
        target = index + direction
        if not 0 <= target < len(pages):
            return
        pages[index], pages[target] = pages[target], pages[index]
        for order, p in enumerate(pages):
            Page.objects.filter(pk=p.pk).update(order=order)
        _check_all_conditions(survey_structure(survey))
        audit_record(council=council, actor=actor, action="survey.page_move", target=survey, request=request)


QUESTION_FIELDS = ("text", "help", "required", "options", "settings")


def _check_setup(kind: str, options: list, settings: dict) -> None:
    problems = settings_problems(kind, options, settings)
    if problems:
        raise ValidationError({"options" if "option" in problems[0] else "__all__": problems})


def question_create(*, council, actor, page: Page, kind: str, text: dict, help: dict | None = None,
                    required: bool = False, options: list | None = None, settings: dict | None = None,
                    condition: dict | None = None, request=None) -> Question:
    if kind not in Question.Kind.values:
        raise ValidationError({"kind": _("Choose a kind of question.")})
    options, settings = options or [], settings or {}
    _check_setup(kind, options, settings)
    with transaction.atomic():
        survey = Survey.objects.select_for_update().get(pk=page.survey_id, council=council)
        _ensure_editable(survey)
        structure = survey_structure(survey)
        page = next(p for p in structure.pages if p.pk == page.pk)
        resolved = _resolve_condition(structure=structure, raw=condition, page_start=structure.page_start(page))
        last = page.survey_questions[-1].order + 1 if page.survey_questions else 0
        question = Question.objects.create(
            survey=survey, page=page, uid=_new_uid(), order=last, kind=kind, text=text, help=help or {},
            required=required and kind != Question.Kind.INFO, options=options, settings=settings, condition=resolved,
        )
        audit_record(council=council, actor=actor, action="survey.question_create", target=survey,
                     detail={"question": question.uid}, request=request)
    return question


def question_update(*, council, actor, question: Question, text: dict, help: dict | None = None,
                    required: bool = False, options: list | None = None, settings: dict | None = None,
                    condition: dict | None = None, request=None) -> Question:
    options, settings = options or [], settings or {}
    _check_setup(question.kind, options, settings)
    with transaction.atomic():
        survey = Survey.objects.select_for_update().get(pk=question.survey_id, council=council)
        _ensure_editable(survey)
        structure = survey_structure(survey)
        question = structure.by_uid[question.uid]
        page = next(p for p in structure.pages if p.pk == question.page_id)
        resolved = _resolve_condition(structure=structure, raw=condition, page_start=structure.page_start(page))
        removed = {str(o["code"]) for o in question.options} - {str(o["code"]) for o in options}
        if removed:
            for other in structure.questions:
                values = (other.condition or {}).get("value")
                values = values if isinstance(values, list) else [values]
                if (other.condition or {}).get("question") == question.uid and removed & {str(v) for v in values}:
                    raise ValidationError({"options": _(
                        "Question “%(q)s” has a condition on an option you removed; change that condition first."
                    ) % {"q": other.label}})
        question.text, question.help, question.options, question.settings = text, help or {}, options, settings
        question.required = required and question.kind != Question.Kind.INFO
        question.condition = resolved
        question.save(update_fields=[*QUESTION_FIELDS, "condition"])
        audit_record(council=council, actor=actor, action="survey.question_update", target=survey,
                     detail={"question": question.uid}, request=request)
    return question


def question_delete(*, council, actor, question: Question, request=None) -> None:
    """Delete a question; refused while another question or page has a condition on it."""
    with transaction.atomic():
        survey = Survey.objects.select_for_update().get(pk=question.survey_id, council=council)
        _ensure_editable(survey)
        if Answer.objects.filter(question=question).exists():
            raise ValidationError(_("This question has answers and cannot be deleted."))
        structure = survey_structure(survey)
        for other in structure.questions:
            if (other.condition or {}).get("question") == question.uid:
                raise ValidationError(_("Question “%(q)s” is shown depending on this one; change or remove that condition first.")
                                      % {"q": other.label})
        for number, page in enumerate(structure.pages, start=1):
            if (page.condition or {}).get("question") == question.uid:
                raise ValidationError(_("Page %(n)s is shown depending on this question; change or remove that condition first.")
                                      % {"n": number})
        question.delete()
        audit_record(council=council, actor=actor, action="survey.question_delete", target=survey,
                     detail={"question": question.uid}, request=request)


def question_move(*, council, actor, question: Question, direction: int, request=None) -> None:
    """Move a question one place up (-1) or down (+1). At the top or bottom of a page it moves
    on to the end of the previous page or the start of the next one. Refused if a condition
    would then point forward."""
    with transaction.atomic():
        survey = Survey.objects.select_for_update().get(pk=question.survey_id, council=council)
        _ensure_editable(survey)
        structure = survey_structure(survey)
        pages = structure.pages
        page_index = next(i for i, p in enumerate(pages) if p.pk == question.page_id)
        items = pages[page_index].survey_questions
        index = next(i for i, q in enumerate(items) if q.pk == question.pk)
        moving = items.pop(index)
        target = index + direction
        if 0 <= target <= len(items) and not (direction > 0 and index == len(items)):
            items.insert(target, moving)
        elif direction < 0 and page_index > 0:
            pages[page_index - 1].survey_questions.append(moving)
        elif direction > 0 and page_index < len(pages) - 1:
            pages[page_index + 1].survey_questions.insert(0, moving)
        else:
            items.insert(index, moving)
            return
        for page in pages:
            for order, q in enumerate(page.survey_questions):
                if q.order != order or q.page_id != page.pk:
                    Question.objects.filter(pk=q.pk).update(order=order, page=page)
        _check_all_conditions(survey_structure(survey))
        audit_record(council=council, actor=actor, action="survey.question_move", target=survey,
                     detail={"question": question.uid}, request=request)


def question_place(*, council, actor, question: Question, page: Page, index: int, request=None) -> None:
    """Put a question at position `index` (0 = first) of `page` (drag and drop in the builder).
    Refused, with nothing changed, if a condition would then point forward."""
    with transaction.atomic():
        survey = Survey.objects.select_for_update().get(pk=question.survey_id, council=council)
        _ensure_editable(survey)
        if page.survey_id != survey.pk:
            raise ValidationError(_("That page belongs to another survey."))
        structure = survey_structure(survey)
        for p in structure.pages:
            p.survey_questions = [q for q in p.survey_questions if q.pk != question.pk]
        target = next(p for p in structure.pages if p.pk == page.pk)
        moving = Question.objects.get(pk=question.pk)
        target.survey_questions.insert(max(0, min(index, len(target.survey_questions))), moving)
        for p in structure.pages:
            for order, q in enumerate(p.survey_questions):
                if q.order != order or q.page_id != p.pk:
                    Question.objects.filter(pk=q.pk).update(order=order, page=p)
        _check_all_conditions(survey_structure(survey))
        audit_record(council=council, actor=actor, action="survey.question_move", target=survey,
                     detail={"question": question.uid}, request=request)


# --- Answering ------------------------------------------------------------------------------

class SurveyNotOpen(Exception):
    """The survey does not take answers (closed, not yet open, or a draft)."""


def visible_flow(structure: Structure, answers: dict[str, object]) -> list[tuple[Page, list[Question]]]:
    """The pages a resident sees given their answers, each with its visible questions; pages
    whose questions are all hidden are skipped. Conditions look only at earlier pages, so one
    pass in order decides everything; answers to hidden questions do not count."""
    seen: dict[str, object] = {}
    flow = []
    for page in structure.pages:
        if not conditions.holds(page.condition, seen):
            continue
        shown = [q for q in page.survey_questions if conditions.holds(q.condition, seen)]
        for q in shown:
            if q.uid in answers:
                seen[q.uid] = answers[q.uid]
        if shown:
            flow.append((page, shown))
    return flow


@dataclass
class PageResult:
    response: Response | None
    errors: dict[str, str] = field(default_factory=dict)
    values: dict[str, object] = field(default_factory=dict)
    others: dict[str, str] = field(default_factory=dict)
    done: bool = False
    # The response's answers and "other" texts by question uid as stored once this call ends
    # (the page's new ones included when it was saved), so the next page is drawn without
    # reading them again; None when they were not read (a finished response).
    stored: tuple[dict[str, object], dict[str, str]] | None = None


def _answers_of(response: Response) -> tuple[dict[str, object], dict[str, str]]:
    values, others = {}, {}
    for uid, value, other in Answer.objects.filter(response=response).values_list("question__uid", "value", "other_text"):
        values[uid] = value
        if other:
            others[uid] = other
    return values, others


def read_page(*, structure: Structure, page_questions: list[Question], data) -> PageResult:
    """Parse and check one submitted page without saving (also used by the preview)."""
    result = PageResult(response=None)
    for question in page_questions:
        parsed = parse_answer(question, data)
        if parsed.error:
            result.errors[question.uid] = parsed.error
        result.values[question.uid] = parsed.value if parsed.value is not None else data.get(f"q_{question.uid}", None)
        if parsed.other_text:
            result.others[question.uid] = parsed.other_text
    return result


def response_submit_page(*, invitation: Invitation, page_id: int, data, language: str) -> PageResult:
    """Save one page of answers for an invitation and move the response on.

    One response per invitation, whatever the number of clicks, tabs or devices: the
    invitation row is locked, the response is got-or-created under a unique constraint, and a
    page sent twice simply writes the same answers again. Nothing is saved if the page has errors.

    This runs for every page every respondent sends, so it keeps to few statements: the lock
    is on the invitation row only (not on the survey it joins, which every respondent shares),
    the response's answers are read once, and a page's new answers are inserted together.
    """
    member = invitation.member  # loaded with the invitation by the answer view
    with transaction.atomic():
        invitation = Invitation.objects.select_for_update(of=("self",)).select_related("survey").get(pk=invitation.pk)
        survey = invitation.survey
        if not survey.is_accepting_answers():
            raise SurveyNotOpen
        # The invitation's lock keeps a parallel submit of the same invitation waiting here, so
        # the response read now is the one to write to; the unique constraint backs it up.
        response = Response.objects.select_for_update().filter(invitation=invitation).first()
        created = False
        if response is None:
            try:
                with transaction.atomic():
                    response = Response.objects.create(invitation=invitation, survey=survey, language=language[:5])
                    created = True
            except IntegrityError:  # a parallel first submit won the race on a database without row locks
                response = Response.objects.select_for_update().get(invitation=invitation)
        if response.completed_at:
            return PageResult(response=response, done=True)
        structure = survey_structure_for_answering(survey)
        stored = [] if created else list(Answer.objects.filter(response=response).values_list(
            "id", "question_id", "question__uid", "value", "other_text"))
        answers = {uid: value for _id, _question, uid, value, _other in stored}
        others = {uid: other for _id, _question, uid, _value, other in stored if other}
        flow = visible_flow(structure, answers)
        current = next(((p, qs) for p, qs in flow if p.pk == page_id), None)
        if current is None:  # a stale page (hidden now, or from another survey): show the current one
            return PageResult(response=response, stored=(answers, others))
        page, page_questions = current
        result = read_page(structure=structure, page_questions=page_questions, data=data)
        result.response = response
        result.stored = (answers, others)
        if result.errors:
            return result
        # Answering is what "last active" on the member page is about.
        member_touch(member=member)
        existing = {question: (pk, value, other) for pk, question, _uid, value, other in stored}
        added, emptied = [], []
        for question in page_questions:
            if not question.answerable:
                continue
            value = result.values.get(question.uid)
            answer = existing.get(question.pk)
            others.pop(question.uid, None)
            if value in (None, "", [], {}):
                if answer:
                    emptied.append(answer[0])
                answers.pop(question.uid, None)
                continue
            other = result.others.get(question.uid, "")
            if other:
                others[question.uid] = other
            if answer is None:
                added.append(Answer(response=response, question=question, value=value, other_text=other))
            elif answer[1] != value or answer[2] != other:
                Answer.objects.filter(pk=answer[0]).update(value=value, other_text=other)
            answers[question.uid] = value
        if emptied:
            Answer.objects.filter(pk__in=emptied).delete()
        if added:
            Answer.objects.bulk_create(added)
        flow = visible_flow(structure, answers)
        order = [p.pk for p, _qs in flow]
        position = order.index(page.pk) if page.pk in order else -1
        if position + 1 < len(order):
            response.current_page = order[position + 1]
            response.language = language[:5]
            response.save(update_fields=["current_page", "language", "updated_at"])
            return result
        # Last page: drop answers to questions that the final answers hide, then finish.
        visible = {q.pk for _p, qs in flow for q in qs}
        answered = {question for _id, question, _uid, _value, _other in stored} | {a.question_id for a in added}
        hidden = answered - visible
        if hidden:
            Answer.objects.filter(response=response, question__in=hidden).delete()
        now = timezone.now()
        response.completed_at = now
        response.current_page = 0
        response.save(update_fields=["completed_at", "current_page", "updated_at"])
        Invitation.objects.filter(pk=invitation.pk).update(completed_at=now)
        result.done = True
        return result


def response_state(*, invitation: Invitation) -> tuple[Response | None, dict, dict]:
    """The invitation's response with its answers and "other" texts by question uid. The answer
    pages read the invitation with its response (invitations.invitation_opened), so it is not
    read again; an invitation read without it reads it here."""
    response = getattr(invitation, "response", None)  # None: no page sent yet
    if response is None:
        return None, {}, {}
    values, others = _answers_of(response)
    return response, values, others


# --- Audience and sending ---------------------------------------------------------------------

def _confirmed_wave(survey: Survey, confirmation: str) -> Wave | None:
    """The wave already sent from this confirmation page, if any (a double click, a resent form)."""
    if not confirmation:
        return None
    return Wave.objects.filter(survey=survey, confirmation=confirmation).first()


def wave_send(*, council, actor, survey: Survey, filters: dict | None = None, segment: Segment | None = None,
              send_at: datetime | None = None, sample: SampleRequest | None = None, request=None,
              confirmation: str = "", channel: str = Wave.Channel.EMAIL, sample_fingerprint: str = "") -> Wave:
    """Invite an audience: one invitation per member not yet invited, after leaving out those
    who must not be contacted; one outreach mailing for the wave, sent now or at `send_at`.

    With `sample`, only a representative sample of that audience is invited (sampling.py): the
    left-out members are removed before drawing, each invitation keeps its inclusion probability
    and the wave keeps the seed and design. An impossible sample raises and invites nobody.

    Safe to call twice: members already invited to this survey are left out the second time, and
    the same sample (size and seed) is never sent twice. With `confirmation` (the one-time key of
    the confirmation page) a second call returns the wave the first one made and sends nothing.

    A paper or phone `channel` invites the audience's members without a working e-mail address:
    no e-mail goes out; each invitation gets a personal paper code, and the wave's questionnaires
    are printed from paper_pdf.py (and answers typed in through paper_entry.py).

    An e-mail wave of `waves.PREPARED_BY_WORKER_FROM` members or more comes back unprepared: its
    invitations and e-mails are written by the worker (waves.py), and until then the survey
    takes no other sending.

    `sample_fingerprint` (SampleDraw.fingerprint of the sample the confirmation page showed):
    the sample drawn here, with the same seed, must be the same members, else nothing is sent
    (the audience or their profiles changed since, and staff see the new sample first).
    """
    if channel not in Wave.Channel.values:
        raise ValidationError(_("Choose how the members are asked: e-mail, paper or phone."))
    by_mail = channel == Wave.Channel.EMAIL
    if segment is not None:
        if segment.council_id != council.pk:
            raise ValidationError(_("Unknown segment."))
        filters = segment.filters
    filters = clean_filters(council=council, filters=filters or {})
    now = timezone.now()
    if send_at is not None and send_at < now - timedelta(minutes=5):
        raise ValidationError({"send_at": _("The sending time is in the past.")})
    with transaction.atomic():
        survey = Survey.objects.select_for_update().get(pk=survey.pk, council=council)
        if (done := _confirmed_wave(survey, confirmation)) is not None:
            return done
        if survey.status != Survey.Status.OPEN:
            raise ValidationError(_("Open the survey before sending invitations."))
        if waves.preparing(survey):
            # Its members are not invited yet: a second audience now could choose them again.
            raise ValidationError(_("The last sending's invitations are still being prepared. Send again when it "
                                    "shows on the response rate page, in a minute or two."))
        if purpose.purpose_missing(survey):
            raise ValidationError(_("Write why the survey is asked, for which committee or case, and how the "
                                    "answers will be used before sending it."))
        if survey.closes_at and (send_at or now) >= survey.closes_at:
            raise ValidationError(_("The survey closes before the invitations would be sent."))
        if not by_mail and send_at is not None:
            raise ValidationError({"send_at": _("Paper and phone sendings are made now: leave the sending time empty.")})
        plan = audience_plan(council=council, survey=survey, filters=filters, now=now, with_composition=False,
                             channel=channel)
        if not plan.member_ids:
            raise ValidationError(_("Nobody to invite: everyone in this audience is left out or already invited."))
        member_ids, left_out, design, inclusion = plan.member_ids, dict(plan.left_out), {}, None
        if sample is not None:
            # A double click would otherwise draw a second sample from those not yet invited.
            for earlier in Wave.objects.filter(survey=survey, cancelled_at__isnull=True).exclude(sample={}):
                if (earlier.sample.get("seed"), earlier.sample.get("size")) == (sample.seed, sample.size):
                    raise ValidationError(_("This sample (the same size and seed) has already been sent."))
            draw = sample_draw(council=council, survey=survey, member_ids=plan.member_ids, request=sample, now=now,
                               profiles=plan.profile_arrays(council=council, fresh=True))
            if not draw.ok:
                raise ValidationError(draw.errors)
            if sample_fingerprint and draw.fingerprint() != sample_fingerprint:
                # Whatever changed, the next preview reads the profiles afresh (now: this
                # transaction is rolled back, with any on_commit).
                profiles_changed(council_id=council.pk)
                raise ValidationError(_("The panel has changed since the sample was shown (members joined, left, were "
                                        "invited or changed their profile), so the same seed now draws other members. "
                                        "Nothing was sent: check the sample below and confirm again."))
            member_ids, design, inclusion = draw.selected, draw.record(), draw.inclusion
            left_out["profile_incomplete"] = draw.profile_incomplete
        in_worker = by_mail and waves.prepared_by_worker(len(member_ids))
        wave = Wave.objects.create(
            survey=survey, kind=Wave.Kind.INVITATION, segment=segment, filters=filters,
            recipient_count=len(member_ids), left_out=left_out, send_at=send_at or now, created_by=actor,
            sample=design, confirmation=confirmation, channel=channel, prepared=not in_worker,
        )
        if in_worker:
            waves.wave_plan(wave=wave, member_ids=member_ids, inclusion=inclusion)
        elif by_mail:
            waves.wave_write(council=council, actor=actor, survey=survey, wave=wave, member_ids=member_ids,
                             inclusion=inclusion, send_at=send_at)
        else:
            waves.issue_invitations(survey=survey, wave=wave, member_ids=member_ids, invited_at=now)
            paper_codes_issue(list(Invitation.objects.filter(wave=wave).only("pk", "token_salt")))
        detail = {"wave": wave.pk, "channel": channel, "filters": filters, "invited": len(member_ids),
                  "left_out": left_out, "send_at": (send_at or now).isoformat()}
        if design:
            detail["sample"] = {k: design[k] for k in ("seed", "size", "features", "adjust_for_response",
                                                       "pool", "expected_completes")}
        audit_record(council=council, actor=actor, action="survey.send", target=survey,
                     member_ids=member_ids, detail=detail, request=request)
    return wave


def wave_cancel(*, council, actor, wave: Wave, request=None) -> Wave:
    """Call off a scheduled sending before it starts: its e-mails are cancelled and its
    invitations withdrawn, so those members can be invited again later."""
    with transaction.atomic():
        wave = Wave.objects.select_for_update().get(pk=wave.pk, survey__council=council)
        if wave.cancelled_at is not None:
            return wave
        if not wave.cancellable:
            raise ValidationError(_("This sending has started or is not a scheduled invitation; it cannot be cancelled."))
        if wave.mailing is not None:
            mailing_cancel(council=council, actor=actor, mailing=wave.mailing)
        withdrawn = Invitation.objects.filter(wave=wave, response__isnull=True, completed_at__isnull=True)
        member_ids = list(withdrawn.values_list("member_id", flat=True))
        withdrawn.delete()
        wave.cancelled_at = timezone.now()
        wave.save(update_fields=["cancelled_at"])
        audit_record(council=council, actor=actor, action="survey.send_cancel", target=wave.survey,
                     member_ids=member_ids, detail={"wave": wave.pk, "withdrawn": len(member_ids)}, request=request)
    return wave


def _reminder_due_q(survey: Survey, now: datetime, *, due_only: bool) -> Q:
    # Paper and phone invitations are followed up by staff, not by e-mail.
    condition = Q(survey=survey, completed_at__isnull=True, invited_at__lte=now, wave__channel=Wave.Channel.EMAIL,
                  reminders_sent__lt=survey.reminder_count,
                  member__status="active", member__wants_surveys=True, member__email_bounced=False)
    if due_only:
        gap = now - timedelta(days=survey.reminder_interval_days)
        condition &= (Q(last_reminded_at__isnull=True, invited_at__lte=gap) | Q(last_reminded_at__lte=gap))
    return condition


def reminder_recipients(*, council, survey: Survey, due_only: bool = False, now: datetime | None = None):
    """The invitations a reminder sent now would go to (for the confirmation page), oldest first."""
    now = now or timezone.now()
    if survey.council_id != council.pk or not survey.is_accepting_answers(now):
        return Invitation.objects.none()
    return (Invitation.objects.filter(_reminder_due_q(survey, now, due_only=due_only))
            .select_related("member").order_by("pk"))


def reminder_send(*, council, actor, survey: Survey, due_only: bool = True, now: datetime | None = None,
                  request=None, confirmation: str = "") -> Wave | None:
    """Remind the invited members who have not finished: only those whose last e-mail (invitation
    or reminder) is at least the survey's interval old and who have had fewer reminders than the
    survey allows. `due_only=False` (the staff button) skips the interval, not the count.
    Returns None if nobody is due."""
    now = now or timezone.now()
    with transaction.atomic():
        survey = Survey.objects.select_for_update().get(pk=survey.pk, council=council)
        if (done := _confirmed_wave(survey, confirmation)) is not None:
            return done
        if not survey.is_accepting_answers(now):
            return None
        due = list(Invitation.objects.select_for_update(of=("self",))
                   .filter(_reminder_due_q(survey, now, due_only=due_only)).order_by("pk"))
        if not due:
            return None
        number = max(i.reminders_sent for i in due) + 1
        wave = Wave.objects.create(survey=survey, kind=Wave.Kind.REMINDER, reminder_number=number,
                                   recipient_count=len(due), send_at=now, created_by=actor, confirmation=confirmation)
        due_ids = [i.pk for i in due]
        for start in range(0, len(due_ids), 500):  # chunks: SQLite limits query parameters
            Invitation.objects.filter(pk__in=due_ids[start:start + 500]).update(
                reminders_sent=F("reminders_sent") + 1, last_reminded_at=now
            )
        member_ids = [i.member_id for i in due]
        mailing = mailing_create(
            council=council, actor=actor, message_type=REMINDER_MESSAGE, member_ids=member_ids,
            reference=f"survey:{survey.pk}", reference_ids={i.member_id: i.pk for i in due},
        )
        wave.mailing = mailing
        wave.save(update_fields=["mailing"])
        audit_record(council=council, actor=actor, action="survey.remind", target=survey, member_ids=member_ids,
                     detail={"wave": wave.pk, "reminded": len(member_ids), "reminder": number}, request=request)
    return wave


def reminders_send_due(*, now: datetime | None = None) -> list[Wave]:
    """The scheduled job: send every due reminder of every open survey (all councils)."""
    now = now or timezone.now()
    waves = []
    for survey in Survey.objects.filter(status=Survey.Status.OPEN, reminder_count__gt=0).select_related("council"):
        wave = reminder_send(council=survey.council, actor=None, survey=survey, due_only=True, now=now)
        if wave is not None:
            waves.append(wave)
    return waves
