"""Email addresses with control characters: refused at every form that takes
one, with a message, and never written into a header by the outbox.

Django's own validator accepts them inside a quoted local part, and a
vertical tab there became a raw line break inside To:."""

import pytest
from django.core import mail
from django.urls import reverse

from tests.factories import InquiryFactory, SiteFactory, SubscriptionFactory, TrialFactory
from tests.page_text import page_text
from trials import outbox
from trials.admin.sites import SiteForm
from trials.emails import inquiry_emails_create
from trials.models import Inquiry, OutgoingEmail, Subscription
from trials.subscriptions import MANAGE, subscription_path

pytestmark = pytest.mark.django_db

MESSAGE = (
    "Please type your email address again: it holds invisible characters that cannot be "
    "part of an address."
)
CONTROLS = [chr(code) for code in (*range(1, 32), 0x7F)]
BAD_ADDRESSES = [
    *(f'"a{c}b"@example.org' for c in CONTROLS),
    "ming\x01@example.org",
    "ming@exam\x1eple.org",
    '"a\u2028b"@example.org',
]


@pytest.fixture
def trial(settings):
    settings.INQUIRY_RATE_LIMIT_PER_IP = 0
    settings.INQUIRY_RATE_LIMIT_PER_EMAIL = 0
    trial = TrialFactory()
    SiteFactory(trial=trial, is_primary_contact=True)
    return trial


def contact_post(client, trial, email):
    data = {
        "first_name": "Ming",
        "last_name": "Wang",
        "email": email,
        "phone": "+86 138 0013 8000",
        "consent": "on",
        "health_consent": "on",
    }
    return client.post(reverse("trials:contact", args=[trial.nct_id]), data)


@pytest.mark.parametrize("email", BAD_ADDRESSES, ids=repr)
def test_the_contact_form_refuses_an_address_with_a_control_character(client, trial, email):
    response = contact_post(client, trial, email)

    assert response.status_code == 200
    text = page_text(response)
    assert MESSAGE in text or "Enter a valid email address." in text
    assert Inquiry.objects.count() == 0
    assert OutgoingEmail.objects.count() == 0


def test_it_says_why_a_quoted_address_with_a_vertical_tab_is_refused(client, trial):
    text = page_text(contact_post(client, trial, '"a\x0bb"@example.org'))
    assert MESSAGE in text
    assert "Enter a valid email address." not in text


UNUSUAL = (
    "Please use an ordinary address such as name@example.org: addresses with quotation "
    "marks or a server's number in brackets cannot be used."
)


@pytest.mark.parametrize(
    "email", ['"ming..wang"@example.org', '"ming"@example.org', "ming@[127.0.0.1]"], ids=repr
)
def test_quoted_addresses_and_domain_literals_are_refused_with_a_reason(client, trial, email):
    # "ming"@ would count apart from ming@ in the per-address limit; a
    # bracketed number mails a machine, not a mailbox at a domain.
    response = contact_post(client, trial, email)
    assert response.status_code == 200
    assert UNUSUAL in page_text(response)
    assert Inquiry.objects.count() == 0
    assert OutgoingEmail.objects.count() == 0


def test_the_sign_up_form_refuses_a_domain_literal(client):
    data = {"email": "ming@[127.0.0.1]", "interests": "sarcoma", "language": "en", "radius": "100"}
    response = client.post(reverse("trials:notify_signup"), data)
    assert response.status_code == 200
    assert UNUSUAL in page_text(response)
    assert Subscription.objects.count() == 0


@pytest.mark.parametrize("email", ['"a\x0bb"@example.org', "ming\x01@example.org"], ids=repr)
def test_the_sign_up_form_refuses_an_address_with_a_control_character(client, email):
    data = {"email": email, "interests": "sarcoma", "language": "en", "radius": "100"}

    response = client.post(reverse("trials:notify_signup"), data)

    assert response.status_code == 200
    assert MESSAGE in page_text(response)
    assert Subscription.objects.count() == 0
    assert OutgoingEmail.objects.count() == 0


@pytest.mark.parametrize("field", ["interests", "place"])
def test_preferences_refuse_control_characters(client, field):
    subscription = SubscriptionFactory(interests="sarcoma")
    data = {"interests": "sarcoma", "place": "", "language": "en", "radius": "100"}
    data[field] = "sar\x01coma"

    response = client.post(subscription_path(subscription, MANAGE), data)

    assert response.status_code == 200
    assert "Please keep this on one line." in page_text(response)
    subscription.refresh_from_db()
    assert subscription.interests == "sarcoma"
    assert subscription.place_text == ""


@pytest.mark.parametrize("to", ['"a\x0bb"@example.org', "a@example.org\u2028Bcc: x@example.org"])
def test_the_outbox_refuses_a_header_that_would_break_and_keeps_the_row(to):
    _site, copy = inquiry_emails_create(inquiry=InquiryFactory(email="ming@example.org"))
    OutgoingEmail.objects.filter(pk=copy.pk).update(to=to)

    assert outbox.email_deliver(email_id=copy.pk) is outbox.Outcome.FAILED

    copy.refresh_from_db()
    assert copy.status == OutgoingEmail.Status.FAILED
    assert copy.last_error == (
        "BadHeaderError: To holds a line break or control character; not sent"
    )
    assert mail.outbox == []


def test_the_outbox_refuses_a_subject_with_a_vertical_tab(settings):
    site_email, _copy = inquiry_emails_create(inquiry=InquiryFactory())
    OutgoingEmail.objects.filter(pk=site_email.pk).update(subject="New\x0bBcc: x@example.org")

    assert outbox.email_deliver(email_id=site_email.pk) is outbox.Outcome.FAILED
    site_email.refresh_from_db()
    assert "Subject holds a line break" in site_email.last_error
    assert mail.outbox == []


def test_staff_cannot_give_a_site_an_address_with_a_control_character():
    site = SiteFactory()
    data = {
        "facility": site.facility,
        "status": site.status,
        "country": "China",
        "contact_email": '"a\x0bb"@example.org',
    }

    form = SiteForm(data=data, instance=site)

    assert not form.is_valid()
    assert form.errors["contact_email"] == [MESSAGE]
    assert SiteForm(data={**data, "contact_email": "site@example.org"}, instance=site).is_valid()
