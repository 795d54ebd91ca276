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

import math
from fractions import Fraction

from .election import BudgetingError
from .profile import Profile
from .rules.greedy import greedy
from .rules.mes import MESRun, mes

COMPLETIONS = ("add1", "add1-exhaustive", "greedy", "add1+greedy", "none")
DEFAULT_COMPLETION = "add1"


def mes_completed(profile: Profile, rank: list[int], util, *, completion: str = DEFAULT_COMPLETION,
                  step: Fraction = Fraction(1), explain: bool = False,
                  max_steps: int = 1_000_000) -> tuple[MESRun, list[int], int]:
    """Equal Shares with a completion: (the Equal Shares run used, the final selection, steps)."""
    if completion not in COMPLETIONS:
        raise BudgetingError(f"completion {completion!r} is not one of {', '.join(COMPLETIONS)}")
    n = max(profile.n_voters, 1)
    base = Fraction(profile.budget, n * profile.money_scale)
    adding = completion.startswith("add1")
    run = mes(profile, rank, util, base, explain=explain and not adding, track=adding,
              horizon=8 * float(step))
    steps = 0
    if adding:
        stop_when_exhaustive = completion == "add1-exhaustive"
        candidates = [j for j in range(profile.m) if j not in profile.excluded
                      and len(profile.supporters[j]) > 0 and profile.costs[j] > 0]
        per_voter = base  # the share of the last outcome that fit (`run` has the same projects)
        # Tracking costs time; where it lets no step be skipped (many projects change at almost
        # every step), it is done less often: after z such runs in a row, once every 2^z runs.
        # This changes only the time taken, never the outcome.
        futile = untracked = 0
        tracked = True  # whether `run` computed stable_for
        # How far ahead a tracked run looks: bounds over a shorter range are tighter (a supporter
        # who paid all she had stays empty unless her budget can reach the price within it).
        horizon = max(8 * float(step), 2 * run.stable_for)
        while steps < max_steps:
            cost = sum(profile.costs[j] for j in run.selected)
            chosen = set(run.selected)
            left = [j for j in candidates if j not in chosen]
            if not left:
                break
            if stop_when_exhaustive and all(profile.costs[j] > profile.budget - cost for j in left):
                break
            if per_voter == run.per_voter and tracked:
                # Shares below run.per_voter + stable_for buy the same projects: the steps up to
                # there would each end as this one did, so go straight past them.
                same = min(_steps_within(run.stable_for, step), max_steps - steps)
                futile = 0 if same else min(futile + 1, 4)
                if same:
                    per_voter += same * step
                    steps += same
                    continue
            per_voter += step
            steps += 1
            track = untracked >= (1 << futile) - 1
            untracked = 0 if track else untracked + 1
            nxt = mes(profile, rank, util, per_voter, track=track, horizon=horizon)
            if sum(profile.costs[j] for j in nxt.selected) > profile.budget:
                per_voter -= step
                break
            run, tracked = nxt, track
            if tracked:
                horizon = max(8 * float(step), 2 * run.stable_for)
        if explain or run.per_voter != per_voter:
            # the same projects, in the order and with the payments of the last share that fit
            run = mes(profile, rank, util, per_voter, explain=explain)
    selection = list(run.selected)
    if completion in ("greedy", "add1+greedy"):
        selection = greedy(profile, rank, selected=selection)
    return run, selection, steps


def _steps_within(rise: float, step: Fraction) -> int:
    """How many whole steps lie strictly below `rise` (0 if none)."""
    if not rise > 0:
        return 0
    if math.isinf(rise):
        return 1 << 62
    return max(math.ceil(rise / float(step)) - 1, 0)
