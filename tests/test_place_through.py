"""The place carried through: a patient who searched near a city (typed,
chosen from the suggestions, or the browser's location) opens a trial and
sees its sites nearest that place first with honest distances, every country
with its number of sites, each site's phone, the nearest recruiting site on
the contact card, and a site choice in the form that lists every recruiting
site, nearest first and grouped by country, narrowed without JavaScript."""

import re

import pytest
from django.core.cache import caches
from django.urls import reverse

from tests.factories import SiteFactory, TrialFactory
from tests.page_text import page_text
from trials.forms.contact import SITE_CHOICES_SHOWN
from trials.models import Inquiry, Place, PlaceName, RecruitmentStatus, Site

pytestmark = pytest.mark.django_db

LIST = reverse("trials:list")
# A 2,000-site record's trial page, whatever the place: see bench/README.md.
PAGE_LIMIT = 150_000

# (city, state, country, latitude, longitude)
CITIES = [
    ("Albany", "New York", "United States", 42.65, -73.76),
    ("Boston", "Massachusetts", "United States", 42.36, -71.06),
    ("Toronto", "Ontario", "Canada", 43.65, -79.38),
    ("Hangzhou", "Zhejiang", "China", 30.26, 120.17),
    ("Jinan", "Shandong", "China", 36.67, 117.0),
]


@pytest.fixture
def places():
    """The gazetteer's Hangzhou and Jinan, under their English and Chinese names."""
    for geoname_id, name, chinese, lat, lon, population in (
        (1808926, "Hangzhou", "杭州", 30.29365, 120.16142, 6241971),
        (1805753, "Jinan", "济南", 36.66833, 116.99722, 4335989),
    ):
        place = Place.objects.create(
            geoname_id=geoname_id,
            name=name,
            country_code="CN",
            latitude=lat,
            longitude=lon,
            population=population,
        )
        for spelling in (name, chinese):
            PlaceName.objects.create(place=place, name=spelling, key=spelling.casefold())


# Long facility names (most are shorter: "Research Site", "Mayo Clinic"), as a
# page's size is measured with them.
LONG_NAME = "{city} Comprehensive Cancer Center, Department of Oncology {n:04d}"


def make_trial(sites: int, nct_id: str = "NCT05000715", facility=LONG_NAME, **fields):
    """A recruiting trial whose first site (in Albany, NY) is the primary contact,
    as in a record where the sites of the US come first."""
    trial = TrialFactory(nct_id=nct_id, **fields)
    rows = []
    for n in range(sites):
        city, state, country, lat, lon = CITIES[n % len(CITIES)]
        rows.append(
            SiteFactory.build(
                trial=trial,
                facility=facility.format(city=city, n=n),
                city=city,
                state=state,
                country=country,
                latitude=lat,
                longitude=lon,
                contact_name="Site Public Contact",
                contact_email=f"site{n}@example.org",
                languages=[],
                is_primary_contact=n == 0,
            )
        )
    Site.objects.bulk_create(rows)
    return trial


def section(html: str, marker: str, end: str) -> str:
    start = html.index(marker)
    return html[start : html.index(end, start)]


def listed_sites(response) -> list[str]:
    """The facility names of the trial page's site list, in order."""
    html = section(response.content.decode(), 'id="sites"', "</section>")
    return re.findall(r'<p class="fw-semibold mb-1"(?: lang="[^"]*")?>([^<]+)</p>', html)


def site_choice(response) -> str:
    """The contact form's <select> of study centers."""
    return section(response.content.decode(), 'name="site"', "</select>")


def choice_groups(response) -> list[str]:
    return re.findall(r'<optgroup label="([^"]+)">', site_choice(response))


def choice_sites(response) -> list[str]:
    return re.findall(r'<option value="\d+"[^>]*>([^<]+)</option>', site_choice(response))


# Results link to the trial with the place


def test_result_links_carry_the_typed_place_to_the_trial(client, places):
    trial = make_trial(6)
    html = client.get(LIST, {"place": "济南", "radius": "1000"}).content.decode()
    assert f'href="{trial.get_absolute_url()}?place=%E6%B5%8E%E5%8D%97"' in html


def test_result_links_carry_the_browsers_location_to_about_a_kilometre(client, places):
    trial = make_trial(6)
    html = client.get(LIST, {"lat": "36.651234", "lon": "117.112345"}).content.decode()
    assert f'href="{trial.get_absolute_url()}?lat=36.65&amp;lon=117.11"' in html


def test_results_without_a_place_link_to_the_plain_trial_page(client):
    trial = make_trial(6)
    html = client.get(LIST).content.decode()
    assert f'href="{trial.get_absolute_url()}"' in html


# The trial page lists the nearest sites first, with their distances


def test_the_trial_page_lists_the_sites_nearest_the_searched_place_first(client, places):
    trial = make_trial(30)
    response = client.get(trial.get_absolute_url(), {"place": "济南"})
    names = listed_sites(response)
    assert [name.split()[0] for name in names] == ["Jinan"] * 6 + ["Hangzhou"] * 4
    text = page_text(response)
    assert "Showing sites 1–10 of 30 · by distance from Jinan, CN, nearest first" in text
    # 0.5 km is not "about 0 km"; Hangzhou is some 600 km away.
    assert "Jinan, Shandong, China · less than 1 km away" in text
    assert "about 0 km" not in text
    assert re.search(r"Hangzhou, Zhejiang, China · about \d{3} km away", text)
    # The next page keeps the place.
    assert 'href="?site_near=%E6%B5%8E%E5%8D%97&amp;site_page=2#sites"' in response.content.decode()


def test_the_browsers_location_orders_the_sites_too(client):
    trial = make_trial(30)
    response = client.get(trial.get_absolute_url(), {"lat": "43.7", "lon": "-79.4"})
    assert listed_sites(response)[0].startswith("Toronto")
    text = page_text(response)
    assert "by distance from your location, nearest first" in text
    assert "Toronto, Ontario, Canada · about 6 km away" in text
    assert 'href="?lat=43.70&amp;lon=-79.40&amp;site_page=2#sites"' in response.content.decode()


def test_after_the_nearest_every_country_is_listed_with_its_number_of_sites(client, places):
    trial = make_trial(30)
    response = client.get(trial.get_absolute_url(), {"place": "Jinan"})
    text = page_text(response)
    assert "All sites by country Canada (6) China (12) United States (12)" in text
    html = response.content.decode()
    # Each country a link that keeps the place.
    assert 'href="?site_near=Jinan&amp;site_country=Canada#sites"' in html


def test_in_chinese_a_site_under_a_kilometre_away_is_less_than_one(client, places):
    trial = make_trial(12)
    response = client.get(f"/zh-hans{trial.get_absolute_url()}", {"place": "济南"})
    text = page_text(response)
    assert "不到 1 公里" in text
    assert "约 0 公里" not in text
    assert "由近到远" in text
    assert "最近的在前" not in text


def test_a_place_that_cannot_be_found_is_said_plainly_and_the_sites_come_by_country(client, places):
    trial = make_trial(30)
    response = client.get(trial.get_absolute_url(), {"place": "Atlantis"})
    text = page_text(response)
    assert "We could not find “Atlantis” on our map. Try a nearby city." in text
    assert "So the sites are not in order of distance: choose your country below" in text
    assert "All sites by country Canada (6) China (12) United States (12)" in text
    assert "km away" not in text
    # The contact card says nothing of a nearest site it could not find.
    assert "The recruiting study center nearest to" not in text


# The contact card and the form


def test_the_contact_card_shows_the_recruiting_site_nearest_the_place(client, places):
    trial = make_trial(30)
    plain = page_text(client.get(trial.get_absolute_url()))
    assert "Primary Contact Albany Comprehensive Cancer Center" in plain
    text = page_text(client.get(trial.get_absolute_url(), {"place": "Jinan"}))
    card = text[text.index("Step 1") :]
    assert card.startswith(
        "Step 1 Get in touch with the nearest study center "
        "JC The recruiting study center nearest to Jinan, CN "
        "Jinan Comprehensive Cancer Center, Department of Oncology 0004 "
        "Jinan, Shandong, China"
    )
    # The registry's placeholder is no person's name.
    assert "Site Public Contact" not in card[: card.index("Send a message")]
    # The place fills in "Where are you?", so the message goes to the nearest site.
    assert re.search(
        r'name="location" value="Jinan"',
        client.get(trial.get_absolute_url(), {"place": "Jinan"}).content.decode(),
    )


def test_the_form_offers_every_recruiting_site_grouped_by_country(client):
    trial = make_trial(715, facility="{city} Cancer Center {n:04d}")
    Site.objects.filter(trial=trial, facility__endswith="0714").update(
        status=RecruitmentStatus.COMPLETED
    )
    # The form's own page lists every one (the trial page the nearest, and a link).
    trial_page = page_text(client.get(trial.get_absolute_url()))
    assert "Or see all 714 on the form's own page." in trial_page
    response = client.get(reverse("trials:contact", args=[trial.nct_id]))
    names = choice_sites(response)
    assert len(names) == 714 == len(set(names))
    assert "Hangzhou Cancer Center 0714 — Hangzhou, Zhejiang, China" not in names
    # The primary contact's country first, then the others by name.
    assert choice_groups(response) == ["United States", "Canada", "China"]
    assert names[0] == "Albany Cancer Center 0000 — Albany, New York, United States"
    # Every option sits in its country's group.
    select = site_choice(response)
    canada = section(select, '<optgroup label="Canada">', "</optgroup>")
    assert canada.count("<option") == 143 and "Toronto" in canada and "Boston" not in canada


def test_the_forms_site_choice_is_nearest_first_when_the_place_is_known(client, places):
    trial = make_trial(30)
    response = client.get(trial.get_absolute_url(), {"place": "杭州"})
    names = choice_sites(response)
    assert [name.split()[0] for name in names[:12]] == ["Hangzhou"] * 6 + ["Jinan"] * 6
    # Toronto is nearer Hangzhou than Albany and Boston are.
    assert choice_groups(response) == ["China", "Canada", "United States"]
    assert "in order of distance from you, nearest first" in page_text(response)


def test_the_site_choice_narrows_to_a_country_without_javascript(client, places):
    trial = make_trial(30)
    page = client.get(trial.get_absolute_url())
    html = page.content.decode()
    # A plain GET form beside the choice: a country (with its number of sites) or a city.
    narrow = section(html, '<details class="site-choice-narrow', "</details>")
    assert 'method="get"' in narrow and 'name="site_country"' in narrow
    assert "Canada (6)" in page_text(page)
    for url in (trial.get_absolute_url(), reverse("trials:contact", args=[trial.nct_id])):
        response = client.get(url, {"site_country": "Canada"})
        assert choice_groups(response) == ["Canada"]
        assert len(choice_sites(response)) == 6
        assert all("Toronto" in name for name in choice_sites(response))
        assert "The list of study centers below shows the 6 centers in Canada." in page_text(
            response
        )


def test_the_contact_page_orders_the_choice_by_the_place_in_its_address(client, places):
    trial = make_trial(30)
    url = reverse("trials:contact", args=[trial.nct_id])
    response = client.get(url, {"site_near": "Jinan"})
    assert choice_sites(response)[0].startswith("Jinan")
    assert re.search(r'name="location" value="Jinan"', response.content.decode())


def test_a_chosen_site_is_checked_against_the_trials_recruiting_sites(client):
    trial = make_trial(12)
    closed = trial.sites.get(facility__endswith="0003")
    closed.status = RecruitmentStatus.COMPLETED
    closed.save()
    other = make_trial(2, "NCT05000002").sites.first()
    url = reverse("trials:contact", args=[trial.nct_id])
    for site in (closed, other):
        response = client.post(
            url,
            {
                "first_name": "Ming",
                "last_name": "Wang",
                "email": "ming@example.org",
                "site": site.pk,
                "consent": "on",
            },
        )
        assert "Select a valid choice." in page_text(response)
    assert not Inquiry.objects.exists()


def test_a_2000_site_trials_page_stays_within_its_size_with_or_without_a_place(client, places):
    trial = make_trial(2000)
    plain = client.get(trial.get_absolute_url())
    near = client.get(trial.get_absolute_url(), {"place": "Jinan"})
    for response in (plain, near):
        assert len(response.content) <= PAGE_LIMIT, len(response.content)
    # The choice lists the nearest that fit and says how to reach the others.
    shown = len(choice_sites(near))
    assert 50 < shown <= SITE_CHOICES_SHOWN
    assert choice_sites(near)[0].startswith("Jinan")
    assert f"shows {shown} of 2000; choose a country above" in page_text(near)
    # A country's sites are one GET away; nearest first with a city.
    china = client.get(trial.get_absolute_url(), {"site_country": "China", "place": "Jinan"})
    assert len(china.content) <= PAGE_LIMIT
    assert choice_groups(china) == ["China"]
    assert f"shows {len(choice_sites(china))} of the 800 centers in China" in page_text(china)
    # A site the list leaves out is still chosen from its "Write to" link.
    last = trial.sites.order_by("pk").last()
    contact = client.get(reverse("trials:contact", args=[trial.nct_id]), {"site": last.pk})
    assert re.search(rf'<option value="{last.pk}"[^>]* selected', contact.content.decode())
    assert len(contact.content) <= PAGE_LIMIT
    # In Chinese (more bytes a character), last: the test client keeps the language.
    chinese = client.get(f"/zh-hans{trial.get_absolute_url()}", {"place": "济南"})
    assert len(chinese.content) <= PAGE_LIMIT, len(chinese.content)


# Each site's phone


def test_each_site_shows_its_phones_as_links_and_no_placeholder_as_a_name(client):
    trial = make_trial(3)
    site = trial.sites.get(facility__startswith="Albany")
    site.contacts = [
        {"name": "Site 007-556-A", "role": "CONTACT", "phone": "+1 555 0100", "phone_ext": "12"},
        {"name": "Wei Example", "role": "BACKUP", "phone": "+1 555 0101"},
    ]
    site.save()
    toronto = trial.sites.get(facility__startswith="Toronto")
    toronto.contact_phone = "+1 555 0199"
    toronto.save()
    response = client.get(trial.get_absolute_url())
    sites = section(response.content.decode(), 'id="sites"', "</section>")
    assert '<a href="tel:+15550100,12">+1 555 0100 ext. 12</a>' in sites
    assert '<a href="tel:+15550101">+1 555 0101</a> <span lang="en">(Wei Example)</span>' in sites
    assert '<a href="tel:+15550199">+1 555 0199</a>' in sites
    assert "Site 007-556-A" not in sites and "Site Public Contact" not in sites
    assert "Phone: +1 555 0100 ext. 12" in page_text(response)


# The cache at registry scale


def test_a_different_place_on_each_request_adds_nothing_to_the_page_cache(client, places):
    trial = make_trial(30)
    pages = caches["pages"]
    client.get(trial.get_absolute_url(), {"place": "Jinan"})
    kept = len(pages._cache)
    for query in (
        {"place": "杭州"},
        {"place": "Atlantis"},
        {"lat": "43.7", "lon": "-79.4"},
        {"lat": "43.71", "lon": "-79.41"},
        {"site_near": "Jinan", "site_country": "China"},
    ):
        assert client.get(trial.get_absolute_url(), query).status_code == 200
    assert len(pages._cache) == kept


# The contact action on a phone's first screen


def test_the_contact_action_comes_before_the_official_title(client):
    trial = make_trial(3, brief_title="A" * 400, official_title="An official title " * 30)
    html = client.get(trial.get_absolute_url()).content.decode()
    header = section(html, '<div class="trial-header', '<div class="container mt-4')
    assert header.index("Contact the study team") < header.index("trial-official-title")
    assert 'class="trial-title h2 fw-semibold mb-3 trial-title-long"' in header
