"""The outbox: queued email rows, claimed and sent one by one by a worker.

An `OutgoingEmail` row is written in the transaction that caused it; its id
goes to Celery only after commit. A worker claims a row with a conditional
update (queued → sending, as healthchecks' `sendalerts` `process_one_flip`),
so only one worker sends it. Transient SMTP trouble puts it back to queued for
a bounded number of retries; permanent refusals mark it failed. The sweeper
re-queues what stayed queued (broker down, task lost) or sending (worker
killed) for too long, so an email can be delayed but is never lost.

At-least-once, not exactly-once. A copy is sent twice when the SMTP server
has the whole message but the row is not marked sent: the window opens when
the server has our final "." and closes when the UPDATE to sent commits.
Usually that is milliseconds, but it is as wide as
- the wait for the server's reply (up to EMAIL_TIMEOUT): a connection that
  drops or times out there looks like a transient error, and we retry;
- the worker's death (killed, out of memory) inside it: the row stays in
  sending and the sweeper sends it again after OUTBOX_STUCK_AFTER_SECONDS;
- a database that fails inside it: the UPDATE is lost, the row stays in
  sending, and the sweeper sends it again once the database is back.
Every copy carries the row's Message-ID, random and fixed when the row was
written (trials.emails.message_id_for), so a mailbox that de-duplicates
keeps one, and never mistakes another email for a duplicate.

Publishing to the broker gives up within about a second when it is down or
hung (settings: BROKER_TIMEOUT_SECONDS): the row stays queued and the
sweeper sends it, so a patient's submit never waits on the broker.
"""

from __future__ import annotations

import datetime
import enum
import logging
import smtplib

from celery import shared_task
from django.conf import settings
from django.core.mail import BadHeaderError, EmailMultiAlternatives
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from trials.emails import operator_alert_create, unsafe_header
from trials.models import OutgoingEmail, Subscription
from trials.privacy import delivery_error, redact

log = logging.getLogger(__name__)
Status = OutgoingEmail.Status


class Outcome(enum.Enum):
    SENT = "sent"
    RETRY = "retry"  # back to queued; send again after retry_delay()
    FAILED = "failed"
    SKIPPED = "skipped"  # not queued (already sent, or another worker has it)


def outbox_enqueue(*, email_ids: list[int]) -> None:
    """Hand the rows to Celery once the current transaction commits.

    If the broker cannot be reached the rows simply stay queued: the submit
    still succeeds and the sweeper sends them later.
    """
    ids = list(email_ids)
    if ids:
        transaction.on_commit(lambda: _enqueue_now(ids))


def _enqueue_now(email_ids: list[int]) -> None:
    for email_id in email_ids:
        try:
            # No publish retries: a web request must not hang on a dead broker.
            email_send_task.apply_async((email_id,), retry=False)
        except Exception:  # noqa: BLE001 - any broker error; the sweeper covers it
            log.warning("broker unreachable; email %s stays queued for the sweeper", email_ids)
            return


def retry_delay(attempts: int) -> int:
    """Seconds before the next try after `attempts` failed sends.

    Doubling from OUTBOX_RETRY_BASE_SECONDS, capped by OUTBOX_RETRY_MAX_SECONDS,
    which settings keep below the sweeper threshold and the Redis visibility
    timeout (a longer countdown would be handed out twice by Redis).
    """
    delay = settings.OUTBOX_RETRY_BASE_SECONDS * 2 ** max(attempts - 1, 0)
    return int(min(delay, settings.OUTBOX_RETRY_MAX_SECONDS))


def email_retry_delay(*, email_id: int) -> int:
    attempts = OutgoingEmail.objects.filter(pk=email_id).values_list("attempts", flat=True)
    return retry_delay(attempts.first() or 1)


def email_claim(*, email_id: int) -> bool:
    """Move the row from queued to sending; True only for the one caller that did."""
    changed = OutgoingEmail.objects.filter(pk=email_id, status=Status.QUEUED).update(
        status=Status.SENDING, attempts=F("attempts") + 1, status_changed_at=timezone.now()
    )
    return changed == 1


def email_message(email: OutgoingEmail) -> EmailMultiAlternatives:
    # Django stops only CR and LF; a vertical tab or U+2028 becomes a line
    # break too once the message is written out. Refused, so marked failed.
    unsafe = unsafe_header(email)
    if unsafe:
        raise BadHeaderError(f"{unsafe} holds a line break or control character; not sent")
    message = EmailMultiAlternatives(
        subject=email.subject,
        body=email.body_text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[email.to],
        reply_to=[email.reply_to] if email.reply_to else None,
        headers={**email.headers, "Message-ID": email.message_id},
    )
    if email.body_html:
        message.attach_alternative(email.body_html, "text/html")
    return message


def is_transient(exc: Exception) -> bool:
    """Worth trying again later: the server or the network, not the message.

    4xx replies, refused or dropped connections and timeouts are transient;
    5xx replies (bad recipient, rejected content) and anything else are not.
    """
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _msg in exc.recipients.values()]
        return bool(codes) and all(400 <= code < 500 for code in codes)
    if isinstance(exc, smtplib.SMTPResponseException):
        return 400 <= exc.smtp_code < 500
    if isinstance(exc, smtplib.SMTPServerDisconnected):
        return True
    if isinstance(exc, smtplib.SMTPException):
        return False
    # Refused connections, resets and timeouts (TimeoutError is an OSError).
    return isinstance(exc, OSError)


def _finish(email_id: int, **fields) -> None:
    OutgoingEmail.objects.filter(pk=email_id, status=Status.SENDING).update(
        status_changed_at=timezone.now(), **fields
    )


def email_deliver(*, email_id: int) -> Outcome:
    """Claim, send and record one email. Safe to call twice for the same id."""
    if not email_claim(email_id=email_id):
        return Outcome.SKIPPED
    email = OutgoingEmail.objects.get(pk=email_id)
    try:
        email_message(email).send()
    except Exception as exc:  # noqa: BLE001 - classified below, never swallowed silently
        # Code and reason only: the log and the admin must not hold the
        # recipient, nor the patient's name or phone a server's reason quotes.
        error = redact(delivery_error(exc), email.contact_values(), replacement="[patient]")
        if is_transient(exc) and email.attempts < settings.OUTBOX_MAX_ATTEMPTS:
            log.warning("email %s: transient error, will retry: %s", email_id, error)
            _finish(email_id, status=Status.QUEUED, last_error=error)
            return Outcome.RETRY
        log.error("email %s failed after %s attempts: %s", email_id, email.attempts, error)
        with transaction.atomic():
            _finish(email_id, status=Status.FAILED, last_error=error)
            email.last_error = error
            alert = operator_alert_create(failed=email)
            if alert is not None:
                outbox_enqueue(email_ids=[alert.pk])
        return Outcome.FAILED
    _finish(email_id, status=Status.SENT, sent_at=timezone.now(), last_error="")
    return Outcome.SENT


def outbox_sweep(*, now: datetime.datetime | None = None) -> list[int]:
    """Re-queue and re-enqueue rows stuck in queued or sending; return their ids.

    Queued too long: the task was lost (broker down at submit, Redis flushed).
    Sending too long: the worker died mid-send. A row that has used up its
    attempts is marked failed instead.
    """
    now = now or timezone.now()
    cutoff = now - datetime.timedelta(seconds=settings.OUTBOX_STUCK_AFTER_SECONDS)
    stuck = OutgoingEmail.objects.filter(
        status__in=[Status.QUEUED, Status.SENDING], status_changed_at__lt=cutoff
    )
    OutgoingEmail.objects.filter(
        pk__in=stuck.filter(
            status=Status.SENDING, attempts__gte=settings.OUTBOX_MAX_ATTEMPTS
        ).values("pk"),
    ).filter(status=Status.SENDING, status_changed_at__lt=cutoff).update(
        status=Status.FAILED, status_changed_at=now, last_error="gave up: worker lost mid-send"
    )
    requeued = []
    for email_id in stuck.values_list("pk", flat=True)[:1000]:
        # Conditional, so a row a worker finished meanwhile is left alone.
        if (
            OutgoingEmail.objects.filter(
                Q(status=Status.QUEUED) | Q(status=Status.SENDING),
                pk=email_id,
                status_changed_at__lt=cutoff,
            ).update(status=Status.QUEUED, status_changed_at=now)
            == 1
        ):
            requeued.append(email_id)
    if requeued:
        log.info("sweeper re-queued %d emails", len(requeued))
        outbox_enqueue(email_ids=requeued)
    return requeued


def email_resend(*, email_ids: list[int]) -> int:
    """Staff's resend of failed emails: back to queued with fresh attempts.

    Never for an anonymised inquiry (its bodies are blank) nor for someone who
    has since unsubscribed (their queued digests were failed on purpose).
    """
    ids = list(
        OutgoingEmail.objects.filter(pk__in=email_ids, status=Status.FAILED)
        .exclude(inquiry__anonymised_at__isnull=False)
        .exclude(subscription__status=Subscription.Status.UNSUBSCRIBED)
        .values_list("pk", flat=True)
    )
    OutgoingEmail.objects.filter(pk__in=ids, status=Status.FAILED).update(
        status=Status.QUEUED, attempts=0, status_changed_at=timezone.now()
    )
    outbox_enqueue(email_ids=ids)
    return len(ids)


# Tasks: they take ids and call the functions above.


@shared_task(bind=True, ignore_result=True)
def email_send_task(self, email_id: int) -> str:
    """Send one outbox row; on a transient error, try again after a bounded delay.

    The number of tries is bounded by the row's attempts (OUTBOX_MAX_ATTEMPTS),
    which survives lost tasks and the sweeper, not by Celery's retry counter.
    """
    result = email_deliver(email_id=email_id)
    # In-process (eager) tasks run inside the web request: no retries there,
    # the row stays queued for the sweeper rather than the form waiting.
    if result is Outcome.RETRY and not self.request.is_eager:
        raise self.retry(countdown=email_retry_delay(email_id=email_id), max_retries=None)
    return result.value


@shared_task(ignore_result=True)
def outbox_sweep_task() -> int:
    """On beat, every OUTBOX_SWEEP_EVERY_SECONDS."""
    return len(outbox_sweep())
