"""Pages as patients see them on a phone and a laptop, in Debian's Chromium:
results on the first screen, form fields that can be seen, a menu that opens
without JavaScript, errors that take the focus and lead to their fields, and
no text a patient must read below 16px."""

import pytest
from playwright.sync_api import expect

from tests.factories import ConditionFactory, SiteFactory, TrialFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
LAPTOP = {"viewport": {"width": 1366, "height": 900}}

# The border colour of every visible form control against what is behind it
# (WCAG 2.1 1.4.11 asks 3:1 for the parts of a control needed to find it).
CONTROL_CONTRASTS = """
() => {
  const channel = (c) => {
    c /= 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  };
  const luminance = ([r, g, b]) => 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b);
  const rgba = (text) => text.match(/[\\d.]+/g).map(Number);
  const background = (element) => {
    for (let node = element.parentElement; node; node = node.parentElement) {
      const colour = rgba(getComputedStyle(node).backgroundColor);
      if (colour.length < 4 || colour[3] > 0) return colour.slice(0, 3);
    }
    return [255, 255, 255];
  };
  const controls = document.querySelectorAll(
    "input:not([type=hidden]):not([type=submit]), select, textarea"
  );
  return [...controls]
    .filter((control) => control.getClientRects().length && !control.closest("[aria-hidden=true]"))
    .map((control) => {
      const style = getComputedStyle(control);
      const border = rgba(style.borderTopColor).slice(0, 3);
      const behind = background(control);
      const [light, dark] = [luminance(border), luminance(behind)].sort((a, b) => b - a);
      return {
        field: control.id || control.name,
        width: parseFloat(style.borderTopWidth),
        ratio: Math.round(((light + 0.05) / (dark + 0.05)) * 100) / 100,
      };
    });
}
"""

# Visible text smaller than 16px, with where it is.
SMALL_TEXT = """
() => {
  const small = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const element = node.parentElement;
    if (!node.textContent.trim() || !element.getClientRects().length) continue;
    if (element.closest(".visually-hidden, .visually-hidden-focusable, [aria-hidden=true]")) {
      continue;
    }
    const size = parseFloat(getComputedStyle(element).fontSize);
    const words = node.textContent.trim().slice(0, 40);
    if (size < 16) small.push(`${size}px ${element.tagName}.${element.className}: ${words}`);
  }
  return small;
}
"""


@pytest.fixture
def trial():
    trial = TrialFactory(
        nct_id="NCT06760221",
        brief_title="Preoperative SBRT for Soft Tissue Sarcoma",
        conditions=[ConditionFactory(name="Soft Tissue Sarcoma")],
        eligibility_criteria=(
            "Inclusion Criteria:\n\n  1. Adequate organ function:\n"
            "    1. Blood counts:\n      1. Hemoglobin ≥ 90g/L;\n  2. Aged 18 or older\n\n"
            "Exclusion Criteria:\n\n  1. Pregnant"
        ),
    )
    SiteFactory(trial=trial, facility="Second Affiliated Hospital", is_primary_contact=True)
    SiteFactory(trial=trial, facility="Shandong Cancer Hospital", city="Jinan")
    return trial


@pytest.mark.parametrize("query", ["cancer", "sarcoma"])
def test_the_first_result_is_on_a_phones_first_screen(live_server, new_page, query):
    for number in range(6):
        TrialFactory(brief_title=f"Radiotherapy for {query} patients, study {number}")
    page = new_page(**PHONE)
    page.goto(f"{live_server.url}/trials/?q={query}")
    heading = page.locator("#results .trial-card h3").first
    expect(heading).to_contain_text(query)
    box = heading.bounding_box()
    assert box is not None and box["y"] + box["height"] <= 844, box

    # The filters are one tap away, and the count says how many are on.
    page.goto(f"{live_server.url}/trials/?q={query}&status=all&age=50")
    jump = page.locator(".filters-jump a")
    expect(jump).to_have_text("Filters 2 active")
    jump.click()
    expect(page.locator("#id_age")).to_be_in_viewport()


def test_the_filters_sit_beside_the_results_on_a_laptop(live_server, new_page):
    TrialFactory(brief_title="Radiotherapy for cancer")
    page = new_page(**LAPTOP)
    page.goto(f"{live_server.url}/trials/?q=cancer")
    filters = page.locator("#filters").bounding_box()
    results = page.locator("#results").bounding_box()
    assert filters["x"] < results["x"] and abs(filters["y"] - results["y"]) < 80
    expect(page.locator(".filters-jump")).to_be_hidden()


@pytest.mark.parametrize("screen", [PHONE, LAPTOP], ids=["phone", "laptop"])
def test_every_form_control_border_has_3_to_1_contrast(live_server, new_page, trial, screen):
    page = new_page(**screen)
    checked = 0
    for path in (
        "/",
        "/trials/?q=sarcoma",
        "/trials/NCT06760221/",
        "/trials/NCT06760221/contact/",
        "/notifications/",
    ):
        page.goto(live_server.url + path)
        controls = page.evaluate(CONTROL_CONTRASTS)
        assert controls, path
        weak = [c for c in controls if c["ratio"] < 3 or c["width"] < 1]
        assert weak == [], (path, weak)
        checked += len(controls)
    assert checked > 20


def test_the_mobile_menu_opens_without_javascript(live_server, new_page):
    page = new_page(java_script_enabled=False, **PHONE)
    page.goto(live_server.url + "/")
    faq = page.locator(".site-menu").get_by_role("link", name="FAQ")
    expect(faq).to_be_hidden()
    expect(page.locator(".site-nav-links")).to_be_hidden()
    page.get_by_text("Menu", exact=True).click()
    expect(faq).to_be_visible()
    faq.click()
    expect(page).to_have_url(live_server.url + "/faq/")


def test_the_laptop_menu_is_always_open(live_server, new_page):
    page = new_page(java_script_enabled=False, **LAPTOP)
    page.goto(live_server.url + "/")
    expect(page.locator(".site-nav-links").get_by_role("link", name="FAQ")).to_be_visible()
    expect(page.locator(".site-menu")).to_be_hidden()


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_after_a_failed_submit_the_summary_has_focus_and_links_to_the_fields(
    live_server, new_page, trial, javascript
):
    page = new_page(java_script_enabled=javascript, **PHONE)
    page.goto(f"{live_server.url}/trials/NCT06760221/contact/")
    # Values the browser accepts and the server does not.
    page.fill("#contact-first_name", "123")
    page.fill("#contact-last_name", "Wang")
    page.fill("#contact-email", "wang@example.com")
    page.fill("#contact-phone", "12")
    page.check("#contact-consent")
    page.check("#contact-health_consent")
    page.get_by_role("button", name="Send message").click()

    summary = page.locator("#error-summary")
    expect(summary).to_be_focused()
    expect(summary).to_be_in_viewport()
    links = summary.get_by_role("link")
    expect(links).to_have_count(2)
    links.first.click()
    expect(page.locator("#contact-first_name")).to_be_focused()
    links.nth(1).click()
    expect(page.locator("#contact-phone")).to_be_focused()


@pytest.mark.parametrize("screen", [PHONE, LAPTOP], ids=["phone", "laptop"])
def test_nothing_a_patient_must_read_is_below_16px(live_server, new_page, trial, screen):
    page = new_page(**screen)
    for path in ("/", "/trials/?q=sarcoma", "/trials/NCT06760221/", "/faq/"):
        page.goto(live_server.url + path)
        assert page.evaluate(SMALL_TEXT) == [], path


def test_nested_criteria_are_numbered_one_a_i(live_server, new_page, trial):
    page = new_page(**LAPTOP)
    page.goto(f"{live_server.url}/trials/NCT06760221/")
    markers = page.evaluate(
        """() => [...document.querySelectorAll('#eligibility-title ~ ol li')].map(
            (li) => getComputedStyle(li).listStyleType)"""
    )
    assert markers[:3] == ["decimal", "lower-alpha", "lower-roman"]


@pytest.mark.parametrize("screen", [PHONE, LAPTOP], ids=["phone", "laptop"])
def test_the_way_to_contact_the_study_stays_on_screen_among_many_sites(
    live_server, new_page, trial, screen
):
    for number in range(40):
        SiteFactory(trial=trial, facility=f"Example Cancer Center {number}")
    page = new_page(**screen)
    page.goto(f"{live_server.url}/trials/NCT06760221/")
    page.locator("#sites nav").scroll_into_view_if_needed()
    if screen is PHONE:
        bar = page.locator(".contact-bar a")
        expect(bar).to_be_in_viewport()
        bar.click()
        expect(page.locator("#contact-first_name")).to_be_in_viewport()
    else:
        # The contact card stays beside the text (sticky): here, at the foot
        # of the column, its end with the button to send.
        expect(page.get_by_role("button", name="Send message")).to_be_in_viewport()
    height = page.evaluate("document.documentElement.scrollHeight")
    assert height < (9000 if screen is PHONE else 6000), height
