"""`civicpanel mailcatcher`: run the demo's mail catcher on its own (until Ctrl+C)."""

from __future__ import annotations

import signal
import threading

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from civicpanel.outreach.catcher import start_catcher_thread


class Command(BaseCommand):
    help = "Run an SMTP server that keeps every e-mail as an .eml file (demo and development only)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=1025)
        parser.add_argument("--dir", dest="directory", default="",
                            help="where to keep the e-mails (default: CIVICPANEL_MAIL_CATCHER_DIR)")

    def handle(self, *, host: str, port: int, directory: str, **options) -> None:
        directory = directory or settings.CIVICPANEL_MAIL_CATCHER_DIR
        if not directory:
            raise CommandError("Give --dir or set CIVICPANEL_MAIL_CATCHER_DIR.")
        controller = start_catcher_thread(host, port, directory)
        self.stdout.write(f"Mail catcher on {host}:{port}, keeping e-mails in {directory}")
        stop = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        try:
            stop.wait()
        except KeyboardInterrupt:
            pass
        finally:
            controller.stop()
