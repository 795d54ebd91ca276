"""The "who came" chart: several series per category (population, volunteers, drawn, confirmed,
attended), drawn by common.charts so that its text keeps its size on a phone and a laptop.
Colour is never the only cue: each bar is written with its series' name and share, in the
legend's order, and the page shows the same numbers in a table beside it."""

from __future__ import annotations

from collections.abc import Sequence

from django.utils.safestring import SafeString, mark_safe

from civicpanel.common.charts import Series, bars_svg
from civicpanel.common.formatting import percent

# Light to dark, each outlined; the names beside the bars tell the series apart.
SERIES_COLOURS = ("#b9c3cf", "#6b8fb3", "#0b5394", "#2e7d32", "#7a3e9d")
# The longest bar takes 55 % of the width, leaving room after it for "Confirmed 100 %".
SPAN = 55.0


def grouped_share_chart(*, chart_id: str, title: str, description: str, labels: Sequence[str],
                        series: Sequence[tuple[str, Sequence[float | None]]]) -> SafeString:
    """Horizontal bars, one group per label and one bar per series (e.g. population, volunteers,
    drawn, confirmed, attended), each a share from 0 to 1 (None: no bar, and no text)."""
    drawn = [Series(name=name, values=list(values), colour=SERIES_COLOURS[i % len(SERIES_COLOURS)],
                    shown=["" if value is None else f"{name} {percent(value)}" for value in values])
             for i, (name, values) in enumerate(series)]
    # bars_svg escapes every text it writes.
    return mark_safe(bars_svg(chart_id=chart_id, title=title, description=description,  # noqa: S308
                              labels=list(labels), series=drawn, span=SPAN))
