"""Pages of the outreach app: the unsubscribe link (public) and, for staff, message texts and
the status of waves."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.utils.translation import override
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from civicpanel.accounts.decorators import staff_view
from civicpanel.accounts.permissions import Capability
from civicpanel.common.mail import sender_for
from civicpanel.common.sorting import list_sort
from civicpanel.common.tokenurls import token_miss, token_url
from civicpanel.outreach import selectors, services
from civicpanel.outreach.forms import MessageTextForm
from civicpanel.outreach.models import Mailing
from civicpanel.outreach.registry import LANGUAGES, get_message_type, label_for, preference_label
from civicpanel.outreach.texts import default_texts, message_language, sample_context
from civicpanel.outreach.texts import render as render_text
from civicpanel.tenancy.models import LANGUAGE_CHOICES

# Where a member manages all their e-mail preferences (the members app's self-service).
PREFERENCE_URL_NAMES = ("members:preferences", "members:login")


def _preferences_url() -> str | None:
    for name in PREFERENCE_URL_NAMES:
        try:
            return reverse(name)
        except NoReverseMatch:
            continue
    return None


# --- Public: unsubscribe -------------------------------------------------------------------

SESSION_UNSUBSCRIBE = "outreach.unsubscribe_delivery"


@csrf_exempt  # RFC 8058 one-click: the mail program POSTs without any token of ours
@token_url
@require_http_methods(["GET", "POST"])
def unsubscribe_view(request, token: str):
    """POST unsubscribes at once (the mail program's one-click, RFC 8058). GET changes nothing
    (mail scanners fetch links): it keeps the delivery in the session and goes on to
    /o/unsubscribe/, where the button is, so the token does not stay in the address bar."""
    if request.council is None:
        raise Http404
    delivery = selectors.delivery_for_unsubscribe(council=request.council, token=token)
    if delivery is None:
        token_miss(request)
        return render(request, "outreach/unsubscribe_invalid.html", status=404)
    if request.method == "POST":
        return _unsubscribe_page(request, delivery)
    request.session[SESSION_UNSUBSCRIBE] = delivery.pk
    return redirect("outreach:unsubscribe_continue")


@require_http_methods(["GET", "POST"])
def unsubscribe_continue_view(request):
    """The button page of a link opened in this browser (a normal form: CSRF-checked)."""
    if request.council is None:
        raise Http404
    delivery = selectors.delivery_in_session(council=request.council,
                                             delivery_id=request.session.get(SESSION_UNSUBSCRIBE))
    if delivery is None:
        return render(request, "outreach/unsubscribe_invalid.html", status=404)
    return _unsubscribe_page(request, delivery)


def _unsubscribe_page(request, delivery):
    try:
        message_type = get_message_type(delivery.mailing.message_type)
    except LookupError:
        raise Http404 from None
    language = message_language(request.council, delivery.member.language)
    with override(language):
        context = {"message_type": message_type, "preferences_url": _preferences_url(),
                   "kind": preference_label(message_type.preference) or label_for(message_type.key),
                   "language": language, "done": False}
        if request.method == "POST":
            services.delivery_unsubscribe(council=request.council, delivery=delivery)
            context["done"] = True
        return render(request, "outreach/unsubscribe.html", context)


# --- Staff: message texts ------------------------------------------------------------------

def texts_view(view):
    """Message texts and waves belong to both survey work and mailings: either capability."""
    return staff_view(Capability.SURVEYS, Capability.MAILINGS)(view)


@texts_view
def message_list_view(request):
    return render(request, "outreach/message_list.html", {
        "rows": selectors.message_type_rows(council=request.council),
        "languages": selectors.council_message_languages(request.council),
    })


@texts_view
@require_http_methods(["GET", "POST"])
def message_edit_view(request, key: str, language: str):
    try:
        message_type = get_message_type(key)
    except LookupError:
        raise Http404 from None
    if language not in LANGUAGES or not message_type.editable:
        raise Http404
    own = selectors.message_template_get(council=request.council, key=key, language=language)
    default_subject, default_body = default_texts(message_type, language)
    initial = {"subject": own.subject if own else default_subject, "body": own.body if own else default_body}
    form = MessageTextForm(request.POST or None, initial=initial, variables=message_type.all_variables)
    shown = initial
    if request.method == "POST":
        if "reset" in request.POST:
            services.message_template_reset(council=request.council, actor=request.user, key=key,
                                            language=language)
            messages.success(request, _("The default text is back in use."))
            return redirect("staff:outreach_message_edit", key=key, language=language)
        if form.is_valid():
            shown = form.cleaned_data
            if "save" in request.POST:
                try:
                    services.message_template_save(council=request.council, actor=request.user, key=key,
                                                   language=language, **form.cleaned_data)
                except ValidationError as error:
                    form.add_error(None, error)
                else:
                    messages.success(request, _("Text saved. E-mails sent from now on use it."))
                    return redirect("staff:outreach_message_edit", key=key, language=language)
        else:
            shown = None
    preview = None
    if shown is not None:
        context = sample_context(request.council, message_type, language)
        subject, body = render_text(shown["subject"], shown["body"], context)
        preview = {"subject": subject, "body": body, "from": sender_for(request.council),
                   "unsubscribe": not message_type.transactional}
    return render(request, "outreach/message_edit.html", {
        "message_type": message_type, "language": language, "language_name": dict(LANGUAGE_CHOICES)[language],
        "form": form, "own": own, "preview": preview,
        "other_languages": [(code, dict(LANGUAGE_CHOICES)[code])
                            for code in selectors.council_message_languages(request.council) if code != language],
    })


# --- Staff: waves ----------------------------------------------------------------------------

@texts_view
def mailing_list_view(request):
    sorting = list_sort(request.GET, selectors.MAILING_SORTS, default="-created")
    page = selectors.mailings_page(council=request.council, page_number=request.GET.get("page"), sorting=sorting)
    return render(request, "outreach/mailing_list.html", {"mailings": page.object_list, "page": page,
                                                          "sorting": sorting})


@texts_view
def mailing_detail_view(request, mailing_id: int):
    try:
        mailing = selectors.mailing_get(council=request.council, mailing_id=mailing_id)
    except Mailing.DoesNotExist:
        raise Http404 from None
    return render(request, "outreach/mailing_detail.html", {"mailing": mailing, "status": mailing.status})


@texts_view
@require_POST
def mailing_cancel_view(request, mailing_id: int):
    try:
        mailing = selectors.mailing_get(council=request.council, mailing_id=mailing_id)
    except Mailing.DoesNotExist:
        raise Http404 from None
    services.mailing_cancel(council=request.council, actor=request.user, mailing=mailing)
    messages.success(request, _("The mailing is stopped. E-mails not yet sent will not be sent."))
    return redirect("staff:outreach_mailing", mailing_id=mailing.pk)
