"""Staff pages: campaigns and what they bring, address extracts and letter batches, panel health.

Campaign figures and panel health are aggregates (analysts may read them); extracts and letters
hold residents' names and addresses (members capability, every download audited).
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from civicpanel.accounts.decorators import staff_view
from civicpanel.accounts.permissions import Capability, can
from civicpanel.common.formatting import number
from civicpanel.common.pdf import pdf_available
from civicpanel.panel.models import Campaign
from civicpanel.recruitment import letter_files, letters_pdf, selectors, services
from civicpanel.recruitment.campaigns import batch_figures, campaign_detail, campaigns_overview
from civicpanel.recruitment.extracts import ALIASES
from civicpanel.recruitment.forms import (
    NEW,
    BatchForm,
    CampaignPlanForm,
    ExtractUploadForm,
    HealthSettingsForm,
    PlanBatchForm,
)
from civicpanel.recruitment.health import panel_health
from civicpanel.recruitment.models import AddressExtract, LetterBatch, LetterFile
from civicpanel.recruitment.planner import refresh_plan


def _site_url(request) -> str:
    return request.build_absolute_uri("/").rstrip("/")


@staff_view(Capability.RESULTS)
@require_GET
def recruitment_home(request):
    council = request.council
    may_letters = can(request.membership, Capability.MEMBERS)
    extracts = []
    if may_letters:
        keep = selectors.recruitment_settings(council=council).extract_keep_days
        extracts = [(e, selectors.extract_delete_on(e, keep_days=keep))
                    for e in AddressExtract.objects.filter(council=council).select_related("campaign__plan")[:20]]
    return render(request, "recruitment/staff/home.html", {
        "overview": campaigns_overview(council=council), "extracts": extracts, "may_letters": may_letters})


@staff_view(Capability.RESULTS)
@require_GET
def campaign_view(request, campaign_id: int):
    campaign = get_object_or_404(Campaign, council=request.council, pk=campaign_id)
    detail = campaign_detail(council=request.council, campaign=campaign)
    form = None
    if can(request.membership, Capability.MEMBERS):
        form = CampaignPlanForm(initial={"ends_on": detail.plan.ends_on, "cost": detail.plan.cost})
    return render(request, "recruitment/staff/campaign.html", {"detail": detail, "campaign": campaign, "form": form})


@staff_view(Capability.MEMBERS)
@require_POST
def campaign_plan_view(request, campaign_id: int):
    campaign = get_object_or_404(Campaign, council=request.council, pk=campaign_id)
    form = CampaignPlanForm(request.POST)
    if form.is_valid():
        services.campaign_plan_save(council=request.council, actor=request.user, campaign=campaign,
                                    ends_on=form.cleaned_data["ends_on"], cost=form.cleaned_data["cost"],
                                    request=request)
        messages.success(request, _("The campaign's end and cost are saved."))
        return redirect("staff:recruitment_campaign", campaign_id=campaign.pk)
    detail = campaign_detail(council=request.council, campaign=campaign)
    return render(request, "recruitment/staff/campaign.html", {"detail": detail, "campaign": campaign, "form": form},
                  status=400)


@staff_view(Capability.MEMBERS)
def extract_upload_view(request):
    council = request.council
    form = ExtractUploadForm(request.POST or None, request.FILES or None, council=council)
    report = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        campaign = form.chosen_campaign
        data = upload.read()
        from civicpanel.recruitment.extracts import extract_check

        report = extract_check(council=council, data=data, filename=upload.name)
        if report.ok:
            if campaign is None and form.cleaned_data["campaign"] == NEW:
                campaign = services.letter_campaign_create(council=council, actor=request.user,
                                                           name=form.cleaned_data["new_name"],
                                                           ends_on=form.cleaned_data["ends_on"], request=request)
            elif form.cleaned_data["ends_on"]:
                plan = selectors.campaign_plan(council=council, campaign=campaign)
                services.campaign_plan_save(council=council, actor=request.user, campaign=campaign,
                                            ends_on=form.cleaned_data["ends_on"], cost=plan.cost, request=request)
            try:
                extract = services.extract_upload(council=council, actor=request.user, campaign=campaign, data=data,
                                                  filename=upload.name, request=request)
            except services.ExtractRefused as exc:
                report = exc.report
            else:
                messages.success(request, _("The extract is stored: %(count)s addresses.") % {"count": extract.row_count})
                return redirect("staff:recruitment_extract", extract_id=extract.pk)
    return render(request, "recruitment/staff/extract_upload.html", {
        "form": form, "report": report, "columns": ALIASES}, status=400 if report is not None else 200)


def _extract_page(request, extract, form, status=200):
    council = request.council
    keep = selectors.recruitment_settings(council=council).extract_keep_days
    labels = selectors.group_labels(council=council)
    groups = [(labels.get(key, key), n) for key, n in extract.group_counts.items() if key != "total"]
    return render(request, "recruitment/staff/extract.html", {
        "extract": extract, "form": form, "groups": groups,
        "available": selectors.available_addressees(extract=extract).count() if not extract.purged_at else 0,
        "delete_on": selectors.extract_delete_on(extract, keep_days=keep),
        "batches": extract.batches.all(),
    }, status=status)


@staff_view(Capability.MEMBERS)
def extract_view(request, extract_id: int):
    council = request.council
    extract = get_object_or_404(AddressExtract.objects.select_related("campaign"), council=council, pk=extract_id)
    form = BatchForm(request.POST or None, council=council)
    if request.method == "POST":
        if extract.purged_at is not None:
            messages.error(request, _("The extract's addresses have been deleted; no letters can be made from it."))
            return redirect("staff:recruitment_extract", extract_id=extract.pk)
        if form.is_valid():
            data = form.cleaned_data
            try:
                batch = services.batch_create(council=council, actor=request.user, extract=extract,
                                              method=data["method"], size=data["size"], language=data["language"],
                                              layout=data["layout"], codes_expire_on=data["codes_expire_on"],
                                              request=request)
            except services.BatchRefused:
                messages.error(request, _("Everyone in this extract has had a letter already."))
                return redirect("staff:recruitment_extract", extract_id=extract.pk)
            messages.success(request, _("The letters are made. Download them below."))
            return redirect("staff:recruitment_batch", batch_id=batch.pk)
        return _extract_page(request, extract, form, status=400)
    return _extract_page(request, extract, form)


@staff_view(Capability.MEMBERS)
@require_POST
def extract_delete_view(request, extract_id: int):
    extract = get_object_or_404(AddressExtract, council=request.council, pk=extract_id)
    services.extract_purge(extract=extract, actor=request.user)
    messages.success(request, _("The extract's names and addresses are deleted; its counts are kept."))
    return redirect("staff:recruitment_extract", extract_id=extract.pk)


FILE_STEPS_LABEL = gettext_lazy("%(done)s of %(total)s letters laid out")


def _file_step(made: LetterFile) -> str:
    return str(FILE_STEPS_LABEL) % {"done": number(made.done), "total": number(made.total)}


@staff_view(Capability.MEMBERS)
@require_GET
def batch_view(request, batch_id: int):
    batch = get_object_or_404(LetterBatch.objects.select_related("campaign", "extract"), council=request.council,
                              pk=batch_id)
    files = list(LetterFile.objects.filter(batch=batch, council=request.council).defer("content")
                 .select_related("requested_by")[:20])
    for made in files:
        made.step_label = _file_step(made)
    return render(request, "recruitment/staff/batch.html", {
        "batch": batch, "figures": batch_figures(council=request.council, batch=batch),
        "printable": letters_pdf.printable_letters(batch).count(), "pdf_available": pdf_available(),
        "files": files, "working": any(made.working for made in files),
        "volume_size": letter_files.VOLUME_SIZE, "keep_days": letter_files.FILE_KEEP_DAYS,
        "kinds": LetterFile.Kind, "language_name": dict(settings.LANGUAGES).get(batch.language, batch.language),
    })


@staff_view(Capability.MEMBERS)
@require_POST
def batch_file_request_view(request, batch_id: int):
    """Ask the worker for the batch's letters, for printing or for digital post."""
    batch = get_object_or_404(LetterBatch.objects.select_related("extract"), council=request.council, pk=batch_id)
    try:
        made = letter_files.letters_file_request(council=request.council, actor=request.user, batch=batch,
                                                 kind=request.POST.get("kind", ""), base_url=_site_url(request),
                                                 request=request)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
        return redirect("staff:recruitment_batch", batch_id=batch.pk)
    messages.success(request, _("The letters are being made. The download appears below when they are ready."))
    return redirect(reverse("staff:recruitment_batch", args=[batch.pk]) + f"#file-{made.pk}")


def _file(request, batch_id: int, file_id: int) -> LetterFile:
    return get_object_or_404(LetterFile.objects.defer("content"), pk=file_id, batch_id=batch_id,
                             council=request.council)


@staff_view(Capability.MEMBERS)
@require_GET
def batch_file_status_view(request, batch_id: int, file_id: int):
    """The progress as JSON for the page's script (the page itself works without it)."""
    made = _file(request, batch_id, file_id)
    return JsonResponse({"status": made.status, "progress": made.progress, "step": _file_step(made),
                         "working": made.working})


@staff_view(Capability.MEMBERS)
@require_GET
def batch_file_download_view(request, batch_id: int, file_id: int):
    made = get_object_or_404(LetterFile, pk=file_id, batch_id=batch_id, council=request.council)
    if made.status != LetterFile.Status.READY:
        raise Http404
    content = letter_files.letters_file_download(council=request.council, actor=request.user, made=made,
                                                 request=request)
    response = HttpResponse(content, content_type=made.content_type)
    response["Content-Disposition"] = f'attachment; filename="{made.filename}"'
    return response


@staff_view(Capability.RESULTS)
@require_GET
def health_view(request):
    council = request.council
    may_letters = can(request.membership, Capability.MEMBERS)
    return render(request, "recruitment/staff/health.html", {
        "health": panel_health(council=council), "plan": refresh_plan(council=council),
        "plan_form": PlanBatchForm(council=council) if may_letters else None,
        "may_settings": can(request.membership, Capability.SETTINGS),
    })


@staff_view(Capability.MEMBERS)
@require_POST
def plan_batch_view(request):
    council = request.council
    plan = refresh_plan(council=council)
    form = PlanBatchForm(request.POST, council=council)
    if plan.extract is None or not plan.as_plan:
        messages.error(request, _("There is nothing to send: no group needs letters, or no extract has addresses "
                                  "left for them."))
        return redirect("staff:recruitment_health")
    if not form.is_valid():
        return render(request, "recruitment/staff/health.html", {
            "health": panel_health(council=council), "plan": plan, "plan_form": form,
            "may_settings": can(request.membership, Capability.SETTINGS)}, status=400)
    try:
        batch = services.batch_create(council=council, actor=request.user, extract=plan.extract,
                                      method=LetterBatch.Method.PLANNED, size=None, plan=plan.as_plan,
                                      language=form.cleaned_data["language"], layout=form.cleaned_data["layout"],
                                      codes_expire_on=form.cleaned_data["codes_expire_on"], request=request)
    except services.BatchRefused:
        messages.error(request, _("Everyone in this extract has had a letter already."))
        return redirect("staff:recruitment_health")
    messages.success(request, _("The letters of the refresh plan are made. Download them below."))
    return redirect("staff:recruitment_batch", batch_id=batch.pk)


@staff_view(Capability.SETTINGS)
def settings_view(request):
    council = request.council
    current = selectors.recruitment_settings(council=council)
    form = HealthSettingsForm(request.POST or None, initial={
        "warning_percent": current.warning_percent, "extract_keep_days": current.extract_keep_days,
        "return_address": current.return_address})
    if request.method == "POST" and form.is_valid():
        services.recruitment_settings_save(council=council, actor=request.user, request=request, **form.cleaned_data)
        messages.success(request, _("The settings are saved."))
        return redirect("staff:recruitment_health")
    return render(request, "recruitment/staff/settings.html", {"form": form},
                  status=400 if form.is_bound and form.errors else 200)
