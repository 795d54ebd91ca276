"""Small server-side SVG bar charts. The numbers are always in a table beside the chart, so the
chart is a picture of the table (role="img" with a title), never the only place a number is.
Each bar carries its value as a label, so colour is never the only cue; the bars take the
council's colour from the page's brand stylesheet (class "bar", see theme.css), with the
default colour as the fallback attribute."""

from __future__ import annotations

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

ROW = 30
LABEL_WIDTH = 220
BAR_WIDTH = 300
VALUE_WIDTH = 80


def _clip(text: str, limit: int = 34) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def bar_chart(rows: list[tuple[str, float, str]], *, title: str, maximum: float | None = None) -> SafeString:
    """Horizontal bars: rows of (label, value, value as shown). `maximum` fixes the scale
    (e.g. 1.0 for shares), otherwise the largest value fills the width."""
    top = maximum if maximum else max([value for _label, value, _shown in rows] + [0])
    height = ROW * len(rows) + 10
    width = LABEL_WIDTH + BAR_WIDTH + VALUE_WIDTH
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" class="bar-chart"><title>{escape(title)}</title>'
    ]
    for i, (label, value, shown) in enumerate(rows):
        y = 5 + i * ROW
        length = 0 if not top else max(0.0, min(1.0, value / top)) * BAR_WIDTH
        parts.append(
            f'<text x="{LABEL_WIDTH - 8}" y="{y + 19}" text-anchor="end" font-size="14" fill="#1b1f24">{escape(_clip(label))}</text>'
            f'<rect x="{LABEL_WIDTH}" y="{y + 4}" width="{length:.1f}" height="{ROW - 10}" fill="#0b5394" class="bar"></rect>'
            f'<text x="{LABEL_WIDTH + length + 6:.1f}" y="{y + 19}" font-size="14" fill="#1b1f24">{escape(shown)}</text>'
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every text above is escaped
