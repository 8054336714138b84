"""Following the registry through its API v2, against a stand-in served on
loopback: paging, a malformed study, 429 with Retry-After, a 500, a timeout,
a page that is not JSON, an interrupted run resumed, and no two runs at once.
No test reaches the internet."""

import copy
import datetime
import json
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import Client
from django.utils import timezone

from trials.models import RegistrySync, Trial
from trials.registry_sync import (
    RegistryClient,
    RegistryUnavailable,
    SyncAlreadyRunning,
    registry_sync,
)

pytestmark = pytest.mark.django_db

SEED = json.loads((Path(__file__).resolve().parent.parent / "data/NCT06760221.json").read_text())


def study(number: int, *, title: str = "Radiotherapy for sarcoma", updated: str = "2026-11-30"):
    record = copy.deepcopy(SEED)
    section = record["protocolSection"]
    section["identificationModule"]["nctId"] = f"NCT9{number:07d}"
    section["identificationModule"]["briefTitle"] = f"{title} {number}"
    section["statusModule"]["lastUpdatePostDateStruct"] = {"date": updated}
    return record


class StandIn:
    """The registry's /studies, scripted: `answers[token]` is a list of
    (status, headers, body, delay) given in turn ("" is the first page); the
    last answer repeats. Every request's query is kept."""

    def __init__(self) -> None:
        self.answers: dict[str, list] = {}
        self.queries: list[dict] = []
        stand_in = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(self.path).query))
                stand_in.queries.append(query)
                script = stand_in.answers[query.get("pageToken", "")]
                status, headers, body, delay = script.pop(0) if len(script) > 1 else script[0]
                time.sleep(delay)
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.end_headers()
                try:
                    self.wfile.write(body if isinstance(body, bytes) else json.dumps(body).encode())
                except (BrokenPipeError, ConnectionResetError):
                    pass

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/api/v2"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def page(self, token: str, studies: list, next_token: str = "", total: int | None = None):
        body = {"studies": studies}
        if next_token:
            body["nextPageToken"] = next_token
        if total is not None:
            body["totalCount"] = total
        self.answers[token] = [(200, {"Content-Type": "application/json"}, body, 0)]


@pytest.fixture
def registry(settings):
    stand_in = StandIn()
    settings.CTGOV_API_URL = stand_in.url
    settings.REGISTRY_SYNC_TIMEOUT_SECONDS = 1
    settings.REGISTRY_SYNC_RETRIES = 3
    settings.REGISTRY_SYNC_REQUESTS_PER_MINUTE = 6000
    yield stand_in
    stand_in.server.shutdown()


@pytest.fixture
def waits():
    return []


def client_for(waits: list) -> RegistryClient:
    return RegistryClient(sleep=waits.append)


def test_it_reads_every_page_imports_and_records_the_run(registry, waits):
    malformed = study(3)
    del malformed["protocolSection"]["identificationModule"]["nctId"]
    registry.page("", [study(1), malformed], next_token="t2", total=3)
    registry.page("t2", [study(2)])

    run = registry_sync(client=client_for(waits))

    assert run.status == RegistrySync.Status.SUCCEEDED
    assert (run.pages, run.created, run.failed, run.total) == (2, 2, 1, 3)
    assert "missing NCT number" in run.errors[0]["message"]
    assert set(Trial.objects.values_list("nct_id", flat=True)) >= {"NCT90000001", "NCT90000002"}
    first, second = registry.queries
    # The first run reads the whole registry; only the first page counts.
    assert "filter.advanced" not in first and first["countTotal"] == "true"
    assert first["pageSize"] == "1000" and second["pageToken"] == "t2"
    assert "countTotal" not in second


def test_the_next_run_asks_from_the_last_complete_day_less_one(registry, waits):
    registry.page("", [study(1)])
    registry_sync(client=client_for(waits))
    registry.page("", [study(1, title="Renamed")])

    run = registry_sync(client=client_for(waits))

    day_before = timezone.localdate() - datetime.timedelta(days=1)
    assert registry.queries[-1]["filter.advanced"] == (
        f"AREA[LastUpdatePostDate]RANGE[{day_before.isoformat()},MAX]"
    )
    assert (run.updated, run.created) == (1, 0)
    assert Trial.objects.get(nct_id="NCT90000001").brief_title == "Renamed 1"


def test_operators_choose_the_day_or_the_whole_registry(registry):
    registry.page("", [study(1)])
    call_command("sync_registry", "--since", "2026-01-31", stdout=open("/dev/null", "w"))
    assert (
        registry.queries[-1]["filter.advanced"] == "AREA[LastUpdatePostDate]RANGE[2026-01-31,MAX]"
    )
    call_command("sync_registry", "--full", stdout=open("/dev/null", "w"))
    assert "filter.advanced" not in registry.queries[-1]
    with pytest.raises(CommandError, match="a date like 2026-01-31"):
        call_command("sync_registry", "--since", "yesterday")


def test_a_429_waits_what_it_says_and_5xx_timeouts_and_bad_pages_are_tried_again(registry, waits):
    ok = (200, {}, {"studies": [study(1)]}, 0)
    registry.answers[""] = [
        (429, {"Retry-After": "7"}, b"slow down", 0),
        (500, {}, b"oops", 0),
        (200, {}, b'{"studies": [', 0),  # cut short
        ok,
    ]
    run = registry_sync(client=client_for(waits))
    assert run.status == RegistrySync.Status.SUCCEEDED and run.created == 1
    backoffs = [wait for wait in waits if wait >= 1]  # not the pacing between requests
    assert backoffs[0] == 7  # Retry-After honoured
    assert backoffs[1:] == [4, 8]  # then backing off
    assert len(registry.queries) == 4


def test_a_registry_that_does_not_answer_in_time_is_tried_again(registry, waits):
    registry.answers[""] = [(200, {}, {"studies": [study(1)]}, 2), (200, {}, {"studies": []}, 0)]
    run = registry_sync(client=client_for(waits))
    assert run.status == RegistrySync.Status.SUCCEEDED
    assert len(registry.queries) == 2


def test_an_interrupted_run_resumes_where_it_stopped(registry, waits, settings):
    settings.REGISTRY_SYNC_RETRIES = 1
    registry.page("", [study(1)], next_token="t2")
    registry.answers["t2"] = [(503, {}, b"down", 0)]
    with pytest.raises(RegistryUnavailable):
        registry_sync(client=client_for(waits))
    failed = RegistrySync.objects.get()
    assert failed.status == RegistrySync.Status.FAILED
    assert (failed.pages, failed.page_token, failed.created) == (1, "t2", 1)
    assert "503" in failed.last_error

    registry.page("t2", [study(2)])
    before = len(registry.queries)
    run = registry_sync(client=client_for(waits))
    assert run.resumed_from == failed and run.status == RegistrySync.Status.SUCCEEDED
    # The first page is not read again.
    assert [q.get("pageToken") for q in registry.queries[before:]] == ["t2"]
    assert Trial.objects.filter(nct_id="NCT90000002").exists()


def test_the_command_says_what_happened_and_that_the_next_run_resumes(registry, settings):
    settings.REGISTRY_SYNC_RETRIES = 0
    registry.answers[""] = [(502, {}, b"bad gateway", 0)]
    with pytest.raises(CommandError, match="The next run resumes where this one stopped"):
        call_command("sync_registry")


def test_a_study_dated_in_the_future_is_recorded_and_skipped(registry, waits):
    tomorrow_but_one = (timezone.localdate() + datetime.timedelta(days=3)).isoformat()
    registry.page("", [study(1, updated=tomorrow_but_one), study(2)])
    run = registry_sync(client=client_for(waits))
    assert (run.created, run.failed) == (1, 1)
    assert "is in the future" in run.errors[0]["message"]


@pytest.mark.django_db(transaction=True)
def test_two_runs_never_overlap(registry, waits, postgres):
    import psycopg

    registry.page("", [study(1)])
    settings_dict = connection.settings_dict
    other = psycopg.connect(
        host=settings_dict["HOST"] or None,
        port=settings_dict["PORT"] or None,
        user=settings_dict["USER"],
        dbname=settings_dict["NAME"],
        autocommit=True,
    )
    try:
        other.execute("SELECT pg_advisory_lock(7271001)")
        with pytest.raises(SyncAlreadyRunning):
            registry_sync(client=client_for(waits))
        assert registry.queries == []
    finally:
        other.close()
    # The other session's lock goes with its server process, a moment later.
    for _ in range(100):
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'")
            if cursor.fetchone()[0] == 0:
                break
        time.sleep(0.05)
    assert registry_sync(client=client_for(waits)).status == RegistrySync.Status.SUCCEEDED


def test_health_says_when_the_registry_was_last_followed(registry, waits, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.REGISTRY_SYNC_EVERY_HOURS = 24
    assert "registry: never synced" in Client().get("/healthz").content.decode().splitlines()
    registry.page("", [study(1)])
    registry_sync(client=client_for(waits))
    lines = Client().get("/healthz").content.decode().splitlines()
    assert "registry: ok (last complete 0 h ago)" in lines
    RegistrySync.objects.update(finished_at=timezone.now() - datetime.timedelta(hours=49))
    response = Client().get("/healthz/all")
    assert response.status_code == 503
    assert "registry: stale (last complete 49 h ago)" in response.content.decode().splitlines()


def test_each_trial_page_says_when_its_registry_data_was_last_checked(registry, waits):
    from trials.models import operations

    registry.page("", [study(1)])
    registry_sync(client=client_for(waits))
    trial = Trial.objects.get(nct_id="NCT90000001")
    # The trial was written long ago; the registry was read today and found it
    # unchanged, so its data is as of today.
    Trial.objects.filter(pk=trial.pk).update(
        updated_at=timezone.now() - datetime.timedelta(days=40)
    )
    operations._LAST_SYNC_DAY["read_at"] = float("-inf")
    today = timezone.localdate()
    html = Client().get(f"/trials/{trial.nct_id}/").content.decode()
    assert f'Registry data as of <time datetime="{today.isoformat()}">' in html
    # Without any sync, the day the trial was last written.
    RegistrySync.objects.all().delete()
    operations._LAST_SYNC_DAY["read_at"] = float("-inf")
    html = Client().get(f"/trials/{trial.nct_id}/").content.decode()
    written = (timezone.now() - datetime.timedelta(days=40)).date()
    assert f'Registry data as of <time datetime="{written.isoformat()}">' in html


def test_staff_read_each_record_a_run_skipped_and_why(registry, waits, admin_client):
    malformed = study(3)
    del malformed["protocolSection"]["identificationModule"]["nctId"]
    registry.page("", [malformed])
    run = registry_sync(client=client_for(waits))
    page = admin_client.get(f"/admin/trials/registrysync/{run.pk}/change/")
    assert page.status_code == 200
    error = run.errors[0]
    assert error["source"] == "page 1" and error["message"] == "missing NCT number"
    shown = f"{error['source']}, {error['position']}, {error['field']}: missing NCT number"
    assert shown in page.content.decode(), page.content.decode()[-3000:]
