"""The referral chain on real-shaped registry records: every message reaches
someone who can act on it, the patient is told who, and the operators'
mailbox never receives a patient's message."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from django.core import mail
from django.urls import reverse

from tests.page_text import page_text
from trials.forms import ContactForm
from trials.importers import import_studies
from trials.models import Inquiry, OutgoingEmail, Site, Trial
from trials.recipients import message_route, site_recipients

pytestmark = pytest.mark.django_db

REGISTRY = Path(__file__).resolve().parent / "fixtures" / "registry"
OPERATORS = "operators@example.org"
SEED_CONFIRMATION = (
    "We have submitted the contact information you provided to the research team at "
    "{site}. A copy of the message has been sent to your email for your records."
)
# Where patients are, near each fixture site (fixture coordinates).
HANGZHOU = ("30.29", "120.16")
JINAN = ("36.67", "117.0")
SHANGHAI = ("31.22", "121.46")
BOSTON = ("42.36", "-71.06")


@pytest.fixture(autouse=True)
def operators_mailbox(settings):
    settings.INQUIRY_FALLBACK_EMAIL = OPERATORS


@pytest.fixture
def registry():
    records = [
        json.loads(path.read_text())
        for path in sorted(REGISTRY.glob("*.json"))
        if path.name != "seven_hundred_sites.json"
    ]
    data = json.dumps({"studies": records}).encode()
    summary = import_studies(sources=[("registry.json", io.BytesIO(data))])
    assert not summary.errors


def send(client, nct_id: str, where: tuple[str, str], **changes):
    data = {
        "first_name": "Ana",
        "last_name": "Example",
        "email": "ana.patient@example.com",
        "phone": "+1 202 555 0147",
        "location": "",
        "lat": where[0],
        "lon": where[1],
        "site": "",
        "message": "I would like to take part.",
        "consent": "on",
        "health_consent": "on",
        "website": "",
        "contact_method": "either",
        "contact_time": "",
        **changes,
    }
    return client.post(reverse("trials:contact", args=[nct_id]), data)


def no_operator_mail() -> None:
    assert not OutgoingEmail.objects.filter(to=OPERATORS).exists()
    assert all(OPERATORS not in message.to for message in mail.outbox)


def test_a_site_without_an_address_reaches_the_central_contact(
    client, registry, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = send(client, "NCT09100001", HANGZHOU)
    assert response.status_code == 302
    inquiry = Inquiry.objects.get()
    assert inquiry.site.city == "Hangzhou"
    assert inquiry.recipient_addresses == ["central.sarcoma@example.org"]
    assert inquiry.recipient_reason == Inquiry.RecipientReason.CENTRAL_CONTACT
    site_mail = next(m for m in mail.outbox if m.to == ["central.sarcoma@example.org"])
    for body in (site_mail.body, site_mail.alternatives[0][0]):
        assert "This message is for the study team at Example University Hospital Hangzhou" in body
        assert "please pass the patient" in body
    copy = next(m for m in mail.outbox if m.to == ["ana.patient@example.com"])
    for body in (copy.body, copy.alternatives[0][0]):
        assert (
            "the sponsor’s central contact for this trial, who passes it to the research "
            "team at Example University Hospital Hangzhou" in body
        )
    text = page_text(client.get(response["Location"]))
    assert (
        "We have submitted the contact information you provided to the sponsor’s central "
        "contact for this trial, who passes it to the research team at Example University "
        "Hospital Hangzhou." in text
    )
    assert "A copy of the message has been sent to your email for your records." in text
    no_operator_mail()


def test_a_site_with_its_own_address_reaches_it_and_the_seed_sentence_stays(
    client, registry, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = send(client, "NCT09100001", JINAN)
    inquiry = Inquiry.objects.get()
    assert inquiry.recipient_addresses == ["wei.jinan@example.org"]
    assert inquiry.recipient_reason == Inquiry.RecipientReason.SITE_CONTACT
    assert sorted(m.to[0] for m in mail.outbox) == [
        "ana.patient@example.com",
        "wei.jinan@example.org",
    ]
    text = page_text(client.get(response["Location"]))
    assert SEED_CONFIRMATION.format(site="Example Cancer Hospital Jinan") in text
    no_operator_mail()


def test_the_backup_contact_receives_when_the_central_contact_has_no_address(
    client, registry, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        send(client, "NCT09100003", BOSTON)
    inquiry = Inquiry.objects.get()
    assert inquiry.recipient_addresses == ["ana.backup@example.org"]
    assert inquiry.recipient_reason == Inquiry.RecipientReason.BACKUP_CONTACT
    no_operator_mail()


def test_a_central_contact_only_trial_says_so_before_sending(client, registry):
    text = page_text(client.get(reverse("trials:contact", args=["NCT09100002"])))
    assert (
        "Your message goes to the sponsor’s central contact for this trial, who passes it "
        "to the study center." in text
    )
    text = page_text(client.get(reverse("trials:contact", args=["NCT09100001"])))
    assert "otherwise to the sponsor’s central contact" in text


def test_a_trial_with_neither_shows_the_phone_route_and_no_form(client, registry):
    for url in (
        reverse("trials:detail", args=["NCT09100004"]),
        reverse("trials:contact", args=["NCT09100004"]),
    ):
        response = client.get(url)
        text = page_text(response)
        assert 'id="contact-form"' not in response.content.decode()
        assert "The registry lists no email address for this trial" in text
        assert "+86 531 5550 0131" in text  # the site's number
        assert "+86 10 5550 0130 ext. 12" in text  # the central contact's, with its extension
        assert "I am calling about the clinical trial NCT09100004" in text
    printable = client.get(reverse("trials:contact_print", args=["NCT09100004"]))
    text = page_text(printable)
    assert printable.status_code == 200
    assert "NCT09100004" in text and "+86 10 5550 0130 ext. 12" in text
    assert "Jun Example, Example Capital Hospital" in text


def test_a_post_with_no_route_stores_nothing_and_says_whom_to_call(client, registry):
    response = send(client, "NCT09100004", JINAN)
    assert response.status_code == 200
    text = page_text(response)
    assert "lists no email address in the registry" in text
    assert "+86 531 5550 0131" in text
    assert not Inquiry.objects.exists() and not OutgoingEmail.objects.exists()
    no_operator_mail()


def test_the_form_checks_the_input_and_the_referral_chain_decides_where_it_goes(registry):
    trial = Trial.objects.get(nct_id="NCT09100004")
    data = {
        "first_name": "Ana",
        "last_name": "Example",
        "email": "ana.patient@example.com",
        "lat": JINAN[0],
        "lon": JINAN[1],
        "consent": "on",
        "contact_method": "either",
    }
    form = ContactForm(data, trial=trial)
    assert form.is_valid()  # the input alone says nothing about who receives it
    route, recipients = message_route(
        trial=trial, origin=form.cleaned_data["origin"], chosen=form.cleaned_data["chosen_site"]
    )
    assert (route.site.city, recipients.electronic) == ("Jinan", False)
    form.check_route((route, recipients))
    assert not form.is_valid()
    assert "lists no email address in the registry" in " ".join(form.non_field_errors())


def test_a_trial_without_any_contact_says_what_to_do(client, registry):
    text = page_text(client.get(reverse("trials:contact", args=["NCT09100005"])))
    assert "The registry lists no phone number either" in text
    assert "NCT09100005" in text


def test_a_phone_only_patient_is_reached_and_told_no_copy_was_emailed(
    client, registry, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = send(
            client,
            "NCT09100001",
            JINAN,
            email="",
            contact_method="phone",
            contact_time="weekday mornings",
        )
    assert response.status_code == 302
    inquiry = Inquiry.objects.get()
    assert inquiry.email == "" and inquiry.contact_method == "phone"
    assert [m.to for m in mail.outbox] == [["wei.jinan@example.org"]]
    message = mail.outbox[0]
    for body in (message.body, message.alternatives[0][0]):
        assert "They gave no email address: please call them." in body
        assert "weekday mornings" in body
    text = page_text(client.get(response["Location"]))
    assert "No copy was emailed to you" in text
    assert "A copy of the message has been sent to your email" not in text


def test_a_patient_with_neither_email_nor_phone_gets_a_clear_message(client, registry):
    response = send(client, "NCT09100001", JINAN, email="", phone="")
    assert response.status_code == 200
    assert "Please give a phone number or an email address" in page_text(response)
    assert not Inquiry.objects.exists()


def test_the_rule_reads_team_addresses_first(registry, monkeypatch):
    site = Site.objects.get(trial__nct_id="NCT09100001", city="Hangzhou")
    trial = Trial.objects.get(nct_id="NCT09100001")
    monkeypatch.setattr("trials.teams.team_addresses", lambda site: ["team@example.org"])
    recipients = site_recipients(site=site, trial=trial)
    assert recipients.addresses == ("team@example.org",)
    assert recipients.reason == Inquiry.RecipientReason.STUDY_TEAM


def test_a_site_not_taking_messages_is_passed_over_for_the_next_nearest(
    client, registry, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr("trials.teams.taking_messages", lambda site: site.city != "Jinan")
    with django_capture_on_commit_callbacks(execute=True):
        send(client, "NCT09100001", JINAN)
    inquiry = Inquiry.objects.get()
    assert inquiry.site.city == "Hangzhou"  # the next nearest to Jinan
    no_operator_mail()


def test_a_patient_who_chose_a_site_not_taking_messages_is_told_where_it_went(
    client, registry, django_capture_on_commit_callbacks
):
    # A real study team holding the Jinan site says "not taking messages now".
    from django.contrib.auth.models import User

    from trials.models import Site, SiteMembership, TeamSettings

    jinan = Site.objects.get(trial__nct_id="NCT09100001", city="Jinan")
    user = User.objects.create(username="jinan-team", email="team@hospital.example.org")
    SiteMembership.objects.create(user=user, site=jinan, status=SiteMembership.Status.CONFIRMED)
    TeamSettings.objects.create(site=jinan, taking_messages=False)
    with django_capture_on_commit_callbacks(execute=True):
        response = send(client, "NCT09100001", JINAN, site=str(jinan.pk))
    inquiry = Inquiry.objects.get()
    assert inquiry.site != jinan
    text = page_text(client.get(response["Location"]))
    assert (
        f"The study team at {jinan.facility} is not taking messages just now, so your "
        "message went to this study center instead." in text
    )


def test_the_admin_shows_where_a_message_went_and_why(
    admin_client, client, registry, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        send(client, "NCT09100001", HANGZHOU)
    inquiry = Inquiry.objects.get()
    text = page_text(admin_client.get(reverse("admin:trials_inquiry_change", args=[inquiry.pk])))
    assert "central.sarcoma@example.org" in text
    assert "The trial’s central contact in the registry" in text or (
        "The trial's central contact in the registry" in text
    )


def test_on_a_seven_hundred_site_trial_each_site_reaches_its_team_or_the_central_contact(
    client, django_capture_on_commit_callbacks
):
    data = (REGISTRY / "seven_hundred_sites.json").read_bytes()
    assert not import_studies(sources=[("many.json", io.BytesIO(data))]).errors
    text = page_text(client.get(reverse("trials:contact", args=["NCT09100006"])))
    assert "if the registry lists its address; otherwise to the sponsor’s central contact" in text
    with django_capture_on_commit_callbacks(execute=True):
        # Standing at site 000 (its own address), then at site 001 (none).
        send(client, "NCT09100006", ("29.01871", "120.80714"))
        send(client, "NCT09100006", ("36.00657", "115.78898"), first_name="Bo")
    first, second = Inquiry.objects.order_by("pk")
    assert (first.site.facility, first.recipient_addresses) == (
        "Example Research Site 000",
        ["site000@example.org"],
    )
    assert (second.site.facility, second.recipient_addresses) == (
        "Example Research Site 001",
        ["large.trial@example.org"],
    )
    assert second.recipient_reason == Inquiry.RecipientReason.CENTRAL_CONTACT
    no_operator_mail()


def test_a_study_team_account_opens_a_trial_the_registry_left_without_an_address(
    client, registry, monkeypatch
):
    monkeypatch.setattr(
        "trials.teams.team_addresses",
        lambda site: ["team@example.org"] if site.trial.nct_id == "NCT09100004" else [],
    )
    response = client.get(reverse("trials:contact", args=["NCT09100004"]))
    assert 'id="contact-form"' in response.content.decode()
    assert "Your message goes to the study team at Example Capital Hospital." in page_text(response)
