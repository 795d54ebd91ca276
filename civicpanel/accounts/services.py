"""Writes on staff accounts: add to a council, change role, remove; and the 2FA hook."""

from __future__ import annotations

from allauth.account.internal.flows.login import record_authentication
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from civicpanel.accounts.models import Role, StaffMembership, User
from civicpanel.audit.services import audit_record


def on_authenticator_added(sender, request, user, authenticator, **kwargs):
    """Setting up TOTP requires entering a valid code: that proves the second factor for
    this session, so the new staff member can go on without logging in again."""
    if request is not None and request.user.is_authenticated:
        record_authentication(request, user, "mfa", type=authenticator.type, id=authenticator.pk)
    for membership in user.memberships.select_related("council"):
        audit_record(council=membership.council, actor=user, action="staff.second_factor_added",
                     target=user, detail={"type": authenticator.type})


def staff_add(*, council, actor, email: str, full_name: str, role: str) -> StaffMembership:
    """Give a person a role in this council. A person already staff elsewhere keeps one account
    (one password, one TOTP) and gets this council added."""
    if role not in Role.values:
        raise ValidationError(_("Unknown role."))
    email = User.objects.normalize_email(email).lower()
    with transaction.atomic():
        user, created = User.objects.get_or_create(email=email, defaults={"full_name": full_name})
        if created:
            user.set_unusable_password()
            user.save(update_fields=["password"])
        if StaffMembership.objects.filter(user=user, council=council).exists():
            raise ValidationError(_("This person is already staff in this council."))
        membership = StaffMembership.objects.create(user=user, council=council, role=role)
        audit_record(council=council, actor=actor, action="staff.add", target=user, detail={"role": role})
    return membership


def staff_password_link_path(user: User) -> str:
    """The path of allauth's password-reset-from-key page for a new staff member."""
    from allauth.account.forms import default_token_generator
    from allauth.account.utils import user_pk_to_url_str
    from django.urls import reverse

    key = default_token_generator.make_token(user)
    return reverse("account_reset_password_from_key", kwargs={"uidb36": user_pk_to_url_str(user), "key": key})


def staff_access_notify(*, membership: StaffMembership, base_url: str) -> None:
    """Tell the person by e-mail that they have access, and give a new person the link to
    choose a password. The link goes only to the address itself, never on screen to the admin:
    whoever can read that mailbox is the person the account is for."""
    from django.utils import translation

    from civicpanel.common.mail import deliver

    user, council = membership.user, membership.council
    is_new = not user.has_usable_password() and not user.memberships.exclude(pk=membership.pk).exists()
    with translation.override(user.language or council.default_language):
        role = membership.get_role_display()
        if is_new:
            link = base_url + staff_password_link_path(user)
            subject = _("You have access to %(council)s on civicpanel") % {"council": council.name}
            body = _(
                "You have been given the role %(role)s for %(council)s.\n\n"
                "Choose your password here (the link works once):\n%(link)s\n\n"
                "At your first login you set up two-factor login with an authenticator app.\n"
                "If you did not expect this e-mail, you can ignore it."
            ) % {"role": role, "council": council.name, "link": link}
        else:
            subject = _("You now also have access to %(council)s") % {"council": council.name}
            body = _(
                "Your civicpanel account has been given the role %(role)s for %(council)s.\n"
                "Log in as usual: %(login)s\n\n"
                "If you did not expect this, tell the council's administrator."
            ) % {"role": role, "council": council.name, "login": base_url + "/accounts/login/"}
    deliver(council=council, to=user.email, subject=subject, body=body)


def staff_change_role(*, council, actor, membership: StaffMembership, role: str) -> StaffMembership:
    if role not in Role.values:
        raise ValidationError(_("Unknown role."))
    with transaction.atomic():
        _guard_last_admin(council=council, membership=membership, new_role=role)
        old = membership.role
        membership.role = role
        membership.save(update_fields=["role"])
        audit_record(council=council, actor=actor, action="staff.change_role", target=membership.user,
                     detail={"from": old, "to": role})
    return membership


def staff_remove(*, council, actor, membership: StaffMembership) -> None:
    with transaction.atomic():
        _guard_last_admin(council=council, membership=membership, new_role=None)
        user = membership.user
        membership.delete()
        audit_record(council=council, actor=actor, action="staff.remove", target=user)


def _guard_last_admin(*, council, membership: StaffMembership, new_role: str | None) -> None:
    """A council must always keep one admin, or nobody could manage its staff again."""
    if membership.role != Role.ADMIN or new_role == Role.ADMIN:
        return
    admins = StaffMembership.objects.select_for_update().filter(council=council, role=Role.ADMIN)
    if admins.count() <= 1:
        raise ValidationError(_("A council needs at least one administrator."))
