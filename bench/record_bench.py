"""The whole registry record on the trial page: page size and the cost of reading it.

    createdb -h 127.0.0.1 -U postgres tf_record_bench
    DEBUG=1 DATABASE_URL=postgres://postgres@127.0.0.1:5432/tf_record_bench \\
        .venv/bin/python bench/record_bench.py [--reads 200]

Imports three real-shaped records (tests/test_trial_record.py builds them):
3 sites, 2,000 sites, and every list and text at the registry's longest
with 2,000 sites. For each: the trial page's size in English and Chinese,
and the time to read what the page shows of the record, (a) only its parts
(JSON paths in one query, what the page does) and (b) the whole stored
record then its parts; the ratio b/a is what reading parts saves.
Then the trial page with its fragments rendered again (cache cleared) and
as kept. One process, the database on the same machine.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--reads", type=int, default=200)
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL"):
        raise SystemExit("set DATABASE_URL to a database of its own")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "trialfinder.settings")
    os.environ.pop("REDIS_URL", None)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.cache import caches
    from django.core.management import call_command
    from django.test import Client

    from tests.test_trial_record import record
    from trials.importers import import_studies
    from trials.models import Trial
    from trials.record import trial_record

    call_command("migrate", verbosity=0)
    worst_text = "<" * 999
    worst = {
        "armsInterventionsModule": {
            "armGroups": [
                {"label": f"Group {n}", "type": "OTHER", "description": worst_text}
                for n in range(100)
            ],
            "interventions": [
                {
                    "type": "DRUG",
                    "name": f"Drug {n}",
                    "description": worst_text,
                    "armGroupLabels": [f"Group {g}" for g in range(100)],
                }
                for n in range(100)
            ],
        },
        "outcomesModule": {
            kind: [{"measure": "<" * 254, "timeFrame": "<" * 254, "description": worst_text}] * 200
            for kind in ("primaryOutcomes", "secondaryOutcomes", "otherOutcomes")
        },
    }
    records = {
        "3 sites": record("NCT07100001", sites=3),
        "2,000 sites": record("NCT07100002", sites=2000),
        "longest lists and texts, 2,000 sites": record("NCT07100003", sites=2000, **worst),
    }
    data = "".join(json.dumps(r) + "\n" for r in records.values()).encode()
    import_studies(sources=[("bench.ndjson", io.BytesIO(data))])

    client = Client(HTTP_HOST="127.0.0.1")

    def get(path: str):
        response = client.get(path)
        assert response.status_code == 200, (path, response.status_code)
        return response

    print(
        "| record | stored record KB | page KB, en | page KB, zh"
        " | read parts ms | read whole ms | whole / parts |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|")
    for name, study in records.items():
        nct_id = study["protocolSection"]["identificationModule"]["nctId"]
        sizes = []
        for prefix in ("", "/zh-hans"):
            caches["pages"].clear()
            sizes.append(len(get(f"{prefix}/trials/{nct_id}/").content) / 1000)
        pk = Trial.objects.get(nct_id=nct_id).pk
        start = time.perf_counter()
        for _ in range(args.reads):
            trial_record(Trial.objects.defer("source_record").get(pk=pk))
        parts = (time.perf_counter() - start) / args.reads * 1000
        start = time.perf_counter()
        for _ in range(args.reads):
            trial_record(Trial.objects.get(pk=pk))
        whole = (time.perf_counter() - start) / args.reads * 1000
        stored = len(json.dumps(study)) / 1000
        print(
            f"| {name} | {stored:,.0f} | {sizes[0]:.1f} | {sizes[1]:.1f} | {parts:.2f} | "
            f"{whole:.2f} | {whole / parts:.1f} |"
        )

    nct_id = "NCT07100002"
    timings = {}
    for label, clear in (("fragments rendered again", True), ("fragments kept", False)):
        get(f"/trials/{nct_id}/")
        start = time.perf_counter()
        for _ in range(50):
            if clear:
                caches["pages"].clear()
            get(f"/trials/{nct_id}/")
        timings[label] = (time.perf_counter() - start) / 50 * 1000
    kept = timings["fragments kept"]
    for label, ms in timings.items():
        print(f"trial page, 2,000 sites, {label}: {ms:.1f} ms ({ms / kept:.1f}× kept)")


if __name__ == "__main__":
    main()
