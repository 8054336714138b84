"""Forgetting contact details after the retention period, keeping the counts."""

import datetime

import pytest
from django.core.management import call_command
from django.utils import timezone

from tests.factories import InquiryFactory
from trials.emails import inquiry_emails_create
from trials.models import Inquiry, OutgoingEmail

pytestmark = pytest.mark.django_db


def received_days_ago(days: int, **kwargs) -> Inquiry:
    inquiry = InquiryFactory(**kwargs)
    inquiry_emails_create(inquiry=inquiry)
    Inquiry.objects.filter(pk=inquiry.pk).update(
        created_at=timezone.now() - datetime.timedelta(days=days)
    )
    inquiry.refresh_from_db()
    return inquiry


def test_it_blanks_contact_details_of_old_inquiries(settings, capsys):
    settings.INQUIRY_RETENTION_DAYS = 30
    old = received_days_ago(40, status="enrolled", email="old@example.com", message="Private")
    old.first_response_at = old.created_at + datetime.timedelta(hours=5)
    old.save()
    OutgoingEmail.objects.filter(inquiry=old).update(status=OutgoingEmail.Status.SENT)
    recent = received_days_ago(10, email="recent@example.com")

    call_command("anonymise_inquiries")
    assert "Anonymised 1 inquiries older than 30 days." in capsys.readouterr().out

    old.refresh_from_db()
    assert (old.first_name, old.last_name, old.email, old.phone, old.message) == ("",) * 5
    assert old.location_text == "" and old.latitude is None and old.prescreen_answers == []
    assert old.anonymised_at is not None
    # What the statistics need is still there.
    assert old.status == "enrolled" and old.first_response_at is not None
    assert old.site_id and old.trial_id and old.distance_km == 3.2

    emails = OutgoingEmail.objects.filter(inquiry=old)
    assert emails.count() == 2
    for email in emails:
        assert email.body_text == "" and email.body_html == "" and email.reply_to == ""
        assert "old@example.com" not in email.to and "Private" not in email.subject
        assert email.status == OutgoingEmail.Status.SENT

    recent.refresh_from_db()
    assert recent.email == "recent@example.com" and recent.anonymised_at is None
    assert OutgoingEmail.objects.get(inquiry=recent, kind="patient_copy").body_text


def test_it_takes_the_days_from_the_command_line_and_runs_twice_safely(capsys):
    received_days_ago(5)
    call_command("anonymise_inquiries", "--days", "3")
    call_command("anonymise_inquiries", "--days", "3")
    out = capsys.readouterr().out
    assert "Anonymised 1 inquiries" in out and "Anonymised 0 inquiries" in out
    assert Inquiry.objects.filter(anonymised_at__isnull=False).count() == 1


def test_it_never_sends_an_email_whose_content_was_removed():
    inquiry = received_days_ago(5)
    call_command("anonymise_inquiries", "--days", "1")
    statuses = set(OutgoingEmail.objects.filter(inquiry=inquiry).values_list("status", flat=True))
    assert statuses == {OutgoingEmail.Status.FAILED}
