"""Bar charts of survey results, one per question at the width of the text. The numbers are
always in a table beside the chart too, so the chart is a picture of the table (role="img"
with a title and the figures as its description), never the only place a number is.

Values come formatted by the caller with civicpanel.common.formatting, in the page's language.
"""

from __future__ import annotations

from django.utils.safestring import SafeString, mark_safe

from civicpanel.common.charts import Series, bars_svg, chart_id_for, figures_text


def bar_chart(rows: list[tuple[str, float, str]], *, title: str, maximum: float | None = None) -> SafeString:
    """Horizontal bars: rows of (label, value, value as shown). `maximum` fixes the scale
    (e.g. 1.0 for shares), otherwise the largest value fills the width."""
    labels = [label for label, _value, _shown in rows]
    series = Series(name=title, values=[value for _label, value, _shown in rows],
                    shown=[shown for _label, _value, shown in rows])
    svg = bars_svg(chart_id=chart_id_for(title, *rows), title=title, description=figures_text(labels, [series]),
                   labels=labels, series=[series], maximum=maximum)
    return mark_safe(svg)  # noqa: S308 - bars_svg escapes every text
