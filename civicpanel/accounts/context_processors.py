from __future__ import annotations

from django.conf import settings
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from civicpanel.accounts.permissions import Capability, can

# The staff menu: (url name, label, capability needed). Entries whose URL is not installed
# are left out, so an app ships its menu entry with its URLs.
STAFF_MENU = [
    ("staff:home", _("Overview"), None),
    ("staff:members", _("Members"), Capability.MEMBERS),
    ("staff:representativeness", _("Representativeness"), Capability.RESULTS),
    ("staff:recruitment", _("Recruitment"), Capability.RESULTS),
    ("staff:surveys", _("Surveys"), Capability.RESULTS),
    ("staff:events", _("Events"), Capability.RESULTS),
    ("staff:newsletters", _("Newsletters"), Capability.MAILINGS),
    ("staff:outreach_mailings", _("Mailings"), Capability.MAILINGS),
    ("staff:pb_rounds", _("Participatory budgeting"), Capability.BUDGETING),
    ("staff:settings", _("Settings"), Capability.SETTINGS),
    ("staff:staff", _("Staff"), Capability.STAFF),
    ("staff:audit", _("Audit log"), Capability.AUDIT),
]


# The staff's own account pages (django-allauth): back to the staff area, second factor, password.
ACCOUNT_MENU = [
    ("staff:home", _("Staff area")),
    ("mfa_index", _("Two-factor authentication")),
    ("account_change_password", _("Change password")),
]


def civicpanel(request):
    council = getattr(request, "council", None)
    languages = dict(settings.LANGUAGES)
    codes = council.language_codes if council else list(languages)
    context = {
        "council": council,
        "site_languages": [(code, languages[code]) for code in codes if code in languages],
        "demo_mode": bool(settings.CIVICPANEL_MAIL_CATCHER_DIR),
        "source_url": settings.CIVICPANEL_SOURCE_URL,
    }
    membership = getattr(request, "membership", None)
    if membership is not None:
        menu = []
        for name, label, capability in STAFF_MENU:
            if capability is not None and not can(membership, capability):
                continue
            try:
                url = reverse(name)
            except NoReverseMatch:
                continue
            current = request.path == url if name == "staff:home" else request.path.startswith(url)
            menu.append({"url": url, "label": label, "current": current})
        context["staff_menu"] = menu
        context["staff_home_url"] = reverse("staff:home")
        context["staff_user_label"] = f"{request.user.email} · {membership.get_role_display()}"
    elif request.path.startswith("/accounts/") and getattr(request, "user", None) and request.user.is_authenticated:
        context["account_menu"] = [
            {"url": reverse(name), "label": label, "current": request.path == reverse(name)}
            for name, label in ACCOUNT_MENU
        ]
    return context
