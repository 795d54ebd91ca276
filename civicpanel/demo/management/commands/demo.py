"""`civicpanel demo`: the demo council with its worker and mail catcher, on http://127.0.0.1:8000."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from civicpanel.demo.seed import demo_exists, seed_demo


class Command(BaseCommand):
    help = "Run the demo: a Valby council with a realistic panel, a mail worker and a mail catcher."
    requires_system_checks: list[str] = []

    def add_arguments(self, parser):
        parser.add_argument("--addr", default="127.0.0.1:8000", help="Address for the web server.")
        parser.add_argument("--reset", action="store_true", help="Delete the demo's data and start afresh.")
        parser.add_argument("--no-serve", action="store_true", help="Prepare the data, print the logins and stop.")
        parser.add_argument("--code", metavar="EMAIL", help="Print the current TOTP code of a demo staff account.")

    def handle(self, *args, addr: str, reset: bool, no_serve: bool, code: str | None, **options):
        if code:
            call_command("totp_code", code)
            return
        data_dir = Path(settings.DATA_DIR)
        if reset and data_dir.exists() and data_dir.name == "demo":
            shutil.rmtree(data_dir)
            self.stdout.write("Demo data deleted.")
        data_dir.mkdir(parents=True, exist_ok=True)
        call_command("migrate", interactive=False, verbosity=0)
        if not demo_exists():
            self.stdout.write("Creating the Valby demo council and its panel (about 2,000 members) ...")
            logins = seed_demo()
            (data_dir / "logins.txt").write_text(
                "\n".join(f"{login.email}\t{login.role}\t{login.password}\t{login.totp_secret}" for login in logins)
            )
            from civicpanel.demo.seed import seed_demo_api_token

            (data_dir / "api-token.txt").write_text(seed_demo_api_token())
        self._print_logins(data_dir, addr)
        if no_serve:
            return
        self._run(addr)

    def _print_logins(self, data_dir: Path, addr: str) -> None:
        host, _, port = addr.partition(":")
        lines = [line.split("\t") for line in (data_dir / "logins.txt").read_text().splitlines() if line]
        out = self.stdout.write
        out("")
        out("=" * 78)
        out(f"  civicpanel demo: http://{addr}/   (also http://valby.localhost:{port}/)")
        out(f"  Residents' sign-up:  http://{addr}/join/")
        out(f"  Staff login:         http://{addr}/accounts/login/")
        out(f"  Mail catcher:        http://{addr}/demo/mail/   (every e-mail the demo sends)")
        out("")
        out("  Staff logins (password, then the code from an authenticator app):")
        for email, role, password, secret in lines:
            out(f"    {role:8} {email:22} password {password}   TOTP secret {secret}")
        out("  No phone at hand? Print an account's current code with:")
        out(f"    .venv/bin/civicpanel demo --code {lines[0][0]}")
        token_file = data_dir / "api-token.txt"
        if token_file.exists():
            out("")
            out("  Read API (docs/api.md), a token that may read everything:")
            out(f"    curl -H 'Authorization: Bearer {token_file.read_text().strip()}' http://{addr}/api/v1/surveys/")
        out("=" * 78)
        out("")

    def _run(self, addr: str) -> None:
        from civicpanel.outreach.catcher import start_catcher_thread

        catcher_dir = Path(settings.CIVICPANEL_MAIL_CATCHER_DIR)
        catcher_dir.mkdir(parents=True, exist_ok=True)
        start_catcher_thread("127.0.0.1", 1025, str(catcher_dir))
        # Waves that a stopped demo left half-sent go back on the queue before the worker starts.
        call_command("mailings_resume", verbosity=0)
        call_command("surveys_waves_resume", verbosity=0)
        worker = subprocess.Popen([sys.executable, "-m", "civicpanel.cli", "db_worker", "--queue-name", "mail,default"],
                                  env=os.environ.copy())
        try:
            call_command("runserver", addr, use_reloader=False, skip_checks=True)
        finally:
            worker.send_signal(signal.SIGTERM)
            try:
                worker.wait(timeout=10)
            except subprocess.TimeoutExpired:
                worker.kill()
