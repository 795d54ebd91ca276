from __future__ import annotations

from allauth.mfa.models import Authenticator
from django.db.models import Exists, OuterRef, QuerySet

from civicpanel.accounts.models import StaffMembership


def staff_list(*, council) -> QuerySet[StaffMembership]:
    has_totp = Authenticator.objects.filter(user=OuterRef("user"), type=Authenticator.Type.TOTP)
    return (StaffMembership.objects.filter(council=council).select_related("user")
            .annotate(has_second_factor=Exists(has_totp)).order_by("user__email"))
