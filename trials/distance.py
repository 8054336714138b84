"""Where patients and sites are: places, great-circle distance, bounding boxes."""

from __future__ import annotations

import math
import unicodedata
from dataclasses import dataclass

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import BooleanField, F, FloatField, Min, Q, QuerySet, Value
from django.db.models.expressions import Expression
from django.db.models.functions import ASin, Cos, Power, Radians, Sin, Sqrt

from trials.models import PlaceName, Site, Trial

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


class PointInBoxes(Expression):
    """PostgreSQL: the site's point(longitude, latitude) is in one of the
    boxes, as migration 0016's GiST index of recruiting sites reads it."""

    def __init__(self, south: float, north: float, longitudes: list[tuple[float, float]]):
        super().__init__(output_field=BooleanField())
        self.south, self.north, self.longitudes = south, north, longitudes

    def as_sql(self, compiler, connection):
        table = compiler.quote_name_unless_alias(compiler.query.get_initial_alias())
        point = f"point({table}.longitude, {table}.latitude)"
        boxes, params = [], []
        for west, east in self.longitudes:
            boxes.append(f"{point} <@ box(point(%s, %s), point(%s, %s))")
            params += [west, self.south, east, self.north]
        return "(" + " OR ".join(boxes) + ")", params


def sites_in_box(origin: Origin, radius_km: float) -> QuerySet[Site]:
    """The recruiting sites in the bounding box round origin.

    Read through an index: on PostgreSQL migration 0016's GiST index of the
    recruiting sites' points, which reads only the box (the (latitude,
    longitude) B-tree reads the whole band of latitude round the world); on
    SQLite that B-tree."""
    south, north, longitudes = bounding_box(origin, radius_km)
    sites = Site.objects.recruiting()
    if connection.vendor == "postgresql":
        return sites.filter(PointInBoxes(south, north, longitudes))
    in_box = Q()
    for west, east in longitudes:
        in_box |= Q(longitude__range=(west, east))
    return sites.filter(in_box, latitude__range=(south, north))


def near_sites(origin: Origin, radius_km: float) -> QuerySet[Site]:
    """The recruiting sites within radius, annotated km (great-circle)."""
    sites = sites_in_box(origin, radius_km)
    sites = sites.annotate(km=haversine_km_sql(origin, "latitude", "longitude"))
    return sites.filter(km__lte=radius_km)


def nearest_window(
    trials: QuerySet, origin: Origin, radius_km: float, size: int, *, ratio: float = 1.0
) -> list[int]:
    """The ids of the `size` trials of `trials` nearest to origin (by their
    nearest recruiting site within radius), nearest first, then newest.

    The sites near the place are grouped by trial first, so each trial near
    it is read once, whatever number of its sites are there. On PostgreSQL
    trials_nearest() (migration 0016) then plans the join with those trials
    as values: a few hundred are read by id and tested against the other
    criteria; where fewer than `ratio` times as many trials are expected to
    meet the criteria (a rare word's matches, through its index), those are
    read first and joined. `ratio` is what testing a near trial costs
    against reading a match: more when the words are tested in the
    out-of-line search vector."""
    nearest = near_sites(origin, radius_km).values("trial_id").annotate(km=Min("km")).order_by()
    near_sql, near_params = nearest.values_list("trial_id", "km").query.sql_with_params()
    try:
        found_sql, found_params = (
            trials.order_by().values_list("pk", "last_updated").query.sql_with_params()
        )
    except EmptyResultSet:
        # A filter that can match nothing (a condition no trial has) has no SQL.
        return []
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT id FROM trials_nearest(%s, %s, %s, %s) "
                "WITH ORDINALITY AS n (id, position) ORDER BY position",
                [
                    connection.ops.compose_sql(near_sql, near_params),
                    connection.ops.compose_sql(found_sql, found_params),
                    size,
                    ratio,
                ],
            )
        else:
            cursor.execute(
                f"WITH near (trial_id, km) AS ({near_sql}), "
                f"found (id, last_updated) AS ({found_sql}) "
                "SELECT found.id FROM near JOIN found ON found.id = near.trial_id "
                "ORDER BY near.km, found.last_updated DESC, found.id LIMIT %s",
                [*near_params, *found_params, size],
            )
        return [row[0] for row in cursor.fetchall()]


def nearest_sites(trials: list[Trial], origin: Origin, radius_km: float) -> None:
    """Each trial's nearest recruiting site within radius, in one query of
    their sites in the box round the place (not every site of every trial):
    the nearest in the box is within the radius when any site is."""
    best: dict[int, tuple[float, int, Site]] = {}
    # What the card says of it: its label (facility, city, country).
    shown = ("trial_id", "facility", "city", "country", "translations", "latitude", "longitude")
    for site in sites_in_box(origin, radius_km).filter(trial__in=trials).only(*shown):
        km = haversine_km(origin.latitude, origin.longitude, site.latitude, site.longitude)
        if (km, site.pk) < best.get(site.trial_id, (math.inf, 0, None))[:2]:
            best[site.trial_id] = (km, site.pk, site)
    for trial in trials:
        km, _pk, site = best.get(trial.pk, (None, None, None))
        trial.nearest_site = site
        trial.nearest_distance_km = round(km) if site else None
