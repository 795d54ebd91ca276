"""The count: closing the vote, counting every pot with `methods.budgeting`, and keeping the
outcome, the plain "most votes" outcome beside it, and each project's explanation.

Each district is counted with its own budget and its own voters, the city-wide pot over all its
voters (`count_districts`). Explanations are kept as the method's data (numbers and a reason
code) and turned into sentences in the reader's language by `explain.py`.
"""

from __future__ import annotations

from fractions import Fraction

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from civicpanel.audit.services import audit_record
from civicpanel.budgeting.models import Ballot, Project, Round
from civicpanel.methods.budgeting import Election, Options, count, count_districts, make_election

VOTE_TYPES = {Round.BallotKind.APPROVAL: "approval", Round.BallotKind.KNAPSACK: "approval",
              Round.BallotKind.POINTS: "cumulative", Round.BallotKind.RANKING: "ordinal"}


def election_for(rnd: Round, district, projects: list[Project], ballots: list[Ballot], budget: int) -> Election:
    """One pot as a Pabulib election: project ids are the project numbers."""
    vote_type = VOTE_TYPES[rnd.ballot_kind]
    meta = {"currency": rnd.currency, "description": rnd.name}
    if vote_type == "ordinal":
        meta["max_length"] = str(rnd.max_projects or len(projects) or 1)
    if district is not None:
        meta["subunit"] = district.name
    if vote_type == "cumulative":
        meta["max_sum_points"] = str(rnd.points_total or 0)
        data = [dict(zip((str(c) for c in b.choices), b.points, strict=True)) for b in ballots]
    else:
        data = [[str(c) for c in b.choices] for b in ballots]
    return make_election(budget=budget, projects={str(p.number): p.cost for p in projects}, ballots=data,
                         vote_type=vote_type, meta=meta, names={str(p.number): p.name for p in projects})


def count_options(rnd: Round) -> Options:
    return Options(completion=rnd.completion) if rnd.rule == Round.Rule.MES else Options()


def _weights(rnd: Round, ballot: Ballot) -> dict[int, int]:
    """A voter's utility weight per project, as the rule sees it (1 for approval, the points, or
    the rank points max_length, max_length - 1, ...)."""
    if rnd.ballot_kind == Round.BallotKind.POINTS:
        return dict(zip(ballot.choices, ballot.points, strict=True))
    if rnd.ballot_kind == Round.BallotKind.RANKING:
        top = rnd.max_projects or len(ballot.choices)
        return {c: top - r for r, c in enumerate(ballot.choices) if top - r > 0}
    return dict.fromkeys(ballot.choices, 1)


def helped_pay(rnd: Round, ballots: list[Ballot], costs: dict[int, int], bought: list[int],
               per_voter: Fraction) -> list[list[int]]:
    """Equal Shares, replayed at the share per voter the count used and in its order of purchase:
    which bought projects each ballot paid into. A supporter pays min(money left, price x weight);
    the price is the one at which the supporters together pay exactly the cost."""
    left = [per_voter] * len(ballots)
    weights = [_weights(rnd, b) for b in ballots]
    paid: list[list[int]] = [[] for _b in ballots]
    for number in bought:
        supporters = [i for i, w in enumerate(weights) if w.get(number, 0) > 0 and left[i] > 0]
        need = Fraction(costs[number])
        # Water-filling: the ones who run out first pay all they have; the rest share what remains.
        order = sorted(supporters, key=lambda i: left[i] / weights[i][number])
        weight_rest = sum(weights[i][number] for i in order)
        price = Fraction(0)
        for pos, i in enumerate(order):
            w = weights[i][number]
            if left[i] * weight_rest >= need * w:
                price = need / weight_rest
                for k in order[pos:]:
                    left[k] -= price * weights[k][number]
                    paid[k].append(number)
                break
            need -= left[i]
            weight_rest -= w
            left[i] = Fraction(0)
            paid[i].append(number)
    return paid


def round_count(*, council, actor, round: Round, request=None) -> Round:
    """Close the vote and count it. Runs once: the result is kept and the round moves to the
    result phase."""
    with transaction.atomic():
        rnd = Round.objects.select_for_update().get(pk=round.pk, council=council)
        if rnd.is_counted:
            raise ValidationError(_("The round has already been counted."))
        if rnd.stage != Round.Stage.VOTING:
            raise ValidationError(_("Only an open vote can be closed and counted."))
        if rnd.paper_entries.exists():
            raise ValidationError(_("Some paper ballots are still waiting for a second staff member to confirm "
                                    "them. Confirm or reject them before the count."))
        result = count_round(rnd)
        rnd.stage = Round.Stage.RESULT
        rnd.counted_at = timezone.now()
        rnd.result = result
        rnd.save(update_fields=["stage", "counted_at", "result", "updated_at"])
        audit_record(council=council, actor=actor, action="pb.round.count", target=rnd,
                     detail={"funded": [p for pot in result["pots"] for p in pot["winners"]]}, request=request)
    return rnd


def count_round(rnd: Round) -> dict:
    """Count every pot, write votes, funding and explanations on the projects, and return the
    summary kept on the round."""
    projects = list(rnd.projects.filter(decision=Project.Decision.TO_VOTE).select_related("district"))
    ballots = list(Ballot.objects.filter(round=rnd).order_by("id"))
    pots: list[tuple[str, object, int]] = [("district", rd.district, rd.budget)
                                          for rd in rnd.district_budgets.select_related("district")]
    if rnd.citywide_budget:
        pots.append(("city", None, rnd.citywide_budget))
    elections, members = {}, {}
    for pot, district, budget in pots:
        key = "city" if pot == "city" else str(district.pk)
        pot_projects = [p for p in projects if (p.district_id is None if pot == "city" else p.district_id == district.pk)]
        pot_ballots = [b for b in ballots if (b.district_id is None if pot == "city" else b.district_id == district.pk)]
        elections[key] = election_for(rnd, district, pot_projects, pot_ballots, budget)
        members[key] = (pot_projects, pot_ballots, district, budget)
    city = elections.pop("city", None)
    counted = count_districts(elections, city, rule=rnd.rule, explain=True, options=count_options(rnd))
    outcomes = dict(counted.districts)
    if counted.citywide is not None:
        outcomes["city"] = counted.citywide
        elections["city"] = city
    summary = []
    for key, outcome in outcomes.items():
        pot_projects, pot_ballots, district, budget = members[key]
        plain = count(elections[key], "greedy", explain=False)
        votes = elections[key].vote_counts()
        winners = [int(w) for w in outcome.winners]
        explanations = outcome.explanations or {}
        for p in pot_projects:
            p.votes = votes.get(str(p.number), 0)
            p.funded = p.number in winners
            p.explanation = explanations.get(str(p.number), {}) | {"rule": rnd.rule}
            if p.funded and not p.status:
                p.status = Project.Status.APPROVED
            p.save(update_fields=["votes", "funded", "explanation", "status", "updated_at"])
        if rnd.rule == Round.Rule.MES and outcome.per_voter is not None:
            bought = [int(w) for w in outcome.winners
                      if explanations.get(w, {}).get("how") == "equal shares"]
            paid = helped_pay(rnd, pot_ballots, {p.number: p.cost for p in pot_projects}, bought, outcome.per_voter)
            for ballot, numbers in zip(pot_ballots, paid, strict=True):
                if numbers:
                    ballot.helped_pay = sorted(set(ballot.helped_pay) | set(numbers))
                    ballot.save(update_fields=["helped_pay"])
        summary.append({
            "pot": "city" if key == "city" else "district", "district": None if key == "city" else int(key),
            "budget": budget, "voters": outcome.voters, "winners": winners,
            "total_cost": float(outcome.total_cost), "most_votes": [int(w) for w in plain.winners],
            "most_votes_cost": float(plain.total_cost),
            "per_voter": float(outcome.per_voter) if outcome.per_voter is not None else None,
            "seconds": round(outcome.seconds, 4),
        })
    return {"rule": rnd.rule, "completion": rnd.completion if rnd.rule == Round.Rule.MES else "",
            "pots": summary, "ballots": len(ballots)}
