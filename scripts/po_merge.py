"""A git merge driver for the translation catalogues: the union of both sides' entries.

    git config merge.po.driver ".venv/bin/python scripts/po_merge.py %O %A %B"

Two branches that each add texts touch neighbouring lines of the same .po file, which a line
merge reports as a conflict although nothing conflicts. Here the result is our side with every
entry the other side added or translated where ours has none, and every translation the other
side corrected where ours still has the common ancestor's (a three-way merge per entry: a fix
made on one branch is not undone by a branch that merely kept the old text); `scripts/i18n.py
extract` drops entries that no longer occur in the source and `compile` rebuilds the .mo files
afterwards.
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
    ours = polib.pofile(ours_path)
    theirs = polib.pofile(theirs_path)
    try:
        base = {key(e): e for e in polib.pofile(base_path)}
    except (OSError, ValueError):  # no common ancestor file (both sides added it)
        base = {}
    by_key = {key(e): e for e in ours}
    for entry in theirs:
        if entry.obsolete:
            continue
        mine = by_key.get(key(entry))
        if mine is None:
            ours.append(entry)
        elif translated(entry) and not translated(mine):
            mine.msgstr, mine.msgstr_plural, mine.flags = entry.msgstr, entry.msgstr_plural, entry.flags
        elif (translated(entry) and key(entry) in base and text(mine) == text(base[key(entry)])
              and text(entry) != text(mine)):
            # Ours kept the ancestor's translation, theirs corrected it: take the correction.
            mine.msgstr, mine.msgstr_plural, mine.flags = entry.msgstr, entry.msgstr_plural, entry.flags
    ours.save(ours_path)
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:4]))
