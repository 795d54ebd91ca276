from __future__ import annotations

from allauth.mfa.models import Authenticator
from django.db.models import Exists, OuterRef, QuerySet

from civicpanel.accounts.models import StaffMembership

# The staff list's sortable columns (common.sorting).
STAFF_SORTS = {
    "name": lambda m: m.user.full_name or m.user.email, "email": lambda m: m.user.email,
    "role": lambda m: m.get_role_display(), "second_factor": lambda m: m.has_second_factor,
    "last_login": lambda m: m.user.last_login,
}


def staff_list(*, council) -> QuerySet[StaffMembership]:
    has_totp = Authenticator.objects.filter(user=OuterRef("user"), type=Authenticator.Type.TOTP)
    return (StaffMembership.objects.filter(council=council).select_related("user")
            .annotate(has_second_factor=Exists(has_totp)).order_by("user__email"))
