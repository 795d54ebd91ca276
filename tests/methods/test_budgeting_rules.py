"""The rules on small rounds whose outcomes are known from the papers or by hand, and on random
rounds against plain reference implementations written straight from the definitions."""

from fractions import Fraction
from itertools import combinations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from civicpanel.methods.budgeting import (
    BudgetingError,
    Options,
    count,
    count_districts,
    make_election,
)


def two_groups(budget=5):
    """60% of voters like A1..A6, 40% like B1..B6; every project costs 1 (Peters and Skowron's
    proportionality example)."""
    projects = {f"A{i}": 1 for i in range(1, 7)} | {f"B{i}": 1 for i in range(1, 7)}
    ballots = [[f"A{i}" for i in range(1, 7)]] * 6 + [[f"B{i}" for i in range(1, 7)]] * 4
    return make_election(budget=budget, projects=projects, ballots=ballots)


def test_greedy_gives_everything_to_the_majority():
    out = count(two_groups(), "greedy", completion="none")
    assert all(w.startswith("A") for w in out.winners) and len(out.winners) == 5


def test_equal_shares_is_proportional():
    out = count(two_groups(), "mes", completion="none")
    assert sorted(w[0] for w in out.winners) == ["A", "A", "A", "B", "B"]
    assert out.total_cost == 5


def test_phragmen_is_proportional():
    out = count(two_groups(), "phragmen")
    assert sorted(w[0] for w in out.winners) == ["A", "A", "A", "B", "B"]


def test_greedy_skips_a_project_that_no_longer_fits():
    e = make_election(budget=100, projects={"big": 60, "mid": 50, "small": 40},
                      ballots=[["big", "mid"], ["big", "mid", "small"], ["big", "small"], ["big", "mid"]])
    out = count(e, "greedy")
    assert out.winners == ("big", "small")
    assert out.total_cost == 100


def test_greedy_per_cost_prefers_cheap_popular_projects():
    e = make_election(budget=100, projects={"big": 100, "a": 30, "b": 30},
                      ballots=[["big", "a"], ["big", "b"], ["big", "a"], ["b"]])
    assert count(e, "greedy").winners == ("big",)
    assert count(e, "greedy-cost").winners == ("a", "b")


def test_greedy_threshold_leaves_out_projects_with_too_few_votes():
    e = make_election(budget=100, projects={"a": 10, "b": 10}, ballots=[["a", "b"], ["a"]])
    assert count(e, "greedy", min_votes=2).winners == ("a",)


def test_utilitarian_finds_the_knapsack_optimum_greedy_misses():
    # greedy takes "big" (5 votes) and nothing else fits; two small ones have 4 + 4 votes
    e = make_election(budget=10, projects={"big": 6, "s1": 5, "s2": 5},
                      ballots=[["big", "s1", "s2"]] * 4 + [["big"]])
    assert count(e, "greedy").winners == ("big",)
    assert sorted(count(e, "utilitarian").winners) == ["s1", "s2"]


def test_mes_payments_are_equal_shares_and_cover_the_cost_exactly():
    # each voter holds 10/3; x (6, 3 supporters: 2 each, 1/3 per unit of cost) goes before
    # y (3, 2 supporters: 1.5 each, 1/2 per unit); then y's supporters have 4/3 + 4/3 < 3 left
    e = make_election(budget=10, projects={"x": 6, "y": 3},
                      ballots=[["x"], ["x", "y"], ["x", "y"]])
    out = count(e, "mes", completion="none", explain=True)
    assert out.winners == ("x",)
    assert out.explanations["x"]["text"] == "Funded for 6: 3 supporters paid 2 each."
    assert out.explanations["y"]["text"] == "Not funded: its 2 supporters had 2.67 left of the 3 it costs."


def test_mes_poor_supporters_pay_what_they_have():
    # 6 voters with 3 each; "a" (8, four supporters, 2 each) goes first; then voter 1 has only 1
    # left for "c" (6.5), so the two others pay (6.5 - 1) / 2 = 2.75 each
    e = make_election(budget=18, projects={"a": 8, "c": Fraction(13, 2)},
                      ballots=[["a", "c"], ["a"], ["a"], ["a"], ["c"], ["c"]])
    out = count(e, "mes", completion="none", explain=True)
    assert out.winners == ("a", "c")
    assert out.explanations["c"]["text"] == (
        "Funded for 6.50: 2 supporters paid 2.75 each; 1 supporter paid all they had left (1).")


def test_unfunded_project_is_told_what_it_lacked():
    e = make_election(budget=10, projects={"a": 5, "b": 8}, ballots=[["a"], ["a"], ["b"]], meta={"currency": "DKK"})
    out = count(e, "mes", completion="none", explain=True)
    assert out.winners == ("a",)
    assert out.explanations["b"]["text"].startswith("Not funded: its 1 supporter had DKK 3.33 left of the DKK 8")


def test_greedy_explanation_says_what_was_left_at_its_turn():
    e = make_election(budget=100, projects={"big": 60, "mid": 50}, ballots=[["big", "mid"], ["big"]])
    ex = count(e, "greedy", explain=True).explanations
    assert ex["mid"]["funded"] is False
    assert "only 40 was left, less than its cost 50" in ex["mid"]["text"]


def test_empty_ballots_count_as_voters():
    # with 2 voters, the one supporter of "a" holds half the budget and can buy it alone;
    # 2 more voters with empty ballots leave her a quarter, which is not enough
    ballots = [["a"], ["b"]]
    e = make_election(budget=8, projects={"a": 4, "b": 4}, ballots=ballots)
    assert set(count(e, "mes", completion="none").winners) == {"a", "b"}
    e2 = make_election(budget=8, projects={"a": 4, "b": 4}, ballots=[*ballots, [], []])
    assert count(e2, "mes", completion="none").winners == ()


def test_ties_pabutools_compares_ids_as_strings():
    e = make_election(budget=10, projects={"9": 10, "10": 10}, ballots=[["9", "10"]])
    assert count(e, "greedy", tie_breaking="pabutools").winners == ("10",)
    assert count(e, "mes", tie_breaking="pabutools", completion="none").winners == ("10",)


def test_ties_equalshares_prefers_lower_cost_then_more_votes():
    e = make_election(budget=10, projects={"a": 10, "b": 9, "c": 9}, ballots=[["a", "b", "c"], ["c"]])
    # greedy by votes: c has 2 votes; among a and b (1 vote each) b is cheaper
    out = count(e, "greedy", tie_breaking="equalshares")
    assert out.winners == ("c",)
    e2 = make_election(budget=10, projects={"a": 10, "b": 9}, ballots=[["a", "b"]])
    assert count(e2, "greedy", tie_breaking="equalshares").winners == ("b",)
    assert count(e2, "greedy", tie_breaking="pabutools").winners == ("a",)


def test_equalshares_lottery_is_fixed_by_the_seed():
    projects = {str(i): 10 for i in range(8)}
    e = make_election(budget=10, projects=projects, ballots=[list(projects)])
    firsts = {count(e, "greedy", seed=s).winners for s in range(12)}
    assert len(firsts) > 1  # the seed matters
    assert count(e, "greedy", seed=3).winners == count(e, "greedy", seed=3).winners
    assert count(e, "greedy", seed=3).options.seed == 3


def test_exact_arithmetic_keeps_a_true_tie_a_tie():
    # rho of "p" is 1/3 per unit, of "q" (0.1 + 0.2) / 0.9 = 1/3: floats would see 0.30000000000000004
    e = make_election(budget=Fraction(9, 10), projects={"p": Fraction(3, 10), "q": Fraction(3, 10)},
                      ballots=[["p", "q"], ["p", "q"], ["p", "q"]])
    out_a = count(e, "mes", completion="none", tie_breaking="pabutools")
    assert out_a.winners[0] == "p"


def test_cumulative_utility_points_or_points_times_cost_differ():
    # points x cost: "b" (8) gives most utility per unit of money and is bought first, leaving too
    # little for the others; points alone: "a" (3, 6 points) is the best buy, then "c"
    e = make_election(budget=10, vote_type="cumulative", projects={"a": 3, "b": 8, "c": 2},
                      ballots=[{"b": 5, "a": 4}, {"b": 3, "c": 1}, {"b": 2, "a": 2}])
    assert count(e, "mes", completion="none", utility="cost").winners == ("b",)
    assert count(e, "mes", completion="none", utility="points").winners == ("a", "c")


def test_ordinal_scoring_max_length_or_ballot_length():
    e = make_election(budget=10, vote_type="ordinal", projects={"a": 10, "b": 10},
                      ballots=[["a", "b"], ["b"]], meta={"max_length": "3"})
    # max-length (Kraków): a=3, b=2+3=5 ; ballot-length (Zurich): a=1, b=0+0=0
    assert count(e, "greedy", ordinal_scoring="max-length").winners == ("b",)
    assert count(e, "greedy", ordinal_scoring="ballot-length").winners == ("a",)


def test_low_support_exclusion_like_swiecie():
    # 10 voters, budget 90: "pricey" (cost 60) needs a share >= 60/270 = 2.2 of 10 voters
    ballots = [["cheap"]] * 8 + [["pricey"]] * 2
    e = make_election(budget=90, projects={"cheap": 30, "pricey": 60}, ballots=ballots)
    out = count(e, "greedy", exclude_low_support=Fraction(1, 3))
    assert out.excluded == ("pricey",) and out.winners == ("cheap",)
    assert "pricey" in count(e, "greedy").winners


def test_unknown_option_values_are_refused_with_the_choices():
    e = two_groups()
    with pytest.raises(BudgetingError, match="completion 'add2' is not one of"):
        count(e, "mes", completion="add2")
    with pytest.raises(BudgetingError, match="rule 'borda'"):
        count(e, "borda")


def test_result_carries_seed_and_options():
    out = count(two_groups(), "mes", completion="add1", seed=7)
    d = out.to_dict()
    assert d["options"]["seed"] == 7 and d["options"]["completion"] == "add1"
    assert d["winners"] == sorted(d["winners"])
    assert out.per_voter is not None and out.per_voter >= Fraction(5, 10)


def test_districts_have_their_own_budgets_and_can_carry_over_to_the_city_pot():
    north = make_election(budget=10, projects={"n1": 6, "n2": 6}, ballots=[["n1"], ["n1", "n2"]],
                          meta={"subunit": "North"})
    south = make_election(budget=10, projects={"s1": 4}, ballots=[["s1"]], meta={"subunit": "South"})
    city = make_election(budget=5, projects={"c1": 5, "c2": 9}, ballots=[["c2"], ["c2"], ["c1"]])
    out = count_districts([north, south], city, rule="greedy")
    assert out.districts["North"].winners == ("n1",) and out.districts["South"].winners == ("s1",)
    assert out.citywide.winners == ("c1",)
    carried = count_districts([north, south], city, rule="greedy", carry_over=True)
    assert carried.carried_over == 10  # 4 + 6 unspent
    assert carried.citywide.budget == 15 and carried.citywide.winners[0] == "c2"


# ---- random rounds against reference implementations -------------------------------------------

def reference_mes(costs, ballots, budget, rank):
    """Equal Shares for approval with cost utilities, voter by voter, in Fractions."""
    n = len(ballots)
    money = [Fraction(budget, n)] * n
    left = {p for p, c in costs.items() if c > 0 and any(p in b for b in ballots)}
    chosen = [p for p, c in costs.items() if c == 0 and any(p in b for b in ballots)]
    while True:
        best = None
        for p in sorted(left, key=rank):
            sup = sorted((money[i] for i, b in enumerate(ballots) if p in b))
            if sum(sup) < costs[p]:
                continue
            paid, k = Fraction(0), len(sup)
            for idx, m in enumerate(sup):
                price = (costs[p] - paid) / (k - idx)
                if price <= m:
                    break
                paid += m
            rho = price / costs[p]
            if best is None or rho < best[0]:
                best = (rho, p, price)
        if best is None:
            return chosen
        _, p, price = best
        for i, b in enumerate(ballots):
            if p in b:
                money[i] -= min(money[i], price)
        chosen.append(p)
        left.discard(p)


rounds = st.integers(min_value=2, max_value=6).flatmap(
    lambda m: st.tuples(
        st.lists(st.integers(min_value=1, max_value=40), min_size=m, max_size=m),
        st.lists(st.lists(st.integers(min_value=0, max_value=m - 1), unique=True, max_size=m), min_size=1, max_size=9),
        st.integers(min_value=1, max_value=100),
    ))


def as_election(data):
    costs, ballots, budget = data
    ids = [f"p{i}" for i in range(len(costs))]
    return make_election(budget=budget, projects=dict(zip(ids, costs, strict=True)),
                         ballots=[[ids[j] for j in b] for b in ballots])


@settings(max_examples=80, deadline=None)
@given(rounds)
def test_mes_matches_the_reference_voter_by_voter(data):
    e = as_election(data)
    costs = {p: pr.cost for p, pr in e.projects.items()}
    ballots = [set(b.projects) for b in e.ballots]
    expected = reference_mes(costs, ballots, e.budget, rank=lambda p: p)
    assert list(count(e, "mes", completion="none", tie_breaking="pabutools").winners) == expected


@settings(max_examples=80, deadline=None)
@given(rounds)
def test_utilitarian_is_the_best_subset(data):
    e = as_election(data)
    votes = e.vote_counts()
    best = max(sum(votes[p] for p in s) for k in range(len(votes) + 1) for s in combinations(votes, k)
               if sum(e.projects[p].cost for p in s) <= e.budget)
    out = count(e, "utilitarian")
    assert out.total_cost <= e.budget
    assert sum(votes[p] for p in out.winners) == best


@settings(max_examples=80, deadline=None)
@given(rounds, st.sampled_from(["greedy", "greedy-cost", "phragmen", "mes"]),
       st.sampled_from(["add1", "add1-exhaustive", "greedy", "add1+greedy", "none"]))
def test_every_rule_stays_within_the_budget(data, rule, completion):
    e = as_election(data)
    out = count(e, rule, options=Options(completion=completion))
    assert out.total_cost <= e.budget
    assert len(set(out.winners)) == len(out.winners)


@settings(max_examples=60, deadline=None)
@given(rounds)
def test_greedy_is_exhaustive(data):
    e = as_election(data)
    out = count(e, "greedy")
    left = e.budget - out.total_cost
    assert all(p.cost > left for pid, p in e.projects.items() if pid not in out.winners)


@settings(max_examples=60, deadline=None)
@given(rounds)
def test_add1_outcome_is_never_smaller_in_cost_than_plain_mes(data):
    e = as_election(data)
    plain = count(e, "mes", completion="none")
    full = count(e, "mes", completion="add1")
    assert set(plain.winners) <= set(full.winners) or full.total_cost >= plain.total_cost


tie_heavy = st.integers(min_value=2, max_value=6).flatmap(
    lambda m: st.tuples(
        st.lists(st.sampled_from([1, 2, 3, 6]), min_size=m, max_size=m),
        st.lists(st.lists(st.integers(min_value=0, max_value=m - 1), unique=True, max_size=m), min_size=1, max_size=12),
        st.integers(min_value=1, max_value=30),
    ))


@settings(max_examples=100, deadline=None)
@given(st.one_of(rounds, tie_heavy), st.sampled_from(["cost", "points"]), st.sampled_from([0, 1, 2, 7]))
def test_fast_equal_shares_equals_the_all_integer_one(data, utility, extra):
    """The floating-point fast path (approval) decides every close call exactly: same outcome as
    the all-integer implementation, also on rounds full of exact ties, and at raised shares."""
    from civicpanel.methods.budgeting.profile import build_profile
    from civicpanel.methods.budgeting.rules.mes import mes, utilities
    from civicpanel.methods.budgeting.ties import tie_order

    e = as_election(data)
    p = build_profile(e)
    rank = tie_order(p, "pabutools")
    util = utilities(p, utility)
    share = Fraction(p.budget, len(e.ballots) * p.money_scale) + extra
    fast = mes(p, rank, util, share, explain=True)
    exact = mes(p, rank, util, share, explain=True, exact=True)
    assert fast.selected == exact.selected
    assert mes(p, rank, util, share).selected == exact.selected  # without explanations, prices settle lazily
    assert [(x.project, x.rho, x.payments) for x in fast.purchases] == \
        [(x.project, x.rho, x.payments) for x in exact.purchases]
    assert fast.left_for == exact.left_for


def reference_phragmen(costs, ballots, budget, rank):
    """Sequential Phragmén voter by voter in Fractions (stops when the next project does not fit)."""
    load = [Fraction(0)] * len(ballots)
    left = [p for p in costs]
    chosen, spent = [], 0
    while left:
        scores = {}
        for p in left:
            sup = [i for i, b in enumerate(ballots) if p in b]
            if sup:
                scores[p] = (sum(load[i] for i in sup) + costs[p]) / len(sup)
        if scores:
            best = min(scores.values())
            ties = [p for p in left if scores.get(p) == best]
        else:
            best, ties = None, list(left)
        if any(spent + costs[p] > budget for p in ties):
            return chosen
        p = min(ties, key=rank)
        if best is not None:
            for i, b in enumerate(ballots):
                if p in b:
                    load[i] = best
        chosen.append(p)
        spent += costs[p]
        left.remove(p)
    return chosen


@settings(max_examples=80, deadline=None)
@given(st.one_of(rounds, tie_heavy))
def test_phragmen_matches_the_reference_voter_by_voter(data):
    e = as_election(data)
    costs = {p: pr.cost for p, pr in e.projects.items()}
    ballots = [set(b.projects) for b in e.ballots]
    expected = reference_phragmen(costs, ballots, e.budget, rank=lambda p: p)
    assert list(count(e, "phragmen", tie_breaking="pabutools").winners) == expected
