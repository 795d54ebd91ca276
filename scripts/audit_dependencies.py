#!/usr/bin/env python3
"""Known vulnerabilities in the locked dependencies (security requirement H3), for CI.

    python3 -m pip install pip-audit && python3 scripts/audit_dependencies.py [requirements/base.lock]

Runs `pip-audit -s pypi` over the lock file (every pin, without installing anything) and fails
on a known vulnerability whose fixed release came out more than 14 days ago: a fix that new is
given two weeks to be taken in. Where PyPI's vulnerability data cannot be reached (pip-audit
then skips every package), it says so and exits 0: a machine without that access cannot audit,
and a red build would only teach people to ignore it. Standard library only, besides pip-audit.
"""

from __future__ import annotations

import datetime
import json
import shutil
import subprocess
import sys
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GRACE = datetime.timedelta(days=14)


def fix_released(package: str, versions: list[str]) -> datetime.datetime | None:
    """When the first of the fixed versions was uploaded to PyPI (None if unknown)."""
    try:
        with urllib.request.urlopen(f"https://pypi.org/pypi/{package}/json", timeout=20) as answer:  # noqa: S310
            releases = json.load(answer).get("releases", {})
    except OSError:
        return None
    times = [datetime.datetime.fromisoformat(f["upload_time_iso_8601"].replace("Z", "+00:00"))
             for version in versions for f in releases.get(version, [])]
    return min(times) if times else None


def main() -> int:
    lock = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "requirements" / "base.lock"
    if shutil.which("pip-audit") is None:
        print("pip-audit is not installed: dependencies not audited (python3 -m pip install pip-audit).")
        return 0
    result = subprocess.run(["pip-audit", "-s", "pypi", "-r", str(lock), "--no-deps", "--disable-pip",
                             "--progress-spinner", "off", "-f", "json"], capture_output=True, text=True)
    try:
        report = json.loads(result.stdout)
    except json.JSONDecodeError:
        print(f"pip-audit did not answer ({result.returncode}): {result.stderr.strip()[-500:]}")
        return 0
    packages = report.get("dependencies", [])
    audited = [p for p in packages if "skip_reason" not in p]
    if not audited:
        print(f"PyPI's vulnerability data could not be reached: none of the {len(packages)} locked packages "
              "was audited. Run this where pypi.org answers /pypi/<name>/<version>/json.")
        return 0
    now = datetime.datetime.now(datetime.UTC)
    overdue, recent = [], []
    for package in audited:
        for vuln in package.get("vulns", []):
            released = fix_released(package["name"], vuln.get("fix_versions", []))
            line = (f"{package['name']} {package['version']}: {vuln['id']} "
                    f"(fixed in {', '.join(vuln.get('fix_versions', [])) or 'no release yet'})")
            (overdue if released is not None and now - released > GRACE else recent).append(line)
    skipped = len(packages) - len(audited)
    print(f"audited {len(audited)} of {len(packages)} locked packages"
          + (f" ({skipped} skipped: not on PyPI)" if skipped else ""))
    for line in recent:
        print("  within the 14 days, or no fix yet:", line)
    for line in overdue:
        print("  FIX OVERDUE:", line)
    return 1 if overdue else 0


if __name__ == "__main__":
    sys.exit(main())
