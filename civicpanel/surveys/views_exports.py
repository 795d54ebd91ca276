"""Staff pages for the Excel file of a survey's responses: ask for it, follow the worker's
progress, download it (the CSV, SPSS and codebook downloads are answered at once, in
views_send.export_view)."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from civicpanel.accounts.decorators import staff_view
from civicpanel.accounts.permissions import Capability
from civicpanel.surveys import selectors
from civicpanel.surveys.export_files import export_download, export_request
from civicpanel.surveys.exports import XLSX_TYPE
from civicpanel.surveys.models import ResponseExport
from civicpanel.surveys.next_steps import survey_next_steps

STEPS = {
    "reading": gettext_lazy("Reading the responses"),
    "weighting": gettext_lazy("Computing the weights"),
    "profile": gettext_lazy("Protecting the profile columns"),
    "rows": gettext_lazy("Writing the rows"),
    "writing": gettext_lazy("Writing the rows"),
    "done": gettext_lazy("Ready"),
}


@staff_view(Capability.RESULTS)
@require_http_methods(["GET", "POST"])
def excel_view(request, survey_id: int):
    survey = selectors.survey_get(council=request.council, survey_id=survey_id)
    if request.method == "POST":
        export = export_request(council=request.council, actor=request.user, survey=survey, request=request)
        messages.success(request, _("The Excel file is being made. It appears below when it is ready."))
        return redirect(f"{request.path}#export-{export.pk}")
    files = list(ResponseExport.objects.filter(survey=survey, council=request.council).defer("content")
                 .select_related("requested_by")[:10])
    for export in files:
        export.step_label = STEPS.get(export.step, "")
    return render(request, "surveys/staff/excel.html", {
        "survey": survey, "files": files, "working": any(e.working for e in files),
        "next_steps": survey_next_steps(request, survey),
    })


def _export(request, survey_id: int, export_id: int) -> ResponseExport:
    survey = selectors.survey_get(council=request.council, survey_id=survey_id)
    return get_object_or_404(ResponseExport.objects.defer("content").select_related("survey"), pk=export_id,
                             survey=survey, council=request.council)


@staff_view(Capability.RESULTS)
def excel_status_view(request, survey_id: int, export_id: int):
    """The progress as JSON for the page's script (the page itself works without it)."""
    export = _export(request, survey_id, export_id)
    return JsonResponse({"status": export.status, "progress": export.progress,
                         "step": str(STEPS.get(export.step, "")), "working": export.working})


@staff_view(Capability.RESULTS)
def excel_download_view(request, survey_id: int, export_id: int):
    export = _export(request, survey_id, export_id)
    if export.status != ResponseExport.Status.READY:
        raise Http404
    export = ResponseExport.objects.select_related("survey").get(pk=export.pk)
    content = export_download(council=request.council, actor=request.user, export=export, request=request)
    response = HttpResponse(content, content_type=XLSX_TYPE)
    response["Content-Disposition"] = f'attachment; filename="survey-{survey_id}-responses.xlsx"'
    return response
