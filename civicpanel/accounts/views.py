from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from civicpanel.accounts import services
from civicpanel.accounts.decorators import staff_view
from civicpanel.accounts.forms import StaffAddForm, StaffRoleForm
from civicpanel.accounts.models import StaffMembership
from civicpanel.accounts.permissions import Capability
from civicpanel.accounts.selectors import STAFF_SORTS, staff_list
from civicpanel.common.sorting import list_sort, sort_rows


@staff_view(Capability.STAFF)
def staff_list_view(request):
    sorting = list_sort(request.GET, STAFF_SORTS)
    memberships = sort_rows(staff_list(council=request.council), sorting, STAFF_SORTS)
    return render(request, "accounts/staff_list.html", {"memberships": memberships, "sorting": sorting})


@staff_view(Capability.STAFF)
@require_http_methods(["GET", "POST"])
def staff_add_view(request):
    form = StaffAddForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            membership = services.staff_add(council=request.council, actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            base_url = request.build_absolute_uri("/").rstrip("/")
            transaction.on_commit(lambda: services.staff_access_notify(membership=membership, base_url=base_url))
            return render(request, "accounts/staff_added.html", {"membership": membership})
    return render(request, "accounts/staff_add.html", {"form": form})


@staff_view(Capability.STAFF)
@require_http_methods(["GET", "POST"])
def staff_edit_view(request, membership_id: int):
    membership = get_object_or_404(StaffMembership.objects.select_related("user"), pk=membership_id,
                                   council=request.council)
    form = StaffRoleForm(request.POST or None, initial={"role": membership.role})
    if request.method == "POST":
        try:
            if "remove" in request.POST:
                services.staff_remove(council=request.council, actor=request.user, membership=membership)
                messages.success(request, _("%(email)s no longer has access to this council.") % {"email": membership.user.email})
                return redirect("staff:staff")
            if form.is_valid():
                services.staff_change_role(council=request.council, actor=request.user, membership=membership,
                                           role=form.cleaned_data["role"])
                messages.success(request, _("Role changed."))
                return redirect("staff:staff")
        except ValidationError as error:
            form.add_error(None, error)
    return render(request, "accounts/staff_edit.html", {"membership": membership, "form": form})
