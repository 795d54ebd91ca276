"""Reads for participatory budgeting, always for one council."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.core.paginator import Page, Paginator
from django.db.models import Count, Q
from django.http import Http404

from civicpanel.budgeting import explain
from civicpanel.budgeting.models import Ballot, Idea, PaperEntry, Project, Round, VoterRecord
from civicpanel.budgeting.services import STAGES
from civicpanel.common.sorting import ListSort, sort_queryset

# The staff round list's sortable columns (common.sorting): phases in their order, not by name.
ROUND_SORTS = {
    "title": lambda r: r.name, "phase": lambda r: list(Round.Stage.values).index(r.stage),
    "ideas": lambda r: r.n_ideas, "ballots": lambda r: r.n_ballots,
}


def round_list(*, council, public: bool = False):
    qs = Round.objects.filter(council=council)
    if public:
        qs = qs.filter(published=True)
    return qs.annotate(n_ideas=Count("ideas", distinct=True), n_ballots=Count("ballots", distinct=True))


def round_get(*, council, round_id: int, public: bool = False) -> Round:
    qs = Round.objects.filter(council=council, pk=round_id)
    if public:
        qs = qs.filter(published=True)
    rnd = qs.first()
    if rnd is None:
        raise Http404
    return rnd


def timeline(rnd: Round) -> list[dict]:
    """The phases with their start dates, and which one is now."""
    current = STAGES.index(rnd.stage)
    out = []
    for i, (value, label) in enumerate(Round.Stage.choices):
        out.append({"stage": value, "label": label, "starts": getattr(rnd, f"{value}_starts"),
                    "state": "done" if i < current else ("current" if i == current else "later")})
    return out


def public_ideas(*, council, rnd: Round):
    return (Idea.objects.filter(council=council, round=rnd, status=Idea.Status.PUBLIC)
            .select_related("district").prefetch_related("images").order_by("-created_at"))


def staff_ideas(*, council, rnd: Round, status: str | None = None):
    qs = Idea.objects.filter(council=council, round=rnd).select_related("district", "merged_into")
    if status:
        qs = qs.filter(status=status)
    return qs.prefetch_related("images", "projects")


# The staff idea list's sortable columns (common.sorting); newest first by default.
IDEA_SORTS = {
    "number": ("id",), "title": ("title",), "district": ("district__order", "district__name"),
    "category": ("category",), "cost": ("cost_estimate",), "submitted": ("created_at",), "status": ("status",),
}
IDEAS_PER_PAGE = 25


@dataclass(frozen=True)
class IdeaFilter:
    """What the staff idea list is narrowed to: a status, a district ("town": ideas for the whole
    town), a category, words in the title or description. Empty: everything."""

    status: str = ""
    district: str = ""
    category: str = ""
    words: str = ""


def _idea_filter(council, rnd: Round, chosen: IdeaFilter, *, status: bool = True):
    qs = Idea.objects.filter(council=council, round=rnd)
    if chosen.status and status:
        qs = qs.filter(status=chosen.status)
    if chosen.district == "town":
        qs = qs.filter(district__isnull=True)
    elif chosen.district:
        qs = qs.filter(district_id=int(chosen.district))
    if chosen.category:
        qs = qs.filter(category=chosen.category)
    if chosen.words:
        qs = qs.filter(Q(title__icontains=chosen.words) | Q(description__icontains=chosen.words))
    return qs


def staff_ideas_page(*, council, rnd: Round, chosen: IdeaFilter, sorting: ListSort, page_number) -> Page:
    """One page of the round's ideas as filtered and sorted, with their pictures and projects."""
    qs = (_idea_filter(council, rnd, chosen).select_related("district", "merged_into")
          .prefetch_related("images", "projects"))
    return Paginator(sort_queryset(qs, sorting, IDEA_SORTS), IDEAS_PER_PAGE).get_page(page_number)


def staff_idea_counts(*, council, rnd: Round, chosen: IdeaFilter) -> dict[str, int]:
    """Ideas per status within the other filters (district, category, words), and "all"."""
    rows = _idea_filter(council, rnd, chosen, status=False).values("status").annotate(n=Count("id"))
    counts = {status: 0 for status in Idea.Status.values} | {row["status"]: row["n"] for row in rows}
    return {"all": sum(counts.values()), **counts}


def idea_get(*, council, idea_id: int, rnd: Round | None = None) -> Idea:
    qs = Idea.objects.filter(council=council, pk=idea_id)
    if rnd is not None:
        qs = qs.filter(round=rnd)
    idea = qs.select_related("round", "district").first()
    if idea is None:
        raise Http404
    return idea


def project_get(*, council, project_id: int, rnd: Round | None = None) -> Project:
    qs = Project.objects.filter(council=council, pk=project_id)
    if rnd is not None:
        qs = qs.filter(round=rnd)
    project = qs.select_related("round", "district").first()
    if project is None:
        raise Http404
    return project


def projects(*, council, rnd: Round, to_vote_only: bool = False):
    qs = Project.objects.filter(council=council, round=rnd).select_related("district").prefetch_related(
        "ideas", "sketches")
    if to_vote_only:
        qs = qs.filter(decision=Project.Decision.TO_VOTE)
    return qs


def paper_entries(*, council, rnd: Round):
    return PaperEntry.objects.filter(round__council=council, round=rnd).select_related("district", "entered_by")


def counts(*, council, rnd: Round) -> dict:
    ideas = Idea.objects.filter(council=council, round=rnd).aggregate(
        total=Count("id"), waiting=Count("id", filter=Q(status=Idea.Status.SUBMITTED)),
        public=Count("id", filter=Q(status=Idea.Status.PUBLIC)))
    return {"ideas": ideas, "ballots": Ballot.objects.filter(round=rnd).count(),
            "voters": VoterRecord.objects.filter(round=rnd).values("voter_key").distinct().count(),
            "paper_waiting": PaperEntry.objects.filter(round=rnd).count(),
            "to_vote": Project.objects.filter(round=rnd, decision=Project.Decision.TO_VOTE).count()}


@dataclass
class PotResult:
    title: str
    district: object | None
    budget: int
    voters: int
    total_cost: float
    rows: list[dict] = field(default_factory=list)
    most_votes: list[int] = field(default_factory=list)
    most_votes_cost: float = 0.0
    differs: bool = False


def results(*, council, rnd: Round) -> list[PotResult]:
    """Per pot: every project in order of votes with why it was or was not funded, and the plain
    "most votes" outcome beside the rule's."""
    if not rnd.is_counted:
        return []
    by_pot: dict[str, list[Project]] = {}
    for p in projects(council=council, rnd=rnd, to_vote_only=True):
        by_pot.setdefault("city" if p.district_id is None else str(p.district_id), []).append(p)
    districts = {rd.district_id: rd.district for rd in rnd.district_budgets.select_related("district")}
    out = []
    for pot in rnd.result.get("pots", []):
        key = "city" if pot["pot"] == "city" else str(pot["district"])
        items = sorted(by_pot.get(key, []), key=lambda p: (-p.votes, p.number))
        # Greedy order: money spent by funded projects ahead of each one.
        spent_before: dict[int, int] = {}
        if rnd.rule in (Round.Rule.GREEDY, Round.Rule.GREEDY_COST):
            by_pos = sorted(items, key=lambda p: (p.explanation or {}).get("position") or 10**6)
            spent = 0
            for p in by_pos:
                spent_before[p.pk] = spent
                if p.funded:
                    spent += p.cost
        district = districts.get(pot["district"]) if pot["district"] else None
        result = PotResult(title=district.name if district else "", district=district, budget=pot["budget"],
                           voters=pot["voters"], total_cost=pot["total_cost"], most_votes=pot["most_votes"],
                           most_votes_cost=pot["most_votes_cost"],
                           differs=sorted(pot["most_votes"]) != sorted(pot["winners"]))
        for p in items:
            result.rows.append({"project": p, "reason": explain.project_reason(
                p, rnd, budget=pot["budget"], funded_before=spent_before.get(p.pk, 0)),
                "most_votes": p.number in pot["most_votes"]})
        out.append(result)
    return out


def funded_projects(*, council, rnd: Round | None = None):
    qs = Project.objects.filter(council=council, funded=True, round__published=True).select_related(
        "round", "district").prefetch_related("updates__photos", "sketches")
    if rnd is not None:
        qs = qs.filter(round=rnd)
    return qs.order_by("round", "number")
