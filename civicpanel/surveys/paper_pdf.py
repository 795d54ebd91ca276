"""The printed questionnaire (PDF through WeasyPrint): a blank one, and one per member of a paper
or phone sending with their personal code and a QR code of it, so the answers typed in later
belong to the right member.

A member with a postal address (members/contact.py) gets it printed where the envelope's window
is (common.envelopes), so the copy can be folded into a window envelope and posted.

Paper cannot hide a question, so display conditions become instructions a reader can follow:
a question shown only for some answers says "Answer only if your answer to question 3 was
“No”; otherwise go to question 5", and the option that skips questions says "go to question 5".
"""

from __future__ import annotations

import base64
import io
from dataclasses import dataclass, field

from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from civicpanel.common.envelopes import window_for_country
from civicpanel.common.formatting import long_date
from civicpanel.common.models import translated
from civicpanel.common.pdf import render_pdf, static_url
from civicpanel.surveys import conditions
from civicpanel.surveys.models import Invitation, Question, Survey
from civicpanel.surveys.paper_codes import paper_code
from civicpanel.surveys.questions import option_label, question_view
from civicpanel.surveys.selectors import Structure, survey_structure


@dataclass
class PaperQuestion:
    view: dict
    note: str = ""  # "Answer only if ..." for a question shown only for some answers
    skips: dict[str, str] = field(default_factory=dict)  # option code -> "go to question N"


@dataclass
class PaperPage:
    title: str
    questions: list[PaperQuestion]


def _conditions_of(page, question: Question) -> list[dict]:
    return [c for c in (page.condition, question.condition) if c]


def _value_text(source: Question, values: list) -> str:
    joiner = " " + _("or") + " "
    if source.kind == Question.Kind.YESNO:
        return joiner.join("“" + (_("Yes") if v == "yes" else _("No")) + "”" for v in values)
    if source.kind in (Question.Kind.SINGLE, Question.Kind.MULTI):
        return joiner.join("“" + option_label(source, str(v)) + "”" for v in values)
    return joiner.join(str(v) for v in values)


def condition_instruction(condition: dict, structure: Structure) -> str:
    """A display condition as a reader of the printed questionnaire follows it."""
    source = structure.by_uid.get(condition.get("question"))
    if source is None:
        return ""
    values = condition.get("value")
    values = values if isinstance(values, list) else [values]
    n = structure.number_of(source)
    op = condition.get("op")
    if op == "not":
        return _("Answer only if your answer to question %(n)s was not %(value)s.") % {
            "n": n, "value": _value_text(source, values)}
    if op == "gt":
        return _("Answer only if your answer to question %(n)s was more than %(value)s.") % {"n": n, "value": values[0]}
    if op == "lt":
        return _("Answer only if your answer to question %(n)s was less than %(value)s.") % {"n": n, "value": values[0]}
    if source.kind == Question.Kind.MULTI:
        return _("Answer only if you ticked %(value)s in question %(n)s.") % {"n": n, "value": _value_text(source, values)}
    return _("Answer only if your answer to question %(n)s was %(value)s.") % {"n": n, "value": _value_text(source, values)}


def _go_to(structure: Structure, following: list[tuple]) -> str:
    """Where a reader goes next: the first numbered question among `following`, or the end."""
    for _page, question in following:
        if question.answerable:
            return _("go to question %(n)s") % {"n": structure.number_of(question)}
    return _("go to the end of the questionnaire")


def paper_pages(structure: Structure) -> list[PaperPage]:
    """The survey's pages and questions with the instructions that stand in for conditions."""
    flat = [(page, q) for page in structure.pages for q in page.survey_questions]
    index = {q.uid: i for i, (_p, q) in enumerate(flat)}
    notes: dict[str, str] = {}
    for i, (page, question) in enumerate(flat):
        found = _conditions_of(page, question)
        if not found:
            continue
        text = " ".join(condition_instruction(c, structure) for c in found)
        # Otherwise: past every following question that depends on exactly the same conditions.
        end = i + 1
        while end < len(flat) and _conditions_of(*flat[end]) == found:
            end += 1
        previous = flat[i - 1] if i > 0 else None
        if previous is None or _conditions_of(*previous) != found:
            text += " " + _("Otherwise %(go)s.") % {"go": _go_to(structure, flat[end:])}
        notes[question.uid] = text.strip()

    pages = []
    for page in structure.pages:
        items = []
        for question in page.survey_questions:
            number = structure.number_of(question) if question.answerable else None
            item = PaperQuestion(view=question_view(question, number=number), note=notes.get(question.uid, ""))
            if question.kind in (Question.Kind.SINGLE, Question.Kind.YESNO):
                item.skips = _skips(structure, flat, index[question.uid], question)
            items.append(item)
        if items:
            pages.append(PaperPage(title=translated(page.title) if page.title else "", questions=items))
    return pages


def _skips(structure: Structure, flat: list[tuple], position: int, source: Question) -> dict[str, str]:
    """For each answer to `source`: if it hides the questions right after it, where to go."""
    codes = ["yes", "no"] if source.kind == Question.Kind.YESNO else [str(o["code"]) for o in source.options]
    skips = {}
    for code in codes:
        answers = {source.uid: code}
        step = position + 1
        while step < len(flat):
            found = _conditions_of(*flat[step])
            on_source = [c for c in found if c.get("question") == source.uid]
            if not on_source or len(on_source) != len(found) or all(conditions.holds(c, answers) for c in on_source):
                break
            step += 1
        if step > position + 1:
            skips[code] = _go_to(structure, flat[step:])
    return skips


def _qr_data_uri(text: str) -> str:
    import qrcode
    import qrcode.image.svg

    image = qrcode.make(text, image_factory=qrcode.image.svg.SvgPathImage, box_size=10, border=2)
    buffer = io.BytesIO()
    image.save(buffer)
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode()


def _language(council, wanted: str | None) -> str:
    return wanted if wanted in council.language_codes else council.default_language


def _copy_context(*, survey: Survey, structure: Structure, invitation: Invitation | None) -> dict:
    context = {
        "survey": survey, "council": survey.council, "title": translated(survey.title),
        "intro": translated(survey.intro), "pages": paper_pages(structure),
        "closes": long_date(survey.closes_at) if survey.closes_at else "",
    }
    if invitation is not None:
        code = paper_code(invitation)
        member = invitation.member
        context.update(code=code, qr=_qr_data_uri(code), name=member.name)
        if member.postal_address:
            # The member's address where the envelope's window is, as on a letter: the copy goes
            # out folded in a window envelope, with no separate address label.
            lines = [member.name] if member.name else []
            context.update(address_lines=lines + member.postal_address.splitlines(),
                           window=window_for_country(survey.council.country))
    return context


def questionnaire_pdf(*, council, survey: Survey, invitations: list[Invitation] | None = None,
                      language: str | None = None) -> bytes:
    """One PDF: a blank questionnaire (no invitations given), or one per invitation, each
    starting on a new sheet, in the member's own language (if the council uses it)."""
    assert survey.council_id == council.pk
    structure = survey_structure(survey)
    copies = []
    for invitation in invitations if invitations is not None else [None]:
        wanted = _language(council, invitation.member.language if invitation is not None else language)
        with translation.override(wanted):
            copies.append(render_to_string("surveys/paper/copy.html", {
                **_copy_context(survey=survey, structure=structure, invitation=invitation), "language": wanted}))
    first = _language(council, invitations[0].member.language if invitations else language)
    with translation.override(first):
        html = render_to_string("surveys/paper/questionnaire.html", {
            "copies": copies, "title": translated(survey.title), "language": first,
            "stylesheet": static_url("civicpanel/paper.css")})
    return render_pdf(html)


def contact_list_pdf(*, council, survey: Survey, contacts) -> bytes:
    """The call list or address list of a sending (surveys.contact_list) as a PDF in the page's
    language, with an empty column to note each call or posting."""
    assert survey.council_id == council.pk
    html = render_to_string("surveys/paper/contact_list.html", {
        "survey": survey, "council": council, "title": translated(survey.title) or survey.name, "contacts": contacts,
        "language": translation.get_language() or council.default_language,
        "made": long_date(timezone.now()), "stylesheet": static_url("civicpanel/paper.css")})
    return render_pdf(html)
