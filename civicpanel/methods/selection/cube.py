"""Balanced sampling by the cube method, for samples stratified on many profile questions.

The lottery over types (stratified.py) grows with the number of category combinations, which
grows exponentially with the questions. The cube method (Deville and Tillé 2004) grows with
people x balancing variables instead: it moves the vector of inclusion probabilities, one
random step at a time, inside the set where every category's expected number of invitations
stays exactly as it is, until every member is in (1) or out (0). Each step is a fair coin
between two directions, weighted so that every member's probability stays a martingale: the
final inclusion probabilities are exactly the starting ones.

Balancing variables. Member k's variables are the indicators of their categories; with
x_k = pi_k * a_k the cube's balancing equations read "invitations per category equal their
expectation". So the constraint matrix does not depend on pi: it is the category incidence.

Flight phase in batches (after Chauvet and Tillé 2006, who take p + 1 units at a time). The
fractional members are cut into groups of m = 2p; a step supported on one group only keeps
every category's total, so all groups move at once, as stacked numpy arrays. In each group a
complete QR of the group's incidence gives m - p directions in the kernel; each is used in
turn for one random step, after which the member that reached 0 or 1 is eliminated from the
directions that remain. At least half of every group is decided per round, so the rounds are
about log2(N / p) and the work per member is O(p^2).

Landing phase. The flight stops while landing_open(p) members are still open (about 120 on
ten questions, 50 on six) and landing.py lands them by column generation: a lottery over
samples of the open members that keep every category and the sample size within one of their
expectation, whose inclusion probabilities are exactly the open members' (then one draw from
it). With that many open members such a lottery nearly always exists; at the flight's end (p
open) it often does not. When the column generation finds none within its budget, the flight
goes on to its end and the previous landing takes over (_finish): the categories with the
fewest open members are let go one at a time (landing by suppression of variables) until at
most LANDING_MEMBERS are open; those are landed by linear programming (Deville and Tillé 2004,
section 6.1, as R's samplecube does): a lottery over samples of the open members whose
inclusion probabilities are exactly theirs, chosen to minimise how far the categories land
beyond one of their expectation (every category, also those let go). The candidate samples are
enumerated with every category within 1 + slack of its expectation, the slack widening until a
lottery exists. That landing always succeeds, but with four or more questions it often keeps a
category or two up to 1.5 away.
"""

from __future__ import annotations

import numpy as np
from numpy.random import Generator
from scipy.optimize import linprog

from . import landing
from .draw import pick_index

EPS = 1e-9


def incidence_columns(codes: np.ndarray, categories: tuple[int, ...]) -> tuple[np.ndarray, int]:
    """Column index of each member's category per question in the reduced incidence matrix
    (a ones row, then categories 1.. of each question; category 0 follows from the ones row),
    -1 where the member is in category 0. Returns (columns, p)."""
    starts = np.concatenate([[1], 1 + np.cumsum([c - 1 for c in categories])])
    cols = np.where(codes > 0, starts[:-1] + codes - 1, -1)
    return cols, int(starts[-1])


def type_keys(codes: np.ndarray, categories: tuple[int, ...]) -> np.ndarray:
    """One integer per distinct combination of categories (members of a type share it)."""
    if np.prod(np.asarray(categories, dtype=float)) < 2.0**62:
        radix = np.cumprod(np.concatenate([[1], categories[:-1]])).astype(np.int64)
        return codes.astype(np.int64) @ radix
    return np.unique(codes, axis=0, return_inverse=True)[1].reshape(-1)


def _incidence(cols: np.ndarray, p: int) -> np.ndarray:
    """Stacked transposed incidence (groups, m, p) from columns (groups, m, questions)."""
    g, m, q = cols.shape
    out = np.zeros((g, m, p))
    out[:, :, 0] = 1.0
    gi, mi, qi = np.nonzero(cols >= 0)
    out[gi, mi, cols[gi, mi, qi]] = 1.0
    return out


def _steps(pi: np.ndarray, u: np.ndarray, rng: Generator) -> np.ndarray:
    """One random step per row along +-u (rows of pi and u are independent groups): the
    largest steps that stay in [0, 1] each way, chosen with the probabilities that keep the
    expectation of pi unchanged."""
    a = np.abs(u)
    moving = a > EPS
    inv = np.divide(1.0, a, out=np.zeros_like(a), where=moving)
    toward_one = np.where(u > 0, 1.0 - pi, pi)  # room along +u, per member
    up = np.where(moving, toward_one * inv, np.inf).min(axis=1)
    down = np.where(moving, (1.0 - toward_one) * inv, np.inf).min(axis=1)
    up = np.where(np.isfinite(up), up, 0.0)
    down = np.where(np.isfinite(down), down, 0.0)
    total = up + down
    go_up = rng.random(len(pi)) * np.where(total > 0, total, 1.0) < down
    step = np.where(go_up, up, -down)
    return np.clip(pi + step[:, None] * u, 0.0, 1.0)


def _walk(pg: np.ndarray, directions: np.ndarray, rng: Generator) -> np.ndarray:
    """Random steps along each direction in turn, in every group at once (pg: groups x m,
    directions: groups x m x d, each column in the kernel of its group's balance). After each
    step the member that reached 0 or 1 (with a real weight in the step) is eliminated from
    the directions that remain, so later steps never move it again and each step decides one."""
    groups, _, d = directions.shape
    rows = np.arange(groups)
    for j in range(d):
        u = directions[:, :, j]
        pg = _steps(pg, u, rng)
        at_bound = (pg <= EPS) | (pg >= 1 - EPS)
        weight = np.where(at_bound, np.abs(u), 0.0)
        pivot = weight.argmax(axis=1)
        ok = weight[rows, pivot] > EPS
        if j + 1 < d and ok.any():
            # Whole-array update (groups without a pivot get a zero factor): cheaper than
            # fancy-indexing the groups that have one.
            later = directions[:, :, j + 1 :]
            factor = np.where(
                ok[:, None], later[rows, pivot] / np.where(ok, u[rows, pivot], 1.0)[:, None], 0.0
            )
            later -= u[:, :, None] * factor[:, None, :]
            later[rows[ok], pivot[ok]] = 0.0
    return pg


def _flight_round(pi: np.ndarray, cols: np.ndarray, p: int, m: int, rng: Generator) -> np.ndarray:
    """Move every full group of m fractional members (rows of cols) through its kernel."""
    groups = len(pi) // m
    used = groups * m
    q_full, _ = np.linalg.qr(_incidence(cols[:used].reshape(groups, m, -1), p), mode="complete")
    # The last m - p columns of a complete QR are orthogonal to the group's incidence.
    out = pi.copy()
    out[:used] = _walk(pi[:used].reshape(groups, m), q_full[:, :, p:], rng).reshape(-1)
    return out


def _kernel(matrix: np.ndarray) -> np.ndarray:
    """An orthonormal basis (columns) of the null space of a small matrix."""
    if matrix.shape[1] == 0:
        return np.zeros((0, 0))
    _, s, vt = np.linalg.svd(matrix)
    rank = int((s > 1e-9 * max(1.0, s[0] if len(s) else 1.0)).sum())
    return vt[rank:].T


# The landing LP enumerates samples of at most this many open members (see _land); should
# the enumeration outgrow LANDING_FRONTIER, suppression goes on to the next number.
LANDING_MEMBERS = (20, 16, 12)
# Candidate samples are those whose every category is within 1 + slack of its expectation;
# the slack widens along this ladder until the LP finds a lottery with the exact probabilities
# (the last step allows every sample of the right size, which always admits one).
LANDING_SLACKS = (0.0, 0.25, 0.5, 1.0, 2.0)
LANDING_FRONTIER = 100_000
LANDING_COLUMNS = 4_096


def _finish(pi: np.ndarray, rows: np.ndarray, rng: Generator) -> np.ndarray:
    """The last (few) fractional members, rows: row x member incidence (every category, the
    sample size last). Suppression down to LANDING_MEMBERS open members, then landing by
    linear programming (_land), which weighs every category, including those let go. With
    12 members the LP can see every sample, so it always lands there; suppression to the end
    is only a safeguard."""
    target = rows @ pi
    active = np.ones(len(rows), dtype=bool)
    for members in LANDING_MEMBERS:
        pi = _suppress(pi, rows, active, members, rng)
        still = np.flatnonzero((pi > EPS) & (pi < 1 - EPS))
        out = np.round(pi)
        if len(still) == 0:
            return out
        out[still] = 0.0
        landed = _land(pi[still], rows[:, still], target - rows @ out, rng)
        if landed is not None:
            out[still] = landed
            return out
    return np.round(_suppress(pi, rows, active, 0, rng))


def _suppress(
    pi: np.ndarray, rows: np.ndarray, active: np.ndarray, down_to: int, rng: Generator
) -> np.ndarray:
    """While some move keeps every active row, walk through the kernel; when none does and
    more than down_to members are open, let go of the category with the fewest open members
    (its count can then move by less than that number), the sample size last of all
    (landing by suppression of variables). Updates `active`."""
    pi = pi.copy()
    while True:
        still = np.flatnonzero((pi > EPS) & (pi < 1 - EPS))
        if len(still) == 0 or (len(still) == 1 and down_to >= 1):
            return pi
        if len(still) == 1:
            pi[still] = 1.0 if rng.random() < pi[still[0]] else 0.0
            continue
        members = rows[:, still]
        basis = _kernel(members[active])
        if basis.shape[1] == 0:
            if len(still) <= down_to:
                return pi
            load = np.where(active[:-1], members[:-1].sum(axis=1), np.inf)
            load[load == 0] = np.inf
            if np.isfinite(load).any():
                active[int(load.argmin())] = False
            else:
                active[:-1] = False
            continue
        pi[still] = _walk(pi[still][None], basis[None].copy(), rng)[0]


def _candidates(members: np.ndarray, target: np.ndarray, slack: float) -> np.ndarray | None:
    """Every 0/1 choice of the open members (rows of the result) that keeps each category's
    count within 1 + slack of its target and the sample size (last row) at its target rounded
    down or up; None when the enumeration outgrows LANDING_FRONTIER. Breadth first, members
    in the order that closes small categories early, pruning any partial choice that has
    already gone over a bound or can no longer reach one."""
    hi = np.floor(target + 1.0 + slack + EPS)
    lo = np.ceil(target - 1.0 - slack - EPS)
    lo[-1], hi[-1] = np.floor(target[-1] + EPS), np.ceil(target[-1] - EPS)
    k = members.shape[1]
    incidence = members.astype(np.int16)
    size = incidence.sum(axis=1)
    order = np.argsort([size[members[:, j] > 0].min() for j in range(k)], kind="stable")
    left = size.copy()
    counts = np.zeros((1, len(members)), dtype=np.int16)
    chosen = np.zeros((1, k), dtype=bool)
    hi16 = np.minimum(hi, k).astype(np.int16)
    for j in order:
        left -= incidence[:, j]
        need = np.maximum(lo - left, -1).astype(np.int16)
        counts = np.concatenate([counts, counts + incidence[:, j]])
        chosen = np.concatenate([chosen, chosen])
        chosen[len(chosen) // 2 :, j] = True
        keep = np.all(counts <= hi16, axis=1) & np.all(counts >= need, axis=1)
        counts, chosen = counts[keep], chosen[keep]
        if len(counts) > LANDING_FRONTIER:
            return None
    return chosen


def _land(
    p: np.ndarray, members: np.ndarray, target: np.ndarray, rng: Generator
) -> np.ndarray | None:
    """Landing by linear programming (Deville and Tillé 2004, section 6.1): a lottery over
    samples of the open members whose probabilities are exactly p, chosen to minimise the
    expected deviation of the categories beyond one (then their squared deviation), and one
    draw from it. target: each row's count still to reach (may be off its expectation for the
    categories let go). None if no lottery was found among at most LANDING_COLUMNS
    candidates (the caller then suppresses further and tries again with fewer members).

    Any lottery with these probabilities keeps the design exact (up to the LP's feasibility
    tolerance, 1e-7), so the LP may be given only the cheapest candidates; a larger slack
    adds candidates further beyond one, so once the cheapest LANDING_COLUMNS admit no
    lottery, fewer members are tried instead."""
    for slack in (*LANDING_SLACKS, float(len(p))):
        samples = _candidates(members, target, slack)
        if samples is None:
            return None
        if len(samples) == 0:
            continue
        s = samples.astype(float)
        deviation = s @ members.T - target
        beyond = np.maximum(np.abs(deviation) - 1.0, 0.0)
        cost = 1000.0 * beyond.sum(axis=1) + (deviation**2).sum(axis=1)
        columns = np.argsort(cost, kind="stable")[:LANDING_COLUMNS]
        res = linprog(
            cost[columns],
            A_eq=np.vstack([s[columns].T, np.ones(len(columns))]),
            b_eq=np.append(p, 1.0),
            bounds=(0, None),
            method="highs",
        )
        if res.status == 0:
            weights = np.clip(res.x, 0.0, None)
            return s[columns[pick_index(rng, weights / weights.sum())]]
        if len(samples) > LANDING_COLUMNS:
            return None
    return None


def cube_sample(
    codes: np.ndarray, categories: tuple[int, ...], inclusion: np.ndarray, rng: Generator
) -> np.ndarray:
    """Select members (a boolean mask) with exactly the given inclusion probabilities,
    balancing each question's category counts on their expectations.

    codes[k, q] is member k's category (0 .. categories[q] - 1) on question q; the questions
    are in order of importance (the last is the first to be let go in the landing phase).
    """
    pi = np.clip(np.asarray(inclusion, dtype=float), 0.0, 1.0)
    cols, p = incidence_columns(np.asarray(codes, dtype=np.int64), categories)
    m = p + max(1, p // 2)
    pi = pivot_within_types(pi, type_keys(codes, categories), rng)
    keep_open = landing_open(p)
    while True:
        frac = np.flatnonzero((pi > EPS) & (pi < 1 - EPS))
        if len(frac) <= keep_open:
            break
        order = frac[np.argsort(rng.random(len(frac)), kind="stable")]
        if len(frac) >= m and len(frac) - (len(frac) // m) * (m - p) > keep_open:
            pi[order] = _flight_round(pi[order], cols[order], p, m, rng)
        else:
            pi[order] = _flight_tail(pi[order], cols[order], p, len(frac) - keep_open, rng)
    frac = np.flatnonzero((pi > EPS) & (pi < 1 - EPS))
    selected = np.round(pi)
    if len(frac) == 0:
        return selected > 0.5
    starts = np.concatenate([[0], np.cumsum(categories)])
    n_rows = int(starts[-1]) + 1
    member_rows = np.column_stack([codes[frac] + starts[:-1], np.full(len(frac), n_rows - 1)])
    landed = landing.land(pi[frac], member_rows, n_rows, rng)
    if landed is None:
        # No lottery of within-one samples found within the budget: the flight goes on to its
        # end and the LP over enumerated samples lands it, as close to within one as it can.
        rows = np.zeros((n_rows, len(frac)))
        np.put_along_axis(rows.T, member_rows, 1.0, axis=1)
        landed = _finish(pi[frac], rows, rng)
    selected[frac] = landed
    return selected > 0.5


# The most members left open for the landing where 2p + 8 is fewer (see landing_open).
LANDING_OPEN_MOST = 124


def landing_open(p: int) -> int:
    """How many members the flight phase leaves open for the column generation's landing
    (p: balancing variables). At the flight's end (p open) a lottery of within-one samples
    with the exact probabilities often does not exist; with more open members it nearly always
    does, and the local search finds its samples more easily, but every LP round costs more.
    Measured (benches/selection/stratified.py): six questions (p = 21) land within one from
    50 open members in a few hundredths of a second (from 30, half the landings fail and fall
    back); ten questions (p = 27) need about 120 (with 90 to 110 the column generation takes
    more rounds, or integer programmes, and longer). Beyond that, more open members only cost
    time: with p = 30 (five questions of 5 to 10 categories, the send page's) and p = 37 (eight
    questions) 68 to 180 open all landed within one in 8 of 8 draws on 100,000, while 160 open
    took 2.3 and 244 open 2.8 times as long as 124."""
    return max(2 * p + 8, min(12 * p - 200, LANDING_OPEN_MOST))


def _flight_tail(pi: np.ndarray, cols: np.ndarray, p: int, steps: int, rng: Generator) -> np.ndarray:
    """The flight's last round: all open members as one group, `steps` random steps through
    its kernel (each decides at least one member), so that the landing gets about as many
    open members as it asked for."""
    q_full, _ = np.linalg.qr(_incidence(cols[None], p), mode="complete")
    directions = q_full[:, :, p : p + steps].copy()
    return _walk(pi[None], directions, rng)[0]


def pivot_within_types(pi: np.ndarray, types: np.ndarray, rng: Generator) -> np.ndarray:
    """The pivotal method (Deville and Tillé 1998) among members of the same type, all pairs
    at once. Members of one type have the same balancing variables, so a move between two of
    them keeps every category's total; each round decides at least one member of every pair,
    and at the end each type has at most one fractional member left for the cube."""
    pi = pi.copy()
    # Members grouped by type, in index order within each: sorted once. Each round keeps the
    # members still open in that order (what sorting them again would give).
    order = _stable_order(types)
    kinds = types[order]
    while True:
        now = pi[order]
        open_ = (now > EPS) & (now < 1 - EPS)
        order, kinds = order[open_], kinds[open_]
        new_run = np.concatenate([[True], kinds[1:] != kinds[:-1]])
        run_start = np.flatnonzero(new_run)[np.cumsum(new_run) - 1]
        position = np.arange(len(order)) - run_start
        has_partner = np.concatenate([~new_run[1:], [False]])
        pairs = np.flatnonzero(has_partner & (position % 2 == 0))
        if len(pairs) == 0:
            return pi
        first, second = order[pairs], order[pairs + 1]
        a, b = pi[first], pi[second]
        s = a + b
        u = rng.random(len(pairs))
        low = s <= 1.0
        # s <= 1: one of the two takes s, the other 0 (the first with probability a / s);
        # s > 1: one of them 1, the other s - 1 (the first with probability (1 - b) / (2 - s)).
        first_wins = np.where(low, u * s < a, u * (2.0 - s) < 1.0 - b)
        pi[first] = np.where(low, np.where(first_wins, s, 0.0), np.where(first_wins, 1.0, s - 1.0))
        pi[second] = np.where(low, np.where(first_wins, 0.0, s), np.where(first_wins, s - 1.0, 1.0))


def _stable_order(types: np.ndarray) -> np.ndarray:
    """np.argsort(types, kind="stable"), sooner: types renumbered 0, 1, ... in the order of
    their keys (through a table of the keys, when they are small enough for one) and, when
    fewer than 2**16, sorted as 16-bit numbers (numpy's radix sort: a third of the time)."""
    if len(types) and types.min() >= 0 and types.max() < 2**24:
        present = np.zeros(int(types.max()) + 1, dtype=bool)
        present[types] = True
        if present.sum() < 2**16:
            rank = (np.cumsum(present) - 1).astype(np.uint16)
            return np.argsort(rank[types], kind="stable")
    return np.argsort(types, kind="stable")
