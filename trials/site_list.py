"""The study sites on a trial page: nearest the patient first, a page at a time.

Registry records list up to 700 and more sites. The page shows one short
page of them, the ones nearest the place the patient typed (or in the
country they chose) first, so the page's size stays the same whatever the
number of sites and the contact form stays close.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from trials.distance import Origin, haversine_km, place_resolve
from trials.forms.contact import region_code_for
from trials.models import Site, Trial

SITES_PER_PAGE = 10


@dataclass
class ListedSite:
    site: Site
    distance_km: int | None = None


@dataclass
class SiteListing:
    sites: list[ListedSite]
    total: int  # sites matching the filter, all pages
    count_all: int  # sites of the trial
    page: int
    pages: int
    place: str = ""
    place_found: bool = False
    country: str = ""
    countries: list[tuple[str, int]] = field(default_factory=list)

    @property
    def first_number(self) -> int:
        return (self.page - 1) * SITES_PER_PAGE + 1 if self.sites else 0

    @property
    def last_number(self) -> int:
        return self.first_number + len(self.sites) - 1 if self.sites else 0

    @property
    def is_filtered(self) -> bool:
        return bool(self.place or self.country)


def _distance(site: Site, origin: Origin | None) -> float | None:
    if origin is None or site.latitude is None or site.longitude is None:
        return None
    return haversine_km(origin.latitude, origin.longitude, site.latitude, site.longitude)


def _page_number(value: str | None, pages: int) -> int:
    try:
        number = int(value or 1)
    except ValueError:
        number = 1
    return min(max(number, 1), pages)


def region_of(accept_language: str) -> str:
    """ "CN" from "zh-CN,zh;q=0.9": the country a browser's first language names, if any."""
    first = accept_language.split(",")[0].split(";")[0].strip()
    region = first.replace("_", "-").split("-")[-1] if "-" in first or "_" in first else ""
    return region.upper() if len(region) == 2 and region.isalpha() else ""


def site_listing(
    *,
    trial: Trial,
    place: str = "",
    country: str = "",
    page: str | None = None,
    region: str = "",
) -> SiteListing:
    """One page of the trial's sites, from its prefetched sites (no query of its own
    beyond resolving the place): recruiting sites first, then nearest to `place`,
    then those in the patient's country (`region`, e.g. "CN" from the browser's
    language), the primary contact, and by country and city."""
    every = list(trial.sites.all())
    countries: dict[str, int] = {}
    for site in every:
        if site.country:
            countries[site.country] = countries.get(site.country, 0) + 1
    country = country if country in countries else ""
    origin = place_resolve(place) if place else None
    rows = [
        (site, _distance(site, origin)) for site in every if not country or site.country == country
    ]
    rows.sort(
        key=lambda row: (
            not row[0].is_recruiting,
            row[1] is None,
            row[1] or 0.0,
            not region or region_code_for(row[0].country) != region,
            not row[0].is_primary_contact,
            row[0].country,
            row[0].city,
            row[0].facility,
        )
    )
    pages = max(1, -(-len(rows) // SITES_PER_PAGE))
    number = _page_number(page, pages)
    shown = rows[(number - 1) * SITES_PER_PAGE : number * SITES_PER_PAGE]
    return SiteListing(
        sites=[
            ListedSite(site, round(distance) if distance is not None else None)
            for site, distance in shown
        ],
        total=len(rows),
        count_all=len(every),
        page=number,
        pages=pages,
        place=place,
        place_found=origin is not None,
        country=country,
        countries=sorted(countries.items()),
    )
