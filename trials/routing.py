"""Where a patient's message goes: the nearest recruiting site of the trial.

The patient's location is resolved offline from the gazetteer (a city name
in any script, or "City, CC" as the suggestions offer it) or taken from the
browser's coordinates. Without a usable location the message goes to the
trial's primary contact, and the page says so.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace

from django.db.models import F

from trials.distance import Origin, haversine_km, normalise_place_name
from trials.models import Inquiry, Place, PlaceName, Site, Trial

SUGGESTION_LIMIT = 8


@dataclass(frozen=True)
class Route:
    site: Site
    routing: str  # an Inquiry.Routing value
    distance_km: float | None = None
    origin: Origin | None = None
    # The site the patient chose, when its team is not taking messages now.
    passed_over: Site | None = None


def place_suggestions(text: str, *, limit: int = SUGGESTION_LIMIT) -> list[dict]:
    """Places with a name starting with `text`, one row each, for the datalist."""
    # No place name has control characters, and PostgreSQL refuses NUL in a query.
    printable = "".join(c for c in (text or "") if c.isprintable())
    key = normalise_place_name(printable)[:200]
    # One Latin letter matches too much to be useful; one CJK character ("杭") does not.
    if not key or (len(key) < 2 and key.isascii()):
        return []
    matching = PlaceName.objects.filter(key__startswith=key)
    # Places whose own name matches come first ("ha": Hangzhou, Hanoi, Harbin),
    # then those matched by another name ("杭": Hangzhou), each by population.
    own_name = matching.filter(name=F("place__name")).values("place_id")
    places = list(Place.objects.filter(pk__in=own_name).order_by("-population", "pk")[:limit])
    if len(places) < limit:
        places += (
            Place.objects.filter(pk__in=matching.values("place_id"))
            .exclude(pk__in=[place.pk for place in places])
            .order_by("-population", "pk")[: limit - len(places)]
        )
    # The name that matched, to show beside the place's own: "杭州 (Hangzhou)".
    matched: dict[int, str] = {}
    for place_id, name in (
        matching.filter(place__in=places).order_by("name").values_list("place_id", "name")
    ):
        matched.setdefault(place_id, name)
    return [
        {
            "value": f"{place.name}, {place.country_code}",
            "label": place.name
            if normalise_place_name(place.name).startswith(key)
            else f"{matched.get(place.pk, place.name)} ({place.name})",
            "country": place.country_code,
            "population": place.population,
        }
        for place in places
    ]


def choosable_sites(trial: Trial) -> list[Site]:
    """The sites a patient may write to: the recruiting ones, else all of them."""
    sites = list(trial.sites.all())
    recruiting = [site for site in sites if site.is_recruiting]
    return recruiting or sites


def nearest_site_for(sites: Iterable[Site], origin: Origin) -> tuple[Site, float] | None:
    """The nearest recruiting site with coordinates, by great-circle distance."""
    best: tuple[Site, float] | None = None
    for site in sites:
        if not site.is_recruiting or site.latitude is None or site.longitude is None:
            continue
        distance = haversine_km(origin.latitude, origin.longitude, site.latitude, site.longitude)
        if best is None or distance < best[1]:
            best = (site, distance)
    return best


def _distance(site: Site, origin: Origin | None) -> float | None:
    if origin is None or site.latitude is None or site.longitude is None:
        return None
    return haversine_km(origin.latitude, origin.longitude, site.latitude, site.longitude)


def _everyone(site: Site) -> bool:
    return True


def site_route(
    *,
    trial: Trial,
    origin: Origin | None,
    chosen: Site | None = None,
    accepts: Callable[[Site], bool] = _everyone,
) -> Route | None:
    """The site an inquiry goes to, and why; None when the trial has no site.

    Only sites that `accepts` are routed to (trials.recipients passes the
    study teams' "taking messages" setting): a chosen site that does not is
    passed over for the nearest that does. `accepts` is asked about as few
    sites as it takes, nearest first.
    """
    if chosen is not None and accepts(chosen):
        return Route(chosen, Inquiry.Routing.CHOSEN, _distance(chosen, origin), origin)
    route = _route_among_accepting(trial=trial, origin=origin, accepts=accepts)
    if route is not None and chosen is not None:
        return replace(route, passed_over=chosen)
    return route


def _route_among_accepting(
    *, trial: Trial, origin: Origin | None, accepts: Callable[[Site], bool]
) -> Route | None:
    sites = list(trial.sites.all())
    if origin is not None:
        nearest = nearest_site_for(sites, origin)
        if nearest is not None and not accepts(nearest[0]):
            nearest = _next_nearest(sites, origin, accepts)
        if nearest is not None:
            return Route(nearest[0], Inquiry.Routing.NEAREST, nearest[1], origin)
    primary = trial.primary_site
    if primary is not None and not accepts(primary):
        primary = next((site for site in sites if site is not primary and accepts(site)), None)
    if primary is None:
        return None
    return Route(primary, Inquiry.Routing.PRIMARY, _distance(primary, origin), origin)


def _next_nearest(
    sites: list[Site], origin: Origin, accepts: Callable[[Site], bool]
) -> tuple[Site, float] | None:
    rows = [
        (site, distance)
        for site in sites
        if site.is_recruiting and (distance := _distance(site, origin)) is not None
    ]
    rows.sort(key=lambda row: row[1])
    return next((row for row in rows if accepts(row[0])), None)
