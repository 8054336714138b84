"""Celery tasks: thin wrappers that take ids and call the outbox functions."""

from celery import shared_task

from trials import outbox


@shared_task(bind=True, ignore_result=True)
def email_send(self, email_id: int) -> str:
    """Send one outbox row; on a transient error, try again after a bounded delay.

    The number of tries is bounded by the row's attempts (OUTBOX_MAX_ATTEMPTS),
    which survives lost tasks and the sweeper, not by Celery's retry counter.
    """
    result = outbox.email_deliver(email_id=email_id)
    # In-process (eager) tasks run inside the web request: no retries there,
    # the row stays queued for the sweeper rather than the form waiting.
    if result is outbox.Outcome.RETRY and not self.request.is_eager:
        countdown = outbox.email_retry_delay(email_id=email_id)
        raise self.retry(countdown=countdown, max_retries=None)
    return result.value


@shared_task(ignore_result=True)
def outbox_sweep() -> int:
    return len(outbox.outbox_sweep())


@shared_task(ignore_result=True)
def inquiry_reminders() -> int:
    return len(outbox.inquiry_reminders_send())


@shared_task(ignore_result=True)
def inquiries_anonymise() -> int:
    """Daily: forget contact details older than INQUIRY_RETENTION_DAYS."""
    from django.conf import settings

    from trials.anonymise import inquiries_anonymise as anonymise

    return anonymise(older_than_days=settings.INQUIRY_RETENTION_DAYS)


@shared_task(ignore_result=True)
def subscriptions_digest() -> int:
    """The daily digest of new matching trials to each confirmed subscriber."""
    from trials.subscriptions import subscriptions_digest_send

    return subscriptions_digest_send()


# Retention (trials/anonymise.py): each copy of a patient's details goes on schedule.


@shared_task(ignore_result=True)
def subscriptions_unconfirmed_delete() -> int:
    from trials.anonymise import subscriptions_unconfirmed_delete as delete

    return delete()


@shared_task(ignore_result=True)
def share_links_expired_delete() -> int:
    from trials.anonymise import share_links_expired_delete as delete

    return delete()


@shared_task(ignore_result=True)
def sessions_expired_delete() -> int:
    from trials.anonymise import sessions_expired_delete as delete

    return delete()
