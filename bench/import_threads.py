"""Where an import's CPU goes: each thread of `import_studies`, Python's
garbage collections, and the PostgreSQL backends, for one file.

Recreates the database (as bench/import_bench.py does), then imports the
file in this process with two writers, without the work after an import
(sitemap, page rendering), and prints one line:

    .venv/bin/python bench/import_threads.py /tmp/trialfinder_bench_20000_4.zip

The reader thread reads, inflates and maps; the writer threads build COPY
rows and wait for the database. Thread CPU is `time.thread_time` at each
thread's end; the backends' CPU is sampled (psutil) by application name.
"""

from __future__ import annotations

import argparse
import collections
import gc
import os
import sys
import threading
import time
from pathlib import Path

import psutil
import psycopg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.import_bench import APPLICATION, SERVER, environment, manage, recreate_database  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("file", type=Path)
    parser.add_argument("--database", default="trialfinder_bench_threads")
    args = parser.parse_args()

    env = environment(args.database)
    recreate_database(args.database)
    manage("migrate", "--noinput", "--skip-checks", "-v0", env=env)
    os.environ.update(env)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "trialfinder.settings")
    import django

    django.setup()
    from trials.importers import service

    cpu: dict[str, float] = {}

    def timed(run, name: str):
        def wrapper(*a, **k):
            try:
                return run(*a, **k)
            finally:
                cpu[f"{name} {threading.get_ident() % 1000}"] = time.thread_time()

        return wrapper

    service._BatchReader.run = timed(service._BatchReader.run, "reader")
    service._WriterPool._work = timed(service._WriterPool._work, "writer")
    service.after_import = lambda summary: None

    collections_: dict[int, list] = collections.defaultdict(lambda: [0, 0.0])
    started: list[float] = []

    def on_collection(phase: str, info: dict) -> None:
        if phase == "start":
            started.append(time.perf_counter())
        else:
            entry = collections_[info["generation"]]
            entry[0] += 1
            entry[1] += time.perf_counter() - started.pop()

    gc.callbacks.append(on_collection)
    backends: dict[int, float] = {}
    done = threading.Event()

    def sample() -> None:
        with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as connection:
            while not done.is_set():
                rows = connection.execute(
                    "SELECT pid FROM pg_stat_activity WHERE application_name = %s AND datname = %s",
                    [APPLICATION, args.database],
                ).fetchall()
                for (pid,) in rows:
                    try:
                        backends[pid] = sum(psutil.Process(pid).cpu_times()[:2])
                    except psutil.NoSuchProcess:
                        pass
                time.sleep(0.1)

    threading.Thread(target=sample, daemon=True).start()
    process, wall, main_thread = time.process_time(), time.monotonic(), time.thread_time()
    with open(args.file, "rb") as stream:
        summary = service.import_studies(sources=[(str(args.file), stream)], writers=2)
    cpu["main"] = time.thread_time() - main_thread
    process, wall = time.process_time() - process, time.monotonic() - wall
    done.set()
    print(
        f"{summary.lines()[0]}; {wall:.1f} s; command CPU {process:.2f} s"
        f" ({', '.join(f'{name} {seconds:.2f}' for name, seconds in sorted(cpu.items()))});"
        f" collections {dict(sorted((g, (n, round(s, 2))) for g, (n, s) in collections_.items()))};"
        f" PostgreSQL CPU {sum(backends.values()):.2f} s; load {os.getloadavg()[0]:.1f}"
    )


if __name__ == "__main__":
    main()
