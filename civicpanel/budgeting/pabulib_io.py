"""Rounds in and out as Pabulib files (pabulib.org), the open format of participatory budgeting.

Export: one file per pot (each district, and the city-wide vote), as `civicpanel pb check`
reads it and `civicpanel pb outcome` recounts it to the same winners. Voter ids are the
ballot's position in the file, never anything that names a person.
Import: a .pb file becomes a finished, counted round (to show or recount a past vote).
"""

from __future__ import annotations

import secrets
from fractions import Fraction

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from civicpanel.audit.services import audit_record
from civicpanel.budgeting.counting import VOTE_TYPES, count_round, election_for
from civicpanel.budgeting.models import Ballot, Project, Round
from civicpanel.common.method_errors import method_error_text
from civicpanel.common.security import token_hash
from civicpanel.methods.budgeting import BudgetingError, PabulibError, parse_pabulib, write_pabulib

RULE_NAMES = {Round.Rule.MES: "equalshares", Round.Rule.GREEDY: "greedy", Round.Rule.GREEDY_COST: "greedy-cost",
              Round.Rule.PHRAGMEN: "phragmen", Round.Rule.UTILITARIAN: "utilitarian"}
MAX_BYTES = 20 * 1024 * 1024


def pot_keys(rnd: Round) -> list[tuple[str, str]]:
    """(key, label) per pot: the district id or "city"."""
    keys = [(str(rd.district_id), rd.district.name) for rd in rnd.district_budgets.select_related("district")]
    if rnd.citywide_budget:
        keys.append(("city", ""))
    return keys


def round_export(rnd: Round, key: str) -> str:
    """The .pb text of one pot of a counted (or at least frozen) round."""
    if not rnd.projects_frozen_at and not rnd.imported:
        raise ValidationError(_("The list of projects is not final until the vote opens."))
    if key == "city":
        district, budget = None, rnd.citywide_budget
    else:
        row = rnd.district_budgets.select_related("district").filter(district_id=key if key.isdecimal() else 0).first()
        if row is None:
            raise ValidationError(_("This round has no such vote."))
        district, budget = row.district, row.budget
    projects = [p for p in rnd.projects.filter(decision=Project.Decision.TO_VOTE).order_by("number")
                if (p.district_id is None if district is None else p.district_id == district.pk)]
    ballots = list(Ballot.objects.filter(round=rnd, district=district).order_by("id"))
    election = election_for(rnd, district, projects, ballots, budget)
    meta = {"description": rnd.name, "country": {"DK": "Denmark", "NO": "Norway"}.get(rnd.council.country, ""),
            "unit": rnd.council.name, "instance": str((rnd.voting_starts or timezone.localdate()).year),
            **({"subunit": district.name} if district else {}),
            "num_projects": str(len(projects)), "num_votes": str(len(ballots)),
            "budget": str(budget), "vote_type": election.meta["vote_type"],
            "rule": RULE_NAMES[rnd.rule] + (f"/{rnd.completion}" if rnd.rule == Round.Rule.MES else ""),
            "currency": rnd.currency, "language": rnd.council.default_language}
    if rnd.voting_starts:
        meta["date_begin"] = rnd.voting_starts.strftime("%d.%m.%Y")
    if rnd.result_starts:
        meta["date_end"] = rnd.result_starts.strftime("%d.%m.%Y")
    for name in ("max_length", "max_sum_points"):
        if name in election.meta:
            meta[name] = election.meta[name]
    if rnd.ballot_kind == Round.BallotKind.APPROVAL and rnd.max_projects:
        meta["max_length"] = str(rnd.max_projects)
    election.meta = meta
    return write_pabulib(election)


KINDS_FROM_PB = {"approval": Round.BallotKind.APPROVAL, "choose-1": Round.BallotKind.APPROVAL,
                 "cumulative": Round.BallotKind.POINTS, "ordinal": Round.BallotKind.RANKING}


def round_import(*, council, actor, text: str, rule: str = Round.Rule.MES, completion: str = Round.Completion.ADD1,
                 filename: str = "", request=None) -> Round:
    """A .pb file as a finished round, counted with `rule`. Bad files change nothing and say
    which line is wrong."""
    if len(text.encode("utf-8")) > MAX_BYTES:
        raise ValidationError(_("The file is larger than 20 MB."))
    try:
        election = parse_pabulib(text, path=filename or "file.pb")
    except PabulibError as error:
        # The method names the line and its problem as codes; they read in the page's language.
        raise ValidationError(_("This is not a valid Pabulib file: %(reason)s")
                              % {"reason": method_error_text(error)}) from None
    except (BudgetingError, ValueError):
        raise ValidationError(_("This is not a valid Pabulib file.")) from None
    kind = KINDS_FROM_PB.get(election.vote_type)
    if kind is None:
        raise ValidationError(_("Ballots of the kind “%(kind)s” cannot be imported.") % {"kind": election.vote_type})
    budget = election.budget
    if budget.denominator != 1 or any(p.cost.denominator != 1 for p in election.projects.values()):
        # A round keeps whole currency units; rounding would change what the file's count means.
        raise ValidationError(_("The file has costs or a budget with decimals; only whole amounts can be imported."))
    if any(b.points is not None and any(x.denominator != 1 for x in b.points) for b in election.ballots):
        raise ValidationError(_("The file has points with decimals; only whole points can be imported."))
    ids = list(election.projects)
    numbers = {pid: i for i, pid in enumerate(ids, start=1)}
    meta = election.meta
    title = meta.get("description") or " ".join(v for v in (meta.get("unit"), meta.get("instance"),
                                                          meta.get("subunit")) if v) or filename or "Pabulib"
    max_length = meta.get("max_length", "").strip()
    with transaction.atomic():
        rnd = Round.objects.create(
            council=council, title={code: title[:200] for code in council.language_codes}, published=False,
            stage=Round.Stage.VOTING, currency=(meta.get("currency") or "")[:3] or "DKK",
            citywide_budget=int(budget), rule=rule, completion=completion, ballot_kind=kind,
            max_projects=(1 if election.vote_type == "choose-1" else int(max_length) if max_length.isdecimal() else None),
            points_total=int(meta["max_sum_points"]) if meta.get("max_sum_points", "").strip().isdecimal() else None,
            allow_members=False, allow_change=False, imported=True, projects_frozen_at=timezone.now())
        for pid in ids:
            p = election.projects[pid]
            Project.objects.create(council=council, round=rnd, number=numbers[pid],
                                   title={code: (p.name or pid)[:200] for code in council.language_codes},
                                   description={"en": f"Pabulib project {pid}"} if p.name else {},
                                   cost=int(p.cost), legality=Project.Legality.LEGAL,
                                   decision=Project.Decision.TO_VOTE)
        Ballot.objects.bulk_create([
            Ballot(round=rnd, choices=[numbers[x] for x in b.projects],
                   points=[int(Fraction(x)) for x in b.points] if b.points is not None else [],
                   receipt_hash=token_hash(secrets.token_urlsafe(32)))
            for b in election.ballots], batch_size=1000)
        rnd.result = count_round(rnd)
        rnd.stage = Round.Stage.RESULT
        rnd.counted_at = timezone.now()
        rnd.save()
        audit_record(council=council, actor=actor, action="pb.round.import", target=rnd,
                     detail={"file": filename[:200], "projects": len(ids), "ballots": len(election.ballots),
                             "vote_type": election.vote_type}, request=request)
    return rnd


__all__ = ["VOTE_TYPES", "pot_keys", "round_export", "round_import"]
