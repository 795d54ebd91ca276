"""Pool.from_codes: a pool from value indices, with ids as strings or as a database's integers."""

from __future__ import annotations

import numpy as np
import pytest

from civicpanel.methods.selection import Features, Pool, Quota, SelectionError

FEATURES = Features((Quota(feature="gender", value="woman", population=50.0),
                     Quota(feature="gender", value="man", population=50.0)))


def test_integer_ids_give_the_same_pool_as_their_strings():
    codes = np.array([[0], [1], [1]])
    from_ints = Pool.from_codes(np.array([7, 3, 12]), codes, FEATURES)
    from_strings = Pool.from_codes(["7", "3", "12"], codes, FEATURES)
    assert from_ints.ids == from_strings.ids == ("7", "3", "12")
    assert from_ints.values["gender"] == from_strings.values["gender"] == ("woman", "man", "man")


@pytest.mark.parametrize("ids", [np.array([7, 3, 7]), ["7", "3", "7"]])
def test_an_id_twice_is_refused_however_ids_are_given(ids):
    with pytest.raises(SelectionError) as raised:
        Pool.from_codes(ids, np.array([[0], [1], [1]]), FEATURES)
    assert [p.code for p in raised.value.params["problems"]] == ["selection.pool_id_twice"]
    assert raised.value.params["problems"][0].params["value"] == "7"
