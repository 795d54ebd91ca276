"""A member's participatory-budgeting data in their export, and what erasure does to it.

Ballots carry no member, so they are not in the export (nobody, the member included, can be
shown to own one from the data alone) and they stay counted when the member leaves. What the
export shows is that the member voted (the voter records) and the ideas they proposed.
"""

from __future__ import annotations

import secrets

from civicpanel.budgeting.models import Idea, IdeaImage, VoterRecord
from civicpanel.common.models import translated


def pb_member_data(member) -> dict[str, list[dict]]:
    ideas = [{"round": translated(i.round.title), "title": i.title, "description": i.description,
              "place": i.place, "district": i.district.name if i.district_id else None,
              "cost_estimate": i.cost_estimate, "category": i.category, "status": i.status,
              "hidden_reason": i.hidden_reason, "submitted_at": i.created_at.isoformat(),
              "images": i.images.count()}
             for i in Idea.objects.filter(author_member=member).select_related("round", "district")]
    votes = [{"round": translated(r.round.title), "vote": r.pot, "district": r.district.name if r.district_id else None,
              "voted_on": r.voted_on.isoformat()}
             for r in VoterRecord.objects.filter(member=member).select_related("round", "district")]
    return {"pb_ideas": ideas, "pb_votes": votes}


def pb_member_erase(member) -> None:
    """Ideas: their text and pictures may name the author, so an idea still waiting or hidden is
    deleted; a public one stays (it may have become a project) without its author. Voter records
    stay (they stop a second vote and count in the turnout) but lose the member and the key,
    so the ballot can no longer be found through them; the ballot stays counted."""
    Idea.objects.filter(author_member=member, status__in=[Idea.Status.SUBMITTED, Idea.Status.HIDDEN]).delete()
    IdeaImage.objects.filter(idea__author_member=member, idea__projects__isnull=True).delete()
    Idea.objects.filter(author_member=member).update(author_member=None)
    for record in VoterRecord.objects.filter(member=member):
        record.member = None
        record.voter_key = f"x:{secrets.token_hex(16)}"
        record.salt = ""
        record.gender = ""
        record.save(update_fields=["member", "voter_key", "salt", "gender"])
