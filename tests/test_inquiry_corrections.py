"""A patient who corrects their phone or place and sends the same message
again: one inquiry with the corrected details, and the site is told."""

import datetime
import threading

import pytest
from django.core import mail
from django.db import connection
from django.test import Client
from django.utils import timezone

from tests import test_contact_form
from tests.page_text import page_text
from trials.models import Inquiry, OutgoingEmail

pytestmark = pytest.mark.django_db

HANGZHOU = "hangzhou@hospital.example"

# The contact form's trial (two sites: Hangzhou and Jinan), gazetteer and post.
trial = test_contact_form.trial
places = test_contact_form.places
post = test_contact_form.post


def site_emails(kind=OutgoingEmail.Kind.SITE_CORRECTION):
    return OutgoingEmail.objects.filter(kind=kind)


def test_a_corrected_phone_updates_the_inquiry_and_the_site_gets_it(
    client,
    trial,
    places,
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        post(client, trial, phone="138 0013 8000")
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = post(client, trial, phone="139 0013 9000")
    assert "We have submitted the contact information" in page_text(
        client.get(response["Location"])
    )

    inquiry = Inquiry.objects.get()
    assert inquiry.phone == "+8613900139000"
    correction = site_emails().get()
    assert (correction.to, correction.reply_to) == (HANGZHOU, "wang@example.com")
    assert correction.subject == "Corrected details for an inquiry about NCT06760221"
    # One email to the site; the patient already has their copy.
    [sent] = mail.outbox
    assert sent.to == [HANGZHOU]
    html = sent.alternatives[0][0]
    for body in (sent.body, html):
        assert "+8613900139000" in body
        assert "+8613800138000" not in body
        assert "phone number" in body
        assert "has sent their message again with corrected details" in body
    assert correction.message_id != site_emails(OutgoingEmail.Kind.SITE_INQUIRY).get().message_id


def test_the_same_message_sent_unchanged_sends_nothing_more(client, trial):
    post(client, trial)
    post(client, trial)
    assert Inquiry.objects.count() == 1
    assert OutgoingEmail.objects.count() == 2
    assert not site_emails().exists()


def test_a_corrected_place_near_the_same_site_updates_the_inquiry(
    client,
    trial,
    places,
):
    post(client, trial, location="")
    post(client, trial, location="杭州")
    inquiry = Inquiry.objects.get()
    assert inquiry.location_text == "杭州"
    assert inquiry.routing == Inquiry.Routing.NEAREST
    assert round(inquiry.distance_km) == 4
    assert "where the patient is" in site_emails().get().body_text


def test_a_corrected_place_near_another_site_is_a_new_inquiry_for_it(
    client,
    trial,
    places,
):
    post(client, trial, location="杭州")
    post(client, trial, location="济南")
    assert sorted(Inquiry.objects.values_list("site__city", flat=True)) == ["Hangzhou", "Jinan"]
    assert OutgoingEmail.objects.filter(kind=OutgoingEmail.Kind.SITE_INQUIRY).count() == 2
    assert not site_emails().exists()


def test_only_asking_to_hear_about_other_trials_does_not_email_the_site(
    client,
    trial,
):
    post(client, trial)
    post(client, trial, notify_other_trials="on")
    assert Inquiry.objects.get().notify_other_trials is True
    assert not site_emails().exists()


def test_after_the_dedupe_window_the_same_message_is_a_new_inquiry(
    client,
    trial,
    settings,
):
    post(client, trial)
    Inquiry.objects.update(
        created_at=timezone.now() - datetime.timedelta(seconds=settings.INQUIRY_DEDUPE_SECONDS + 1)
    )
    post(client, trial, phone="139 0013 9000")
    assert Inquiry.objects.count() == 2
    assert not site_emails().exists()


@pytest.mark.django_db(transaction=True)
def test_two_corrections_at_the_same_moment_make_one_inquiry(postgres, trial):
    post(Client(), trial, phone="138 0013 8000")
    barrier = threading.Barrier(2)
    statuses = []

    def send(phone: str) -> None:
        try:
            barrier.wait()
            statuses.append(post(Client(), trial, phone=phone).status_code)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=send, args=(phone,)) for phone in ("139 0013 9000", "137 0013 7000")
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses == [302, 302]
    inquiry = Inquiry.objects.get()
    assert inquiry.phone in {"+8613900139000", "+8613700137000"}
    # Each correction was applied after the other, and each told the site.
    corrections = site_emails().order_by("pk")
    assert corrections.count() == 2
    assert inquiry.phone in corrections.last().body_text
