"""The pre-screen in a real browser: answer it (htmx swaps the box in place),
then write to the study team; the answers travel with the inquiry."""

import pytest

from tests.factories import PrescreenQuestionFactory, SiteFactory, TrialFactory
from trials.models import Inquiry

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ECOG = ["0 – fully active", "1 – light work only", "2 – up and about, no work"]


def test_it_answers_the_prescreen_then_contacts_the_study_team(live_server, new_page):
    trial = TrialFactory(brief_title="Radiotherapy before surgery")
    SiteFactory(trial=trial, is_primary_contact=True, facility="Zhejiang Cancer Hospital")
    PrescreenQuestionFactory(trial=trial, order=1)
    PrescreenQuestionFactory(
        trial=trial,
        order=2,
        text="Which describes your daily activity best?",
        kind="choice",
        qualifying_answer="",
        choices=ECOG,
        qualifying_choices=ECOG[:2],
        criterion="ECOG PS 0-1;",
        reason="This study is for people who are fully active or do light work.",
    )
    page = new_page()
    page.goto(live_server.url + trial.get_absolute_url())

    box = page.locator("#prescreen")
    box.get_by_text("Answer 3 short questions (optional)").click()
    box.get_by_label("How old are you?").fill("52")
    box.get_by_label("Yes", exact=True).check()
    box.get_by_label(ECOG[2]).check()
    box.get_by_role("button", name="Check my answers").click()

    page.get_by_text("You may not meet these criteria").wait_for()
    text = page.locator("#prescreen").inner_text()
    assert "People who are pregnant or breastfeeding cannot take part." in text
    assert "This study is for people who are fully active or do light work." in text
    assert "Only the study team can decide whether you can take part." in text
    # htmx replaced the box in place: no navigation happened.
    assert page.url == live_server.url + trial.get_absolute_url()

    page.locator("#contact-first_name").fill("Mei")
    page.locator("#contact-last_name").fill("Chen")
    page.locator("#contact-email").fill("mei@example.com")
    page.locator("#contact-phone").fill("+86 131 2345 6789")
    page.locator("#contact-consent").check()
    page.locator("#contact-health_consent").check()
    page.get_by_role("button", name="Send message").click()

    page.get_by_text("We have submitted the contact information you provided").wait_for()
    assert "Zhejiang Cancer Hospital" in page.locator("main").inner_text()
    answers = Inquiry.objects.get().prescreen_answers
    assert [(a["answer"], a["verdict"]) for a in answers] == [
        ("52 years", "met"),
        ("Yes", "not_met"),
        (ECOG[2], "not_met"),
    ]
    assert page.errors == []


def test_it_works_without_javascript(live_server, chromium):
    trial = TrialFactory()
    SiteFactory(trial=trial, is_primary_contact=True)
    PrescreenQuestionFactory(trial=trial)
    context = chromium.new_context(java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(live_server.url + trial.get_absolute_url())
        assert page.get_by_text("Private notes need JavaScript.").is_visible()
        page.get_by_text("Answer 2 short questions (optional)").click()
        page.locator("#prescreen").get_by_label("No", exact=True).check()
        page.get_by_role("button", name="Check my answers").click()
        page.get_by_text("You may be eligible").wait_for()
        assert "you left 1 question unanswered" in page.locator("#prescreen").inner_text()
        assert page.url.endswith(trial.get_absolute_url() + "#prescreen")
    finally:
        context.close()
