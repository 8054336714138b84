"""Public pages with Redis up, down (connection refused) and hung (accepts,
never answers), on one gunicorn worker, in one run.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/trialfinder_bench_pages \\
        .venv/bin/python bench/cache_down_bench.py [--requests 40]

Migrates the database and imports the shipped trials (idempotent), then for
each state of Redis starts gunicorn with REDIS_URL pointing at it and asks
each page in turn, a new visitor each time, with a query string so that no
page is served whole from the process's memory. Prints p50, p95 and the
slowest request per page and state, and each state's p95 as a ratio to Redis
up: what to compare between runs on a shared machine.
"""

from __future__ import annotations

import argparse
import http.client
import os
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.page_bench import free_port  # noqa: E402

PAGES = {
    "home": "/?v={n}",
    "trial list": "/trials/?v={n}",
    "search “sarcoma”": "/trials/?q=sarcoma&v={n}",
    "trial page": "/trials/NCT06760221/?v={n}",
    "contact form": "/trials/NCT06760221/contact/?v={n}",
    "FAQ": "/faq/?v={n}",
}


class SilentServer:
    """Accepts every connection and never answers: a hung Redis."""

    def __init__(self) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.held: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                self.held.append(self.listener.accept()[0])
            except OSError:
                return


def timings(port: int, path: str, count: int) -> list[float]:
    result = []
    for n in range(count):
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        started = time.perf_counter()
        connection.request("GET", path.format(n=n), headers={"Accept-Encoding": "identity"})
        response = connection.getresponse()
        response.read()
        result.append((time.perf_counter() - started) * 1000)
        assert response.status == 200, (path, response.status)
        connection.close()
    return result


def serve(env: dict, redis_url: str, count: int) -> dict[str, list[float]]:
    port = free_port()
    log = open(Path(env["VAR_DIR"]) / "gunicorn.log", "a")  # noqa: SIM115
    server = subprocess.Popen(
        [ROOT / ".venv/bin/gunicorn", "trialfinder.wsgi:application", "--workers", "1",
         "--bind", f"127.0.0.1:{port}", "--log-level", "warning"],
        cwd=ROOT, env={**env, "REDIS_URL": redis_url}, start_new_session=True, stderr=log,
    )  # fmt: skip
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.2)
        return {label: timings(port, path, count) for label, path in PAGES.items()}
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait()
        log.close()


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=40, help="per page and state")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/9", help="a Redis that is up")
    args = parser.parse_args()
    env = {
        **os.environ,
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_COOKIES": "0",
        "SECURE_SSL_REDIRECT": "0",
        "VAR_DIR": tempfile.mkdtemp(prefix="cache_down_bench_"),
        "SEARCH_RESULTS_CACHE_SECONDS": "60",
    }
    python = str(ROOT / ".venv/bin/python")
    for command in (
        ["migrate", "--noinput", "-v0"],
        ["import_trials", "data/NCT06760221.json", "data/NCT06987370.json"],
        ["collectstatic", "--noinput", "-v0"],
    ):
        subprocess.run([python, "manage.py", *command], cwd=ROOT, env=env, check=True,
                       stdout=subprocess.DEVNULL)  # fmt: skip
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        down_url = f"redis://127.0.0.1:{closed.getsockname()[1]}/0"
        hung = SilentServer()
        states = {
            "Redis up": args.redis,
            "Redis down": down_url,
            "Redis hung": f"redis://127.0.0.1:{hung.port}/0",
        }
        results = {state: serve(env, url, args.requests) for state, url in states.items()}
    print(f"{args.requests} requests a page and state, one gunicorn worker; "
          f"load average {os.getloadavg()[0]:.1f}")  # fmt: skip
    print("| page | state | p50 ms | p95 ms | slowest ms | p95 / Redis up |")
    print("|---|---|---:|---:|---:|---:|")
    for label in PAGES:
        base = p95(results["Redis up"][label])
        for state in states:
            values = results[state][label]
            print(
                f"| {label} | {state} | {statistics.median(values):.1f} | {p95(values):.1f} "
                f"| {max(values):.1f} | {p95(values) / base:.2f} |"
            )


if __name__ == "__main__":
    sys.exit(main())
