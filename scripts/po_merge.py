"""A git merge driver for the translation catalogues: the union of both sides' entries.

    git config merge.po.driver ".venv/bin/python scripts/po_merge.py %O %A %B"

Two branches that each add texts touch neighbouring lines of the same .po file, which a line
merge reports as a conflict although nothing conflicts. Here the merge is entry by entry against
the common ancestor: our side, plus every entry the other side added, plus every translation the
other side changed where ours left it as it was (or has none); where both changed one, ours
stays. `scripts/i18n.py extract` drops entries that no longer occur in the source and `compile`
rebuilds the .mo files afterwards.
"""

from __future__ import annotations

import sys

import polib


def key(entry: polib.POEntry) -> tuple[str, str]:
    return entry.msgctxt or "", entry.msgid


def translated(entry: polib.POEntry) -> bool:
    if "fuzzy" in entry.flags:
        return False
    if entry.msgid_plural:
        return all(entry.msgstr_plural.get(i) for i in (0, 1))
    return bool(entry.msgstr)


def text(entry: polib.POEntry | None) -> tuple:
    if entry is None:
        return ()
    return entry.msgstr, tuple(sorted(entry.msgstr_plural.items())), "fuzzy" in entry.flags


def main(base_path: str, ours_path: str, theirs_path: str) -> int:
    base = {key(e): e for e in polib.pofile(base_path)}
    ours = polib.pofile(ours_path)
    theirs = polib.pofile(theirs_path)
    by_key = {key(e): e for e in ours}
    for entry in theirs:
        if entry.obsolete:
            continue
        mine = by_key.get(key(entry))
        if mine is None:
            ours.append(entry)
            continue
        before = text(base.get(key(entry)))
        they_changed = text(entry) != before
        if translated(entry) and ((they_changed and text(mine) == before) or not translated(mine)):
            mine.msgstr, mine.msgstr_plural, mine.flags = entry.msgstr, entry.msgstr_plural, entry.flags
    ours.save(ours_path)
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:4]))
