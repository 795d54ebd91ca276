"""Staff pages for a survey's committee report: choose language and breakdowns, follow the
worker's progress, download the PDF."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.text import slugify
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from civicpanel.accounts.decorators import staff_view
from civicpanel.accounts.permissions import Capability
from civicpanel.analysis.models import SurveyReport
from civicpanel.analysis.report_pdf import report_title
from civicpanel.analysis.report_services import MAX_BREAKDOWNS, report_download, report_request
from civicpanel.common.forms import CleanInputMixin
from civicpanel.common.pdf import pdf_available
from civicpanel.surveys import selectors as survey_selectors
from civicpanel.surveys.audience import profile_questions
from civicpanel.surveys.next_steps import survey_next_steps

LANGUAGE_CHOICES = [("da", gettext_lazy("Danish")), ("nb", gettext_lazy("Norwegian Bokmål")),
                    ("en", gettext_lazy("English"))]
STEPS = {
    "results": gettext_lazy("Computing the results"),
    "breakdowns": gettext_lazy("Computing the breakdowns"),
    "composition": gettext_lazy("Comparing the respondents with the population"),
    "pdf": gettext_lazy("Laying out the PDF"),
    "done": gettext_lazy("Ready"),
}


class ReportForm(CleanInputMixin, forms.Form):
    language = forms.ChoiceField(label=gettext_lazy("Language of the report"), choices=LANGUAGE_CHOICES,
                                 widget=forms.RadioSelect)
    breakdowns = forms.MultipleChoiceField(
        label=gettext_lazy("Break the results down by"), required=False, widget=forms.CheckboxSelectMultiple,
        help_text=gettext_lazy("At most three. Groups with fewer than 5 respondents are hidden."),
    )

    def __init__(self, *args, questions, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["breakdowns"].choices = [(q.key, q.text) for q in questions]

    def clean_breakdowns(self):
        chosen = self.cleaned_data["breakdowns"]
        if len(chosen) > MAX_BREAKDOWNS:
            raise ValidationError(_("Choose at most %(n)s breakdowns.") % {"n": MAX_BREAKDOWNS})
        return chosen


def _report(request, survey, report_id: int) -> SurveyReport:
    return get_object_or_404(SurveyReport.objects.defer("pdf"), pk=report_id, survey=survey, council=request.council)


@staff_view(Capability.RESULTS)
@require_http_methods(["GET", "POST"])
def report_view(request, survey_id: int):
    survey = survey_selectors.survey_get(council=request.council, survey_id=survey_id)
    questions = profile_questions(council=request.council)
    language = (get_language() or "da")[:2]
    form = ReportForm(request.POST or None, questions=questions,
                      initial={"language": "nb" if language == "no" else language})
    available = pdf_available()
    if request.method == "POST" and available and form.is_valid():
        try:
            report = report_request(council=request.council, actor=request.user, survey=survey,
                                    language=form.cleaned_data["language"],
                                    breakdowns=form.cleaned_data["breakdowns"], request=request)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The report is being made. It appears below when it is ready."))
            return redirect(f"{request.path}#report-{report.pk}")
    reports = list(SurveyReport.objects.filter(survey=survey, council=request.council).defer("pdf")
                   .select_related("requested_by")[:20])
    names = {q.key: q.text for q in questions}
    for report in reports:
        report.step_label = STEPS.get(report.step, "")
        report.breakdown_labels = [names.get(key, key) for key in report.breakdowns]
    return render(request, "analysis/report/page.html", {
        "survey": survey, "form": form, "reports": reports, "available": available,
        "languages": dict(LANGUAGE_CHOICES), "working": any(r.working for r in reports),
        "next_steps": survey_next_steps(request, survey),
    })


@staff_view(Capability.RESULTS)
def report_status_view(request, survey_id: int, report_id: int):
    """The progress as JSON for the page's script (the page itself works without it)."""
    survey = survey_selectors.survey_get(council=request.council, survey_id=survey_id)
    report = _report(request, survey, report_id)
    return JsonResponse({"status": report.status, "progress": report.progress,
                         "step": str(STEPS.get(report.step, "")), "working": report.working})


@staff_view(Capability.RESULTS)
def report_download_view(request, survey_id: int, report_id: int):
    survey = survey_selectors.survey_get(council=request.council, survey_id=survey_id)
    report = get_object_or_404(SurveyReport, pk=report_id, survey=survey, council=request.council)
    if report.status != SurveyReport.Status.READY:
        raise Http404
    pdf = report_download(council=request.council, actor=request.user, report=report, request=request)
    name = slugify(report_title(survey, report.language))[:80] or "report"
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{name}-{report.language}.pdf"'
    return response
