"""The cube method for samples stratified on many profile questions: exact inclusion
probabilities, the sample size and every category kept close to their expectations, within one
wherever the landing can keep them there."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from civicpanel.methods.selection import Features, Pool, Quota, cube, landing, stratified_sample
from civicpanel.methods.selection.cube import _land, cube_sample, pivot_within_types, type_keys
from civicpanel.methods.selection.draw import rng_for

cube_finish = cube._finish


def skewed_codes(n: int, categories: tuple[int, ...], seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return np.stack([np.minimum(rng.geometric(0.45, n) - 1, c - 1) for c in categories], axis=1)


def category_counts(codes, categories, weights):
    return [
        np.bincount(codes[:, q], weights=weights, minlength=c) for q, c in enumerate(categories)
    ]


def test_inclusion_probabilities_hold_over_10000_draws():
    categories = (2, 3)
    codes = skewed_codes(14, categories, seed=3)
    pi = np.random.default_rng(4).uniform(0.05, 0.7, 14)
    rng = rng_for(2026)
    hits = np.zeros(14)
    draws = 10_000
    for _ in range(draws):
        hits += cube_sample(codes, categories, pi, rng)
    # Each frequency is within 4.5 standard errors of its probability (all 14 at once would
    # fail by chance about once in 10,000 runs).
    se = np.sqrt(pi * (1 - pi) / draws)
    assert np.all(np.abs(hits / draws - pi) <= 4.5 * se)


@settings(max_examples=40, deadline=None)
@given(n=st.integers(2, 300), q=st.integers(1, 8), seed=st.integers(0, 2**31 - 1))
def test_sample_size_is_its_expectation_rounded_and_categories_stay_close(n, q, seed):
    rng = np.random.default_rng(seed)
    categories = tuple(int(c) for c in rng.integers(2, 6, q))
    codes = skewed_codes(n, categories, seed)
    pi = rng.uniform(0, 1, n) * rng.uniform(0, 1)
    pi[rng.random(n) < 0.1] = 1.0
    selected = cube_sample(codes, categories, pi, rng_for(seed))
    assert selected.sum() in (np.floor(pi.sum() + 1e-9), np.ceil(pi.sum() - 1e-9))
    assert selected[pi == 1.0].all()
    for got, want in zip(
        category_counts(codes, categories, selected.astype(float)),
        category_counts(codes, categories, pi),
        strict=True,
    ):
        # Never more off than the members the landing phase could not balance (at most p).
        assert np.abs(got - want).max() < 1 + sum(c - 1 for c in categories)


@settings(max_examples=60, deadline=None)
@given(
    n=st.integers(2, 400),
    first=st.integers(2, 6),
    second=st.integers(1, 6),
    skew=st.floats(0.2, 0.9),
    seed=st.integers(0, 2**31 - 1),
)
def test_with_one_or_two_questions_every_category_lands_within_one(n, first, second, skew, seed):
    # Skewed categories (geometric shares, the last ones small or empty), probabilities from
    # tiny to certain: the landing still brings every category within one of its expectation.
    rng = np.random.default_rng(seed)
    categories = (first,) if second == 1 else (first, second)
    codes = np.stack(
        [np.minimum(rng.geometric(skew, n) - 1, c - 1) for c in categories], axis=1
    )
    pi = rng.uniform(0, 1, n) ** rng.uniform(0.3, 3)
    pi[rng.random(n) < 0.05] = 1.0
    for draw in range(5):
        selected = cube_sample(codes, categories, pi, rng_for(seed + draw)).astype(float)
        for got, want in zip(
            category_counts(codes, categories, selected),
            category_counts(codes, categories, pi),
            strict=True,
        ):
            assert np.abs(got - want).max() <= 1 + 1e-9


def test_landing_is_within_one_whenever_a_lottery_of_such_samples_has_the_probabilities():
    # Six questions on 12 open members: the probabilities are made a mixture of samples that
    # keep every category within one, so the landing must find such a lottery; its draws
    # must then be within one every time and follow the probabilities exactly.
    rng = np.random.default_rng(12)
    categories = (2, 3, 2, 4, 3, 2)
    k = 12
    codes = np.stack([rng.integers(0, c, k) for c in categories], axis=1)
    members = np.vstack(
        [*(codes[:, q] == c for q, n in enumerate(categories) for c in range(n)), np.ones(k, dtype=bool)]
    ).astype(float)
    # Samples of 6 with every category within one of half its members.
    every = ((np.arange(2**k)[:, None] >> np.arange(k)) & 1).astype(float)
    good = every[np.all(np.abs(every @ members.T - members.sum(axis=1) / 2) <= 1, axis=1)]
    good = good[good.sum(axis=1) == k // 2]
    assert len(good) > k
    p = rng.dirichlet(np.ones(len(good))) @ good
    target = members @ p
    draws = 600
    hits = np.zeros(k)
    gen = rng_for(4)
    for _ in range(draws):
        landed = _land(p, members, target, gen)
        assert landed is not None
        assert np.abs(members @ landed - target).max() <= 1 + 1e-9
        hits += landed
    se = np.sqrt(p * (1 - p) / draws)
    assert np.all(np.abs(hits / draws - p) <= 4.5 * se + 1e-9)


def test_cube_keeps_the_response_rate_adjustment_and_lands_each_category_within_one():
    # Two questions with small categories, response rates 15-70 %: more are invited where
    # fewer answer, expected completes meet every target, and each draw's invitations per
    # category are within one of their expectation.
    rng = np.random.default_rng(8)
    n = 1500
    age = np.minimum(rng.geometric(0.5, n) - 1, 4)
    area = rng.choice(3, size=n, p=[0.7, 0.25, 0.05])
    rates = np.where(age == 0, 0.15, 0.7) * rng.uniform(0.8, 1.0, n)
    quotas = (
        *(Quota("age", f"a{k}", population=float(s)) for k, s in enumerate((3, 3, 2, 1, 1))),
        *(Quota("area", f"r{k}", population=float(s)) for k, s in enumerate((5, 3, 2))),
    )
    features = Features(quotas)
    pool = Pool.build(
        [f"m{i:05d}" for i in range(n)],
        {"age": [f"a{k}" for k in age], "area": [f"r{k}" for k in area]},
        features,
        response_rates=rates,
    )
    codes = np.stack([age, area], axis=1)
    for seed in range(25):
        result = stratified_sample(pool, features, 120, seed=seed, design="cube")
        assert result.design == "cube"
        assert float(result.inclusion @ rates) == pytest.approx(120, abs=1e-6)
        for (_, _, target), (_, _, expected) in zip(result.target, result.expected, strict=True):
            assert expected == pytest.approx(target, abs=1e-6)
        picked = np.isin(np.asarray(pool.ids), np.asarray(result.selected)).astype(float)
        for got, want in zip(
            category_counts(codes, (5, 3), picked),
            category_counts(codes, (5, 3), result.inclusion),
            strict=True,
        ):
            assert np.abs(got - want).max() <= 1 + 1e-9
    # Those least likely to answer are the most likely to be invited.
    assert result.inclusion[age == 0].mean() > 2 * result.inclusion[age == 1].mean()


def test_pivot_within_types_keeps_each_types_total_and_leaves_one_fractional_member():
    categories = (2, 2)
    codes = skewed_codes(500, categories, seed=1)
    pi = np.random.default_rng(2).uniform(0, 1, 500)
    types = type_keys(codes, categories)
    out = pivot_within_types(pi, types, rng_for(5))
    for t in np.unique(types):
        mask = types == t
        assert out[mask].sum() == pytest.approx(pi[mask].sum())
        assert ((out[mask] > 1e-9) & (out[mask] < 1 - 1e-9)).sum() <= 1


def ten_question_pool(n: int, seed: int = 7):
    categories = (2, 6, 5, 4, 5, 4, 3, 3, 2, 2)
    codes = np.stack(
        [np.random.default_rng(seed + j).integers(0, c, n) for j, c in enumerate(categories)],
        axis=1,
    )
    names = [f"q{j}" for j in range(len(categories))]
    quotas = tuple(
        Quota(names[j], f"v{k}", population=float(1 + k % 3))
        for j, c in enumerate(categories)
        for k in range(c)
    )
    features = Features(quotas)
    ids = [f"m{i:06d}" for i in range(n)]
    columns = {names[j]: [f"v{k}" for k in codes[:, j]] for j in range(len(categories))}
    rates = np.random.default_rng(seed).uniform(0.2, 0.6, n)
    return ids, columns, features, rates


def test_ten_questions_use_the_cube_and_meet_every_target_in_expectation():
    ids, columns, features, rates = ten_question_pool(3000)
    pool = Pool.build(ids, columns, features, response_rates=rates)
    result = stratified_sample(pool, features, 200, seed=11)
    assert result.design == "cube"
    assert not result.shortfalls
    for (_, _, target), (_, _, expected) in zip(result.target, result.expected, strict=True):
        assert expected == pytest.approx(target, abs=1e-6)
    assert float(result.inclusion @ rates) == pytest.approx(200, abs=1e-6)
    assert len(result.selected) in (
        np.floor(result.inclusion.sum()),
        np.ceil(result.inclusion.sum()),
    )


def test_few_questions_keep_the_lottery_over_types():
    ids, columns, features, rates = ten_question_pool(500)
    three = Features(tuple(q for q in features.quotas if q.feature in ("q0", "q1", "q2")))
    pool = Pool.build(ids, {k: columns[k] for k in ("q0", "q1", "q2")}, three, response_rates=rates)
    assert stratified_sample(pool, three, 50, seed=1).design == "lottery"
    assert stratified_sample(pool, three, 50, seed=1, design="cube").design == "cube"


def test_the_order_of_the_people_does_not_change_the_cube_draw():
    ids, columns, features, rates = ten_question_pool(800)
    a = stratified_sample(
        Pool.build(ids, columns, features, response_rates=rates), features, 60, seed=3
    )
    order = np.random.default_rng(0).permutation(len(ids))
    shuffled = Pool.build(
        [ids[i] for i in order],
        {k: [v[i] for i in order] for k, v in columns.items()},
        features,
        response_rates=rates[order],
    )
    b = stratified_sample(shuffled, features, 60, seed=3)
    assert a.selected == b.selected


# The landing by column generation (landing.py).


def ten_question_codes(n: int, seed: int) -> tuple[np.ndarray, tuple[int, ...], np.ndarray]:
    """Ten skewed questions (36 categories) and probabilities for a sample of about 5 %."""
    rng = np.random.default_rng(seed)
    categories = (2, 6, 5, 4, 5, 4, 3, 3, 2, 2)
    codes = np.stack(
        [rng.choice(c, size=n, p=rng.dirichlet(np.full(c, 4.0))) for c in categories], axis=1
    )
    pi = rng.uniform(0.02, 0.09, n)
    return codes, categories, pi


def largest_deviation(codes, categories, selected, pi) -> float:
    return max(
        float(np.abs(got - want).max())
        for got, want in zip(
            category_counts(codes, categories, selected.astype(float)),
            category_counts(codes, categories, pi),
            strict=True,
        )
    )


def open_members(codes, categories, pi, seed, monkeypatch):
    """The open members the cube hands to the landing: (p, rows, n_rows)."""
    seen = []
    monkeypatch.setattr(landing, "land", lambda p, rows, n_rows, rng: seen.append((p, rows, n_rows)))
    cube_sample(codes, categories, pi, rng_for(seed))
    monkeypatch.undo()
    return seen[0]


def test_ten_questions_land_within_one_where_the_previous_landing_did_not(monkeypatch):
    codes, categories, pi = ten_question_codes(2000, seed=5)
    new = [cube_sample(codes, categories, pi, rng_for(seed)) for seed in range(4)]
    assert all(largest_deviation(codes, categories, s, pi) <= 1 + 1e-9 for s in new)
    # The same draws with the column generation taken away: the flight goes on to its end and
    # the LP over enumerated samples lands it, with some category beyond one.
    monkeypatch.setattr(landing, "land", lambda *args: None)
    old = [cube_sample(codes, categories, pi, rng_for(seed)) for seed in range(4)]
    assert max(largest_deviation(codes, categories, s, pi) for s in old) > 1 + 1e-9


def test_the_column_generation_lottery_has_exactly_the_open_members_probabilities(monkeypatch):
    codes, categories, pi = ten_question_codes(2000, seed=6)
    p, rows, n_rows = open_members(codes, categories, pi, seed=1, monkeypatch=monkeypatch)
    assert len(p) > 100  # ten questions: the flight leaves about 120 open
    lottery = landing.column_generation(p, rows, n_rows)
    assert lottery is not None
    samples, weights = lottery
    assert np.all(weights > 0)
    assert abs(weights.sum() - 1) <= 1e-9
    assert np.abs(weights @ samples - p).max() <= 1e-9
    # Every sample keeps every category and the sample size within one of its expectation.
    incidence = np.zeros((n_rows, len(p)))
    np.put_along_axis(incidence.T, rows, 1.0, axis=1)
    assert np.abs(samples @ incidence.T - incidence @ p).max() <= 1 + 1e-9
    sizes = samples.sum(axis=1)
    assert set(sizes) <= {np.floor(p.sum() + 1e-9), np.ceil(p.sum() - 1e-9)}


def test_the_previous_landing_is_taken_when_the_column_generation_runs_out_of_budget(monkeypatch):
    codes, categories, pi = ten_question_codes(2000, seed=6)
    p, rows, n_rows = open_members(codes, categories, pi, seed=1, monkeypatch=monkeypatch)
    monkeypatch.setattr(landing, "MAX_ROUNDS", 1)
    assert landing.column_generation(p, rows, n_rows) is None
    finished = []
    monkeypatch.setattr(cube, "_finish", lambda *args: finished.append(1) or cube_finish(*args))
    selected = cube_sample(codes, categories, pi, rng_for(1))
    assert finished == [1]
    assert selected.sum() in (np.floor(pi.sum() + 1e-9), np.ceil(pi.sum() - 1e-9))


def test_the_cube_draw_is_the_same_for_the_same_seed():
    codes, categories, pi = ten_question_codes(1500, seed=8)
    first = cube_sample(codes, categories, pi, rng_for(21))
    assert np.array_equal(first, cube_sample(codes, categories, pi, rng_for(21)))
    assert not np.array_equal(first, cube_sample(codes, categories, pi, rng_for(22)))


def test_the_open_members_of_a_million_member_draw_land_by_column_generation(monkeypatch):
    # The 124 members a draw of 5 % from 1,000,000 on ten questions left open
    # (benches/selection/stratified.py, seed 10): climbs from the samples the LP uses alone
    # stalled there (no lottery after 100 rounds, nor after 200); with climbs from new random
    # roundings every round too, the lottery is found in a few dozen rounds, with the members'
    # exact probabilities.
    data = np.load(Path(__file__).parent / "data" / "cube_open_1000000x10.npz")
    p, rows, n_rows = data["p"], data["rows"].astype(np.int64), int(data["n_rows"])
    monkeypatch.setattr(landing, "MAX_ROUNDS", 100)
    lottery = landing.column_generation(p, rows, n_rows)
    assert lottery is not None
    samples, weights = lottery
    assert np.abs(weights @ samples - p).max() <= 1e-9
    incidence = np.zeros((n_rows, len(p)))
    np.put_along_axis(incidence.T, rows, 1.0, axis=1)
    assert np.abs(samples @ incidence.T - incidence @ p).max() <= 1 + 1e-9
    monkeypatch.setattr(landing, "FRESH_STARTS", 0)
    assert landing.column_generation(p, rows, n_rows) is None
