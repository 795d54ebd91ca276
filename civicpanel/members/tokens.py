"""Single-use links sent to members by e-mail (confirm a sign-up, log in to self-service).

The plaintext of a link is never stored and never passed to a task: a token row keeps a
random salt and the SHA-256 of the token, and the token itself is rebuilt from
(secret key, row id, salt) when the e-mail is written (common.security.derived_token).
"""

from __future__ import annotations

import datetime

from django.urls import reverse
from django.utils import timezone

from civicpanel.common.security import derived_token, new_salt, new_token, token_hash
from civicpanel.members.models import Member, MemberToken

CONFIRM_LIFETIME = datetime.timedelta(days=7)
LOGIN_LIFETIME = datetime.timedelta(minutes=15)

_URL_NAMES = {
    MemberToken.Purpose.CONFIRM: "members:confirm",
    MemberToken.Purpose.LOGIN: "members:login_token",
}


def token_issue(*, member: Member, purpose: str, lifetime: datetime.timedelta | None = None) -> MemberToken:
    """Create a token row for the member; call inside the caller's transaction."""
    if lifetime is None:
        lifetime = CONFIRM_LIFETIME if purpose == MemberToken.Purpose.CONFIRM else LOGIN_LIFETIME
    # The hash depends on the row id, which exists only after the insert: insert with a
    # random unusable hash first, then store the real one.
    token = MemberToken.objects.create(
        member=member, purpose=purpose, salt=new_salt(),
        token_hash=token_hash(new_token()), expires_at=timezone.now() + lifetime,
    )
    token.token_hash = token_hash(token_plaintext(token))
    token.save(update_fields=["token_hash"])
    return token


def token_plaintext(token: MemberToken) -> str:
    return derived_token(token.purpose, token.pk, token.salt)


def token_path(token: MemberToken) -> str:
    """The site-relative path of the link (only for the e-mail task)."""
    return reverse(_URL_NAMES[token.purpose], kwargs={"token": token_plaintext(token)})


def token_find(*, council, purpose: str, plaintext: str = "", hashed: str = "",
               for_update: bool = False) -> MemberToken | None:
    """The token row for a link of this council, whatever its state (used, expired), or None.
    The link is given as its plaintext, or as its hash (what the session keeps once the link
    has been opened: never the working token). With ``for_update`` the token and its member
    are locked (call inside a transaction), so two clicks at once cannot both use it."""
    if hashed:
        digest = hashed
    elif plaintext and len(plaintext) <= 100:
        digest = token_hash(plaintext)
    else:
        return None
    tokens = MemberToken.objects.select_related("member").filter(
        purpose=purpose, token_hash=digest, member__council=council)
    if for_update:
        tokens = tokens.select_for_update()
    return tokens.first()


def token_is_usable(token: MemberToken, *, now: datetime.datetime | None = None) -> bool:
    return token.used_at is None and token.expires_at > (now or timezone.now())
