"""`civicpanel pb`: count a Pabulib file, or check one.

    civicpanel pb outcome FILE.pb --rule mes [--completion add1] [--format json]
    civicpanel pb check FILE.pb
    civicpanel pb prepare
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from fractions import Fraction

from .completion import COMPLETIONS, DEFAULT_COMPLETION
from .counting import RULES, Options, count, make_election
from .election import BudgetingError, format_number
from .explain import money
from .pabulib import read_pabulib
from .profile import ORDINAL_SCORINGS
from .ties import DEFAULT_TIE_BREAKING, TIE_BREAKINGS


def _fraction(text: str) -> Fraction:
    try:
        return Fraction(text)
    except (ValueError, ZeroDivisionError):
        raise argparse.ArgumentTypeError(f"{text!r} is not a number or fraction such as 1/3") from None


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="civicpanel pb", description="Participatory budgeting with Pabulib files.")
    sub = p.add_subparsers(dest="command", required=True)
    o = sub.add_parser("outcome", help="count a .pb file with a rule")
    o.add_argument("file")
    o.add_argument("--rule", choices=RULES, default="mes")
    o.add_argument("--completion", choices=COMPLETIONS, default=DEFAULT_COMPLETION,
                   help="Equal Shares only (default: %(default)s)")
    o.add_argument("--utility", choices=("cost", "points"), default="cost",
                   help="Equal Shares only: utility of a supporter (default: %(default)s)")
    o.add_argument("--tie-breaking", choices=TIE_BREAKINGS, default=DEFAULT_TIE_BREAKING)
    o.add_argument("--seed", type=int, default=0, help="seed of the tie-breaking lottery (equalshares)")
    o.add_argument("--ordinal-scoring", choices=ORDINAL_SCORINGS, default="max-length")
    o.add_argument("--exclude-low-support", type=_fraction, default=None, metavar="F",
                   help="leave out projects whose vote share is below F x cost / budget (Świecie: 1/3)")
    o.add_argument("--min-votes", type=int, default=None, help="greedy: votes needed to be funded")
    o.add_argument("--step", type=_fraction, default=Fraction(1), help="add-one step per voter")
    o.add_argument("--explain", action="store_true", help="say why each project was or was not funded")
    o.add_argument("--format", choices=("text", "json"), default="text")
    c = sub.add_parser("check", help="validate a .pb file and print its summary")
    c.add_argument("file")
    c.add_argument("--format", choices=("text", "json"), default="text")
    sub.add_parser("prepare", help="compile the add-one completion's counting code now (after installing or "
                                   "upgrading), so the first count does not wait for it")
    return p


def main(argv: list[str]) -> int:
    args = _parser().parse_args(argv)
    if args.command == "prepare":
        return _prepare()
    try:
        election = read_pabulib(args.file)
        if args.command == "check":
            return _check(election, args)
        options = Options(completion=args.completion, utility=args.utility, tie_breaking=args.tie_breaking,
                          seed=args.seed, ordinal_scoring=args.ordinal_scoring,
                          exclude_low_support=args.exclude_low_support, min_votes=args.min_votes,
                          step=args.step)
        outcome = count(election, args.rule, options=options, explain=args.explain)
    except BudgetingError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    data = outcome.to_dict()
    if args.format == "json":
        print(json.dumps(data, ensure_ascii=False))
        return 0
    cur = election.meta.get("currency", "")
    print(f"{election.label}: {args.rule}" + (f", completion {args.completion}" if args.rule == "mes" else ""))
    print(f"funded {len(outcome.winners)} of {len(election.projects)} projects for "
          f"{money(outcome.total_cost, cur)} of {money(outcome.budget, cur)} ({outcome.seconds:.2f} s)")
    if outcome.per_voter is not None:
        print(f"Equal Shares counted with {money(outcome.per_voter, cur)} per voter"
              + (f" (the share raised {outcome.steps} times by {format_number(args.step)})" if outcome.steps else ""))
    for pid in outcome.winners:
        p = election.projects[pid]
        print(f"  {pid:>12}  {money(p.cost, cur):>16}  {p.name}")
    if outcome.explanations:
        print()
        for pid, ex in outcome.explanations.items():
            print(f"  {pid}: {ex['text']}")
    return 0


def _prepare() -> int:
    """One small count with the add-one completion: compiles the counting code and caches it on
    disk (beside the module, or in NUMBA_CACHE_DIR), where every later process finds it."""
    started = time.perf_counter()
    tiny = make_election(budget=10, projects={"a": 6, "b": 6}, ballots=[["a"], ["a", "b"], ["b"]])
    count(tiny, "mes", completion="add1")
    print(f"counting code ready ({time.perf_counter() - started:.1f} s)")
    return 0


def _check(election, args) -> int:
    vt = election.vote_type
    summary = {
        "round": election.label,
        "projects": len(election.projects),
        "voters": len(election.ballots),
        "empty_ballots": sum(1 for b in election.ballots if not b.projects),
        "vote_type": vt,
        "budget": format_number(election.budget),
        "currency": election.meta.get("currency", ""),
        "rule": election.meta.get("rule", ""),
        "selected_recorded": any("selected" in p.extra for p in election.projects.values()),
    }
    if args.format == "json":
        print(json.dumps(summary, ensure_ascii=False))
    else:
        print(f"{args.file}: ok")
        for k, v in summary.items():
            print(f"  {k}: {v}")
    return 0
