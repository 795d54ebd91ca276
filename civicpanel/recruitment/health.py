"""Panel health: who joins and leaves, who has gone quiet, how often members are contacted,
whose term ends soon, and the panel's composition 6 and 12 months ahead if nothing is done.

Aggregates only (analysts may read the page). The forecast model (docs/recruitment.md):

- A member whose three-year term (from their last consent) ends before the horizon is counted
  as gone: the lifecycle erases them unless they renew, and "nothing is done" includes no
  renewal drive.
- Every other member stays each month with probability 1 - h(g), where h(g) is the monthly
  leaving rate of their group g over the last 12 months: members of g who left on their own
  (recruitment.Departure) over 12 x the group's active members, pulled towards the rate of the
  whole panel by PRIOR_MEMBERS members' worth of weight so a small group is not judged on luck.
- No one joins. A group's forecast share is its expected count over the expected count of all
  members placed in that question's categories.
"""

from __future__ import annotations

import datetime
from collections import Counter
from dataclasses import dataclass, field

from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from civicpanel.analysis.charts import Chart, ChartTable
from civicpanel.analysis.representativeness import group_label
from civicpanel.common.charts import Series, bars_svg, chart_id_for, figures_text
from civicpanel.common.formatting import number, percent
from civicpanel.members.categories import member_categories as categories_of
from civicpanel.members.categories import population_features
from civicpanel.members.models import Member
from civicpanel.outreach.models import Delivery
from civicpanel.recruitment.departures import term_start, years_after
from civicpanel.recruitment.models import Departure
from civicpanel.recruitment.selectors import recruitment_settings
from civicpanel.surveys.models import Invitation

MONTHS_SHOWN = 12
HORIZONS = (6, 12)
DORMANT_MIN_INVITATIONS = 3
PRIOR_MEMBERS = 20
CONTACT_BUCKETS = ((0, 0), (1, 2), (3, 5), (6, 10), (11, None))
ACTIVE = (Member.Status.ACTIVE, Member.Status.PAUSED)


def month_start(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


def add_months(day: datetime.date, months: int) -> datetime.date:
    index = day.year * 12 + day.month - 1 + months
    return datetime.date(index // 12, index % 12 + 1, 1)


def months_after(moment: datetime.datetime, months: int) -> datetime.datetime:
    first = add_months(moment.date(), months)
    day = min(moment.day, 28)
    return moment.replace(year=first.year, month=first.month, day=day)


@dataclass
class MonthFlow:
    month: datetime.date
    joined: int
    left: int


@dataclass
class GroupForecast:
    key: str
    label: str
    population_share: float | None
    counts: list[float]   # now, then at each horizon
    shares: list[float | None]
    flags: list[bool]     # under the council's threshold, now and at each horizon
    leaving_rate: float   # monthly


@dataclass
class QuestionForecast:
    title: str
    rows: list[GroupForecast]
    chart: Chart | None = None


@dataclass
class Health:
    active: int
    flows: list[MonthFlow]
    flow_chart: Chart
    invited_3: int
    dormant: int
    contact_buckets: list[tuple[str, int]]
    contacts_mean: float | None
    term_ends: list[tuple[datetime.date, int]]
    totals: list[float]   # expected active members now and at each horizon
    questions: list[QuestionForecast] = field(default_factory=list)
    warnings: list[tuple[GroupForecast, list[bool]]] = field(default_factory=list)
    warning_percent: int = 80
    monthly_leaving_rate: float = 0.0


def _flows(council, today: datetime.date) -> list[MonthFlow]:
    first = add_months(month_start(today), -(MONTHS_SHOWN - 1))
    start = timezone.make_aware(datetime.datetime.combine(first, datetime.time()))
    joined = Counter(month_start(timezone.localtime(at).date()) for at in Member.objects.filter(
        council=council, confirmed_at__gte=start).values_list("confirmed_at", flat=True))
    left = Counter(month_start(timezone.localtime(at).date()) for at in Member.objects.filter(
        council=council, left_at__gte=start, confirmed_at__isnull=False).values_list("left_at", flat=True))
    months = [add_months(first, i) for i in range(MONTHS_SHOWN)]
    return [MonthFlow(month=m, joined=joined.get(m, 0), left=left.get(m, 0)) for m in months]


def _month_label(month: datetime.date) -> str:
    from django.utils.dateformat import format as date_format

    return date_format(month, "F Y")


def _flow_chart(flows: list[MonthFlow]) -> Chart:
    labels = [_month_label(f.month) for f in flows]
    joined = Series(name=_("Joined"), values=[f.joined for f in flows], shown=[number(f.joined) for f in flows])
    left = Series(name=_("Left"), values=[f.left for f in flows], shown=[number(f.left) for f in flows], hatched=True)
    title = _("Members joining and leaving per month")
    description = figures_text(labels, [joined, left])
    svg = bars_svg(chart_id=chart_id_for("flows", *labels), title=title, description=description, labels=labels,
                   series=[joined, left])
    table = ChartTable(caption=title, columns=[_("Month"), _("Joined"), _("Left"), _("Net")],
                       rows=[[label, number(f.joined), number(f.left), number(f.joined - f.left)]
                             for label, f in zip(labels, flows, strict=True)])
    return Chart(svg=svg, title=title, description=description, table=table)


def _dormancy(council, now: datetime.datetime) -> tuple[int, int]:
    """(active members invited to at least three surveys in the last year, of whom answered none)."""
    since = now - datetime.timedelta(days=365)
    rows = (Invitation.objects.filter(member__council=council, member__status__in=ACTIVE, invited_at__gte=since)
            .values("member_id").annotate(invited=Count("id"), answered=Count("id", filter=Q(completed_at__isnull=False)))
            .filter(invited__gte=DORMANT_MIN_INVITATIONS).order_by())
    invited = dormant = 0
    for row in rows:
        invited += 1
        dormant += row["answered"] == 0
    return invited, dormant


def _contact_load(council, now: datetime.datetime, active_ids: list[int]) -> tuple[list[tuple[str, int]], float | None]:
    since = now - datetime.timedelta(days=365)
    per_member = dict(Delivery.objects.filter(member__council=council, member__status__in=ACTIVE,
                                              state=Delivery.State.SENT, sent_at__gte=since)
                      .values_list("member_id").annotate(n=Count("id")).order_by())
    counts = [per_member.get(pk, 0) for pk in active_ids]
    buckets = []
    for low, high in CONTACT_BUCKETS:
        label = (number(low) if high == low else
                 _("%(low)s or more") % {"low": number(low)} if high is None else f"{number(low)}–{number(high)}")
        buckets.append((label, sum(1 for c in counts if c >= low and (high is None or c <= high))))
    return buckets, (sum(counts) / len(counts)) if counts else None


def _term_ends(members, council, today: datetime.date) -> list[tuple[datetime.date, int]]:
    first = month_start(today)
    months = [add_months(first, i) for i in range(MONTHS_SHOWN)]
    ends = Counter(month_start(timezone.localtime(years_after(term_start(m), council.panel_term_years)).date())
                   for m in members)
    overdue = sum(n for month, n in ends.items() if month < first)
    result = [(m, ends.get(m, 0)) for m in months]
    if overdue and result:  # ended already, not yet erased (their reminder period runs): count them now
        result[0] = (result[0][0], result[0][1] + overdue)
    return result


def _leaving_rates(council, today: datetime.date, counts: dict[int, int], active: int) -> tuple[float, dict[int, float]]:
    since = add_months(month_start(today), -12)
    rows = Departure.objects.filter(council=council, month__gte=since, reason=Departure.Reason.LEFT)
    total_left = sum(r.count for r in rows if r.option_id is None)
    overall = total_left / (12 * active) if active else 0.0
    per_option: Counter[int] = Counter()
    for row in rows:
        if row.option_id is not None:
            per_option[row.option_id] += row.count
    rates = {option_id: (per_option.get(option_id, 0) + 12 * overall * PRIOR_MEMBERS) / (12 * (n + PRIOR_MEMBERS))
             for option_id, n in counts.items()}
    return overall, rates


def panel_health(*, council, now: datetime.datetime | None = None) -> Health:
    now = now or timezone.now()
    today = timezone.localtime(now).date()
    settings = recruitment_settings(council=council)
    members = list(Member.objects.filter(council=council, status__in=ACTIVE).only(
        "pk", "consent_given_at", "confirmed_at", "joined_at"))
    active_ids = [m.pk for m in members]
    flows = _flows(council, today)
    invited, dormant = _dormancy(council, now)
    buckets, mean = _contact_load(council, now, active_ids)
    health = Health(active=len(members), flows=flows, flow_chart=_flow_chart(flows), invited_3=invited,
                    dormant=dormant, contact_buckets=buckets, contacts_mean=mean,
                    term_ends=_term_ends(members, council, today), totals=[], warning_percent=settings.warning_percent)

    horizons = [now, *(months_after(now, h) for h in HORIZONS)]
    term_end = {m.pk: years_after(term_start(m), council.panel_term_years) for m in members}
    features = [f for f in population_features(council=council) if f.usable]
    categories = {f.key: categories_of(council=council, feature=f, today=today) for f in features}
    option_counts: Counter[int] = Counter()
    for feature in features:
        for pk in active_ids:
            if pk in categories[feature.key]:
                option_counts[categories[feature.key][pk]] += 1
    overall, rates = _leaving_rates(council, today, dict(option_counts), len(members))
    health.monthly_leaving_rate = overall

    def staying(pk: int, step: int, rate: float) -> float:
        if step == 0:
            return 1.0
        if term_end[pk] <= horizons[step]:
            return 0.0
        return (1 - rate) ** HORIZONS[step - 1]

    health.totals = [sum(staying(pk, step, overall) for pk in active_ids) for step in range(len(horizons))]
    for feature in features:
        in_feature = categories[feature.key]
        rows = []
        for option in feature.options:
            ids = [pk for pk in active_ids if in_feature.get(pk) == option.pk]
            rate = rates.get(option.pk, overall)
            counts = [sum(staying(pk, step, rate) for pk in ids) for step in range(len(horizons))]
            rows.append(GroupForecast(key=str(option.pk), label=group_label(feature.question, option),
                                      population_share=feature.population_share(option), counts=counts, shares=[],
                                      flags=[], leaving_rate=rate))
        for step in range(len(horizons)):
            total = sum(r.counts[step] for r in rows)
            for row in rows:
                share = row.counts[step] / total if total else None
                row.shares.append(share)
                row.flags.append(share is not None and row.population_share is not None
                                 and share < row.population_share * settings.warning_percent / 100)
        title = _("Age") if feature.question.kind == "birth_year" else feature.question.text
        forecast = QuestionForecast(title=title, rows=rows)
        forecast.chart = _forecast_chart(feature.key, title, rows)
        health.questions.append(forecast)
        health.warnings.extend((row, row.flags) for row in rows if any(row.flags))
    return health


def _forecast_chart(key: str, title: str, rows: list[GroupForecast]) -> Chart:
    labels = [row.label for row in rows]
    later = Series(name=_("Panel in 12 months"), values=[r.shares[-1] for r in rows],
                   shown=[percent(r.shares[-1]) for r in rows])
    residents = Series(name=_("Residents"), values=[r.population_share for r in rows],
                       shown=[percent(r.population_share) for r in rows], hatched=True)
    chart_title = _("%(question)s: the panel in 12 months if nothing is done, beside the residents") % {
        "question": title}
    description = figures_text(labels, [later, residents])
    svg = bars_svg(chart_id=chart_id_for("forecast", key), title=chart_title, description=description,
                   labels=labels, series=[later, residents])
    table = ChartTable(
        caption=_("%(question)s: forecast of the panel") % {"question": title},
        columns=[_("Group"), _("Residents"), _("Now"), _("In 6 months"), _("In 12 months"),
                 _("Leaving per month")],
        rows=[[row.label, percent(row.population_share),
               *(_("%(share)s (%(count)s)") % {"share": percent(s), "count": number(round(c))}
                 for s, c in zip(row.shares, row.counts, strict=True)),
               percent(row.leaving_rate, 1)] for row in rows])
    return Chart(svg=svg, title=chart_title, description=description, table=table)
