"""Writes for participatory-budgeting rounds: the round and its rules, ideas and their images,
projects and their assessment, the phases, and what happens to funded projects.

The ballot box is in `voting.py`, the count in `counting.py`. Every staff write opens its
transaction and writes an audit row.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from civicpanel.audit.services import audit_record
from civicpanel.budgeting import images
from civicpanel.budgeting.models import (
    Ballot,
    Idea,
    IdeaImage,
    Project,
    ProjectUpdate,
    Round,
    RoundDistrict,
)

STAGES = [value for value, _label in Round.Stage.choices]

# Fields that decide how the vote is counted or what a ballot may hold: once the first ballot
# is in, changing them would change the meaning of ballots already cast.
RULE_FIELDS = ("citywide_budget", "rule", "completion", "ballot_kind", "max_projects", "points_total",
               "min_age", "allow_members", "allow_residents", "allow_codes", "allow_change", "currency")
TEXT_FIELDS = ("title", "intro", "published", "information_starts", "ideas_starts", "assessment_starts",
               "voting_starts", "result_starts", "building_starts", "evaluation_starts")


def _locked_round(council, round_id: int) -> Round:
    return Round.objects.select_for_update().get(pk=round_id, council=council)


def _has_ballots(rnd: Round) -> bool:
    return Ballot.objects.filter(round=rnd).exists() or rnd.paper_entries.exists()


def _check_rules(fields: dict) -> None:
    kind = fields.get("ballot_kind")
    if kind == Round.BallotKind.POINTS and not fields.get("points_total"):
        raise ValidationError({"points_total": _("Say how many points each voter distributes.")})
    dates = [fields.get(f"{stage}_starts") for stage in STAGES]
    given = [d for d in dates if d]
    if given != sorted(given):
        raise ValidationError(_("The phases must start in order: information, ideas, assessment, voting, "
                                "result, building, evaluation."))


def _set_budgets(rnd: Round, budgets: dict) -> None:
    """budgets: {District: amount}; a district with 0 or no amount takes no part."""
    wanted = {d.pk: amount for d, amount in budgets.items() if amount}
    RoundDistrict.objects.filter(round=rnd).exclude(district_id__in=wanted).delete()
    for district_id, amount in wanted.items():
        RoundDistrict.objects.update_or_create(round=rnd, district_id=district_id, defaults={"budget": amount})


def round_create(*, council, actor, title: dict, budgets: dict | None = None, request=None, **fields) -> Round:
    _check_rules(fields)
    if not fields.get("citywide_budget") and not any((budgets or {}).values()):
        raise ValidationError({"citywide_budget": _("Give the round some money: a city-wide budget or a budget "
                                                    "for at least one district.")})
    with transaction.atomic():
        rnd = Round.objects.create(council=council, title=title,
                                   **{k: v for k, v in fields.items() if k in RULE_FIELDS + TEXT_FIELDS})
        _set_budgets(rnd, budgets or {})
        audit_record(council=council, actor=actor, action="pb.round.create", target=rnd, request=request)
    return rnd


def round_update(*, council, actor, round: Round, budgets: dict | None = None, request=None, **fields) -> Round:
    with transaction.atomic():
        rnd = _locked_round(council, round.pk)
        merged = {k: getattr(rnd, k) for k in RULE_FIELDS + TEXT_FIELDS} | fields
        _check_rules(merged)
        rules_changed = [k for k in RULE_FIELDS if k in fields and getattr(rnd, k) != fields[k]]
        current = {rd.district_id: rd.budget for rd in rnd.district_budgets.all()}
        new_budgets = None
        if budgets is not None:
            new_budgets = {d.pk: amount for d, amount in budgets.items() if amount}
            if new_budgets != current:
                rules_changed.append("budgets")
        if rules_changed and (_has_ballots(rnd) or rnd.is_counted):
            raise ValidationError(_("Ballots have been cast, so the budget, the counting rule and the ballot "
                                    "can no longer change: every ballot must be counted by the rules it was cast "
                                    "under."))
        if not merged["citywide_budget"] and not (new_budgets if new_budgets is not None else current):
            raise ValidationError({"citywide_budget": _("Give the round some money: a city-wide budget or a "
                                                        "budget for at least one district.")})
        changed = []
        for name, value in fields.items():
            if name in RULE_FIELDS + TEXT_FIELDS and getattr(rnd, name) != value:
                setattr(rnd, name, value)
                changed.append(name)
        if changed:
            rnd.save()
        if budgets is not None and "budgets" in rules_changed:
            _set_budgets(rnd, budgets)
            changed.append("budgets")
        if changed:
            audit_record(council=council, actor=actor, action="pb.round.update", target=rnd,
                         detail={"fields": changed}, request=request)
    return rnd


def round_set_stage(*, council, actor, round: Round, stage: str, request=None) -> Round:
    """Move the round to a phase. Opening the vote freezes the list of projects; the result phase
    is reached only through the count (`counting.round_count`)."""
    if stage not in STAGES:
        raise ValidationError(_("Unknown phase."))
    with transaction.atomic():
        rnd = _locked_round(council, round.pk)
        if rnd.stage == stage:
            return rnd
        old, new = STAGES.index(rnd.stage), STAGES.index(stage)
        voting = STAGES.index(Round.Stage.VOTING)
        if new < old and old >= voting and (rnd.projects_frozen_at or rnd.is_counted):
            raise ValidationError(_("The vote has opened; the round cannot go back to an earlier phase."))
        if stage == Round.Stage.VOTING:
            if rnd.imported:
                raise ValidationError(_("An imported round is finished; it cannot be voted on again."))
            if not rnd.projects.filter(decision=Project.Decision.TO_VOTE).exists():
                raise ValidationError(_("No project goes to the vote yet. Assess the ideas and decide which "
                                        "projects go to the vote first."))
            problems = _pot_problems(rnd)
            if problems:
                raise ValidationError(problems)
            if not (rnd.allow_members or rnd.allow_residents or rnd.allow_codes):
                raise ValidationError(_("Say who may vote before the vote opens."))
            rnd.projects_frozen_at = rnd.projects_frozen_at or timezone.now()
        if new > voting and not rnd.is_counted:
            raise ValidationError(_("Close the vote and count it first."))
        rnd.stage = stage
        rnd.save(update_fields=["stage", "projects_frozen_at", "updated_at"])
        audit_record(council=council, actor=actor, action="pb.round.stage", target=rnd,
                     detail={"stage": stage}, request=request)
    return rnd


def _pot_problems(rnd: Round) -> list[str]:
    problems = []
    to_vote = rnd.projects.filter(decision=Project.Decision.TO_VOTE)
    if to_vote.filter(district__isnull=True).exists() and not rnd.citywide_budget:
        problems.append(_("Some projects are city-wide, but the round has no city-wide budget."))
    districts = {rd.district_id for rd in rnd.district_budgets.all()}
    for project in to_vote.filter(district__isnull=False):
        if project.district_id not in districts:
            problems.append(_("Project %(number)s belongs to %(district)s, which has no budget in this round.")
                            % {"number": project.number, "district": project.district.name})
    return problems


# --- Ideas ----------------------------------------------------------------------------------------

def idea_submit(*, council, round: Round, author_member=None, author_resident=None, title: str,
                description: str, district=None, place: str = "", cost_estimate: int | None = None,
                category: str = Idea.Category.OTHER, uploads=()) -> Idea:
    """A resident's idea, waiting for screening. Images are checked and re-encoded before
    anything is saved, so a bad file leaves nothing behind."""
    if not round.accepts_ideas or round.council_id != council.pk:
        raise ValidationError(_("This round does not take ideas at the moment."))
    if author_member is None and author_resident is None:
        raise ValidationError(_("Log in or confirm your e-mail to send an idea."))
    uploads = [u for u in uploads if u]
    if len(uploads) > images.MAX_IMAGES:
        raise ValidationError(_("At most three pictures per idea."))
    if district is not None and district.council_id != council.pk:
        raise ValidationError(_("Choose a district of this council."))
    encoded = [(images.reencode(u), getattr(u, "name", "")) for u in uploads]
    with transaction.atomic():
        idea = Idea.objects.create(council=council, round=round, title=title.strip(), description=description.strip(),
                                   district=district, place=place.strip(), cost_estimate=cost_estimate,
                                   category=category, author_member=author_member, author_resident=author_resident)
        for (data, width, height), _name in encoded:
            IdeaImage.objects.create(idea=idea, key=images.new_key(), data=data, width=width, height=height,
                                     alt=title.strip()[:200])
        audit_record(council=council, actor=None, action="pb.idea.submit", target=idea,
                     member_ids=[author_member.pk] if author_member else [])
    return idea


def idea_screen(*, council, actor, idea: Idea, action: str, reason: str = "", merge_into: Idea | None = None,
                request=None) -> Idea:
    """Staff screening: "publish", "hide" (with a reason the author sees) or "merge" into another idea."""
    with transaction.atomic():
        idea = Idea.objects.select_for_update().get(pk=idea.pk, council=council)
        if action == "publish":
            idea.status, idea.hidden_reason, idea.merged_into = Idea.Status.PUBLIC, "", None
        elif action == "hide":
            if not reason.strip():
                raise ValidationError(_("Write the reason for hiding the idea; its author will see it."))
            idea.status, idea.hidden_reason = Idea.Status.HIDDEN, reason.strip()
        elif action == "merge":
            if merge_into is None or merge_into.pk == idea.pk or merge_into.round_id != idea.round_id:
                raise ValidationError(_("Choose another idea of the same round to merge into."))
            idea.status, idea.merged_into = Idea.Status.MERGED, merge_into
            idea.hidden_reason = reason.strip()
        else:
            raise ValidationError(_("Unknown action."))
        idea.screened_at = timezone.now()
        idea.save()
        audit_record(council=council, actor=actor, action=f"pb.idea.{action}", target=idea,
                     detail={"reason": reason.strip()} if reason.strip() else {}, request=request)
    return idea


# --- Projects and assessment --------------------------------------------------------------------

PROJECT_FIELDS = ("title", "description", "district", "cost", "legality", "feasibility", "decision",
                  "decision_reason")


def _check_project_frozen(rnd: Round) -> None:
    if rnd.projects_frozen_at:
        raise ValidationError(_("The vote has opened: the list of projects and their costs are frozen."))


def _check_decision(fields: dict, rnd: Round) -> None:
    if fields.get("decision") in (Project.Decision.TO_VOTE, Project.Decision.REJECTED) and not any(
            (t or "").strip() for t in (fields.get("decision_reason") or {}).values()):
        raise ValidationError({"decision_reason": _("Write the public reason for the decision.")})
    if fields.get("decision") == Project.Decision.TO_VOTE:
        if fields.get("legality") != Project.Legality.LEGAL:
            raise ValidationError({"legality": _("Only a project within the council's powers can go to the vote.")})
        if not fields.get("cost"):
            raise ValidationError({"cost": _("Give the project's cost before it goes to the vote.")})
        district = fields.get("district")
        budget = (rnd.district_budgets.filter(district=district).values_list("budget", flat=True).first()
                  if district else rnd.citywide_budget)
        if budget is not None and fields["cost"] > budget:
            raise ValidationError({"cost": _("The cost is more than the budget it would be paid from.")})


def project_create(*, council, actor, round: Round, ideas=(), request=None, **fields) -> Project:
    with transaction.atomic():
        rnd = _locked_round(council, round.pk)
        _check_project_frozen(rnd)
        _check_decision(fields, rnd)
        ideas = list(ideas)
        if any(i.round_id != rnd.pk for i in ideas):
            raise ValidationError(_("Choose ideas of this round."))
        number = (rnd.projects.aggregate(n=Max("number"))["n"] or 0) + 1
        project = Project.objects.create(council=council, round=rnd, number=number,
                                         **{k: v for k, v in fields.items() if k in PROJECT_FIELDS})
        project.ideas.set(ideas)
        audit_record(council=council, actor=actor, action="pb.project.create", target=project,
                     detail={"ideas": [i.pk for i in ideas]}, request=request)
    return project


def project_update(*, council, actor, project: Project, ideas=None, request=None, **fields) -> Project:
    with transaction.atomic():
        rnd = _locked_round(council, project.round_id)
        _check_project_frozen(rnd)
        project = Project.objects.select_for_update().get(pk=project.pk, council=council)
        merged = {k: getattr(project, k) for k in PROJECT_FIELDS} | fields
        _check_decision(merged, rnd)
        changed = [k for k in fields if k in PROJECT_FIELDS and getattr(project, k) != fields[k]]
        for name in changed:
            setattr(project, name, fields[name])
        project.save()
        if ideas is not None:
            ideas = list(ideas)
            if any(i.round_id != rnd.pk for i in ideas):
                raise ValidationError(_("Choose ideas of this round."))
            project.ideas.set(ideas)
            changed.append("ideas")
        audit_record(council=council, actor=actor, action="pb.project.update", target=project,
                     detail={"fields": changed}, request=request)
    return project


def project_add_sketch(*, council, actor, project: Project, upload, alt: str = "", request=None) -> IdeaImage:
    data, width, height = images.reencode(upload)
    with transaction.atomic():
        rnd = _locked_round(council, project.round_id)
        _check_project_frozen(rnd)
        image = IdeaImage.objects.create(project=project, key=images.new_key(), data=data, width=width,
                                         height=height, alt=alt.strip()[:200])
        audit_record(council=council, actor=actor, action="pb.project.sketch", target=project, request=request)
    return image


# --- After the vote ----------------------------------------------------------------------------

def project_post_update(*, council, actor, project: Project, status: str, date, text: dict, uploads=(),
                        request=None) -> ProjectUpdate:
    """A dated public update on a funded project; a change of status notifies its voters and its
    ideas' authors (see notifications.py)."""
    from civicpanel.budgeting.notifications import notify_project_update

    if status not in Project.Status.values:
        raise ValidationError({"status": _("Choose a status.")})
    uploads = [u for u in uploads if u]
    if len(uploads) > images.MAX_IMAGES:
        raise ValidationError(_("At most three pictures per update."))
    encoded = [images.reencode(u) for u in uploads]
    with transaction.atomic():
        project = Project.objects.select_for_update().get(pk=project.pk, council=council)
        if not project.funded:
            raise ValidationError(_("Only funded projects have a building status."))
        if not any((t or "").strip() for t in (text or {}).values()):
            raise ValidationError({"text": _("Write what happened.")})
        status_changed = project.status != status
        update = ProjectUpdate.objects.create(project=project, status=status, date=date, text=text, created_by=actor)
        for data, width, height in encoded:
            IdeaImage.objects.create(update=update, key=images.new_key(), data=data, width=width, height=height,
                                     alt=project.name[:200])
        if status_changed:
            project.status = status
            project.save(update_fields=["status", "updated_at"])
        audit_record(council=council, actor=actor, action="pb.project.status", target=project,
                     detail={"status": status, "update": update.pk}, request=request)
        if status_changed:
            transaction.on_commit(lambda: notify_project_update(council=council, update_id=update.pk))
    return update
