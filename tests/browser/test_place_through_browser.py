"""The place carried through, in Debian's Chromium on a phone: the way to
contact the study team is on the first screen whatever the title's length,
and a patient who searched near a city finds the nearest site first."""

import pytest
from playwright.sync_api import expect

from tests.factories import SiteFactory, TrialFactory, gazetteer_city

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
# Registry titles run to 300 characters, official titles to 600.
LONG_TITLE = ("Preoperative stereotactic body radiotherapy for soft tissue sarcoma " * 7)[:400]


@pytest.fixture
def long_trial():
    trial = TrialFactory(
        nct_id="NCT05000400",
        brief_title=LONG_TITLE,
        official_title=("A randomised phase III trial of " + LONG_TITLE)[:600],
    )
    SiteFactory(
        trial=trial,
        facility="Albany Example Hospital",
        city="Albany",
        state="New York",
        country="United States",
        latitude=42.65,
        longitude=-73.76,
        is_primary_contact=True,
    )
    SiteFactory(
        trial=trial,
        facility="Hangzhou Example Hospital",
        city="Hangzhou",
        country="China",
        contact_phone="+86 571 0000 0000",
    )
    gazetteer_city()
    return trial


@pytest.mark.parametrize("language", ["", "/zh-hans"], ids=["en", "zh"])
def test_the_contact_action_is_on_a_phones_first_screen_under_a_400_character_title(
    live_server, new_page, long_trial, language
):
    page = new_page(**PHONE)
    page.goto(f"{live_server.url}{language}/trials/NCT05000400/")
    action = page.locator(".trial-header a[href$='#contact']")
    expect(action).to_be_visible()
    box = action.bounding_box()
    assert box["y"] >= 0 and box["y"] + box["height"] <= 844, box
    print(f"contact action at y={box['y']:.0f}..{box['y'] + box['height']:.0f} of 844")
    # Every word of the title is still there to read.
    assert len(LONG_TITLE) == 400
    assert page.locator("h1").inner_text().strip() == LONG_TITLE.strip()
    action.click()
    expect(page.locator("#contact-first_name")).to_be_in_viewport()


def test_a_chinese_title_staff_wrote_keeps_the_contact_action_on_the_first_screen(
    live_server, new_page, long_trial
):
    long_trial.translations = {"zh-hans": {"brief_title": "软组织肉瘤术前立体定向放疗" * 6}}
    long_trial.save()
    page = new_page(**PHONE)
    page.goto(f"{live_server.url}/zh-hans/trials/NCT05000400/")
    action = page.locator(".trial-header a[href$='#contact']")
    box = action.bounding_box()
    assert box["y"] >= 0 and box["y"] + box["height"] <= 844, box
    # The registry's English title follows, for the study team's words.
    expect(page.locator(".trial-registry-title")).to_contain_text(LONG_TITLE.strip()[:60])


def test_a_search_near_a_city_opens_the_trial_with_the_nearest_site_first(
    live_server, new_page, long_trial
):
    page = new_page(**PHONE)
    page.goto(f"{live_server.url}/trials/?place=杭州&radius=1000")
    page.locator(".trial-card-link").first.click()
    expect(page).to_have_url(f"{live_server.url}/trials/NCT05000400/?place=%E6%9D%AD%E5%B7%9E")
    first = page.locator("#sites .site-item").first
    expect(first).to_contain_text("Hangzhou Example Hospital")
    expect(first).to_contain_text("km away")
    expect(first.locator("a[href^='tel:']")).to_have_text("+86 571 0000 0000")
    expect(page.locator(".primary-contact")).to_contain_text(
        "The recruiting study center nearest to Hangzhou, CN"
    )
    assert page.errors == []
