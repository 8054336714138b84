"""Requests per second of each public page beside the static file floor.

One gunicorn sync worker pinned to core 0, the load generator (wrk, or a
plain Python loop when wrk is not installed) pinned to core 1, production
settings (DEBUG off, manifest static files after collectstatic, the
database of DATABASE_URL). The floor is a static file served by the same
app through whitenoise, measured before and after the pages in the same
run; each page's ratio is against the mean of the two.

"trial, a different one each request" walks through --trials recruiting
trials in a random order (a wrk Lua script, or the Python loop), so no cache
of the worker holds the page asked for, as on a registry where visitors
arrive at any of 60,000 recruiting trials (their pages' parts rendered when
they were written, as after an import: `render_trial_pages --wait` first);
"with a session" sends the cookie of a real session. Set
SEARCH_RESULTS_CACHE_SECONDS=0 to measure the results pages with their cache
off.

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
import tempfile
import time
from pathlib import Path
from typing import NamedTuple

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


def get(port: int, path: str, cookie: str = "") -> tuple[int, bytes]:
    cookie_header = f"Cookie: {cookie}\r\n" if cookie else ""
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        sock.sendall(f"GET {path} HTTP/1.0\r\nHost: 127.0.0.1\r\n{cookie_header}\r\n".encode())
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


def python_load(port: int, paths: list[str], seconds: float, cookie: str = "") -> float:
    """The fallback load generator: one request after another, new connection each."""
    done, deadline = 0, time.monotonic() + seconds
    start = time.monotonic()
    while time.monotonic() < deadline:
        path = paths[done % len(paths)]
        status, _ = get(port, path, cookie)
        if status != 200:
            raise SystemExit(f"{path} answered {status}")
        done += 1
    return done / (time.monotonic() - start)


def wrk_script(paths: list[str], cookie: str) -> str:
    """A wrk Lua script asking for each path in turn, with the cookie if any."""
    listed = ",".join(json.dumps(path) for path in paths)
    headers = f'{{["Cookie"] = {json.dumps(cookie)}}}' if cookie else "{}"
    return (
        f"local paths = {{{listed}}}\nlocal headers = {headers}\nlocal i = 0\n"
        "request = function()\n  i = i + 1\n"
        '  return wrk.format("GET", paths[(i % #paths) + 1], headers)\nend\n'
    )


def wrk_load(
    port: int, paths: list[str], seconds: float, connections: int, cookie: str = ""
) -> float:
    command = ["taskset", "-c", "1", "wrk", "-t1", f"-c{connections}", f"-d{int(seconds)}s"]
    with tempfile.NamedTemporaryFile("w", suffix=".lua") as script:
        script.write(wrk_script(paths, cookie))
        script.flush()
        out = subprocess.run(
            [*command, "-s", script.name, f"http://127.0.0.1:{port}{paths[0]}"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    if "Non-2xx" in out or "Socket errors" in out:
        raise SystemExit(f"{paths[0]}: errors under load\n{out}")
    return float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))


class Page(NamedTuple):
    label: str
    paths: list[str]  # more than one: a different one on each request
    cookie: str = ""


def pages_to_measure(env: dict[str, str], trials: int) -> list[Page]:
    """The public pages, with real trials from the database, and the cookie
    of a real session (as a pre-screen answer or a staff login leaves)."""
    script = (
        "import django, json, random; django.setup();"
        "from django.conf import settings;"
        "from django.contrib.sessions.backends.db import SessionStore;"
        "from trials.models import Trial;"
        "qs = Trial.objects.published().recruiting().order_by('-last_updated', 'nct_id');"
        "newest = [t.get_absolute_url() for t in qs[:2]];"
        "recruiting = Trial.objects.published().recruiting();"
        f"pks = list(recruiting.values_list('pk', flat=True)[:{trials}]);"
        "random.Random(1).shuffle(pks);"
        "by_pk = Trial.objects.in_bulk(pks);"
        "walk = [by_pk[pk].get_absolute_url() for pk in pks];"
        "session = SessionStore(); session['visited'] = True; session.create();"
        "cookie = f'{settings.SESSION_COOKIE_NAME}={session.session_key}';"
        "print(json.dumps([newest, walk, cookie]))"
    )
    out = subprocess.run(
        [PY, "-c", script], env=env, cwd=ROOT, capture_output=True, text=True, check=True
    )
    newest, walk, cookie = json.loads(out.stdout.strip().splitlines()[-1])
    pages = [Page("home", ["/"]), Page("home, with a session", ["/"], cookie)]
    pages += [Page("trial list", ["/trials/"]), Page("search: sarcoma", ["/trials/?q=sarcoma"])]
    pages += [Page("search: cancer", ["/trials/?q=cancer"])]
    pages += [Page(f"trial {url.split('/')[2]}", [url]) for url in newest]
    pages += [
        Page(f"trial, a different one each request ({len(walk):,})", walk),
        Page("trial, a different one each request, with a session", walk, cookie),
    ]
    pages += [Page("FAQ", ["/faq/"]), Page("privacy (a plain template page)", ["/privacy/"])]
    return pages


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument("--label", default="")
    parser.add_argument("--json", help="also write the results here")
    parser.add_argument("--trials", type=int, default=5000, help="trials walked, one per request")
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
    pages = pages_to_measure(env, args.trials)
    if (ROOT / "trials/trial_pages.py").exists():  # not on trees before the stored parts
        subprocess.run(
            [PY, "manage.py", "render_trial_pages", "--wait"], env=env, cwd=ROOT, check=True
        )

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

        def measure(page: Page) -> tuple[float, float]:
            """(requests/s, worker CPU ms per request)."""
            # Warm: imports and templates; a page asked for again also its caches.
            # A walk is warmed on its last trials, never asked for while measured.
            for path in (page.paths * 20)[-20:]:
                status, _ = get(port, path, page.cookie)
                if status != 200:
                    raise SystemExit(f"{path} answered {status}")
            cpu = cpu_seconds(worker)
            if use_wrk:
                rps = wrk_load(port, page.paths, args.seconds, args.connections, page.cookie)
            else:
                rps = python_load(port, page.paths, args.seconds, page.cookie)
            return rps, (cpu_seconds(worker) - cpu) * 1000 / (rps * args.seconds)

        floor = Page("static file (floor)", [static_path])
        floor_before = measure(floor)
        measured = [(page.label, page.paths[0], *measure(page)) for page in pages]
        floor_after = measure(floor)
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
