"""Writing a large wave's e-mails (one Delivery per member) with common.bulk_insert: plain values
passed to the COPY as they are, beside the same insert with Django's preparation of every value
(how bulk_insert wrote them before), alternating in one run, each in a transaction rolled back.

    .venv/bin/python benches/scale/copy_rows.py            # on the scale benchmark's database (run.py --build)
    .venv/bin/python benches/scale/copy_rows.py --rows 20000 --rounds 7
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import django_setup, load  # noqa: E402
from run import DB  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=86_000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    django_setup(DB)
    from django.db import transaction

    from civicpanel.common import bulk_insert as module
    from civicpanel.members.models import Member
    from civicpanel.outreach.models import Delivery, Mailing
    from civicpanel.tenancy.models import Council

    council = Council.objects.get(slug="small")
    ids = list(Member.objects.filter(council=council).order_by("pk").values_list("pk", flat=True)[:args.rows])
    plain = module._plain

    def insert(prepared: bool) -> float:
        module._plain = (lambda field: False) if prepared else plain
        try:
            with transaction.atomic():
                mailing = Mailing.objects.create(council=council, message_type="survey_invitation", reference="bench")
                rows = [Delivery(mailing=mailing, member_id=pk, language="da") for pk in ids]
                started = time.perf_counter()
                module.bulk_insert(rows)
                elapsed = time.perf_counter() - started
                transaction.set_rollback(True)
        finally:
            module._plain = plain
        return elapsed

    times = {"plain": [], "prepared": []}
    insert(False)  # warm: the first COPY of a process
    for _ in range(args.rounds):
        for kind in times:
            times[kind].append(insert(kind == "prepared"))
    plain_s, prepared_s = statistics.median(times["plain"]), statistics.median(times["prepared"])
    print(f"{len(ids):,} deliveries, median of {args.rounds} (load {load()}): plain values {plain_s:.2f} s, "
          f"every value prepared by Django {prepared_s:.2f} s; ratio {prepared_s / plain_s:.2f}")


if __name__ == "__main__":
    main()
