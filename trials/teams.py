"""What the study team holding a site says about where its messages go.

The contact-resolution rule calls these two for every message it routes, so
each is one query: a team's own addresses win over the registry's, and a team
that is "not taking messages now" sends patients to the next nearest site.
A site holds a team while at least one account's membership is confirmed; a
removed member stops counting at once.
"""

from __future__ import annotations

from django.core.cache import cache
from django.db.models import QuerySet

from trials.models import Site, SiteMembership, TeamSettings


def team_addresses(site: Site) -> list[str]:
    """The addresses the study team holding this site keeps: the contact
    addresses in its settings, else its members' own addresses; [] when no
    team holds the site. One query."""
    rows = list(
        SiteMembership.objects.confirmed()
        .filter(site=site, user__is_active=True)
        .order_by("pk")
        .values_list("user__email", "site__team_settings__contact_addresses")
    )
    if not rows:
        return []
    addresses = rows[0][1] or [email for email, _own in rows]
    return list(dict.fromkeys(address.strip() for address in addresses if address.strip()))


def taking_messages(site: Site) -> bool:
    """False while the team holding this site says "not taking messages now".
    A site no team holds takes messages as the registry says. One query."""
    return not (
        TeamSettings.objects.filter(
            site=site,
            taking_messages=False,
            site__memberships__status=SiteMembership.Status.CONFIRMED,
        ).exists()
    )


def sites_held_by(user) -> QuerySet[Site]:
    """The sites this account holds now, with their trial and team settings."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return Site.objects.none()
    return (
        Site.objects.filter(
            memberships__user=user, memberships__status=SiteMembership.Status.CONFIRMED
        )
        .select_related("trial", "team_settings")
        # The trial's number and title, not its registry record and texts.
        .defer(*(f"trial__{name}" for name in TRIAL_TEXTS))
        .order_by("trial__nct_id", "facility", "pk")
    )


TRIAL_TEXTS = (
    "official_title",
    "overview",
    "lay_summary",
    "description",
    "eligibility_criteria",
    "concepts",
    "source_record",
    "translations",
)
# How long the inbox shows a site's median time to first answer before
# reading it again: it moves slowly, and the inbox is opened often.
MEDIAN_SECONDS = 600


def median_hours_by_site(sites: list[Site]) -> dict[int, float | None]:
    """Each site's Site.median_response_hours, kept a few minutes in the cache:
    one cache read for all the sites, a query only for those not kept."""
    keys = {site.pk: f"team:median-hours:v1:{site.pk}" for site in sites}
    kept = cache.get_many(list(keys.values()))
    medians, missing = {}, {}
    for site in sites:
        if keys[site.pk] in kept:
            medians[site.pk] = kept[keys[site.pk]]
        else:
            medians[site.pk] = missing[keys[site.pk]] = site.median_response_hours()
    if missing:
        cache.set_many(missing, timeout=MEDIAN_SECONDS)
    return medians
