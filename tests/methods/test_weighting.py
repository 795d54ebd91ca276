"""Raking, post-stratification and trimming: margins met, bad input explained."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from civicpanel.methods.weighting import (
    EmptyCategoryError,
    Margin,
    MarginsError,
    NotConvergedError,
    RespondentsError,
    WeightingError,
    kish,
    poststratify,
    rake,
)


def _margin(name: str, shares, kind="share") -> Margin:
    return Margin(name, tuple(f"{name}{i}" for i in range(len(shares))), tuple(shares), kind)


def _sample(n: int, sizes, seed: int, correlated: bool = True):
    rng = np.random.default_rng(seed)
    codes = {}
    base = rng.random(n)
    for j, k in enumerate(sizes):
        noise = rng.random(n)
        u = 0.6 * base + 0.4 * noise if correlated else noise
        codes[f"f{j}"] = np.minimum((u * k).astype(np.int64), k - 1)
    return codes


def _achieved(codes, weights, margins):
    return [np.bincount(codes[m.feature], weights=weights, minlength=len(m.categories))
            for m in margins]


def test_raking_meets_every_margin_to_1e9_relative():
    sizes = [2, 3, 4, 5, 6]
    codes = _sample(5000, sizes, seed=1)
    rng = np.random.default_rng(2)
    margins = [_margin(f"f{j}", rng.dirichlet(np.ones(k) * 5)) for j, k in enumerate(sizes)]
    result = rake(codes, margins)
    assert result.converged
    for m, got in zip(margins, _achieved(codes, result.weights, margins), strict=True):
        target = np.array(m.targets) * 5000
        assert np.max(np.abs(got / target - 1)) < 1e-9
    assert result.weights.sum() == pytest.approx(5000)
    assert result.max_margin_error < 1e-9


def test_counts_keep_their_total_and_design_weights_are_the_starting_point():
    codes = _sample(3000, [3, 4], seed=3)
    d = np.random.default_rng(4).choice([1.0, 2.5, 4.0], 3000)
    margins = [_margin("f0", [20_000, 30_000, 50_000], "count"),
               _margin("f1", [10_000, 20_000, 30_000, 40_000], "count")]
    result = rake(codes, margins, design_weights=d)
    assert result.weights.sum() == pytest.approx(100_000)
    got = _achieved(codes, result.weights, margins)
    assert np.allclose(got[0], [20_000, 30_000, 50_000], rtol=1e-9)
    # raking multiplies design weights by a factor per cell: respondents of one cell
    # with design weights 1 and 4 keep that ratio
    cell = codes["f0"] * 4 + codes["f1"]
    for c in np.unique(cell)[:5]:
        ratio = result.weights[cell == c] / d[cell == c]
        assert np.allclose(ratio, ratio[0], rtol=1e-12)


def test_shares_scale_to_the_sum_of_design_weights_or_to_a_given_total():
    codes = _sample(500, [2], seed=5)
    d = np.full(500, 40.0)
    margins = [_margin("f0", [0.5, 0.5])]
    assert rake(codes, margins, design_weights=d).weights.sum() == pytest.approx(20_000)
    assert rake(codes, margins, total=12_345).weights.sum() == pytest.approx(12_345)


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 10_000), st.lists(st.integers(2, 5), min_size=1, max_size=4),
       st.integers(60, 400))
def test_property_raking_meets_margins_and_ignores_respondent_order(seed, sizes, n):
    rng = np.random.default_rng(seed)
    codes = {f"f{j}": np.concatenate([np.arange(k), rng.integers(0, k, n - k)])
             for j, k in enumerate(sizes)}
    margins = [_margin(f"f{j}", rng.dirichlet(np.ones(k) * 3) * 0.9 + 0.1 / k)
               for j, k in enumerate(sizes)]
    try:
        result = rake(codes, margins)
    except NotConvergedError:
        return  # a sparse random sample may leave margins out of reach: reported, not guessed
    for m, got in zip(margins, _achieved(codes, result.weights, margins), strict=True):
        assert np.allclose(got, np.array(m.targets) * n, rtol=1e-9, atol=0)
    order = rng.permutation(n)
    shuffled = rake({k: v[order] for k, v in codes.items()}, margins)
    assert np.allclose(shuffled.weights, result.weights[order], rtol=1e-9)


def test_kish_figures():
    w = np.array([1.0, 1.0, 2.0, 4.0])
    eff, deff = kish(w)
    assert eff == pytest.approx(64 / 22)
    assert deff == pytest.approx(4 / (64 / 22))
    codes = _sample(2000, [3, 3], seed=6, correlated=False)
    result = rake(codes, [_margin("f0", [0.2, 0.3, 0.5]), _margin("f1", [0.6, 0.3, 0.1])])
    assert (result.effective_n, result.design_effect) == pytest.approx(kish(result.weights))


def test_trimming_caps_weights_and_still_meets_margins():
    rng = np.random.default_rng(7)
    n = 4000
    f0 = (rng.random(n) < 0.03).astype(np.int64)  # a rare group that needs large weights
    f1 = rng.integers(0, 3, n)
    margins = [_margin("f0", [0.7, 0.3]), _margin("f1", [0.3, 0.3, 0.4])]
    untrimmed = rake({"f0": f0, "f1": f1}, margins)
    assert untrimmed.weights.max() / untrimmed.weights.mean() > 5
    trimmed = rake({"f0": f0, "f1": f1}, margins, trim=12)
    assert trimmed.trim is not None
    mean = trimmed.weights.mean()
    assert trimmed.weights.max() <= 12 * mean * (1 + 1e-6)
    assert trimmed.trim.cap_met
    got = _achieved({"f0": f0, "f1": f1}, trimmed.weights, margins)
    assert np.allclose(got[0], [0.7 * n, 0.3 * n], rtol=1e-9)
    # a cap below what the margins need cannot hold: reported, margins still met
    tight = rake({"f0": f0, "f1": f1}, margins, trim=2)
    assert not tight.trim.cap_met
    got = _achieved({"f0": f0, "f1": f1}, tight.weights, margins)
    assert np.allclose(got[0], [0.7 * n, 0.3 * n], rtol=1e-9)


def test_poststratification_meets_every_cell():
    codes = _sample(3000, [2, 3], seed=8)
    pop = np.array([[10.0, 20.0, 30.0], [15.0, 15.0, 10.0]])
    result = poststratify(codes, ["f0", "f1"], [["a", "b"], ["x", "y", "z"]], pop)
    cell = codes["f0"] * 3 + codes["f1"]
    got = np.bincount(cell, weights=result.weights, minlength=6)
    assert np.allclose(got, pop.ravel(), rtol=1e-12)  # counts keep their own total
    shares = poststratify(codes, ["f0", "f1"], [["a", "b"], ["x", "y", "z"]], pop / pop.sum())
    got = np.bincount(cell, weights=shares.weights, minlength=6)
    assert np.allclose(got, pop.ravel() / pop.sum() * 3000, rtol=1e-12)


def test_poststratification_names_an_empty_cell():
    codes = {"g": np.array([0, 0, 1, 1, 1]), "a": np.array([0, 1, 0, 0, 0])}
    with pytest.raises(EmptyCategoryError, match=r"g 'man' x a 'old'.*Merge"):
        poststratify(codes, ["g", "a"], [["woman", "man"], ["young", "old"]],
                     np.array([[5, 5], [5, 5]]))


def test_unknown_category_in_respondents_is_named():
    codes = {"f0": np.array([0, 1, 2])}
    with pytest.raises(RespondentsError, match=r"feature 'f0'.*code 2.*add the category"):
        rake(codes, [_margin("f0", [0.5, 0.5])])


def test_missing_feature_is_named():
    with pytest.raises(RespondentsError, match=r"no feature 'age'"):
        rake({"gender": np.array([0, 1])}, [_margin("age", [0.5, 0.5])])


def test_shares_not_adding_up_are_refused_with_the_sum():
    with pytest.raises(MarginsError, match=r"feature 'age': the shares add up to 0\.9000"):
        rake({"age": np.array([0, 1])}, [_margin("age", [0.5, 0.4])])


def test_rounded_shares_are_accepted():
    result = rake({"age": np.array([0, 1, 2, 2])}, [_margin("age", [0.333, 0.333, 0.333])])
    assert result.weights.sum() == pytest.approx(4)


def test_counts_of_different_populations_are_refused():
    margins = [_margin("a", [100, 100], "count"), _margin("b", [150, 150], "count")]
    with pytest.raises(MarginsError, match=r"'b' add up to 300 but those of 'a' to 200"):
        rake({"a": np.array([0, 1]), "b": np.array([0, 1])}, margins)


def test_empty_category_suggests_merging_into_a_neighbour():
    m = Margin("age", ("15–17", "18–24", "25–64"), (0.05, 0.15, 0.8))
    with pytest.raises(EmptyCategoryError, match=r"'15–17'.*no respondent.*Merge '15–17' into '18–24'"):
        rake({"age": np.array([1, 2, 2, 1])}, [m])


def test_population_zero_with_respondents_is_refused():
    m = Margin("age", ("young", "old"), (0.0, 1.0))
    with pytest.raises(MarginsError, match=r"'young'.*population figure is 0 but 1 respondent"):
        rake({"age": np.array([0, 1, 1])}, [m])


def test_non_convergence_names_feature_and_category_and_returns_no_weights():
    # in the sample every a0 is b0 and every a1 is b1, so the two margins must agree
    codes = {"a": np.array([0, 0, 1, 1]), "b": np.array([0, 0, 1, 1])}
    margins = [_margin("a", [0.5, 0.5]), _margin("b", [0.2, 0.8])]
    with pytest.raises(NotConvergedError) as info:
        rake(codes, margins, max_iterations=50)
    err = info.value
    assert err.feature in {"a", "b"} and err.category
    assert "No weights were produced" in str(err) and "Merge" in str(err)
    assert isinstance(err, ValueError)


def test_bad_parameters_are_refused():
    with pytest.raises(WeightingError, match="trim"):
        rake({"a": np.array([0, 1])}, [_margin("a", [0.5, 0.5])], trim=0.5)
    with pytest.raises(RespondentsError, match="positive"):
        rake({"a": np.array([0, 1])}, [_margin("a", [0.5, 0.5])],
             design_weights=np.array([1.0, 0.0]))
