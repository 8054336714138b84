"""After sending: the confirmation names the trial, says what happens next and
when, what to do if nobody answers, and offers the sign-up with the email
just entered. And after a failed post: a summary that links to the fields."""

import datetime
import re

import pytest
from django.utils import timezone

from tests.factories import InquiryFactory
from tests.page_text import page_text

# The contact tests' trial, places and post helper: fixtures used as arguments.
from tests.test_contact_form import CONFIRMATION, places, post, trial  # noqa: F401

# ruff: noqa: F811

pytestmark = pytest.mark.django_db


def sent_page(client, trial, **overrides):
    response = post(client, trial, **overrides)
    assert response.status_code == 302
    return client.get(response["Location"])


def test_it_names_the_trial_and_keeps_the_sentence_of_record(client, trial, places):
    text = page_text(sent_page(client, trial))
    assert CONFIRMATION.format(site="Second Affiliated Hospital, Zhejiang University") in text
    assert "Your message is about the trial Preoperative SBRT for Sarcoma (NCT06760221)." in text


def test_it_says_what_happens_next_and_what_to_do_if_nobody_answers(client, trial, places):
    text = page_text(sent_page(client, trial))
    assert "What happens next" in text
    assert "The study team reads your message and contacts you by phone or email." in text
    # No answered message yet at this site: no number we could stand behind.
    assert "Most study teams answer within a few working days." in text
    assert "If nobody has answered within 3 working days, we send a reminder." in text
    assert (
        "If there is still no answer 3 working days later, we pass your message to the "
        "sponsor’s central contact for this trial." in text
    )
    assert (
        "If nobody has contacted you within 7 days, write to us at privacy@example.org "
        "and we will follow it up, or send your message to another study center of this trial."
    ) in text
    assert "Write to another study center" in text


def test_it_tells_how_long_this_site_usually_takes_to_answer(client, trial, places):
    site = trial.sites.get(city="Hangzhou")
    now = timezone.now()
    for hours in (20, 25, 30, 40, 70):
        inquiry = InquiryFactory(site=site, trial=trial)
        type(inquiry).objects.filter(pk=inquiry.pk).update(
            created_at=now - datetime.timedelta(days=10),
            first_response_at=now - datetime.timedelta(days=10) + datetime.timedelta(hours=hours),
        )
    assert site.median_response_hours() == pytest.approx(30)
    text = page_text(sent_page(client, trial))
    assert "This study center usually answers within about 2 days." in text


def test_a_quick_site_is_counted_in_hours(client, trial, places):
    site = trial.sites.get(city="Hangzhou")
    for _ in range(5):
        inquiry = InquiryFactory(site=site, trial=trial)
        type(inquiry).objects.filter(pk=inquiry.pk).update(
            first_response_at=inquiry.created_at + datetime.timedelta(hours=5)
        )
    text = page_text(sent_page(client, trial))
    assert "This study center usually answers within about 5 hours." in text


def test_no_usual_answer_time_is_claimed_from_fewer_than_five_answers(client, trial, places):
    site = trial.sites.get(city="Hangzhou")
    for _ in range(4):
        inquiry = InquiryFactory(site=site, trial=trial)
        type(inquiry).objects.filter(pk=inquiry.pk).update(
            first_response_at=inquiry.created_at + datetime.timedelta(hours=5)
        )
    assert site.median_response_hours() is None
    text = page_text(sent_page(client, trial))
    assert "usually answers within" not in text


def test_the_sign_up_it_offers_carries_the_email_just_entered(client, trial, places):
    html = sent_page(client, trial).content.decode()
    assert re.search(
        r'<input [^>]*name="email" id="notify-email"[^>]* value="wang@example.com"', html
    )
    assert (
        "Would you like to be notified about other trials? Sign up for Patient Notification "
        "Services." in page_text(sent_page(client, trial, message="again"))
    )


def test_a_failed_post_focuses_a_summary_that_links_to_each_field(client, trial):
    response = post(client, trial, email="not-an-address", consent=None, first_name="123")
    assert response.status_code == 200
    html = response.content.decode()
    summary = re.search(r'<div class="alert alert-danger error-summary"[^>]*>.*?</div>', html, re.S)
    assert summary is not None
    opening = summary.group(0).split(">")[0]
    assert "autofocus" in opening and 'tabindex="-1"' in opening and 'role="alert"' in opening
    links = re.findall(r'<a href="#([^"]+)">([^<]+)</a>', summary.group(0))
    assert [target for target, _ in links] == [
        "contact-first_name",
        "contact-email",
        "contact-consent",
    ]
    for target, _ in links:
        assert f'id="{target}"' in html
    assert links[1][1] == "Email: Enter a valid email address."
