"""Trials with hundreds of sites: the nearest first, a filter and pages, a page
whose size does not grow with the number of sites, the contact form close."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import SiteFactory, TrialFactory
from tests.page_text import page_text
from trials.forms.contact import SITE_CHOICES_SHOWN
from trials.models import Place, PlaceName, RecruitmentStatus
from trials.search import ESTIMATES
from trials.site_list import SITES_PER_PAGE
from trials.understanding import VOCABULARY

pytestmark = pytest.mark.django_db

# (city, country, latitude, longitude)
CITIES = [
    ("Boston", "United States", 42.36, -71.06),
    ("Chicago", "United States", 41.88, -87.63),
    ("Toronto", "Canada", 43.65, -79.38),
    ("Hangzhou", "China", 30.26, 120.17),
    ("Jinan", "China", 36.67, 117.0),
]


def make_trial(sites: int, nct_id: str = "NCT05000715"):
    trial = TrialFactory(nct_id=nct_id)
    for n in range(sites):
        city, country, lat, lon = CITIES[n % len(CITIES)]
        SiteFactory(
            trial=trial,
            facility=f"{city} Cancer Center {n:03d}",
            city=city,
            state="",
            country=country,
            latitude=lat,
            longitude=lon,
            is_primary_contact=n == 0,
        )
    return trial


@pytest.fixture
def jinan():
    place = Place.objects.create(
        geoname_id=1805753,
        name="Jinan",
        country_code="CN",
        latitude=36.66833,
        longitude=116.99722,
        population=4335989,
    )
    for name in ("Jinan", "济南"):
        PlaceName.objects.create(place=place, name=name, key=name.casefold())


def site_names(response) -> list[str]:
    html = response.content.decode()
    section = html[html.index('id="sites"') : html.index("</section>", html.index('id="sites"'))]
    return re.findall(r'<p class="fw-semibold mb-1"(?: lang="[^"]*")?>([^<]+)</p>', section)


def test_a_trial_with_715_sites_shows_one_page_of_them_and_a_bounded_page(client):
    small = make_trial(SITES_PER_PAGE, "NCT05000010")
    big = make_trial(715)
    small_page = client.get(small.get_absolute_url())
    with CaptureQueriesContext(connection) as queries:
        big_page = client.get(big.get_absolute_url())
    assert len(site_names(big_page)) == SITES_PER_PAGE
    assert "Showing sites 1–10 of 715" in page_text(big_page)
    # The page grows by the filter, the pager and the contact form's choice of
    # every one of its 715 sites (a short option each), not by the 705 sites
    # the list does not show.
    assert len(big_page.content) < len(small_page.content) + 715 * 80
    assert len(big_page.content) < 150_000
    assert len(queries) < 25
    # Beside the registry record the page's form lists the nearest sites; the
    # form's own page lists every one of the 715.
    options = re.findall(r'<option value="\d+"', big_page.content.decode())
    assert 100 < len(options) < 715
    assert "Or see all 715 on the form's own page." in page_text(big_page)
    contact = client.get(f"/trials/{big.nct_id}/contact/").content.decode()
    assert len(re.findall(r'<option value="\d+"', contact)) == 715 <= SITE_CHOICES_SHOWN
    assert len(contact) < 150_000


def test_it_pages_through_every_site_without_javascript(client):
    trial = make_trial(25)
    seen: list[str] = []
    url = trial.get_absolute_url()
    for page in (1, 2, 3):
        response = client.get(url, {"site_page": page})
        seen += site_names(response)
        nav = page_text(response)
        assert f"Page {page} of 3" in nav
    assert len(seen) == 25 == len(set(seen))
    assert 'href="?site_page=2#sites"' in client.get(url).content.decode()
    # A page past the end shows the last one.
    assert site_names(client.get(url, {"site_page": "99"})) == seen[20:]
    assert site_names(client.get(url, {"site_page": "x"})) == seen[:10]


def test_it_shows_the_sites_nearest_the_patient_first(client, jinan):
    trial = make_trial(30)
    response = client.get(trial.get_absolute_url(), {"site_near": "济南"})
    names = site_names(response)
    assert all(name.startswith("Jinan") for name in names[:6])
    assert names[6].startswith("Hangzhou")
    text = page_text(response)
    assert "less than 1 km away" in text and "by distance from Jinan, CN, nearest first" in text
    assert "about 0 km" not in text
    assert 'href="?site_near=%E6%B5%8E%E5%8D%97&amp;site_page=2#sites"' in response.content.decode()


def test_it_filters_the_sites_by_country(client):
    trial = make_trial(30)
    response = client.get(trial.get_absolute_url(), {"site_country": "Canada"})
    assert site_names(response) == [f"Toronto Cancer Center {n:03d}" for n in range(2, 30, 5)]
    assert "Showing sites 1–6 of 6" in page_text(response)
    html = response.content.decode()
    assert '<option value="Canada" selected>Canada (6)</option>' in html
    # An unknown country shows them all.
    assert len(site_names(client.get(trial.get_absolute_url(), {"site_country": "Mars"}))) == 10


def test_it_says_when_it_cannot_find_the_place(client):
    trial = make_trial(12)
    text = page_text(client.get(trial.get_absolute_url(), {"site_near": "Atlantis"}))
    assert "We could not find “Atlantis” on our map. Try a nearby city." in text


def test_recruiting_sites_come_before_closed_ones(client):
    trial = make_trial(12)
    trial.sites.filter(facility__startswith="Boston").update(status=RecruitmentStatus.COMPLETED)
    names = site_names(client.get(trial.get_absolute_url()))
    assert [name.split()[0] for name in names].count("Boston") == 1
    assert names[-1].startswith("Boston")


def test_every_recruiting_site_links_to_the_contact_form_with_it_chosen(client):
    trial = make_trial(40)
    last = trial.sites.order_by("pk").last()
    pages = [client.get(trial.get_absolute_url(), {"site_page": n}) for n in (1, 2, 3, 4)]
    html = "".join(page.content.decode() for page in pages)
    assert html.count(f'href="/trials/{trial.nct_id}/contact/?site=') == 40
    assert f'href="/trials/{trial.nct_id}/contact/?site={last.pk}"' in html
    contact = client.get(f"/trials/{trial.nct_id}/contact/", {"site": last.pk}).content.decode()
    # Beyond the sites the list offers, the one asked for is there, chosen.
    assert re.search(rf'<option value="{last.pk}" selected>', contact)


def test_a_short_list_of_sites_needs_no_filter(client):
    trial = make_trial(3)
    response = client.get(trial.get_absolute_url())
    assert len(site_names(response)) == 3
    assert 'name="site_near"' not in response.content.decode()


def test_the_way_to_contact_the_study_is_on_every_screen(client):
    trial = make_trial(30)
    html = client.get(trial.get_absolute_url()).content.decode()
    # On a phone a bar at the bottom of the screen; on a wide screen the
    # contact card stays beside the text (both in site.css).
    assert (
        '<p class="contact-bar d-lg-none"><a class="btn btn-primary w-100" href="#contact">' in html
    )
    assert '<div class="contact-column">' in html


def test_a_result_card_names_a_few_of_many_cities(client):
    trial = TrialFactory(nct_id="NCT05000700", brief_title="Radiotherapy everywhere")
    for n in range(40):
        SiteFactory(trial=trial, city=f"City {n:02d}")
    text = page_text(client.get("/trials/", {"q": "radiotherapy"}))
    assert "Where City 00, City 01, City 02, City 03, City 04 and 35 more cities" in text
    assert "City 05" not in text


def test_a_result_card_lists_its_cities_in_the_page_language_primary_contact_first(client):
    trial = TrialFactory(nct_id="NCT05000701", brief_title="Radiotherapy in two cities")
    SiteFactory(trial=trial, city="Ningbo", translations={"zh-hans": {"facility": "宁波医院"}})
    SiteFactory(trial=trial, city="Hangzhou", translations={"zh-hans": {"city": "杭州"}})
    SiteFactory(trial=trial, city="Hangzhou")  # the same city, listed once
    SiteFactory(trial=trial, city="Jinan", is_primary_contact=True)
    english = page_text(client.get("/trials/", {"q": "radiotherapy"}))
    assert "Where Jinan, Ningbo, Hangzhou" in english
    chinese = page_text(client.get("/zh-hans/trials/", {"q": "radiotherapy"}))
    # Staff named Hangzhou in Chinese at one of its sites; the gazetteer
    # names the others (data/places), so Hangzhou is listed once.
    assert "地点 济南、宁波、杭州 NCT05000701" in chinese


def test_result_cards_cost_the_same_queries_however_many_sites_they_have(client):
    def queries() -> int:
        VOCABULARY.understood.clear()  # understood afresh, as by a new process
        ESTIMATES.clear()
        with CaptureQueriesContext(connection) as context:
            client.get("/trials/", {"q": "radiotherapy", "place": ""})
        return len(context.captured_queries)

    trial = TrialFactory(nct_id="NCT05000702", brief_title="Radiotherapy study")
    SiteFactory(trial=trial)
    few = queries()
    for n in range(30):
        SiteFactory(trial=TrialFactory(brief_title=f"Radiotherapy study {n}"), city=f"City {n}")
        SiteFactory(trial=trial, city=f"Town {n}")
    assert queries() == few


@pytest.mark.parametrize(
    ("accept_language", "first_city"),
    [("zh-CN,zh;q=0.9,en;q=0.8", "Hangzhou"), ("en-CA", "Toronto"), ("en", "Toronto")],
)
def test_sites_in_the_patients_country_come_first(client, accept_language, first_city):
    trial = make_trial(30)
    trial.sites.filter(is_primary_contact=True).update(is_primary_contact=False)
    # A Chinese browser is sent to the Chinese page on its first visit: follow it.
    page = client.get(trial.get_absolute_url(), HTTP_ACCEPT_LANGUAGE=accept_language, follow=True)
    names = site_names(page)
    # Without a country in the language, by country name: Canada comes first.
    assert names[0].startswith(first_city)
    if first_city == "Hangzhou":
        assert {name.split()[0] for name in names} == {"Hangzhou", "Jinan"}
