"""E-mails to members, sent by the worker. Arguments are row ids (and, for a login-link
request, the address's blind index) only: the link is rebuilt from the token row here
(members.tokens), so no working link or address is ever queued or stored."""

from __future__ import annotations

from urllib.parse import urlencode

from django.tasks import task
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from civicpanel.common.mail import absolute_url, deliver
from civicpanel.members.models import Member, MemberToken
from civicpanel.members.tokens import token_is_usable, token_path

# kind -> template stem under members/email/. "already_member" is what a known address gets
# when someone signs it up again.
# "invite_confirm" asks a member added by staff (an import) to confirm. "leave" is a login link
# asked for to leave the panel (it opens the leave confirmation, not the member's pages).
LINK_MAIL_KINDS = {"confirm", "login", "already_member", "invite_confirm", "leave"}


@task(queue_name="mail")
def member_link_send(token_id: int, kind: str, next_path: str = "") -> None:
    """Send one e-mail with the member's link. Does nothing if the token was used, expired
    or erased in the meantime (a member who left must get no more mail)."""
    if kind not in LINK_MAIL_KINDS:
        raise ValueError(f"unknown member mail kind {kind!r}")
    token = (
        MemberToken.objects.select_related("member", "member__council")
        .filter(pk=token_id)
        .first()
    )
    if token is None or not token_is_usable(token) or not token.member.email:
        return
    member = token.member
    council = member.council
    link = absolute_url(council, token_path(token))
    if next_path:
        link = f"{link}?next={next_path}"
    language = member.language if member.language in council.language_codes else council.default_language
    with translation.override(language):
        context = {"council": council, "member": member, "link": link, "expires_at": token.expires_at,
                   "language": language}
        subject = " ".join(render_to_string(f"members/email/{kind}_subject.txt", context).split())
        body = render_to_string(f"members/email/{kind}.txt", context)
        html = render_to_string(f"members/email/{kind}.html", context)
    deliver(council=council, to=member.email, subject=subject, body=body, html=html)


@task(queue_name="mail")
def member_login_link_request(council_id: int, email_hash: str, next_path: str = "") -> None:
    """A login link asked for on /me/login/: the lookup and the e-mail, out of the request
    (members.services.login_link_request says why)."""
    from civicpanel.members.services import login_link_answer

    login_link_answer(council_id=council_id, email_hash=email_hash, next_path=next_path)


@task(queue_name="mail")
def member_renewal_send(member_id: int, next_path: str) -> None:
    """The reminder before the panel term ends. It holds no login link (a login link lives 15
    minutes and the reminder is read days later): its button opens the login page, which sends
    a fresh link leading to `next_path` (the consent page)."""
    member = Member.objects.select_related("council").filter(pk=member_id).first()
    if member is None or not member.email or member.status not in ("active", "paused"):
        return
    council = member.council
    link = absolute_url(council, f"{reverse('members:login')}?{urlencode({'next': next_path})}")
    language = member.language if member.language in council.language_codes else council.default_language
    with translation.override(language):
        context = {"council": council, "member": member, "link": link, "language": language}
        subject = " ".join(render_to_string("members/email/renewal_subject.txt", context).split())
        body = render_to_string("members/email/renewal.txt", context)
        html = render_to_string("members/email/renewal.html", context)
    deliver(council=council, to=member.email, subject=subject, body=body, html=html)
