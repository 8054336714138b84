"""Forgetting contact details after the retention period, keeping the counts."""

import datetime
import json

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from tests.factories import InquiryFactory, SiteFactory, SubscriptionFactory
from trials import anonymise
from trials.coordinator import inquiry_status_set
from trials.emails import inquiry_emails_create
from trials.models import Inquiry, OutgoingEmail, ShareLink, Subscription
from trials.notes import share_create
from trials.subscriptions import CONFIRM, subscription_request, subscription_url

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


def test_it_blanks_the_study_teams_notes_but_keeps_the_history(settings):
    old = received_days_ago(400)
    recent = received_days_ago(10)
    for inquiry in (old, recent):
        inquiry_status_set(inquiry_id=inquiry.pk, status="contacted", note="Called 王小明 back")
    anonymise.inquiries_anonymise(older_than_days=365)
    change = old.status_changes.get()
    assert change.note == "" and change.status == "contacted"
    assert recent.status_changes.get().note == "Called 王小明 back"


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


def test_it_leaves_no_address_or_name_in_a_delivery_error():
    inquiry = received_days_ago(5, first_name="Ottoline", email="ottoline@example.com")
    inquiry.emails.filter(kind=OutgoingEmail.Kind.PATIENT_COPY).update(
        status=OutgoingEmail.Status.FAILED,
        last_error="SMTPRecipientsRefused: {'Ottoline@Example.com': (550, b'5.1.1 Ottoline "
        "<other.alias@example.com> unknown')}",
    )
    call_command("anonymise_inquiries", "--days", "1")
    error = inquiry.emails.get(kind=OutgoingEmail.Kind.PATIENT_COPY).last_error
    assert "550" in error and "unknown" in error
    assert "@" not in error and "ottoline" not in error.casefold()


def test_it_leaves_no_phone_number_however_a_server_wrote_it():
    inquiry = received_days_ago(5, first_name="Xiaoming", phone="+86 138 0013 8000")
    inquiry.emails.filter(kind=OutgoingEmail.Kind.SITE_INQUIRY).update(
        status=OutgoingEmail.Status.FAILED,
        last_error="SMTPDataError: 554 content rejected: 13800138000 / 138-0013-8000",
    )
    call_command("anonymise_inquiries", "--days", "1")
    error = inquiry.emails.get(kind=OutgoingEmail.Kind.SITE_INQUIRY).last_error
    assert "554 content rejected" in error
    assert "138" not in error and "8000" not in error


# Sign-ups never confirmed ----------------------------------------------------------------


def signed_up_days_ago(days: int, email: str) -> Subscription:
    with_link_sent = timezone.now() - datetime.timedelta(days=days)
    subscription = SubscriptionFactory(
        email=email, status="pending", confirmed_at=None, confirmation_sent_at=with_link_sent
    )
    Subscription.objects.filter(pk=subscription.pk).update(created_at=with_link_sent)
    OutgoingEmail.objects.create(
        kind=OutgoingEmail.Kind.SUBSCRIPTION_CONFIRM,
        subscription=subscription,
        to=email,
        subject="Please confirm",
        body_text="…",
        message_id=f"<confirm-{subscription.pk}@example.org>",
    )
    return subscription


def test_it_deletes_sign_ups_whose_confirmation_link_expired_unused(client, settings):
    settings.SUBSCRIPTION_CONFIRM_MAX_AGE_DAYS = 7
    stale = signed_up_days_ago(8, "stale@example.com")
    link = subscription_url(stale, CONFIRM).removeprefix(settings.SITE_URL)
    fresh = signed_up_days_ago(2, "fresh@example.com")
    confirmed = SubscriptionFactory(email="confirmed@example.com")
    Subscription.objects.filter(pk=confirmed.pk).update(
        created_at=timezone.now() - datetime.timedelta(days=30)
    )

    assert anonymise.subscriptions_unconfirmed_delete_task() == 1

    addresses = set(Subscription.objects.values_list("email", flat=True))
    assert addresses == {"fresh@example.com", "confirmed@example.com"}
    assert not OutgoingEmail.objects.filter(to="stale@example.com").exists()
    assert OutgoingEmail.objects.filter(subscription=fresh).exists()
    # The old link says it no longer works, as it did before the row went.
    assert client.get(link).status_code in (400, 404, 410)


def test_a_renewed_sign_up_is_kept(settings):
    settings.SUBSCRIPTION_CONFIRM_MAX_AGE_DAYS = 7
    signed_up_days_ago(20, "again@example.com")
    subscription_request(email="again@example.com", interests="sarcoma")
    assert anonymise.subscriptions_unconfirmed_delete_task() == 0
    assert Subscription.objects.filter(email="again@example.com").exists()


# Share links -------------------------------------------------------------------------------


def test_it_deletes_share_links_that_expired_or_were_withdrawn(client):
    site = SiteFactory()
    expired, _code = share_create(owner_key="1" * 64, trial=site.trial)
    revoked, _code = share_create(owner_key="2" * 64, trial=site.trial)
    active, _code = share_create(owner_key="3" * 64, trial=site.trial)
    ShareLink.objects.filter(pk=expired.pk).update(expires_at=timezone.now())
    ShareLink.objects.filter(pk=revoked.pk).update(revoked_at=timezone.now())

    assert anonymise.share_links_expired_delete_task() == 2

    assert list(ShareLink.objects.values_list("pk", flat=True)) == [active.pk]
    response = client.get(reverse("trials:shared_notes", args=[expired.token]))
    assert response.status_code == 404


# Sessions ----------------------------------------------------------------------------------


def session_texts() -> list[str]:
    return [json.dumps(s.get_decoded(), ensure_ascii=False) for s in Session.objects.all()]


def test_sessions_hold_no_contact_details_and_anonymising_leaves_none(
    client, django_capture_on_commit_callbacks
):
    site = SiteFactory(is_primary_contact=True)
    patient = {
        "first_name": "Ottoline",
        "last_name": "Fairweather",
        "email": "ottoline@example.com",
        "phone": "138 0013 8000",
        "preferred_language": "en",
        "location": "",
        "message": "Parking?",
        "consent": "on",
        "health_consent": "on",
        "notify_other_trials": "on",
    }
    with django_capture_on_commit_callbacks(execute=True):
        sent = client.post(reverse("trials:contact", args=[site.trial.nct_id]), patient)
    assert sent.status_code == 302
    signup = client.get(reverse("trials:notify_signup")).content.decode()
    assert 'value="ottoline@example.com"' in signup  # read from the inquiry, not the session
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("trials:notify_signup"),
            {"email": "ottoline@example.com", "interests": "sarcoma", "language": "en"},
        )

    # Before and after the "check your email" page, which still shows the address.
    for text in session_texts():
        for secret in ("Ottoline", "Fairweather", "ottoline@example.com", "13800138000", "Parking"):
            assert secret not in text
    assert "ottoline@example.com" in client.get(reverse("trials:notify_sent")).content.decode()
    assert not [text for text in session_texts() if "ottoline" in text.casefold()]

    call_command("anonymise_inquiries", "--days", "0")
    signup = client.get(reverse("trials:notify_signup")).content.decode()
    assert "ottoline@example.com" not in signup


def test_it_deletes_expired_sessions_on_schedule():
    for expires_in_days in (-1, -30, 3):
        session = SessionStore()
        session["prescreen:1"] = {"age": "45"}
        session.create()
        Session.objects.filter(session_key=session.session_key).update(
            expire_date=timezone.now() + datetime.timedelta(days=expires_in_days)
        )

    assert anonymise.sessions_expired_delete_task() == 2
    assert Session.objects.count() == 1


def test_no_session_outlives_the_retention_period():
    from django.conf import settings

    assert settings.SESSION_COOKIE_AGE <= settings.INQUIRY_RETENTION_DAYS * 24 * 3600


def test_beat_runs_every_cleanup_daily(settings):
    schedule = {
        entry["task"]: entry["schedule"] for entry in settings.CELERY_BEAT_SCHEDULE.values()
    }
    for task in (
        "inquiries_anonymise",
        "subscriptions_unconfirmed_delete",
        "share_links_expired_delete",
        "sessions_expired_delete",
    ):
        assert schedule[f"trials.anonymise.{task}_task"] == 86400


def test_it_deletes_study_teams_spent_links_and_stale_claims():
    from tests.factories import SiteFactory
    from trials.models import SiteClaim, TeamLink

    site = SiteFactory()
    now = timezone.now()

    def link(token: str, **fields) -> TeamLink:
        return TeamLink.objects.create(
            purpose=TeamLink.Purpose.SIGN_IN,
            token_hash=token,
            email="coordinator@hospital.example",
            expires_at=fields.pop("expires_at", now + datetime.timedelta(minutes=15)),
            **fields,
        )

    live = link("a" * 64)
    link("b" * 64, expires_at=now - datetime.timedelta(days=2))
    link("c" * 64, used_at=now - datetime.timedelta(days=2))
    old_claim = SiteClaim.objects.create(site=site, email="someone@hospital.example")
    SiteClaim.objects.filter(pk=old_claim.pk).update(created_at=now - datetime.timedelta(days=400))
    recent = SiteClaim.objects.create(site=site, email="other@hospital.example")

    assert anonymise.team_links_expired_delete() == 3
    assert list(TeamLink.objects.all()) == [live]
    assert list(SiteClaim.objects.all()) == [recent]
