"""Runs one pabutools rule on one file in its own process (so a time and memory bound can be set
from outside) and prints one JSON line: winners, wall and CPU seconds for the rule, seconds to
parse, peak KiB."""

import json
import resource
import sys
import time

from pabutools.election import (
    Additive_Borda_Sat,
    Additive_Cardinal_Sat,
    AdditiveSatisfaction,
    Cardinality_Sat,
    Cost_Sat,
    parse_pabulib,
)
from pabutools.rules import (
    exhaustion_by_budget_increase,
    greedy_utilitarian_welfare,
    max_additive_utilitarian_welfare,
    method_of_equal_shares,
    sequential_phragmen,
)


def points_times_cost(instance, profile, ballot, project, precomputed):
    return ballot.get(project, 0) * project.cost


def max_length_points(instance, profile, ballot, project, precomputed):
    """Kraków: the first of max_length choices gets max_length points, then one less."""
    if project not in ballot:
        return 0
    top = int(instance.meta.get("max_length") or len(ballot))
    return top - ballot.position(project)


def max_length_points_cost(instance, profile, ballot, project, precomputed):
    return max_length_points(instance, profile, ballot, project, precomputed) * project.cost


def make_sat(func):
    class Sat(AdditiveSatisfaction):
        def __init__(self, instance, profile, ballot):
            AdditiveSatisfaction.__init__(self, instance, profile, ballot, func)
    return Sat


def main() -> None:
    path, rule = sys.argv[1], sys.argv[2]
    t0 = time.perf_counter()
    instance, profile = parse_pabulib(path)
    parse_s = time.perf_counter() - t0
    vt = instance.meta["vote_type"]
    if vt in ("approval", "choose-1"):
        votes_sat, points_sat = Cost_Sat, Cardinality_Sat
    elif vt == "ordinal":
        votes_sat, points_sat = make_sat(max_length_points_cost), make_sat(max_length_points)
    else:
        votes_sat, points_sat = make_sat(points_times_cost), Additive_Cardinal_Sat
    t0 = time.perf_counter()
    c0 = time.process_time()
    if rule == "greedy":
        out = greedy_utilitarian_welfare(instance, profile, sat_class=votes_sat)
    elif rule == "greedy-cost":
        out = greedy_utilitarian_welfare(instance, profile, sat_class=points_sat)
    elif rule == "mes-none":
        out = method_of_equal_shares(instance, profile, sat_class=votes_sat)
    elif rule == "mes-add1":
        out = method_of_equal_shares(instance, profile, sat_class=votes_sat, voter_budget_increment=1)
    elif rule == "mes-official":
        # the add-one completion as counted in Wieliczka, Świecie and Assen: raise every voter's
        # share by 1 while the outcome fits the budget (not stopping at an exhaustive one)
        out = exhaustion_by_budget_increase(instance, profile, method_of_equal_shares,
                                            rule_params={"sat_class": votes_sat}, exhaustive_stop=False,
                                            budget_step=profile.num_ballots())
    elif rule == "phragmen":
        out = sequential_phragmen(instance, profile)
    elif rule == "utilitarian":
        out = max_additive_utilitarian_welfare(instance, profile, sat_class=points_sat)
    elif rule == "mes-borda":
        out = method_of_equal_shares(instance, profile, sat_class=Additive_Borda_Sat)
    else:
        raise SystemExit(f"unknown rule {rule}")
    seconds = time.perf_counter() - t0
    cpu = time.process_time() - c0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"winners": sorted(p.name for p in out), "seconds": seconds, "cpu_seconds": cpu,
                      "parse_seconds": parse_s, "peak_kib": peak}))


if __name__ == "__main__":
    main()
