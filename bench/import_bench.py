"""Import throughput and peak memory of `manage.py import_trials`.

Generates N synthetic registry records as NDJSON (bench/generate_studies.py),
recreates a separate PostgreSQL database, migrates it, then runs the import
command as a child process, sampling its resident memory with psutil:

    .venv/bin/python bench/import_bench.py --count 500000

Prints a markdown table row for bench/README.md. --reimport also times a
second import of the same file (every study unchanged).
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

import psutil
import psycopg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.generate_studies import generate_jsonl  # noqa: E402

SERVER = "postgres://postgres@127.0.0.1:5432"
APPLICATION = "import_bench"


def recreate_database(name: str) -> None:
    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}"')
        connection.execute(f'CREATE DATABASE "{name}"')


def environment(database: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        # The application name finds the import's PostgreSQL backend, to time its CPU.
        DATABASE_URL=f"{SERVER}/{database}?application_name={APPLICATION}",
        # DEBUG off, as in production: no query log, no debug toolbar of any kind.
        SECRET_KEY="bench-only-secret-key-not-for-production-0123456789",
        ALLOWED_HOSTS="localhost",
        DEBUG="0",
    )
    env.pop("REDIS_URL", None)
    return env


def manage(*args: str, env: dict[str, str]) -> None:
    subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True)


class Run:
    """One import: wall time, peak RSS, CPU of the command and of its backend."""

    def __init__(self, seconds, peak_mb, cpu_command, cpu_backend, summary) -> None:
        self.seconds, self.peak_mb, self.summary = seconds, peak_mb, summary
        self.cpu_command, self.cpu_backend = cpu_command, cpu_backend


def _backends(database: str, writers: int) -> list[psutil.Process]:
    """The import's PostgreSQL backends, once all of them are connected."""
    with psycopg.connect(f"{SERVER}/postgres") as connection:
        rows = connection.execute(
            "SELECT pid FROM pg_stat_activity WHERE application_name = %s AND datname = %s",
            [APPLICATION, database],
        ).fetchall()
    # The writers' connections and, with several writers, the main one.
    return [psutil.Process(pid) for (pid,) in rows] if len(rows) >= writers else []


def timed_import(path: Path, database: str, env: dict[str, str], writers: int) -> Run:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.monotonic()
    child = subprocess.Popen(
        [sys.executable, "manage.py", "import_trials", "--skip-checks", str(path)]
        + [f"--writers={writers}"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        text=True,
    )
    process = psutil.Process(child.pid)
    peak = 0
    backends, backend_cpu = [], 0.0
    while child.poll() is None:
        try:
            peak = max(peak, process.memory_info().rss)
            backends = backends or _backends(database, writers)
            backend_cpu = sum(sum(p.cpu_times()[:2]) for p in backends)
        except psutil.NoSuchProcess:
            pass
        time.sleep(0.05)
    out = child.stdout.read()
    seconds = time.monotonic() - started
    if child.returncode != 0:
        raise SystemExit(f"import_trials failed ({child.returncode}):\n{out}")
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    return Run(seconds, peak / 2**20, cpu, backend_cpu, out.strip().splitlines()[0])


def count_rows(database: str) -> tuple[int, int]:
    with psycopg.connect(f"{SERVER}/{database}") as connection:
        trials = connection.execute("SELECT count(*) FROM trials_trial").fetchone()[0]
        sites = connection.execute("SELECT count(*) FROM trials_site").fetchone()[0]
    return trials, sites


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--count", type=int, default=500_000)
    parser.add_argument("--seed", type=int, default=4)
    parser.add_argument("--database", default="trialfinder_bench_import")
    parser.add_argument("--jsonl", type=Path, help="reuse this file if it exists")
    parser.add_argument("--reimport", action="store_true", help="also time a second import")
    parser.add_argument("--writers", type=int, default=2, help="import_trials --writers")
    args = parser.parse_args()

    path = args.jsonl or Path(f"/tmp/trialfinder_bench_{args.count}_{args.seed}.jsonl")
    if not path.exists():
        started = time.monotonic()
        generate_jsonl(args.count, args.seed, path)
        print(f"generated in {time.monotonic() - started:.0f}s", flush=True)
    size_mb = path.stat().st_size / 2**20
    env = environment(args.database)
    recreate_database(args.database)
    manage("migrate", "--noinput", "--skip-checks", "-v0", env=env)

    print(f"importing {path} ({size_mb:,.0f} MB)", flush=True)
    runs = [("first import", timed_import(path, args.database, env, args.writers))]
    if args.reimport:
        runs.append(("re-import (unchanged)", timed_import(path, args.database, env, args.writers)))
    trials, sites = count_rows(args.database)
    children_peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"{trials:,} trials, {sites:,} sites; load average {os.getloadavg()[0]:.1f}")
    print(
        "| run | studies | sites | seconds | studies/s | peak RSS MB"
        " | CPU s, command | CPU s, PostgreSQL backend |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for name, run in runs:
        print(f"<!-- {run.summary} -->")
        print(
            f"| {name} | {trials:,} | {sites:,} | {run.seconds:,.0f}"
            f" | {trials / run.seconds:,.0f} | {run.peak_mb:,.0f}"
            f" | {run.cpu_command:,.0f} | {run.cpu_backend:,.0f} |"
        )
    print(f"(getrusage children max RSS: {children_peak_mb:,.0f} MB)")


if __name__ == "__main__":
    main()
