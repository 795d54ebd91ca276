"""Staff pages for members: list and search, one member, import, export."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from civicpanel.accounts.decorators import staff_view
from civicpanel.accounts.permissions import Capability
from civicpanel.common.csvio import csv_response
from civicpanel.common.formatting import number
from civicpanel.members import imports, selectors, staff_services
from civicpanel.members.history import member_history
from civicpanel.members.models import Member
from civicpanel.members.profile import member_profile_get
from civicpanel.members.staff_forms import (
    ImportConfirmForm,
    ImportUploadForm,
    MemberEditForm,
    MemberFilterForm,
    MemberStatusForm,
)


def _filter_form(request) -> MemberFilterForm:
    """The filter from the query string's own fields only: anything else in the address (a
    tracking parameter, a guessed `council=`) neither filters nor counts as a filter."""
    options = {"questions": selectors.profile_questions(council=request.council),
               "campaigns": selectors.campaign_choices(council=request.council)}
    data = QueryDict(mutable=True)
    for name in set(MemberFilterForm(**options).fields) & set(request.GET):
        data.setlist(name, request.GET.getlist(name))
    return MemberFilterForm(data or None, **options)


@staff_view(Capability.MEMBERS)
@require_GET
def member_list_view(request):
    form = _filter_form(request)
    if form.is_bound and not form.is_valid():
        # Never fall back to "everyone" on a filter that could not be read.
        return render(request, "members/staff/list.html", {"form": form, "listing": None}, status=400)
    listing = staff_services.member_search(
        council=request.council, actor=request.user, filters=form.filters(),
        page_number=request.GET.get("page"), sort=request.GET.get("sort"), request=request, questions=form.questions,
    )
    sort = listing.sort
    filter_query = form.data.copy() if form.is_bound else QueryDict(mutable=True)
    query = filter_query.copy()
    if request.GET.get("sort"):
        query["sort"] = request.GET["sort"]
    return render(request, "members/staff/list.html", {
        "form": form, "listing": listing, "query": query.urlencode(), "sort": sort,
        "filter_query": filter_query.urlencode(),
        "status_counts": [(value, label, listing.status_counts[value]) for value, label in Member.Status.choices],
        "sort_limit": staff_services.ENCRYPTED_SORT_LIMIT,
    })


@staff_view(Capability.MEMBERS)
@require_GET
def member_export_view(request):
    form = _filter_form(request)
    if form.is_bound and not form.is_valid():
        messages.error(request, _("The filter could not be read, so nothing was exported. Correct it and export again."))
        return redirect(f"{reverse('staff:members')}?{request.GET.urlencode()}")
    header, rows = staff_services.members_export(
        council=request.council, actor=request.user, filters=form.filters(), request=request,
    )
    filename = f"members-{request.council.slug}-{timezone.localdate():%Y-%m-%d}.csv"
    return csv_response(filename, header, rows)


def _member_or_404(request, member_id: int) -> Member:
    try:
        return staff_services.member_view(council=request.council, actor=request.user, member_id=member_id,
                                          request=request)
    except Member.DoesNotExist as error:
        raise Http404 from error


@staff_view(Capability.MEMBERS)
@require_GET
def member_detail_view(request, member_id: int):
    member = _member_or_404(request, member_id)
    questions = selectors.profile_questions(council=request.council)
    return render(request, "members/staff/detail.html", {
        "member": member,
        "profile": selectors.member_profile_lines(member=member, questions=questions),
        "status_choices": staff_services.status_choices_for(member),
        "history": member_history(member),
    })


@staff_view(Capability.MEMBERS)
@require_POST
def member_status_view(request, member_id: int):
    try:
        member = selectors.member_detail(council=request.council, member_id=member_id)
    except Member.DoesNotExist as error:
        raise Http404 from error
    form = MemberStatusForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose pause or resume."))
        return redirect("staff:member_detail", member_id=member.pk)
    try:
        staff_services.member_status_change(council=request.council, actor=request.user, member=member,
                                            status=form.cleaned_data["status"], request=request)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        if form.cleaned_data["status"] == Member.Status.PAUSED:
            messages.success(request, _("The member is paused: they get no invitations until resumed."))
        else:
            messages.success(request, _("The member is active again."))
    return redirect("staff:member_detail", member_id=member.pk)


@staff_view(Capability.MEMBERS)
@require_POST
def members_invite_view(request):
    """E-mail a link to confirm to the members awaiting confirmation in the list's filter
    (the filter comes in the query string, as on the list)."""
    form = _filter_form(request)
    back = f"{reverse('staff:members')}?{request.GET.urlencode()}"
    if form.is_bound and not form.is_valid():
        messages.error(request, _("The filter could not be read, so no e-mail was sent."))
        return redirect(back)
    sent = staff_services.members_confirmation_send(council=request.council, actor=request.user,
                                                    filters=form.filters())
    messages.success(request, ngettext("A link to confirm is on its way to %(n)s member.",
                                       "A link to confirm is on its way to %(n)s members.", sent) % {"n": number(sent)})
    return redirect(back)


@staff_view(Capability.MEMBERS)
@require_POST
def member_invite_view(request, member_id: int):
    try:
        member = selectors.member_detail(council=request.council, member_id=member_id)
    except Member.DoesNotExist as error:
        raise Http404 from error
    if staff_services.member_confirmation_send(council=request.council, actor=request.user, member=member,
                                               request=request):
        messages.success(request, _("A link to confirm is on its way to %(email)s.") % {"email": member.email})
    else:
        messages.warning(request, _("No e-mail was sent: the member is not awaiting confirmation, has no "
                                    "e-mail address, or was sent a link a few minutes ago."))
    return redirect("staff:member_detail", member_id=member.pk)


@staff_view(Capability.MEMBERS)
@require_http_methods(["GET", "POST"])
def member_edit_view(request, member_id: int):
    if request.method == "GET":
        # The form shows the member's name and profile: a view of personal data, audited.
        member = _member_or_404(request, member_id)
    else:
        try:
            member = selectors.member_detail(council=request.council, member_id=member_id)
        except Member.DoesNotExist as error:
            raise Http404 from error
    if member.status == Member.Status.LEFT:
        messages.error(request, _("This member has left the panel; their data can no longer be changed."))
        return redirect("staff:member_detail", member_id=member.pk)
    initial = {"name": member.name, "language": member.language, "postal_address": member.postal_address,
               "phone": member.phone, **member_profile_get(member)}
    form = MemberEditForm(request.POST or None, council=request.council, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            staff_services.member_update(
                council=request.council, actor=request.user, member=member, name=form.cleaned_data["name"],
                language=form.cleaned_data["language"], profile=form.profile_values(),
                postal_address=form.cleaned_data["postal_address"], phone=form.cleaned_data["phone"], request=request,
            )
        except ValidationError as error:
            if hasattr(error, "error_dict"):
                for field, errors in error.error_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                form.add_error(None, error)
        else:
            messages.success(request, _("Saved."))
            return redirect("staff:member_detail", member_id=member.pk)
    return render(request, "members/staff/edit.html", {"member": member, "form": form})


@staff_view(Capability.MEMBERS)
@require_http_methods(["GET", "POST"])
def member_import_view(request):
    """GET: the upload form. POST with a file: the dry run. POST with the checked content and
    "confirm": the import itself."""
    columns = imports.import_columns(council=request.council)
    context = {"columns": columns, "upload_form": ImportUploadForm()}
    if request.method == "POST" and "confirm" in request.POST:
        form = ImportConfirmForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("The checked file was not received; please upload it again."))
            return redirect("staff:members_import")
        data = form.cleaned_data["content"].encode("utf-8")
        filename = form.cleaned_data["filename"] or "file.csv"
        try:
            result = imports.members_import(
                council=request.council, actor=request.user, data=data, filename=filename,
                skip_bad_lines=form.cleaned_data["skip_bad_lines"],
                consent_documented=form.cleaned_data["consent_documented"],
                consent_channel=form.cleaned_data["consent_channel"] or "paper",
                invite=form.cleaned_data["invite"], request=request,
            )
        except imports.ImportRefused as refused:
            context.update({"error": str(refused), "report": refused.report, "confirm_form": form})
            return render(request, "members/staff/import.html", context, status=400)
        return render(request, "members/staff/import_done.html", {"result": result})
    if request.method == "POST":
        upload_form = ImportUploadForm(request.POST, request.FILES)
        context["upload_form"] = upload_form
        if upload_form.is_valid():
            upload = upload_form.cleaned_data["file"]
            data = upload.read()
            try:
                report = imports.import_check_audited(council=request.council, actor=request.user, data=data,
                                                      filename=upload.name, request=request)
            except imports.ImportRefused as refused:
                upload_form.add_error("file", str(refused))
            else:
                confirm_form = ImportConfirmForm(initial={
                    "content": data.decode("utf-8-sig", errors="replace") if _is_utf8(data) else data.decode("cp1252"),
                    "filename": upload.name,
                })
                context.update({"report": report, "confirm_form": confirm_form})
    return render(request, "members/staff/import.html", context)


def _is_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return False
    return True


@staff_view(Capability.MEMBERS)
@require_GET
def member_import_template_view(request):
    return csv_response(f"members-import-{request.council.slug}.csv", imports.import_template(council=request.council), [])
