"""CPU time per request of the public pages, in one process, no load generator.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/trialfinder \\
        .venv/bin/python bench/page_cpu.py [--requests 300] [--rounds 3]
    ... bench/page_cpu.py --profile /trials/NCT06760221/   # cProfile one page

Calls the WSGI application gunicorn serves (trialfinder.wsgi) directly, with
production settings (DEBUG off, a generated SECRET_KEY, manifest static files
after collectstatic, REDIS_URL unset as in bench/load_bench.py unless it is
set here) and requests like wrk's: GET, a Host header and nothing else, so
every request is a first visit without cookies. Each page is warmed, then
`time.process_time` is read over `--requests` requests, `--rounds` times;
the table shows the lowest round (the others only add the machine's noise;
CPU time, unlike wall time, barely moves with the load of other jobs).
This process's CPU only: the PostgreSQL server's share of a query is not
in it, as the gunicorn worker's CPU in bench/load_bench.py is not.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import secrets
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def production_environment() -> None:
    if not os.environ.get("DATABASE_URL"):
        raise SystemExit("set DATABASE_URL (the pages are measured on PostgreSQL)")
    os.environ.update(
        DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="127.0.0.1",
        DJANGO_SETTINGS_MODULE="trialfinder.settings",
        LOG_LEVEL="WARNING",
    )
    if not os.environ.get("PAGE_CPU_REDIS_URL"):
        os.environ.pop("REDIS_URL", None)
    else:
        os.environ["REDIS_URL"] = os.environ["PAGE_CPU_REDIS_URL"]
    sys.path.insert(0, str(ROOT))


def environ(path: str) -> dict:
    path, _, query = path.partition("?")
    return {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "SCRIPT_NAME": "",
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_HOST": "127.0.0.1",
        "REMOTE_ADDR": "127.0.0.1",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": False,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
    }


def request(application, path: str) -> int:
    status = []
    body = application(environ(path), lambda s, headers, exc_info=None: status.append(s))
    for _chunk in body:  # whitenoise streams the file, as gunicorn reads it
        pass
    if hasattr(body, "close"):
        body.close()
    return int(status[0].split()[0])


def pages() -> list[tuple[str, str]]:
    from trials.models import Trial

    newest = Trial.objects.published().recruiting().order_by("-last_updated", "nct_id")
    manifest = json.loads((ROOT / "var/staticfiles/staticfiles.json").read_text())["paths"]
    found = [("static file (floor)", "/static/" + manifest["img/favicon.svg"]), ("home", "/")]
    found += [(f"trial {t.nct_id}", t.get_absolute_url()) for t in newest[:2]]
    return found + [("FAQ", "/faq/"), ("privacy", "/privacy/")]


def cpu_ms(application, path: str, count: int) -> float:
    started = time.process_time()
    for _ in range(count):
        request(application, path)
    return (time.process_time() - started) * 1000 / count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--profile", metavar="PATH", help="cProfile this page instead")
    args = parser.parse_args()
    production_environment()

    import django
    from django.core.management import call_command

    django.setup()
    call_command("collectstatic", interactive=False, verbosity=0)
    from trialfinder.wsgi import application

    measured = [("page", args.profile)] if args.profile else pages()
    for _label, path in measured:
        for _ in range(50):  # warm: imports, templates, the page caches
            status = request(application, path)
            if status != 200:
                raise SystemExit(f"{path} answered {status}")
    if args.profile:
        profile = cProfile.Profile()
        profile.enable()
        for _ in range(args.requests):
            request(application, args.profile)
        profile.disable()
        stats = pstats.Stats(profile).sort_stats("cumulative")
        stats.print_stats(60)
        stats.sort_stats("tottime").print_stats(40)
        return

    floor = None
    print("| page | CPU ms/request | of the floor by CPU |")
    print("|---|---:|---:|")
    for label, path in measured:
        best = min(cpu_ms(application, path, args.requests) for _ in range(args.rounds))
        floor = floor or best
        print(f"| {label} | {best:.2f} | {floor / best:.1%} |", flush=True)


if __name__ == "__main__":
    main()
