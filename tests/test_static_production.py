"""Every page rendered with the static files built the way production builds
them: collectstatic into whitenoise's compressed manifest storage, then each
public page and each admin page requested. A {% static %} path that is not in
the manifest raises there (a 500 in production); the plain storage the other
tests use lets it pass."""

import html
import re
from collections import deque
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest
from django.conf import settings
from django.contrib.staticfiles.storage import ManifestStaticFilesStorage
from django.core.management import call_command
from django.test import RequestFactory, override_settings
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils.module_loading import import_string
from django.views.defaults import server_error

from tests.factories import InquiryFactory, SubscriptionFactory
from trials.coordinator import coordinator_url
from trials.models import FaqEntry, Trial
from trials.notes import share_create
from trials.subscriptions import MANAGE, subscription_path

ROOT = Path(__file__).resolve().parent.parent
HREF = re.compile(r'href="([^"#]*)')
# Enough to reach every kind of page; the crawl stops there whatever links on.
PAGE_LIMIT = 250


@pytest.fixture(scope="module")
def production_static(tmp_path_factory):
    backend = settings.PRODUCTION_STORAGES["staticfiles"]["BACKEND"]
    assert issubclass(import_string(backend), ManifestStaticFilesStorage), (
        f"{backend} is not production's storage: run the tests without DEBUG"
    )
    root = tmp_path_factory.mktemp("staticfiles")
    with override_settings(
        STORAGES=settings.PRODUCTION_STORAGES,
        STATIC_ROOT=root,
        WHITENOISE_USE_FINDERS=False,
        WHITENOISE_AUTOREFRESH=False,
    ):
        call_command("collectstatic", "--noinput", verbosity=0)
        yield root


@pytest.fixture
def site_content(db):
    call_command("import_trials", *sorted(str(p) for p in (ROOT / "data").glob("NCT*.json")))
    call_command("load_prescreen", str(ROOT / "data" / "prescreen.json"), verbosity=0)
    FaqEntry.objects.create(question="Who can take part?", answer="Read the eligibility.")
    trial = Trial.objects.get(nct_id="NCT06760221")
    site = trial.sites.first()
    link, _passcode = share_create(owner_key="a-reader", trial=trial)
    return [
        urlsplit(coordinator_url(InquiryFactory(trial=trial, site=site))).path,
        subscription_path(SubscriptionFactory(), MANAGE),
        reverse("trials:shared_notes", args=[link.token]),
    ]


def pages(nct_id: str, patterns=None, prefix="") -> list[str]:
    """Every named page that takes no argument or only a trial's NCT number
    (the admin's apart: the staff crawl reaches those)."""
    found = []
    for entry in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(entry, URLResolver):
            if entry.app_name != "admin":
                namespace = f"{prefix}{entry.namespace}:" if entry.namespace else prefix
                found += pages(nct_id, entry.url_patterns, namespace)
        elif isinstance(entry, URLPattern) and entry.name:
            arguments = set(entry.pattern.converters) | set(entry.pattern.regex.groupindex)
            if arguments <= {"nct_id"}:
                kwargs = {"nct_id": nct_id} if arguments else {}
                found.append(reverse(prefix + entry.name, kwargs=kwargs))
    return found


def crawl(client, start: list[str], *, within: str, outside: str = "") -> dict:
    """GET every page reachable by links from `start` under `within`, once per path."""
    responses, queue = {}, deque(start)
    while queue and len(responses) < PAGE_LIMIT:
        url = queue.popleft()
        path = urlsplit(url).path
        if path in responses:
            continue
        response = client.get(url)
        assert response.status_code < 500, (url, response.status_code)
        responses[path] = response
        if response.has_header("Location"):
            links = [response["Location"]]
        elif "html" in response.get("Content-Type", ""):
            links = [html.unescape(href) for href in HREF.findall(response.content.decode())]
        else:
            links = []
        for link in links:
            target = urlsplit(urljoin(url, link))
            if (
                target.netloc in ("", "testserver")
                and target.path.startswith(within)
                and not (outside and target.path.startswith(outside))
                and not target.path.startswith(settings.STATIC_URL)
            ):
                queue.append(target.path + (f"?{target.query}" if target.query else ""))
    return responses


def templates_with_static() -> set[str]:
    folder = ROOT / "templates"
    return {
        str(path.relative_to(folder))
        for path in folder.rglob("*.html")
        if "{% static" in path.read_text()
    }


def test_every_page_renders_with_the_production_static_files(
    client, admin_client, production_static, site_content
):
    admin = "/" + settings.ADMIN_URL
    public = crawl(client, ["/", *pages("NCT06760221"), *site_content], within="/", outside=admin)
    staff = crawl(admin_client, [admin], within=admin)
    error = server_error(RequestFactory().get("/"))

    rendered = {t.name for r in [*public.values(), *staff.values()] for t in r.templates}
    assert templates_with_static() - rendered == {"500.html"}
    assert error.status_code == 500
    home = public[reverse("trials:home")].content.decode()
    for page in (home, error.content.decode()):
        assert re.search(r'href="/static/css/site\.[0-9a-f]{12}\.css"', page)
    assert len(public) > 10 and len(staff) > 20
