"""Turnout by district, age band and gender beside the population figures: did the round reach
beyond the residents who usually take part?

Counted from the voter records (who voted), never from ballots. A voter who voted in both the
district and the city-wide vote counts once. The chart is the project's bar chart (common.charts:
labels at their size on a phone, voters solid and residents hatched, every share written beside its
bar), with the same numbers in a table beside it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Count
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from civicpanel.budgeting.models import Round, VoterRecord
from civicpanel.common.charts import Series, bars_svg, chart_id_for, figures_text
from civicpanel.common.formatting import percent
from civicpanel.panel.models import PopulationFigure, ProfileOption, ProfileQuestion


@dataclass
class Row:
    label: str
    voters: int
    population: int | None
    voter_share: float = 0.0
    population_share: float | None = None
    rate: float | None = None  # voters per resident


@dataclass
class Table:
    title: str
    rows: list[Row] = field(default_factory=list)
    chart: SafeString = field(default_factory=lambda: mark_safe(""))  # noqa: S308 - empty


def _voters(rnd: Round, field_name: str) -> dict:
    seen: dict[str, object] = {}
    for key, value in VoterRecord.objects.filter(round=rnd).values_list("voter_key", field_name):
        seen.setdefault(key, value)
    counts: dict = {}
    for value in seen.values():
        counts[value] = counts.get(value, 0) + 1
    return counts


def _table(title: str, options: list[tuple[object, str, int | None]], counts: dict) -> Table:
    table = Table(title=title)
    total_voters = sum(counts.values())
    known_population = sum(p for _k, _l, p in options if p)
    keys = set()
    for key, label, population in options:
        keys.add(key)
        table.rows.append(Row(label=label, voters=counts.get(key, 0), population=population))
    unknown = sum(n for key, n in counts.items() if key not in keys)
    if unknown:
        table.rows.append(Row(label=_("Not known"), voters=unknown, population=None))
    for row in table.rows:
        row.voter_share = row.voters / total_voters if total_voters else 0.0
        if row.population and known_population:
            row.population_share = row.population / known_population
            row.rate = row.voters / row.population
    labels = [row.label for row in table.rows]
    series = [Series(name=_("Share of voters"), values=[row.voter_share for row in table.rows],
                     shown=[percent(row.voter_share, 1) for row in table.rows]),
              Series(name=_("Share of residents"), values=[row.population_share for row in table.rows],
                     shown=[percent(row.population_share, 1) for row in table.rows], hatched=True)]
    # bars_svg escapes every text it writes.
    table.chart = mark_safe(bars_svg(  # noqa: S308
        chart_id=chart_id_for("turnout", title), title=_("%(title)s: voters beside residents") % {"title": title},
        description=figures_text(labels, series), labels=labels, series=series))
    return table


def turnout(rnd: Round) -> list[Table]:
    council = rnd.council
    population = dict(PopulationFigure.objects.filter(council=council).values_list("option_id", "count"))
    tables = []
    district_options = ProfileOption.objects.filter(question__council=council,
                                                    question__kind=ProfileQuestion.Kind.DISTRICT,
                                                    district__isnull=False).select_related("district")
    tables.append(_table(_("District"), [(o.district_id, o.district.name, population.get(o.pk))
                                         for o in district_options], _voters(rnd, "district")))
    band_options = ProfileOption.objects.filter(question__council=council,
                                                question__kind=ProfileQuestion.Kind.BIRTH_YEAR)
    tables.append(_table(_("Age"), [(o.code, o.text, population.get(o.pk)) for o in band_options],
                         _voters(rnd, "age_band")))
    gender_options = ProfileOption.objects.filter(question__council=council, question__key="gender")
    tables.append(_table(_("Gender"), [(o.code, o.text, population.get(o.pk)) for o in gender_options],
                         {k: v for k, v in _voters(rnd, "gender").items()}))
    return tables


def channels(rnd: Round) -> list[tuple[str, int]]:
    rows = VoterRecord.objects.filter(round=rnd).values("channel").annotate(n=Count("voter_key", distinct=True))
    labels = dict(VoterRecord.Channel.choices)
    return [(labels.get(r["channel"], r["channel"]), r["n"]) for r in rows.order_by("channel")]
