"""A round's participants as a member group the surveys' audience can use ("took part in
budgeting round X", registered with `members.member_sets`): the panel members who voted in the
round or proposed an idea to it. The evaluation survey of a round (and its follow-up a year
later) goes to them. Residents who took part without panel membership are not in it: the panel
has no consent to send them surveys."""

from __future__ import annotations

from django.db.models import Q

from civicpanel.budgeting.models import Idea, Round, VoterRecord
from civicpanel.members.models import Member

SET_KEY = "pb_round"


def round_choices(council) -> list[tuple[str, str]]:
    """Rounds with any panel member taking part."""
    rounds = Round.objects.filter(council=council).filter(
        Q(voter_records__member__isnull=False) | Q(ideas__author_member__isnull=False)).distinct()
    return [(str(r.pk), r.name) for r in rounds.order_by("-created_at")]


def round_members(council, values: list[str]):
    ids = [int(v) for v in values if str(v).isdecimal()]
    voted = VoterRecord.objects.filter(round__council=council, round_id__in=ids, member__isnull=False)
    proposed = Idea.objects.filter(council=council, round_id__in=ids, author_member__isnull=False)
    return Member.objects.filter(council=council).filter(
        Q(pk__in=voted.values("member_id")) | Q(pk__in=proposed.values("author_member_id"))).values("pk")


def participant_count(rnd: Round) -> int:
    return round_members(rnd.council, [str(rnd.pk)]).count()
