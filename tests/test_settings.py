"""Production settings: `check --deploy` is clean, and there is no start without a secret key."""

import os
import subprocess
import sys

PRODUCTION_ENV = {
    "CIVICPANEL_ENV": "production",
    "SECRET_KEY": "a-long-random-production-secret-key-0123456789-abcdefghijklmnop",
    "ALLOWED_HOSTS": "panel.example.dk",
    "DATABASE_URL": "sqlite:///:memory:",
    "CIVICPANEL_DATA_KEYS": "k1:S2V5Rm9yVGhlUHJvZHVjdGlvblNldHRpbmdzVGVzdDE=",
    "CIVICPANEL_INDEX_KEY": "SW5kZXhLZXlGb3JUaGVQcm9kdWN0aW9uVGVzdHNYWFg=",
    "DJANGO_SETTINGS_MODULE": "civicpanel.config.settings",
}


def _manage(*args, env):
    clean = {k: v for k, v in os.environ.items()
             if k not in {"CIVICPANEL_ENV", "DATABASE_URL", "SECRET_KEY", "DJANGO_ALLOW_ASYNC_UNSAFE"}}
    return subprocess.run([sys.executable, "-m", "civicpanel.cli", *args], env={**clean, **env},
                          capture_output=True, text=True, timeout=120)


def test_check_deploy_reports_nothing_in_production():
    result = _manage("check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION_ENV)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret_key():
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != "SECRET_KEY"}
    result = _manage("check", env=env)
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr
