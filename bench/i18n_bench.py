"""Time the same pages in English and in Chinese: what the second language costs.

    .venv/bin/python bench/i18n_bench.py [--requests 300]

Runs on the embedded SQLite in a temporary VAR_DIR (migrated, the shipped
trials, their pre-screening questions and the catalogues compiled), and
times GETs through Django's test client: the whole request, with the
language middleware, the switcher's alternates (translate_url per language),
staff content looked up per language and the templates rendered from the
compiled catalogue. Reports p50/p95 per page and language and the zh/en
ratio of the medians, measured in the same run; expect about 1.0.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ["VAR_DIR"] = tempfile.mkdtemp(prefix="i18n-bench-")
os.environ.pop("DATABASE_URL", None)
os.environ.pop("REDIS_URL", None)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "trialfinder.settings")
os.environ.setdefault("DEBUG", "1")
os.environ.setdefault("LOG_LEVEL", "WARNING")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.test import Client  # noqa: E402

PAGES = {
    "home": "/",
    "results": "/trials/?q=sarcoma&status=all",
    "trial": "/trials/NCT06760221/",
    "faq": "/faq/",
}


def timed(client: Client, path: str, requests: int) -> list[float]:
    times = []
    for _ in range(requests):
        start = time.perf_counter()
        response = client.get(path)
        times.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, (path, response.status_code)
    return times


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=300)
    args = parser.parse_args()
    os.chdir(ROOT)
    call_command("migrate", verbosity=0)
    call_command("import_trials", "data/NCT06760221.json", "data/NCT06987370.json", verbosity=0)
    call_command("load_prescreen", "data/prescreen.json", verbosity=0)
    call_command("compilemessages", locale=["zh_Hans"], verbosity=0)
    client = Client(HTTP_HOST="127.0.0.1")
    print("| page | en p50 ms | en p95 ms | zh-hans p50 ms | zh-hans p95 ms | zh/en (p50) |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    for name, path in PAGES.items():
        # Warm both, then alternate so that both languages see the same machine.
        timed(client, path, 20)
        timed(client, "/zh-hans" + path, 20)
        english, chinese = [], []
        for _ in range(5):
            english += timed(client, path, args.requests // 5)
            chinese += timed(client, "/zh-hans" + path, args.requests // 5)
        en50, zh50 = statistics.median(english), statistics.median(chinese)
        en95 = statistics.quantiles(english, n=20)[-1]
        zh95 = statistics.quantiles(chinese, n=20)[-1]
        print(f"| {name} | {en50:.1f} | {en95:.1f} | {zh50:.1f} | {zh95:.1f} | {zh50 / en50:.2f} |")


if __name__ == "__main__":
    main()
