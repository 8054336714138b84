"""Forgetting patients' contact details: every copy, on a schedule.

Beat runs each of these daily (trialfinder/settings.py CELERY_BEAT_SCHEDULE):
inquiries past INQUIRY_RETENTION_DAYS are anonymised, sign-ups never
confirmed are deleted once their link has expired, note share links are
deleted once expired or revoked, and expired sessions are deleted. Sessions
hold no name, address or phone (only ids, the place typed and pre-screening
answers) and never outlive the retention period (SESSION_COOKIE_AGE).
"""

from __future__ import annotations

import datetime

from celery import shared_task
from django.conf import settings
from django.contrib.sessions.models import Session
from django.core.management import call_command
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from trials.models import (
    Inquiry,
    InquiryStatusChange,
    OutgoingEmail,
    ShareLink,
    SiteClaim,
    Subscription,
    TeamLink,
)
from trials.privacy import ADDRESS, redact

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
        # A server's reason may quote the patient (rows from before errors were
        # stored without the recipient, or a name in a bounce).
        for email in emails.exclude(last_error="").select_related("inquiry"):
            error = redact(email.last_error, email.contact_values(), replacement=REMOVED)
            email.last_error = ADDRESS.sub(REMOVED, error)
            email.save(update_fields=["last_error"])
        emails.update(subject=REMOVED, body_text="", body_html="", reply_to="", headers={})
        emails.filter(
            kind__in=[OutgoingEmail.Kind.PATIENT_COPY, OutgoingEmail.Kind.PATIENT_ESCALATION]
        ).update(to="removed@invalid")
        # A study team's notes may name the patient or quote a call.
        InquiryStatusChange.objects.filter(inquiry__in=ids).update(note="")
        Inquiry.objects.filter(pk__in=ids).update(
            first_name="",
            last_name="",
            email="",
            phone="",
            contact_time="",
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


def subscriptions_unconfirmed_delete(*, now: datetime.datetime | None = None) -> int:
    """Delete sign-ups whose confirmation link expired unused; return how many.

    Nobody can confirm them any more (SUBSCRIPTION_CONFIRM_MAX_AGE_DAYS), so
    the address is kept for nothing. Their emails and deliveries go with them.
    """
    now = now or timezone.now()
    cutoff = now - datetime.timedelta(days=settings.SUBSCRIPTION_CONFIRM_MAX_AGE_DAYS)
    stale = Subscription.objects.filter(status=Subscription.Status.PENDING).filter(
        Q(confirmation_sent_at__lt=cutoff)
        | Q(confirmation_sent_at__isnull=True, created_at__lt=cutoff)
    )
    _total, per_model = stale.delete()
    return per_model.get(Subscription._meta.label, 0)


def share_links_expired_delete(*, now: datetime.datetime | None = None) -> int:
    """Delete note share links that expired or were revoked; return how many."""
    now = now or timezone.now()
    ended = ShareLink.objects.filter(Q(expires_at__lte=now) | Q(revoked_at__isnull=False))
    _total, per_model = ended.delete()
    return per_model.get(ShareLink._meta.label, 0)


def team_links_expired_delete(*, now: datetime.datetime | None = None) -> int:
    """Delete study teams' one-time links that expired or were used a day ago,
    and claims refused or left undecided past the retention period: they hold
    coordinators' addresses and serve nothing more. Return how many."""
    now = now or timezone.now()
    links, _ = TeamLink.objects.filter(
        Q(expires_at__lte=now - datetime.timedelta(days=1))
        | Q(used_at__lte=now - datetime.timedelta(days=1))
    ).delete()
    stale = now - datetime.timedelta(days=settings.INQUIRY_RETENTION_DAYS)
    claims, _ = SiteClaim.objects.filter(
        Q(status=SiteClaim.Status.REFUSED) | Q(status=SiteClaim.Status.PENDING),
        created_at__lt=stale,
    ).delete()
    return links + claims


@shared_task(ignore_result=True)
def team_links_expired_delete_task() -> int:
    return team_links_expired_delete()


def sessions_expired_delete() -> int:
    """Django's clearsessions, counted: expired sessions (pre-screening
    answers, places typed) leave the database."""
    before = Session.objects.count()
    call_command("clearsessions")
    return before - Session.objects.count()


@shared_task(ignore_result=True)
def subscriptions_unconfirmed_delete_task() -> int:
    return subscriptions_unconfirmed_delete()


@shared_task(ignore_result=True)
def share_links_expired_delete_task() -> int:
    return share_links_expired_delete()


@shared_task(ignore_result=True)
def sessions_expired_delete_task() -> int:
    return sessions_expired_delete()
