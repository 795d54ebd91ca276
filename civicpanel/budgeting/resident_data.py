"""A budgeting resident's own data (not a panel member: no panel export or leaving applies), to
download and to erase, reached through a link to their confirmed e-mail (`residents`).

The export holds what the row keeps, their ideas, and their votes with what each ballot holds
(found through the receipt only the running service can rebuild). Erasure follows a member's
leaving: ideas still waiting or hidden go, public ones stay without their author; voter records
stay (they count in the turnout) but lose the resident and the key to the ballot, which stays
counted. The resident row keeps only the blind index of the address (an HMAC, as the
suppression list keeps), so the same address cannot vote a second time in a round by joining
again; everything else on it is cleared.
"""

from __future__ import annotations

from django.db import transaction

from civicpanel.audit.services import audit_record
from civicpanel.budgeting.member_data import participation_data
from civicpanel.budgeting.models import (
    Idea,
    IdeaImage,
    Resident,
    ResidentNotice,
    VoterRecord,
)


def resident_data(resident: Resident) -> dict:
    ideas, votes = participation_data(ideas=Idea.objects.filter(author_resident=resident),
                                      voter_records=VoterRecord.objects.filter(resident=resident))
    return {
        "resident": {"email": resident.email, "postal_code": resident.postal_code, "birth_year": resident.birth_year,
                     "district": resident.district.name if resident.district_id else None,
                     "language": resident.language, "status_emails": resident.wants_updates,
                     "confirmed_at": resident.confirmed_at.isoformat() if resident.confirmed_at else None,
                     "joined_at": resident.created_at.isoformat()},
        "pb_ideas": ideas, "pb_votes": votes,
    }


def resident_erase(*, resident: Resident) -> None:
    council = resident.council
    with transaction.atomic():
        Idea.objects.filter(author_resident=resident,
                            status__in=[Idea.Status.SUBMITTED, Idea.Status.HIDDEN]).delete()
        IdeaImage.objects.filter(idea__author_resident=resident, idea__projects__isnull=True).delete()
        Idea.objects.filter(author_resident=resident).update(author_resident=None)
        # The record keeps its voter key (one vote per address and round) but not the salt that
        # rebuilds the key to the ballot.
        VoterRecord.objects.filter(resident=resident).update(resident=None, salt="", gender="")
        ResidentNotice.objects.filter(resident=resident, sent_at__isnull=True).delete()
        # .update() leaves the blind index as it is (common.fields): only the HMAC stays.
        Resident.objects.filter(pk=resident.pk).update(
            email=None, postal_code="", birth_year=None, district=None, wants_updates=False, token_hash="",
            token_salt="", token_expires_at=None, confirmed_at=None)
        audit_record(council=council, actor=None, action="pb.resident.erase", target=resident)
