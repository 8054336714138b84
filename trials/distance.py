"""Where patients and sites are: places, great-circle distance, bounding boxes."""

from __future__ import annotations

import math
import unicodedata
from dataclasses import dataclass

from django.db.models import F, FloatField, Value
from django.db.models.functions import ASin, Cos, Power, Radians, Sin, Sqrt

from trials.models import PlaceName, Trial

EARTH_RADIUS_KM = 6371.0


@dataclass(frozen=True)
class Origin:
    """Where the patient is: a gazetteer place or browser coordinates."""

    latitude: float
    longitude: float
    label: str = ""


def normalise_place_name(text: str) -> str:
    """Casefolded, accents removed: how PlaceName.key is stored."""
    decomposed = unicodedata.normalize("NFKD", text.strip().casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def place_find(*, name: str, country: str = "") -> Origin | None:
    """The most populous gazetteer place called `name` (in `country`, if given)."""
    key = normalise_place_name(name)
    if not key:
        return None
    names = PlaceName.objects.filter(key=key)
    if country:
        names = names.filter(place__country_code=country)
    found = names.select_related("place").order_by("-place__population").first()
    if found is None:
        return None
    place = found.place
    return Origin(place.latitude, place.longitude, f"{place.name}, {place.country_code}")


def place_resolve(text: str) -> Origin | None:
    """The place a patient typed: "杭州", "hangzhou" or "Hangzhou, CN" (as suggested)."""
    text = (text or "").strip()[:200]
    if not text:
        return None
    found = place_find(name=text)
    if found is not None or "," not in text:
        return found
    # "Springfield, US" as offered by the suggestions: the name in that country.
    name, _, country = text.rpartition(",")
    country = country.strip().upper()
    if len(country) != 2:
        return place_find(name=name)
    return place_find(name=name, country=country)


def haversine_km_sql(origin: Origin, latitude: str, longitude: str):
    """Great-circle distance in SQL from origin to the fields named."""
    lat1, lon1 = math.radians(origin.latitude), math.radians(origin.longitude)
    lat2, lon2 = Radians(F(latitude)), Radians(F(longitude))
    half_dlat = Sin((lat2 - Value(lat1)) / 2)
    half_dlon = Sin((lon2 - Value(lon1)) / 2)
    inner = Power(half_dlat, 2) + Value(math.cos(lat1)) * Cos(lat2) * Power(half_dlon, 2)
    return Value(2 * EARTH_RADIUS_KM) * ASin(Sqrt(inner), output_field=FloatField())


def haversine_km(a_lat: float, a_lon: float, b_lat: float, b_lon: float) -> float:
    lat1, lat2 = math.radians(a_lat), math.radians(b_lat)
    dlat, dlon = lat2 - lat1, math.radians(b_lon - a_lon)
    inner = math.sin(dlat / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin(dlon / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(inner)))


def bounding_box(
    origin: Origin, radius_km: float
) -> tuple[float, float, list[tuple[float, float]]]:
    """(south, north, [(west, east), ...]) around origin.

    A box that crosses the ±180° meridian is two longitude ranges (Fiji's
    sites are on both sides); one that reaches a pole spans every longitude."""
    dlat = radius_km / 111.0
    south, north = max(origin.latitude - dlat, -90.0), min(origin.latitude + dlat, 90.0)
    cos_lat = math.cos(math.radians(origin.latitude))
    if north >= 90.0 or south <= -90.0 or cos_lat < 0.01:
        return south, north, [(-180.0, 180.0)]
    dlon = radius_km / (111.32 * cos_lat)
    if dlon >= 180.0:
        return south, north, [(-180.0, 180.0)]
    west, east = origin.longitude - dlon, origin.longitude + dlon
    if west < -180.0:
        return south, north, [(west + 360.0, 180.0), (-180.0, east)]
    if east > 180.0:
        return south, north, [(west, 180.0), (-180.0, east - 360.0)]
    return south, north, [(west, east)]


def nearest_sites(trials: list[Trial], origin: Origin) -> None:
    """Each trial's nearest recruiting site, from its prefetched sites."""
    for trial in trials:
        best = None
        for site in trial.sites.all():
            if not site.is_recruiting or site.latitude is None or site.longitude is None:
                continue
            distance = haversine_km(
                origin.latitude, origin.longitude, site.latitude, site.longitude
            )
            if best is None or distance < best[0]:
                best = (distance, site)
        trial.nearest_site = best[1] if best else None
        trial.nearest_distance_km = round(best[0]) if best else None
