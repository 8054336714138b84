"""Which trials match a subscriber, and which of them are news.

A subscriber's interests are searched as the search page would, one search
per interest, near their place if they gave one. A trial is news to them when
it starts recruiting (Trial.listed_at) or opens a recruiting site near them
(Site.recruiting_since), both stamped by the importer, so the registry sync
and imports alike reach subscribers. Only the openings of the last
ALERT_LOOKBACK_DAYS are tested against the interests: the matching reads the
few recent openings, never the whole recruiting registry.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from urllib.parse import urlencode

from django.conf import settings
from django.db.models import F, Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from trials.distance import Origin, near_sites, nearest_window
from trials.models import Subscription, Trial
from trials.search import DEFAULT_RADIUS_KM, Criteria, filtered_trials

# The first email after confirming lists at most this many of the trials that
# already match (nearest first, else newest), and links to the full search.
WELCOME_MAX_TRIALS = 10
# A digest looks at trials that opened (or opened a site near the subscriber)
# in this many days at most: the matching reads those few, never the whole
# recruiting registry, however long ago the subscriber confirmed.
ALERT_LOOKBACK_DAYS = 30
# "sarcoma, bone metastases; 肉瘤、骨转移": each part is searched on its own.
INTEREST_SEPARATORS = re.compile(r"[,;\n\r，；、]+")
MAX_INTEREST_TERMS = 10


def interest_terms(interests: str) -> list[str]:
    terms = [term.strip() for term in INTEREST_SEPARATORS.split(interests or "")]
    return [term for term in terms if term][:MAX_INTEREST_TERMS]


def subscription_origin(subscription: Subscription) -> Origin | None:
    if subscription.latitude is None or subscription.longitude is None:
        return None
    return Origin(subscription.latitude, subscription.longitude, subscription.place_text)


def _opened_since(since: datetime, origin: Origin | None, radius_km: float) -> Q:
    """Trials that started recruiting after `since`, or (for a subscriber with
    a place) opened a recruiting site near it after `since`: a site far away
    opening is no news to them. Both read through an index of the time
    (Trial.listed_at, Site.recruiting_since), so only the recent openings
    are tested against the interests."""
    opened = Q(listed_at__gt=since)
    if origin is not None:
        sites = near_sites(origin, radius_km).filter(recruiting_since__gt=since)
        opened |= Q(pk__in=sites.values("trial_id"))
    return opened


def subscription_matches(
    subscription: Subscription, *, opened_since: datetime | None = None
) -> QuerySet[Trial]:
    """Recruiting published trials matching any interest, near the place if one is set;
    with `opened_since`, only those newly recruiting (near the place) since then.

    The same matching as the search page: one search per interest."""
    origin = subscription_origin(subscription)
    radius_km = subscription.radius_km or DEFAULT_RADIUS_KM
    searches = []
    for term in interest_terms(subscription.interests):
        criteria = Criteria(q=term, status="recruiting", origin=origin, radius_km=radius_km)
        trials = filtered_trials(criteria)
        if opened_since is not None:
            # Inside each term's search, so the few recent openings bound it.
            trials = trials.filter(_opened_since(opened_since, origin, radius_km))
        searches.append(trials.order_by().values("pk"))
    if not searches:
        return Trial.objects.none()
    # One IN over the UNION of the searches: a semi-join the planner reads by
    # id. An OR of one IN per search is a filter it can only test row by row
    # along the whole table.
    found = searches[0].union(*searches[1:]) if len(searches) > 1 else searches[0]
    return Trial.objects.filter(pk__in=found)


def subscription_new_trials(subscription: Subscription) -> QuerySet[Trial]:
    """Matching trials newly recruiting (near the subscriber) since they confirmed,
    in the last ALERT_LOOKBACK_DAYS, and not yet sent to them."""
    since = max(subscription.confirmed_at, timezone.now() - timedelta(days=ALERT_LOOKBACK_DAYS))
    return (
        subscription_matches(subscription, opened_since=since)
        .exclude(pk__in=subscription.deliveries.values("trial_id"))
        .order_by("listed_at", "pk")
    )


def subscription_search_url(subscription: Subscription) -> str:
    """The search page with the subscriber's first interest and place: where the
    rest of their matches are."""
    query: dict[str, str | int] = {}
    terms = interest_terms(subscription.interests)
    if terms:
        query["q"] = terms[0]
    if subscription.latitude is not None and subscription.longitude is not None:
        query.update(
            place=subscription.place_text,
            lat=subscription.latitude,
            lon=subscription.longitude,
            radius=subscription.radius_km or DEFAULT_RADIUS_KM,
        )
    url = settings.SITE_URL + reverse("trials:list")
    return f"{url}?{urlencode(query)}" if query else url


def subscription_current_matches(subscription: Subscription) -> list[Trial]:
    """What already matches, at most WELCOME_MAX_TRIALS: the nearest first for
    a subscriber with a place (one bounded query of the sites near it), else
    the newest listed."""
    matches = subscription_matches(subscription)
    origin = subscription_origin(subscription)
    if origin is not None:
        radius_km = subscription.radius_km or DEFAULT_RADIUS_KM
        ids = nearest_window(matches, origin, radius_km, WELCOME_MAX_TRIALS)
    else:
        ids = list(
            matches.order_by(F("listed_at").desc(nulls_last=True), "-pk").values_list(
                "pk", flat=True
            )[:WELCOME_MAX_TRIALS]
        )
    found = {trial.pk: trial for trial in Trial.objects.filter(pk__in=ids).with_card_data()}
    return [found[pk] for pk in ids if pk in found]
