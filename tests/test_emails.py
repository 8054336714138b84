"""The inquiry emails: who gets what, in both bodies, and no header injection."""

import email

import pytest
from django.core import mail

from tests.factories import InquiryFactory
from trials.emails import email_queue, inquiry_emails_create, message_id_for
from trials.models import OutgoingEmail
from trials.outbox import email_deliver

pytestmark = pytest.mark.django_db


def send_all(emails):
    for row in emails:
        email_deliver(email_id=row.pk)
    return {m.to[0]: m for m in mail.outbox}


def test_it_writes_the_site_email_with_reply_to_the_patient():
    inquiry = InquiryFactory(
        site__facility="Zhejiang Cancer Hospital",
        site__contact_email="coordinator@hospital.example",
        email="wang@example.com",
        prescreen_answers=[
            {
                "question": "Are you 18 or older?",
                "answer": "Yes",
                "verdict": "meets",
                "criterion": "Aged 18 or older",
            }
        ],
    )
    site_email, patient_copy = inquiry_emails_create(inquiry=inquiry)
    assert site_email.kind == OutgoingEmail.Kind.SITE_INQUIRY
    assert patient_copy.kind == OutgoingEmail.Kind.PATIENT_COPY

    sent = send_all([site_email, patient_copy])
    message = sent["coordinator@hospital.example"]
    assert message.reply_to == ["wang@example.com"]
    assert message.extra_headers["Message-ID"] == site_email.message_id
    assert inquiry.trial.nct_id in message.subject
    html = message.alternatives[0][0]
    for body in (message.body, html):
        assert "王" in body and "小明" in body
        assert "wang@example.com" in body
        assert "+8613800138000" in body
        assert "Chinese (Simplified)" in body
        assert "3 km" in body
        assert "I would like to know more about this study." in body
        assert "Are you 18 or older?" in body
        assert "Aged 18 or older" in body
        assert "/inquiry/" in body
        assert inquiry.trial.brief_title in body
    assert "&" not in message.body.replace(" & ", "")  # the text body is not HTML-escaped


def test_it_sends_the_patient_a_copy_naming_the_site():
    inquiry = InquiryFactory(site__facility="Zhejiang Cancer Hospital", email="wang@example.com")
    sent = send_all(inquiry_emails_create(inquiry=inquiry))
    message = sent["wang@example.com"]
    assert message.reply_to == []
    html = message.alternatives[0][0]
    for body in (message.body, html):
        assert "research team at Zhejiang Cancer Hospital" in body
        assert "I would like to know more about this study." in body
        assert "/inquiry/" not in body  # the coordinator link is for the site only
    assert len(mail.outbox) == 2


def test_a_site_without_an_address_is_never_written_to_through_the_operators(settings):
    """The operators' mailbox is for their alerts; the message goes where the
    referral chain sent it (trials/recipients.py), here the central contact."""
    settings.INQUIRY_FALLBACK_EMAIL = "studies@operator.example"
    inquiry = InquiryFactory(
        site__contact_email="",
        site__facility="Example Hospital Hangzhou",
        recipient_addresses=["central@example.org"],
        recipient_reason="central_contact",
    )
    site_email, patient_copy = inquiry_emails_create(inquiry=inquiry)
    assert site_email.to == "central@example.org"
    assert "This message is for the study team at Example Hospital Hangzhou" in site_email.body_text
    assert "sponsor’s central contact for this trial" in patient_copy.body_text
    sent = send_all([site_email, patient_copy])
    assert "studies@operator.example" not in sent


def test_it_escapes_html_in_the_html_body():
    inquiry = InquiryFactory(message="<script>alert(1)</script>", first_name="<b>Bo</b>")
    site_email, _copy = inquiry_emails_create(inquiry=inquiry)
    assert "<script>" not in site_email.body_html
    assert "&lt;script&gt;" in site_email.body_html
    assert "<script>alert(1)</script>" in site_email.body_text


def test_it_keeps_user_input_out_of_the_headers():
    inquiry = InquiryFactory(
        first_name="Eve\r\nBcc: victim@example.com",
        last_name="X\nSubject: spam",
        email="eve@example.com",
    )
    site_email, patient_copy = inquiry_emails_create(inquiry=inquiry)
    assert "\n" not in site_email.subject and "\r" not in site_email.subject
    sent = send_all([site_email, patient_copy])
    for message in sent.values():
        parsed = email.message_from_string(message.message().as_string())
        assert parsed["Bcc"] is None
        assert parsed.get_all("Subject") == [parsed["Subject"]]
        assert "victim@example.com" not in (parsed["To"] + (parsed["Reply-To"] or ""))
        assert sorted(set(parsed.keys())) == sorted(parsed.keys())  # no header added twice
        assert message.bcc == []


def test_it_drops_a_reply_to_that_is_not_one_address():
    row = email_queue(
        kind=OutgoingEmail.Kind.SITE_INQUIRY,
        to="site@example.org",
        template="patient_copy",
        context={"inquiry": InquiryFactory(), "trial": None, "site": None},
        reply_to="a@example.com\r\nBcc: b@example.com",
        headers={"X-Evil\n": "v\r\nBcc: c@example.com"},
    )
    assert row.reply_to == ""
    assert row.headers == {"X-Evil": "v Bcc: c@example.com"}


def test_it_gives_each_email_a_message_id_no_other_email_has(settings):
    settings.EMAIL_MESSAGE_ID_DOMAIN = "mail.test"
    inquiry = InquiryFactory()
    site_email, patient_copy = inquiry_emails_create(inquiry=inquiry)
    assert site_email.message_id.startswith(f"<inquiry-{inquiry.pk}.site_inquiry.")
    assert patient_copy.message_id.startswith(f"<inquiry-{inquiry.pk}.patient_copy.")
    assert site_email.message_id.endswith("@mail.test>")
    # The same inquiry id and kind in another database (a restored backup, a
    # staging copy) must not make the same Message-ID.
    again = message_id_for(kind=OutgoingEmail.Kind.SITE_INQUIRY, inquiry=inquiry)
    assert again != site_email.message_id
    assert again.startswith(f"<inquiry-{inquiry.pk}.site_inquiry.")
