"""Browser tests: Debian's Chromium driven by Playwright's sync API against
pytest-django's live server. Never `playwright install`: the browser is the
system's /usr/bin/chromium."""

import os
from pathlib import Path

import pytest

from tests.conftest import service_missing

CHROMIUM = Path(os.getenv("CHROMIUM_PATH", "/usr/bin/chromium"))


@pytest.fixture(scope="session")
def chromium():
    if not CHROMIUM.exists():
        service_missing(f"needs Chromium at {CHROMIUM} (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the ORM calls the
    # tests make between browser steps are still plain synchronous calls.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
            ],
        )
        yield browser
        browser.close()
    if previous is None:
        del os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"]
    else:
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


GEOLOCATION_NEAR_JINAN = {
    "permissions": ["geolocation"],
    "geolocation": {"latitude": 36.65, "longitude": 117.1},
}


@pytest.fixture
def new_page(chromium):
    """Pages in fresh browser contexts (separate cookies: separate people)."""
    contexts = []

    def make(**options):
        """options go to the new context, e.g. permissions, geolocation, locale."""
        context = chromium.new_context(**{"locale": "en-GB", **options})
        context.set_default_timeout(10_000)
        contexts.append(context)
        page = context.new_page()
        page.errors = []
        page.on("pageerror", lambda error: page.errors.append(str(error)))
        page.on(
            "console",
            lambda message: message.type == "error" and page.errors.append(message.text),
        )
        return page

    yield make
    for context in contexts:
        context.close()
