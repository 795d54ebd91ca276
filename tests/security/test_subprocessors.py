"""The sub-processor list (G11, GDPR art. 28) stays true to the code: docs/sub-processors.md says
the software's only outgoing connection is SMTP to the relay in EMAIL_URL. A module that starts
talking to another kind of service (a web API, a cloud store, a raw socket) fails here until the
list names it and this table says where."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "civicpanel"

NETWORK_CLIENTS = {
    "smtplib", "socket", "ssl", "http.client", "urllib.request", "urllib3", "requests", "httpx", "aiohttp",
    "ftplib", "imaplib", "poplib", "telnetlib", "xmlrpc.client", "boto3", "botocore", "google.cloud", "azure",
    "redis", "psycopg", "psycopg2", "aiosmtplib", "websockets", "grpc", "paramiko", "sentry_sdk",
}
# Where each allowed client is used, and the row of docs/sub-processors.md that covers it.
ALLOWED = {("civicpanel/outreach/sending.py", "smtplib"): "SMTP relay",
           # The backup commands read the snapshot's manifest and check a restored copy on the
           # install's own database server (DATABASE_URL), beside pg_dump and pg_restore.
           ("civicpanel/common/backup.py", "psycopg"): "PostgreSQL"}


def _imports(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def _client(name: str) -> str | None:
    return next((c for c in NETWORK_CLIENTS if name == c or name.startswith(c + ".")), None)


def test_the_code_talks_only_to_the_services_on_the_sub_processor_list():
    found = {}
    for path in PACKAGE.rglob("*.py"):
        for name in _imports(path):
            client = _client(name)
            if client:
                found[(str(path.relative_to(ROOT)), client)] = name
    unlisted = sorted(set(found) - set(ALLOWED))
    assert unlisted == [], "name the service in docs/sub-processors.md, then in ALLOWED"
    text = (ROOT / "docs" / "sub-processors.md").read_text(encoding="utf-8")
    for row in ALLOWED.values():
        assert f"| {row} |" in text or row in text


def test_the_list_names_every_part_an_install_is_configured_with():
    text = (ROOT / "docs" / "sub-processors.md").read_text(encoding="utf-8")
    for setting in ("DATABASE_URL", "EMAIL_URL", "CACHE_URL", "CIVICPANEL_DATA_DIR", "CIVICPANEL_ERASURE_LEDGER"):
        assert f"`{setting}`" in text, setting
