"""The results page in a real browser: with JavaScript, htmx swaps the results
as filters change and the address bar follows, so the search can be shared."""

import re

import pytest
from playwright.sync_api import expect

from tests.factories import TrialFactory

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
