"""The outbox: atomic claims, retry or fail, the sweeper and the one reminder."""

import datetime
import threading

import pytest
from django.core import mail
from django.db import connection
from django.utils import timezone

from tests.factories import InquiryFactory
from tests.smtp_server import LoopbackSMTP, refused_port
from trials import outbox
from trials.emails import inquiry_emails_create
from trials.followup import inquiry_reminders_task
from trials.models import OutgoingEmail
from trials.outbox import email_send_task, outbox_sweep_task

pytestmark = pytest.mark.django_db
Status = OutgoingEmail.Status


@pytest.fixture
def smtp(settings):
    with LoopbackSMTP() as server:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST = "127.0.0.1"
        settings.EMAIL_PORT = server.port
        settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
        settings.EMAIL_TIMEOUT = 5
        yield server


def queued_email(**kwargs) -> OutgoingEmail:
    site_email, _copy = inquiry_emails_create(inquiry=InquiryFactory(**kwargs))
    return site_email


def test_it_lets_only_one_of_two_claims_win():
    email = queued_email()
    assert outbox.email_claim(email_id=email.pk) is True
    assert outbox.email_claim(email_id=email.pk) is False
    email.refresh_from_db()
    assert (email.status, email.attempts) == (Status.SENDING, 1)


@pytest.mark.django_db(transaction=True)
def test_it_lets_only_one_of_two_concurrent_claims_win(postgres):
    email = queued_email()
    barrier = threading.Barrier(2)
    results = []

    def claim():
        barrier.wait()
        results.append(outbox.email_claim(email_id=email.pk))
        connection.close()

    threads = [threading.Thread(target=claim) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [False, True]


def test_it_sends_a_queued_email_once():
    email = queued_email()
    assert outbox.email_deliver(email_id=email.pk) is outbox.Outcome.SENT
    assert outbox.email_deliver(email_id=email.pk) is outbox.Outcome.SKIPPED
    email.refresh_from_db()
    assert email.status == Status.SENT and email.sent_at is not None
    assert len(mail.outbox) == 1


def test_it_puts_a_4xx_back_in_the_queue(smtp):
    smtp.handler.replies = ["451 4.3.0 Mailbox busy, try later"]
    email = queued_email()
    assert outbox.email_deliver(email_id=email.pk) is outbox.Outcome.RETRY
    email.refresh_from_db()
    assert email.status == Status.QUEUED
    assert "451" in email.last_error
    assert outbox.email_deliver(email_id=email.pk) is outbox.Outcome.SENT
    assert len(smtp.received) == 1


def test_it_treats_a_refused_connection_as_transient(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    email = queued_email()
    with refused_port() as port:
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
        assert outbox.email_deliver(email_id=email.pk) is outbox.Outcome.RETRY
    email.refresh_from_db()
    assert email.status == Status.QUEUED and "Connection refused" in email.last_error


def test_it_fails_a_5xx_for_good(smtp):
    smtp.handler.replies = ["550 5.1.1 No such user"]
    email = queued_email()
    assert outbox.email_deliver(email_id=email.pk) is outbox.Outcome.FAILED
    email.refresh_from_db()
    assert email.status == Status.FAILED
    assert "550" in email.last_error and "No such user" in email.last_error
    assert outbox.email_deliver(email_id=email.pk) is outbox.Outcome.SKIPPED


def test_a_study_team_email_that_fails_alerts_the_operators_without_patient_details(
    smtp, settings, django_capture_on_commit_callbacks
):
    settings.INQUIRY_FALLBACK_EMAIL = "operators@example.org"
    smtp.handler.replies = ["550 5.1.1 No such user"]
    email = queued_email(first_name="Mei", last_name="Example", phone="+8613800138000")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        assert outbox.email_deliver(email_id=email.pk) is outbox.Outcome.FAILED
    alert = OutgoingEmail.objects.get(kind=OutgoingEmail.Kind.OPERATOR_ALERT)
    assert alert.to == "operators@example.org" and len(callbacks) == 1
    for body in (alert.body_text, alert.body_html):
        assert f"inquiry {email.inquiry_id}" in body and email.to in body and "550" in body
        assert f"/inquiry/{email.inquiry_id}/change/" in body
        assert "Mei" not in body and "+8613800138000" not in body
    # The operators' own alert failing alerts nobody (no loop).
    smtp.handler.replies = ["550 5.1.1 No such user"]
    assert outbox.email_deliver(email_id=alert.pk) is outbox.Outcome.FAILED
    assert OutgoingEmail.objects.filter(kind=OutgoingEmail.Kind.OPERATOR_ALERT).count() == 1


def test_it_gives_up_after_the_last_attempt(smtp, settings):
    settings.OUTBOX_MAX_ATTEMPTS = 2
    smtp.handler.replies = ["451 4.3.0 busy"] * 2
    email = queued_email()
    assert outbox.email_deliver(email_id=email.pk) is outbox.Outcome.RETRY
    assert outbox.email_deliver(email_id=email.pk) is outbox.Outcome.FAILED
    email.refresh_from_db()
    assert (email.status, email.attempts) == (Status.FAILED, 2)


def test_the_task_leaves_a_transient_failure_queued_for_the_next_try(smtp):
    # A worker retries after retry_delay() (tests/integration); in-process
    # tasks never retry inside the request, so each call here is one try.
    smtp.handler.replies = ["451 4.3.0 busy", "421 4.7.0 closing"]
    email = queued_email()
    for expected_error in ("451", "421"):
        email_send_task.delay(email.pk)
        email.refresh_from_db()
        assert email.status == Status.QUEUED and expected_error in email.last_error
    email_send_task.delay(email.pk)
    email.refresh_from_db()
    assert (email.status, email.attempts) == (Status.SENT, 3)
    assert len(smtp.to(email.to)) == 1


def test_the_beat_schedule_names_real_tasks(settings):
    from trialfinder.celery import app

    app.loader.import_default_modules()
    for entry in settings.CELERY_BEAT_SCHEDULE.values():
        assert entry["task"] in app.tasks
    sweep = settings.CELERY_BEAT_SCHEDULE["outbox-sweep"]
    assert sweep["task"] == "trials.outbox.outbox_sweep_task"
    assert sweep["schedule"] < settings.OUTBOX_STUCK_AFTER_SECONDS
    assert settings.CELERY_BEAT_SCHEDULE["inquiry-reminders"]["task"] == (
        "trials.followup.inquiry_reminders_task"
    )


def test_every_retry_delay_stays_below_the_visibility_timeout(settings):
    delays = [outbox.retry_delay(n) for n in range(1, settings.OUTBOX_MAX_ATTEMPTS + 5)]
    assert delays == sorted(delays) and delays[0] == settings.OUTBOX_RETRY_BASE_SECONDS
    assert max(delays) < settings.OUTBOX_STUCK_AFTER_SECONDS < settings.CELERY_VISIBILITY_TIMEOUT


def test_the_sweeper_requeues_and_sends_stuck_emails(django_capture_on_commit_callbacks):
    stale = timezone.now() - datetime.timedelta(hours=1)
    lost = queued_email()  # queued, but its task never reached the broker
    crashed = queued_email()  # claimed by a worker that died
    fresh = queued_email()
    OutgoingEmail.objects.filter(pk=lost.pk).update(status_changed_at=stale)
    OutgoingEmail.objects.filter(pk=crashed.pk).update(
        status=Status.SENDING, attempts=1, status_changed_at=stale
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert outbox_sweep_task.delay().get() == 2
    statuses = dict(OutgoingEmail.objects.values_list("pk", "status"))
    assert statuses[lost.pk] == statuses[crashed.pk] == Status.SENT
    assert statuses[fresh.pk] == Status.QUEUED
    assert sorted(m.to[0] for m in mail.outbox) == sorted([lost.to, crashed.to])


def test_the_sweeper_fails_a_row_that_used_all_its_attempts(settings):
    settings.OUTBOX_MAX_ATTEMPTS = 3
    email = queued_email()
    OutgoingEmail.objects.filter(pk=email.pk).update(
        status=Status.SENDING,
        attempts=3,
        status_changed_at=timezone.now() - datetime.timedelta(hours=1),
    )
    assert outbox.outbox_sweep() == []
    email.refresh_from_db()
    assert email.status == Status.FAILED and "worker lost" in email.last_error


def test_it_sends_one_reminder_for_an_unanswered_inquiry(
    settings, django_capture_on_commit_callbacks
):
    settings.INQUIRY_REMINDER_DAYS = 3
    old = InquiryFactory(site__contact_email="site@hospital.example")
    answered = InquiryFactory(status="contacted")
    recent = InquiryFactory()
    from trials.models import Inquiry

    # A week: more than three working days whatever today is.
    Inquiry.objects.filter(pk__in=[old.pk, answered.pk]).update(
        created_at=timezone.now() - datetime.timedelta(days=7)
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert inquiry_reminders_task.delay().get() == 1
    with django_capture_on_commit_callbacks(execute=True):
        assert inquiry_reminders_task.delay().get() == 0
    assert [m.to for m in mail.outbox] == [["site@hospital.example"]]
    reminder = mail.outbox[0]
    assert "Reminder" in reminder.subject
    assert "/inquiry/" in reminder.body and "/inquiry/" in reminder.alternatives[0][0]
    assert reminder.reply_to == [old.email]
    old.refresh_from_db()
    recent.refresh_from_db()
    assert old.reminder_sent_at is not None and recent.reminder_sent_at is None


def test_enqueue_waits_for_the_commit(django_capture_on_commit_callbacks):
    email = queued_email()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        outbox.outbox_enqueue(email_ids=[email.pk])
    assert len(callbacks) == 1 and mail.outbox == []
    callbacks[0]()
    assert len(mail.outbox) == 1


def test_a_servers_reason_quoting_the_patient_stays_out_of_the_log_and_the_row(
    smtp, settings, caplog
):
    # The worker's log and the admin keep the code and the reason, with the
    # patient's name and phone (however the server wrote it) replaced.
    settings.OUTBOX_MAX_ATTEMPTS = 1
    smtp.handler.replies = ["554 5.7.1 message from Ottoline Morrell 13800138000 rejected"]
    email = queued_email(first_name="Ottoline", last_name="Morrell", phone="+86 138 0013 8000")
    with caplog.at_level("INFO", logger="trials.outbox"):
        assert outbox.email_deliver(email_id=email.pk) is outbox.Outcome.FAILED
    email.refresh_from_db()
    for text in (email.last_error, caplog.text):
        assert "554" in text and "rejected" in text
        assert "Ottoline" not in text and "Morrell" not in text and "13800138000" not in text
