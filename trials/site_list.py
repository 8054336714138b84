"""The study sites on a trial page: nearest the patient first, a page at a time.

Registry records list up to 700 and more sites. The page shows one short
page of them, the ones nearest the place the patient searched from (or in
the country they chose) first, then every country with its number of sites,
so the page's size stays the same whatever the number of sites and the
contact form stays close.

The place travels from the search: a results page links to a trial with
?place=… (a typed or chosen city) or ?lat=…&lon=… (the browser's location,
rounded to about a kilometre); the trial page's own filter sends ?site_near=.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from trials.contacts import is_placeholder, phone_with_extension
from trials.distance import Origin, haversine_km, place_resolve
from trials.forms.contact import region_code_for
from trials.models import Site, Trial
from trials.recipients import Phone

SITES_PER_PAGE = 10
# Coordinates carried in links: two decimals are about a kilometre, as near
# as a distance on the page is told, and no closer to where someone lives.
COORDINATE_DECIMALS = 2


@dataclass(frozen=True)
class AskedPlace:
    """The place a request names (`text` as typed, or the browser's
    coordinates) and where it is, if it could be found."""

    text: str = ""
    origin: Origin | None = None
    latitude: float | None = None
    longitude: float | None = None

    @property
    def asked(self) -> bool:
        return bool(self.text) or self.latitude is not None

    @property
    def found(self) -> bool:
        return self.origin is not None

    @property
    def label(self) -> str:
        return self.origin.label if self.origin else self.text

    @property
    def query_string(self) -> str:
        return urlencode(self.query())

    def query(self) -> dict[str, str]:
        """The parameters that carry this place to another page."""
        if self.latitude is not None and self.longitude is not None:
            return {"lat": f"{self.latitude:.2f}", "lon": f"{self.longitude:.2f}"}
        return {"site_near": self.text} if self.text else {}


def _printable(text: str) -> str:
    # No place name has control characters, and PostgreSQL refuses NUL in a query.
    return "".join(c for c in text if c.isprintable())


def _coordinate(value: str | None, limit: float) -> float | None:
    try:
        number = float((value or "")[:40])
    except ValueError:
        return None
    if not math.isfinite(number) or abs(number) > limit:
        return None
    return round(number, COORDINATE_DECIMALS)


def asked_place(query: QueryDict) -> AskedPlace:
    """The place in a trial page's or contact page's query: ?site_near= (the
    page's own filter), ?place= (from a search), ?location= (the contact
    form's), else ?lat=&lon= (the browser's location, from a search)."""
    for name in ("site_near", "place", "location"):
        text = _printable(query.get(name, "")).strip()[:200]
        if text:
            return AskedPlace(text=text, origin=place_resolve(text))
    latitude, longitude = _coordinate(query.get("lat"), 90), _coordinate(query.get("lon"), 180)
    if latitude is None or longitude is None:
        return AskedPlace()
    origin = Origin(latitude, longitude, str(_("your location")))
    return AskedPlace(origin=origin, latitude=latitude, longitude=longitude)


@dataclass
class ListedSite:
    site: Site
    distance: float | None = None  # km, as measured
    phones: list[Phone] = field(default_factory=list)

    @property
    def distance_km(self) -> int | None:
        """The distance as the page tells it: whole kilometres, never "0"."""
        if self.distance is None:
            return None
        return max(1, round(self.distance))

    @property
    def under_one_km(self) -> bool:
        return self.distance is not None and self.distance < 1


def site_phones(site: Site) -> list[Phone]:
    """The site's own numbers as the registry lists them (its contacts, else
    its one contact phone); a placeholder's name ("Site Public Contact") is
    kept off, the number stays."""
    listed = site.contacts or (
        [{"name": site.contact_name, "phone": site.contact_phone}] if site.contact_phone else []
    )
    phones: list[Phone] = []
    for contact in listed:
        number = phone_with_extension(contact)
        name = contact.get("name", "")
        if number and number not in [phone.number for phone in phones]:
            phones.append(Phone("site", number, "" if is_placeholder(name) else name))
    return phones


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
    place_label: str = ""
    # The place and country as query parameters, for the pager's links ("a=1&").
    query_prefix: str = ""
    place_prefix: str = ""  # the place alone ("site_near=…&"), for the country links

    @property
    def first_number(self) -> int:
        return (self.page - 1) * SITES_PER_PAGE + 1 if self.sites else 0

    @property
    def last_number(self) -> int:
        return self.first_number + len(self.sites) - 1 if self.sites else 0

    @property
    def is_filtered(self) -> bool:
        return bool(self.place or self.place_found or self.country)

    @property
    def place_not_found(self) -> bool:
        return bool(self.place) and not self.place_found


def _read_contacts(sites: list[Site]) -> None:
    """The registry contacts (their phones) of the sites shown, in one query:
    the trial's sites are read without them (Trial.prefetch_sites)."""
    deferred = [site for site in sites if "contacts" in site.get_deferred_fields()]
    if deferred:
        contacts = dict(
            Site.objects.filter(pk__in=[site.pk for site in deferred]).values_list("pk", "contacts")
        )
        for site in deferred:
            site.contacts = contacts.get(site.pk) or []


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
    place: str | AskedPlace = "",
    country: str = "",
    page: str | None = None,
    region: str = "",
) -> SiteListing:
    """One page of the trial's sites, from its prefetched sites (no query of its own
    beyond resolving the place): recruiting sites first, then nearest to `place`,
    then those in the patient's country (`region`, e.g. "CN" from the browser's
    language), the primary contact, and by country and city."""
    asked = place if isinstance(place, AskedPlace) else AskedPlace(place, place_resolve(place))
    every = list(trial.sites.all())
    countries: dict[str, int] = {}
    for site in every:
        if site.country:
            countries[site.country] = countries.get(site.country, 0) + 1
    country = country if country in countries else ""
    origin = asked.origin
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
    _read_contacts([site for site, _distance in shown])
    query = {**asked.query(), **({"site_country": country} if country else {})}
    return SiteListing(
        sites=[ListedSite(site, distance, site_phones(site)) for site, distance in shown],
        total=len(rows),
        count_all=len(every),
        page=number,
        pages=pages,
        place=asked.text,
        place_found=asked.found,
        country=country,
        countries=sorted(countries.items()),
        place_label=asked.label,
        query_prefix=urlencode(query) + "&" if query else "",
        place_prefix=urlencode(asked.query()) + "&" if asked.query() else "",
    )
