"""The admin's page for the read API: tokens (made, shown once, revoked) and the open licence."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from civicpanel.accounts.decorators import staff_view
from civicpanel.accounts.permissions import Capability
from civicpanel.api import selectors, services
from civicpanel.api.models import Licence, Scope
from civicpanel.common.forms import CleanInputMixin
from civicpanel.common.mail import absolute_url


class TokenForm(CleanInputMixin, forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=120,
                           help_text=gettext_lazy("Who uses it, e.g. “Open data portal” or “Newsroom dashboard”."))
    scopes = forms.MultipleChoiceField(label=gettext_lazy("What it may read"), choices=Scope.choices,
                                       widget=forms.CheckboxSelectMultiple)


class LicenceForm(CleanInputMixin, forms.Form):
    licence = forms.ChoiceField(label=gettext_lazy("Open licence of published results"), choices=Licence.choices,
                                widget=forms.RadioSelect,  # the full names, readable on a phone
                                help_text=gettext_lazy("CC BY 4.0 and NLOD 2.0 (Norway) ask re-users to name the source; "
                                                       "CC0 asks nothing."))
    attribution = forms.CharField(label=gettext_lazy("Name the source as"), max_length=200, required=False,
                                  help_text=gettext_lazy("Empty: the council's name."))


def _page(request, *, token_form=None, licence_form=None, new_token=None, status=200):
    settings = selectors.open_data_settings(council=request.council)
    return render(request, "api/staff/tokens.html", {
        "tokens": selectors.token_list(council=request.council),
        "token_form": token_form or TokenForm(),
        "licence_form": licence_form or LicenceForm(initial={"licence": settings.licence,
                                                             "attribution": settings.attribution}),
        "new_token": new_token, "api_url": absolute_url(request.council, "/api/v1/"),
        "scope_labels": dict(Scope.choices),
    }, status=status)


@staff_view(Capability.SETTINGS)
@require_http_methods(["GET", "POST"])
def tokens_view(request):
    """GET the page; POST action=token makes a token and shows it once, on this response only
    (never in a message or the session); POST action=licence saves the licence."""
    if request.method == "GET":
        return _page(request)
    if request.POST.get("action") == "licence":
        form = LicenceForm(request.POST)
        if form.is_valid():
            services.open_data_set(council=request.council, actor=request.user, request=request, **form.cleaned_data)
            messages.success(request, _("Saved."))
            return redirect("staff:api_tokens")
        return _page(request, licence_form=form, status=400)
    form = TokenForm(request.POST)
    if form.is_valid():
        try:
            made = services.token_create(council=request.council, actor=request.user, request=request,
                                         name=form.cleaned_data["name"], scopes=form.cleaned_data["scopes"])
        except ValidationError as error:
            form.add_error(None, error)
        else:
            return _page(request, new_token=made)
    return _page(request, token_form=form, status=400)


@staff_view(Capability.SETTINGS)
@require_POST
def token_revoke_view(request, token_id: int):
    token = selectors.token_get(council=request.council, token_id=token_id)
    services.token_revoke(council=request.council, actor=request.user, token=token, request=request)
    messages.success(request, _("The token “%(name)s” no longer works.") % {"name": token.name})
    return redirect("staff:api_tokens")
