"""Charts of the analysis pages (the representativeness dashboard, and any "sample vs target"
comparison on a result page), drawn on the server as SVG by civicpanel.common.charts: at the
width of the text, with labels that keep their size on a phone and wrap instead of being cut
off. Every chart carries a <title> and a <desc>, and a page always shows the numbers in a
table beside it (templates/analysis/includes/chart.html): the chart is never the only way to
read the figures. Percentages are written by common.formatting, in the page's language.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.utils.html import escape

from civicpanel.common.charts import Series, bars_svg
from civicpanel.common.formatting import percent


@dataclass
class ChartTable:
    """The numbers behind a chart, shown in a table next to it."""

    caption: str
    columns: list[str]
    rows: list[list[str]]
    row_headers: bool = True  # the first cell of each row is its header (th scope=row)


@dataclass
class Chart:
    """An SVG chart (markup safe to insert in a page) with its data table."""

    svg: str
    title: str
    description: str
    table: ChartTable | None = None
    notes: list[str] = field(default_factory=list)


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "chart"


def share_comparison_chart(
    *,
    chart_id: str,
    title: str,
    description: str,
    labels: Sequence[str],
    panel_shares: Sequence[float | None],
    population_shares: Sequence[float | None],
    panel_label: str,
    population_label: str,
    table: ChartTable | None = None,
) -> Chart:
    """A horizontal bar chart: for each group, its share of the panel (dark, solid) beside its
    share of the population (light, hatched). Shares are fractions (0.25 = 25 %); None draws
    no bar (a hidden or unknown figure). Reusable for any "sample vs target" comparison,
    e.g. respondents vs population on a result page.
    """
    panel = Series(name=panel_label, values=list(panel_shares), shown=[percent(v) for v in panel_shares])
    population = Series(name=population_label, values=list(population_shares),
                        shown=[percent(v) for v in population_shares], hatched=True)
    svg = bars_svg(chart_id=_slug(chart_id), title=title, description=description, labels=list(labels),
                   series=[panel, population], maximum=max([*(v for v in panel_shares if v is not None),
                                                            *(v for v in population_shares if v is not None), 0.01]))
    return Chart(svg=svg, title=title, description=description, table=table)


def sparkline(values: Sequence[float], *, label: str) -> str:
    """A small trend line (SVG markup) for a key-figure card. It carries `label` as its accessible
    name (the card states the trend in words too), and its colour comes from the page's stylesheet
    (the council's colour), so no inline style is needed."""
    width, height, pad = 96, 28, 3
    points = list(values) or [0]
    low, high = min(points), max(points)
    span = (high - low) or 1
    step = (width - 2 * pad) / max(1, len(points) - 1)
    coords = [(pad + i * step, height - pad - (v - low) / span * (height - 2 * pad)) for i, v in enumerate(points)]
    path = " ".join(f"{'M' if i == 0 else 'L'}{x:.1f} {y:.1f}" for i, (x, y) in enumerate(coords))
    last_x, last_y = coords[-1]
    return (f'<svg class="sparkline" viewBox="0 0 {width} {height}" role="img" aria-label="{escape(label)}" '
            f'focusable="false"><path class="trend-line" d="{path}"/>'
            f'<circle class="trend-dot" cx="{last_x:.1f}" cy="{last_y:.1f}" r="2.5"/></svg>')
