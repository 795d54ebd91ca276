"""Run sortition-algorithms on one synthetic case; print one JSON line.

Runs in its own process (the benchmark kills it at the time bound) and only in the
benchmark's virtualenv: sortition-algorithms is GPL-3.0 and never a civicpanel dependency.

    python3 anchor_worker.py maximin POOL PANEL
    python3 anchor_worker.py legacy POOL PANEL DRAWS
"""

from __future__ import annotations

import json
import logging
import sys
import time
from collections import Counter

from sortition_algorithms import Settings, read_in_features, read_in_people
from sortition_algorithms.committee_generation.legacy import find_random_sample_legacy
from sortition_algorithms.committee_generation.maximin import find_distribution_maximin
from sortition_algorithms.utils import set_random_provider
from synth import make_pool, make_quotas


def load(pool_size: int, panel: int):
    ids, cols = make_pool(pool_size)
    quotas = make_quotas(panel)
    head = ["feature", "value", "min", "max"]
    body = [{"feature": f, "value": v, "min": str(lo), "max": str(hi)} for f, v, lo, hi in quotas]
    features, _, _ = read_in_features(head, body, panel)
    settings = Settings(id_column="id", columns_to_keep=[])
    people_head = ["id", *cols]
    people_body = [{"id": pid, **{c: cols[c][i] for c in cols}} for i, pid in enumerate(ids)]
    people, _ = read_in_people(people_head, people_body, features, settings)
    return ids, cols, quotas, features, people


def quotas_met(panel_ids, ids, cols, quotas) -> bool:
    index = {pid: i for i, pid in enumerate(ids)}
    rows = [index[p] for p in panel_ids]
    return all(lo <= sum(cols[f][r] == v for r in rows) <= hi for f, v, lo, hi in quotas)


def main() -> None:
    logging.disable(logging.CRITICAL)
    method, pool_size, panel = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    ids, cols, quotas, features, people = load(pool_size, panel)
    set_random_provider(12345)
    started = time.perf_counter()
    if method == "maximin":
        committees, probs, _ = find_distribution_maximin(features, people, panel, [], "highspy")
        seconds = time.perf_counter() - started
        p = Counter()
        for committee, prob in zip(committees, probs, strict=True):
            for pid in committee:
                p[pid] += prob
        out = {"seconds": seconds, "min_probability": min(p.get(pid, 0.0) for pid in ids),
               "panels_mixed": sum(1 for x in probs if x > 0),
               "quotas_met": all(quotas_met(c, ids, cols, quotas) for c, x in zip(committees, probs, strict=True) if x > 0)}
    else:
        draws = int(sys.argv[4])
        counts: Counter = Counter()
        met = True
        for _ in range(draws):
            committees, _ = find_random_sample_legacy(people, features, panel, [], max_attempts=100)
            counts.update(committees[0])
            met = met and quotas_met(committees[0], ids, cols, quotas)
        seconds = (time.perf_counter() - started) / draws
        out = {"seconds": seconds, "draws": draws,
               "min_frequency": min(counts.get(pid, 0) for pid in ids) / draws,
               "never_drawn": sum(1 for pid in ids if counts.get(pid, 0) == 0),
               "quotas_met": met}
    print(json.dumps(out))


if __name__ == "__main__":
    main()
