"""Stratified survey samples: several margins at once, exact inclusion probabilities,
response rates, thin pools."""

from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from civicpanel import cli
from civicpanel.methods.selection import Features, Pool, Quota, SelectionError, stratified_sample
from civicpanel.methods.selection.stratified import stratified_design

SHARES = {"gender": {"f": 0.5, "m": 0.5}, "age": {"young": 0.3, "mid": 0.4, "old": 0.3},
          "district": {"north": 0.6, "south": 0.4}}


def features_with(shares=SHARES):
    return Features(tuple(Quota(f, v, population=s) for f, vals in shares.items() for v, s in vals.items()))


def biased_pool(n, seed, rates=None):
    """Old people and the north over-represented, as in a volunteer panel."""
    rng = np.random.default_rng(seed)
    cols = {
        "gender": list(rng.choice(["f", "m"], n, p=[0.6, 0.4])),
        "age": list(rng.choice(["young", "mid", "old"], n, p=[0.15, 0.35, 0.5])),
        "district": list(rng.choice(["north", "south"], n, p=[0.7, 0.3])),
    }
    return Pool.build([f"m{i}" for i in range(n)], cols, features_with(), rates)


def margins(pool, ids):
    index = {pid: i for i, pid in enumerate(pool.ids)}
    return {(f, v): sum(pool.values[f][index[p]] == v for p in ids) for f in SHARES for v in SHARES[f]}


@settings(max_examples=15, deadline=None)
@given(st.integers(300, 600), st.integers(20, 60), st.integers(0, 10**6))
def test_sample_matches_every_margin_and_probabilities_add_up(pool_size, size, seed):
    pool = biased_pool(pool_size, seed)
    result = stratified_sample(pool, features_with(), size, seed)
    assume(not result.shortfalls)  # thin pools are tested below
    got = margins(pool, result.selected)
    for f, vals in SHARES.items():
        for v, share in vals.items():
            target = share * size
            assert np.floor(target - 1e-9) <= got[(f, v)] <= np.ceil(target + 1e-9)
    assert result.inclusion.sum() == pytest.approx(size, abs=1e-6)
    assert result.expected_completes == pytest.approx(size, abs=1e-6)
    assert size - 1 <= len(result.selected) <= size + 1
    assert np.all(result.inclusion > 0)
    # the expected margins of the lottery are the population's exactly
    for (f, v, t), (_, _, e) in zip(result.target, result.expected, strict=True):
        assert e == pytest.approx(t, abs=1e-6), (f, v)


def test_inclusion_probabilities_are_the_drawing_frequencies():
    pool = biased_pool(60, 3)
    design = stratified_design(pool, features_with(), 12)
    np.testing.assert_array_equal(design.inclusion, stratified_sample(pool, features_with(), 12, 0).inclusion)
    draws = 4000
    hits = np.zeros(len(pool))
    for seed in range(draws):
        _, rows = design.draw(seed)
        hits[rows] += 1
    # within 4.5 standard errors for every person
    se = np.sqrt(design.inclusion * (1 - design.inclusion) / draws) + 1e-9
    assert np.all(np.abs(hits / draws - design.inclusion) <= 4.5 * se + 1e-9)


def test_more_are_invited_where_fewer_answer():
    n = 800
    pool = biased_pool(n, 1)
    rates = np.where(np.array(pool.values["age"]) == "young", 0.2, 0.8)
    pool = Pool.build(pool.ids, pool.values, features_with(), rates)
    result = stratified_sample(pool, features_with(), 40, seed=5)
    assert not result.shortfalls
    invited = margins(pool, result.selected)
    # 30 % of completes are young at a 20 % response rate: 12 / 0.2 = 60 invitations
    assert invited[("age", "young")] in (59, 60, 61)
    assert result.expected_completes == pytest.approx(40, abs=1e-6)
    expected = {(f, v): e for f, v, e in result.expected}
    assert expected[("age", "young")] == pytest.approx(12, abs=1e-6)
    assert (result.inclusion * rates).sum() == pytest.approx(40, abs=1e-6)


def test_a_thin_pool_is_reported_and_fully_used():
    pool = biased_pool(300, 2)
    young = sum(v == "young" for v in pool.values["age"])
    result = stratified_sample(pool, features_with(), young * 4, seed=1)
    assert any(s.startswith("age young: target") and f"({young} people)" in s for s in result.shortfalls)
    assert margins(pool, result.selected)[("age", "young")] == young


def test_same_seed_same_sample():
    pool = biased_pool(300, 4)
    a = stratified_sample(pool, features_with(), 30, seed=11)
    b = stratified_sample(pool, features_with(), 30, seed=11)
    assert a.selected == b.selected
    np.testing.assert_array_equal(a.inclusion, b.inclusion)


def test_missing_population_figures_are_named():
    features = Features((Quota("gender", "f", population=0.5), Quota("gender", "m")))
    pool = Pool.build(["a", "b"], {"gender": ["f", "m"]}, features)
    with pytest.raises(SelectionError, match="missing for: gender m"):
        stratified_sample(pool, features, 1, seed=1)


def test_cli_stratified_json(tmp_path, capsys):
    pool = biased_pool(200, 6)
    rows = ["id,gender,age,district,rate"] + [
        f"{pid},{pool.values['gender'][i]},{pool.values['age'][i]},{pool.values['district'][i]},0.5"
        for i, pid in enumerate(pool.ids)]
    (tmp_path / "p.csv").write_text("\n".join(rows) + "\n")
    feats = ["feature,value,population"] + [f"{f},{v},{s}" for f, vals in SHARES.items() for v, s in vals.items()]
    (tmp_path / "f.csv").write_text("\n".join(feats) + "\n")
    code = cli.main(["select", "--people", str(tmp_path / "p.csv"), "--features", str(tmp_path / "f.csv"),
                     "--size", "20", "--seed", "3", "--method", "stratified", "--response-rate-column", "rate",
                     "--format", "json"])
    data = json.loads(capsys.readouterr().out)
    assert code == 0 and data["method"] == "stratified"
    assert 39 <= len(data["selected"]) <= 41  # 20 completes at a 50 % response rate
    assert data["expected_completes"] == pytest.approx(20)
