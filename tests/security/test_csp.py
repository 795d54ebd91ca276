"""Content-Security-Policy on every HTML page: scripts only from our origin (or with the page's
nonce), no inline script or style, no plugins, no framing; in development and in production.

The walk covers the whole URL table, filled with real objects (tests/security/world.py), as
the public visitor, a logged-in member and a staff admin."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from civicpanel.config import settings as project_settings
from tests.security.world import build_world, concrete, url_table
from tests.test_settings import PRODUCTION_ENV

pytestmark = pytest.mark.django_db

TEMPLATES = Path(project_settings.PACKAGE_DIR) / "templates"


def _policy(header: str) -> dict[str, list[str]]:
    directives = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            directives[words[0]] = words[1:]
    return directives


def assert_strict_policy(header: str | None, where: str) -> None:
    assert header, f"{where}: no Content-Security-Policy"
    policy = _policy(header)
    for directive in ("script-src", "style-src"):
        sources = policy.get(directive, policy.get("default-src"))
        assert sources, f"{where}: no {directive}"
        assert "'unsafe-inline'" not in sources and "'unsafe-eval'" not in sources, f"{where}: {header}"
        assert "*" not in sources and "https:" not in sources, f"{where}: {header}"
    assert policy["object-src"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["base-uri"] == ["'none'"]


@pytest.mark.same_on_every_database
def test_every_page_carries_the_policy(council, staff_client):
    world = build_world(council)
    clients = {"public": world.anonymous(), "member": world.member_client(),
               "staff": staff_client("admin", council=council)}
    html_pages = 0
    for route, name, _callback in url_table():
        url = concrete(route, name, world)
        if url is None:
            continue
        who = "staff" if url.startswith(("/staff/", "/accounts/")) else (
            "member" if url.startswith("/me/") else "public")
        response = clients[who].get(url)
        assert response.status_code < 500, f"GET {url}: {response.status_code}"
        if response.get("Content-Type", "").startswith("text/html"):
            html_pages += 1
            assert_strict_policy(response.get("Content-Security-Policy"), f"GET {url} as {who}")
            _assert_no_inline_code(response.content.decode(), f"GET {url}")
    assert html_pages > 80


def test_error_pages_carry_the_policy(council, client):
    response = client.get("/no/such/page/", HTTP_HOST=f"{council.slug}.localhost")
    assert response.status_code == 404
    assert_strict_policy(response.get("Content-Security-Policy"), "404")


def test_a_script_that_needs_inline_code_gets_a_fresh_nonce(rf):
    """The pages need no inline script; one that ever does writes nonce="{{ csp_nonce }}" and
    the header names that nonce, new on every response. Pages that do not use it send a policy
    without one (scripts from our own origin only)."""
    from django.http import HttpResponse
    from django.middleware.csp import ContentSecurityPolicyMiddleware
    from django.template import RequestContext, Template

    def view(request):
        return HttpResponse(Template('<script nonce="{{ csp_nonce }}">1</script>').render(RequestContext(request)))

    seen = set()
    for _ in range(3):
        response = ContentSecurityPolicyMiddleware(view)(rf.get("/"))
        match = re.search(r"'nonce-([^']+)'", response["Content-Security-Policy"])
        assert match and f'nonce="{match.group(1)}"' in response.content.decode()
        seen.add(match.group(1))
    assert len(seen) == 3
    plain = ContentSecurityPolicyMiddleware(lambda request: HttpResponse("x"))(rf.get("/"))
    assert "nonce" not in plain["Content-Security-Policy"]
    assert "script-src 'self';" in plain["Content-Security-Policy"]


def _assert_no_inline_code(html: str, where: str) -> None:
    for tag in re.findall(r"<script\b[^>]*>", html):
        assert "src=" in tag or 'type="application/json"' in tag or "nonce=" in tag, f"{where}: {tag}"
    assert not re.search(r"<[a-z][^>]*\sstyle=", html), f"{where}: an inline style attribute"
    assert not re.search(r"<style\b", html), f"{where}: a <style> element"
    assert not re.search(r"\son[a-z]+\s*=", html), f"{where}: an inline event handler"


def test_no_template_has_inline_code():
    """Pages only: the e-mail templates keep their inline styles (mail programs need them)."""
    for path in TEMPLATES.rglob("*.html"):
        if "/email/" in str(path):
            continue
        text = path.read_text()
        text = re.sub(r"\{#.*?#\}", "", text, flags=re.S)
        _assert_no_inline_code(text, str(path.relative_to(TEMPLATES)))


def test_production_settings_send_the_same_policy():
    import os
    import subprocess
    import sys

    code = ("import django; django.setup(); from django.conf import settings; "
            "from django.utils.csp import build_policy; "
            "print('django.middleware.csp.ContentSecurityPolicyMiddleware' in settings.MIDDLEWARE); "
            "print(build_policy(settings.SECURE_CSP, 'n'))")
    clean = {k: v for k, v in os.environ.items() if k not in {"CIVICPANEL_ENV", "DATABASE_URL", "SECRET_KEY"}}
    for env in ({**clean, **PRODUCTION_ENV}, {**clean, "CIVICPANEL_ENV": "development", "DJANGO_SETTINGS_MODULE": "civicpanel.config.settings"}):
        result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60)
        lines = result.stdout.strip().splitlines()
        assert lines and lines[0] == "True", result.stderr
        assert_strict_policy(lines[1], env.get("CIVICPANEL_ENV"))
        assert "'nonce-n'" in lines[1]
