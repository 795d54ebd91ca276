"""Everything a person sees speaks Danish and Norwegian Bokmål as well as English: every text
in the source has a translation, and the compiled catalogues match the .po files."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest

ROOT = Path(__file__).resolve().parents[1]
LOCALE = ROOT / "civicpanel" / "locale"
LANGUAGES = ["da", "nb"]


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_text_is_translated(language):
    po = polib.pofile(str(LOCALE / language / "LC_MESSAGES" / "django.po"))
    untranslated = [e.msgid for e in po if not e.obsolete and (not e.translated() or "fuzzy" in e.flags)]
    assert untranslated == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_compiled_catalogue_matches_the_po_file(language):
    po = polib.pofile(str(LOCALE / language / "LC_MESSAGES" / "django.po"))
    mo = polib.mofile(str(LOCALE / language / "LC_MESSAGES" / "django.mo"))
    compiled = {(e.msgctxt, e.msgid): (e.msgstr, e.msgstr_plural) for e in mo}
    stale = [e.msgid for e in po if e.translated() and (e.msgctxt, e.msgid) not in compiled]
    assert stale == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_placeholders_survive_translation(language):
    placeholder = re.compile(r"%\([a-z_]+\)[sd]")
    po = polib.pofile(str(LOCALE / language / "LC_MESSAGES" / "django.po"))
    broken = []
    for entry in po:
        source = set(placeholder.findall(entry.msgid + entry.msgid_plural))
        texts = list(entry.msgstr_plural.values()) if entry.msgid_plural else [entry.msgstr]
        if any(not set(placeholder.findall(text)) <= source for text in texts):
            broken.append(entry.msgid)
    assert broken == []


@pytest.mark.skipif(shutil.which("xgettext") is None, reason="GNU gettext is not installed")
def test_no_text_in_the_source_is_missing_from_the_catalogue(tmp_path):
    """Extract the texts afresh into a copy of the catalogue and compare the sets of texts."""
    package = tmp_path / "civicpanel"
    shutil.copytree(ROOT / "civicpanel", package, ignore=shutil.ignore_patterns("__pycache__", "methods"))
    subprocess.run([sys.executable, "-m", "django", "makemessages", "-l", "da", "--no-location", "--no-obsolete"],
                   cwd=package, check=True, capture_output=True,
                   env={"DJANGO_SETTINGS_MODULE": "civicpanel.config.test_settings", "PYTHONPATH": str(ROOT),
                        "PATH": "/usr/bin:/bin"})
    fresh = {(e.msgctxt, e.msgid) for e in polib.pofile(str(package / "locale/da/LC_MESSAGES/django.po"))}
    committed = {(e.msgctxt, e.msgid) for e in polib.pofile(str(LOCALE / "da/LC_MESSAGES/django.po"))}
    assert sorted(m for _, m in fresh - committed) == []
