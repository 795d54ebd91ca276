"""After a restore: apply again the erasures, sign-up deletions and council removals that the
erasure ledger recorded after the backup was made (docs/operations.md, "Restore").

    civicpanel erasures_reapply --since 2026-12-05T03:00:00+00:00

Without --since every entry of the ledger is applied; that is safe too (each step is a no-op
for what is already gone), only slower.
"""

from __future__ import annotations

import datetime

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from civicpanel.common.appendonly import purge_permitted
from civicpanel.common.ledger import (
    COUNCIL_REMOVED,
    MEMBER_DELETED,
    MEMBER_ERASED,
    ledger_entries,
    ledger_path,
)
from civicpanel.members.erasure import member_erase
from civicpanel.members.models import Member
from civicpanel.tenancy.models import Council
from civicpanel.tenancy.removal import council_purge


class Command(BaseCommand):
    help = "Apply the erasure ledger again (after restoring a backup)."

    def add_arguments(self, parser):
        parser.add_argument("--ledger", default=None, help="The ledger file (default CIVICPANEL_ERASURE_LEDGER).")
        parser.add_argument("--since", default=None,
                            help="Only entries at or after this time (ISO 8601, e.g. the backup's start time).")

    def handle(self, *args, ledger=None, since=None, **options):
        moment = None
        if since:
            try:
                moment = datetime.datetime.fromisoformat(since)
            except ValueError as error:
                raise CommandError(f"--since: not an ISO 8601 time: {since!r}") from error
            if moment.tzinfo is None:
                raise CommandError("--since needs a time zone (e.g. +00:00)")
        try:
            entries = list(ledger_entries(ledger, since=moment))
        except ValueError as error:
            raise CommandError(str(error)) from error
        counts = {MEMBER_ERASED: 0, MEMBER_DELETED: 0, COUNCIL_REMOVED: 0}
        for entry in entries:
            if entry["action"] == COUNCIL_REMOVED:
                council = Council.objects.filter(pk=entry["council"]).first()
                if council is not None:
                    council_purge(council=council, ledger=False)
                    counts[COUNCIL_REMOVED] += 1
                continue
            member = Member.objects.filter(pk=entry["member"], council_id=entry["council"]).first()
            if member is None:
                continue
            if entry["action"] == MEMBER_DELETED:
                if member.status == Member.Status.PENDING:
                    with transaction.atomic(), purge_permitted():
                        Member.objects.filter(pk=member.pk).delete()
                    counts[MEMBER_DELETED] += 1
            elif member.email is not None or member.name or member.status != Member.Status.LEFT:
                member_erase(member=member, now=entry["at"], ledger=False)
                counts[MEMBER_ERASED] += 1
        self.stdout.write(
            f"{len(entries)} ledger entries read from {ledger or ledger_path()}: {counts[MEMBER_ERASED]} members "
            f"erased again, {counts[MEMBER_DELETED]} sign-ups deleted again, {counts[COUNCIL_REMOVED]} councils "
            "removed again.")
