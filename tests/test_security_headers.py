"""Every public page runs under a strict Content Security Policy and loads
nothing from another host."""

import re
from pathlib import Path

import pytest

pytestmark = pytest.mark.django_db

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"


def test_it_sends_a_strict_content_security_policy(client):
    response = client.get("/healthz")
    policy = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "style-src 'self'" in policy
    assert "unsafe-inline" not in policy


def test_it_answers_the_health_check(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.content.decode().splitlines()[:3] == [
        "database: ok",
        "cache: ok",
        "broker: ok",
    ]
    assert client.get("/livez").content == b"ok"


def test_no_template_loads_anything_from_another_host():
    offenders = []
    pattern = re.compile(r"<(script|img|link|iframe)[^>]*(src|href)=\"(https?:)?//", re.I)
    for path in TEMPLATES.rglob("*.html"):
        if pattern.search(path.read_text()):
            offenders.append(str(path))
    assert offenders == []


def test_no_template_has_inline_scripts_or_styles():
    offenders = []
    inline_script = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>\s*\S", re.I)
    for path in TEMPLATES.rglob("*.html"):
        if path.parts[-3:-1] == ("admin", "trials") or "admin" in path.parts:
            continue
        text = path.read_text()
        if inline_script.search(text) or ' style="' in text or re.search(r"\son[a-z]+=\"", text):
            offenders.append(str(path))
    assert offenders == []


@pytest.mark.parametrize("path", ["/healthz", "/no-such-page/", "/admin/login/"])
def test_every_response_turns_off_browser_features_we_do_not_use(client, path):
    policy = client.get(path).headers["Permissions-Policy"]
    assert "camera=()" in policy
    assert "microphone=()" in policy
    # "Use my location" on the contact form and the sign-up page needs it.
    assert "geolocation=(self)" in policy


def test_hsts_covers_subdomains_and_preload_only_when_told(client, settings):
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    settings.SECURE_HSTS_PRELOAD = True
    response = client.get("/healthz", secure=True)
    hsts = response.headers["Strict-Transport-Security"]
    assert hsts == "max-age=31536000; includeSubDomains; preload"
