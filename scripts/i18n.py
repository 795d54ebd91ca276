"""Translations for Danish and Norwegian Bokmål.

    python scripts/i18n.py extract [--chunk 250]   collect the texts (needs GNU gettext), write the
                                                     untranslated ones to var/i18n/untranslated-N.json
    python scripts/i18n.py apply FILE.json ...      put translated JSON back into the .po files
    python scripts/i18n.py compile                  build the .mo files (pure Python, no gettext)
    python scripts/i18n.py status                   how many texts are missing per language

An entry of those files is {"id", "plural", "context", "da", "nb"}; for a plural text "da" and "nb" are
lists [singular, plural] (both languages have two plural forms, n != 1).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import polib

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "civicpanel"
LANGUAGES = ("da", "nb")
PLURAL_FORMS = "nplurals=2; plural=(n != 1);"


def po_path(language: str) -> Path:
    return PACKAGE / "locale" / language / "LC_MESSAGES" / "django.po"


def missing(entry: polib.POEntry) -> bool:
    if entry.obsolete:
        return False
    if "fuzzy" in entry.flags:
        return True
    if entry.msgid_plural:
        return not all(entry.msgstr_plural.get(i) for i in (0, 1))
    return not entry.msgstr


def extract(chunk: int) -> None:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "civicpanel.config.test_settings"}
    subprocess.run([sys.executable, "-m", "django", "makemessages", "--no-obsolete", "--no-location",
                    *[f"-l{lang}" for lang in LANGUAGES], "--ignore", "methods/*"],
                   cwd=PACKAGE, env=env, check=True)
    pending: dict[tuple, dict] = {}
    for language in LANGUAGES:
        po = polib.pofile(str(po_path(language)))
        po.metadata["Plural-Forms"] = PLURAL_FORMS
        po.save()
        for entry in po:
            if missing(entry):
                key = (entry.msgctxt or "", entry.msgid, entry.msgid_plural or "")
                pending.setdefault(key, {"id": entry.msgid, "plural": entry.msgid_plural or "",
                                      "context": entry.msgctxt or "", "da": "", "nb": ""})
    out = ROOT / "var" / "i18n"
    out.mkdir(parents=True, exist_ok=True)
    for old in out.glob("untranslated-*.json"):
        old.unlink()
    items = list(pending.values())
    for n, start in enumerate(range(0, len(items), chunk), start=1):
        (out / f"untranslated-{n}.json").write_text(json.dumps(items[start:start + chunk], ensure_ascii=False, indent=1))
    print(f"{len(items)} texts to translate, in {max(1, -(-len(items) // chunk))} file(s) in var/i18n/")


FORMAT_FIELD = re.compile(r"%\([a-z_]+\)[sd]|%[sd]|\{[a-z_]+\}")


def placeholders(text: str) -> set[str]:
    return set(FORMAT_FIELD.findall(text))


def apply(files: list[str]) -> None:
    translations = {}
    for name in files:
        for item in json.loads(Path(name).read_text()):
            for language in LANGUAGES:
                texts = item.get(language) or []
                for text in [texts] if isinstance(texts, str) else texts:
                    if text and not placeholders(text) <= placeholders(item["id"] + item.get("plural", "")):
                        print(f"skipped ({language}, placeholders differ): {item['id']!r} -> {text!r}")
                        item[language] = ""
            translations[(item.get("context", ""), item["id"], item.get("plural", ""))] = item
    for language in LANGUAGES:
        po = polib.pofile(str(po_path(language)))
        changed = 0
        for entry in po:
            item = translations.get((entry.msgctxt or "", entry.msgid, entry.msgid_plural or ""))
            if not item or not item.get(language):
                continue
            text = item[language]
            if entry.msgid_plural:
                forms = text if isinstance(text, list) else [text, text]
                entry.msgstr_plural = {0: forms[0], 1: forms[-1]}
            else:
                entry.msgstr = text if isinstance(text, str) else text[0]
            if "fuzzy" in entry.flags:
                entry.flags.remove("fuzzy")
            changed += 1
        po.save()
        print(f"{language}: {changed} texts set")
    compile_mo()


def compile_mo() -> None:
    for language in LANGUAGES:
        po = polib.pofile(str(po_path(language)))
        po.save_as_mofile(str(po_path(language).with_suffix(".mo")))
    print("compiled")


def status() -> int:
    total = 0
    for language in LANGUAGES:
        po = polib.pofile(str(po_path(language)))
        n = sum(1 for entry in po if missing(entry))
        total += n
        print(f"{language}: {n} of {len([e for e in po if not e.obsolete])} texts missing")
    return 1 if total else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("extract").add_argument("--chunk", type=int, default=250)
    sub.add_parser("apply").add_argument("files", nargs="+")
    sub.add_parser("compile")
    sub.add_parser("status")
    args = parser.parse_args()
    if args.command == "extract":
        extract(args.chunk)
    elif args.command == "apply":
        apply(args.files)
    elif args.command == "compile":
        compile_mo()
    else:
        return status()
    return 0


if __name__ == "__main__":
    sys.exit(main())
