"""The ballot box: who may vote, what a ballot may hold, and casting it exactly once.

One ballot per voter per pot ("district" or "city") of a round. The unique constraint on
`VoterRecord(round, pot, voter_key)` decides races: of many simultaneous submissions for one
voter, one inserts the record and the others wait on the index and then fail, so exactly one
ballot is created (and, where the round allows changing, the others replace its choices).

The ballot row is found again only through the voter's receipt, an HMAC of the secret key, the
voter's key and the record's salt (`receipt_for`). The database holds its SHA-256, not the
receipt, so the tables alone do not tie a ballot to a voter.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from civicpanel.audit.services import audit_record
from civicpanel.budgeting.models import Ballot, PaperEntry, Project, Round, VoterRecord, VotingCode
from civicpanel.common import formatting
from civicpanel.common.security import derived_token, new_salt, new_token, token_hash
from civicpanel.members.models import MemberAnswer, ProfileOption, ProfileQuestion
from civicpanel.members.profile import age_band_option

POTS = ("district", "city")


@dataclass(frozen=True)
class Voter:
    key: str
    channel: str
    district: object | None = None
    birth_year: int | None = None
    age_band: str = ""
    gender: str = ""
    member: object | None = None
    resident: object | None = None


def voter_for_member(member) -> Voter:
    band = age_band_option(member.council, member.birth_year)
    gender = (MemberAnswer.objects.filter(member=member, question__key="gender")
              .values_list("option__code", flat=True).first() or "")
    return Voter(key=f"m:{member.pk}", channel=VoterRecord.Channel.MEMBER, district=member.district,
                 birth_year=member.birth_year, age_band=band.code if band else "", gender=gender, member=member)


def voter_for_resident(resident) -> Voter:
    band = age_band_option(resident.council, resident.birth_year)
    return Voter(key=f"r:{resident.pk}", channel=VoterRecord.Channel.RESIDENT, district=resident.district,
                 birth_year=resident.birth_year, age_band=band.code if band else "", resident=resident)


def receipt_for(rnd: Round, record: VoterRecord) -> str:
    return derived_token(f"pb-ballot:{record.pot}:{record.voter_key}", rnd.pk, record.salt)


# --- Rules ------------------------------------------------------------------------------------

def pots(rnd: Round) -> list[str]:
    out = []
    if rnd.district_budgets.exists():
        out.append("district")
    if rnd.citywide_budget:
        out.append("city")
    return out


def pot_budget(rnd: Round, pot: str, district=None) -> int:
    if pot == "city":
        return rnd.citywide_budget
    row = rnd.district_budgets.filter(district=district).first()
    return row.budget if row else 0


def pot_projects(rnd: Round, pot: str, district=None) -> list[Project]:
    qs = rnd.projects.filter(decision=Project.Decision.TO_VOTE).prefetch_related("ideas")
    qs = qs.filter(district__isnull=True) if pot == "city" else qs.filter(district=district)
    return list(qs.order_by("number"))


def eligibility_problem(rnd: Round, voter: Voter, *, today: datetime.date | None = None) -> str | None:
    """Why this voter may not vote in the round, or None."""
    allowed = {VoterRecord.Channel.MEMBER: rnd.allow_members, VoterRecord.Channel.RESIDENT: rnd.allow_residents,
               VoterRecord.Channel.CODE: rnd.allow_codes}
    if not allowed.get(voter.channel):
        return _("This round does not take votes this way.")
    if voter.channel != VoterRecord.Channel.CODE:
        if voter.birth_year is None:
            return _("Add your birth year to your profile first: the round has an age limit.")
        if (today or timezone.localdate()).year - voter.birth_year < rnd.min_age:
            return _("You must be at least %(age)s years old to vote in this round.") % {"age": rnd.min_age}
    return None


def clean_ballot(rnd: Round, pot: str, district, choices, points=None) -> tuple[list[int], list[int]]:
    """The ballot as project numbers (and points), checked against the round's rules on the
    server. Raises ValidationError saying what is wrong; the page's own check is only a help."""
    projects = {p.number: p for p in pot_projects(rnd, pot, district)}
    try:
        numbers = [int(c) for c in choices]
    except (TypeError, ValueError):
        raise ValidationError(_("The ballot names a project that is not on the list.")) from None
    if len(set(numbers)) != len(numbers):
        raise ValidationError(_("Each project can be chosen only once."))
    if any(n not in projects for n in numbers):
        raise ValidationError(_("The ballot names a project that is not on the list."))
    if not numbers:
        raise ValidationError(_("Choose at least one project."))
    kind = rnd.ballot_kind
    pts: list[int] = []
    if kind == Round.BallotKind.POINTS:
        try:
            pts = [int(p) for p in (points or [])]
        except (TypeError, ValueError):
            raise ValidationError(_("Points must be whole numbers.")) from None
        if len(pts) != len(numbers) or any(p <= 0 for p in pts):
            raise ValidationError(_("Give each chosen project at least one point."))
        if sum(pts) > (rnd.points_total or 0):
            raise ValidationError(_("You gave %(given)s points; you have %(total)s to distribute.")
                                  % {"given": sum(pts), "total": rnd.points_total})
    if (kind in (Round.BallotKind.APPROVAL, Round.BallotKind.RANKING) and rnd.max_projects
            and len(numbers) > rnd.max_projects):
        raise ValidationError(_("You chose %(chosen)s projects; you may choose at most %(most)s.")
                              % {"chosen": len(numbers), "most": rnd.max_projects})
    if kind == Round.BallotKind.KNAPSACK:
        total = sum(projects[n].cost for n in numbers)
        budget = pot_budget(rnd, pot, district)
        if total > budget:
            raise ValidationError(_("The projects you chose cost %(total)s %(currency)s together, more than "
                                    "the budget of %(budget)s %(currency)s.")
                                  % {"total": formatting.number(total), "budget": formatting.number(budget),
                                     "currency": rnd.currency})
    if kind != Round.BallotKind.RANKING and kind != Round.BallotKind.POINTS:
        numbers = sorted(numbers)
    return numbers, pts


def _district_for(rnd: Round, pot: str, voter: Voter, district):
    if pot == "city":
        return None
    district = district or voter.district
    if district is None or not rnd.district_budgets.filter(district=district).exists():
        raise ValidationError(_("Choose the district you vote in."))
    return district


def ballot_cast(*, round: Round, voter: Voter, pot: str, choices, points=None, district=None,
                paper: bool = False) -> str:
    """Cast (or, where the round allows, change) the voter's ballot in one pot. Returns the receipt."""
    rnd = round
    if pot not in pots(rnd):
        raise ValidationError(_("This round has no such vote."))
    if not rnd.voting_open:
        raise ValidationError(_("The vote is not open."))
    problem = eligibility_problem(rnd, voter)
    if problem:
        raise ValidationError(problem)
    district = _district_for(rnd, pot, voter, district)
    numbers, pts = clean_ballot(rnd, pot, district, choices, points)
    with transaction.atomic():
        try:
            with transaction.atomic():
                record = VoterRecord.objects.create(
                    round=rnd, pot=pot, voter_key=voter.key, member=voter.member, resident=voter.resident,
                    channel=voter.channel, district=district if pot == "district" else voter.district,
                    age_band=voter.age_band, gender=voter.gender, salt=new_salt())
        except IntegrityError:
            record = None
        if record is not None:
            receipt = receipt_for(rnd, record)
            Ballot.objects.create(round=rnd, district=district, choices=numbers, points=pts,
                                  receipt_hash=token_hash(receipt), paper=paper)
            audit_record(council=rnd.council, actor=None, action="pb.vote", target=rnd,
                         member_ids=[voter.member.pk] if voter.member else [], detail={"pot": pot})
            return receipt
        if not rnd.allow_change or paper:
            raise ValidationError(_("You have already voted in this round. Thank you!"))
        record = VoterRecord.objects.select_for_update().get(round=rnd, pot=pot, voter_key=voter.key)
        if pot == "district" and record.district_id != district.pk:
            raise ValidationError(_("You have voted in %(district)s; you can change that ballot, not vote in "
                                    "another district.") % {"district": record.district.name if record.district else ""})
        receipt = receipt_for(rnd, record)
        Ballot.objects.filter(round=rnd, receipt_hash=token_hash(receipt)).update(choices=numbers, points=pts)
        audit_record(council=rnd.council, actor=None, action="pb.vote.change", target=rnd,
                     member_ids=[voter.member.pk] if voter.member else [], detail={"pot": pot})
        return receipt


def voted_district(rnd: Round, voter: Voter):
    record = VoterRecord.objects.filter(round=rnd, pot="district", voter_key=voter.key).select_related("district").first()
    return record.district if record else None


def ballot_of(rnd: Round, voter: Voter, pot: str) -> Ballot | None:
    record = VoterRecord.objects.filter(round=rnd, pot=pot, voter_key=voter.key).first()
    if record is None:
        return None
    return Ballot.objects.filter(round=rnd, receipt_hash=token_hash(receipt_for(rnd, record))).first()


# --- Voting codes and paper ballots ------------------------------------------------------------

def codes_create(*, council, actor, round: Round, count: int, request=None) -> list[str]:
    """New personal voting codes for letters. They are shown once (to print); only hashes are kept."""
    if not 1 <= count <= 20000:
        raise ValidationError(_("Make between 1 and 20,000 codes at a time."))
    codes = []
    with transaction.atomic():
        rnd = Round.objects.select_for_update().get(pk=round.pk, council=council)
        for _i in range(count):
            code = _new_code()
            VotingCode.objects.create(round=rnd, code_hash=_code_hash(rnd, code))
            codes.append(code)
        audit_record(council=council, actor=actor, action="pb.codes.create", target=rnd, detail={"count": count},
                     request=request)
    return codes


ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read from paper


def _new_code() -> str:
    import secrets

    raw = "".join(secrets.choice(ALPHABET) for _i in range(12))
    return "-".join(raw[i:i + 4] for i in range(0, 12, 4))


def normalise_code(code: str) -> str:
    raw = "".join(ch for ch in (code or "").upper() if ch.isalnum())
    return "-".join(raw[i:i + 4] for i in range(0, len(raw), 4))


def _code_hash(rnd: Round, code: str) -> str:
    return token_hash(f"pb-code:{rnd.pk}:{normalise_code(code)}")


def _code_for(rnd: Round, code: str) -> VotingCode:
    found = VotingCode.objects.filter(round=rnd, code_hash=_code_hash(rnd, code)).first()
    if found is None:
        raise ValidationError({"code": _("This voting code does not belong to this round. Check the letter.")})
    return found


def paper_enter(*, council, actor, round: Round, code: str, pot: str, choices, points=None, district=None,
                age_band: str = "", request=None) -> PaperEntry:
    """First staff member: type in a paper ballot. It counts only once a second person confirms it."""
    rnd = Round.objects.get(pk=round.pk, council=council)
    if not rnd.allow_codes:
        raise ValidationError(_("This round does not use voting codes."))
    if not rnd.voting_open:
        raise ValidationError(_("The vote is not open."))
    if pot not in pots(rnd):
        raise ValidationError(_("This round has no such vote."))
    found = _code_for(rnd, code)
    if VoterRecord.objects.filter(round=rnd, pot=pot, voter_key=f"c:{found.pk}").exists():
        raise ValidationError({"code": _("A ballot with this voting code has already been counted.")})
    if pot == "district" and (district is None or not rnd.district_budgets.filter(district=district).exists()):
        raise ValidationError({"district": _("Choose the district the ballot is for.")})
    if district is not None and district.council_id != council.pk:
        raise ValidationError({"district": _("Choose one of the council's districts.")})
    if age_band and not ProfileOption.objects.filter(question__council=council, code=age_band,
                                                     question__kind=ProfileQuestion.Kind.BIRTH_YEAR).exists():
        raise ValidationError({"age_band": _("Choose one of the age bands offered.")})
    numbers, pts = clean_ballot(rnd, pot, district if pot == "district" else None, choices, points)
    with transaction.atomic():
        try:
            with transaction.atomic():
                # For the city-wide vote the district is where the voter lives (turnout only).
                entry = PaperEntry.objects.create(round=rnd, code=found, pot=pot, district=district,
                                                  age_band=age_band, choices=numbers, points=pts, entered_by=actor)
        except IntegrityError:
            raise ValidationError({"code": _("A ballot with this voting code is already waiting for "
                                             "confirmation.")}) from None
        audit_record(council=council, actor=actor, action="pb.paper.enter", target=rnd, request=request)
    return entry


def paper_confirm(*, council, actor, entry: PaperEntry, request=None) -> None:
    """Second staff member: the typed ballot matches the paper; it goes into the ballot box."""
    with transaction.atomic():
        entry = PaperEntry.objects.select_for_update().select_related("round", "code").get(
            pk=entry.pk, round__council=council)
        if entry.entered_by_id == getattr(actor, "pk", None):
            raise ValidationError(_("Another staff member must confirm a paper ballot you typed in."))
        voter = Voter(key=f"c:{entry.code_id}", channel=VoterRecord.Channel.CODE, district=entry.district,
                      age_band=entry.age_band)
        ballot_cast(round=entry.round, voter=voter, pot=entry.pot, choices=entry.choices, points=entry.points,
                    district=entry.district if entry.pot == "district" else None, paper=True)
        rnd = entry.round
        entry.delete()
        audit_record(council=council, actor=actor, action="pb.paper.confirm", target=rnd, request=request)


def paper_reject(*, council, actor, entry: PaperEntry, request=None) -> None:
    with transaction.atomic():
        entry = PaperEntry.objects.select_for_update().select_related("round").get(pk=entry.pk, round__council=council)
        rnd = entry.round
        entry.delete()
        audit_record(council=council, actor=actor, action="pb.paper.reject", target=rnd, request=request)


__all__ = ["POTS", "Voter", "ballot_cast", "ballot_of", "clean_ballot", "codes_create", "eligibility_problem",
           "new_token", "paper_confirm", "paper_enter", "paper_reject", "pot_budget", "pot_projects", "pots",
           "receipt_for", "voter_for_member", "voter_for_resident"]
