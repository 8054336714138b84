"""Redis down or hung: every public page still answers from the database,
messages are still sent and limited, and the health checks tell the load
balancer to keep the site in rotation while they name what is down."""

import socket

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from tests.factories import SiteFactory, TrialFactory
from tests.stack import SilentServer
from trialfinder.cache import ResilientRedisCache
from trials.heartbeat import BEAT, WORKER, heartbeat_record, heartbeat_task
from trials.models import FaqEntry, Heartbeat, Inquiry, OutgoingEmail

pytestmark = pytest.mark.django_db


@pytest.fixture
def closed_port():
    # Bound but never listening: every connection to it is refused.
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        yield sock.getsockname()[1]


@pytest.fixture
def hung_port():
    server = SilentServer()
    yield server
    server.close()


def use_redis_at(settings, port: int) -> None:
    settings.CACHES = {
        **settings.CACHES,
        "default": {
            "BACKEND": "trialfinder.cache.ResilientRedisCache",
            "LOCATION": f"redis://127.0.0.1:{port}/0",
            "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2},
        },
    }
    settings.CACHE_RETRY_SECONDS = 60


@pytest.fixture
def trial():
    trial = TrialFactory(brief_title="Radiotherapy for sarcoma of the leg")
    SiteFactory(trial=trial, contact_email="site@hospital.example", is_primary_contact=True)
    FaqEntry.objects.create(
        question="How do I take part?", answer="Send the study team a message.", order=99
    )
    return trial


def public_pages(trial) -> dict[str, str]:
    """Each public page with a phrase a patient reads on it."""
    return {
        reverse("trials:home"): trial.brief_title,
        reverse("trials:list"): trial.brief_title,
        reverse("trials:list") + "?q=sarcoma": trial.brief_title,
        reverse("trials:detail", args=[trial.nct_id]): trial.brief_title,
        reverse("trials:contact", args=[trial.nct_id]): trial.brief_title,
        reverse("trials:faq"): "How do I take part?",
        reverse("trials:privacy"): "Privacy",
        reverse("trials:notify_signup"): "Patient Notification Services",
    }


@pytest.mark.parametrize("results_kept_seconds", [0, 60])
def test_every_public_page_answers_with_redis_down(
    settings, closed_port, trial, results_kept_seconds
):
    settings.SEARCH_RESULTS_CACHE_SECONDS = results_kept_seconds
    use_redis_at(settings, closed_port)
    for path, phrase in public_pages(trial).items():
        # Twice: as a visitor without a session, and once the page is kept.
        for _ in range(2):
            response = Client().get(path)
            assert response.status_code == 200, path
            assert phrase in response.content.decode(), path


def test_a_hung_redis_is_waited_for_once_then_skipped(settings, hung_port, trial):
    settings.SEARCH_RESULTS_CACHE_SECONDS = 60
    use_redis_at(settings, hung_port.port)
    for path, phrase in public_pages(trial).items():
        response = Client().get(path)
        assert response.status_code == 200, path
        assert phrase in response.content.decode(), path
    # The first call timed out and opened the breaker: the pages after it
    # never asked the hung server again.
    assert len(hung_port.accepted) == 1
    assert cache.is_down()


def test_the_cache_is_tried_again_after_the_retry_period(settings, closed_port, redis_url):
    use_redis_at(settings, closed_port)
    assert cache.get("anything", "missed") == "missed"
    assert cache.is_down()
    # Redis is back (here: the tests' own one) and the period has passed.
    settings.CACHES["default"]["LOCATION"] = redis_url
    backend = ResilientRedisCache(redis_url, {"OPTIONS": {}})
    backend._down_until = 0.0
    backend.set("key", "kept", 10)
    assert backend.get("key") == "kept"
    assert not backend.is_down()


CONTACT = {
    "first_name": "Ada",
    "last_name": "Lovelace",
    "phone": "+44 20 7946 0000",
    "consent": "on",
    "health_consent": "on",
}


def test_a_message_is_sent_and_limits_still_hold_with_redis_down(
    settings, closed_port, trial, django_capture_on_commit_callbacks
):
    use_redis_at(settings, closed_port)
    settings.INQUIRY_RATE_LIMIT_PER_IP = 2
    url = reverse("trials:contact", args=[trial.nct_id])
    statuses = []
    for number in range(3):
        data = {**CONTACT, "email": f"patient{number}@example.org"}
        with django_capture_on_commit_callbacks(execute=True):
            statuses.append(Client().post(url, data).status_code)
    # Two messages reach the site; the third from the same address is refused,
    # counted in this process while the shared counters are out of reach.
    assert statuses == [302, 302, 429]
    assert Inquiry.objects.count() == 2
    assert OutgoingEmail.objects.filter(to="site@hospital.example").count() == 2


def test_health_keeps_the_site_in_rotation_and_names_the_cache(settings, closed_port):
    use_redis_at(settings, closed_port)
    ready = Client().get("/healthz")
    assert ready.status_code == 200
    assert "database: ok" in ready.content.decode().splitlines()
    assert "cache: down" in ready.content.decode().splitlines()
    # The alerting view says the same, as a failure.
    everything = Client().get("/healthz/all")
    assert everything.status_code == 503
    assert "cache: down" in everything.content.decode().splitlines()
    # Liveness asks nothing.
    live = Client().get("/livez")
    assert (live.status_code, live.content) == (200, b"ok")


def test_health_names_a_stopped_worker_and_beat(settings):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.HEARTBEAT_STALE_SECONDS = 300
    lines = Client().get("/healthz").content.decode().splitlines()
    assert "worker: never seen" in lines
    assert "beat: never seen" in lines
    assert Client().get("/healthz/all").status_code == 503

    heartbeat_task.run()
    heartbeat_record(name=BEAT)
    lines = Client().get("/healthz").content.decode().splitlines()
    assert any(line.startswith("worker: ok (seen ") for line in lines)
    assert any(line.startswith("beat: ok (seen ") for line in lines)

    # The worker stopped ten minutes ago; beat goes on.
    from datetime import timedelta

    from django.utils import timezone

    Heartbeat.objects.filter(name=WORKER).update(seen_at=timezone.now() - timedelta(minutes=10))
    response = Client().get("/healthz/all")
    assert response.status_code == 503
    assert "worker: stale (seen 600 s ago)" in response.content.decode().splitlines()
    # Readiness stays: patients are served, emails wait in the outbox.
    assert Client().get("/healthz").status_code == 200


def test_beats_scheduler_records_its_heartbeat(tmp_path, settings):
    from trialfinder.celery import HeartbeatScheduler, app

    scheduler = HeartbeatScheduler(app=app, schedule_filename=str(tmp_path / "schedule"))
    try:
        scheduler.tick()
    finally:
        scheduler.close()
    assert Heartbeat.objects.filter(name=BEAT).exists()
