"""Staff see how easy the English lay summary is to read while they type it."""

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import expect

from tests.factories import SiteFactory, TrialFactory
from trials.readability import flesch_reading_ease, reading_ease_verdict

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PLAIN = "Doctors test a short course of radiotherapy. It may help you. You go home the same day."


def test_the_readability_figure_follows_the_summary_as_staff_type(live_server, new_page):
    trial = TrialFactory(lay_summary="")
    SiteFactory(trial=trial)
    User.objects.create_superuser("editor", "editor@example.org", "editor-pw")
    page = new_page()
    page.goto(f"{live_server.url}/admin/login/?next=/admin/trials/trial/{trial.pk}/change/")
    page.fill("#id_username", "editor")
    page.fill("#id_password", "editor-pw")
    page.click("input[type=submit]")

    figure = page.locator("[data-readability-of]")
    expect(figure).to_have_text("Write the summary to see how easy it is to read.")
    page.fill("#id_lay_summary", PLAIN)

    score = flesch_reading_ease(PLAIN)
    expect(figure).to_have_text(f"Flesch reading ease {int(score)}: {reading_ease_verdict(score)}")
    page.fill("#id_lay_summary", "")
    expect(figure).to_have_text("Write the summary to see how easy it is to read.")
    # The admin links no favicon, so the browser's own /favicon.ico request
    # is a 404 in the console; any script error would be listed too.
    assert [error for error in page.errors if "Failed to load resource" not in error] == []
