"""Quota selection: quotas, exact and fair probabilities, reproducibility, reserves,
infeasibility explanations. Small pools are checked against brute force over every
possible panel."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from scipy.optimize import linprog

from civicpanel.methods.selection import (
    Features,
    InfeasibleQuotasError,
    Pool,
    Quota,
    replacement_for,
    select_panel,
)
from civicpanel.methods.selection.leximin import _column_generation, solve
from civicpanel.methods.selection.panel import draw_panel
from civicpanel.methods.selection.quota import build_types, check_feasible
from civicpanel.methods.selection.solver import Pricer

FEATURE_VALUES = {"gender": ["f", "m"], "age": ["young", "mid", "old"], "district": ["north", "south"]}


def make(people: list[tuple[str, str, str]], quotas: dict[tuple[str, str], tuple[int, int]]):
    features = Features(tuple(
        Quota(f, v, *quotas.get((f, v), (0, 99))) for f, vals in FEATURE_VALUES.items() for v in vals
    ))
    ids = [f"v{i:03d}" for i in range(len(people))]
    columns = {f: [p[j] for p in people] for j, f in enumerate(FEATURE_VALUES)}
    return Pool.build(ids, columns, features), features


def counts(pool: Pool, features: Features, panel) -> dict[tuple[str, str], int]:
    index = {pid: i for i, pid in enumerate(pool.ids)}
    return {(q.feature, q.value): sum(pool.values[q.feature][index[p]] == q.value for p in panel)
            for q in features.quotas}


def meets(pool, features, panel) -> bool:
    c = counts(pool, features, panel)
    return all(q.min <= c[(q.feature, q.value)] <= q.max for q in features.quotas)


def brute_force_leximin(pool: Pool, features: Features, size: int) -> np.ndarray:
    """Sorted leximin probabilities over every feasible panel (people, not types)."""
    panels = [set(c) for c in itertools.combinations(range(len(pool)), size)
              if meets(pool, features, [pool.ids[i] for i in c])]
    n, k = len(pool), len(panels)
    M = np.zeros((n, k))
    for j, panel in enumerate(panels):
        M[list(panel), j] = 1
    fixed: dict[int, float] = {}
    while len(fixed) < n:
        free = [i for i in range(n) if i not in fixed]
        # max z: M l >= z (free), M l >= fixed (fixed), sum l = 1
        c = np.zeros(k + 1)
        c[-1] = -1
        A = np.hstack([-M, np.array([[1.0 if i in free else 0.0] for i in range(n)])])
        b = np.array([0.0 if i in free else -fixed[i] + 1e-9 for i in range(n)])
        res = linprog(c, A_ub=A, b_ub=b, A_eq=[[1.0] * k + [0.0]], b_eq=[1], bounds=[(0, None)] * k + [(None, None)])
        z = -res.fun
        # a free person is stuck at z if they cannot get more while the others keep z
        for i in free:
            c2 = np.zeros(k)
            c2 -= M[i]
            A2 = -M
            b2 = np.array([-(z - 1e-9) if j in free else -fixed[j] + 1e-9 for j in range(n)])
            r2 = linprog(c2, A_ub=A2, b_ub=b2, A_eq=[[1.0] * k], b_eq=[1], bounds=[(0, None)] * k)
            if -r2.fun <= z + 1e-7:
                fixed[i] = z
    return np.sort(np.array([fixed[i] for i in range(n)]))


people_strategy = st.lists(
    st.tuples(st.sampled_from(["f", "m"]), st.sampled_from(["young", "mid", "old"]), st.sampled_from(["north", "south"])),
    min_size=5, max_size=11,
)


@st.composite
def instances(draw, max_people=11):
    people = draw(people_strategy.filter(lambda p: len(p) <= max_people))
    size = draw(st.integers(1, len(people) - 1))
    quotas = {}
    for f, vals in FEATURE_VALUES.items():
        for v in vals:
            if draw(st.booleans()):
                lo = draw(st.integers(0, size))
                hi = draw(st.integers(lo, size))
                quotas[(f, v)] = (lo, hi)
    return people, size, quotas


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.filter_too_much])
@given(instances())
def test_leximin_matches_brute_force_and_meets_quotas(instance):
    people, size, quotas = instance
    pool, features = make(people, quotas)
    try:
        result = select_panel(pool, features, size, seed=1, method="leximin", reserve=2)
    except InfeasibleQuotasError:
        assert not any(meets(pool, features, [pool.ids[i] for i in c])
                       for c in itertools.combinations(range(len(pool)), size))
        return
    assert len(result.selected) == size == len(set(result.selected))
    assert result.quotas_met and meets(pool, features, result.selected)
    assert result.probabilities.sum() == pytest.approx(size, abs=1e-6)
    assert np.all(result.probabilities >= -1e-9) and np.all(result.probabilities <= 1 + 1e-9)
    assert result.min_probability <= result.lp_bound + 1e-7
    expected = brute_force_leximin(pool, features, size)
    np.testing.assert_allclose(np.sort(result.probabilities), expected, atol=1e-6)


@settings(max_examples=30, deadline=None)
@given(instances(max_people=30), st.integers(0, 2**32 - 1))
def test_every_composition_meets_quotas_and_explains_the_probabilities(instance, seed):
    people, size, quotas = instance
    pool, features = make(people, quotas)
    try:
        result = select_panel(pool, features, size, seed=seed, method="maximin")
    except InfeasibleQuotasError:
        return
    types = build_types(pool, features)
    assert result.composition_weights.sum() == pytest.approx(1.0)
    for composition in result.compositions:
        assert composition.sum() == size
        assert np.all(composition <= types.counts)
        assert np.all(types.incidence @ composition >= types.lo) and np.all(types.incidence @ composition <= types.hi)
    per_type = (result.compositions / types.counts).T @ result.composition_weights
    np.testing.assert_allclose(result.probabilities, per_type[types.person_type], atol=1e-12)
    assert result.panels_mixed == len(result.compositions)


def test_same_seed_same_panel_whatever_the_file_order():
    rng = np.random.default_rng(5)
    people = [(rng.choice(["f", "m"]), rng.choice(["young", "mid", "old"]), rng.choice(["north", "south"]))
              for _ in range(60)]
    quotas = {("gender", "f"): (5, 7), ("age", "young"): (3, 5), ("district", "north"): (4, 8)}
    pool, features = make(people, quotas)
    a = select_panel(pool, features, 12, seed=99, reserve=4)
    b = select_panel(pool, features, 12, seed=99, reserve=4)
    assert a.selected == b.selected and a.reserve == b.reserve
    order = rng.permutation(len(pool))
    shuffled = Pool.build([pool.ids[i] for i in order],
                          {f: [pool.values[f][i] for i in order] for f in features.names}, features)
    c = select_panel(shuffled, features, 12, seed=99, reserve=4)
    assert c.selected == a.selected and c.reserve == a.reserve
    draws = {select_panel(pool, features, 12, seed=s).selected for s in range(5)}
    assert len(draws) > 1


def test_leximin_gives_the_exact_fair_probabilities():
    # Ten young volunteers, two old; the panel of 4 needs at least one old person.
    # Fairest: exactly one old person always (p = 1/2 each), three of ten young (p = 0.3).
    people = [("f", "young", "north")] * 10 + [("m", "old", "south")] * 2
    pool, features = make(people, {("age", "old"): (1, 4)})
    for method in ("maximin", "leximin"):
        result = select_panel(pool, features, 4, seed=1, method=method)
        assert result.min_probability == pytest.approx(0.3, abs=1e-9)
        assert result.lp_bound == pytest.approx(0.3, abs=1e-9)
    lex = select_panel(pool, features, 4, seed=1, method="leximin")
    by_age = {a: lex.probabilities[[i for i, v in enumerate(pool.values["age"]) if v == a]] for a in ("young", "old")}
    np.testing.assert_allclose(by_age["young"], 0.3, atol=1e-9)
    np.testing.assert_allclose(by_age["old"], 0.5, atol=1e-9)


def test_column_generation_fallback_finds_the_same_leximin():
    rng = np.random.default_rng(11)
    people = [(rng.choice(["f", "m"]), rng.choice(["young", "mid", "old"], p=[0.2, 0.3, 0.5]),
               rng.choice(["north", "south"], p=[0.3, 0.7])) for _ in range(80)]
    quotas = {("gender", "f"): (8, 10), ("age", "young"): (4, 6), ("age", "old"): (5, 8),
              ("district", "north"): (7, 10)}
    pool, features = make(people, quotas)
    types = build_types(pool, features)
    first = check_feasible(pool, features, types, 18)
    fast = solve(types, 18, first)
    exact = _column_generation(types, 18, [first], "leximin", Pricer(types, 18))
    np.testing.assert_allclose(np.sort(fast.type_probability), np.sort(exact.type_probability), atol=1e-6)


def test_explains_a_value_with_too_few_volunteers():
    people = [("f", "young", "north")] * 5 + [("m", "old", "south")] * 30
    pool, features = make(people, {("district", "north"): (8, 12)})
    with pytest.raises(InfeasibleQuotasError) as err:
        select_panel(pool, features, 20, seed=1)
    assert "district north: min 8, but only 5 such volunteers" in err.value.problems
    assert [str(r) for r in err.value.relaxation] == ["district north: min 8 -> 5"]


def test_explains_mins_adding_up_to_more_than_the_panel():
    people = [(g, a, d) for g in ["f", "m"] for a in ["young", "mid", "old"] for d in ["north", "south"]] * 10
    pool, features = make(people, {("age", "young"): (20, 30), ("age", "mid"): (20, 30), ("age", "old"): (14, 30)})
    with pytest.raises(InfeasibleQuotasError) as err:
        select_panel(pool, features, 50, seed=1)
    assert "age mins add up to 54 > panel size 50" in err.value.problems
    relaxed_total = sum(r.old - r.new for r in err.value.relaxation if r.bound == "min")
    assert relaxed_total == 4


def test_relaxation_respects_min_flex():
    people = [("f", "young", "north")] * 5 + [("m", "old", "south")] * 30
    features = Features(tuple(
        Quota(f, v, 8, 12, min_flex=7) if (f, v) == ("district", "north") else Quota(f, v, 0, 99)
        for f, vals in FEATURE_VALUES.items() for v in vals))
    ids = [f"v{i}" for i in range(len(people))]
    pool = Pool.build(ids, {f: [p[j] for p in people] for j, f in enumerate(FEATURE_VALUES)}, features)
    with pytest.raises(InfeasibleQuotasError) as err:
        select_panel(pool, features, 20, seed=1)
    assert err.value.relaxation is None
    assert "No relaxation within the min_flex/max_flex columns" in str(err.value)


@settings(max_examples=30, deadline=None)
@given(instances(max_people=30))
def test_the_suggested_relaxation_makes_the_quotas_feasible(instance):
    people, size, quotas = instance
    pool, features = make(people, quotas)
    try:
        select_panel(pool, features, size, seed=3, method="maximin")
        return
    except InfeasibleQuotasError as err:
        assert err.problems
        relaxation = err.relaxation
    assume(relaxation is not None)
    changed = {(r.feature, r.value, r.bound): r.new for r in relaxation}
    relaxed = Features(tuple(
        Quota(q.feature, q.value, changed.get((q.feature, q.value, "min"), q.min),
              changed.get((q.feature, q.value, "max"), q.max)) for q in features.quotas))
    result = select_panel(Pool.build(pool.ids, pool.values, relaxed), relaxed, size, seed=3, method="maximin")
    assert result.quotas_met


def test_cross_feature_collision_is_explained_and_relaxed():
    # Every woman is young: min 3 women and max 1 young cannot both hold.
    people = [("f", "young", "north")] * 4 + [("m", "old", "south")] * 6
    pool, features = make(people, {("gender", "f"): (3, 5), ("age", "young"): (0, 1)})
    with pytest.raises(InfeasibleQuotasError) as err:
        select_panel(pool, features, 5, seed=1)
    assert any("gender f" in p and "age young" in p for p in err.value.problems)
    assert len(err.value.relaxation) == 1


def test_reserve_replaces_any_dropout_and_keeps_the_quotas():
    rng = np.random.default_rng(8)
    people = [(rng.choice(["f", "m"]), rng.choice(["young", "mid", "old"]), rng.choice(["north", "south"]))
              for _ in range(120)]
    quotas = {("gender", "f"): (9, 11), ("age", "young"): (5, 7), ("age", "old"): (5, 8),
              ("district", "north"): (9, 11)}
    pool, features = make(people, quotas)
    result = select_panel(pool, features, 20, seed=4, reserve=15)
    assert len(result.reserve) == 15 and not set(result.reserve) & set(result.selected)
    for dropped in result.selected:
        substitute = replacement_for(pool, features, result.selected, result.reserve, dropped)
        assert substitute is not None
        new_panel = [p for p in result.selected if p != dropped] + [substitute]
        assert meets(pool, features, new_panel)


def test_nothing_is_drawn_for_a_panel_bigger_than_the_pool():
    pool, features = make([("f", "young", "north")] * 3, {})
    with pytest.raises(InfeasibleQuotasError) as err:
        select_panel(pool, features, 5, seed=1)
    assert "panel size 5 but only 3 volunteers in the pool" in err.value.problems


@settings(max_examples=20, deadline=None)
@given(instances(max_people=40), st.integers(0, 2**63 - 1), st.randoms(use_true_random=False))
def test_reproducible_for_any_seed_and_file_order(instance, seed, random):
    people, size, quotas = instance
    pool, features = make(people, quotas)
    try:
        a = select_panel(pool, features, size, seed=seed, reserve=3)
    except InfeasibleQuotasError:
        return
    order = list(range(len(pool)))
    random.shuffle(order)
    shuffled = Pool.build([pool.ids[i] for i in order],
                          {f: [pool.values[f][i] for i in order] for f in features.names}, features)
    b = select_panel(shuffled, features, size, seed=seed, reserve=3)
    assert (a.selected, a.reserve) == (b.selected, b.reserve)
    assert a.probability_of(a.selected[0]) == pytest.approx(b.probability_of(a.selected[0]), abs=1e-9)


@settings(max_examples=30, deadline=None)
@given(people_strategy, st.sampled_from([(f, v) for f, vals in FEATURE_VALUES.items() for v in vals]),
       st.integers(1, 5))
def test_a_min_above_the_volunteers_available_is_named(people, fv, excess):
    available = sum(p[list(FEATURE_VALUES).index(fv[0])] == fv[1] for p in people)
    size = len(people)
    pool, features = make(people, {fv: (available + excess, available + excess)})
    with pytest.raises(InfeasibleQuotasError) as err:
        select_panel(pool, features, min(size, available + excess), seed=1)
    assert f"{fv[0]} {fv[1]}: min {available + excess}, but only {available} such volunteers" in err.value.problems


def test_the_reported_probabilities_are_the_drawing_frequencies():
    rng = np.random.default_rng(21)
    people = [(rng.choice(["f", "m"]), rng.choice(["young", "mid", "old"], p=[0.2, 0.3, 0.5]),
               rng.choice(["north", "south"])) for _ in range(40)]
    quotas = {("gender", "f"): (4, 5), ("age", "young"): (2, 3), ("district", "north"): (3, 6)}
    pool, features = make(people, quotas)
    types = build_types(pool, features)
    lottery = solve(types, 9, check_feasible(pool, features, types, 9))
    draws = 4000
    hits = np.zeros(len(pool))
    for seed in range(draws):
        _, rows, _ = draw_panel(types, lottery, seed)
        hits[rows] += 1
    p = lottery.type_probability[types.person_type]
    se = np.sqrt(p * (1 - p) / draws) + 1e-9
    assert np.all(np.abs(hits / draws - p) <= 4.5 * se + 1e-9)
