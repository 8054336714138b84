"""The results page in a real browser: with JavaScript, htmx swaps the results
as filters change and the address bar follows, so the search can be shared."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import GEOLOCATION_NEAR_JINAN
from tests.factories import SiteFactory, TrialFactory
from trials.models import Place, PlaceName

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_it_updates_the_results_and_the_address_as_a_filter_changes(live_server, new_page):
    TrialFactory(brief_title="Radiotherapy for sarcoma, phase two", phases=["PHASE2"])
    TrialFactory(brief_title="Surgery for sarcoma", phases=["NA"])
    page = new_page()
    page.goto(live_server.url + "/trials/")
    expect(page.locator("#results-title")).to_have_text("2 trials")
    # A full page load would forget this; an htmx swap keeps it.
    page.evaluate("window.sameDocument = true")

    page.locator("#id_phase").select_option("PHASE2")

    expect(page.locator("#results-title")).to_have_text("1 trial")
    expect(page.locator("#results")).to_contain_text("Radiotherapy for sarcoma, phase two")
    expect(page.locator("#results")).not_to_contain_text("Surgery for sarcoma")
    expect(page).to_have_url(re.compile(r"[?&]phase=PHASE2(&|$)"))
    assert page.evaluate("window.sameDocument") is True
    assert page.errors == []

    # The address opens the same results in a fresh browser, without htmx.
    shared = new_page()
    shared.goto(page.url)
    expect(shared.locator("#results-title")).to_have_text("1 trial")
    expect(shared.locator("#id_phase")).to_have_value("PHASE2")


def test_it_searches_near_the_browsers_location_when_allowed(live_server, new_page):
    near = TrialFactory(brief_title="Radiotherapy in Jinan")
    SiteFactory(trial=near, city="Jinan", latitude=36.68, longitude=117.06)
    far = TrialFactory(brief_title="Radiotherapy in Hangzhou")
    SiteFactory(trial=far, city="Hangzhou", latitude=30.26, longitude=120.17)
    page = new_page(**GEOLOCATION_NEAR_JINAN)
    page.goto(live_server.url + "/trials/")
    page.get_by_role("button", name="Use my location").click()
    expect(page.locator("#results-title")).to_contain_text("1 trial within 100 km")
    expect(page.locator("#results")).to_contain_text("Radiotherapy in Jinan")
    expect(page).to_have_url(re.compile(r"lat=36\.65"))
    assert page.errors == []


def test_it_suggests_places_on_the_notification_sign_up(live_server, new_page):
    place = Place.objects.create(
        geoname_id=1805753, name="Jinan", country_code="CN", latitude=36.67, longitude=116.99
    )
    for name in ("Jinan", "济南"):
        PlaceName.objects.create(place=place, name=name, key=name.casefold())
    page = new_page()
    page.goto(live_server.url + "/notifications/")
    page.get_by_label("Near (city or town, optional)").press_sequentially("济")
    option = page.locator("#notify-place-suggestions option").first
    option.wait_for(state="attached")
    assert option.get_attribute("value") == "Jinan, CN"
    assert page.errors == []
