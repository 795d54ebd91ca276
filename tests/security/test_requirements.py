"""Rows of the security requirements that are properties of the code as a whole: no ModelForm
takes every field (A4), no SQL is built from strings (C5) and production sends HSTS (C5), no
secret is in the repository (H3), personal data only in the fields on the allowlist, with no
national identity number and birth years as integers (G2), residents' identifiers encrypted at
rest (G10). The table of every requirement and its test is in docs/operations.md."""

from __future__ import annotations

import ast
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.apps import apps

from civicpanel.common.fields import EncryptedTextField
from tests.test_settings import PRODUCTION_ENV

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "civicpanel"


def _python_files():
    return [p for p in PACKAGE.rglob("*.py") if "migrations" not in p.parts]


def test_no_model_form_takes_every_field():
    offenders = []
    for path in _python_files():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Assign) and any(getattr(t, "id", "") in ("fields", "exclude") for t in node.targets)
                    and isinstance(node.value, ast.Constant) and node.value.value == "__all__"):
                offenders.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert offenders == []


RAW_SQL = re.compile(r"""(\.raw\(|\.extra\(|RawSQL\()\s*(f["']|["'][^"']*["']\s*(%|\.format))""")


def test_no_sql_is_built_from_formatted_strings():
    offenders = [f"{path.relative_to(ROOT)}:{number}" for path in _python_files()
                 for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
                 if RAW_SQL.search(line) or re.search(r"\.extra\(", line)]
    assert offenders == []


def test_production_sends_hsts_for_a_year_with_subdomains():
    code = ("import json, django; django.setup(); from django.conf import settings; "
            "print(json.dumps([settings.SECURE_HSTS_SECONDS, settings.SECURE_HSTS_INCLUDE_SUBDOMAINS]))")
    clean = {k: v for k, v in os.environ.items() if k not in {"CIVICPANEL_ENV", "DATABASE_URL", "SECRET_KEY"}}
    result = subprocess.run([sys.executable, "-c", code], env={**clean, **PRODUCTION_ENV}, capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    seconds, subdomains = json.loads(result.stdout)
    assert seconds >= 31_536_000 and subdomains is True


SECRET_PATTERNS = [re.compile(p) for p in (
    r"-----BEGIN (RSA |EC |OPENSSH |DSA |)PRIVATE KEY-----", r"AKIA[0-9A-Z]{16}", r"\bsk_live_[0-9A-Za-z]{16,}",
    r"\bghp_[0-9A-Za-z]{30,}", r"xox[baprs]-[0-9A-Za-z-]{10,}")]


def test_no_secret_is_in_the_repository():
    files = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout.split()
    found = []
    for name in files:
        path = ROOT / name
        if not path.is_file() or path.suffix in (".mo", ".png", ".jpg", ".woff2", ".pdf", ".ico", ".gif", ".webp"):
            continue
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue
        found += [f"{name}: {pattern.pattern}" for pattern in SECRET_PATTERNS if pattern.search(text)]
    assert found == []


# Personal data the product keeps, field by field (G2). A new field with one of these names, or
# any national identity number, phone or street address, fails here until it is thought about
# and added (and, for residents, encrypted).
PERSONAL_NAMES = {"email", "name", "first_name", "last_name", "full_name", "birth_year", "postal_code", "ip_address"}
ALLOWLIST = {
    "members.Member": {"email", "name", "birth_year", "postal_code"},
    # The member's birth year copied by the database for the staff list (members.filter_rows);
    # it follows the member row, erasure included.
    "members.MemberFilterRow": {"birth_year"},
    "budgeting.Resident": {"email", "birth_year", "postal_code"},
    "recruitment.Addressee": {"name", "birth_year", "postal_code"},  # a letter's addressee, all encrypted
    "accounts.User": {"email", "first_name", "last_name", "full_name"},  # staff, not residents
    "audit.AuditEvent": {"ip_address"},  # who did what, kept as the law on access logs asks
    "account.EmailAddress": {"email"},  # django-allauth's copy of a staff member's address
}
NOT_PEOPLE = {"tenancy.Council", "tenancy.District", "panel.Campaign", "members.Campaign", "surveys.Segment",
              "members.Segment"}
FORBIDDEN = re.compile(r"cpr|personnummer|f(o|ø)dselsnummer|ssn|social_security|birth_?date|birthday|date_of_birth|"
                       r"phone|mobile|street|home_address", re.IGNORECASE)
# Contact fields that match FORBIDDEN by name but were thought about: a member's optional postal
# address and phone number for paper and phone surveys (members/contact.py), encrypted at rest.
CONTACT_ALLOWED = {"members.Member": {"postal_address", "phone"}}
RESIDENT_IDENTIFIERS = {"members.Member": ("email", "name", "postal_address", "phone"), "budgeting.Resident": ("email",),
                        "recruitment.Addressee": ("name", "address", "postal_code", "birth_year")}


def test_personal_data_only_in_the_fields_on_the_allowlist():
    outside, forbidden, birth_years = [], [], []
    for model in apps.get_models():
        label = model._meta.label
        for field in model._meta.concrete_fields:
            if FORBIDDEN.search(field.name) and field.name not in CONTACT_ALLOWED.get(label, set()):
                forbidden.append(f"{label}.{field.name}")
            # "name" is a person's only on the residents' own models; elsewhere it names a thing.
            thing_name = field.name == "name" and not label.startswith(("members.", "budgeting.Resident"))
            if (field.name in PERSONAL_NAMES and label not in NOT_PEOPLE and not thing_name
                    and field.name not in ALLOWLIST.get(label, set())):
                outside.append(f"{label}.{field.name}")
            if "birth" in field.name and not isinstance(field, EncryptedTextField) and field.get_internal_type() not in (
                    "PositiveSmallIntegerField", "IntegerField", "SmallIntegerField"):  # a year, never a date
                birth_years.append(f"{label}.{field.name}")
    assert forbidden == [] and outside == [] and birth_years == []


def test_residents_identifiers_are_encrypted_at_rest():
    for label, names in RESIDENT_IDENTIFIERS.items():
        model = apps.get_model(label)
        for name in names:
            assert isinstance(model._meta.get_field(name), EncryptedTextField), f"{label}.{name}"


# C3: about twenty ways to smuggle another host into a `next` parameter; every one stays here.
REDIRECT_PAYLOADS = [
    "https://evil.example/", "//evil.example/", "///evil.example/", "////evil.example/", "\\\\evil.example/",
    "/\\evil.example/", "\\/evil.example/", "/me/\\..\\//evil.example", "https:evil.example", "http://evil.example",
    "javascript:alert(1)", "data:text/html,<script>alert(1)</script>", "/%2F%2Fevil.example", "%2F%2Fevil.example",
    "/\t/evil.example", " //evil.example", "https://valby.localhost@evil.example/", "//valby.localhost.evil.example",
    "/me/@evil.example", "\x00//evil.example", "/me/%0d%0aLocation:%20https://evil.example",
]


@pytest.mark.django_db
def test_no_next_parameter_leads_off_the_site(council):
    from django.test import RequestFactory

    from civicpanel.members.views import _safe_next

    host = f"{council.slug}.localhost"
    for payload in REDIRECT_PAYLOADS:
        request = RequestFactory(HTTP_HOST=host).get("/me/login/")
        target = _safe_next(request, payload)
        assert target.startswith("/") and not target.startswith(("//", "/\\")), payload
        assert "evil.example" not in target or target.startswith("/me/"), payload


REQUIREMENT_IDS = [f"A{i}" for i in range(1, 5)] + [f"B{i}" for i in range(1, 7)] + [f"C{i}" for i in range(1, 6)] \
    + [f"D{i}" for i in range(1, 5)] + [f"E{i}" for i in range(1, 8)] + ["F1", "F2"] \
    + [f"G{i}" for i in range(1, 12)] + ["H1", "H2", "H3"]


def test_operations_names_a_test_for_every_requirement_and_each_exists():
    text = (ROOT / "docs" / "operations.md").read_text(encoding="utf-8")
    table = text[text.index("## Requirements and their tests"):]
    rows = {line.split("|")[1].strip(): line for line in table.splitlines() if re.match(r"\| [A-H]\d+ \|", line)}
    assert sorted(rows) == sorted(REQUIREMENT_IDS)
    for row_id, line in rows.items():
        for path, name in re.findall(r"`(tests/[\w/]+\.py)(?:::(\w+))?`", line):
            assert (ROOT / path).exists(), (row_id, path)
            if name:
                assert re.search(rf"def {name}\b", (ROOT / path).read_text(encoding="utf-8")), (row_id, name)
