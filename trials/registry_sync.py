"""Following the registry: the studies ClinicalTrials.gov changed, every day.

`registry_sync` reads the API v2 `/studies` endpoint at CTGOV_API_URL, the
studies whose LastUpdatePostDate is on or after the last complete run's day
less one (a day of overlap, so a study posted late on that day is not
missed), a page of up to REGISTRY_SYNC_PAGE_SIZE at a time, and imports each
page through the importer (trials/importers): idempotent upserts by NCT
number, a record that fails validation recorded and skipped. The first run,
or `full=True`, reads the whole registry.

Polite and robust:
- at most REGISTRY_SYNC_REQUESTS_PER_MINUTE requests a minute;
- a 429 waits what its Retry-After says; a 5xx, a timeout, a dropped
  connection or a page that is not JSON is tried again after 2, 4, 8 ...
  seconds (REGISTRY_SYNC_RETRIES times); then the run fails, keeping its
  checkpoint;
- the run is written after every page (counts, errors, the registry's next
  page token), so the next run resumes where a failed or killed one stopped;
- two runs never overlap: a PostgreSQL advisory lock (on SQLite, a run that
  made progress in the last REGISTRY_SYNC_STALE_MINUTES counts as running).
"""

from __future__ import annotations

import datetime
import email.utils
import io
import json
import logging
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass

from celery import shared_task
from django.conf import settings
from django.db import connection
from django.utils import timezone

from trials.importers import ImportSummary, after_import, import_studies
from trials.models import RegistrySync

logger = logging.getLogger(__name__)

LOCK_KEY = 7_271_001  # pg_advisory_lock key of the registry sync
MAX_WAIT_SECONDS = 300


class SyncAlreadyRunning(Exception):
    pass


class RegistryUnavailable(Exception):
    """The registry did not give a usable page after every retry."""


@dataclass
class Page:
    studies: list
    next_token: str
    total: int | None


class RegistryClient:
    """GET pages of /studies, paced, with retries; `sleep` is injectable for tests."""

    def __init__(
        self,
        *,
        base_url: str | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.base_url = (base_url or settings.CTGOV_API_URL).rstrip("/")
        self.sleep = sleep
        self.clock = clock
        self.interval = 60.0 / max(settings.REGISTRY_SYNC_REQUESTS_PER_MINUTE, 1)
        self.last_request = float("-inf")
        self.requests = 0

    def page(self, *, since: datetime.date | None, token: str) -> Page:
        params = {"format": "json", "pageSize": settings.REGISTRY_SYNC_PAGE_SIZE}
        if since is not None:
            params["filter.advanced"] = f"AREA[LastUpdatePostDate]RANGE[{since.isoformat()},MAX]"
        if token:
            params["pageToken"] = token
        else:
            params["countTotal"] = "true"
        url = f"{self.base_url}/studies?{urllib.parse.urlencode(params)}"
        retries = settings.REGISTRY_SYNC_RETRIES
        for attempt in range(retries + 1):
            wait = self._wait_before_retry(attempt)
            try:
                return self._get(url)
            except _Retry as retry:
                if attempt == retries:
                    raise RegistryUnavailable(str(retry)) from None
                wait = retry.after if retry.after is not None else wait
                logger.warning("Registry: %s; trying again in %.0f s", retry, wait)
                self.sleep(min(wait, MAX_WAIT_SECONDS))
        raise AssertionError("unreachable")

    @staticmethod
    def _wait_before_retry(attempt: int) -> float:
        return float(min(2 ** (attempt + 1), MAX_WAIT_SECONDS))

    def _get(self, url: str) -> Page:
        pause = self.last_request + self.interval - self.clock()
        if pause > 0:
            self.sleep(pause)
        self.last_request = self.clock()
        self.requests += 1
        request = urllib.request.Request(
            url, headers={"Accept": "application/json", "User-Agent": "Trialfinder registry sync"}
        )
        try:
            with urllib.request.urlopen(
                request, timeout=settings.REGISTRY_SYNC_TIMEOUT_SECONDS
            ) as response:
                body = response.read()
        except urllib.error.HTTPError as error:
            if error.code == 429:
                raise _Retry("429 Too Many Requests", _retry_after(error.headers)) from None
            if error.code >= 500:
                raise _Retry(f"{error.code} from the registry") from None
            raise RegistryUnavailable(f"{error.code} from the registry for {url}") from None
        except (urllib.error.URLError, TimeoutError, ConnectionError) as error:
            raise _Retry(f"no answer ({getattr(error, 'reason', error)})") from None
        try:
            data = json.loads(body)
            studies = data.get("studies", [])
            if not isinstance(studies, list):
                raise ValueError("studies is not a list")
        except (ValueError, AttributeError) as error:
            raise _Retry(f"a page that is not the registry's JSON ({error})") from None
        token = data.get("nextPageToken") or ""
        total = data.get("totalCount")
        return Page(studies, str(token), total if isinstance(total, int) else None)


class _Retry(Exception):
    def __init__(self, message: str, after: float | None = None) -> None:
        super().__init__(message)
        self.after = after


def _retry_after(headers) -> float | None:
    value = (headers or {}).get("Retry-After")
    if not value:
        return None
    try:
        return max(float(value), 0.0)
    except ValueError:
        pass
    when = email.utils.parsedate_to_datetime(value)
    if when is None:
        return None
    return max((when - datetime.datetime.now(datetime.UTC)).total_seconds(), 0.0)


@contextmanager
def _only_run():
    """Refuse a second run while one is going on."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_lock(%s)", [LOCK_KEY])
            if not cursor.fetchone()[0]:
                raise SyncAlreadyRunning("another registry sync is running")
        try:
            yield
        finally:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [LOCK_KEY])
        return
    fresh = timezone.now() - datetime.timedelta(minutes=settings.REGISTRY_SYNC_STALE_MINUTES)
    if RegistrySync.objects.filter(
        status=RegistrySync.Status.RUNNING, heartbeat_at__gte=fresh
    ).exists():
        raise SyncAlreadyRunning("another registry sync is running")
    yield


def _since_last_success() -> datetime.date | None:
    last = (
        RegistrySync.objects.filter(status=RegistrySync.Status.SUCCEEDED)
        .order_by("-started_at")
        .first()
    )
    if last is None:
        return None
    # The day it started, less one: studies posted on that day after it ran.
    return timezone.localdate(last.started_at) - datetime.timedelta(days=1)


def registry_sync(
    *,
    since: datetime.date | None = None,
    full: bool = False,
    client: RegistryClient | None = None,
) -> RegistrySync:
    """Follow the registry from `since` (default: the last complete run); return the run."""
    client = client or RegistryClient()
    with _only_run():
        # Runs left "running" by a killed process are over.
        RegistrySync.objects.filter(status=RegistrySync.Status.RUNNING).update(
            status=RegistrySync.Status.FAILED, finished_at=timezone.now(), last_error="interrupted"
        )
        run = _new_run(since=since, full=full)
        try:
            _read_pages(run, client)
        except Exception as error:
            run.status = RegistrySync.Status.FAILED
            run.last_error = str(error)[:2000]
            run.finished_at = timezone.now()
            run.save()
            logger.error("Registry sync %s failed after %s pages: %s", run.pk, run.pages, error)
            raise
        run.status = RegistrySync.Status.SUCCEEDED
        run.finished_at = timezone.now()
        run.save()
        logger.info(
            "Registry sync %s: %s pages, %s created, %s updated, %s unchanged, %s failed",
            run.pk, run.pages, run.created, run.updated, run.unchanged, run.failed,
        )  # fmt: skip
        return run


def _new_run(*, since: datetime.date | None, full: bool) -> RegistrySync:
    """A run that resumes the last failed one's pages when it asked for the same."""
    if full:
        since = None
    elif since is None:
        since = _since_last_success()
    unfinished = RegistrySync.objects.order_by("-started_at").first()
    if (
        unfinished is not None
        and unfinished.status == RegistrySync.Status.FAILED
        and unfinished.page_token
        and unfinished.since == since
    ):
        return RegistrySync.objects.create(
            since=since,
            page_token=unfinished.page_token,
            resumed_from=unfinished,
            total=unfinished.total,
            heartbeat_at=timezone.now(),
        )
    return RegistrySync.objects.create(since=since, heartbeat_at=timezone.now())


def _read_pages(run: RegistrySync, client: RegistryClient) -> None:
    token = run.page_token
    changes = ImportSummary()
    try:
        while True:
            page = client.page(since=run.since, token=token)
            if run.total is None:
                run.total = page.total
            source = f"page {run.pages + 1}"
            # A page is a piece of the registry: nothing is "absent" from it,
            # and the sitemap and lexicon are brought up to date once, at the end.
            summary = import_studies(
                sources=[(source, io.BytesIO(json.dumps({"studies": page.studies}).encode()))],
                writers=2,
                part=True,
            )
            changes.add(summary)
            run.pages += 1
            run.count_in(summary)
            # The checkpoint: what the next run would ask for.
            run.page_token = page.next_token
            run.heartbeat_at = timezone.now()
            run.save()
            if not page.next_token or not page.studies:
                return
            token = page.next_token
    finally:
        after_import(changes)


def registry_sync_freshness() -> str:
    """One line for /healthz: when the registry was last followed."""
    if not settings.REGISTRY_SYNC_EVERY_HOURS:
        return "not scheduled"
    last = (
        RegistrySync.objects.filter(status=RegistrySync.Status.SUCCEEDED)
        .order_by("-finished_at")
        .values_list("finished_at", flat=True)
        .first()
    )
    if last is None:
        return "never synced"
    hours = (timezone.now() - last).total_seconds() / 3600
    fresh = hours <= 2 * settings.REGISTRY_SYNC_EVERY_HOURS
    return f"{'ok' if fresh else 'stale'} (last complete {hours:.0f} h ago)"


@shared_task(ignore_result=True)
def registry_sync_task() -> int | None:
    """Beat, every REGISTRY_SYNC_EVERY_HOURS: follow the registry."""
    try:
        return registry_sync().pk
    except SyncAlreadyRunning:
        logger.info("Registry sync skipped: another one is running")
        return None
    except RegistryUnavailable:
        return None  # logged at error level, resumed by the next run
