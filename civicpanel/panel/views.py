"""The council admin's settings pages: general, districts, profile questions, consent text,
population figures and recruitment campaigns. Admins only; every change goes through a service
that writes the audit row.

They live in `members` rather than `tenancy` because they use the staff gate from `accounts`
and the member-facing models, and `tenancy` sits below both."""

from __future__ import annotations

import copy
from collections.abc import Callable
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from civicpanel.accounts.decorators import staff_view
from civicpanel.accounts.permissions import Capability
from civicpanel.common.mail import absolute_url
from civicpanel.panel import population
from civicpanel.panel import selectors as settings_selectors
from civicpanel.panel import services as settings_services
from civicpanel.panel.defaults import standard_consent_text
from civicpanel.panel.forms import (
    CampaignForm,
    ConsentForm,
    PopulationConfirmForm,
    PopulationQuestionForm,
    PopulationUploadForm,
    ProfileOptionForm,
    ProfileQuestionAddForm,
    ProfileQuestionForm,
)
from civicpanel.panel.population_tables import stored_tables
from civicpanel.tenancy.brand import MIN_CONTRAST
from civicpanel.tenancy.forms import CouncilGeneralForm, DistrictForm

settings_view = staff_view(Capability.SETTINGS)


def _get_or_404(selector: Callable, **kwargs):
    try:
        return selector(**kwargs)
    except ObjectDoesNotExist as error:
        raise Http404 from error


def _errors(request, form, error: ValidationError) -> None:
    """Show a refused change on the form it came from, or (for a button without fields, such as
    delete) as a message at the top of the page."""
    if hasattr(form, "cleaned_data"):
        form.add_error(None, error)
    else:
        for message in error.messages:
            messages.error(request, message)


@settings_view
def settings_home_view(request):
    return render(request, "panel/home.html",
                  {"summary": settings_selectors.settings_summary(council=request.council)})


@settings_view
@require_http_methods(["GET", "POST"])
def settings_general_view(request):
    # A copy: an invalid form must not leave its values on request.council (the page header).
    form = CouncilGeneralForm(request.POST or None, request.FILES or None, instance=copy.copy(request.council))
    if request.method == "POST" and form.is_valid():
        changed = settings_services.council_general_update(council=request.council, actor=request.user,
                                                           changes=form.cleaned_data, request=request)
        if "age_bands" in changed:
            messages.warning(request, _("The youngest age band now starts at the new minimum age. Enter its "
                                        "population figure again."))
        if changed:
            messages.success(request, _("The settings are saved."))
        else:
            messages.info(request, _("Nothing was changed."))
        return redirect("staff:settings_general")
    return render(request, "panel/general.html", {"form": form, "min_contrast": MIN_CONTRAST})


# --- districts -------------------------------------------------------------------------------

@settings_view
@require_http_methods(["GET", "POST"])
def settings_districts_view(request):
    form = DistrictForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            district = settings_services.district_add(council=request.council, actor=request.user,
                                                      request=request, **form.cleaned_data)
        except ValidationError as error:
            _errors(request, form, error)
        else:
            messages.success(request, _("The district %(name)s is added.") % {"name": district.name})
            return redirect("staff:settings_districts")
    districts = settings_selectors.settings_districts(council=request.council)
    return render(request, "panel/districts.html", {"districts": districts, "form": form})


@settings_view
@require_http_methods(["GET", "POST"])
def settings_district_edit_view(request, district_id: int):
    district = _get_or_404(settings_selectors.settings_district, council=request.council, district_id=district_id)
    saving = request.method == "POST" and "delete" not in request.POST
    form = DistrictForm(request.POST if saving else None,
                        initial={"name": district.name, "postal_codes": district.postal_codes})
    if request.method == "POST":
        try:
            if "delete" in request.POST:
                settings_services.district_delete(council=request.council, actor=request.user, district=district,
                                                  request=request)
                messages.success(request, _("The district %(name)s is deleted.") % {"name": district.name})
                return redirect("staff:settings_districts")
            if form.is_valid():
                settings_services.district_update(council=request.council, actor=request.user, district=district,
                                                  request=request, **form.cleaned_data)
                messages.success(request, _("The district is saved."))
                return redirect("staff:settings_districts")
        except ValidationError as error:
            _errors(request, form, error)
    return render(request, "panel/district_edit.html", {"district": district, "form": form})


@settings_view
@require_POST
def settings_district_move_view(request, district_id: int):
    district = _get_or_404(settings_selectors.settings_district, council=request.council, district_id=district_id)
    settings_services.district_move(council=request.council, actor=request.user, district=district,
                                    direction=request.POST.get("direction", ""), request=request)
    return redirect(f"{reverse('staff:settings_districts')}#district-{district.pk}")


# --- profile questions -----------------------------------------------------------------------

@settings_view
def settings_profile_view(request):
    questions = settings_selectors.settings_profile_questions(council=request.council)
    return render(request, "panel/profile.html", {"questions": questions})


@settings_view
@require_POST
def settings_profile_move_view(request, question_id: int):
    question = _get_or_404(settings_selectors.settings_profile_question, council=request.council,
                           question_id=question_id)
    settings_services.profile_question_move(council=request.council, actor=request.user, question=question,
                                            direction=request.POST.get("direction", ""), request=request)
    return redirect(f"{reverse('staff:settings_profile')}#question-{question.pk}")


@settings_view
@require_http_methods(["GET", "POST"])
def settings_profile_add_view(request):
    form = ProfileQuestionAddForm(request.POST or None, languages=request.council.language_codes)
    if request.method == "POST" and form.is_valid():
        try:
            question = settings_services.profile_question_add(
                council=request.council, actor=request.user, key=form.cleaned_data["key"],
                kind=form.cleaned_data["kind"], label=form.texts("label"),
                required=form.cleaned_data["required"], request=request)
        except ValidationError as error:
            _errors(request, form, error)
        else:
            messages.success(request, _("The question is added. Add its options, then make it active."))
            return redirect("staff:settings_question", question.pk)
    return render(request, "panel/question_add.html", {"form": form})


@settings_view
@require_http_methods(["GET", "POST"])
def settings_question_view(request, question_id: int):
    question = _get_or_404(settings_selectors.settings_profile_question, council=request.council,
                           question_id=question_id)
    languages = request.council.language_codes
    form = ProfileQuestionForm(request.POST if "save" in request.POST else None, question=question,
                               languages=languages)
    option_form = ProfileOptionForm(request.POST if "add_option" in request.POST else None, languages=languages,
                                    prefix="new")
    if request.method == "POST":
        try:
            if "save" in request.POST and form.is_valid():
                settings_services.profile_question_update(
                    council=request.council, actor=request.user, question=question, label=form.texts("label"),
                    required=form.cleaned_data["required"], active=form.cleaned_data["active"], request=request)
                messages.success(request, _("The question is saved."))
                return redirect("staff:settings_question", question.pk)
            if "add_option" in request.POST and option_form.is_valid():
                settings_services.profile_option_add(
                    council=request.council, actor=request.user, question=question,
                    code=option_form.cleaned_data["code"], label=option_form.texts("label"), request=request)
                messages.success(request, _("The option is added."))
                return redirect("staff:settings_question", question.pk)
        except ValidationError as error:
            _errors(request, option_form if "add_option" in request.POST else form, error)
    return render(request, "panel/question.html", {
        "question": question, "form": form, "option_form": option_form,
        "options_editable": question.kind in settings_services.CHOICE_KINDS,
    })


@settings_view
@require_http_methods(["GET", "POST"])
def settings_option_view(request, option_id: int):
    option = _get_or_404(settings_selectors.settings_profile_option, council=request.council, option_id=option_id)
    form = ProfileOptionForm(request.POST if "save" in request.POST else None,
                             languages=request.council.language_codes, option=option)
    if request.method == "POST":
        try:
            if "remove" in request.POST:
                settings_services.profile_option_remove(council=request.council, actor=request.user, option=option,
                                                        request=request)
                messages.success(request, _("The option %(option)s is removed.") % {"option": option.text})
                return redirect("staff:settings_question", option.question_id)
            if "save" in request.POST and form.is_valid():
                settings_services.profile_option_update(council=request.council, actor=request.user, option=option,
                                                        label=form.texts("label"), request=request)
                messages.success(request, _("The option is saved."))
                return redirect("staff:settings_question", option.question_id)
        except ValidationError as error:
            _errors(request, form, error)
    return render(request, "panel/option.html", {
        "option": option, "form": form,
        "removable": option.question.kind in settings_services.CHOICE_KINDS,
    })


@settings_view
@require_POST
def settings_option_move_view(request, option_id: int):
    option = _get_or_404(settings_selectors.settings_profile_option, council=request.council, option_id=option_id)
    try:
        settings_services.profile_option_move(council=request.council, actor=request.user, option=option,
                                              direction=request.POST.get("direction", ""), request=request)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect(f"{reverse('staff:settings_question', args=[option.question_id])}#option-{option.pk}")


# --- consent ---------------------------------------------------------------------------------

@settings_view
@require_http_methods(["GET", "POST"])
def settings_consent_view(request):
    versions = list(settings_selectors.settings_consent_versions(council=request.council))
    current = versions[0] if versions else None
    # A council whose text does not ask consent to news (set up before the standard text did)
    # starts from the standard text that does, in its own name.
    moving_to_news = current is not None and not current.covers_news
    form = ConsentForm(request.POST or None, languages=request.council.language_codes,
                       current=standard_consent_text(council=request.council) if moving_to_news
                       else current.text if current else None,
                       covers_news=moving_to_news or current is None or current.covers_news)
    if request.method == "POST" and form.is_valid():
        try:
            version = settings_services.consent_version_publish(
                council=request.council, actor=request.user, text=form.texts("text"),
                covers_news=form.cleaned_data["covers_news"], request=request)
        except ValidationError as error:
            _errors(request, form, error)
        else:
            messages.success(request, _("Version %(version)d of the consent text is published. Members will be "
                                        "asked to renew their consent.") % {"version": version.version})
            return redirect("staff:settings_consent")
    return render(request, "panel/consent.html",
                  {"versions": versions, "current": current, "form": form, "moving_to_news": moving_to_news})


# --- population figures ----------------------------------------------------------------------

@settings_view
def settings_population_view(request):
    return render(request, "panel/population.html", {
        "overview": population.population_overview(council=request.council),
        "tables": stored_tables(council=request.council),
        "sources": population.population_sources(council=request.council),
        "upload_form": PopulationUploadForm(),
    })


@settings_view
@require_POST
def settings_population_upload_view(request):
    """Step 1 (a file: check it and show a preview) or step 2 (confirm: check again and save)."""
    confirming = "confirm" in request.POST
    form = PopulationConfirmForm(request.POST) if confirming else PopulationUploadForm(request.POST, request.FILES)
    context = {"upload_form": form if not confirming else PopulationUploadForm()}
    if form.is_valid():
        data = form.cleaned_data["data"].encode("utf-8") if confirming else form.cleaned_data["file"]
        try:
            preview = population.population_import_csv(
                council=request.council, actor=request.user, data=data, dry_run=not confirming,
                source=form.cleaned_data["source"], request=request)
        except population.PopulationCsvError as error:
            context["problems"] = error.problems
        else:
            if preview.saved:
                messages.success(request, _("The population figures are saved for %(count)d question(s).")
                                 % {"count": len(preview.questions)})
                return redirect("staff:settings_population")
            context.update(preview=preview, confirm_form=PopulationConfirmForm(
                initial={"data": population.decode_csv(data), "source": preview.source}))
    return render(request, "panel/population_upload.html", context,
                  status=200 if "problems" not in context else 422)


@settings_view
@require_http_methods(["GET", "POST"])
def settings_population_question_view(request, question_id: int):
    figures = next((qf for qf in population.population_overview(council=request.council)
                    if qf.question.pk == question_id), None)
    if figures is None:
        raise Http404
    form = PopulationQuestionForm(request.POST or None, figures=figures)
    if request.method == "POST" and form.is_valid():
        try:
            population.population_update_question(council=request.council, actor=request.user,
                                                  question=figures.question, counts=form.counts(),
                                                  source=form.cleaned_data["source"], request=request)
        except population.PopulationCsvError as error:
            for problem in error.problems:
                form.add_error(None, problem.message)
        else:
            messages.success(request, _("The figures for %(question)s are saved.") % {"question": figures.question.text})
            return redirect("staff:settings_population")
    return render(request, "panel/population_question.html", {"figures": figures, "form": form})


# --- campaigns -------------------------------------------------------------------------------

@settings_view
@require_http_methods(["GET", "POST"])
def settings_campaigns_view(request):
    form = CampaignForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            campaign = settings_services.campaign_add(council=request.council, actor=request.user,
                                                      request=request, **form.cleaned_data)
        except ValidationError as error:
            _errors(request, form, error)
        else:
            messages.success(request, _("The campaign %(name)s is added.") % {"name": campaign.name})
            return redirect("staff:settings_campaigns")
    campaigns = list(settings_selectors.settings_campaigns(council=request.council))
    signup = reverse("members:signup")
    for campaign in campaigns:
        campaign.signup_url = absolute_url(request.council, f"{signup}?{urlencode({'c': campaign.code})}")
    return render(request, "panel/campaigns.html", {"campaigns": campaigns, "form": form})
