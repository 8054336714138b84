"""A message nobody answers: a reminder after working days, then the trial's
central contact and a word to the patient, each once, through the outbox."""

from __future__ import annotations

import datetime
import io
import json
from pathlib import Path

import pytest
from django.core import mail
from django.urls import reverse

from trials.followup import inquiry_escalations_send, inquiry_reminders_send, working_days_before
from trials.importers import import_studies
from trials.models import Inquiry, OutgoingEmail

pytestmark = pytest.mark.django_db

REGISTRY = Path(__file__).resolve().parent / "fixtures" / "registry"
OPERATORS = "operators@example.org"
UTC = datetime.UTC
MONDAY = datetime.datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
Kind = OutgoingEmail.Kind


def at(day: datetime.datetime, days: int, hour: int = 10) -> datetime.datetime:
    return (day + datetime.timedelta(days=days)).replace(hour=hour)


@pytest.fixture(autouse=True)
def _settings(settings):
    settings.INQUIRY_FALLBACK_EMAIL = OPERATORS
    settings.INQUIRY_REMINDER_DAYS = 3
    settings.INQUIRY_ESCALATION_DAYS = 3


@pytest.fixture
def registry():
    records = [json.loads((REGISTRY / "central_and_backup.json").read_text())]
    data = json.dumps({"studies": records}).encode()
    assert not import_studies(sources=[("r.json", io.BytesIO(data))]).errors


def sent_on(client, capture, *, where, created, language="en", **changes) -> Inquiry:
    prefix = "" if language == "en" else f"/{language}"
    data = {
        "first_name": "Ana",
        "last_name": "Example",
        "email": "ana.patient@example.com",
        "phone": "+1 202 555 0147",
        "lat": where[0],
        "lon": where[1],
        "consent": "on",
        "health_consent": "on",
        "contact_method": "either",
        **changes,
    }
    with capture(execute=True):
        response = client.post(prefix + reverse("trials:contact", args=["NCT09100001"]), data)
    assert response.status_code == 302
    inquiry = Inquiry.objects.latest("pk")
    Inquiry.objects.filter(pk=inquiry.pk).update(created_at=created)
    mail.outbox.clear()
    return inquiry


def run(capture, step, now) -> list[int]:
    with capture(execute=True):
        return step(now=now)


def test_working_days_skip_the_weekend():
    wednesday = datetime.datetime(2026, 12, 9, 10, 0, tzinfo=UTC)
    assert working_days_before(wednesday, 3) == datetime.datetime(2026, 12, 4, 10, 0, tzinfo=UTC)
    monday = datetime.datetime(2026, 12, 14, 10, 0, tzinfo=UTC)
    assert working_days_before(monday, 1) == datetime.datetime(2026, 12, 11, 10, 0, tzinfo=UTC)


def test_a_silent_site_is_reminded_then_the_central_contact_and_the_patient_hear_once(
    client, registry, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    inquiry = sent_on(client, capture, where=("36.67", "117.0"), created=MONDAY)
    assert inquiry.recipient_reason == Inquiry.RecipientReason.SITE_CONTACT

    # Wednesday: two working days only.
    assert run(capture, inquiry_reminders_send, at(MONDAY, 2)) == []
    # Thursday: three working days; one reminder, to the site.
    assert len(run(capture, inquiry_reminders_send, at(MONDAY, 3))) == 1
    assert [m.to for m in mail.outbox] == [["wei.jinan@example.org"]]
    assert run(capture, inquiry_reminders_send, at(MONDAY, 4)) == []
    mail.outbox.clear()

    # Three working days after Thursday's reminder is next Tuesday, not Sunday.
    assert run(capture, inquiry_escalations_send, at(MONDAY, 6)) == []
    assert len(run(capture, inquiry_escalations_send, at(MONDAY, 8))) == 2
    by_to = {m.to[0]: m for m in mail.outbox}
    assert set(by_to) == {"central.sarcoma@example.org", "ana.patient@example.com"}
    central = by_to["central.sarcoma@example.org"]
    assert central.reply_to == ["ana.patient@example.com"]
    for body in (central.body, central.alternatives[0][0]):
        assert "The registry lists you as the trial's central contact" in body
        assert "Example Cancer Hospital Jinan" in body and "/inquiry/" in body
    patient = by_to["ana.patient@example.com"]
    for body in (patient.body, patient.alternatives[0][0]):
        assert "has not yet answered the message you sent" in body
        assert "passed your message to the sponsor’s central contact" in body
        assert "+86 531 5550 0102 ext. 8" in body  # the site's number
        assert "+1 555 0100 ext. 204" in body  # the central contact's
        assert "/inquiry/" not in body
    mail.outbox.clear()

    # Nothing twice.
    assert run(capture, inquiry_escalations_send, at(MONDAY, 9)) == []
    assert run(capture, inquiry_reminders_send, at(MONDAY, 9)) == []
    assert mail.outbox == []
    assert OutgoingEmail.objects.filter(inquiry=inquiry).count() == 5  # 2 + 1 + 2
    assert not OutgoingEmail.objects.filter(to=OPERATORS).exists()


def test_the_patient_is_told_in_their_language(
    client, registry, django_capture_on_commit_callbacks, compiled_catalogues
):
    capture = django_capture_on_commit_callbacks
    inquiry = sent_on(client, capture, where=("36.67", "117.0"), created=MONDAY, language="zh-hans")
    Inquiry.objects.filter(pk=inquiry.pk).update(reminder_sent_at=at(MONDAY, 3))
    run(capture, inquiry_escalations_send, at(MONDAY, 8))
    patient = next(m for m in mail.outbox if m.to == ["ana.patient@example.com"])
    assert "申办方的中心联系人" in patient.body
    central = next(m for m in mail.outbox if m.to == ["central.sarcoma@example.org"])
    assert "central contact" in central.body  # the sponsor reads the registry's language


def test_a_message_the_central_contact_had_is_not_sent_to_it_again(
    client, registry, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    inquiry = sent_on(client, capture, where=("30.29", "120.16"), created=MONDAY)
    assert inquiry.recipient_reason == Inquiry.RecipientReason.CENTRAL_CONTACT
    run(capture, inquiry_reminders_send, at(MONDAY, 3))
    assert [m.to for m in mail.outbox] == [["central.sarcoma@example.org"]]
    mail.outbox.clear()
    run(capture, inquiry_escalations_send, at(MONDAY, 8))
    assert [m.to for m in mail.outbox] == [["ana.patient@example.com"]]
    assert "passed your message" not in mail.outbox[0].body
    assert "+1 555 0100 ext. 204" in mail.outbox[0].body


def test_an_answered_message_and_a_phone_only_patient(
    client, registry, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    answered = sent_on(client, capture, where=("36.67", "117.0"), created=MONDAY)
    Inquiry.objects.filter(pk=answered.pk).update(status=Inquiry.Status.CONTACTED)
    phone_only = sent_on(
        client,
        capture,
        where=("36.67", "117.0"),
        created=MONDAY,
        email="",
        first_name="Bo",
        contact_method="phone",
    )
    run(capture, inquiry_reminders_send, at(MONDAY, 3))
    run(capture, inquiry_escalations_send, at(MONDAY, 8))
    assert sorted(m.to[0] for m in mail.outbox) == [
        "central.sarcoma@example.org",
        "wei.jinan@example.org",
    ]
    assert not OutgoingEmail.objects.filter(inquiry=answered, kind=Kind.SITE_REMINDER).exists()
    assert (
        OutgoingEmail.objects.filter(inquiry=phone_only, kind=Kind.CENTRAL_ESCALATION).count() == 1
    )
