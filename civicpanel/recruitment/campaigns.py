"""Campaign figures: whom each campaign and channel brought, against the residents; what a
letter batch converted, in all and per group it aimed at; what a member cost.

"Sign-ups" are everyone who signed up through the campaign (confirmed or not yet); "members"
those who confirmed. Profile groups are counted among the members who still hold a profile
(confirmed and not left): a leaver's profile is erased, so their group is unknown.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Q
from django.utils.translation import gettext as _

from civicpanel.analysis.charts import Chart, ChartTable, share_comparison_chart
from civicpanel.analysis.representativeness import COMPARABLE_KINDS, group_label
from civicpanel.common.formatting import number, percent
from civicpanel.members.models import Member
from civicpanel.members.selectors import member_counts_by_option, profile_questions
from civicpanel.panel.models import Campaign, PopulationFigure
from civicpanel.recruitment import selectors
from civicpanel.recruitment.models import CampaignPlan, Letter, LetterBatch


@dataclass
class CampaignRow:
    campaign: Campaign
    signups: int
    members: int
    active: int
    cost: Decimal | None
    letters: int

    @property
    def cost_per_member(self) -> Decimal | None:
        if self.cost is None or not self.members:
            return None
        return self.cost / self.members

    @property
    def conversion(self) -> float | None:
        return self.members / self.letters if self.letters else None


@dataclass
class GroupMix:
    """One profile question: the share of each group among residents and among the members
    brought by each column (a channel, or a campaign)."""

    title: str
    columns: list[str]
    rows: list[tuple[str, float | None, list[float | None]]]  # label, residents' share, shares per column
    counts: list[int]  # members placed in the question's categories, per column


@dataclass
class Overview:
    campaigns: list[CampaignRow]
    channels: list[tuple[str, int, int]]  # channel label, sign-ups, members
    mixes: list[GroupMix] = field(default_factory=list)


def _campaign_rows(council) -> list[CampaignRow]:
    campaigns = (Campaign.objects.filter(council=council)
                 .annotate(signups=Count("members", distinct=True),
                           confirmed=Count("members", filter=Q(members__confirmed_at__isnull=False), distinct=True),
                           active=Count("members", filter=Q(members__status=Member.Status.ACTIVE), distinct=True))
                 .order_by("name"))
    costs = dict(CampaignPlan.objects.filter(council=council).values_list("campaign_id", "cost"))
    letters = dict(Letter.objects.filter(council=council).values_list("batch__campaign_id")
                   .annotate(n=Count("id")).order_by())
    return [CampaignRow(campaign=c, signups=c.signups, members=c.confirmed, active=c.active, cost=costs.get(c.pk),
                        letters=letters.get(c.pk, 0)) for c in campaigns]


def _mixes(council, groups: list[tuple[str, object]]) -> list[GroupMix]:
    """groups: (column label, queryset of members)."""
    questions = [q for q in profile_questions(council=council) if q.kind in COMPARABLE_KINDS]
    figures = dict(PopulationFigure.objects.filter(council=council).values_list("option_id", "count"))
    questions = [q for q in questions if any(o.pk in figures for o in q.options.all())]
    if not questions:
        return []
    per_group = [member_counts_by_option(council=council, queryset=queryset, questions=questions)
                 for _label, queryset in groups]
    mixes = []
    for question in questions:
        options = list(question.options.all())
        population_total = sum(figures.get(o.pk, 0) for o in options)
        totals = [sum(counts[question.key].values()) for counts in per_group]
        rows = []
        for option in options:
            population = figures.get(option.pk)
            rows.append((group_label(question, option),
                         population / population_total if population is not None and population_total else None,
                         [counts[question.key][option.code] / total if total else None
                          for counts, total in zip(per_group, totals, strict=True)]))
        title = _("Age") if question.kind == "birth_year" else question.text
        mixes.append(GroupMix(title=title, columns=[label for label, _q in groups], rows=rows, counts=totals))
    return mixes


def _with_profile(council):
    return Member.objects.filter(council=council, confirmed_at__isnull=False).exclude(status=Member.Status.LEFT)


def campaigns_overview(*, council) -> Overview:
    rows = _campaign_rows(council)
    channels = []
    groups = []
    labels = dict(Campaign.Channel.choices)
    for channel in Campaign.Channel.values:
        in_channel = [r for r in rows if r.campaign.channel == channel]
        if not in_channel:
            continue
        channels.append((labels[channel], sum(r.signups for r in in_channel), sum(r.members for r in in_channel)))
        groups.append((str(labels[channel]), _with_profile(council).filter(campaign__channel=channel)))
    return Overview(campaigns=rows, channels=channels, mixes=_mixes(council, groups))


@dataclass
class BatchFigures:
    batch: LetterBatch
    letters: int
    used: int
    members: int
    groups: list[dict]  # per group it aimed at: label, letters, members, conversion, factor

    @property
    def conversion(self) -> float | None:
        return self.members / self.letters if self.letters else None


@dataclass
class CampaignDetail:
    row: CampaignRow
    plan: CampaignPlan
    charts: list[Chart]
    batches: list[BatchFigures]
    mix: list[GroupMix]


def batch_figures(*, council, batch: LetterBatch, labels: dict[str, str] | None = None) -> BatchFigures:
    labels = labels if labels is not None else selectors.group_labels(council=council)
    conversion = selectors.letter_conversion(council=council, batch=batch)
    counts = Letter.objects.filter(batch=batch).aggregate(
        letters=Count("id"), used=Count("id", filter=Q(used_at__isnull=False)),
        members=Count("id", filter=Q(member__confirmed_at__isnull=False)))
    groups = []
    for entry in batch.allocation:
        key = entry["key"]
        sent = conversion.letters.get(key, 0)
        joined = conversion.members.get(key, 0)
        groups.append({"key": key, "label": labels.get(key, key), "available": entry["available"], "letters": sent,
                       "members": joined, "conversion": joined / sent if sent else None,
                       "factor": entry.get("factor", 1.0)})
    return BatchFigures(batch=batch, letters=counts["letters"], used=counts["used"], members=counts["members"],
                        groups=groups)


def campaign_detail(*, council, campaign: Campaign) -> CampaignDetail:
    row = next(r for r in _campaign_rows(council) if r.campaign.pk == campaign.pk)
    mix = _mixes(council, [(campaign.name, _with_profile(council).filter(campaign=campaign))])
    charts = []
    for group in mix:
        total = group.counts[0]
        charts.append(share_comparison_chart(
            chart_id=f"campaign-{campaign.pk}-{group.title}",
            title=_("%(question)s: members from this campaign and residents") % {"question": group.title},
            description=_("Share of the members this campaign brought beside the share of residents, for each "
                          "group, among %(count)s members with an answer.") % {"count": number(total)},
            labels=[label for label, _p, _s in group.rows],
            panel_shares=[shares[0] for _l, _p, shares in group.rows],
            population_shares=[population for _l, population, _s in group.rows],
            panel_label=_("Members from this campaign"), population_label=_("Residents"),
            table=ChartTable(caption=_("%(question)s: members from this campaign and residents")
                             % {"question": group.title},
                             columns=[_("Group"), _("Members from this campaign"), _("Residents")],
                             rows=[[label, percent(shares[0]), percent(population)]
                                   for label, population, shares in group.rows])))
    labels = selectors.group_labels(council=council)
    batches = [batch_figures(council=council, batch=b, labels=labels)
               for b in LetterBatch.objects.filter(council=council, campaign=campaign).order_by("created_at", "id")]
    return CampaignDetail(row=row, plan=selectors.campaign_plan(council=council, campaign=campaign), charts=charts,
                          batches=batches, mix=mix)
