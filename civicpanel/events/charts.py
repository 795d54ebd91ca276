"""The "who came" chart: several series per category (population, volunteers, drawn, confirmed,
attended), each in its own colour with a legend, drawn with plain SVG attributes (no style
attributes, no script). common.charts draws one or two series (solid and hatched); this needs
five told apart. The page shows the same numbers in a table beside it."""

from __future__ import annotations

from collections.abc import Sequence

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

INK = "#1b1f24"
# Dark to light, each at least 3:1 against white; the table beside the chart carries the
# exact figures, and the legend names each series in order.
SERIES_COLOURS = ("#b9c3cf", "#6b8fb3", "#0b5394", "#2e7d32", "#7a3e9d")
LABEL_WIDTH = 200
BAR_WIDTH = 320
VALUE_WIDTH = 60
BAR = 14


def _clip(text: str, limit: int = 30) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def grouped_share_chart(*, chart_id: str, title: str, description: str, labels: Sequence[str],
                        series: Sequence[tuple[str, Sequence[float | None]]]) -> SafeString:
    """Horizontal bars, one group per label and one bar per series (e.g. population, volunteers,
    drawn, confirmed, attended), each a share from 0 to 1 (None: no bar). The legend on top
    names the series in bar order."""
    groups = len(labels)
    per_group = BAR * len(series) + 12
    legend = 22 * ((len(series) + 2) // 3) + 8
    height = legend + per_group * groups + 10
    width = LABEL_WIDTH + BAR_WIDTH + VALUE_WIDTH
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" viewBox="0 0 {width} {height}" '
        f'class="bar-chart" aria-labelledby="{chart_id}-title {chart_id}-desc">'
        f'<title id="{chart_id}-title">{escape(title)}</title><desc id="{chart_id}-desc">{escape(description)}</desc>'
    ]
    for i, (name, _values) in enumerate(series):
        x, y = 10 + (i % 3) * 190, 6 + (i // 3) * 22
        colour = SERIES_COLOURS[i % len(SERIES_COLOURS)]
        parts.append(f'<rect x="{x}" y="{y}" width="14" height="14" fill="{colour}" stroke="{INK}" stroke-width="0.5">'
                     f'</rect><text x="{x + 20}" y="{y + 12}" font-size="13" fill="{INK}">{escape(_clip(name, 24))}</text>')
    for g, label in enumerate(labels):
        top = legend + g * per_group
        parts.append(f'<text x="{LABEL_WIDTH - 8}" y="{top + per_group / 2 + 3:.1f}" text-anchor="end" font-size="13" '
                     f'fill="{INK}">{escape(_clip(label))}</text>')
        for i, (_name, values) in enumerate(series):
            value = values[g]
            if value is None:
                continue
            y = top + i * BAR
            length = max(0.0, min(1.0, value)) * BAR_WIDTH
            colour = SERIES_COLOURS[i % len(SERIES_COLOURS)]
            parts.append(f'<rect x="{LABEL_WIDTH}" y="{y}" width="{length:.1f}" height="{BAR - 2}" fill="{colour}" '
                         f'stroke="{INK}" stroke-width="0.5"></rect>'
                         f'<text x="{LABEL_WIDTH + length + 4:.1f}" y="{y + 10}" font-size="10" fill="{INK}">'
                         f'{value * 100:.0f} %</text>')
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every text above is escaped
