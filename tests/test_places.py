"""The offline gazetteer: loading it, finding places by any of their names,
and the suggestions the contact form offers as the patient types."""

import pytest
from django.core.management import call_command
from django.urls import reverse

from trials.distance import place_find, place_resolve
from trials.models import Place, PlaceName

pytestmark = pytest.mark.django_db


def make_place(geoname_id, name, country, population, *other_names, lat=0.0, lon=0.0):
    place = Place.objects.create(
        geoname_id=geoname_id,
        name=name,
        country_code=country,
        latitude=lat,
        longitude=lon,
        population=population,
    )
    for each in (name, *other_names):
        PlaceName.objects.get_or_create(place=place, key=each.casefold(), defaults={"name": each})
    return place


def test_it_loads_the_gazetteer_once_and_finds_cities_by_any_name():
    call_command("load_places", verbosity=0)
    places, names = Place.objects.count(), PlaceName.objects.count()
    assert places > 30000 and names > places

    for typed in ("杭州", "Hangzhou", "hangzhou", "  HANGZHOU ", "杭州市"):
        found = place_find(name=typed)
        assert found is not None, typed
        assert found.label == "Hangzhou, CN"
        assert round(found.latitude, 1) == 30.3 and round(found.longitude, 1) == 120.2
    # Accents removed: "São Paulo" as typed on a keyboard without them.
    assert place_find(name="sao paulo").label == "São Paulo, BR"
    assert place_resolve("Jinan, CN").label == "Jinan, CN"

    # A second run changes nothing and adds nothing.
    Place.objects.filter(name="Hangzhou").update(population=1)
    call_command("load_places", verbosity=0)
    assert (Place.objects.count(), PlaceName.objects.count()) == (places, names)
    assert Place.objects.get(name="Hangzhou", country_code="CN").population > 9_000_000


def test_it_suggests_places_by_the_start_of_any_name_most_populous_first(client):
    make_place(1, "Hangzhou", "CN", 9_236_032, "杭州", "杭州市", "Hangchow")
    make_place(2, "Hanover", "DE", 535_061, "Hannover")
    make_place(3, "Hanoi", "VN", 8_053_663, "Hà Nội".casefold())
    make_place(4, "Hangu", "CN", 100_000)

    response = client.get(reverse("trials:place_suggest"), {"q": "han"})
    assert response.status_code == 200
    assert [p["value"] for p in response.json()["places"]] == [
        "Hangzhou, CN",
        "Hanoi, VN",
        "Hanover, DE",
        "Hangu, CN",
    ]

    chinese = client.get(reverse("trials:place_suggest"), {"q": "杭"}).json()["places"]
    assert chinese == [
        {
            "value": "Hangzhou, CN",
            "label": "杭州 (Hangzhou)",
            "country": "CN",
            "population": 9236032,
        }
    ]


def test_it_suggests_nothing_for_one_latin_letter_or_nothing(client):
    make_place(1, "Hangzhou", "CN", 9_236_032)
    url = reverse("trials:place_suggest")
    assert client.get(url, {"q": "h"}).json() == {"places": []}
    assert client.get(url).json() == {"places": []}
    assert client.get(url, {"q": "\n<script>"}).json() == {"places": []}
    # NUL never reaches the view: the address cannot be read (tests/test_bad_input.py).
    assert client.get(url, {"q": "\x00\n<script>"}).status_code == 400
