"""Re-encrypt personal data under the current key: `civicpanel rotate_data_keys`.

Rotation (docs/operations.md): put the new key first in CIVICPANEL_DATA_KEYS, keep the old
one after it, restart, run this command, check that `civicpanel check --database default`
reports nothing, then remove the old key. A new CIVICPANEL_INDEX_KEY is taken into use by the
same command (every blind index is recomputed).
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from civicpanel.common import crypto
from civicpanel.common.encrypted_data import rotate, rows_not_under


class Command(BaseCommand):
    help = "Re-encrypt every encrypted value under the current key and recompute the blind indexes."

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=500)

    def handle(self, *args, batch_size: int, **options):
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1")
        ring = crypto.keyring()
        self.stdout.write(f"Current key: {ring.current_id} (of {', '.join(ring.keys)})")
        try:
            report = rotate(batch_size=batch_size)
        except crypto.DecryptionError as error:
            raise CommandError(str(error)) from error
        for label, count in report.items():
            self.stdout.write(f"{label}: {count} rewritten")
        left = list(rows_not_under({ring.current_id}))
        if left:
            raise CommandError("still not under the current key: " + ", ".join(
                f"{model._meta.label}.{field.name} ({count})" for model, field, count in left))
        self.stdout.write(self.style.SUCCESS(f"Every encrypted value is under key {ring.current_id}."))
