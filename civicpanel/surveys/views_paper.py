"""Staff pages for paper and phone: the printed questionnaires, typing in the answers (found by
the member's personal code, which travels in form posts only, never in an address), and the
third look when two entries disagree."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_GET, require_http_methods

from civicpanel.accounts.decorators import staff_view
from civicpanel.accounts.permissions import Capability
from civicpanel.audit.services import audit_record
from civicpanel.common.forms import CleanInputMixin
from civicpanel.surveys import paper_entry, selectors
from civicpanel.surveys.contact_list import wave_contact_list
from civicpanel.surveys.models import Invitation, Response, Wave
from civicpanel.surveys.paper_codes import invitation_by_paper_code
from civicpanel.surveys.paper_pdf import contact_list_pdf, paper_pages, questionnaire_pdf
from civicpanel.surveys.questions import question_view
from civicpanel.surveys.selectors import survey_structure

MODE_CHOICES = [(Response.Mode.PAPER, gettext_lazy("On paper")), (Response.Mode.PHONE, gettext_lazy("By phone"))]


class CodeForm(CleanInputMixin, forms.Form):
    code = forms.CharField(label=gettext_lazy("Personal code on the questionnaire"), max_length=40,
                           help_text=gettext_lazy("Twelve letters and digits on the first page, e.g. ABCD-EFGH-JKLM. "
                                                  "A scanner can read it from the QR code."))
    mode = forms.ChoiceField(label=gettext_lazy("The answers came"), choices=MODE_CHOICES, widget=forms.RadioSelect,
                             initial=Response.Mode.PAPER)


def _pdf(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@staff_view(Capability.SURVEYS)
@require_http_methods(["GET", "POST"])
def paper_view(request, survey_id: int):
    """Everything paper and phone for one survey: questionnaires to print, typing answers in,
    double entry and the questionnaires waiting for a second entry or a third look."""
    survey = selectors.survey_get(council=request.council, survey_id=survey_id)
    if request.method == "POST":
        try:
            paper_entry.paper_double_entry_set(council=request.council, actor=request.user, survey=survey,
                                               enabled=request.POST.get("double_entry") == "on", request=request)
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
        else:
            messages.success(request, _("Saved."))
        return redirect("staff:survey_paper", survey.pk)
    waves = list(selectors.paper_waves(council=request.council, survey=survey))
    return render(request, "surveys/staff/paper.html", {
        "survey": survey, "waves": waves, "form": CodeForm(),
        "waiting": paper_entry.paper_entries_waiting(council=request.council, survey=survey),
        "languages": request.council.language_codes,
    })


@staff_view(Capability.SURVEYS)
@require_GET
def paper_blank_view(request, survey_id: int):
    """The blank questionnaire: for phone interviews, or to hand out (answers without a code
    cannot be typed in, as they belong to no invitation)."""
    survey = selectors.survey_get(council=request.council, survey_id=survey_id)
    language = request.GET.get("language")
    content = questionnaire_pdf(council=request.council, survey=survey, language=language)
    return _pdf(content, f"questionnaire-{survey.pk}.pdf")


@staff_view(Capability.SURVEYS)
@require_GET
def paper_wave_pdf_view(request, survey_id: int, wave_id: int):
    """One questionnaire per member of a paper or phone sending who has not answered yet, each
    with the member's name and code: personal data, so the printing is audited."""
    survey = selectors.survey_get(council=request.council, survey_id=survey_id)
    wave = selectors.wave_get(council=request.council, survey=survey, wave_id=wave_id)
    if wave.channel == Wave.Channel.EMAIL:
        raise Http404
    invitations = list(Invitation.objects.filter(wave=wave, completed_at__isnull=True).select_related("member")
                       .order_by("pk"))
    content = questionnaire_pdf(council=request.council, survey=survey, invitations=invitations)
    audit_record(council=request.council, actor=request.user, action="survey.paper_print", target=survey,
                 member_ids=[i.member_id for i in invitations], detail={"wave": wave.pk, "copies": len(invitations)},
                 request=request)
    return _pdf(content, f"questionnaires-{survey.pk}-{wave.pk}.pdf")


def _contact_list(request, survey_id: int, wave_id: int, fmt: str):
    survey = selectors.survey_get(council=request.council, survey_id=survey_id)
    wave = selectors.wave_get(council=request.council, survey=survey, wave_id=wave_id)
    if wave.channel == Wave.Channel.EMAIL:
        raise Http404
    return survey, wave_contact_list(council=request.council, survey=survey, wave=wave, actor=request.user, fmt=fmt,
                                     request=request)


@staff_view(Capability.SURVEYS)
@require_GET
def paper_contacts_view(request, survey_id: int, wave_id: int):
    """The call list of a phone sending (name, number, code, status), or the address list of a
    paper sending, for the staff making the calls or posting the questionnaires."""
    survey, contacts = _contact_list(request, survey_id, wave_id, "page")
    return render(request, "surveys/staff/paper_contacts.html", {"survey": survey, "contacts": contacts})


@staff_view(Capability.SURVEYS)
@require_GET
def paper_contacts_pdf_view(request, survey_id: int, wave_id: int):
    """The same list as a PDF to print, with room to note each call."""
    survey, contacts = _contact_list(request, survey_id, wave_id, "pdf")
    content = contact_list_pdf(council=request.council, survey=survey, contacts=contacts)
    kind = "call-list" if contacts.by_phone else "address-list"
    return _pdf(content, f"{kind}-{survey.pk}-{contacts.wave.pk}.pdf")


def _entry_views(structure, values: dict, others: dict, errors: dict) -> list[dict]:
    """Every question of the survey with the paper's routing instruction beside it."""
    notes = {item.view["q"].uid: item.note for page in paper_pages(structure) for item in page.questions}
    views = []
    for question in structure.questions:
        number = structure.number_of(question) if question.answerable else None
        view = question_view(question, number=number, value=values.get(question.uid),
                             other_text=others.get(question.uid, ""), error=errors.get(question.uid, ""))
        view["note"] = notes.get(question.uid, "")
        views.append(view)
    return views


def _render_entry(request, survey, *, form, structure, values=None, others=None, errors=None, differences=None,
                  invitation=None, status=200):
    return render(request, "surveys/staff/paper_entry.html", {
        "survey": survey, "form": form, "views": _entry_views(structure, values or {}, others or {}, errors or {}),
        "errors": errors or {}, "differences": differences, "invitation": invitation,
    }, status=status)


@staff_view(Capability.SURVEYS)
@require_http_methods(["GET", "POST"])
def paper_enter_view(request, survey_id: int):
    """Type in one questionnaire: the code and the answers in one form, sent by POST."""
    survey = selectors.survey_get(council=request.council, survey_id=survey_id)
    structure = survey_structure(survey)
    if request.method == "GET":
        form = CodeForm(initial={"mode": request.GET.get("mode") if request.GET.get("mode") in dict(MODE_CHOICES)
                                 else Response.Mode.PAPER})
        return _render_entry(request, survey, form=form, structure=structure)
    form = CodeForm(request.POST)
    invitation = None
    if form.is_valid():
        invitation = invitation_by_paper_code(council=request.council, survey=survey, code=form.cleaned_data["code"])
        if invitation is None:
            form.add_error("code", _("No questionnaire of this survey has this code. Check it against the first page."))
    if not form.is_valid():
        read = paper_entry.paper_read(structure=structure, data=request.POST)
        return _render_entry(request, survey, form=form, structure=structure, values=read.values, others=read.others,
                             errors=read.errors, status=400)
    try:
        outcome = paper_entry.paper_entry_submit(council=request.council, actor=request.user, survey=survey,
                                                 invitation=invitation, mode=form.cleaned_data["mode"],
                                                 data=request.POST, request=request)
    except ValidationError as error:
        form.add_error(None, error)
        read = paper_entry.paper_read(structure=structure, data=request.POST)
        return _render_entry(request, survey, form=form, structure=structure, values=read.values, others=read.others,
                             status=400)
    read = outcome.read
    if outcome.state == "invalid":
        return _render_entry(request, survey, form=form, structure=structure, values=read.values, others=read.others,
                             errors=read.errors, status=400)
    if outcome.state == "differ":
        messages.warning(request, _("The two entries of this questionnaire differ. Look at the paper and settle the differences."))
        return redirect("staff:survey_paper_resolve", survey.pk, invitation.pk)
    text = (_("Saved: the answers count now.") if outcome.state == "saved"
            else _("Saved as the first entry: a second staff member types in the same questionnaire, and the two are compared."))
    if read.skipped:
        text += " " + ngettext(
            "%(n)s answer was not saved: the questionnaire's instructions skip that question for these answers.",
            "%(n)s answers were not saved: the questionnaire's instructions skip those questions for these answers.",
            len(read.skipped)) % {"n": len(read.skipped)}
    messages.success(request, text)
    return redirect(f"{request.path}?mode={form.cleaned_data['mode']}")


@staff_view(Capability.SURVEYS)
@require_http_methods(["GET", "POST"])
def paper_resolve_view(request, survey_id: int, invitation_id: int):
    """The third look: the differences field by field, and the questionnaire with what both
    entries agree on filled in."""
    survey = selectors.survey_get(council=request.council, survey_id=survey_id)
    entries = paper_entry.paper_entries_of(council=request.council, survey=survey, invitation_id=invitation_id)
    if len(entries) < 2:
        raise Http404
    invitation = entries[0].invitation
    structure = survey_structure(survey)
    differences = paper_entry.paper_differences(structure=structure, first=entries[0], second=entries[1])
    values, others = paper_entry.agreed_values(entries[0], entries[1])
    form = ResolveForm(request.POST or None, initial={"mode": entries[0].mode})
    if request.method == "POST" and form.is_valid():
        try:
            outcome = paper_entry.paper_entry_resolve(council=request.council, actor=request.user, survey=survey,
                                                      invitation=invitation, mode=form.cleaned_data["mode"],
                                                      data=request.POST, request=request)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            if outcome.state == "saved":
                messages.success(request, _("Settled and saved: the answers count now."))
                return redirect("staff:survey_paper", survey.pk)
            return _render_entry(request, survey, form=form, structure=structure, values=outcome.read.values,
                                 others=outcome.read.others, errors=outcome.read.errors, differences=differences,
                                 invitation=invitation, status=400)
    return _render_entry(request, survey, form=form, structure=structure, values=values, others=others,
                         differences=differences, invitation=invitation)


class ResolveForm(CleanInputMixin, forms.Form):
    mode = forms.ChoiceField(label=gettext_lazy("The answers came"), choices=MODE_CHOICES, widget=forms.RadioSelect)
