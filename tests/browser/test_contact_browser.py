"""The contact form in a real browser: place suggestions as the patient types,
"use my location", and the language list following the chosen center."""

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import GEOLOCATION_NEAR_JINAN
from tests.factories import SiteFactory, TrialFactory, gazetteer_city
from trials.models import Inquiry

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def trial():
    trial = TrialFactory()
    SiteFactory(
        trial=trial,
        facility="Hangzhou Hospital",
        languages=["zh-hans", "en"],
        is_primary_contact=True,
    )
    SiteFactory(
        trial=trial,
        facility="Jinan Hospital",
        city="Jinan",
        latitude=36.6683,
        longitude=116.9972,
        languages=["zh-hans"],
    )
    gazetteer_city()
    return trial


def fill_contact_details(page) -> None:
    page.locator("#contact-first_name").fill("小明")
    page.locator("#contact-last_name").fill("王")
    page.locator("#contact-email").fill("wang@example.com")
    page.locator("#contact-phone").fill("138 0013 8000")
    page.locator("#contact-consent").check()
    page.locator("#contact-health_consent").check()


def test_it_suggests_places_and_sends_to_the_nearest_center(live_server, new_page, trial):
    page = new_page()
    page.goto(live_server.url + trial.get_absolute_url())
    page.locator("#contact-location").press_sequentially("杭")
    page.locator("#place-suggestions option").first.wait_for(state="attached")
    option = page.locator("#place-suggestions option").first
    assert option.get_attribute("value") == "Hangzhou, CN"

    page.locator("#contact-location").fill("Hangzhou, CN")
    fill_contact_details(page)
    page.get_by_role("button", name="Send message").click()
    page.get_by_text("We have submitted the contact information you provided").wait_for()
    assert "nearest to you, about 4 km away" in page.locator("main").inner_text()
    assert Inquiry.objects.get().site.facility == "Hangzhou Hospital"
    assert page.errors == []


def test_it_uses_the_browsers_location_when_allowed(live_server, new_page, trial):
    page = new_page(**GEOLOCATION_NEAR_JINAN)
    page.goto(live_server.url + trial.get_absolute_url())
    page.get_by_role("button", name="Use my location").click()
    expect(page.locator("#contact-lat")).not_to_have_value("")
    assert page.locator("#contact-location").input_value() == "My location"
    fill_contact_details(page)
    page.get_by_role("button", name="Send message").click()
    page.get_by_text("We have submitted the contact information you provided").wait_for()
    inquiry = Inquiry.objects.get()
    assert (inquiry.site.facility, inquiry.routing) == ("Jinan Hospital", "nearest")
    assert page.errors == []


def test_it_offers_only_the_languages_of_the_chosen_center(live_server, new_page, trial):
    page = new_page()
    page.goto(live_server.url + trial.get_absolute_url())
    language = page.locator("#contact-preferred_language")
    language.select_option("en")
    page.locator("#contact-site").select_option(str(trial.sites.get(city="Jinan").pk))
    assert language.input_value() == ""
    assert page.locator("#contact-preferred_language option[value='en']").is_disabled()
    assert page.errors == []
