"""Patient Notification Services: double opt-in, digests, unsubscribe, links, limits."""

from __future__ import annotations

import datetime
import re
import threading
import time

import pytest
from django.core import signing
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tests.factories import (
    ConditionFactory,
    InquiryFactory,
    SiteFactory,
    SubscriptionFactory,
    TrialFactory,
    gazetteer_city,
)
from tests.page_text import page_text
from trials.models import OutgoingEmail, Subscription, SubscriptionDelivery
from trials.subscriptions import (
    CONFIRM,
    MANAGE,
    UNSUBSCRIBE,
    one_click_unsubscribe_url,
    subscription_digest_send,
    subscription_from_token,
    subscription_url,
    subscriptions_digest_send,
)

pytestmark = pytest.mark.django_db

SITE_URL = "https://trials.example.org"
Kind = OutgoingEmail.Kind


@pytest.fixture(autouse=True)
def _site(settings):
    settings.SITE_URL = SITE_URL
    settings.SUBSCRIPTION_SIGNUPS_PER_IP_PER_HOUR = 10
    settings.SUBSCRIPTION_EMAILS_PER_ADDRESS_PER_DAY = 3


@pytest.fixture
def run(django_capture_on_commit_callbacks):
    """Run a callable and then what it queued for after the commit (eager Celery sends)."""

    def runner(action, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return action(*args, **kwargs)

    return runner


@pytest.fixture
def hangzhou():
    return gazetteer_city(latitude=30.29, longitude=120.16)


def new_trial(condition: str, *, listed_days_ago: float = 0, city=None, **fields):
    """A published recruiting trial listed (opened) that many days ago."""
    fields.setdefault("listed_at", timezone.now() - datetime.timedelta(days=listed_days_ago))
    trial = TrialFactory(conditions=[ConditionFactory(name=condition)], **fields)
    if city == "Beijing":
        SiteFactory(trial=trial, city="Beijing", latitude=39.9042, longitude=116.4074)
    elif city:
        SiteFactory(trial=trial, city=city)
    return trial


def signup_data(**overrides) -> dict:
    data = {"email": "ming@example.com", "interests": "sarcoma", "language": "en", "radius": "100"}
    return {**data, **overrides}


def post_signup(client, run, ip="10.0.0.1", **overrides):
    url = reverse("trials:notify_signup")
    return run(client.post, url, signup_data(**overrides), REMOTE_ADDR=ip)


def html_of(message) -> str:
    return message.alternatives[0][0]


def link_in(text: str, purpose: str) -> str:
    match = re.search(rf"{re.escape(SITE_URL)}/notifications/{purpose}/[^\s\"<]+/", text)
    assert match, f"no {purpose} link in {text!r}"
    return match.group(0).removeprefix(SITE_URL)


def digest_emails():
    return OutgoingEmail.objects.filter(kind=Kind.TRIAL_DIGEST)


# Double opt-in -----------------------------------------------------------------


def test_it_sends_a_new_address_only_a_confirmation(client, run, mailoutbox):
    response = post_signup(client, run)

    assert response.status_code == 302
    assert response.url == reverse("trials:notify_sent")
    subscription = Subscription.objects.get()
    assert subscription.email == "ming@example.com"
    assert subscription.status == Subscription.Status.PENDING
    email = OutgoingEmail.objects.get()
    assert (email.kind, email.to, email.status) == (
        Kind.SUBSCRIPTION_CONFIRM,
        "ming@example.com",
        "sent",
    )
    assert len(mailoutbox) == 1
    message = mailoutbox[0]
    assert message.to == ["ming@example.com"]
    assert "Please confirm" in message.subject
    for body in (message.body, html_of(message)):
        assert "sarcoma" in body
        link_in(body, "confirm")
        link_in(body, "manage")
        link_in(body, "unsubscribe")
    page = page_text(client.get(response.url))
    assert "Check your email" in page and "ming@example.com" in page


def test_it_confirms_with_the_button_not_by_opening_the_link(client, run, mailoutbox):
    post_signup(client, run)
    confirm_path = link_in(mailoutbox[0].body, "confirm")

    opened = client.get(confirm_path)
    assert "Confirm your subscription" in page_text(opened)
    assert Subscription.objects.get().status == Subscription.Status.PENDING

    confirmed = client.post(confirm_path)
    assert "You are signed up" in page_text(confirmed)
    subscription = Subscription.objects.get()
    assert subscription.status == Subscription.Status.CONFIRMED
    assert subscription.confirmed_at is not None
    # Opening it again later says so, and changes nothing.
    assert "You are signed up" in page_text(client.get(confirm_path))


def test_it_never_sends_a_digest_to_an_unconfirmed_address(client, run, mailoutbox):
    post_signup(client, run)
    Subscription.objects.update(confirmed_at=timezone.now() - datetime.timedelta(days=2))
    new_trial("Sarcoma")

    assert run(subscriptions_digest_send) == 0
    assert run(subscription_digest_send, subscription_id=Subscription.objects.get().pk) is None

    assert not digest_emails().exists()
    assert not SubscriptionDelivery.objects.exists()
    assert [m.subject for m in mailoutbox] == [mailoutbox[0].subject]
    assert OutgoingEmail.objects.filter(to="ming@example.com").count() == 1


def test_it_does_not_reveal_whether_an_address_is_subscribed(client, run, mailoutbox):
    SubscriptionFactory(email="known@example.com", interests="glioma")

    answers = []
    for email in ("new@example.com", "known@example.com"):
        response = post_signup(Client(), run, email=email, interests="sarcoma")
        follow = Client()
        session_cookie = response.cookies["sessionid"].value
        follow.cookies["sessionid"] = session_cookie
        answers.append(
            (
                response.status_code,
                response.url,
                page_text(follow.get(response.url)).replace(email, "@"),
            )
        )

    assert answers[0] == answers[1]
    known = Subscription.objects.get(email="known@example.com")
    # Nobody can change a confirmed subscriber's preferences without their links.
    assert (known.status, known.interests) == ("confirmed", "glioma")
    to_known = [m for m in mailoutbox if m.to == ["known@example.com"]]
    assert len(to_known) == 1
    assert "already signed up" in to_known[0].subject
    assert "/notifications/confirm/" not in to_known[0].body
    link_in(to_known[0].body, "manage")
    link_in(html_of(to_known[0]), "unsubscribe")


def test_it_sends_a_new_confirmation_to_an_address_that_unsubscribed(client, run, mailoutbox):
    SubscriptionFactory(email="back@example.com", status="unsubscribed")

    post_signup(client, run, email="back@example.com", interests="lymphoma")

    subscription = Subscription.objects.get()
    assert (subscription.status, subscription.interests) == ("pending", "lymphoma")
    assert subscription.confirmed_at is None
    assert len(mailoutbox) == 1
    link_in(mailoutbox[0].body, "confirm")


def test_it_treats_an_address_in_any_letter_case_as_one(client, run, mailoutbox):
    post_signup(client, run, email="Ming@Example.com")
    post_signup(client, run, email="ming@example.com", interests="glioma")

    subscription = Subscription.objects.get()
    assert (subscription.email, subscription.interests) == ("ming@example.com", "glioma")
    assert [m.to for m in mailoutbox] == [["ming@example.com"], ["ming@example.com"]]


# Digests -------------------------------------------------------------------------


def test_it_sends_one_digest_with_the_new_matching_trials(run, mailoutbox):
    subscription = SubscriptionFactory(interests="sarcoma, bone metastases")
    sarcoma = new_trial("Soft Tissue Sarcoma", brief_title="Radiotherapy before sarcoma surgery")
    bones = new_trial("Bone Metastases", brief_title="Pain relief for bone metastases")
    new_trial("Lung Cancer", brief_title="A lung cancer study")
    new_trial("Sarcoma", brief_title="Old sarcoma study", listed_days_ago=3)
    new_trial("Sarcoma", brief_title="Hidden sarcoma study", published=False)
    new_trial("Sarcoma", brief_title="Closed sarcoma study", overall_status="COMPLETED")
    new_trial("Sarcoma", brief_title="Never listed sarcoma study", listed_at=None)

    assert run(subscriptions_digest_send) == 1

    email = digest_emails().get()
    assert (email.to, email.subscription, email.status) == (
        subscription.email,
        subscription,
        "sent",
    )
    sent = SubscriptionDelivery.objects.filter(subscription=subscription)
    assert {d.trial for d in sent} == {sarcoma, bones}
    assert {d.email for d in sent} == {email}
    [message] = mailoutbox
    assert "2 new trials" in message.subject
    for body in (message.body, html_of(message)):
        assert "Radiotherapy before sarcoma surgery" in body
        assert "Pain relief for bone metastases" in body
        assert f"{SITE_URL}/trials/{sarcoma.nct_id}/" in body
        for absent in ("lung cancer", "Old sarcoma", "Hidden", "Closed", "Never listed"):
            assert absent not in body
        link_in(body, "manage")
        link_in(body, "unsubscribe")
    subscription.refresh_from_db()
    assert subscription.last_digest_at is not None


def test_it_matches_the_place_and_radius(run, mailoutbox, hangzhou):
    near = new_trial("Sarcoma", brief_title="Sarcoma study in Hangzhou", city="Hangzhou")
    new_trial("Sarcoma", brief_title="Sarcoma study in Beijing", city="Beijing")
    subscription = SubscriptionFactory(
        place_text="杭州", latitude=30.29, longitude=120.16, radius_km=100
    )

    run(subscriptions_digest_send)

    assert [d.trial for d in subscription.deliveries.all()] == [near]
    assert "Sarcoma study in Hangzhou" in mailoutbox[0].body
    assert "Beijing" not in mailoutbox[0].body


def test_it_sends_each_trial_once_when_the_job_runs_again(run, mailoutbox):
    subscription = SubscriptionFactory()
    first = new_trial("Sarcoma", brief_title="First sarcoma study")

    assert run(subscriptions_digest_send) == 1
    assert run(subscriptions_digest_send) == 0
    assert digest_emails().count() == 1

    second = new_trial("Sarcoma", brief_title="Second sarcoma study")
    assert run(subscriptions_digest_send) == 1

    assert digest_emails().count() == 2
    assert len(mailoutbox) == 2
    assert "First sarcoma study" not in mailoutbox[1].body
    assert "Second sarcoma study" in mailoutbox[1].body
    assert sorted(d.trial_id for d in subscription.deliveries.all()) == [first.pk, second.pk]


@pytest.mark.django_db(transaction=True)
def test_it_sends_one_digest_when_runs_overlap(postgres):
    subscription = SubscriptionFactory()
    for n in range(3):
        new_trial("Sarcoma", brief_title=f"Sarcoma study {n}")
    start = threading.Barrier(4)
    counts = []

    def job():
        try:
            start.wait()
            counts.append(subscriptions_digest_send())
        finally:
            connection.close()

    threads = [threading.Thread(target=job) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sum(counts) == 1
    assert digest_emails().count() == 1
    assert subscription.deliveries.count() == 3


def test_it_runs_the_digest_as_the_scheduled_task(settings, run, mailoutbox):
    from trialfinder.celery import app

    SubscriptionFactory()
    new_trial("Sarcoma", brief_title="Scheduled sarcoma study")
    task = app.tasks[settings.CELERY_BEAT_SCHEDULE["subscriptions-digest"]["task"]]

    assert run(task.apply).get() == 1
    assert "Scheduled sarcoma study" in mailoutbox[0].body


def test_it_writes_a_digest_in_the_same_number_of_queries_for_any_number_of_trials(
    django_capture_on_commit_callbacks,
):
    def queries_for_digest_with(trial_count: int) -> int:
        subscription = SubscriptionFactory(interests=f"condition{trial_count}")
        for _n in range(trial_count):
            new_trial(f"Condition{trial_count}", city="Hangzhou")
        with CaptureQueriesContext(connection) as queries:
            with django_capture_on_commit_callbacks(execute=False):
                subscription_digest_send(subscription_id=subscription.pk)
        assert subscription.deliveries.count() == trial_count
        return len(queries)

    assert queries_for_digest_with(1) == queries_for_digest_with(6)


# Unsubscribe and preferences ----------------------------------------------------


def test_it_unsubscribes_with_the_link_in_the_email(client, run, mailoutbox):
    subscription = SubscriptionFactory()
    new_trial("Sarcoma")
    run(subscriptions_digest_send)
    path = link_in(mailoutbox[0].body, "unsubscribe")

    page = client.get(path)
    assert "Stop all emails about new trials" in page_text(page)
    subscription.refresh_from_db()
    assert subscription.status == "confirmed"

    done = client.post(path)
    assert "You are unsubscribed" in page_text(done)
    subscription.refresh_from_db()
    assert subscription.status == "unsubscribed"
    assert subscription.unsubscribed_at is not None
    new_trial("Sarcoma")
    assert run(subscriptions_digest_send) == 0
    assert len(mailoutbox) == 1


def test_it_unsubscribes_with_one_click_from_the_mail_program(run, mailoutbox):
    subscription = SubscriptionFactory()
    new_trial("Sarcoma")
    run(subscriptions_digest_send)
    message = mailoutbox[0].message()
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    url = re.fullmatch(r"<(https://\S+)>", message["List-Unsubscribe"]).group(1)
    # The token is signed with the second it was made in: the link is the
    # one-click address with a token that names this subscription.
    token = url.removesuffix("/one-click/").rsplit("/", 1)[1]
    made_now = one_click_unsubscribe_url(subscription)
    assert url == made_now.replace(made_now.removesuffix("/one-click/").rsplit("/", 1)[1], token)
    assert subscription_from_token(token, UNSUBSCRIBE) == subscription
    mail_program = Client(enforce_csrf_checks=True)

    assert mail_program.get(url.removeprefix(SITE_URL)).status_code == 405
    response = mail_program.post(
        url.removeprefix(SITE_URL),
        "List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )

    assert response.status_code == 200
    subscription.refresh_from_db()
    assert subscription.status == "unsubscribed"


def test_it_keeps_the_csrf_check_on_the_unsubscribe_page(run):
    subscription = SubscriptionFactory()
    path = subscription_url(subscription, UNSUBSCRIBE).removeprefix(SITE_URL)

    response = Client(enforce_csrf_checks=True).post(path)

    assert response.status_code == 403
    subscription.refresh_from_db()
    assert subscription.status == "confirmed"


def test_it_drops_digests_not_sent_yet_when_someone_unsubscribes(
    client, django_capture_on_commit_callbacks
):
    subscription = SubscriptionFactory()
    new_trial("Sarcoma")
    # The worker has not picked the digest up yet: no on-commit callbacks run.
    with django_capture_on_commit_callbacks(execute=False):
        subscriptions_digest_send()
    assert digest_emails().get().status == "queued"

    client.post(subscription_url(subscription, UNSUBSCRIBE).removeprefix(SITE_URL))

    email = digest_emails().get()
    assert email.status == "failed"
    assert "unsubscribed" in email.last_error


def test_it_saves_preferences_from_the_manage_link(client, run, mailoutbox, hangzhou):
    subscription = SubscriptionFactory(interests="glioma")
    path = subscription_url(subscription, MANAGE).removeprefix(SITE_URL)
    assert 'value="glioma"' in client.get(path).content.decode()

    response = client.post(
        path, {"interests": "sarcoma", "place": "Hangzhou", "radius": "50", "language": "zh-hans"}
    )

    assert "Your preferences are saved." in page_text(response)
    subscription.refresh_from_db()
    assert subscription.interests == "sarcoma"
    assert (subscription.place_text, subscription.radius_km) == ("Hangzhou", 50)
    assert (subscription.latitude, subscription.longitude) == (30.29, 120.16)
    assert subscription.language == "zh-hans"
    new_trial("Sarcoma", brief_title="Sarcoma near Hangzhou", city="Hangzhou")
    run(subscriptions_digest_send)
    assert "Sarcoma near Hangzhou" in mailoutbox[0].body


def test_it_says_when_a_place_is_unknown(client):
    subscription = SubscriptionFactory(interests="glioma")
    path = subscription_url(subscription, MANAGE).removeprefix(SITE_URL)

    response = client.post(path, {"interests": "sarcoma", "place": "Atlantis", "language": "en"})

    assert "We do not know this place" in page_text(response)
    subscription.refresh_from_db()
    assert subscription.interests == "glioma"


# Signed links ------------------------------------------------------------------------


@pytest.mark.parametrize("purpose", [CONFIRM, MANAGE, UNSUBSCRIBE])
def test_it_refuses_altered_links(client, purpose):
    subscription = SubscriptionFactory(status="pending", confirmed_at=None)
    path = subscription_url(subscription, purpose).removeprefix(SITE_URL)
    token = path.split("/")[-2]
    tampered = [
        path.replace(token, token[:-2] + ("AA" if not token.endswith("AA") else "BB")),
        path.replace(token, "not-a-token"),
        path.replace(token, "ü:💥:%00"),
        # A genuine token, but for another purpose.
        path.replace(token, _token_for(subscription, _other(purpose))),
    ]

    for bad in tampered:
        for response in (client.get(bad), client.post(bad)):
            assert response.status_code == 400
            # A NUL never reaches the view: the page for unreadable addresses.
            expected = "We could not read that" if "%00" in bad else "This link does not work"
            assert expected in page_text(response)
    subscription.refresh_from_db()
    assert subscription.status == "pending"


def _other(purpose: str) -> str:
    return {CONFIRM: UNSUBSCRIBE, MANAGE: CONFIRM, UNSUBSCRIBE: MANAGE}[purpose]


def _token_for(subscription, purpose: str) -> str:
    return subscription_url(subscription, purpose).split("/")[-2]


def test_it_refuses_a_link_for_another_address(client):
    subscription = SubscriptionFactory(email="first@example.com")
    path = subscription_url(subscription, UNSUBSCRIBE).removeprefix(SITE_URL)
    pk = subscription.pk
    subscription.delete()
    SubscriptionFactory(id=pk, email="second@example.com")

    response = client.post(path)

    assert response.status_code == 400
    assert Subscription.objects.get().status == "confirmed"


@pytest.mark.parametrize(("purpose", "days"), [(CONFIRM, 8), (MANAGE, 366), (UNSUBSCRIBE, 366)])
def test_it_refuses_expired_links(client, monkeypatch, purpose, days):
    subscription = SubscriptionFactory(status="pending", confirmed_at=None)
    then = time.time() - days * 86400
    monkeypatch.setattr(signing.time, "time", lambda: then)
    path = subscription_url(subscription, purpose).removeprefix(SITE_URL)
    monkeypatch.undo()

    response = client.post(path)

    assert response.status_code == 400
    assert "This link has expired" in page_text(response)
    subscription.refresh_from_db()
    assert subscription.status == "pending"


def test_it_refuses_an_old_confirmation_link_after_unsubscribing(client):
    subscription = SubscriptionFactory(status="unsubscribed")
    path = subscription_url(subscription, CONFIRM).removeprefix(SITE_URL)

    for response in (client.get(path), client.post(path)):
        assert response.status_code == 400
    subscription.refresh_from_db()
    assert subscription.status == "unsubscribed"


# Abuse --------------------------------------------------------------------------------


def test_it_limits_sign_ups_from_one_connection(client, run, settings, mailoutbox):
    settings.SUBSCRIPTION_SIGNUPS_PER_IP_PER_HOUR = 2
    for n in range(2):
        assert post_signup(client, run, email=f"p{n}@example.com").status_code == 302

    response = post_signup(client, run, email="p2@example.com")

    assert response.status_code == 429
    assert "Please wait a moment" in page_text(response)
    assert not Subscription.objects.filter(email="p2@example.com").exists()
    assert len(mailoutbox) == 2
    # Another connection is not affected.
    assert post_signup(client, run, ip="10.0.0.9", email="p3@example.com").status_code == 302


def test_it_stops_emailing_one_address_past_its_daily_limit(client, run, settings, mailoutbox):
    settings.SUBSCRIPTION_EMAILS_PER_ADDRESS_PER_DAY = 2
    responses = [post_signup(client, run, ip=f"10.0.1.{n}") for n in range(4)]

    # The page is the same (no hint to whoever is trying), but no more emails go out.
    assert {r.status_code for r in responses} == {302}
    assert len(mailoutbox) == 2
    assert OutgoingEmail.objects.count() == 2


def test_it_rejects_invalid_sign_ups_and_keeps_what_was_typed(client, run, mailoutbox):
    response = post_signup(client, run, email="not-an-address", interests=" , ; ")

    assert response.status_code == 200
    text = page_text(response)
    assert "Enter a valid email address." in text
    assert "Tell us which conditions or keywords to look for." in text
    assert 'value="not-an-address"' in response.content.decode()
    assert not Subscription.objects.exists()
    assert not mailoutbox


# Pages ----------------------------------------------------------------------------------


def test_it_prefills_the_sign_up_from_the_contact_form(client, run, hangzhou):
    trial = new_trial("Osteosarcoma")
    inquiry = InquiryFactory(
        email="wang@example.com", location_text="杭州", preferred_language="zh-hans"
    )
    session = client.session
    session["notify_prefill"] = {"inquiry": inquiry.pk, "trial": trial.nct_id}
    session.save()

    html = client.get(reverse("trials:notify_signup")).content.decode()

    assert 'value="wang@example.com"' in html
    assert 'value="Osteosarcoma"' in html
    assert 'value="Hangzhou, CN"' in html
    assert '<option value="zh-hans" selected>' in html
    post_signup(client, run, email="wang@example.com", place="Hangzhou, CN")
    subscription = Subscription.objects.get()
    assert (subscription.latitude, subscription.longitude) == (30.29, 120.16)
    assert "notify_prefill" not in client.session


def test_it_leaves_out_a_prefilled_place_it_cannot_find(client):
    inquiry = InquiryFactory(email="wang@example.com", location_text="your location")
    session = client.session
    session["notify_prefill"] = {"inquiry": inquiry.pk}
    session.save()

    html = client.get(reverse("trials:notify_signup")).content.decode()

    assert 'value="wang@example.com"' in html
    assert 'name="place" value' not in html


def test_it_prefills_interests_from_the_trial_in_the_link(client):
    trial = TrialFactory(
        conditions=[ConditionFactory(name="Sarcoma"), ConditionFactory(name="Bone Metastases")]
    )

    html = client.get(reverse("trials:notify_signup") + f"?trial={trial.nct_id}").content.decode()

    assert 'value="Bone Metastases, Sarcoma"' in html


def test_it_offers_the_sign_up_on_every_trial_page(client, run, mailoutbox):
    trial = TrialFactory(conditions=[ConditionFactory(name="Chondrosarcoma")])

    response = client.get(trial.get_absolute_url())

    text = page_text(response)
    assert "Hear about new trials like this one" in text
    html = response.content.decode()
    assert f'action="{reverse("trials:notify_signup")}"' in html
    assert 'value="Chondrosarcoma"' in html
    # The block's own form goes straight to the "check your email" page.
    sent = post_signup(client, run, interests="Chondrosarcoma", trial=trial.nct_id)
    assert sent.url == reverse("trials:notify_sent")
    assert Subscription.objects.get().interests == "Chondrosarcoma"


def test_it_shows_subscribers_and_what_they_got_in_admin(admin_client, run):
    subscription = SubscriptionFactory(email="seen@example.com")
    trial = new_trial("Sarcoma", brief_title="An admin-visible sarcoma study")
    run(subscriptions_digest_send)

    listing = admin_client.get(
        reverse("admin:trials_subscription_changelist") + "?status=confirmed"
    )
    assert "seen@example.com" in page_text(listing)
    detail = admin_client.get(reverse("admin:trials_subscription_change", args=[subscription.pk]))
    text = page_text(detail)
    assert trial.nct_id in text
    assert "New trials digest" in text and "Sent" in text
    deliveries = admin_client.get(reverse("admin:trials_subscriptiondelivery_changelist"))
    assert "seen@example.com" in page_text(deliveries)
