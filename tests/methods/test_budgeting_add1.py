"""Equal Shares with the add-one completions against a plain reference written straight from the
definition (voter by voter, in Fractions, one full count per step), on generated rounds full of
ties: approval, cumulative and ordinal ballots, both completions, several step sizes. The
completion counts each step in compiled floating point and hands the close calls to the exact
count; these tests check it ends at the same share with the same projects in the same order."""

from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from civicpanel.methods.budgeting import count, make_election


def reference_mes(costs: dict[str, Fraction], utils: list[dict[str, Fraction]], share: Fraction,
                  rank) -> list[str]:
    """One count of Equal Shares: every voter starts with `share`; the project whose supporters
    can pay for it at the lowest price per unit of utility is bought (ties: lowest `rank`); each
    supporter pays min(what they have, price x utility)."""
    money = [share] * len(utils)
    supporters = {p: [i for i, u in enumerate(utils) if u.get(p, 0) > 0] for p in costs}
    left = {p for p in costs if supporters[p] and costs[p] > 0}
    chosen = sorted((p for p in costs if supporters[p] and costs[p] == 0), key=rank)
    while True:
        best = None
        for p in sorted(left, key=rank):
            sup = supporters[p]
            if sum(money[i] for i in sup) < costs[p]:
                continue
            # the lowest price rho with sum(min(money, rho x utility)) = cost
            order = sorted(sup, key=lambda i: money[i] / utils[i][p])
            paid, rest = Fraction(0), sum(utils[i][p] for i in sup)
            for i in order:
                rho = (costs[p] - paid) / rest
                if rho * utils[i][p] <= money[i]:
                    break
                paid += money[i]
                rest -= utils[i][p]
            if best is None or rho < best[0]:
                best = (rho, p)
        if best is None:
            return chosen
        rho, p = best
        for i in supporters[p]:
            money[i] -= min(money[i], rho * utils[i][p])
        chosen.append(p)
        left.discard(p)


def reference_add1(costs, utils, budget: Fraction, rank, step: Fraction, exhaustive: bool) -> list[str]:
    """Raise the share by `step` and count again while the outcome fits the budget; keep the last
    that fit. `exhaustive`: stop as soon as nothing more fits (pabutools)."""
    share = budget / len(utils)
    outcome = reference_mes(costs, utils, share, rank)
    possible = {p for p in costs if costs[p] > 0 and any(u.get(p, 0) > 0 for u in utils)}
    while True:
        spent = sum(costs[p] for p in outcome)
        left = possible - set(outcome)
        if not left or (exhaustive and all(costs[p] > budget - spent for p in left)):
            return outcome
        share += step
        nxt = reference_mes(costs, utils, share, rank)
        if sum(costs[p] for p in nxt) > budget:
            return outcome
        outcome = nxt


def _rounds(costs):
    return st.integers(min_value=2, max_value=6).flatmap(
        lambda m: st.tuples(
            st.lists(costs, min_size=m, max_size=m),
            st.lists(st.lists(st.integers(min_value=0, max_value=m - 1), unique=True, max_size=m),
                     min_size=1, max_size=10),
            st.integers(min_value=1, max_value=60),
        ))


# costs that make equal prices (exact ties) common, and ordinary ones
ROUNDS = st.one_of(_rounds(st.sampled_from([1, 2, 3, 4, 6, 12])), _rounds(st.integers(min_value=1, max_value=40)))
STEPS = st.sampled_from([Fraction(1), Fraction(1, 3), Fraction(1, 10)])
COMPLETIONS = st.sampled_from(["add1", "add1-exhaustive"])


def by_id(p: str) -> str:
    return p  # tie_breaking="pabutools": project ids compared as strings


def check(e, utils, step, completion, **options):
    costs = {p: pr.cost for p, pr in e.projects.items()}  # every cost at least 1
    expected = reference_add1(costs, utils, e.budget, by_id, step, completion == "add1-exhaustive")
    out = count(e, "mes", completion=completion, step=step, tie_breaking="pabutools", **options)
    assert set(out.winners) == set(expected)
    assert list(out.winners) == expected  # the same order of purchase, at the same final share


@settings(max_examples=150, deadline=None)
@given(ROUNDS, STEPS, COMPLETIONS)
def test_add1_approval_matches_the_reference(data, step, completion):
    costs, ballots, budget = data
    ids = [f"p{j}" for j in range(len(costs))]
    e = make_election(budget=budget, projects=dict(zip(ids, costs, strict=True)),
                      ballots=[[ids[j] for j in b] for b in ballots])
    utils = [{ids[j]: Fraction(costs[j]) for j in b} for b in ballots]  # utility: the cost
    check(e, utils, step, completion)


@settings(max_examples=100, deadline=None)
@given(ROUNDS, STEPS, COMPLETIONS, st.data())
def test_add1_cumulative_matches_the_reference(data, step, completion, draw):
    costs, ballots, budget = data
    ids = [f"p{j}" for j in range(len(costs))]
    points = [[draw.draw(st.integers(min_value=1, max_value=3)) for _ in b] for b in ballots]
    e = make_election(budget=budget, projects=dict(zip(ids, costs, strict=True)), vote_type="cumulative",
                      ballots=[{ids[j]: x for j, x in zip(b, pts, strict=True)} for b, pts in zip(ballots, points,
                                                                                                strict=True)])
    # utility: points x cost
    utils = [{ids[j]: Fraction(x * costs[j]) for j, x in zip(b, pts, strict=True)} for b, pts in zip(ballots, points,
                                                                                                   strict=True)]
    check(e, utils, step, completion)


@settings(max_examples=100, deadline=None)
@given(ROUNDS, STEPS, COMPLETIONS)
def test_add1_ordinal_matches_the_reference(data, step, completion):
    costs, ballots, budget = data
    ids = [f"p{j}" for j in range(len(costs))]
    top = max(len(b) for b in ballots)
    e = make_election(budget=budget, projects=dict(zip(ids, costs, strict=True)), vote_type="ordinal",
                      ballots=[[ids[j] for j in b] for b in ballots])
    # "max-length" scoring: the first of a ranking gets max_length points (here the longest
    # ballot), the next one less; utility points x cost
    utils = [{ids[j]: Fraction((top - r) * costs[j]) for r, j in enumerate(b) if top - r > 0} for b in ballots]
    check(e, utils, step, completion, ordinal_scoring="max-length")


def test_add1_reference_agrees_on_a_round_worked_by_hand():
    # 4 voters, budget 12: share 3. a (cost 6) by voters 1-3 at 2 each; b (cost 6) by voters 3-4:
    # voter 3 has 1 left and voter 4 has 3, so b is out of reach until the share rises by 1
    # (then 2 + 4 = 6: b is bought and the whole budget spent).
    e = make_election(budget=12, projects={"a": 6, "b": 6}, ballots=[["a"], ["a"], ["a", "b"], ["b"]])
    utils = [{"a": Fraction(6)}, {"a": Fraction(6)}, {"a": Fraction(6), "b": Fraction(6)}, {"b": Fraction(6)}]
    assert reference_add1({"a": Fraction(6), "b": Fraction(6)}, utils, Fraction(12), by_id, Fraction(1),
                          False) == ["a", "b"]
    out = count(e, "mes", completion="add1", tie_breaking="pabutools")
    assert out.winners == ("a", "b") and out.steps == 1
