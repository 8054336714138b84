"""Whose hits a limit counts: one client address behind our proxies, one
mailbox however its address is tagged."""

import json

import pytest
from django.test import Client, RequestFactory
from django.urls import reverse

from tests.factories import SiteFactory, TrialFactory
from tests.page_text import page_text
from trials.models import Inquiry, OutgoingEmail
from trials.ratelimit import client_ip, mailbox_key

pytestmark = pytest.mark.django_db

PROXY = "10.0.0.2"


@pytest.fixture
def behind_proxy(settings):
    settings.BEHIND_PROXY = True
    settings.TRUSTED_PROXY_COUNT = 1
    return settings


def through_proxy(client_address: str) -> Client:
    """A browser at client_address, reaching us through our reverse proxy."""
    return Client(REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=client_address)


@pytest.fixture
def trial():
    trial = TrialFactory(description="Patients receive radiotherapy before surgery.")
    SiteFactory(trial=trial, is_primary_contact=True, contact_email="site@hospital.example")
    return trial


def shared_link(trial) -> dict:
    owner = Client()
    owner.post(
        reverse("trials:notes", args=[trial.nct_id]),
        json.dumps({"section": "description", "quote": "radio", "start": 29, "end": 34}),
        content_type="application/json",
    )
    data = owner.post(reverse("trials:notes_share", args=[trial.nct_id])).json()
    return {**data, "path": data["url"].removeprefix("http://testserver")}


@pytest.mark.parametrize(
    ("trusted", "forwarded", "expected"),
    [
        (1, "198.51.100.1", "198.51.100.1"),
        # A client that sends its own X-Forwarded-For only adds entries on the left.
        (1, "203.0.113.99, 198.51.100.1", "198.51.100.1"),
        (2, "203.0.113.99, 198.51.100.1, 10.0.0.3", "198.51.100.1"),
        # A proxy that overwrites the header leaves fewer entries than proxies.
        (2, "198.51.100.1", "198.51.100.1"),
    ],
)
def test_it_counts_the_trusted_number_of_proxies_from_the_right(
    behind_proxy, trusted, forwarded, expected
):
    behind_proxy.TRUSTED_PROXY_COUNT = trusted
    request = RequestFactory().get("/", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=forwarded)
    assert client_ip(request) == expected


def test_passcode_tries_behind_the_proxy_are_counted_per_client(behind_proxy, trial, monkeypatch):
    from trials import notes

    monkeypatch.setattr(notes, "PASSCODE_TRIES_PER_IP_PER_HOUR", 2)
    link = shared_link(trial)
    guesser = through_proxy("198.51.100.1")
    for _ in range(2):
        wrong = guesser.post(link["path"], {"passcode": "WRONG123"})
        assert wrong.status_code == 200
        assert "That passcode is not right." in page_text(wrong)
    refused = guesser.post(link["path"], {"passcode": "WRONG123"})
    assert refused.status_code == 429
    assert "Please wait a moment" in page_text(refused)
    # Another patient behind the same proxy gets their own tries.
    reader = through_proxy("198.51.100.2")
    opened = reader.post(link["path"], {"passcode": link["passcode"]}, follow=True)
    assert opened.redirect_chain[0][1] == 302
    assert "You are reading someone’s private notes on this trial." in page_text(opened)


def test_note_writes_behind_the_proxy_are_counted_per_client(behind_proxy, trial, monkeypatch):
    from trials import notes

    monkeypatch.setattr(notes, "NOTE_WRITES_PER_HOUR", 1)
    url = reverse("trials:notes", args=[trial.nct_id])
    body = json.dumps({"section": "description", "quote": "radio", "start": 29, "end": 34})
    writer = through_proxy("198.51.100.1")
    assert writer.post(url, body, content_type="application/json").status_code == 201
    refused = writer.post(url, body, content_type="application/json")
    assert refused.status_code == 429
    assert "Too many changes at once" in refused.json()["error"]
    other = through_proxy("198.51.100.2")
    assert other.post(url, body, content_type="application/json").status_code == 201


def test_no_view_reads_the_connection_address_itself():
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    readers = [
        str(path)
        for package in ("trials", "trialfinder")
        for path in (root / package).rglob("*.py")
        if "REMOTE_ADDR" in path.read_text() and path.name != "ratelimit.py"
    ]
    assert readers == []


@pytest.mark.parametrize(
    ("address", "mailbox"),
    [
        ("wang+1@example.org", "wang@example.org"),
        ("Wang+trials+2@EXAMPLE.org", "wang@example.org"),
        (" wang@Example.org ", "wang@example.org"),
        ("+only@example.org", "+only@example.org"),
    ],
)
def test_tagged_addresses_are_one_mailbox(address, mailbox):
    assert mailbox_key(address) == mailbox


def contact(client: Client, trial, email: str, number: int):
    return client.post(
        reverse("trials:contact", args=[trial.nct_id]),
        {
            "first_name": "Ming",
            "last_name": "Wang",
            "email": email,
            "phone": "+86 138 0013 8000",
            "message": f"Question {number}",
            "consent": "on",
            "health_consent": "on",
        },
    )


def test_plus_tags_do_not_lift_the_per_address_contact_limit(trial, settings):
    settings.INQUIRY_RATE_LIMIT_PER_EMAIL = 2
    statuses = [
        contact(Client(REMOTE_ADDR=f"192.0.2.{n}"), trial, f"Wang+{n}@Example.org", n).status_code
        for n in range(3)
    ]
    assert statuses == [302, 302, 429]
    assert Inquiry.objects.count() == 2


def test_plus_tags_do_not_lift_the_per_address_sign_up_limit(settings):
    settings.SUBSCRIPTION_EMAILS_PER_ADDRESS_PER_DAY = 2
    for n in range(4):
        Client(REMOTE_ADDR=f"192.0.2.{n}").post(
            reverse("trials:notify_signup"),
            {"email": f"ming+{n}@example.org", "interests": "sarcoma", "language": "en"},
        )
    confirmations = OutgoingEmail.objects.filter(kind=OutgoingEmail.Kind.SUBSCRIPTION_CONFIRM)
    assert confirmations.count() == 2
