"""What operators see: a request id on every log line, JSON logs, errors in
Sentry when SENTRY_DSN is set, and Prometheus metrics.

- Every request gets an id: the proxy's X-Request-ID when we are behind one
  (deploy/nginx.conf sets it), else a new one. It is on every log line
  written while the request runs (`RequestIdFilter`), answered in the
  X-Request-ID header (a patient can quote it), and sent to Sentry. A Celery
  task's log lines carry the task's id instead.
- LOG_FORMAT=json writes one JSON object a line (the default without DEBUG),
  for a log collector; `text` the plain lines of development.
- SENTRY_DSN sends unhandled errors to Sentry through its SDK, with no
  request body, no cookies, no user, and link tokens taken out of URLs:
  patients' details never leave for a third party.
- /metrics (only with METRICS_TOKEN, as a bearer token) serves Prometheus
  metrics: requests by view and status, and, read from the database at each
  scrape, the outbox backlog and failures and the background processes'
  heartbeat ages.
"""

from __future__ import annotations

import contextvars
import hmac
import json
import logging
import re
import time
import uuid
from collections.abc import Callable, Iterator

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse

from trialfinder.logfilters import redact_tokens

REQUEST_ID: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")
_VALID_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


# Request ids ------------------------------------------------------------------


class RequestIdMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        given = request.headers.get("X-Request-ID", "") if settings.BEHIND_PROXY else ""
        request_id = given if _VALID_ID.match(given) else uuid.uuid4().hex
        token = REQUEST_ID.set(request_id)
        started = time.perf_counter()
        try:
            response = self.get_response(request)
        finally:
            REQUEST_ID.reset(token)
        response["X-Request-ID"] = request_id
        _count_request(request, response, time.perf_counter() - started)
        return response


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = REQUEST_ID.get()
        return True


_TASK_TOKENS: dict[str, contextvars.Token] = {}


def task_started(task_id: str | None = None, **_kwargs) -> None:
    """Celery's task_prerun: the task's log lines carry its id."""
    if task_id:
        _TASK_TOKENS[task_id] = REQUEST_ID.set(task_id)


def task_finished(task_id: str | None = None, **_kwargs) -> None:
    """Celery's task_postrun: back to what ran the task (a request, when eager)."""
    token = _TASK_TOKENS.pop(task_id, None) if task_id else None
    if token is not None:
        REQUEST_ID.reset(token)


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time, level, logger, message, request id, error."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", "-"),
        }
        if record.exc_info:
            entry["error"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


# Sentry -------------------------------------------------------------------------


def _scrub(event: dict, _hint: dict) -> dict:
    """No patient's detail goes to Sentry: tokens out of URLs, no body, no cookies."""
    request = event.get("request") or {}
    for key in ("url", "query_string"):
        if isinstance(request.get(key), str):
            request[key] = redact_tokens(request[key])
    request.pop("data", None)
    request.pop("cookies", None)
    if isinstance(request.get("headers"), dict):
        for name in list(request["headers"]):
            if name.lower() in ("cookie", "referer", "authorization"):
                request["headers"].pop(name)
    event.pop("user", None)
    event.setdefault("tags", {})["request_id"] = REQUEST_ID.get()
    return event


def sentry_init(*, dsn: str, environment: str, traces_sample_rate: float) -> None:
    import sentry_sdk
    from sentry_sdk.integrations.celery import CeleryIntegration
    from sentry_sdk.integrations.django import DjangoIntegration

    sentry_sdk.init(
        dsn=dsn,
        environment=environment,
        integrations=[DjangoIntegration(), CeleryIntegration()],
        send_default_pii=False,
        max_request_body_size="never",
        traces_sample_rate=traces_sample_rate,
        before_send=_scrub,
    )


# Metrics ----------------------------------------------------------------------

_metrics = None


def _registry():
    """Request metrics, made once per process (per process directory with
    PROMETHEUS_MULTIPROC_DIR, for several gunicorn workers)."""
    global _metrics
    if _metrics is None:
        from prometheus_client import Counter, Histogram

        _metrics = {
            "requests": Counter(
                "trialfinder_requests_total",
                "HTTP requests answered, by view and status class",
                ["view", "status"],
            ),
            "latency": Histogram(
                "trialfinder_request_seconds",
                "Time to answer a request, by view",
                ["view"],
                buckets=(0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
            ),
        }
    return _metrics


def _count_request(request: HttpRequest, response: HttpResponse, seconds: float) -> None:
    match = getattr(request, "resolver_match", None)
    view = match.view_name if match and match.view_name else "unmatched"
    metrics = _registry()
    metrics["requests"].labels(view=view, status=f"{response.status_code // 100}xx").inc()
    metrics["latency"].labels(view=view).observe(seconds)


class DatabaseCollector:
    """Gauges read from the database at each scrape: what waits, what failed,
    and how long ago the worker and beat were seen."""

    def collect(self) -> Iterator:
        from django.db.models import Count
        from prometheus_client.core import GaugeMetricFamily

        from trials.heartbeat import heartbeat_ages
        from trials.models import OutgoingEmail

        statuses = dict(
            OutgoingEmail.objects.filter(
                status__in=[
                    OutgoingEmail.Status.QUEUED,
                    OutgoingEmail.Status.SENDING,
                    OutgoingEmail.Status.FAILED,
                ]
            )
            .values_list("status")
            .annotate(count=Count("pk"))
        )
        outbox = GaugeMetricFamily(
            "trialfinder_outbox_emails", "Emails in the outbox by status", labels=["status"]
        )
        for status in ("queued", "sending", "failed"):
            outbox.add_metric([status], statuses.get(status, 0))
        yield outbox
        ages = GaugeMetricFamily(
            "trialfinder_heartbeat_age_seconds",
            "Seconds since each background process was last seen (-1: never)",
            labels=["process"],
        )
        for name, age in heartbeat_ages().items():
            ages.add_metric([name], age.total_seconds() if age is not None else -1)
        yield ages


def metrics(request: HttpRequest) -> HttpResponse:
    """Prometheus text, for a scraper holding METRICS_TOKEN; a 404 to anyone else."""
    token = settings.METRICS_TOKEN
    given = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
    if not token or not hmac.compare_digest(given.encode(), token.encode()):
        raise Http404
    from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

    return HttpResponse(generate_latest(_scrape_registry()), content_type=CONTENT_TYPE_LATEST)


_single_process_registry = None


def _scrape_registry():
    """What a scrape reads: this process's metrics, or every worker's from
    PROMETHEUS_MULTIPROC_DIR, and the database's gauges."""
    global _single_process_registry
    from prometheus_client import REGISTRY, CollectorRegistry, multiprocess

    _registry()
    if settings.PROMETHEUS_MULTIPROC_DIR:
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        registry.register(DatabaseCollector())
        return registry
    if _single_process_registry is None:
        REGISTRY.register(DatabaseCollector())
        _single_process_registry = REGISTRY
    return _single_process_registry
