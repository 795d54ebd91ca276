"""Charts take the council's colours from its brand stylesheet (classes, not inline styles: the
Content-Security-Policy allows none), and tell their series apart by pattern, legend and labels
as well as by colour."""

from __future__ import annotations

import re

from django.test import Client
from django.urls import reverse

from civicpanel.analysis.charts import share_comparison_chart
from civicpanel.surveys.charts import bar_chart


def _chart() -> str:
    return share_comparison_chart(
        chart_id="gender", title="Gender", description="Panel beside residents", labels=["Women", "Men"],
        panel_shares=[0.55, 0.45], population_shares=[0.5, 0.5], panel_label="Panel", population_label="Residents",
    ).svg


def test_the_comparison_chart_marks_its_series_for_the_palette_and_by_pattern_and_labels():
    svg = _chart()
    assert 'class="bar"' in svg and 'class="bar-hatch"' in svg  # coloured by --chart-1 and --chart-2
    assert "<pattern" in svg  # the residents' bars are hatched
    assert ">Panel<" in svg and ">Residents<" in svg  # the legend names both series
    assert len(re.findall(r">\d+(?:[.,]\d+)?\s?%<", svg)) >= 4  # and every bar is labelled with its value


def test_charts_carry_no_inline_style():
    for svg in (_chart(), str(bar_chart([("Bike", 0.4, "40 %")], title="Transport"))):
        assert not re.search(r"\sstyle=", svg) and "<style" not in svg


def test_the_brand_stylesheet_gives_the_chart_colours(db, council):
    council.brand_colour = "#8a1538"
    council.save()
    css = Client(HTTP_HOST=f"{council.slug}.localhost").get(reverse("council_brand_css", args=[council.brand_version]))
    text = css.content.decode()
    assert "--chart-1:#8a1538" in text and "--chart-2:" in text
