"""How long patients' messages wait while a migration builds an index on a
500,000-row table: CREATE INDEX inside a transaction (as an atomic Django
migration runs it) against CREATE INDEX CONCURRENTLY (migration 0025), in
one run.

    .venv/bin/python bench/migration_lock_bench.py [--rows 500000] [--rounds 2] [--keep]

Creates its own database (`--database`, dropped first if it exists, on the server of
DATABASE_URL, default postgres://postgres@127.0.0.1:5432), migrates it,
imports the shipped trials, and fills trials_inquiry, the real table, with
`--rows` synthetic inquiries (example.org addresses). Then, for each round,
builds migration 0025's trigram index of UPPER(email) both ways while a
writer inserts one inquiry every 10 ms on its own connection, and prints the
build's seconds and how long each insert started during the build waited
from the moment it was due (max and median), plus the ratios. Drops the database at the end unless
`--keep`.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg

ROOT = Path(__file__).resolve().parent.parent
DATABASE = "trialfinder_lock_bench"  # --database
INDEX = "trials_inquiry_email_trgm"
CREATE = (
    f"CREATE INDEX {{how}} {INDEX} ON trials_inquiry USING gin ((UPPER(email::text)) gin_trgm_ops)"
)
COLUMNS = (
    "first_name, last_name, email, phone, preferred_language, location_text, routing,"
    " message, consent_at, notify_other_trials, prescreen_answers, status, dedupe_key,"
    " created_at, site_id, trial_id, language, contact_method, contact_time,"
    " recipient_addresses, recipient_reason"
)
VALUES = (
    "'Patient ' || g, 'Example ' || g, 'patient' || g || '@example.org',"
    " '+1 555 01' || lpad((g %% 100)::text, 2, '0'), 'en', 'Boston', 'nearest',"
    " 'I would like to know more about this trial. ' || md5(g::text), now(), false,"
    " '{}'::jsonb, 'new', md5(g::text), now(), s.id, s.trial_id, 'en', 'email', '',"
    " '[]'::jsonb, 'site'"
)
SITE = "(SELECT id, trial_id FROM trials_site ORDER BY id LIMIT 1) s"


def url_for(database: str) -> str:
    base = urlsplit(os.environ.get("DATABASE_URL") or "postgres://postgres@127.0.0.1:5432/postgres")
    return urlunsplit(base._replace(path="/" + database))


def prepare(rows: int) -> None:
    with psycopg.connect(url_for("postgres"), autocommit=True) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {DATABASE}")
        admin.execute(f"CREATE DATABASE {DATABASE}")
    env = dict(os.environ, DATABASE_URL=url_for(DATABASE), DEBUG="1")
    manage = [sys.executable, str(ROOT / "manage.py")]
    subprocess.run([*manage, "migrate", "-v0"], check=True, cwd=ROOT, env=env)
    studies = sorted(str(p) for p in (ROOT / "data").glob("NCT*.json"))
    subprocess.run(
        [*manage, "import_trials", *studies],
        check=True,
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
    )
    with psycopg.connect(url_for(DATABASE), autocommit=True) as conn:
        conn.execute(
            f"INSERT INTO trials_inquiry ({COLUMNS}) SELECT {VALUES}"
            f" FROM generate_series(1, %s) g, {SITE}",
            [rows],
        )
        conn.execute(f"DROP INDEX IF EXISTS {INDEX}")
        conn.execute("VACUUM ANALYZE trials_inquiry")


class Writer(threading.Thread):
    """A patient's message due every 10 ms, each INSERT timed from when it
    was due: a message due while the writer was blocked waits from its due
    time, as a separate patient's would (no coordinated omission)."""

    def __init__(self, start_at: int) -> None:
        super().__init__(daemon=True)
        self.stop = threading.Event()
        self.samples: list[tuple[float, float]] = []  # (due, seconds waited)
        self.n = start_at

    def run(self) -> None:
        with psycopg.connect(url_for(DATABASE), autocommit=True) as conn:
            first = time.monotonic()
            while not self.stop.is_set():
                due = first + 0.01 * len(self.samples)
                time.sleep(max(0.0, due - time.monotonic()))
                self.n += 1
                conn.execute(
                    f"INSERT INTO trials_inquiry ({COLUMNS}) SELECT {VALUES}"
                    f" FROM (SELECT %s::int) g (g), {SITE}",
                    [self.n],
                )
                self.samples.append((due, time.monotonic() - due))


def build(how: str, n: int) -> dict:
    writer = Writer(n)
    writer.start()
    time.sleep(1.0)  # the writer's pace before the build
    with psycopg.connect(url_for(DATABASE), autocommit=(how == "concurrently")) as conn:
        begun = time.monotonic()
        if how == "concurrently":
            conn.execute(CREATE.format(how="CONCURRENTLY"))
        else:
            with conn.transaction():
                conn.execute(CREATE.format(how=""))
        ended = time.monotonic()
        # Until every message due during the build has been written.
        while not writer.samples or writer.samples[-1][0] < ended + 0.5:
            time.sleep(0.1)
        writer.stop.set()
        writer.join()
        conn.autocommit = True
        conn.execute(f"DROP INDEX {INDEX}")
    during = [waited for due, waited in writer.samples if begun <= due <= ended]
    before = [waited for due, waited in writer.samples if due < begun]
    return {
        "how": how,
        "build_s": ended - begun,
        "inserts": len(during),
        "max_ms": max(during) * 1000,
        "median_ms": statistics.median(during) * 1000,
        "before_median_ms": statistics.median(before) * 1000,
        "n": writer.n,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=500_000)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--database", default="trialfinder_lock_bench")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    args = parser.parse_args()
    global DATABASE
    DATABASE = args.database
    t0 = time.monotonic()
    prepare(args.rows)
    print(f"{args.rows:,} inquiries ready in {time.monotonic() - t0:.0f} s", flush=True)
    results, n = [], 10 * args.rows
    try:
        for _ in range(args.rounds):
            for how in ("in a transaction", "concurrently"):
                result = build(how, n)
                n = result["n"]
                results.append(result)
                print(
                    f"{how:17} build {result['build_s']:6.2f} s; writer: "
                    f"{result['inserts']} inserts due during it, "
                    f"max wait {result['max_ms']:8.1f} ms, median {result['median_ms']:7.1f} ms "
                    f"(before the build {result['before_median_ms']:.1f} ms)",
                    flush=True,
                )
    finally:
        if not args.keep:
            with psycopg.connect(url_for("postgres"), autocommit=True) as admin:
                admin.execute(f"DROP DATABASE IF EXISTS {DATABASE}")
    for plain, concurrent in zip(results[0::2], results[1::2], strict=True):
        print(
            f"ratio in a transaction / concurrently: max wait "
            f"{plain['max_ms'] / concurrent['max_ms']:.0f}x, median wait "
            f"{plain['median_ms'] / concurrent['median_ms']:.0f}x; build time "
            f"{concurrent['build_s'] / plain['build_s']:.2f}x (concurrently / in a transaction)"
        )


if __name__ == "__main__":
    main()
