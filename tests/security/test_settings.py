"""Production settings that protect residents: the demo's public mailbox can never be switched
on in production."""

from __future__ import annotations

from tests.test_settings import PRODUCTION_ENV, _manage


def test_production_refuses_the_demo_mail_catcher(tmp_path):
    result = _manage("check", env={**PRODUCTION_ENV, "CIVICPANEL_MAIL_CATCHER_DIR": str(tmp_path)})
    assert result.returncode != 0
    assert "CIVICPANEL_MAIL_CATCHER_DIR" in result.stderr


def test_production_trusts_one_proxy_by_default_and_sends_cookies_over_https_only():
    code = ("from django.conf import settings; import django; django.setup(); "
            "print(settings.TRUSTED_PROXY_COUNT, settings.ALLAUTH_TRUSTED_PROXY_COUNT)")
    cookies = ("from django.conf import settings; import django; django.setup(); "
               "print(settings.SESSION_COOKIE_SECURE, settings.CSRF_COOKIE_SECURE, settings.LANGUAGE_COOKIE_SECURE)")
    import os
    import subprocess
    import sys

    clean = {k: v for k, v in os.environ.items() if k not in {"CIVICPANEL_ENV", "DATABASE_URL", "SECRET_KEY"}}
    for extra, expected in (({}, "1 1"), ({"TRUSTED_PROXY_COUNT": "0"}, "0 0")):
        result = subprocess.run([sys.executable, "-c", code], env={**clean, **PRODUCTION_ENV, **extra},
                                capture_output=True, text=True, timeout=60)
        assert result.stdout.strip() == expected, result.stderr
    result = subprocess.run([sys.executable, "-c", cookies], env={**clean, **PRODUCTION_ENV},
                            capture_output=True, text=True, timeout=60)
    assert result.stdout.strip() == "True True True", result.stderr


def test_serve_refuses_the_development_settings(monkeypatch, capsys):
    """`civicpanel serve` is the production web server: started without CIVICPANEL_ENV=production
    it would run with DEBUG pages and a publicly known SECRET_KEY, so it refuses to start."""
    import gunicorn.app.wsgiapp

    from civicpanel import cli

    def must_not_run():
        raise AssertionError("gunicorn started with the development settings")

    monkeypatch.setattr(gunicorn.app.wsgiapp, "run", must_not_run)
    monkeypatch.delenv("CIVICPANEL_ENV", raising=False)
    assert cli.main(["serve"]) == 2
    assert "CIVICPANEL_ENV=production" in capsys.readouterr().err
    monkeypatch.setenv("CIVICPANEL_ENV", "development")
    assert cli.main(["serve"]) == 2
