"""Forgetting patients' contact details after the retention period."""

from __future__ import annotations

import datetime

from celery import shared_task
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from trials.models import Inquiry, OutgoingEmail

REMOVED = "[removed]"


def inquiries_anonymise(*, older_than_days: int, now: datetime.datetime | None = None) -> int:
    """Blank contact details of inquiries received before the cutoff; return how many.

    What the statistics need stays: trial, site, status, routing, distance and
    every timestamp. The emails keep kind, status and dates; their bodies,
    subject and the patient's address go, since they repeat the details.
    Email rows still waiting to go out are failed first, so nothing is sent
    with blanked content.
    """
    now = now or timezone.now()
    cutoff = now - datetime.timedelta(days=older_than_days)
    due = Inquiry.objects.filter(created_at__lt=cutoff, anonymised_at__isnull=True)
    with transaction.atomic():
        ids = list(due.select_for_update().values_list("pk", flat=True))
        if not ids:
            return 0
        emails = OutgoingEmail.objects.filter(inquiry__in=ids)
        emails.filter(
            status__in=[OutgoingEmail.Status.QUEUED, OutgoingEmail.Status.SENDING]
        ).update(status=OutgoingEmail.Status.FAILED, status_changed_at=now, last_error="anonymised")
        emails.update(subject=REMOVED, body_text="", body_html="", reply_to="", headers={})
        emails.filter(kind=OutgoingEmail.Kind.PATIENT_COPY).update(to="removed@invalid")
        Inquiry.objects.filter(pk__in=ids).update(
            first_name="",
            last_name="",
            email="",
            phone="",
            message="",
            location_text="",
            latitude=None,
            longitude=None,
            prescreen_answers=[],
            dedupe_key="",
            anonymised_at=now,
        )
    return len(ids)


@shared_task(ignore_result=True)
def inquiries_anonymise_task() -> int:
    """Daily: forget contact details older than INQUIRY_RETENTION_DAYS."""
    return inquiries_anonymise(older_than_days=settings.INQUIRY_RETENTION_DAYS)
