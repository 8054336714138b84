"""What search engines and link previews read: canonical links, noindex on
searches, MedicalTrial structured data, the sitemap, robots.txt, compression."""

import datetime
import gzip
import io
import json
import re
import xml.etree.ElementTree as ET

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import ConditionFactory, SiteFactory, TrialFactory
from tests.page_text import page_text
from trials import seo
from trials.models import RecruitmentStatus

pytestmark = pytest.mark.django_db

SITEMAP_NS = {"sm": "http://www.sitemaps.org/schemas/sitemap/0.9"}


@pytest.fixture(autouse=True)
def public_address(settings):
    # Unlike the Host header a client sends, which links must never trust.
    settings.SITE_URL = "https://trials.example.org"


@pytest.fixture
def trial():
    trial = TrialFactory(
        nct_id="NCT06987370",
        brief_title="SFRT and SCART in Radiotherapy for Bone Metastases With Soft Tissue",
        official_title="A Randomized Study of SFRT or SCART",
        phases=["PHASE2"],
        lead_sponsor="Shandong Cancer Hospital and Institute",
        overview="Spatially fractionated radiotherapy \\[SFRT\\] for bone metastases.",
        conditions=[ConditionFactory(name="Bone Metastases")],
        start_date=datetime.date(2025, 6, 1),
    )
    SiteFactory(trial=trial, facility="Shandong Cancer Hospital", city="Jinan", state="Shandong")
    return trial


def json_ld(html: str) -> dict:
    found = re.findall(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    assert len(found) == 1
    return json.loads(found[0])


def test_it_describes_a_trial_as_a_schema_org_medical_trial(client, trial):
    data = json_ld(client.get("/trials/NCT06987370/").content.decode())
    assert data["@context"] == "https://schema.org"
    assert data["@type"] == "MedicalTrial"
    assert data["name"] == trial.brief_title
    assert data["alternateName"] == "A Randomized Study of SFRT or SCART"
    assert data["identifier"] == "NCT06987370"
    assert data["url"] == "https://trials.example.org/trials/NCT06987370/"
    assert data["sameAs"] == "https://clinicaltrials.gov/study/NCT06987370"
    # Registry Markdown as words: no escapes in what search engines show.
    assert data["description"] == "Spatially fractionated radiotherapy [SFRT] for bone metastases."
    assert data["status"] == "https://schema.org/Recruiting"
    assert data["phase"] == "Phase 2"
    assert data["healthCondition"] == [{"@type": "MedicalCondition", "name": "Bone Metastases"}]
    assert data["sponsor"] == {
        "@type": "Organization",
        "name": "Shandong Cancer Hospital and Institute",
    }
    assert data["population"] == "Ages: 18-80 years, Sex: All, Patients only, no healthy volunteers"
    assert data["location"] == [
        {
            "@type": "MedicalOrganization",
            "name": "Shandong Cancer Hospital",
            "address": {
                "@type": "PostalAddress",
                "addressLocality": "Jinan",
                "addressRegion": "Shandong",
                "addressCountry": "China",
            },
        }
    ]
    assert data["dateModified"] == "2025-10-15"
    assert data["startDate"] == "2025-06-01"


def test_its_structured_data_cannot_close_its_script_element(client):
    TrialFactory(nct_id="NCT00000001", brief_title="</script><script>alert(1)</script>")
    html = client.get("/trials/NCT00000001/").content.decode()
    assert "<script>alert(1)" not in html
    assert json_ld(html)["name"] == "</script><script>alert(1)</script>"


def test_its_structured_data_lists_a_bounded_number_of_sites(client, trial):
    SiteFactory.create_batch(seo.STRUCTURED_DATA_SITES + 10, trial=trial)
    data = json_ld(client.get("/trials/NCT06987370/").content.decode())
    assert len(data["location"]) == seo.STRUCTURED_DATA_SITES


def head_links(html: str) -> dict:
    return {
        "canonical": re.findall(r'<link rel="canonical" href="([^"]+)">', html),
        "og:url": re.findall(r'<meta property="og:url" content="([^"]+)">', html),
        "og:title": re.findall(r'<meta property="og:title" content="([^"]+)">', html),
        "og:description": re.findall(r'<meta property="og:description" content="([^"]+)">', html),
        "robots": re.findall(r'<meta name="robots" content="([^"]+)">', html),
    }


@pytest.mark.parametrize(
    ("path", "canonical"),
    [
        ("/", "/"),
        ("/trials/", "/trials/"),
        ("/trials/?q=bone&page=2", "/trials/"),
        ("/trials/NCT06987370/?utm_source=mail", "/trials/NCT06987370/"),
        ("/faq/", "/faq/"),
        ("/privacy/", "/privacy/"),
    ],
)
def test_every_page_names_its_one_public_address(client, trial, path, canonical):
    html = client.get(path).content.decode()
    links = head_links(html)
    # SITE_URL, never the Host header a client sent.
    assert links["canonical"] == ["https://trials.example.org" + canonical]
    assert links["og:url"] == links["canonical"]
    assert '<meta name="twitter:card" content="summary">' in html


def test_a_trial_page_previews_with_its_own_title_and_summary(client, trial):
    links = head_links(client.get("/trials/NCT06987370/").content.decode())
    assert links["og:title"] == [trial.brief_title]
    assert links["og:description"] == [
        "Spatially fractionated radiotherapy [SFRT] for bone metastases."
    ]


def test_each_language_has_its_own_address_among_the_alternates(rf):
    codes = [code for code, _address in seo.page_alternates(rf.get("/trials/"))]
    assert codes == ["en", "zh-hans", "x-default"]


def test_each_language_has_its_alternate_once_urls_carry_a_language_prefix(rf, settings):
    settings.ROOT_URLCONF = "tests.urls_i18n"
    assert seo.page_alternates(rf.get("/en/trials/")) == [
        ("en", "https://trials.example.org/en/trials/"),
        ("zh-hans", "https://trials.example.org/zh-hans/trials/"),
        ("x-default", "https://trials.example.org/en/trials/"),
    ]


@pytest.mark.parametrize("path", ["/trials/?q=bone", "/trials/?status=all", "/trials/?page=2"])
def test_searches_and_filtered_lists_are_not_indexed(client, trial, path):
    assert head_links(client.get(path).content.decode())["robots"] == ["noindex"]


@pytest.mark.parametrize("path", ["/", "/trials/", "/trials/NCT06987370/", "/faq/"])
def test_pages_worth_finding_are_indexable(client, trial, path):
    assert head_links(client.get(path).content.decode())["robots"] == []


def test_an_unpublished_trial_previewed_by_staff_is_not_indexed(admin_client, trial):
    trial.published = False
    trial.save()
    html = admin_client.get("/trials/NCT06987370/").content.decode()
    assert head_links(html)["robots"] == ["noindex"]


def test_robots_txt_points_to_the_sitemap_and_keeps_private_pages_out(client):
    response = client.get("/robots.txt")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    lines = response.content.decode().splitlines()
    assert lines[0] == "User-agent: *"
    assert "Sitemap: https://trials.example.org/sitemap.xml" in lines
    for private in ("/inquiry/", "/shared/", "/notifications/", "/places/"):
        assert f"Disallow: {private}" in lines
    assert "Disallow: /trials/" not in lines


def locations(response) -> list[tuple[str, str | None]]:
    assert response.status_code == 200
    assert response["Content-Type"] == "application/xml; charset=utf-8"
    root = ET.fromstring(response.content)
    return [
        (
            entry.findtext("sm:loc", namespaces=SITEMAP_NS),
            entry.findtext("sm:lastmod", None, SITEMAP_NS),
        )
        for entry in root
    ]


def test_the_sitemap_lists_every_published_trial_across_pages_in_bounded_queries(
    client, monkeypatch
):
    monkeypatch.setattr(seo, "TRIALS_PER_SITEMAP", 3)
    published = [TrialFactory(last_updated=datetime.date(2025, 1, day)) for day in range(1, 11)]
    TrialFactory(published=False)
    TrialFactory(overall_status=RecruitmentStatus.COMPLETED, last_updated=None)
    # As an import, or beat's hourly refresh, does.
    seo.sitemap_blocks_refresh()

    with CaptureQueriesContext(connection) as queries:
        index = locations(client.get("/sitemap.xml"))
    assert len(queries) == 1
    assert index[0] == ("https://trials.example.org/sitemap-pages.xml", None)
    pages = index[1:]
    assert len(pages) >= 4
    assert all(
        re.fullmatch(r"https://trials\.example\.org/sitemap-trials-\d+\.xml", loc)
        for loc, _ in pages
    )

    listed: list[tuple[str, str | None]] = []
    for loc, lastmod in pages:
        with CaptureQueriesContext(connection) as queries:
            entries = locations(client.get(loc.removeprefix("https://trials.example.org")))
        assert len(queries) == 1
        assert 1 <= len(entries) <= 3
        # The page's lastmod is its newest trial's registry update date.
        assert lastmod == max((day for _, day in entries if day), default=None)
        listed += entries

    expected = [
        (f"https://trials.example.org/trials/{trial.nct_id}/", trial.last_updated.isoformat())
        for trial in published
    ]
    closed = TrialFactory._meta.model.objects.get(overall_status=RecruitmentStatus.COMPLETED)
    expected.append((f"https://trials.example.org/trials/{closed.nct_id}/", None))
    assert sorted(listed, key=str) == sorted(expected, key=str)


def test_the_sitemap_lists_the_pages_that_are_not_trials(client):
    assert [loc for loc, _ in locations(client.get("/sitemap-pages.xml"))] == [
        "https://trials.example.org/",
        "https://trials.example.org/trials/",
        "https://trials.example.org/faq/",
        "https://trials.example.org/privacy/",
    ]


def test_the_index_is_read_from_its_blocks_never_from_every_trial(client, monkeypatch):
    monkeypatch.setattr(seo, "TRIALS_PER_SITEMAP", 2)
    first, second, third = (TrialFactory(last_updated=datetime.date(2025, 3, d)) for d in (1, 2, 3))
    # A database never refreshed is refreshed by its first index request.
    assert len(locations(client.get("/sitemap.xml"))) == 1 + len(
        {trial.pk // 2 for trial in (first, second, third)}
    )
    with CaptureQueriesContext(connection) as queries:
        client.get("/sitemap.xml")
    assert len(queries) == 1
    assert "trials_trial" not in queries[0]["sql"]
    # Staff unpublish a block's only trial: gone from the index once refreshed.
    TrialFactory._meta.model.objects.filter(pk=third.pk).update(published=False)
    seo.sitemap_blocks_refresh_task.delay()
    pages = [loc for loc, _ in locations(client.get("/sitemap.xml"))[1:]]
    if third.pk // 2 not in {first.pk // 2, second.pk // 2}:
        assert f"https://trials.example.org/sitemap-trials-{third.pk // 2}.xml" not in pages


def test_an_import_brings_its_trials_to_the_sitemap_index_at_once(client):
    from django.core.management import call_command

    assert locations(client.get("/sitemap.xml"))[1:] == []
    call_command("import_trials", "data/NCT06760221.json", stdout=io.StringIO())
    pages = locations(client.get("/sitemap.xml"))[1:]
    assert len(pages) == 1 and pages[0][1] is not None


def test_a_sitemap_page_without_trials_is_not_found(client):
    response = client.get("/sitemap-trials-999.xml")
    assert response.status_code == 404
    assert "We could not find that page" in page_text(response)


def test_pages_are_compressed_for_clients_that_accept_gzip(client, trial):
    # The trial page carries a CSRF token: see the BREACH note beside
    # GZipMiddleware in settings.py for why it is compressed all the same.
    response = client.get("/trials/NCT06987370/", HTTP_ACCEPT_ENCODING="gzip, br")
    assert response["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in response["Vary"]
    html = gzip.decompress(response.content).decode()
    assert "csrfmiddlewaretoken" in html and trial.brief_title in html
    plain = client.get("/trials/NCT06987370/")
    assert not plain.has_header("Content-Encoding")
