"""Horizontal bar charts drawn on the server as SVG, readable at any width.

The chart takes the width of the text column (width="100%", no viewBox): bar lengths and the
place of each value are percentages of that width, while the text keeps its size in pixels.
A chart scaled as a picture would have 7-pixel labels on a phone and 27-pixel ones on a wide
screen; this one has the same 15-pixel labels on both. Each label sits on its own line above
its bars and wraps onto more lines rather than being cut off, so a long answer option is read
in full.

Values arrive already formatted (common.formatting, in the page's language), so a chart says
"3,1" where the table beside it does. Every chart has a title and a description (the figures
as text) for screen readers, and the page always shows the numbers in a table too.
"""

from __future__ import annotations

import hashlib
import re
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.html import escape

INK = "#1b1f24"
MUTED = "#4a5360"
# The fallback colours. On a page the bars take the council's palette from its brand stylesheet
# (classes "bar" and "bar-hatch", theme.css: --chart-1 and --chart-2, tenancy.brand.palette).
SOLID = "#0b5394"  # 7.4:1 against white
LIGHT = "#b9c3cf"  # drawn with a dark outline and hatching, so it never relies on colour alone

FONT_SIZE = 15
LINE = 19          # height of one label line
BAR = 20           # height of one bar
BAR_GAP = 4        # between the bars of one row
ROW_GAP = 14       # between rows
BAR_SPAN = 80.0    # the longest bar takes this share of the width; the value is written after it
LABEL_CHARS = 40   # a label line on a 390 px phone holds about this many characters


@dataclass(frozen=True)
class Series:
    """One set of bars: a name (for the legend), the values, and each value as shown."""

    name: str
    values: Sequence[float | None]
    shown: Sequence[str]
    hatched: bool = False
    colour: str = ""  # a fixed colour (with an outline) for charts of more series than the brand's two


def chart_id_for(*parts: object) -> str:
    """A stable id for a chart's title and description (unique enough on one page)."""
    digest = hashlib.sha256("|".join(map(str, parts)).encode()).hexdigest()[:8]
    slug = re.sub(r"[^a-z0-9]+", "-", str(parts[0]).lower()).strip("-")[:24] if parts else ""
    return f"chart-{slug or 'c'}-{digest}"


def wrap_label(label: str, width: int = LABEL_CHARS) -> list[str]:
    """The label on as many lines as it needs (never cut off)."""
    return textwrap.wrap(label, width=width, break_long_words=True, break_on_hyphens=False) or [""]


def bars_svg(*, chart_id: str, title: str, description: str, labels: Sequence[str],
             series: Sequence[Series], maximum: float | None = None, span: float = BAR_SPAN) -> str:
    """The SVG markup (safe to insert in a page: every text is escaped). span: the share of the
    width the longest bar takes (smaller when the text after a bar is long)."""
    values = [v for s in series for v in s.values if v is not None]
    top = maximum if maximum else max([*values, 0.0])
    parts: list[str] = []
    y = 0
    hatch_id = f"{chart_id}-hatch"
    if len(series) > 1:
        # A legend, one entry per line so that it never runs off a narrow screen.
        for s in series:
            parts.append(_swatch(0, y + 3, 14, s, hatch_id))
            parts.append(f'<text x="22" y="{y + 15}" font-size="{FONT_SIZE - 1}" fill="{INK}">{escape(s.name)}</text>')
            y += LINE + 2
        y += 8
    for i, label in enumerate(labels):
        for line in wrap_label(label):
            y += LINE
            parts.append(f'<text x="0" y="{y - 4}" font-size="{FONT_SIZE}" fill="{INK}">{escape(line)}</text>')
        y += 2
        for s in series:
            value = s.values[i]
            share = 0.0 if not top or value is None else max(0.0, min(1.0, value / top))
            length = share * span
            if value is not None:
                parts.append(_bar(length, y, s, hatch_id))
            parts.append(f'<text x="{length:.2f}%" dx="6" y="{y + BAR - 5}" font-size="{FONT_SIZE - 1}" '
                         f'fill="{INK if not s.hatched else MUTED}">{escape(s.shown[i])}</text>')
            y += BAR + BAR_GAP
        y += ROW_GAP - BAR_GAP
    height = max(y, BAR)
    defs = ""
    if any(s.hatched for s in series):
        defs = (f'<defs><pattern id="{hatch_id}" width="6" height="6" patternUnits="userSpaceOnUse" '
                f'patternTransform="rotate(45)"><rect class="bar-hatch" width="6" height="6" fill="{LIGHT}"></rect>'
                f'<line x1="0" y1="0" x2="0" y2="6" stroke="{MUTED}" stroke-width="1.5"></line></pattern></defs>')
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="bar-chart" width="100%" height="{height}" role="img" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc" focusable="false">'
        f'<title id="{chart_id}-title">{escape(title)}</title><desc id="{chart_id}-desc">{escape(description)}</desc>'
        f"{defs}{''.join(parts)}</svg>"
    )


def _bar(length: float, y: int, s: Series, hatch_id: str) -> str:
    if s.colour:
        return (f'<rect x="0.5" y="{y + 0.5}" width="{length:.2f}%" height="{BAR - 1}" fill="{s.colour}" '
                f'stroke="{INK}" stroke-width="1"></rect>')
    if s.hatched:
        return (f'<rect x="0.5" y="{y + 0.5}" width="{length:.2f}%" height="{BAR - 1}" fill="url(#{hatch_id})" '
                f'stroke="{MUTED}" stroke-width="1"></rect>')
    return f'<rect class="bar" x="0" y="{y}" width="{length:.2f}%" height="{BAR}" fill="{SOLID}"></rect>'


def _swatch(x: int, y: int, size: int, s: Series, hatch_id: str) -> str:
    if s.colour:
        return f'<rect x="{x}" y="{y}" width="{size}" height="{size}" fill="{s.colour}" stroke="{INK}" stroke-width="1"></rect>'
    fill = f"url(#{hatch_id})" if s.hatched else SOLID
    stroke = f' stroke="{MUTED}" stroke-width="1"' if s.hatched else ' class="bar"'
    return f'<rect x="{x}" y="{y}" width="{size}" height="{size}" fill="{fill}"{stroke}></rect>'


def figures_text(labels: Sequence[str], series: Sequence[Series]) -> str:
    """The figures as one sentence-like text, for the chart's description."""
    rows = []
    for i, label in enumerate(labels):
        shown = ", ".join(s.shown[i] if len(series) == 1 else f"{s.name} {s.shown[i]}" for s in series)
        rows.append(f"{label}: {shown}")
    return "; ".join(rows) + "."
