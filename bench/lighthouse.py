"""Lighthouse scores and axe violations of the patient pages, in production mode.

Serves the site as production does (DEBUG off, collected static files served
by WhiteNoise, gunicorn) from a scratch SQLite database holding the two
shipped trials, sends one message through the contact form in Chromium to
reach the confirmation page, then for every page, on a phone and a desktop:

- Lighthouse 12 (bench/lighthouse/node_modules, `npm ci` there): performance,
  accessibility, best practices and SEO;
- axe-core injected by Playwright from the same node_modules (never a CDN):
  every rule axe runs by default, the count of violations.

    (cd bench/lighthouse && npm ci)
    .venv/bin/python bench/lighthouse.py --json /tmp/lighthouse.json

Needs Debian's Chromium at /usr/bin/chromium and Node 20. Prints a Markdown
table for bench/README.md.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NODE_DIR = ROOT / "bench" / "lighthouse"
CHROMIUM = "/usr/bin/chromium"
CHROME_FLAGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
]
PAGES = [
    ("home", "/"),
    ("results", "/trials/"),
    ("results ?q= (noindex)", "/trials/?q=sarcoma"),
    ("trial NCT06760221", "/trials/NCT06760221/"),
    ("trial NCT06987370", "/trials/NCT06987370/"),
    # The largest record at hand: 700 sites, placeholders, a central contact
    # (tests/fixtures/registry/seven_hundred_sites.json, registry-shaped).
    ("trial of 700 sites", "/trials/NCT09100006/"),
    ("trial of 700 sites, Chinese", "/zh-hans/trials/NCT09100006/"),
    ("FAQ", "/faq/"),
    ("contact", "/trials/NCT06760221/contact/"),
    ("confirmation", "/trials/NCT06760221/contact/sent/"),
]
CATEGORIES = ["performance", "accessibility", "best-practices", "seo"]
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
DESKTOP = {"viewport": {"width": 1366, "height": 900}}


def production_env(port: int, var_dir: Path) -> dict:
    env = dict(os.environ)
    for name in ("DATABASE_URL", "REDIS_URL", "DEBUG"):
        env.pop(name, None)
    env.update(
        DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="127.0.0.1",
        SITE_URL=f"http://127.0.0.1:{port}",
        VAR_DIR=str(var_dir),
        DATABASE_URL=f"sqlite:///{var_dir / 'db.sqlite3'}",
        # Plain http on loopback: cookies marked Secure would never come back.
        SECURE_COOKIES="0",
    )
    return env


def manage(env: dict, *args: str) -> None:
    subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True)


def serve(env: dict, port: int) -> subprocess.Popen:
    server = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "trialfinder.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "2",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    for _ in range(100):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1)
            return server
        except OSError:
            time.sleep(0.2)
    server.terminate()
    raise SystemExit("gunicorn did not answer on /healthz")


def confirmation_cookie(base: str) -> str:
    """Send one message through the form, as a patient would; its session cookie."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROME_FLAGS[1:])
        page = browser.new_page()
        page.goto(base + "/trials/NCT06760221/contact/")
        page.fill("#contact-first_name", "Ming")
        page.fill("#contact-last_name", "Wang")
        page.fill("#contact-email", "patient@example.org")
        page.fill("#contact-phone", "+86 138 0013 8000")
        page.fill("#contact-location", "Hangzhou")
        page.check("#contact-consent")
        page.get_by_role("button", name="Send message").click()
        page.wait_for_url("**/contact/sent/")
        cookies = page.context.cookies()
        browser.close()
    return "; ".join(f"{c['name']}={c['value']}" for c in cookies)


def lighthouse(url: str, *, desktop: bool, cookie: str) -> dict[str, int]:
    command = [
        "node",
        str(NODE_DIR / "node_modules" / "lighthouse" / "cli" / "index.js"),
        url,
        "--quiet",
        "--output=json",
        "--output-path=stdout",
        f"--only-categories={','.join(CATEGORIES)}",
        f"--chrome-flags={' '.join(CHROME_FLAGS)}",
        f"--extra-headers={json.dumps({'Cookie': cookie})}",
    ]
    if desktop:
        command.append("--preset=desktop")
    env = dict(os.environ, CHROME_PATH=CHROMIUM)
    # On a loaded machine Chromium now and then fails to start or times out:
    # such a run is repeated, never scored.
    for attempt in range(3):
        result = subprocess.run(command, env=env, capture_output=True, text=True)
        if result.returncode == 0:
            break
        print(f"lighthouse failed on {url} (try {attempt + 1}): {result.stderr[-300:]}")
    result.check_returncode()
    report = json.loads(result.stdout)
    metrics = {
        key: report["audits"][key]["displayValue"]
        for key in ("largest-contentful-paint", "total-blocking-time", "cumulative-layout-shift")
    }
    return (
        {"metrics": metrics}
        | {name: round(report["categories"][name]["score"] * 100) for name in CATEGORIES}
        | {
            "failed": [
                audit_id
                for name in CATEGORIES
                for ref in report["categories"][name]["auditRefs"]
                if ref["weight"]
                and (audit_id := ref["id"])
                and (report["audits"][audit_id]["score"] or 0) < 0.9
                and report["audits"][audit_id]["scoreDisplayMode"] == "binary"
            ]
        }
    )


def axe_violations(
    base: str, cookie: str, pages: list[tuple[str, str]]
) -> dict[tuple[str, str], list[str]]:
    from playwright.sync_api import sync_playwright

    axe = NODE_DIR / "node_modules" / "axe-core" / "axe.min.js"
    found: dict[tuple[str, str], list[str]] = {}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROME_FLAGS[1:])
        for screen, options in (("mobile", PHONE), ("desktop", DESKTOP)):
            # bypass_csp: axe arrives as an injected script, which our CSP refuses.
            context = browser.new_context(bypass_csp=True, **options)
            context.add_cookies(
                [
                    {"name": c.split("=", 1)[0].strip(), "value": c.split("=", 1)[1], "url": base}
                    for c in cookie.split(";")
                    if "=" in c
                ]
            )
            page = context.new_page()
            for label, path in pages:
                page.goto(base + path)
                page.add_script_tag(path=str(axe))
                result = page.evaluate("async () => await axe.run(document)")
                found[(label, screen)] = [
                    f"{v['id']} ({len(v['nodes'])})" for v in result["violations"]
                ]
            context.close()
        browser.close()
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--json", help="write the results here too")
    parser.add_argument("--runs", type=int, default=3, help="Lighthouse runs per page (median)")
    parser.add_argument("--only", default="", help="only pages whose label contains this")
    args = parser.parse_args()
    if not (NODE_DIR / "node_modules" / "lighthouse").exists():
        raise SystemExit("first: (cd bench/lighthouse && npm ci)")

    var_dir = ROOT / "var" / "lighthouse"
    shutil.rmtree(var_dir, ignore_errors=True)
    var_dir.mkdir(parents=True)
    env = production_env(args.port, var_dir)
    manage(env, "migrate", "--noinput", "-v0")
    manage(env, "collectstatic", "--noinput", "-v0")
    manage(env, "load_places")
    manage(env, "import_trials", "data/NCT06760221.json", "data/NCT06987370.json")
    manage(env, "import_trials", "tests/fixtures/registry/seven_hundred_sites.json")
    manage(env, "load_prescreen", "data/prescreen.json")
    base = f"http://127.0.0.1:{args.port}"
    server = serve(env, args.port)
    try:
        cookie = confirmation_cookie(base)
        scores = {}
        pages = [page for page in PAGES if args.only in page[0]]
        for label, path in pages:
            for screen in ("mobile", "desktop"):
                runs = [
                    lighthouse(base + path, desktop=screen == "desktop", cookie=cookie)
                    for _ in range(args.runs)
                ]
                # Lighthouse's own advice: the median run, by performance score.
                runs.sort(key=lambda run: run["performance"])
                scores[(label, screen)] = runs[len(runs) // 2]
        violations = axe_violations(base, cookie, pages)
    finally:
        server.terminate()
        server.wait(timeout=10)

    columns = ["page", "form factor", "performance", "accessibility", "best practices", "SEO"]
    print("| " + " | ".join([*columns, "axe violations"]) + " |")
    print("| --- | --- | ---: | ---: | ---: | ---: | --- |")
    rows = []
    for (label, screen), score in scores.items():
        axe_found = violations.get((label, screen), [])
        print(
            f"| {label} | {screen} | {score['performance']} | {score['accessibility']} | "
            f"{score['best-practices']} | {score['seo']} | {len(axe_found)}"
            f"{' ' + ', '.join(axe_found) if axe_found else ''} |"
        )
        if score["failed"]:
            print(f"|   failed audits: {', '.join(score['failed'])} | | | | | | |")
        if score["performance"] < 100:
            metrics = ", ".join(f"{key} {value}" for key, value in score["metrics"].items())
            print(f"|   {metrics} | | | | | | |")
        rows.append({"page": label, "screen": screen, **score, "axe": axe_found})
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=2))


if __name__ == "__main__":
    main()
