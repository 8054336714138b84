"""Work that crosses models: storing a patient's inquiry with its emails."""

from __future__ import annotations

import datetime
import hashlib
import logging

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from trials.emails import inquiry_correction_create, inquiry_emails_create
from trials.models import Inquiry, Trial
from trials.outbox import outbox_enqueue
from trials.recipients import Recipients
from trials.routing import Route

logger = logging.getLogger(__name__)

# Stored coordinates are rounded to about a kilometre: enough to explain the
# routing, not enough to find the patient's home.
COORDINATE_DECIMALS = 2


def inquiry_dedupe_key(
    *, trial: Trial, email: str, first_name: str, last_name: str, message: str, phone: str = ""
) -> str:
    """The same patient sending the same message about the same trial. Without
    an email address, the phone number tells two patients of one name apart."""
    who = email.strip().casefold() or f"tel:{phone}"
    parts = [str(trial.pk), who, first_name.casefold(), last_name.casefold()]
    parts.append(" ".join(message.split()))
    return hashlib.sha256("\x1f".join(parts).encode("utf-8", "surrogatepass")).hexdigest()


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, COORDINATE_DECIMALS)


def _wait_for_the_same_submission(key: str) -> None:
    """Two identical posts at the same moment wait for each other here, so the
    second one finds the first one's row. A transaction-scoped advisory lock
    on the dedupe key: different patients never wait on each other. SQLite
    serialises writing transactions anyway."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [int(key[:15], 16)])


# What a patient may correct by sending the same message again, and what of
# it the site reads in its email (see inquiry_submit).
CORRECTABLE = (
    "phone",
    "contact_method",
    "contact_time",
    "preferred_language",
    "location_text",
    "latitude",
    "longitude",
    "prescreen_answers",
    "notify_other_trials",
)
SITE_NEVER_SEES = {"notify_other_trials"}


def inquiry_submit(
    *,
    trial: Trial,
    route: Route,
    recipients: Recipients,
    first_name: str,
    last_name: str,
    email: str,
    phone: str,
    contact_method: str = "",
    contact_time: str = "",
    preferred_language: str = "",
    language: str = "",
    location_text: str = "",
    message: str = "",
    notify_other_trials: bool = False,
    prescreen_answers: list[dict] | None = None,
    health_consent: bool = False,
    abroad_consent: bool = False,
) -> Inquiry:
    """Store the inquiry and its two emails in one transaction; queue them after commit.

    The same message (trial, email address, names, text) sent again within
    INQUIRY_DEDUPE_SECONDS to the same site is the same inquiry: sent
    unchanged (a double click, a resubmitted form) it sends nothing; with a
    corrected phone number, place, language or pre-screening answer it
    updates the inquiry, and the site gets one email with the corrected
    details. A message that now goes to another site (a corrected place
    routes elsewhere) is a new inquiry for that site. With a broker
    (REDIS_URL) it never waits on SMTP: a worker sends the emails, and a
    broker that is down or hung only delays them (see trials.outbox). On the
    embedded default the tasks run in this process once the transaction
    commits, so the request waits for the sending.
    `language` is the language of the pages the patient used: their copy is
    written in it. `recipients` is where the message goes and why
    (trials.recipients.message_route), stored on the inquiry; a route
    without an address stores nothing (the form shows the phone route).
    `health_consent` and `abroad_consent` are the patient's separate consents
    (to send health information, to send it abroad), stored with their time.
    """
    if not recipients.electronic:
        raise ValueError("no electronic route: the patient is shown the phone numbers instead")
    key = inquiry_dedupe_key(
        trial=trial,
        email=email,
        first_name=first_name,
        last_name=last_name,
        message=message,
        phone="" if email.strip() else phone,
    )
    since = timezone.now() - datetime.timedelta(seconds=settings.INQUIRY_DEDUPE_SECONDS)
    origin = route.origin
    details = {
        "phone": phone,
        "contact_method": contact_method,
        "contact_time": contact_time,
        "preferred_language": preferred_language,
        "location_text": location_text,
        "latitude": _rounded(origin.latitude if origin else None),
        "longitude": _rounded(origin.longitude if origin else None),
        "notify_other_trials": notify_other_trials,
        "prescreen_answers": prescreen_answers or [],
    }
    routing = {
        "routing": route.routing,
        "distance_km": None if route.distance_km is None else round(route.distance_km, 1),
    }
    with transaction.atomic():
        _wait_for_the_same_submission(key)
        existing = (
            Inquiry.objects.filter(
                trial=trial, site=route.site, dedupe_key=key, created_at__gte=since
            )
            .order_by("-created_at")
            .first()
        )
        if existing is not None:
            return _inquiry_correct(inquiry=existing, details={**details, **routing})
        inquiry = Inquiry.objects.create(
            trial=trial,
            site=route.site,
            first_name=first_name,
            last_name=last_name,
            email=email.strip(),
            language=language or settings.LANGUAGE_CODE,
            message=message,
            consent_at=timezone.now(),
            health_consent_at=timezone.now() if health_consent else None,
            abroad_consent_at=timezone.now() if abroad_consent else None,
            dedupe_key=key,
            recipient_addresses=list(recipients.addresses),
            recipient_reason=recipients.reason,
            **details,
            **routing,
        )
        emails = inquiry_emails_create(inquiry=inquiry)
        outbox_enqueue(email_ids=[email.pk for email in emails])
    return inquiry


def _inquiry_correct(*, inquiry: Inquiry, details: dict) -> Inquiry:
    """The same message sent again: nothing, or the corrections and one email about them.

    Runs under the submission's advisory lock, so two corrections sent at
    once are applied one after the other and each email shows what it changed."""
    changed = [name for name in CORRECTABLE if getattr(inquiry, name) != details[name]]
    if not changed:
        logger.info("Inquiry %s submitted again; not stored twice", inquiry.pk)
        return inquiry
    for name, value in details.items():
        setattr(inquiry, name, value)
    inquiry.save(update_fields=list(details))
    logger.info("Inquiry %s corrected (%s)", inquiry.pk, ", ".join(changed))
    for_the_site = [name for name in changed if name not in SITE_NEVER_SEES]
    if for_the_site:
        emails = inquiry_correction_create(inquiry=inquiry, changed=for_the_site)
        outbox_enqueue(email_ids=[email.pk for email in emails])
    return inquiry
