"""Delivery errors keep the SMTP code and reason, never the recipient: in the
row staff read and in the worker's log."""

import logging
import smtplib

import pytest

from tests.factories import InquiryFactory
from tests.smtp_server import LoopbackSMTP
from trials import outbox
from trials.emails import inquiry_emails_create
from trials.models import OutgoingEmail
from trials.privacy import delivery_error, mask, redact

pytestmark = pytest.mark.django_db
PATIENT = "ottoline.refused@example.com"


@pytest.fixture
def refusing_smtp(settings):
    """A real SMTP server that refuses the patient at RCPT, quoting the address."""
    with LoopbackSMTP() as server:

        async def handle_RCPT(server_, session, envelope, address, rcpt_options):
            if address == PATIENT:
                return f"550 5.1.1 <{address}>: Recipient address rejected"
            envelope.rcpt_tos.append(address)
            return "250 OK"

        server.handler.handle_RCPT = handle_RCPT
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST = "127.0.0.1"
        settings.EMAIL_PORT = server.port
        settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
        settings.EMAIL_TIMEOUT = 5
        yield server


def test_a_refused_patient_address_is_in_neither_the_row_nor_the_log(refusing_smtp, caplog):
    inquiry = InquiryFactory(email=PATIENT)
    _site_email, copy = inquiry_emails_create(inquiry=inquiry)

    with caplog.at_level(logging.INFO, logger="trials.outbox"):
        assert outbox.email_deliver(email_id=copy.pk) is outbox.Outcome.FAILED

    copy.refresh_from_db()
    assert copy.status == OutgoingEmail.Status.FAILED
    assert "550" in copy.last_error and "Recipient address rejected" in copy.last_error
    assert "@" not in copy.last_error
    assert f"email {copy.pk} failed" in caplog.text
    assert PATIENT not in caplog.text and "ottoline" not in caplog.text


@pytest.mark.parametrize(
    "exc",
    [
        smtplib.SMTPRecipientsRefused({"a.b@example.com": (550, b"5.1.1 <a.b@example.com> no")}),
        smtplib.SMTPRecipientsRefused({"a.b@example.com": (451, b"greylisted")}),
        smtplib.SMTPDataError(554, b"5.7.1 Message from a.b@example.com rejected"),
        smtplib.SMTPSenderRefused(553, b"sender", "noreply@example.org"),
        ValueError("To: a.b@example.com"),
    ],
)
def test_a_delivery_error_names_no_address(exc):
    text = delivery_error(exc)
    assert "@" not in text and text.startswith(type(exc).__name__)
    if isinstance(exc, smtplib.SMTPRecipientsRefused | smtplib.SMTPResponseException):
        assert any(str(code) in text for code in (550, 451, 554, 553))


def test_redact_masks_every_value_whatever_its_case():
    text = "From Mei Lin <MEI.LIN@example.com>, mei.lin@example.com"
    assert (
        redact(text, ["Mei", "Lin", "Mei Lin", "mei.lin@example.com"]) == "From M••• <m•••>, m•••"
    )
    assert mask("") == "" and redact("", ["x"]) == ""
    # A column cut short still shows no part of an address.
    assert redact("550 <mei.lin@exa", ["mei.lin@example.com"]) == "550 <m•••"
