"""Estimates and their standard errors, checked against independent computations."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from civicpanel.methods.estimation import (
    calibration_from_weights,
    estimate_mean,
    estimate_multiple,
    estimate_shares,
)
from civicpanel.methods.weighting import Margin, rake


def _data(n: int, seed: int):
    rng = np.random.default_rng(seed)
    f0 = rng.integers(0, 3, n)
    f1 = np.where(rng.random(n) < 0.5, f0, rng.integers(0, 3, n))
    f2 = rng.integers(0, 4, n)
    y = rng.normal(2 + f0 + 0.3 * f2, 1.5)
    y[rng.random(n) < 0.05] = np.nan
    q = (f1 + rng.integers(0, 3, n)) % 4
    q[rng.random(n) < 0.05] = -1
    d = rng.choice([1.0, 1.5, 3.0], n)
    margins = [Margin("f0", ("a", "b", "c"), (0.2, 0.3, 0.5)),
               Margin("f1", ("a", "b", "c"), (0.4, 0.35, 0.25)),
               Margin("f2", ("a", "b", "c", "d"), (0.1, 0.2, 0.3, 0.4))]
    codes = {"f0": f0, "f1": f1, "f2": f2}
    return codes, margins, d, y, q


def _reference_se(codes, margins, w, y, domain, sweeps):
    """R survey's svymean on a raked design, one respondent at a time (no cell table).

    x = w d (y - mean) / sum(w d); then `sweeps` times, for each margin, z = x / w has its
    plain mean within each category subtracted; variance n/(n-1) sum((x - mean x)^2).
    With sweeps=None the projection is done exactly by least squares.
    """
    n = len(w)
    dom = domain & ~np.isnan(y)
    yy = np.where(dom, y, 0.0)
    mean = np.sum(w * yy * dom) / np.sum(w * dom)
    z = dom * (yy - mean) / np.sum(w * dom)
    if sweeps is None:
        X = np.column_stack([codes[m.feature] == k for m in margins
                             for k in range(len(m.categories))]).astype(float)
        coef, *_ = np.linalg.lstsq(X, z, rcond=None)
        z = z - X @ coef
    else:
        for _ in range(sweeps):
            for m in margins:
                c = codes[m.feature]
                for k in range(len(m.categories)):
                    sel = c == k
                    z[sel] -= z[sel].mean()
    x = w * z
    var = n / (n - 1) * np.sum((x - x.mean()) ** 2)
    return mean, np.sqrt(var)


@pytest.mark.parametrize("sweeps", [10, None])
def test_mean_and_se_match_an_independent_respondent_level_computation(sweeps):
    codes, margins, d, y, _ = _data(1500, seed=1)
    res = rake(codes, margins, design_weights=d)
    table = estimate_mean(res.calibration, y, by=codes["f2"], sweeps=sweeps, min_count=0)
    mean, se = _reference_se(codes, margins, res.weights, y, np.ones(1500, bool), sweeps)
    assert table.get("mean").estimate == pytest.approx(mean, rel=1e-10)
    assert table.get("mean").se == pytest.approx(se, rel=1e-8)
    for k, label in enumerate(table.groups[1:]):
        mean, se = _reference_se(codes, margins, res.weights, y, codes["f2"] == k, sweeps)
        assert table.get("mean", label).estimate == pytest.approx(mean, rel=1e-10)
        assert table.get("mean", label).se == pytest.approx(se, rel=1e-8)


def test_shares_match_the_reference_and_add_up_to_one():
    codes, margins, d, _, q = _data(1200, seed=2)
    res = rake(codes, margins, design_weights=d)
    table = estimate_shares(res.calibration, q, ["w", "x", "y", "z"], by=codes["f0"],
                            by_labels=["a", "b", "c"], min_count=0)
    answered = q >= 0
    for g, dom in [("All", np.ones(1200, bool))] + [(lab, codes["f0"] == i)
                                                    for i, lab in enumerate("abc")]:
        total = 0.0
        for k, opt in enumerate("wxyz"):
            y = np.where(answered, (q == k).astype(float), np.nan)
            mean, se = _reference_se(codes, margins, res.weights, y, dom, 10)
            e = table.get(opt, g)
            assert e.estimate == pytest.approx(mean, rel=1e-10)
            assert e.se == pytest.approx(se, rel=1e-8)
            assert e.moe == pytest.approx(1.959963984540054 * se)
            assert e.ci_low <= e.estimate <= e.ci_high
            total += e.estimate
        assert total == pytest.approx(1.0)


def test_equal_weights_without_margins_give_the_textbook_standard_error():
    rng = np.random.default_rng(3)
    y = rng.normal(10, 3, 400)
    cal = calibration_from_weights(np.ones(400))
    e = estimate_mean(cal, y).get("mean")
    assert e.estimate == pytest.approx(y.mean())
    assert e.se == pytest.approx(y.std(ddof=1) / np.sqrt(400), rel=1e-10)
    assert e.design_effect == pytest.approx(1.0)
    assert e.effective_n == pytest.approx(400)


def test_raking_on_an_answer_related_feature_shrinks_the_error():
    codes, margins, _, y, _ = _data(3000, seed=4)
    res = rake(codes, margins)
    raked = estimate_mean(res.calibration, y).get("mean")
    fixed = estimate_mean(calibration_from_weights(res.weights), y).get("mean")
    assert raked.estimate == pytest.approx(fixed.estimate, rel=1e-12)
    assert raked.se < fixed.se  # y depends on f0: calibrating on f0 explains part of it


def test_weights_read_back_give_the_same_standard_errors_as_the_raking_result():
    codes, margins, d, y, _ = _data(1000, seed=5)
    res = rake(codes, margins, design_weights=d)
    direct = estimate_mean(res.calibration, y).get("mean")
    again = calibration_from_weights(np.array([float(repr(float(v))) for v in res.weights]),
                                     codes, {m.feature: len(m.categories) for m in margins})
    read_back = estimate_mean(again, y).get("mean")
    assert read_back.se == pytest.approx(direct.se, rel=1e-9)


def test_multiple_choice_options_are_yes_no_shares():
    rng = np.random.default_rng(6)
    n = 600
    sel = (rng.random((n, 3)) < [0.5, 0.2, 0.01]).astype(int)
    cal = calibration_from_weights(rng.uniform(0.5, 2, n))
    table = estimate_multiple(cal, sel, ["bus", "bike", "boat"])
    w = cal.weights
    assert table.get("bus").estimate == pytest.approx(np.sum(w * sel[:, 0]) / w.sum())
    # 'boat' chosen by fewer than 5: its share is suppressed
    if sel[:, 2].sum() < 5:
        assert table.get("boat").suppressed == "primary"
        assert table.get("boat").estimate is None


def test_small_groups_are_suppressed_with_their_complement():
    n = 200
    by = np.zeros(n, dtype=int)
    by[:3] = 1  # a group of 3 respondents
    answers = np.tile([0, 1], n // 2)
    cal = calibration_from_weights(np.ones(n))
    table = estimate_shares(cal, answers, ["no", "yes"], by=by, by_labels=["big", "tiny"])
    tiny = [table.get(o, "tiny") for o in ("no", "yes")]
    assert all(e.suppressed == "primary" and e.estimate is None for e in tiny)
    # with one small group the big group's figures would reveal it through the All row
    big = [table.get(o, "big") for o in ("no", "yes")]
    assert all(e.suppressed for e in big)


def test_means_by_group_hide_a_lone_small_group_and_one_more():
    n = 300
    by = np.repeat([0, 1, 2], [150, 147, 3])
    y = np.arange(n, dtype=float)
    table = estimate_mean(calibration_from_weights(np.ones(n)), y, by=by, by_labels=["a", "b", "c"])
    assert table.get("mean", "c").suppressed == "primary"
    assert table.get("mean", "b").suppressed == "secondary"  # the smaller remaining group
    assert table.get("mean", "a").suppressed is None
    assert table.get("mean").suppressed is None


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 10_000))
def test_property_estimates_do_not_depend_on_respondent_order(seed):
    codes, margins, d, y, q = _data(300, seed=seed)
    try:
        res = rake(codes, margins, design_weights=d)
    except ValueError:
        return
    order = np.random.default_rng(seed + 1).permutation(300)
    res2 = rake({k: v[order] for k, v in codes.items()}, margins, design_weights=d[order])
    for t1, t2 in [
        (estimate_mean(res.calibration, y, by=codes["f1"], min_count=0),
         estimate_mean(res2.calibration, y[order], by=codes["f1"][order], min_count=0)),
        (estimate_shares(res.calibration, q, list("wxyz"), min_count=0),
         estimate_shares(res2.calibration, q[order], list("wxyz"), min_count=0)),
    ]:
        for a, b in zip(t1.estimates, t2.estimates, strict=True):
            assert a.estimate == pytest.approx(b.estimate, rel=1e-9)
            assert a.se == pytest.approx(b.se, rel=1e-7)


def test_poststratified_se_matches_rs_design_weighted_stratum_means():
    from civicpanel.methods.weighting import poststratify

    rng = np.random.default_rng(9)
    n = 1500
    f0, f1 = rng.integers(0, 2, n), rng.integers(0, 3, n)
    d = rng.choice([1.0, 2.0, 5.0], n)
    y = rng.normal(1 + f0 + f1, 1)
    pop = np.array([[100.0, 200, 300], [150, 150, 100]])
    res = poststratify({"f0": f0, "f1": f1}, ["f0", "f1"], [["a", "b"], ["x", "y", "z"]], pop,
                       design_weights=d)
    e = estimate_mean(res.calibration, y).get("mean")
    # R's svyrecvar for a postStratify design: subtract the design-weighted stratum mean
    w = res.weights
    stratum = f0 * 3 + f1
    z = (y - np.sum(w * y) / w.sum()) / w.sum()
    for s in range(6):
        sel = stratum == s
        z[sel] -= np.sum(d[sel] * z[sel]) / d[sel].sum()
    x = w * z
    se = np.sqrt(n / (n - 1) * np.sum((x - x.mean()) ** 2))
    assert e.se == pytest.approx(se, rel=1e-10)
