"""A member's participatory-budgeting data in their export, and what erasure does to it.

Ballots carry no member. The export shows the member's ideas, that they voted (the voter
records) and what their ballot holds, found through the receipt that only the running service
can rebuild. When the member leaves, the voter record loses its key, so the ballot can no longer
be found by anyone; it stays counted.
"""

from __future__ import annotations

import secrets

from civicpanel.budgeting.models import Ballot, Idea, IdeaImage, VoterRecord
from civicpanel.budgeting.voting import receipt_for
from civicpanel.common.models import translated
from civicpanel.common.security import token_hash


def participation_data(*, ideas, voter_records) -> tuple[list[dict], list[dict]]:
    """A person's ideas and ballots, as their data export shows them (members and residents alike)."""
    ideas = [{"round": translated(i.round.title), "title": i.title, "description": i.description,
              "place": i.place, "district": i.district.name if i.district_id else None,
              "cost_estimate": i.cost_estimate, "category": i.category, "status": i.status,
              "hidden_reason": i.hidden_reason, "submitted_at": i.created_at.isoformat(),
              "images": i.images.count()}
             for i in ideas.select_related("round", "district")]
    votes = []
    for record in voter_records.select_related("round", "district"):
        # The ballot is found only through the receipt the running service can rebuild.
        ballot = Ballot.objects.filter(round=record.round,
                                       receipt_hash=token_hash(receipt_for(record.round, record))).first()
        names = {p.number: translated(p.title) for p in record.round.projects.all()}
        votes.append({"round": translated(record.round.title), "vote": record.pot,
                      "district": record.district.name if record.district_id else None,
                      "voted_on": record.voted_on.isoformat(),
                      "ballot": [names.get(n, str(n)) for n in ballot.choices] if ballot else None,
                      "points": list(ballot.points) if ballot and ballot.points else None})
    return ideas, votes


def pb_member_data(member) -> dict[str, list[dict]]:
    ideas, votes = participation_data(ideas=Idea.objects.filter(author_member=member),
                                      voter_records=VoterRecord.objects.filter(member=member))
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
