"""Server-side SVG charts: inline-ready, with an accessible name and description."""

from __future__ import annotations

from civicpanel.analysis.charts import ChartTable, share_comparison_chart


def chart(chart_id="c1", title="Gender & age", description="Panel <vs> residents"):
    return share_comparison_chart(
        chart_id=chart_id, title=title, description=description,
        labels=["Woman", "Man", "Other"], panel_shares=[0.6, 0.35, None], population_shares=[0.5, 0.48, 0.02],
        panel_label="Panel", population_label="Residents",
        table=ChartTable(caption="t", columns=["Group", "Panel"], rows=[["Woman", "60 %"]]),
    )


def test_svg_is_inline_markup_with_escaped_title_and_description():
    svg = chart().svg
    assert svg.startswith("<svg") and "<?xml" not in svg and "<!DOCTYPE" not in svg
    assert 'role="img" aria-labelledby="c1-title c1-desc"' in svg
    assert '<title id="c1-title">Gender &amp; age</title>' in svg
    assert '<desc id="c1-desc">Panel &lt;vs&gt; residents</desc>' in svg
    # At the width of the text: no fixed pixel width (the labels keep their size, the bars scale).
    assert ' width="100%"' in svg.split(">", 1)[0] and "viewBox" not in svg
    # Text stays text (readable, searchable), and the labels are in it.
    assert "Woman" in svg and "60\xa0%" in svg


def test_same_input_gives_the_same_svg_and_ids_differ_between_charts():
    assert chart().svg == chart().svg
    first, second = chart("a").svg, chart("b").svg
    assert 'id="a-title"' in first and 'id="b-title"' in second


def test_long_labels_wrap_instead_of_being_cut_off():
    label = "Lang videregående uddannelse / kandidat eller ph.d. fra et universitet"
    svg = share_comparison_chart(chart_id="c", title="t", description="d", labels=[label], panel_shares=[0.1],
                                 population_shares=[0.2], panel_label="Panel", population_label="Residents").svg
    assert "…" not in svg
    assert "Lang videregående uddannelse / kandidat" in svg and "eller ph.d. fra et universitet" in svg


def test_chart_percentages_follow_the_page_language():
    from django.utils import translation

    with translation.override("da"):
        svg = share_comparison_chart(chart_id="c", title="t", description="d", labels=["Kvinde"],
                                     panel_shares=[0.58], population_shares=[0.51],
                                     panel_label="Panel", population_label="Borgere").svg
    assert ">58\xa0%<" in svg and ">51\xa0%<" in svg
