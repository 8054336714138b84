"""Requests per second of each public page beside the static file floor.

One gunicorn sync worker pinned to core 0, the load generator (wrk, or a
plain Python loop when wrk is not installed) pinned to core 1, production
settings (DEBUG off, manifest static files after collectstatic, the
database of DATABASE_URL). The floor is a static file served by the same
app through whitenoise, measured before and after the pages in the same
run; each page's ratio is against the mean of the two.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/trialfinder \\
        .venv/bin/python bench/load_bench.py --seconds 10

See bench/README.md for the measured tables.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable


def production_env(database_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "REDIS_URL"}}
    env.update(
        DEBUG="0",
        DATABASE_URL=database_url,
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="127.0.0.1",
        DJANGO_SETTINGS_MODULE="trialfinder.settings",
    )
    if os.environ.get("REDIS_URL"):
        env["REDIS_URL"] = os.environ["REDIS_URL"]
    return env


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(port: int, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"gunicorn did not answer on port {port}")


def get(port: int, path: str) -> tuple[int, bytes]:
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        sock.sendall(f"GET {path} HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n".encode())
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    response = b"".join(chunks)
    return int(response.split(b" ", 2)[1]), response


def cpu_seconds(pid: int) -> float:
    """User and system CPU time of a process so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def worker_pid(master: int) -> int:
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    return int(children[0])


def python_load(port: int, path: str, seconds: float) -> float:
    """The fallback load generator: one request after another, new connection each."""
    done, deadline = 0, time.monotonic() + seconds
    start = time.monotonic()
    while time.monotonic() < deadline:
        status, _ = get(port, path)
        if status != 200:
            raise SystemExit(f"{path} answered {status}")
        done += 1
    return done / (time.monotonic() - start)


def wrk_load(port: int, path: str, seconds: float, connections: int) -> float:
    command = ["taskset", "-c", "1", "wrk", "-t1", f"-c{connections}", f"-d{int(seconds)}s"]
    out = subprocess.run(
        [*command, f"http://127.0.0.1:{port}{path}"], capture_output=True, text=True, check=True
    ).stdout
    if "Non-2xx" in out or "Socket errors" in out:
        raise SystemExit(f"{path}: errors under load\n{out}")
    return float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))


def pages_to_measure(env: dict[str, str]) -> list[tuple[str, str]]:
    """(label, path): the public pages, with real trials from the database."""
    script = (
        "import django, json; django.setup();"
        "from trials.models import Trial;"
        "qs = Trial.objects.published().recruiting().order_by('-last_updated', 'nct_id');"
        "print(json.dumps([t.get_absolute_url() for t in qs[:2]]))"
    )
    out = subprocess.run(
        [PY, "-c", script], env=env, cwd=ROOT, capture_output=True, text=True, check=True
    )
    trials = json.loads(out.stdout.strip().splitlines()[-1])
    pages = [("home", "/"), ("trial list", "/trials/"), ("search: sarcoma", "/trials/?q=sarcoma")]
    pages += [(f"trial {url.split('/')[2]}", url) for url in trials]
    pages += [("FAQ", "/faq/"), ("privacy (a plain template page)", "/privacy/")]
    return pages


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument("--label", default="")
    parser.add_argument("--json", help="also write the results here")
    args = parser.parse_args()
    database_url = os.environ.get("DATABASE_URL")
    if not database_url:
        raise SystemExit("set DATABASE_URL (the benchmark runs on PostgreSQL)")
    use_wrk = shutil.which("wrk") is not None

    env = production_env(database_url)
    subprocess.run(
        [PY, "manage.py", "collectstatic", "--noinput", "-v0"], env=env, cwd=ROOT, check=True
    )
    manifest = json.loads((ROOT / "var/staticfiles/staticfiles.json").read_text())["paths"]
    static_path = "/static/" + manifest["img/favicon.svg"]
    pages = pages_to_measure(env)

    port = free_port()
    gunicorn = [
        "taskset", "-c", "0", str(Path(PY).parent / "gunicorn"), "trialfinder.wsgi",
        "--workers", "1", "--worker-class", "sync", "--bind", f"127.0.0.1:{port}",
        "--access-logfile", "/dev/null", "--error-logfile", "-", "--log-level", "warning",
    ]  # fmt: skip
    server = subprocess.Popen(gunicorn, env=env, cwd=ROOT, start_new_session=True)
    results: list[dict] = []
    try:
        wait_for(port)

        worker = worker_pid(server.pid)

        def measure(path: str) -> tuple[float, float]:
            """(requests/s, worker CPU ms per request)."""
            for _ in range(20):  # warm: imports, template and page caches
                status, _ = get(port, path)
                if status != 200:
                    raise SystemExit(f"{path} answered {status}")
            cpu = cpu_seconds(worker)
            if use_wrk:
                rps = wrk_load(port, path, args.seconds, args.connections)
            else:
                rps = python_load(port, path, args.seconds)
            return rps, (cpu_seconds(worker) - cpu) * 1000 / (rps * args.seconds)

        floor_before = measure(static_path)
        measured = [(label, path, *measure(path)) for label, path in pages]
        floor_after = measure(static_path)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)

    floor = (floor_before[0] + floor_after[0]) / 2
    floor_cpu = (floor_before[1] + floor_after[1]) / 2
    results.append(
        {"page": "static file (floor)", "path": static_path, "rps": floor, "cpu_ms": floor_cpu}
    )
    results += [
        {"page": label, "path": path, "rps": rps, "cpu_ms": cpu_ms}
        for label, path, rps, cpu_ms in measured
    ]
    print(f"\n{args.label} load generator: {'wrk' if use_wrk else 'python loop'}; floor "
          f"{floor_before[0]:.0f} before, {floor_after[0]:.0f} after the pages\n")  # fmt: skip
    # The CPU ratio (floor's worker CPU per request / the page's) is what the
    # requests/s ratio would be on an idle machine: a busy one slows both.
    print("| page | requests/s | of the floor | worker CPU ms/request | of the floor by CPU |")
    print("|---|---:|---:|---:|---:|")
    for row in results:
        print(
            f"| {row['page']} | {row['rps']:,.0f} | {row['rps'] / floor:.1%} "
            f"| {row['cpu_ms']:.2f} | {floor_cpu / row['cpu_ms']:.1%} |"
        )
    if args.json:
        Path(args.json).write_text(json.dumps({"label": args.label, "results": results}))


if __name__ == "__main__":
    main()
