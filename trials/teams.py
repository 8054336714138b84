"""What the study team holding a site says about where its messages go.

The contact-resolution rule calls these two for every message it routes, so
each is one query: a team's own addresses win over the registry's, and a team
that is "not taking messages now" sends patients to the next nearest site.
A site holds a team while at least one account's membership is confirmed; a
removed member stops counting at once.
"""

from __future__ import annotations

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
        .order_by("trial__nct_id", "facility", "pk")
    )
