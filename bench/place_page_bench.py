"""The trial page's size and time when the place travels with it (issue 22).

    DEBUG=1 DATABASE_URL=postgres://postgres@127.0.0.1:5432/<database> \\
        TEST_REDIS_URL=redis://127.0.0.1:6379/<n> \\
        .venv/bin/python -m pytest bench/place_page_bench.py -q -s -p no:cacheprovider

Run through pytest-django (its own test database, the test settings). Trials
of 10, 715 and 2,000 recruiting sites in three countries with long facility
names (64 characters, as tests/test_place_through.py), each page asked for
without a place, near a city (?place=Jinan), the same in Chinese, narrowed
to one country, and the contact form's own page near the city. Prints bytes
of HTML and their ratio to the 10-site page, the median time of 15 requests
of each kind after one warm-up, and how many entries 50 different places add
to the "pages" cache.
"""

import statistics
import time

import pytest
from django.core.cache import caches
from django.test import Client

from tests.test_place_through import make_trial
from trials.models import Place, PlaceName

pytestmark = pytest.mark.django_db

KINDS = {
    "no place": ("", {}, ""),
    "near Jinan": ("", {"place": "Jinan"}, ""),
    "near 济南, Chinese": ("/zh-hans", {"place": "济南"}, ""),
    "China only": ("", {"site_country": "China"}, ""),
    # The form's own page, listing every site (within its own budget).
    "contact page near Jinan": ("", {"site_near": "Jinan"}, "contact/"),
}


def measure(trial, prefix: str, query: dict, suffix: str, requests: int = 15) -> tuple[int, float]:
    client = Client()
    url = f"{prefix}/trials/{trial.nct_id}/{suffix}"
    size = len(client.get(url, query).content)
    times = []
    for _ in range(requests):
        start = time.perf_counter()
        client.get(url, query)
        times.append(time.perf_counter() - start)
    return size, statistics.median(times) * 1000


def test_place_page_sizes_and_times():
    place = Place.objects.create(
        geoname_id=1805753, name="Jinan", country_code="CN", latitude=36.67, longitude=117.0
    )
    for spelling in ("Jinan", "济南"):
        PlaceName.objects.create(place=place, name=spelling, key=spelling.casefold())
    trials = {n: make_trial(n, f"NCT0{n:07d}") for n in (10, 715, 2000)}
    rows = {}
    for n, trial in trials.items():
        for kind, (prefix, query, suffix) in KINDS.items():
            rows[n, kind] = measure(trial, prefix, query, suffix)
    print()
    print("| sites | request | bytes | × 10-site page | median ms | × no place |")
    print("|---:|---|---:|---:|---:|---:|")
    for (n, kind), (size, ms) in rows.items():
        base_size = rows[10, kind][0]
        base_ms = rows[n, "no place"][1]
        print(
            f"| {n:,} | {kind} | {size:,} | {size / base_size:.2f} | {ms:.1f} | "
            f"{ms / base_ms:.2f} |"
        )
    pages = caches["pages"]
    client = Client()
    url = f"/trials/{trials[715].nct_id}/"
    client.get(url, {"lat": "1.00", "lon": "1.00"})
    before = len(pages._cache)
    for n in range(50):
        client.get(url, {"lat": f"{n}.5", "lon": f"{n}.25"})
    print(f"\npages cache entries added by 50 different places: {len(pages._cache) - before}")
