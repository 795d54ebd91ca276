"""Pool.from_codes: a pool from value indices, with ids as strings or as a database's integers."""

from __future__ import annotations

import numpy as np
import pytest

from civicpanel.methods.selection import Features, Pool, Quota, SelectionError, stratified_sample
from civicpanel.methods.selection.data import id_order

FEATURES = Features((Quota(feature="gender", value="woman", population=50.0),
                     Quota(feature="gender", value="man", population=50.0)))


def test_integer_ids_give_the_same_pool_as_their_strings():
    codes = np.array([[0], [1], [1]])
    from_ints = Pool.from_codes(np.array([7, 3, 12]), codes, FEATURES)
    from_strings = Pool.from_codes(["7", "3", "12"], codes, FEATURES)
    # Integers stay integers (no string per person), in the order given.
    assert from_ints.ids.tolist() == [7, 3, 12] and from_strings.ids == ("7", "3", "12")
    assert from_ints.values["gender"] == from_strings.values["gender"] == ("woman", "man", "man")


@pytest.mark.parametrize("ids", [
    [5, 40, 4, 400, 41, 1, 10, 100, 9, 0, 99, 1000],
    list(range(1, 2500)),
    [10**17 + 3, 7, 10**16, 10**17, 123456789012345678, 5],  # widths beyond the one-key sort
])
def test_integer_ids_are_ordered_as_their_text(ids):
    rng = np.random.default_rng(0)
    shuffled = np.array(ids, dtype=np.int64)[rng.permutation(len(ids))]
    assert id_order(shuffled).tolist() == np.argsort(shuffled.astype(str), kind="stable").tolist()


@pytest.mark.parametrize("questions", [2, 5])
def test_a_seed_draws_the_same_sample_from_integer_ids_as_from_their_strings(questions):
    """Both designs (the lottery up to three questions, the cube beyond) go through people in
    the order of their ids as text, however the ids came."""
    rng = np.random.default_rng(1)
    quotas = tuple(Quota(feature=f"q{j}", value=f"v{k}", population=float(rng.integers(10, 50)))
                   for j in range(questions) for k in range(3))
    features = Features(quotas)
    ids = rng.permutation(np.arange(1, 3001))
    codes = rng.integers(0, 3, size=(len(ids), questions))
    for seed in (1, 2, 3):
        from_ints = stratified_sample(Pool.from_codes(ids, codes, features), features, 200, seed)
        from_strings = stratified_sample(Pool.from_codes([str(i) for i in ids], codes, features), features, 200, seed)
        assert [str(i) for i in from_ints.selected] == sorted(from_strings.selected, key=int)
        assert from_ints.inclusion.tolist() == from_strings.inclusion.tolist()
        assert from_ints.drawn == from_strings.drawn


@pytest.mark.parametrize("ids", [np.array([7, 3, 7]), ["7", "3", "7"]])
def test_an_id_twice_is_refused_however_ids_are_given(ids):
    with pytest.raises(SelectionError) as raised:
        Pool.from_codes(ids, np.array([[0], [1], [1]]), FEATURES)
    assert [p.code for p in raised.value.params["problems"]] == ["selection.pool_id_twice"]
    assert raised.value.params["problems"][0].params["value"] == "7"
