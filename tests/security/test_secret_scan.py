"""The secret scan of CI (H3, scripts/scan_secrets.py): every finding in the committed baseline is
reviewed, and a new secret fails the scan. The scan itself needs detect-secrets, which `.ci/run`
installs into var/secret-scan (not a dependency of the app); without it those tests are skipped."""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
spec = importlib.util.spec_from_file_location("scan_secrets", ROOT / "scripts" / "scan_secrets.py")
scan_secrets = importlib.util.module_from_spec(spec)
spec.loader.exec_module(scan_secrets)

TOOLS = ROOT / "var" / "secret-scan" / "bin"
DETECT_SECRETS = shutil.which("detect-secrets") or shutil.which("detect-secrets", path=str(TOOLS))

# Built at run time, so that neither this file nor the repository holds them.
FAKE_AWS_KEY = "AKIA" + "Z7QX3MBV" + "K2LW9PTD"
FAKE_PRIVATE_KEY = "-----BEGIN " + "RSA PRIVATE KEY-----\n" + "MIIEpAIBAAKCAQEA" + "x" * 48 + "\n-----END RSA PRIVATE KEY-----\n"


def _baseline() -> dict:
    return json.loads((ROOT / ".secrets.baseline").read_text())


def test_every_finding_in_the_baseline_is_reviewed_as_no_secret_with_a_reason():
    entries = [entry for entries in _baseline()["results"].values() for entry in entries]
    assert entries, "the baseline holds the reviewed false alarms"
    unreviewed = [f"{e['filename']}:{e.get('line_number')}" for e in entries
                  if e.get("is_secret") is not False or len(e.get("reason", "").strip()) < 10]
    assert unreviewed == []


def test_a_finding_is_cleared_only_by_a_review_with_a_reason():
    finding = {"filename": "a.py", "type": "Secret Keyword", "hashed_secret": "0" * 40, "line_number": 3}
    found = {"results": {"a.py": [finding]}}
    review = {**finding, "line_number": 9, "is_secret": False, "reason": "a test password"}
    assert scan_secrets.problems({"results": {"a.py": [review]}}, found) == []  # moved lines still match
    assert scan_secrets.problems({"results": {}}, found) == ["a.py:3: Secret Keyword: new, not in .secrets.baseline"]
    for reviewed, why in (({**review, "is_secret": True}, "reviewed as a real secret"),
                          ({k: v for k, v in review.items() if k != "is_secret"}, "not reviewed"),
                          ({**review, "reason": " "}, "reviewed without a reason")):
        assert scan_secrets.problems({"results": {"a.py": [reviewed]}}, found) == [f"a.py:3: Secret Keyword: {why}"]
    other_value = {**review, "hashed_secret": "1" * 40}
    assert scan_secrets.problems({"results": {"a.py": [other_value]}}, found)[0].endswith("new, not in .secrets.baseline")


@pytest.mark.skipif(DETECT_SECRETS is None, reason="detect-secrets is not installed (.ci/run installs it)")
def test_a_new_key_fails_the_scan_and_a_reviewed_false_alarm_does_not(tmp_path):
    """A copy of the repository's scan settings over a small repository: clean, then an AWS key and a
    private key are committed, then a test password is reviewed."""
    env = {**os.environ, "PATH": f"{Path(DETECT_SECRETS).parent}{os.pathsep}{os.environ['PATH']}"}

    def scan(*args):
        return subprocess.run([sys.executable, str(ROOT / "scripts" / "scan_secrets.py"), "--root", str(tmp_path), *args],
                              capture_output=True, text=True, env=env, timeout=120)

    baseline = {**_baseline(), "results": {}}
    (tmp_path / ".secrets.baseline").write_text(json.dumps(baseline))
    (tmp_path / "settings.py").write_text('EMAIL_URL = "smtp://user:password@smtp.example.dk:587"\n')
    subprocess.run(["git", "init", "-q"], cwd=tmp_path, check=True)
    subprocess.run(["git", "add", "."], cwd=tmp_path, check=True)
    clean = scan()
    assert clean.returncode == 0, clean.stdout + clean.stderr  # the placeholder is filtered, not reviewed

    (tmp_path / "deploy.py").write_text(f'AWS_ACCESS_KEY_ID = "{FAKE_AWS_KEY}"\n')
    (tmp_path / "id_rsa").write_text(FAKE_PRIVATE_KEY)
    (tmp_path / "test_login.py").write_text('password = "correct horse battery staple"\n')
    subprocess.run(["git", "add", "."], cwd=tmp_path, check=True)
    leaked = scan()
    assert leaked.returncode == 1
    assert "deploy.py:1: AWS Access Key: new" in leaked.stdout and "id_rsa:1: Private Key: new" in leaked.stdout
    assert FAKE_AWS_KEY not in leaked.stdout + leaked.stderr

    (tmp_path / "deploy.py").unlink()
    (tmp_path / "id_rsa").unlink()
    subprocess.run(["git", "add", "-A"], cwd=tmp_path, check=True)
    assert scan("--update").returncode == 0
    updated = json.loads((tmp_path / ".secrets.baseline").read_text())
    (entry,) = updated["results"]["test_login.py"]
    assert "is_secret" not in entry and scan().returncode == 1  # added by --update, but not yet reviewed
    entry.update(is_secret=False, reason="the password of a test account")
    (tmp_path / ".secrets.baseline").write_text(json.dumps(updated))
    reviewed = scan()
    assert reviewed.returncode == 0, reviewed.stdout
