#!/usr/bin/env python3
"""No secrets in the repository (security requirement H3), for CI.

    python3 -m pip install detect-secrets==1.5.0
    python3 scripts/scan_secrets.py              # fails on a finding that is not reviewed in .secrets.baseline
    python3 scripts/scan_secrets.py --update     # after a change: refresh .secrets.baseline, keep its reviews

Runs detect-secrets over every tracked file with the plugins and filters recorded in
`.secrets.baseline` (placeholders such as `smtp://user:password@...` and the alphabets of the
printed codes are left out there by `--exclude-secrets`, not reviewed one by one). Every other
finding must be in the baseline, reviewed: `"is_secret": false` and a `"reason"` that says what
the string is (a test password, a rate-limit setting that a keyword rule mistakes for one). A
finding that is new, unreviewed or reviewed as a real secret fails the run, which names the file
and line; the secret itself is never printed.

A new false alarm: run `--update`, which adds it to the baseline without a review and keeps the
reviews already there (detect-secrets' own `audit` and `scan --baseline` drop the reasons), then
write `"is_secret": false, "reason": "..."` into its entry by hand. A real secret: remove it from
the code, and from the history if it was ever pushed, and revoke it.

Where detect-secrets is not installed it says so and exits 0, as scripts/audit_dependencies.py
does; `.ci/run` installs it first. Standard library only, besides detect-secrets.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BASELINE = ".secrets.baseline"


def _key(entry: dict) -> tuple[str, str, str]:
    return entry["filename"], entry["type"], entry["hashed_secret"]


def _entries(baseline: dict) -> list[dict]:
    return [entry for entries in baseline.get("results", {}).values() for entry in entries]


def rescan(root: Path, baseline: dict) -> dict:
    """detect-secrets over the tracked files of `root`, with the baseline's plugins and filters."""
    with tempfile.TemporaryDirectory() as scratch:
        copy = Path(scratch) / "baseline.json"
        copy.write_text(json.dumps(baseline))
        result = subprocess.run(["detect-secrets", "scan", "--baseline", str(copy)], cwd=root,
                                capture_output=True, text=True)
        if result.returncode != 0:
            raise RuntimeError(f"detect-secrets failed ({result.returncode}): {result.stderr.strip()[-1000:]}")
        found = json.loads(copy.read_text())
    # detect-secrets records the copy's own path as the baseline file; the repository's name
    # for it keeps the committed file free of a scratch folder's name.
    for used in found.get("filters_used", []):
        if used.get("path") == "detect_secrets.filters.common.is_baseline_file":
            used["filename"] = BASELINE
    return found


def problems(reviewed: dict, found: dict) -> list[str]:
    """Each finding of `found` that `reviewed` (the committed baseline) does not clear, as 'file:line: why'."""
    reviews = {_key(entry): entry for entry in _entries(reviewed)}
    out = []
    for entry in _entries(found):
        review = reviews.get(_key(entry))
        where = f"{entry['filename']}:{entry.get('line_number', '?')}: {entry['type']}"
        if review is None:
            out.append(f"{where}: new, not in {BASELINE}")
        elif review.get("is_secret") is not False:
            out.append(f"{where}: " + ("reviewed as a real secret" if review.get("is_secret") else "not reviewed"))
        elif not str(review.get("reason", "")).strip():
            out.append(f"{where}: reviewed without a reason")
    return out


def with_reviews(reviewed: dict, found: dict) -> dict:
    """`found` with the review (is_secret, reason) of each finding that `reviewed` already had."""
    reviews = {_key(entry): entry for entry in _entries(reviewed)}
    for entry in _entries(found):
        review = reviews.get(_key(entry), {})
        for field in ("is_secret", "reason"):
            if field in review:
                entry[field] = review[field]
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--update", action="store_true", help=f"refresh {BASELINE}, keeping its reviews")
    parser.add_argument("--root", type=Path, default=ROOT, help="the repository to scan (default: this one)")
    args = parser.parse_args(argv)
    if shutil.which("detect-secrets") is None:
        print("detect-secrets is not installed: the repository was not scanned for secrets "
              "(python3 -m pip install detect-secrets==1.5.0).")
        return 0
    path = args.root / BASELINE
    reviewed = json.loads(path.read_text())
    try:
        found = rescan(args.root, reviewed)
    except RuntimeError as error:
        print(f"secret scan could not run: {error}")
        return 2
    if args.update:
        found.pop("generated_at", None)  # a timestamp would change the file on every run
        path.write_text(json.dumps(with_reviews(reviewed, found), indent=2, ensure_ascii=False) + "\n")
    failures = problems(reviewed if not args.update else found, found)
    gone = {_key(e) for e in _entries(reviewed)} - {_key(e) for e in _entries(found)}
    if args.update:
        print(f"{BASELINE} updated: {len(_entries(found))} findings, {len(failures)} to review"
              + (":" if failures else ""))
    else:
        print(f"secret scan: {len(_entries(found))} findings, all reviewed in {BASELINE}" if not failures
              else f"secret scan: {len(failures)} of {len(_entries(found))} findings not cleared by {BASELINE}:")
    for line in failures:
        print("  " + line)
    if gone and not args.update:
        print(f"  ({len(gone)} reviewed findings no longer occur: `python3 scripts/scan_secrets.py --update` "
              "tidies the baseline)")
    if failures and not args.update:
        print("  A real secret: remove it and revoke it. A false alarm: run with --update, then review the "
              "new entries (\"is_secret\": false and a \"reason\").")
    return 1 if failures and not args.update else 0


if __name__ == "__main__":
    sys.exit(main())
