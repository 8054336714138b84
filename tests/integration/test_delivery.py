"""Inquiry emails through the real stack: form → PostgreSQL → Redis → Celery worker → SMTP.

Run: DATABASE_URL=postgres://... REDIS_URL=redis://... pytest -m integration
"""

from __future__ import annotations

import time

import pytest
from django.urls import reverse

from tests.factories import SiteFactory, TrialFactory
from tests.smtp_server import refused_port
from tests.stack import use_broker, wait_until
from trials.models import Inquiry, OutgoingEmail
from trials.outbox import outbox_sweep_task

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]
SITE_EMAIL = "coordinator@hospital.example"
PATIENT_EMAIL = "wang.xiaoming@example.com"


@pytest.fixture
def trial():
    trial = TrialFactory(brief_title="A study of a new sarcoma treatment")
    SiteFactory(
        trial=trial,
        facility="Zhejiang Cancer Hospital",
        contact_email=SITE_EMAIL,
        is_primary_contact=True,
    )
    return trial


def submit(client, trial, **extra):
    data = {
        "first_name": "小明",
        "last_name": "王",
        "email": PATIENT_EMAIL,
        "phone": "+86 138 0013 8000",
        "preferred_language": "zh-hans",
        "location": "",
        "message": "我想了解更多 / I would like to know more.",
        "consent": "on",
        "health_consent": "on",
        **extra,
    }
    response = client.post(reverse("trials:contact", args=[trial.nct_id]), data, follow=True)
    assert response.status_code == 200
    assert "A copy of the message has been sent to your email" in response.content.decode()
    return Inquiry.objects.get()


def statuses() -> dict[str, str]:
    return dict(OutgoingEmail.objects.values_list("to", "status"))


def all_sent() -> bool:
    return set(statuses().values()) == {OutgoingEmail.Status.SENT}


def test_a_form_post_delivers_both_emails(stack, smtp, client, trial):
    inquiry = submit(client, trial)
    smtp.wait_for(2)
    wait_until(all_sent, what="both rows marked sent")

    [site_email] = smtp.to(SITE_EMAIL)
    assert site_email.message["Reply-To"] == PATIENT_EMAIL
    # A long header is folded on the wire (RFC 5322); readers unfold it.
    message_id = site_email.message["Message-ID"].strip()
    assert message_id == inquiry.emails.get(kind="site_inquiry").message_id
    for body in (site_email.text, site_email.html):
        assert "王" in body and "小明" in body
        assert PATIENT_EMAIL in body and "+8613800138000" in body
        assert "我想了解更多" in body
        assert trial.nct_id in body
        assert "/inquiry/" in body

    [copy] = smtp.to(PATIENT_EMAIL)
    assert copy.message["Reply-To"] is None
    for body in (copy.text, copy.html):
        assert "research team at Zhejiang Cancer Hospital" in body
        assert "我想了解更多" in body
    assert len(smtp.received) == 2


def test_a_broker_outage_at_submit_delays_but_does_not_lose_the_emails(stack, smtp, client, trial):
    with refused_port() as port:
        use_broker(f"redis://127.0.0.1:{port}/0")  # nothing listens there
        inquiry = submit(client, trial)
    assert statuses() == {SITE_EMAIL: "queued", PATIENT_EMAIL: "queued"}
    assert inquiry.emails.count() == 2

    use_broker(stack.env["REDIS_URL"])  # the broker is back
    # The worker takes tasks in order: once it has run a sweep published now
    # (too early to find the rows stuck), no task for them was waiting.
    stack.wait_for_task(outbox_sweep_task.delay())
    assert smtp.received == []
    assert statuses() == {SITE_EMAIL: "queued", PATIENT_EMAIL: "queued"}
    # Once the rows are older than OUTBOX_STUCK_AFTER_SECONDS, the beat task
    # (run here by the worker, as beat would have it) re-queues them.
    time.sleep(int(stack.env["OUTBOX_STUCK_AFTER_SECONDS"]) + 0.5)
    outbox_sweep_task.delay()
    smtp.wait_for(2)
    wait_until(all_sent, what="both rows marked sent")
    assert len(smtp.to(SITE_EMAIL)) == 1 and len(smtp.to(PATIENT_EMAIL)) == 1


def test_smtp_failing_twice_then_accepting_delivers_exactly_one_copy(stack, smtp, client, trial):
    smtp.handler.replies_for[SITE_EMAIL] = [
        "451 4.3.0 Temporary local problem, try later",
        "421 4.7.0 Too many connections, try later",
    ]
    submit(client, trial)
    wait_until(all_sent, timeout=90, what="both rows marked sent")
    assert len(smtp.to(SITE_EMAIL)) == 1
    assert len(smtp.to(PATIENT_EMAIL)) == 1
    site_row = OutgoingEmail.objects.get(to=SITE_EMAIL)
    assert site_row.attempts == 3 and site_row.last_error == ""
    assert "Retry in" in stack.output()  # Celery's own retry with countdown


def test_a_worker_killed_mid_send_ends_with_one_copy_per_recipient(stack, smtp, client, trial):
    import threading

    release = smtp.handler.stall = threading.Event()
    submit(client, trial)
    wait_until(smtp.handler.stalled.is_set, what="the server to be mid-send")
    first = smtp.received[0]
    stack.kill()
    release.set()
    [stuck] = [r for r in OutgoingEmail.objects.all() if r.to in first.to]
    assert stuck.status == OutgoingEmail.Status.SENDING

    stack.start()  # a new worker; the killed one's task is still unacknowledged in Redis
    time.sleep(int(stack.env["OUTBOX_STUCK_AFTER_SECONDS"]) + 0.5)
    outbox_sweep_task.delay()
    wait_until(all_sent, what="both rows marked sent")

    # The server had the first message in hand when its sender died, so it
    # may arrive twice; both copies carry the row's one Message-ID, by which
    # a mailbox (here: distinct_to) shows it once.
    for address in (SITE_EMAIL, PATIENT_EMAIL):
        assert len(smtp.distinct_to(address)) == 1
        assert len(smtp.to(address)) <= 2
    stuck.refresh_from_db()
    assert stuck.attempts == 2 and stuck.status == OutgoingEmail.Status.SENT
