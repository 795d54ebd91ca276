"""Merging categories with too few respondents: the documented rule, checked on examples and
on random features (hypothesis)."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from civicpanel.methods.weighting import Margin, collapse_categories, rake


def test_an_age_band_without_respondents_joins_the_adjacent_band_with_the_smaller_population():
    # 15-24 (pop 6100, 0 respondents), 25-34 (12400), 35-44 (9300): 15-24 has one neighbour.
    c = collapse_categories([0, 40, 30], [6100, 12400, 9300], ordered=True)
    assert c.groups == ((0, 1), (2,))
    assert not c.dropped
    assert c.merges[0].category == (0,) and c.merges[0].into == (1,) and c.merges[0].reason == "few"
    # A middle band goes to the neighbour with the smaller population (here the older one).
    c = collapse_categories([40, 2, 30, 30], [12400, 9300, 7200, 5800], ordered=True)
    assert c.groups == ((0,), (1, 2), (3,))


def test_an_unordered_category_joins_the_one_closest_in_population_share():
    # Education: 'short_higher' (2600) has 3 respondents; closest in population is 'upper_secondary' (7900).
    c = collapse_categories([30, 20, 25, 3, 30, 40], [8600, 7900, 9400, 2600, 9300, 12200], ordered=False)
    assert c.groups == ((0,), (1, 3), (2,), (4,), (5,))
    assert c.merged_population([8600, 7900, 9400, 2600, 9300, 12200])[1] == 10500


def test_respondents_in_a_category_without_population_are_merged_and_empty_categories_stay():
    # Gender 'other': population 0 (statistics do not count it) but 6 respondents.
    c = collapse_categories([50, 45, 6], [25400, 24600, 0], ordered=False)
    assert c.merges[0].reason == "no_population"
    assert not c.dropped
    assert len(c.groups) == 2
    # Nobody in 'other' and no figure: nothing to merge.
    c = collapse_categories([50, 45, 0], [25400, 24600, 0], ordered=False)
    assert c.groups == ((0,), (1,), (2,)) and not c.merges


def test_a_feature_is_dropped_only_when_merging_cannot_save_it():
    c = collapse_categories([3, 1, 0], [100, 100, 100], ordered=True)
    assert c.dropped
    c = collapse_categories([0, 60, 0], [100, 100, 100], ordered=True)
    assert c.dropped  # everyone in one category after merging: nothing to weight on
    c = collapse_categories([5, 5], [100, 100], ordered=False)
    assert not c.dropped and not c.merges


@st.composite
def features(draw):
    k = draw(st.integers(1, 9))
    respondents = draw(st.lists(st.integers(0, 30), min_size=k, max_size=k))
    population = draw(st.lists(st.integers(0, 5000), min_size=k, max_size=k))
    return respondents, population, draw(st.booleans()), draw(st.integers(1, 8))


@settings(max_examples=400, deadline=None)
@given(features())
def test_merging_rule_properties(case):
    respondents, population, ordered, floor = case
    c = collapse_categories(respondents, population, ordered=ordered, min_respondents=floor)
    # Every category belongs to exactly one merged category; nothing is lost.
    flat = sorted(k for g in c.groups for k in g)
    assert flat == list(range(len(respondents)))
    assert [c.mapping[k] for g in c.groups for k in g] == [i for i, g in enumerate(c.groups) for _k in g]
    assert sum(c.merged_population(population)) == sum(population)
    if ordered:  # ordered categories only ever merge with adjacent ones
        assert all(list(g) == list(range(g[0], g[-1] + 1)) for g in c.groups)
    live = [g for g in c.groups if sum(respondents[k] for k in g) or sum(population[k] for k in g)]
    if not c.dropped:
        # The promise: every category left rests on enough respondents and has population.
        assert len(live) >= 2
        for g in live:
            assert sum(respondents[k] for k in g) >= floor
            assert sum(population[k] for k in g) > 0
        # ...and so the merged feature can be raked.
        merged_pop = c.merged_population(population)
        codes = c.recode(np.repeat(np.arange(len(respondents)), respondents))
        result = rake({"f": codes}, [Margin("f", tuple(str(i) for i in range(len(c.groups))),
                                            tuple(v / sum(merged_pop) for v in merged_pop))])
        achieved = np.bincount(codes, weights=result.weights, minlength=len(c.groups))
        assert np.allclose(achieved / achieved.sum(), np.array(merged_pop) / sum(merged_pop), atol=1e-9)
    else:
        # Dropped only when no two categories with enough respondents can be formed.
        assert len(live) <= 1 or sum(respondents) < 2 * floor or any(
            sum(respondents[k] for k in g) < floor or not sum(population[k] for k in g) for g in live)
    # No merge happens when none is needed.
    if all((r >= floor and p > 0) or (r == 0 and p == 0) for r, p in zip(respondents, population, strict=True)):
        assert not c.merges
    # Deterministic.
    again = collapse_categories(respondents, population, ordered=ordered, min_respondents=floor)
    assert again.groups == c.groups
