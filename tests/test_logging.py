"""Link tokens stay out of the logs: gunicorn's access log, Django's request
logging and runserver's request lines, while the links keep working."""

import logging
import os
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.urls import URLPattern, reverse

from tests.factories import InquiryFactory, SubscriptionFactory
from tests.smtp_server import free_port
from tests.stack import wait_until
from trialfinder.logfilters import redact_tokens
from trials import urls
from trials.coordinator import coordinator_token
from trials.subscriptions import MANAGE, subscription_token

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[1]
GUNICORN = Path(sys.executable).with_name("gunicorn")
TOKEN = "SeCrEt-token.Abc:123"


def token_paths() -> list[str]:
    """Every URL of the site that carries a token in its path."""
    return [
        reverse(f"trials:{pattern.name}", kwargs={"token": TOKEN})
        for pattern in urls.urlpatterns
        if isinstance(pattern, URLPattern) and "token" in pattern.pattern.converters
    ]


def test_every_url_with_a_token_is_redacted():
    paths = token_paths()
    assert len(paths) >= 6
    for path in paths:
        redacted = redact_tokens(f'"GET {path}?x=1 HTTP/1.1" 302 "https://example.org{path}"')
        assert TOKEN not in redacted and "[token]" in redacted, path


def test_a_link_still_works_and_its_refusal_logs_no_token(client, caplog):
    inquiry = InquiryFactory()
    good = reverse("trials:coordinator", args=[coordinator_token(inquiry)])
    assert client.get(good).status_code == 200
    manage = reverse(
        "trials:notify_manage", args=[subscription_token(SubscriptionFactory(), MANAGE)]
    )
    assert client.get(manage).status_code == 200

    with caplog.at_level(logging.INFO):
        for path in token_paths():
            assert client.get(path).status_code in (400, 403, 404, 405, 410)
    assert "Forbidden: /inquiry/[token]/" in caplog.text
    assert TOKEN not in caplog.text


def test_runserver_request_lines_log_no_token():
    lines = []
    handler = logging.Handler()
    handler.emit = lambda record: lines.append(record.getMessage())
    server = logging.getLogger("django.server")
    server.addHandler(handler)
    try:
        # As django.core.servers.basehttp.WSGIRequestHandler.log_message writes it.
        server.info('"%s" %s %s', f"GET /shared/{TOKEN}/ HTTP/1.1", "200", "512")
    finally:
        server.removeHandler(handler)
    assert lines == ['"GET /shared/[token]/ HTTP/1.1" 200 512']


def test_gunicorns_access_log_holds_no_token_and_no_query(tmp_path):
    """The real server with the project's gunicorn.conf.py."""
    port = free_port()
    access_log = tmp_path / "access.log"
    env = {
        **{k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")},
        "DEBUG": "1",
        "VAR_DIR": str(tmp_path),
    }
    process = subprocess.Popen(
        [GUNICORN, "trialfinder.wsgi:application", "--bind", f"127.0.0.1:{port}"]
        + ["--workers", "1", "--access-logfile", str(access_log)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for path in token_paths():
            request = urllib.request.Request(
                f"http://127.0.0.1:{port}{path}?saved=1",
                headers={"Referer": f"http://127.0.0.1:{port}{path}"},
            )

            def answered(request=request):
                try:
                    return urllib.request.urlopen(request, timeout=5).status
                except urllib.error.HTTPError as exc:
                    return exc.code
                except OSError:
                    return None

            wait_until(answered, timeout=60, what=f"gunicorn to answer {path}")
        # An encoded CR LF in the path must not start a line of its own.
        forged = urllib.request.Request(
            f"http://127.0.0.1:{port}/trials/%0D%0A127.0.0.1%20FORGED%20200/"
        )
        try:
            urllib.request.urlopen(forged, timeout=5)
        except urllib.error.HTTPError:
            pass
        wait_until(
            lambda: access_log.exists() and len(access_log.read_text().splitlines()) >= 7,
            timeout=10,
            what="the access log",
        )
    finally:
        process.terminate()
        process.wait(timeout=30)
    log = access_log.read_text()
    assert '"GET /inquiry/[token]/"' in log and '"GET /notifications/confirm/[token]/"' in log
    assert TOKEN not in log
    # Like the proxy's log: no query string, no Referer.
    assert "saved=1" not in log and "127.0.0.1:" not in log
    assert not [line for line in log.splitlines() if "FORGED" in line.split('"')[0]]
    assert "/trials/\\r\\n127.0.0.1 FORGED 200/" in log


@pytest.fixture
def console():
    """What the site's console log handler writes, as configured in settings."""
    import io

    from trialfinder.logfilters import RedactTokens

    [handler] = [
        h
        for h in logging.getLogger("django").handlers
        if any(isinstance(f, RedactTokens) for f in h.filters)
    ]
    stream = io.StringIO()
    previous = handler.setStream(stream)
    yield stream
    handler.setStream(previous)


def test_a_refused_form_on_a_link_logs_no_token(console):
    from django.test import Client

    path = reverse("trials:coordinator", args=[TOKEN])
    response = Client(enforce_csrf_checks=True).post(path, {"status": "contacted"})
    assert response.status_code == 403
    assert "Forbidden (CSRF cookie not set.): /inquiry/[token]/" in console.getvalue()
    assert TOKEN not in console.getvalue()
