"""An inquiry after it is sent: the escalation of a message nobody answers.

Counted in working days (Monday to Friday) with no change of its status:
after INQUIRY_REMINDER_DAYS whoever received it gets one reminder; after
INQUIRY_ESCALATION_DAYS more the message is passed to the trial's central
contact (then its backup contact) with a note, and the patient, if they gave
an email address, is told in their language what happened and whom they can
call. Each step is an outbox row written under a conditional update of its
timestamp on the inquiry, so nothing is sent twice, even with two schedulers.
(The site answers through its signed link: trials/coordinator.py.)
"""

from __future__ import annotations

import datetime

from celery import shared_task
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from trials.emails import inquiry_escalation_create, inquiry_reminder_create
from trials.models import Inquiry
from trials.outbox import outbox_enqueue
from trials.recipients import CENTRAL, central_recipients, phones_for

BATCH = 500


def working_days_before(moment: datetime.datetime, days: int) -> datetime.datetime:
    """The moment `days` working days (Monday to Friday) before this one:
    Wednesday's moment less 3 working days is the Friday before, same time."""
    counted = 0
    while counted < days:
        moment -= datetime.timedelta(days=1)
        if moment.weekday() < 5:
            counted += 1
    return moment


def _unanswered():
    return Inquiry.objects.filter(status=Inquiry.Status.NEW, anonymised_at__isnull=True)


def _each_once(due, *, stamp: str, now: datetime.datetime, emails_for) -> list[int]:
    """For each due inquiry: stamp it, then queue its emails, in one transaction.
    The stamp is a conditional update (only where it is still empty): what
    makes each step happen once, even if two beat schedulers run at once."""
    email_ids = []
    for inquiry in due.select_related("trial", "site")[:BATCH]:
        with transaction.atomic():
            claimed = Inquiry.objects.filter(pk=inquiry.pk, **{f"{stamp}__isnull": True})
            if claimed.update(**{stamp: now}) != 1:
                continue
            ids = [email.pk for email in emails_for(inquiry)]
            outbox_enqueue(email_ids=ids)
            email_ids += ids
    return email_ids


def inquiry_reminders_send(*, now: datetime.datetime | None = None) -> list[int]:
    """One reminder for each inquiry still new after INQUIRY_REMINDER_DAYS working days."""
    now = now or timezone.now()
    cutoff = working_days_before(now, settings.INQUIRY_REMINDER_DAYS)
    due = _unanswered().filter(reminder_sent_at__isnull=True, created_at__lte=cutoff)
    return _each_once(
        due,
        stamp="reminder_sent_at",
        now=now,
        emails_for=lambda inquiry: inquiry_reminder_create(inquiry=inquiry),
    )


def inquiry_escalations_send(*, now: datetime.datetime | None = None) -> list[int]:
    """Inquiries still new INQUIRY_ESCALATION_DAYS working days after their
    reminder: to the trial's central contact with a note (unless it already
    had the message), and a word to the patient with the numbers to call."""
    now = now or timezone.now()
    cutoff = working_days_before(now, settings.INQUIRY_ESCALATION_DAYS)
    due = _unanswered().filter(escalated_at__isnull=True, reminder_sent_at__lte=cutoff)
    return _each_once(due, stamp="escalated_at", now=now, emails_for=_escalation)


def _escalation(inquiry: Inquiry) -> list:
    central = central_recipients(inquiry.trial)
    # A message the central contact already had is not sent to it again.
    passed_on = central.electronic and inquiry.recipient_reason not in CENTRAL
    return inquiry_escalation_create(
        inquiry=inquiry,
        central_addresses=list(central.addresses) if passed_on else [],
        phones=phones_for(trial=inquiry.trial, site=inquiry.site),
    )


@shared_task(ignore_result=True)
def inquiry_reminders_task() -> int:
    """On beat, hourly: the reminders, then the escalations."""
    return len(inquiry_reminders_send()) + len(inquiry_escalations_send())
