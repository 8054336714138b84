"""Patient Notification Services: sign up, confirm, manage, unsubscribe, digests.

Double opt-in: the only email an unconfirmed address ever gets is the
confirmation. Every email carries signed links to manage preferences and to
unsubscribe (also as List-Unsubscribe headers with RFC 8058 one-click POST).
The links hold the subscription's id and a digest of its address, signed with
a salt per purpose, so a link can neither be guessed nor turned into another.
Digests go through the outbox like every other email; the unique
(subscription, trial) delivery row, written in the same transaction as the
email row, makes each trial go to each subscriber at most once.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.core import signing
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone, translation

from trials.distance import place_resolve
from trials.emails import email_queue, known_language
from trials.links import LinkExpired, LinkInvalid
from trials.models import OutgoingEmail, Subscription, SubscriptionDelivery, Trial
from trials.outbox import outbox_enqueue
from trials.ratelimit import mailbox_key, rate_limited
from trials.search import DEFAULT_RADIUS_KM
from trials.subscription_matches import (
    subscription_current_matches,
    subscription_new_trials,
    subscription_search_url,
)

logger = logging.getLogger(__name__)

CONFIRM, MANAGE, UNSUBSCRIBE = "confirm", "manage", "unsubscribe"
# One digest lists at most this many trials; the rest come in the next one.
DIGEST_MAX_TRIALS = 20


# Signed links -----------------------------------------------------------------


def _address_digest(email: str) -> str:
    # Binds a link to the address without putting the address in the URL.
    return hashlib.sha256(email.encode()).hexdigest()[:10]


def _max_age(purpose: str) -> timedelta:
    days = (
        settings.SUBSCRIPTION_CONFIRM_MAX_AGE_DAYS
        if purpose == CONFIRM
        else settings.SUBSCRIPTION_LINK_MAX_AGE_DAYS
    )
    return timedelta(days=days)


def subscription_token(subscription: Subscription, purpose: str) -> str:
    payload = [subscription.pk, _address_digest(subscription.email)]
    return signing.dumps(payload, salt=f"trials.subscription.{purpose}", compress=False)


def subscription_from_token(token: str, purpose: str) -> Subscription:
    """The subscription a signed link is for; LinkExpired or LinkInvalid if none."""
    try:
        pk, digest = signing.loads(
            token, salt=f"trials.subscription.{purpose}", max_age=_max_age(purpose)
        )
    except signing.SignatureExpired as exc:
        raise LinkExpired from exc
    except (signing.BadSignature, TypeError, ValueError) as exc:
        raise LinkInvalid from exc
    subscription = Subscription.objects.filter(pk=pk).first() if isinstance(pk, int) else None
    if subscription is None or digest != _address_digest(subscription.email):
        raise LinkInvalid
    return subscription


def subscription_path(subscription: Subscription, purpose: str) -> str:
    """The site-relative address of a signed link (for pages)."""
    names = {
        CONFIRM: "trials:notify_confirm",
        MANAGE: "trials:notify_manage",
        UNSUBSCRIBE: "trials:notify_unsubscribe",
    }
    return reverse(names[purpose], args=[subscription_token(subscription, purpose)])


def subscription_url(subscription: Subscription, purpose: str) -> str:
    """The full address of a signed link (for emails)."""
    return settings.SITE_URL + subscription_path(subscription, purpose)


def one_click_unsubscribe_url(subscription: Subscription) -> str:
    token = subscription_token(subscription, UNSUBSCRIBE)
    return settings.SITE_URL + reverse("trials:notify_unsubscribe_one_click", args=[token])


def unsubscribe_headers(subscription: Subscription) -> dict[str, str]:
    """RFC 2369 / RFC 8058 headers: mail programs show an "Unsubscribe" button."""
    return {
        "List-Unsubscribe": f"<{one_click_unsubscribe_url(subscription)}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }


# Preferences -------------------------------------------------------------------


def email_normalise(email: str) -> str:
    return email.strip().lower()


def email_language(language: str) -> str:
    """The language to write to a subscriber in: theirs if the site speaks it."""
    return known_language(language)


@dataclass(frozen=True)
class Preferences:
    interests: str
    place_text: str = ""
    lat: float | None = None
    lon: float | None = None
    radius_km: int | None = None
    language: str = ""


def _apply(subscription: Subscription, preferences: Preferences) -> None:
    """Copy preferences onto the subscription, resolving the place by name."""
    latitude, longitude = preferences.lat, preferences.lon
    place_text = preferences.place_text.strip()
    if (latitude is None or longitude is None) and place_text:
        origin = place_resolve(place_text)
        latitude, longitude = (origin.latitude, origin.longitude) if origin else (None, None)
    if latitude is None or longitude is None:
        latitude = longitude = None
    subscription.interests = preferences.interests.strip()[:300]
    subscription.place_text = place_text[:200]
    subscription.latitude, subscription.longitude = latitude, longitude
    located = latitude is not None
    subscription.radius_km = (preferences.radius_km or DEFAULT_RADIUS_KM) if located else None
    subscription.language = email_language(preferences.language)


def _links_context(subscription: Subscription) -> dict:
    return {
        "subscription": subscription,
        "manage_url": subscription_url(subscription, MANAGE),
        "unsubscribe_url": subscription_url(subscription, UNSUBSCRIBE),
    }


def _email_to(
    subscription: Subscription, *, kind: str, template: str, context: dict
) -> OutgoingEmail:
    with translation.override(email_language(subscription.language)):
        return email_queue(
            kind=kind,
            to=subscription.email,
            template=template,
            context={**_links_context(subscription), **context},
            subscription=subscription,
            headers=unsubscribe_headers(subscription),
        )


# Sign-up, confirmation, changes ------------------------------------------------


def subscription_request(
    *,
    email: str,
    interests: str,
    place_text: str = "",
    lat: float | None = None,
    lon: float | None = None,
    radius_km: int | None = None,
    language: str = "",
    ip: str = "",
) -> bool:
    """Ask to hear about new trials. False only when this connection is over its limit.

    The caller shows the same "check your email" page whatever happened, so
    the page never tells whether an address is subscribed. A new, pending or
    unsubscribed address gets (again) a confirmation link. A confirmed one
    keeps its preferences (nobody can change them without its links) and
    gets an email with those links instead. Past the per-address limit
    nothing is sent, so nobody can flood an inbox through this form.
    """
    if rate_limited(
        scope="notify-signup-ip",
        key=ip or "unknown",
        limit=settings.SUBSCRIPTION_SIGNUPS_PER_IP_PER_HOUR,
        window_seconds=3600,
    ):
        return False
    email = email_normalise(email)
    if rate_limited(
        scope="notify-signup-email",
        key=mailbox_key(email),
        limit=settings.SUBSCRIPTION_EMAILS_PER_ADDRESS_PER_DAY,
        window_seconds=24 * 3600,
    ):
        logger.info("Notification sign-up for one address over its daily limit; nothing sent")
        return True
    preferences = Preferences(interests, place_text, lat, lon, radius_km, language)
    with transaction.atomic():
        subscription, _created = Subscription.objects.get_or_create(
            email=email, defaults={"interests": interests.strip()[:300]}
        )
        subscription = Subscription.objects.select_for_update().get(pk=subscription.pk)
        if subscription.status == Subscription.Status.CONFIRMED:
            email_row = _email_to(
                subscription,
                kind=OutgoingEmail.Kind.SUBSCRIPTION_CONFIRM,
                template="subscription_active",
                context={},
            )
        else:
            _apply(subscription, preferences)
            subscription.status = Subscription.Status.PENDING
            subscription.confirmed_at = None
            subscription.confirmation_sent_at = timezone.now()
            subscription.save()
            # The link opens the confirmation page in the subscriber's language.
            with translation.override(email_language(subscription.language)):
                confirm_url = subscription_url(subscription, CONFIRM)
            email_row = _email_to(
                subscription,
                kind=OutgoingEmail.Kind.SUBSCRIPTION_CONFIRM,
                template="subscription_confirm",
                context={
                    # The footer must not say they subscribed: they have not yet.
                    "not_yet_subscribed": True,
                    "confirm_url": confirm_url,
                    "confirm_max_age_days": settings.SUBSCRIPTION_CONFIRM_MAX_AGE_DAYS,
                },
            )
        outbox_enqueue(email_ids=[email_row.pk])
    return True


def subscription_confirm(*, subscription: Subscription) -> Subscription:
    """Confirm a pending subscription (its confirmation link was opened).

    Confirming twice changes nothing. An address that unsubscribed since the
    link was sent stays unsubscribed: LinkInvalid."""
    with transaction.atomic():
        subscription = Subscription.objects.select_for_update().get(pk=subscription.pk)
        if subscription.status == Subscription.Status.UNSUBSCRIBED:
            raise LinkInvalid
        if subscription.status == Subscription.Status.PENDING:
            subscription.status = Subscription.Status.CONFIRMED
            subscription.confirmed_at = timezone.now()
            subscription.save(update_fields=["status", "confirmed_at"])
            email_row = subscription_welcome_queue(subscription=subscription)
            outbox_enqueue(email_ids=[email_row.pk])
    return subscription


def subscription_unsubscribe(*, subscription: Subscription) -> Subscription:
    """Stop every email to this address, including digests not sent yet."""
    now = timezone.now()
    with transaction.atomic():
        updated = Subscription.objects.filter(pk=subscription.pk).exclude(
            status=Subscription.Status.UNSUBSCRIBED
        )
        updated.update(status=Subscription.Status.UNSUBSCRIBED, unsubscribed_at=now)
        # Only rows no worker has claimed yet: the claim moves them off QUEUED.
        OutgoingEmail.objects.filter(
            subscription_id=subscription.pk,
            kind=OutgoingEmail.Kind.TRIAL_DIGEST,
            status=OutgoingEmail.Status.QUEUED,
        ).update(
            status=OutgoingEmail.Status.FAILED,
            last_error="Not sent: the subscriber unsubscribed first.",
            status_changed_at=now,
        )
    subscription.refresh_from_db()
    return subscription


def subscription_update(
    *,
    subscription: Subscription,
    interests: str,
    place_text: str = "",
    lat: float | None = None,
    lon: float | None = None,
    radius_km: int | None = None,
    language: str = "",
) -> Subscription:
    """Change what a subscriber hears about (from their manage link)."""
    _apply(subscription, Preferences(interests, place_text, lat, lon, radius_km, language))
    subscription.save(
        update_fields=["interests", "place_text", "latitude", "longitude", "radius_km", "language"]
    )
    return subscription


# Digests -----------------------------------------------------------------------


def _trial_links(trials: list[Trial]) -> list[tuple[Trial, str]]:
    return [(trial, settings.SITE_URL + trial.get_absolute_url()) for trial in trials]


def subscription_welcome_queue(*, subscription: Subscription) -> OutgoingEmail:
    """The first email after confirming: the trials that already match, each
    recorded as sent so later digests bring only what is new. Call inside the
    confirming transaction; `outbox_enqueue` after."""
    trials = subscription_current_matches(subscription)
    with translation.override(email_language(subscription.language)):
        email_row = _email_to(
            subscription,
            kind=OutgoingEmail.Kind.TRIAL_DIGEST,
            template="subscription_welcome",
            context={
                "trials": _trial_links(trials),
                "more_url": subscription_search_url(subscription),
                "search_url": settings.SITE_URL + reverse("trials:list"),
            },
        )
    SubscriptionDelivery.objects.bulk_create(
        [SubscriptionDelivery(subscription=subscription, trial=t, email=email_row) for t in trials],
        ignore_conflicts=True,
    )
    return email_row


def subscription_digest_send(*, subscription_id: int) -> OutgoingEmail | None:
    """Queue one digest of new matching trials to one confirmed subscriber.

    The delivery rows and the email row commit together or not at all. A
    concurrent run skips a subscriber that is locked (PostgreSQL); where
    locks are not available (SQLite) the unique delivery pair makes the
    later run fail and roll back, so no trial is ever sent twice."""
    try:
        with transaction.atomic():
            subscription = (
                Subscription.objects.select_for_update(skip_locked=True)
                .filter(pk=subscription_id, status=Subscription.Status.CONFIRMED)
                .first()
            )
            if subscription is None or subscription.confirmed_at is None:
                return None
            trials = list(
                subscription_new_trials(subscription).with_card_data()[:DIGEST_MAX_TRIALS]
            )
            if not trials:
                return None
            # Links to the pages in the subscriber's language, like the email.
            with translation.override(email_language(subscription.language)):
                email_row = _email_to(
                    subscription,
                    kind=OutgoingEmail.Kind.TRIAL_DIGEST,
                    template="trial_digest",
                    context={
                        "trials": _trial_links(trials),
                        "search_url": settings.SITE_URL + reverse("trials:list"),
                    },
                )
            SubscriptionDelivery.objects.bulk_create(
                [
                    SubscriptionDelivery(subscription=subscription, trial=trial, email=email_row)
                    for trial in trials
                ]
            )
            subscription.last_digest_at = timezone.now()
            subscription.save(update_fields=["last_digest_at"])
            outbox_enqueue(email_ids=[email_row.pk])
    except IntegrityError:
        logger.info("Digest for subscription %s already written by another run", subscription_id)
        return None
    return email_row


def subscriptions_digest_send() -> int:
    """The beat job: one digest per confirmed subscriber with new trials. Returns how many."""
    subscriber_ids = (
        Subscription.objects.filter(status=Subscription.Status.CONFIRMED)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    sent = 0
    for subscription_id in subscriber_ids.iterator(chunk_size=500):
        if subscription_digest_send(subscription_id=subscription_id) is not None:
            sent += 1
    return sent


@shared_task(ignore_result=True)
def subscriptions_digest_task() -> int:
    """On beat, daily at SUBSCRIPTION_DIGEST_HOUR_UTC."""
    return subscriptions_digest_send()
