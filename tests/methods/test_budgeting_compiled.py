"""The compiled count of Equal Shares (used at every add-one step) against the exact all-integer
count, on generated rounds full of ties and on larger ones: where it decides, it buys exactly the
same projects in the same order; where a decision is too close for floating point, it says so
(and the completion counts that share exactly)."""

from fractions import Fraction

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from civicpanel.methods.budgeting import count, make_election
from civicpanel.methods.budgeting.profile import build_profile
from civicpanel.methods.budgeting.rules.mes import mes, utilities
from civicpanel.methods.budgeting.rules.mes_compiled import compile_round, count_compiled
from civicpanel.methods.budgeting.ties import tie_order


def both(e, share: Fraction, tie_breaking: str = "pabutools", utility: str = "cost"):
    profile = build_profile(e)
    rank = tie_order(profile, tie_breaking)
    util = utilities(profile, utility)
    fast = count_compiled(compile_round(profile, rank, util), share)
    exact = mes(profile, rank, util, share, exact=True).selected
    return fast, exact, profile


VOTE_TYPES = st.sampled_from(["approval", "cumulative", "ordinal"])


@st.composite
def rounds(draw, max_voters: int = 12):
    m = draw(st.integers(min_value=1, max_value=6))
    # few distinct costs and budgets make equal prices (exact ties) common
    costs = draw(st.lists(st.sampled_from([1, 2, 3, 4, 6, 12, 30]), min_size=m, max_size=m))
    ballots = draw(st.lists(st.lists(st.integers(min_value=0, max_value=m - 1), unique=True, max_size=m),
                            min_size=1, max_size=max_voters))
    vote_type = draw(VOTE_TYPES)
    ids = [f"p{j}" for j in range(m)]
    projects = dict(zip(ids, costs, strict=True))
    if vote_type == "cumulative":
        votes = [{ids[j]: draw(st.integers(min_value=1, max_value=3)) for j in b} for b in ballots]
    else:
        votes = [[ids[j] for j in b] for b in ballots]
    budget = draw(st.integers(min_value=1, max_value=60))
    return make_election(budget=budget, projects=projects, ballots=votes, vote_type=vote_type)


@settings(max_examples=300, deadline=None)
@given(rounds(), st.integers(min_value=0, max_value=20), st.sampled_from([Fraction(1), Fraction(1, 3)]),
       st.sampled_from(["pabutools", "equalshares"]), st.sampled_from(["cost", "points"]))
def test_compiled_count_buys_what_the_exact_count_buys_or_says_it_cannot_tell(e, k, step, tie_breaking, utility):
    share = e.budget / len(e.ballots) + k * step
    fast, exact, _ = both(e, share, tie_breaking, utility)
    assert fast is None or fast == exact


def test_equal_prices_are_compared_exactly_and_go_to_the_tie_order():
    # "10" and "9" cost the same and have as many supporters: the same price per utility,
    # which floating point cannot be trusted to tell; every supporter pays the same price, so the
    # prices are compared exactly, and pabutools' order ("10" before "9") decides
    e = make_election(budget=40, projects={"9": 10, "10": 10},
                      ballots=[["9"], ["9"], ["10"], ["10"]])
    fast, exact, profile = both(e, Fraction(10))
    assert fast is not None and [profile.ids[j] for j in fast] == ["10", "9"] == [profile.ids[j] for j in exact]


def test_a_supporter_left_with_exactly_the_price_is_counted_exactly():
    # the share is exactly what one project costs each of its supporters: too close to call
    e = make_election(budget=6, projects={"a": 6}, ballots=[["a"], ["a"], ["a"]])
    fast, exact, profile = both(e, Fraction(2))
    assert fast is None and [profile.ids[j] for j in exact] == ["a"]
    assert count(e, "mes", completion="add1").winners == ("a",)


@settings(max_examples=25, deadline=None)
@given(st.integers(min_value=0, max_value=2**32 - 1), VOTE_TYPES)
def test_larger_rounds_are_decided_by_the_compiled_count(seed, vote_type):
    rng = np.random.default_rng(seed)
    m, n = 15, 300
    costs = {f"p{j}": int(rng.integers(5, 200)) * 100 for j in range(m)}
    ids = list(costs)
    ballots = []
    for _ in range(n):
        chosen = rng.choice(m, size=int(rng.integers(0, 6)), replace=False)
        if vote_type == "cumulative":
            ballots.append({ids[j]: int(rng.integers(1, 4)) for j in chosen})
        else:
            ballots.append([ids[j] for j in chosen])
    e = make_election(budget=sum(costs.values()) // 3, projects=costs, ballots=ballots, vote_type=vote_type)
    decided = 0
    for k in range(0, 40, 7):
        fast, exact, _ = both(e, e.budget / n + k)
        assert fast is None or fast == exact
        decided += fast is not None
    assert decided >= 4  # close calls are rare in rounds like these
