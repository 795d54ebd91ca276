"""Charts drawn on the server as SVG, so the same chart serves the page, a PDF and a screen
reader. Every chart carries a <title> and a <desc>, and a page always shows the numbers in a
table beside it (templates/analysis/includes/chart.html): the chart is never the only way
to read the figures.

matplotlib is used through its object API (Figure, not pyplot), which keeps no global
state and is safe in a multi-threaded web process; the SVG backend needs no display.
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from html import escape

import matplotlib
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from civicpanel.tenancy.brand import Palette, palette

# The council's palette (tenancy.brand.palette): the panel in its colour, solid; the population in a
# light tint of it, hatched and outlined; each bar labelled with its value. Colour is never the
# only cue: the pattern, the legend and the labels tell the series apart in greyscale too.
DEFAULT_PALETTE = palette(None)
INK = "#1a1a1a"
MUTED = "#454545"
# matplotlib writes style="..." attributes and a <style> element; a Content-Security-Policy without
# 'unsafe-inline' for styles blocks both, so they become presentation attributes.
STYLE_ATTRIBUTE = re.compile(r'\sstyle="([^"]*)"')
PRESENTATION = {"fill", "fill-opacity", "stroke", "stroke-width", "stroke-linejoin", "stroke-linecap",
                "stroke-opacity", "stroke-dasharray", "stroke-dashoffset", "opacity", "font-size", "font-weight",
                "font-style", "text-anchor", "clip-path"}


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


def _accessible_svg(figure: Figure, *, chart_id: str, title: str, description: str) -> str:
    """Render the figure to SVG markup for inline use: no XML prolog, role="img", and the
    title and description as the first children, referenced by aria-labelledby."""
    buffer = io.StringIO()
    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": chart_id}):
        figure.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None})
    svg = buffer.getvalue()
    svg = svg[svg.index("<svg"):]
    title_id, desc_id = f"{chart_id}-title", f"{chart_id}-desc"
    opening_end = svg.index(">") + 1
    opening = svg[:opening_end]
    # Fixed pixel sizes would stop the chart from shrinking on a phone; viewBox keeps the shape.
    opening = re.sub(r'\s(width|height)="[^"]*"', "", opening)
    opening = opening[:-1] + f' role="img" aria-labelledby="{title_id} {desc_id}" focusable="false">'
    svg = _without_inline_styles(svg)
    opening = _without_inline_styles(opening)
    return (
        opening
        + f'<title id="{title_id}">{escape(title)}</title><desc id="{desc_id}">{escape(description)}</desc>'
        + svg[opening_end:]
    )


def _presentation(match: re.Match) -> str:
    attributes = []
    for declaration in match.group(1).split(";"):
        name, _sep, value = declaration.partition(":")
        name, value = name.strip(), value.strip()
        if name in PRESENTATION and value and '"' not in value:
            attributes.append(f' {name}="{value}"')
    return "".join(attributes)


def _without_inline_styles(svg: str) -> str:
    """The SVG with its style attributes as presentation attributes and without <style> elements
    (the page's stylesheet sets the font)."""
    svg = re.sub(r"<style[^>]*>.*?</style>", "", svg, flags=re.DOTALL)
    return STYLE_ATTRIBUTE.sub(_presentation, svg)


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
    colours: Palette | None = None,
) -> Chart:
    """A horizontal bar chart: for each group, its share of the panel (dark, solid) beside its
    share of the population (light, hatched). Shares are fractions (0.25 = 25 %); None draws
    no bar (a hidden or unknown figure). Reusable for any "sample vs target" comparison,
    e.g. respondents vs population on a result page. `colours`: the council's palette.
    """
    colours = colours or DEFAULT_PALETTE
    count = len(labels)
    height = max(1.8, 0.6 * count + 1.0)
    figure = Figure(figsize=(6.0, height), dpi=100)
    axes = figure.add_subplot()
    positions = list(range(count))
    bar = 0.38
    panel_values = [v if v is not None else 0.0 for v in panel_shares]
    population_values = [v if v is not None else 0.0 for v in population_shares]
    axes.barh([p - bar / 2 for p in positions], [v * 100 for v in panel_values], height=bar,
              color=colours.primary, label=panel_label)
    axes.barh([p + bar / 2 for p in positions], [v * 100 for v in population_values], height=bar,
              color=colours.series[1], edgecolor=INK, hatch="//", linewidth=0.6, label=population_label)
    top = max([*panel_values, *population_values, 0.01]) * 100
    for position, value in zip(positions, panel_shares, strict=True):
        if value is not None:
            axes.text(value * 100 + top * 0.01, position - bar / 2, f"{value * 100:.0f} %", va="center",
                      fontsize=9, color=INK)
    for position, value in zip(positions, population_shares, strict=True):
        if value is not None:
            axes.text(value * 100 + top * 0.01, position + bar / 2, f"{value * 100:.0f} %", va="center",
                      fontsize=9, color=MUTED)
    axes.set_yticks(positions, labels=list(labels), fontsize=10, color=INK)
    axes.invert_yaxis()
    axes.set_xlim(0, top * 1.15)
    axes.xaxis.set_major_formatter(FuncFormatter(lambda x, _pos: f"{x:.0f} %"))
    axes.tick_params(axis="x", labelsize=9, colors=MUTED)
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)
    axes.legend(loc="lower left", bbox_to_anchor=(0, 1.0), ncol=2, fontsize=9, frameon=False)
    figure.tight_layout()
    svg = _accessible_svg(figure, chart_id=_slug(chart_id), title=title, description=description)
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
