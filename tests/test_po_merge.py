"""The translation catalogues' merge driver: a union of both sides, three-way per entry, so a
corrected translation survives a merge with a branch that only kept the old one."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import polib

ROOT = Path(__file__).resolve().parents[1]


def catalogue(path: Path, entries: dict[str, str]) -> Path:
    po = polib.POFile()
    for msgid, msgstr in entries.items():
        po.append(polib.POEntry(msgid=msgid, msgstr=msgstr))
    po.save(str(path))
    return path


def merge(tmp_path, base, ours, theirs) -> dict[str, str]:
    paths = [catalogue(tmp_path / f"{name}.po", entries)
             for name, entries in (("base", base), ("ours", ours), ("theirs", theirs))]
    subprocess.run([sys.executable, str(ROOT / "scripts/po_merge.py"), *map(str, paths)], check=True)
    return {e.msgid: e.msgstr for e in polib.pofile(str(paths[1]))}


def test_a_correction_on_their_side_wins_over_our_unchanged_text(tmp_path):
    result = merge(tmp_path, base={"Ages %(band)s": "%(band)s år", "Yes": "Ja"},
                   ours={"Ages %(band)s": "%(band)s år", "Yes": "Ja", "New here": "Ny her"},
                   theirs={"Ages %(band)s": "Alder %(band)s", "Yes": "Ja", "New there": "Ny der"})
    assert result == {"Ages %(band)s": "Alder %(band)s", "Yes": "Ja", "New here": "Ny her", "New there": "Ny der"}


def test_our_correction_stays_and_both_changed_keeps_ours(tmp_path):
    result = merge(tmp_path, base={"A": "old", "B": "old"}, ours={"A": "ours", "B": "ours"},
                   theirs={"A": "old", "B": "theirs"})
    assert result == {"A": "ours", "B": "ours"}
