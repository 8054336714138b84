"""An inquiry after it is sent: the one reminder to a study site that has not
answered. (The site answers through its signed link: trials/coordinator.py.)"""

from __future__ import annotations

import datetime

from celery import shared_task
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from trials.emails import inquiry_reminder_create
from trials.models import Inquiry
from trials.outbox import outbox_enqueue


def inquiry_reminders_send(*, now: datetime.datetime | None = None) -> list[int]:
    """One reminder to the site for each inquiry still new after INQUIRY_REMINDER_DAYS."""
    now = now or timezone.now()
    cutoff = now - datetime.timedelta(days=settings.INQUIRY_REMINDER_DAYS)
    due = Inquiry.objects.filter(
        status=Inquiry.Status.NEW,
        reminder_sent_at__isnull=True,
        anonymised_at__isnull=True,
        created_at__lt=cutoff,
    ).select_related("trial", "site")
    email_ids = []
    for inquiry in due[:500]:
        with transaction.atomic():
            # The conditional update is what makes it one reminder, even if
            # two beat schedulers run at once.
            if (
                Inquiry.objects.filter(pk=inquiry.pk, reminder_sent_at__isnull=True).update(
                    reminder_sent_at=now
                )
                != 1
            ):
                continue
            ids = [email.pk for email in inquiry_reminder_create(inquiry=inquiry)]
            outbox_enqueue(email_ids=ids)
            email_ids += ids
    return email_ids


@shared_task(ignore_result=True)
def inquiry_reminders_task() -> int:
    """On beat, hourly."""
    return len(inquiry_reminders_send())
