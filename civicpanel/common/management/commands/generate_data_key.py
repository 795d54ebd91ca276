"""Print a new random 256-bit key for CIVICPANEL_DATA_KEYS or CIVICPANEL_INDEX_KEY."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from civicpanel.common.crypto import generate_key


class Command(BaseCommand):
    help = "Print a new random key (base64 of 32 bytes) for CIVICPANEL_DATA_KEYS or CIVICPANEL_INDEX_KEY."

    def add_arguments(self, parser):
        parser.add_argument("--id", dest="key_id", default="",
                            help="Print it as an entry of CIVICPANEL_DATA_KEYS: <id>:<key>.")

    def handle(self, *args, key_id: str, **options):
        key = generate_key()
        self.stdout.write(f"{key_id}:{key}" if key_id else key)
