"""The R-indicator against a case worked out by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest

from civicpanel.methods.representativity import RepresentativityError, logistic_fit, r_indicator


def test_r_indicator_of_two_groups_by_hand():
    # Group A: 4 invited, 3 answered (0.75). Group B: 6 invited, 2 answered (1/3).
    # A model with the group as its only variable reproduces the group rates, so by hand:
    #   mean = (4 * 0.75 + 6 * 1/3) / 10 = 0.5
    #   S^2  = (4 * 0.25^2 + 6 * (1/6)^2) / (10 - 1) = (0.25 + 1/6) / 9 = 0.0462963
    #   R    = 1 - 2 * sqrt(0.0462963) = 0.5696685
    group = np.array([0] * 4 + [1] * 6)
    answered = [1, 1, 1, 0] + [1, 1, 0, 0, 0, 0]
    result = r_indicator({"group": group}, {"group": 2}, answered, ridge=0.0)
    assert result.mean_propensity == pytest.approx(0.5, abs=1e-12)
    assert result.sd == pytest.approx(math.sqrt((0.25 + 1 / 6) / 9), abs=1e-10)
    assert result.r == pytest.approx(1 - 2 * math.sqrt((0.25 + 1 / 6) / 9), abs=1e-10)
    assert result.r == pytest.approx(0.5696685, abs=1e-7)
    assert np.allclose(result.propensities, [0.75] * 4 + [1 / 3] * 6)
    assert result.n == 10 and result.responded == 5


def test_design_weights_count_each_member_as_many_as_they_stand_for():
    # Same groups; group B members stand for 2 each: N = 4 + 12 = 16,
    # mean = (4 * 0.75 + 12 / 3) / 16 = 0.4375,
    # S^2 = (4 * 0.3125^2 + 12 * (1/3 - 0.4375)^2) / 15.
    group = np.array([0] * 4 + [1] * 6)
    answered = [1, 1, 1, 0] + [1, 1, 0, 0, 0, 0]
    d = np.array([1.0] * 4 + [2.0] * 6)
    result = r_indicator({"group": group}, {"group": 2}, answered, design_weights=d, ridge=0.0)
    mean = 0.4375
    sd = math.sqrt((4 * (0.75 - mean) ** 2 + 12 * (1 / 3 - mean) ** 2) / 15)
    assert result.mean_propensity == pytest.approx(mean, abs=1e-10)
    assert result.r == pytest.approx(1 - 2 * sd, abs=1e-10)


def test_everyone_alike_gives_r_of_one_and_all_or_nothing_stays_finite():
    group = np.array([0, 0, 1, 1, 2, 2])
    result = r_indicator({"g": group}, {"g": 3}, [1, 0, 1, 0, 1, 0])
    assert result.r == pytest.approx(1.0, abs=1e-9)
    # Group 0 all answered, group 1 nobody: propensities tend to 1 and 0; R stays a number.
    result = r_indicator({"g": np.array([0, 0, 0, 1, 1, 1])}, {"g": 2}, [1, 1, 1, 0, 0, 0])
    assert math.isfinite(result.r)
    assert result.r == pytest.approx(1 - 2 * math.sqrt(6 * 0.25 / 5), abs=1e-3)


def test_logistic_fit_matches_known_coefficients():
    rng = np.random.default_rng(3)
    x = np.column_stack([np.ones(20000), rng.normal(size=20000)])
    y = (rng.random(20000) < 1 / (1 + np.exp(-(-0.5 + 1.2 * x[:, 1])))).astype(float)
    beta, iterations = logistic_fit(x, y)
    assert beta == pytest.approx([-0.5, 1.2], abs=0.06)
    assert iterations < 20


def test_bad_input_is_a_structured_error():
    with pytest.raises(RepresentativityError) as error:
        r_indicator({"g": np.array([0])}, {"g": 1}, [True])
    assert error.value.code == "representativity.too_few"
    with pytest.raises(RepresentativityError) as error:
        r_indicator({"g": np.array([0, 3])}, {"g": 2}, [True, False])
    assert error.value.code == "representativity.category" and error.value.params == {"feature": "g"}
