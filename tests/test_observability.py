"""What operators see: request ids on log lines, JSON logs, Sentry events
without patients' details, and Prometheus metrics behind a token."""

import json
import logging

import pytest
from django.test import Client, RequestFactory

from tests.factories import InquiryFactory
from trialfinder.observability import (
    REQUEST_ID,
    JsonFormatter,
    RequestIdFilter,
    RequestIdMiddleware,
    _scrub,
)
from trials.emails import inquiry_emails_create
from trials.models import OutgoingEmail

pytestmark = pytest.mark.django_db


def logged_during_a_request(settings, headers: dict) -> tuple[str, dict]:
    """The JSON line a log call inside a request writes, and the response's id."""
    lines: list[str] = []
    handler = logging.Handler()
    handler.addFilter(RequestIdFilter())
    handler.setFormatter(JsonFormatter())
    handler.emit = lambda record: lines.append(handler.format(record))
    logger = logging.getLogger("trials.test")
    logger.addHandler(handler)

    def view(request):
        logger.warning("inquiry %s stored", 42)
        from django.http import HttpResponse

        return HttpResponse("ok")

    try:
        response = RequestIdMiddleware(view)(RequestFactory().get("/", headers=headers))
    finally:
        logger.removeHandler(handler)
    return response["X-Request-ID"], json.loads(lines[0])


def test_every_log_line_of_a_request_carries_its_id(settings):
    settings.BEHIND_PROXY = False
    request_id, line = logged_during_a_request(settings, {"X-Request-ID": "from-a-client-123"})
    # Not behind a proxy, nobody else chooses the id.
    assert request_id != "from-a-client-123" and len(request_id) == 32
    assert line["request_id"] == request_id
    assert (line["level"], line["message"]) == ("WARNING", "inquiry 42 stored")
    assert REQUEST_ID.get() == "-"  # nothing leaks to the next request


def test_behind_the_proxy_its_request_id_is_kept_when_well_formed(settings):
    settings.BEHIND_PROXY = True
    request_id, line = logged_during_a_request(settings, {"X-Request-ID": "0123456789abcdef"})
    assert request_id == line["request_id"] == "0123456789abcdef"
    request_id, _line = logged_during_a_request(settings, {"X-Request-ID": "bad\r\nid"})
    assert request_id != "bad\r\nid" and len(request_id) == 32


def test_pages_answer_with_their_request_id(client):
    response = client.get("/livez")
    assert len(response["X-Request-ID"]) == 32


def test_a_json_log_line_holds_the_error():
    formatter = JsonFormatter()
    try:
        raise ValueError("broken")
    except ValueError:
        record = logging.LogRecord("x", logging.ERROR, __file__, 1, "failed", None, True)
        import sys

        record.exc_info = sys.exc_info()
    line = json.loads(formatter.format(record))
    assert line["message"] == "failed" and "ValueError: broken" in line["error"]


def test_a_sentry_event_carries_no_patient_detail():
    event = {
        "request": {
            "url": "https://trials.example.org/inquiry/eyJpZCI6MX0:1tX:abc/",
            "query_string": "q=sarcoma",
            "data": {"first_name": "Ming", "email": "ming@example.org"},
            "cookies": {"sessionid": "secret"},
            "headers": {"Cookie": "sessionid=secret", "Referer": "https://x/?q=hiv", "Host": "x"},
        },
        "user": {"ip_address": "203.0.113.9"},
    }
    scrubbed = _scrub(event, {})
    text = json.dumps(scrubbed)
    assert "/inquiry/[token]/" in scrubbed["request"]["url"]
    for secret in ("Ming", "ming@example.org", "sessionid", "hiv", "203.0.113.9", "abc/"):
        assert secret not in text
    assert scrubbed["request"]["headers"] == {"Host": "x"}


def test_metrics_need_the_token(settings):
    settings.METRICS_TOKEN = ""
    assert Client().get("/metrics").status_code == 404
    settings.METRICS_TOKEN = "s3cret-token-for-the-scraper"
    assert Client().get("/metrics").status_code == 404
    wrong = Client().get("/metrics", headers={"Authorization": "Bearer nope"})
    assert wrong.status_code == 404


def test_metrics_count_requests_and_the_outbox(settings):
    settings.METRICS_TOKEN = "s3cret-token-for-the-scraper"
    inquiry_emails_create(inquiry=InquiryFactory())
    OutgoingEmail.objects.filter(kind=OutgoingEmail.Kind.PATIENT_COPY).update(
        status=OutgoingEmail.Status.FAILED
    )
    Client().get("/livez")
    response = Client().get(
        "/metrics", headers={"Authorization": "Bearer s3cret-token-for-the-scraper"}
    )
    assert response.status_code == 200
    text = response.content.decode()
    assert 'trialfinder_outbox_emails{status="queued"} 1.0' in text
    assert 'trialfinder_outbox_emails{status="failed"} 1.0' in text
    assert 'trialfinder_requests_total{status="2xx",view="livez"}' in text
    assert 'trialfinder_heartbeat_age_seconds{process="worker"} -1.0' in text


def test_an_eager_task_inside_a_request_logs_with_its_id_then_the_requests_again():
    from trialfinder.celery import app

    seen = []

    @app.task(name="tests.observability.which_id")
    def which_id():
        seen.append(REQUEST_ID.get())

    token = REQUEST_ID.set("request-0123456789")
    try:
        which_id.delay()
        assert seen[0] not in ("request-0123456789", "-")
        assert REQUEST_ID.get() == "request-0123456789"
    finally:
        REQUEST_ID.reset(token)
