"""Import throughput and peak memory of `manage.py import_trials`.

Generates N synthetic registry records as NDJSON (bench/generate_studies.py),
recreates a separate PostgreSQL database, migrates it, then runs the import
command as a child process, sampling its resident memory with psutil:

    .venv/bin/python bench/import_bench.py --count 500000

Prints a markdown table row for bench/README.md. --reimport also times a
second import of the same file (every study unchanged). --zip imports the
registry's own shape instead: a zip of one JSON file per study, read
straight from the archive. --interrupt-after SECONDS kills the first import
(SIGKILL, as a lost container) that long after it starts and times the run
that resumes it from its checkpoint.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import signal
import subprocess
import sys
import time
import zipfile
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
        self.studies: int | None = None  # written by this run, when not all of them


def _backends(database: str, writers: int) -> list[psutil.Process]:
    """The import's PostgreSQL backends, once all of them are connected."""
    with psycopg.connect(f"{SERVER}/postgres") as connection:
        rows = connection.execute(
            "SELECT pid FROM pg_stat_activity WHERE application_name = %s AND datname = %s",
            [APPLICATION, database],
        ).fetchall()
    # The writers' connections and, with several writers, the main one.
    return [psutil.Process(pid) for (pid,) in rows] if len(rows) >= writers else []


def zip_of(jsonl: Path) -> Path:
    """The registry's full-download shape: one NCTxxxxxxxx.json per study."""
    path = jsonl.with_suffix(".zip")
    if not path.exists():
        partial = path.with_suffix(".partial")
        with open(jsonl, "rb") as lines, zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED) as out:
            for line in lines:
                record = json.loads(line)
                nct_id = record["protocolSection"]["identificationModule"]["nctId"]
                out.writestr(f"{nct_id}.json", line.rstrip(b"\n"))
        partial.rename(path)
    return path


def timed_import(
    path: Path, database: str, env: dict[str, str], writers: int, kill_after: float | None = None
) -> Run:
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
        if kill_after is not None and time.monotonic() - started > kill_after:
            child.send_signal(signal.SIGKILL)
            child.wait()
            break
        try:
            peak = max(peak, process.memory_info().rss)
            backends = backends or _backends(database, writers)
            backend_cpu = sum(sum(p.cpu_times()[:2]) for p in backends)
        except psutil.NoSuchProcess:
            pass
        time.sleep(0.05)
    out = child.stdout.read()
    seconds = time.monotonic() - started
    if kill_after is not None and child.returncode == -signal.SIGKILL:
        return Run(seconds, peak / 2**20, 0.0, backend_cpu, "killed")
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
    parser.add_argument("--zip", action="store_true", help="import a zip of one file per study")
    parser.add_argument(
        "--interrupt-after", type=float, help="kill the first import after this many seconds"
    )
    args = parser.parse_args()

    path = args.jsonl or Path(f"/tmp/trialfinder_bench_{args.count}_{args.seed}.jsonl")
    if not path.exists():
        started = time.monotonic()
        generate_jsonl(args.count, args.seed, path)
        print(f"generated in {time.monotonic() - started:.0f}s", flush=True)
    if args.zip:
        started = time.monotonic()
        path = zip_of(path)
        print(f"zip ready in {time.monotonic() - started:.0f}s", flush=True)
    size_mb = path.stat().st_size / 2**20
    env = environment(args.database)
    recreate_database(args.database)
    manage("migrate", "--noinput", "--skip-checks", "-v0", env=env)

    print(f"importing {path} ({size_mb:,.0f} MB)", flush=True)
    if args.interrupt_after:
        killed = timed_import(path, args.database, env, args.writers, args.interrupt_after)
        done, _sites = count_rows(args.database)
        print(f"killed after {killed.seconds:.0f}s with {done:,} studies written", flush=True)
        resumed = timed_import(path, args.database, env, args.writers)
        total, _sites = count_rows(args.database)
        print(
            f"resumed: {total - done:,} studies in {resumed.seconds:.0f}s"
            f" ({(total - done) / resumed.seconds:,.0f}/s), peak {resumed.peak_mb:,.0f} MB;"
            f" both runs {total / (killed.seconds + resumed.seconds):,.0f} studies/s",
            flush=True,
        )
        killed.studies, resumed.studies = done, total - done
        runs = [("killed run", killed), ("resumed run", resumed)]
    else:
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
        studies = trials if run.studies is None else run.studies
        print(
            f"| {name} | {studies:,} | {sites:,} | {run.seconds:,.0f}"
            f" | {studies / run.seconds:,.0f} | {run.peak_mb:,.0f}"
            f" | {run.cpu_command:,.0f} | {run.cpu_backend:,.0f} |"
        )
    print(f"(getrusage children max RSS: {children_peak_mb:,.0f} MB)")


if __name__ == "__main__":
    main()
