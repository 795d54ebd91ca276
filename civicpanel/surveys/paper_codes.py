"""The personal code on a paper questionnaire: printed on it (and in its QR code) so that the
answers typed in later belong to the right member.

Like the web link, the code is derived from (secret key, invitation id, salt) and only its hash
is stored: the questionnaire can be printed again at any time, and the database alone does not
give anyone a code. Twelve characters from an alphabet without look-alikes (no 0/O, 1/I), in
groups of four, are 60 bits: far beyond guessing, and easy to read aloud on the phone.
"""

from __future__ import annotations

import hashlib
import hmac

from django.conf import settings

from civicpanel.common.security import token_hash
from civicpanel.surveys.models import Invitation

ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
LENGTH = 12
PURPOSE = "survey-paper-code"


def paper_code(invitation: Invitation) -> str:
    digest = hmac.new(settings.SECRET_KEY.encode(), f"{PURPOSE}:{invitation.pk}:{invitation.token_salt}".encode(),
                      hashlib.sha256).digest()
    raw = "".join(ALPHABET[byte % len(ALPHABET)] for byte in digest[:LENGTH])
    return normalise_code(raw)


def normalise_code(code: str) -> str:
    """What staff typed or a scanner read, as printed: upper case, groups of four. Spaces,
    dashes and lower case do not matter."""
    raw = "".join(ch for ch in (code or "").upper() if ch.isalnum())[: LENGTH * 2]
    return "-".join(raw[i:i + 4] for i in range(0, len(raw), 4))


def paper_code_hash(code: str) -> str:
    return token_hash(f"{PURPOSE}:{normalise_code(code)}")


def invitation_by_paper_code(*, council, survey, code: str) -> Invitation | None:
    """The invitation a printed code belongs to, in this council and survey only."""
    if not code or len(code) > 60:
        return None
    return (Invitation.objects.select_related("survey", "member")
            .filter(paper_code_hash=paper_code_hash(code), survey=survey, survey__council=council).first())


def paper_codes_issue(invitations) -> None:
    """Store the hash of each invitation's code (the invitations must have their ids)."""
    for invitation in invitations:
        invitation.paper_code_hash = paper_code_hash(paper_code(invitation))
    Invitation.objects.bulk_update(list(invitations), ["paper_code_hash"], batch_size=500)
