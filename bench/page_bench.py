"""Requests per second of the "cancer" results page on one worker, beside a
static file served by the same app, in the same run.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/trialfinder_bench_160k \\
        .venv/bin/python bench/page_bench.py [--seconds 20]

Starts gunicorn with one sync worker (DEBUG off, as in production; the
static file is served by WhiteNoise from static/, as `make run` does) and
one client on a kept-alive connection asking for each URL in turn for the
given time. The ratio page / static file is what to compare between runs on
a shared machine: both move with the machine's load.
"""

from __future__ import annotations

import argparse
import http.client
import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
URLS = {
    "results page, “cancer”": "/trials/?q=cancer",
    "static file (site.css)": "/static/css/site.css",
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def rate(port: int, path: str, seconds: float) -> float:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    done, started = 0, time.perf_counter()
    while time.perf_counter() - started < seconds:
        connection.request("GET", path, headers={"Accept-Encoding": "identity"})
        response = connection.getresponse()
        response.read()
        assert response.status == 200, (path, response.status)
        done += 1
    return done / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument(
        "--root",
        type=Path,
        default=ROOT,
        help="serve this source tree (e.g. main's, from git archive) with this project's .venv",
    )
    args = parser.parse_args()
    port = free_port()
    var = tempfile.mkdtemp(prefix="page_bench_")
    env = {
        **os.environ,
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_COOKIES": "0",
        "SECURE_SSL_REDIRECT": "0",
        "VAR_DIR": var,
    }
    # Production serves collected, hashed static files.
    subprocess.run(
        [ROOT / ".venv/bin/python", "manage.py", "collectstatic", "--noinput", "-v0"],
        cwd=args.root, env=env, check=True,
    )  # fmt: skip
    log = open(Path(var) / "gunicorn.log", "w")  # noqa: SIM115 - open while the server runs
    server = subprocess.Popen(
        [ROOT / ".venv/bin/gunicorn", "trialfinder.wsgi:application", "--workers", "1",
         "--bind", f"127.0.0.1:{port}", "--log-level", "warning"],
        cwd=args.root, env=env, start_new_session=True, stderr=log,
    )  # fmt: skip
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.2)
        for path in URLS.values():
            rate(port, path, 2)  # warm
        rates = {label: rate(port, path, args.seconds) for label, path in URLS.items()}
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait()
        log.close()
    print(f"code: {args.root}; load average {os.getloadavg()[0]:.1f}")
    print("| URL, one gunicorn worker | requests/s |")
    print("|---|---:|")
    for label, value in rates.items():
        print(f"| {label} | {value:,.0f} |")
    page, static = rates.values()
    print(f"| ratio page / static file | {page / static:.3f} |")


if __name__ == "__main__":
    sys.exit(main())
