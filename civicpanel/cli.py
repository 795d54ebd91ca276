"""The one `civicpanel` command.

    civicpanel demo                 the demo council, its worker and mail catcher, on :8000
    civicpanel serve                the web server for production (gunicorn)
    civicpanel select ...           representative and fair selection (methods.selection)
    civicpanel pb ...               participatory-budgeting counts and Pabulib files
    civicpanel weight ...           raking weights to population margins
    civicpanel estimate ...         weighted estimates with standard errors
    civicpanel <django command>     any management command: migrate, db_worker, ...

The method commands import no Django, so they start fast and run without a database.
"""

from __future__ import annotations

import importlib
import os
import sys

# Method commands: name -> module with `main(argv: list[str]) -> int`.
METHOD_COMMANDS = {
    "select": "civicpanel.methods.selection.cli",
    "pb": "civicpanel.methods.budgeting.cli",
    "weight": "civicpanel.methods.weighting.cli",
    "estimate": "civicpanel.methods.estimation.cli",
}


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] in {"-h", "--help", "help"}:
        print(__doc__)
        return 0
    command, rest = argv[0], argv[1:]
    if command in METHOD_COMMANDS:
        module = importlib.import_module(METHOD_COMMANDS[command])
        return int(module.main(rest) or 0)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "civicpanel.config.settings")
    if command == "demo":
        _demo_environment()
    from django.core.management import execute_from_command_line

    if command == "serve":
        return _serve(rest)
    execute_from_command_line(["civicpanel", command, *rest])
    return 0


def _demo_environment() -> None:
    """The demo keeps its own database and mail folder under ./var/demo and sends its
    e-mail to its own catcher, so it never touches a real install or a real mailbox."""
    data_dir = os.path.abspath(os.environ.get("CIVICPANEL_DATA_DIR", os.path.join("var", "demo")))
    os.environ["CIVICPANEL_DATA_DIR"] = data_dir
    os.environ.setdefault("CIVICPANEL_MAIL_CATCHER_DIR", os.path.join(data_dir, "mail"))
    os.environ.setdefault("EMAIL_URL", "smtp://127.0.0.1:1025")
    os.environ.setdefault("CIVICPANEL_ENV", "development")
    # A demo is shown to councils: their error pages, not the developer's technical ones.
    os.environ.setdefault("DEBUG", "false")


def _serve(rest: list[str]) -> int:
    """Run gunicorn on the WSGI app; options after `serve` go to gunicorn."""
    if os.environ.get("CIVICPANEL_ENV") != "production":
        # Without it the development settings apply: DEBUG pages that show residents' data to
        # anyone who provokes an error, a publicly known SECRET_KEY, and no HTTPS-only cookies.
        print("civicpanel serve runs only with CIVICPANEL_ENV=production (see docs/operations.md); "
              "for development use `civicpanel runserver` or `civicpanel demo`.", file=sys.stderr)
        return 2
    from gunicorn.app.wsgiapp import run

    bind = os.environ.get("CIVICPANEL_BIND", "127.0.0.1:8000")
    # The access log goes through a logger that redacts the tokens of personal links. Sending a
    # survey to a whole panel writes its invitations in the staff member's request (about 27 s per
    # 100,000 members): gunicorn's default timeout of 30 s would end it, and nothing would be sent.
    sys.argv = ["gunicorn", "--bind", bind, "--workers", os.environ.get("WEB_CONCURRENCY", "2"),
                "--timeout", os.environ.get("WEB_TIMEOUT", "120"),
                "--logger-class", "civicpanel.common.gunicorn.RedactingGunicornLogger",
                "civicpanel.config.wsgi:application", *rest]
    run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
