"""Charts take the council's colour, tell their series apart by pattern and labels as well as by
colour, and carry no inline style (the Content-Security-Policy allows none)."""

from __future__ import annotations

import re

from civicpanel.analysis.charts import share_comparison_chart
from civicpanel.surveys.charts import bar_chart
from civicpanel.tenancy.brand import palette


def _chart(colour: str | None):
    return share_comparison_chart(
        chart_id="gender", title="Gender", description="Panel beside residents", labels=["Women", "Men"],
        panel_shares=[0.55, 0.45], population_shares=[0.5, 0.5], panel_label="Panel", population_label="Residents",
        colours=palette(colour),
    ).svg


def test_the_comparison_chart_uses_the_councils_colour_a_pattern_and_labels():
    svg = _chart("#8a1538")
    assert "#8a1538" in svg and "#0b5394" not in svg
    assert "<pattern" in svg  # the residents' bars are hatched
    assert "55 %" in svg and "50 %" in svg  # every bar is labelled with its value
    assert ">Panel<" in svg and ">Residents<" in svg  # and the legend names both series


def test_charts_carry_no_inline_style():
    for svg in (_chart(None), str(bar_chart([("Bike", 0.4, "40 %")], title="Transport"))):
        assert not re.search(r"\sstyle=", svg) and "<style" not in svg


def test_bar_chart_bars_take_the_brand_colour_from_the_stylesheet():
    svg = str(bar_chart([("Bike", 0.4, "40 %"), ("Car", 0.6, "60 %")], title="Transport"))
    assert svg.count('class="bar"') == 2 and "40 %" in svg and "60 %" in svg
