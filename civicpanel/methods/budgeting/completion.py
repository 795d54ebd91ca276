"""Completions of Equal Shares, which on its own often leaves money unspent.

- "add1": raise every voter's share by `step` (1 currency unit) and count again, as long as the
  outcome stays within the budget; keep the last outcome that fit. It does not stop when an
  outcome is exhaustive (nothing more fits): this is how the official Wieliczka 2023 outcome was
  computed (30 projects, PLN 995,079).
- "add1-exhaustive": the same, but stop at the first exhaustive outcome (pabutools'
  `voter_budget_increment`; on Wieliczka 2023 it gives 31 projects, PLN 984,579).
- "greedy": fund what is left by greedy by votes.
- "add1+greedy": "add1", then greedy on what is left.
- "none": Equal Shares alone.
"""

from __future__ import annotations

from fractions import Fraction

from .election import BudgetingError
from .profile import Profile
from .rules.greedy import greedy
from .rules.mes import MESRun, mes
from .rules.mes_compiled import add1_compiled, compile_round, count_compiled, fits_compiled

COMPLETIONS = ("add1", "add1-exhaustive", "greedy", "add1+greedy", "none")
DEFAULT_COMPLETION = "add1"


def mes_completed(profile: Profile, rank: list[int], util, *, completion: str = DEFAULT_COMPLETION,
                  step: Fraction = Fraction(1), explain: bool = False,
                  max_steps: int = 1_000_000) -> tuple[MESRun, list[int], int]:
    """Equal Shares with a completion: (the Equal Shares run used, the final selection, steps)."""
    if completion not in COMPLETIONS:
        raise BudgetingError(f"completion {completion!r} is not one of {', '.join(COMPLETIONS)}",
                             code="budgeting.bad_option_value", option="completion", value=str(completion),
                             allowed=", ".join(COMPLETIONS))
    n = max(profile.n_voters, 1)
    base = Fraction(profile.budget, n * profile.money_scale)
    if not completion.startswith("add1"):
        run = mes(profile, rank, util, base, explain=explain)
        steps = 0
    else:
        per_voter, steps, bought = _add1(profile, rank, util, base, step, completion == "add1-exhaustive",
                                         max_steps)
        if explain:  # the payments, exactly, at the last share that fit
            run = mes(profile, rank, util, per_voter, explain=True)
        else:
            run = MESRun(selected=bought, per_voter=per_voter)
    selection = list(run.selected)
    if completion in ("greedy", "add1+greedy"):
        selection = greedy(profile, rank, selected=selection)
    return run, selection, steps


def _add1(profile: Profile, rank: list[int], util, base: Fraction, step: Fraction, stop_when_exhaustive: bool,
          max_steps: int) -> tuple[Fraction, int, list[int]]:
    """The share per voter the add-one completion ends at, how many times it was raised, and the
    projects bought at that share in the order of purchase.

    Every step is counted: by the compiled count, or exactly where it cannot decide (see
    `mes_compiled`), so the outcome is exactly that of counting every step exactly."""
    compiled = compile_round(profile, rank, util)

    def exact(share: Fraction) -> list[int]:
        return mes(profile, rank, util, share).selected

    if fits_compiled(profile):
        steps, last, bought = add1_compiled(compiled, profile, base, step, stop_when_exhaustive, max_steps, exact)
        return base + last * step, steps, bought

    def outcome(share: Fraction) -> list[int]:
        got = count_compiled(compiled, share)
        return got if got is not None else mes(profile, rank, util, share).selected

    candidates = [j for j in range(profile.m) if j not in profile.excluded
                  and len(profile.supporters[j]) > 0 and profile.costs[j] > 0]
    costs = profile.costs
    selected = outcome(base)
    per_voter, steps = base, 0
    while steps < max_steps:
        spent = sum(costs[j] for j in selected)
        chosen = set(selected)
        left = [j for j in candidates if j not in chosen]
        if not left:
            break
        if stop_when_exhaustive and all(costs[j] > profile.budget - spent for j in left):
            break
        nxt = outcome(per_voter + step)
        steps += 1
        if sum(costs[j] for j in nxt) > profile.budget:
            break
        selected, per_voter = nxt, per_voter + step
    return per_voter, steps, selected
