"""The registry sync against a local stand-in of the ClinicalTrials.gov API v2.

One run, one fresh PostgreSQL database:
1. N generated studies (bench/generate_studies.py) imported from a file;
2. all N changed (a new title and last-update date, one in ten closed) and
   served by a stand-in /studies in pages of 1,000 with nextPageToken:
   `manage.py sync_registry --full` timed twice, paced as in production
   (REGISTRY_SYNC_REQUESTS_PER_MINUTE=50) and unpaced (what the import
   itself costs);
3. the same N changed again and imported from a file, for the ratio of the
   sync to the file import of the same work in the same run;
4. a sync that finds nothing new: requests made, seconds.

    .venv/bin/python bench/sync_bench.py --count 10000

Peak memory is the child's resident set, sampled with psutil.
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import subprocess
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import psutil
import psycopg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.generate_studies import Generator, api_record  # noqa: E402
from bench.import_bench import SERVER, environment, manage, recreate_database  # noqa: E402

PAGE_SIZE = 1000


class StandIn:
    """/studies: the first page at no token, then "p1", "p2" ... ; counts requests."""

    def __init__(self) -> None:
        self.pages: list[bytes] = []
        self.requests = 0
        stand_in = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                stand_in.requests += 1
                query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(self.path).query))
                token = query.get("pageToken", "")
                number = int(token[1:]) if token else 0
                body = stand_in.pages[number] if number < len(stand_in.pages) else b"{}"
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/api/v2"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def serve(self, studies: list[dict]) -> None:
        self.pages, self.requests = [], 0
        chunks = [studies[i : i + PAGE_SIZE] for i in range(0, len(studies), PAGE_SIZE)] or [[]]
        for number, chunk in enumerate(chunks):
            body = {"studies": chunk, "totalCount": len(studies)}
            if number + 1 < len(chunks):
                body["nextPageToken"] = f"p{number + 1}"
            self.pages.append(json.dumps(body).encode())


def changed(records: list[dict], version: int, day: str) -> list[dict]:
    out = []
    for index, record in enumerate(records):
        record = copy.deepcopy(record)
        section = record["protocolSection"]
        section["identificationModule"]["briefTitle"] += f" (amendment {version})"
        section["statusModule"]["lastUpdatePostDateStruct"] = {"date": day}
        if index % 10 == version:
            section["statusModule"]["overallStatus"] = "ACTIVE_NOT_RECRUITING"
        out.append(record)
    return out


def timed(args: list[str], env: dict[str, str]) -> tuple[float, float, str]:
    started = time.monotonic()
    child = subprocess.Popen(
        [sys.executable, "manage.py", *args, "--skip-checks"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    process, peak = psutil.Process(child.pid), 0
    while child.poll() is None:
        try:
            peak = max(peak, process.memory_info().rss)
        except psutil.NoSuchProcess:
            pass
        time.sleep(0.05)
    out = child.stdout.read().strip()
    if child.returncode != 0:
        raise SystemExit(f"{args[0]} failed ({child.returncode}):\n{out}")
    return time.monotonic() - started, peak / 2**20, out.splitlines()[-1] if out else ""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=4)
    parser.add_argument("--database", default="trialfinder_bench_sync")
    args = parser.parse_args()

    generator = Generator(args.seed)
    records = [api_record(generator.study(number)) for number in range(args.count)]
    work = Path(f"/tmp/trialfinder_sync_bench_{os.getpid()}")
    work.mkdir(exist_ok=True)
    stand_in = StandIn()
    env = environment(args.database)
    env.update(CTGOV_API_URL=stand_in.url, REGISTRY_SYNC_PAGE_SIZE=str(PAGE_SIZE))
    recreate_database(args.database)
    manage("migrate", "--noinput", "--skip-checks", "-v0", env=env)

    def jsonl(name: str, studies: list[dict]) -> str:
        path = work / name
        path.write_text("".join(json.dumps(study) + "\n" for study in studies))
        return str(path)

    rows = []
    seconds, peak, line = timed(["import_trials", jsonl("first.jsonl", records)], env)
    rows.append(("first import from a file", args.count, seconds, peak, line))

    stand_in.serve(changed(records, 1, "2026-12-01"))
    paced = dict(env, REGISTRY_SYNC_REQUESTS_PER_MINUTE="50")
    seconds, peak, line = timed(["sync_registry", "--full"], paced)
    rows.append(("sync, all changed, paced 50 requests/min", args.count, seconds, peak, line))
    requests_paced = stand_in.requests

    stand_in.serve(changed(records, 2, "2026-12-02"))
    unpaced = dict(env, REGISTRY_SYNC_REQUESTS_PER_MINUTE="100000")
    seconds, peak, line = timed(["sync_registry", "--full"], unpaced)
    rows.append(("sync, all changed, unpaced", args.count, seconds, peak, line))

    path = jsonl("third.jsonl", changed(records, 3, "2026-12-03"))
    seconds, peak, line = timed(["import_trials", path], env)
    rows.append(("the same work from a file", args.count, seconds, peak, line))

    stand_in.serve([])
    seconds, peak, line = timed(["sync_registry"], paced)
    rows.append(("sync that finds nothing new", 0, seconds, peak, line))
    requests_empty = stand_in.requests

    print(f"load average {os.getloadavg()[0]:.1f}; {args.count:,} studies")
    print("| run | studies | seconds | studies/s | peak RSS MB | output |")
    print("|---|---:|---:|---:|---:|---|")
    for name, count, seconds, peak, line in rows:
        rate = f"{count / seconds:,.0f}" if count else ""
        print(f"| {name} | {count:,} | {seconds:.1f} | {rate} | {peak:,.0f} | {line} |")
    unpaced_s, file_s = rows[2][2], rows[3][2]
    print(f"requests: paced sync {requests_paced}, empty sync {requests_empty}")
    print(f"ratio, unpaced sync to file import of the same work: {file_s / unpaced_s:.2f}")
    stand_in.server.shutdown()
    for path in work.iterdir():
        path.unlink()
    work.rmdir()
    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{args.database}"')


if __name__ == "__main__":
    main()
