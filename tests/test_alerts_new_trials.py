"""Alerts: a subscriber hears of trials that newly recruit near them (from the
registry sync or an import), once each; their first email lists what already
matches; the confirmation's footer does not say they subscribed; the study
team's page shows what the patient gave."""

from __future__ import annotations

import copy
import datetime
import re
from types import SimpleNamespace

import pytest
from django.contrib import admin
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.factories import InquiryFactory, SiteFactory, SubscriptionFactory, gazetteer_city
from tests.page_text import page_text
from tests.test_importer import ndjson, study
from tests.test_importer import run as import_run
from tests.test_registry_sync import StandIn
from trials.coordinator import coordinator_token
from trials.models import OutgoingEmail, Site, Subscription, Trial
from trials.registry_sync import RegistryClient, registry_sync
from trials.subscription_matches import WELCOME_MAX_TRIALS
from trials.subscriptions import subscriptions_digest_send

pytestmark = pytest.mark.django_db

SITE_URL = "https://trials.example.org"
HANGZHOU = {
    "facility": "Zhejiang Cancer Hospital",
    "city": "Hangzhou",
    "country": "China",
    "geoPoint": {"lat": 30.27, "lon": 120.15},
}
BOSTON = {
    "facility": "Boston Medical Center",
    "city": "Boston",
    "country": "United States",
    "geoPoint": {"lat": 42.36, "lon": -71.06},
}


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
def registry(settings):
    stand_in = StandIn()
    settings.CTGOV_API_URL = stand_in.url
    settings.REGISTRY_SYNC_TIMEOUT_SECONDS = 1
    settings.REGISTRY_SYNC_REQUESTS_PER_MINUTE = 6000
    yield stand_in
    stand_in.server.shutdown()


@pytest.fixture
def hangzhou():
    return gazetteer_city(latitude=30.29, longitude=120.16)


def record(
    nct_id: str,
    title: str,
    condition: str,
    *sites: tuple[dict, str],
    status: str,
    updated: str = "2026-11-01",
) -> dict:
    """A registry record: its overall status, and each site with its own status."""
    data = study(nct_id)
    section = data["protocolSection"]
    section["identificationModule"]["briefTitle"] = title
    section["statusModule"]["overallStatus"] = status
    section["statusModule"]["lastUpdatePostDateStruct"] = {"date": updated}
    section["conditionsModule"] = {"conditions": [condition]}
    section["contactsLocationsModule"]["locations"] = [
        {**site, "status": site_status} for site, site_status in sites
    ]
    return data


def sync(registry, *records: dict) -> None:
    registry.page("", list(records))
    assert registry_sync(client=RegistryClient(sleep=lambda _s: None)).failed == 0


def lung_subscriber(**fields) -> Subscription:
    """Confirmed now, near 杭州, interested in lung cancer."""
    fields = {
        "interests": "lung cancer",
        "place_text": "杭州",
        "latitude": 30.29,
        "longitude": 120.16,
        "radius_km": 100,
        "confirmed_at": timezone.now(),
        **fields,
    }
    return SubscriptionFactory(**fields)


def digests():
    return OutgoingEmail.objects.filter(kind=OutgoingEmail.Kind.TRIAL_DIGEST)


def html_of(message) -> str:
    return message.alternatives[0][0]


# What the registry opens reaches the subscribers it concerns, once ------------


def test_it_alerts_of_lung_cancer_trials_newly_recruiting_near_hangzhou_only(
    registry, run, mailoutbox
):
    closed = "NOT_YET_RECRUITING"
    before = [
        record(
            "NCT91000001",
            "Lung study opening in Hangzhou",
            "Lung Cancer",
            (HANGZHOU, closed),
            status=closed,
        ),
        record(
            "NCT91000002",
            "Lung study opening in Boston",
            "Lung Cancer",
            (BOSTON, closed),
            status=closed,
        ),
        record(
            "NCT91000003",
            "Breast study opening in Hangzhou",
            "Breast Cancer",
            (HANGZHOU, closed),
            status=closed,
        ),
        record(
            "NCT91000004",
            "Lung study adding Hangzhou",
            "Lung Cancer",
            (BOSTON, "RECRUITING"),
            (HANGZHOU, closed),
            status="RECRUITING",
        ),
        record(
            "NCT91000005",
            "Lung study adding Boston",
            "Lung Cancer",
            (HANGZHOU, "RECRUITING"),
            (BOSTON, closed),
            status="RECRUITING",
        ),
    ]
    sync(registry, *before)
    subscription = lung_subscriber()
    # What recruited before they confirmed is the first email's, not an alert.
    assert run(subscriptions_digest_send) == 0

    after = [
        record(
            "NCT91000001",
            "Lung study opening in Hangzhou",
            "Lung Cancer",
            (HANGZHOU, "RECRUITING"),
            status="RECRUITING",
            updated="2026-12-01",
        ),
        record(
            "NCT91000002",
            "Lung study opening in Boston",
            "Lung Cancer",
            (BOSTON, "RECRUITING"),
            status="RECRUITING",
            updated="2026-12-01",
        ),
        record(
            "NCT91000003",
            "Breast study opening in Hangzhou",
            "Breast Cancer",
            (HANGZHOU, "RECRUITING"),
            status="RECRUITING",
            updated="2026-12-01",
        ),
        record(
            "NCT91000004",
            "Lung study adding Hangzhou",
            "Lung Cancer",
            (BOSTON, "RECRUITING"),
            (HANGZHOU, "RECRUITING"),
            status="RECRUITING",
            updated="2026-12-01",
        ),
        record(
            "NCT91000005",
            "Lung study adding Boston",
            "Lung Cancer",
            (HANGZHOU, "RECRUITING"),
            (BOSTON, "RECRUITING"),
            status="RECRUITING",
            updated="2026-12-01",
        ),
        record(
            "NCT91000006",
            "New lung study in Hangzhou",
            "Non-Small Cell Lung Cancer",
            (HANGZHOU, "RECRUITING"),
            status="RECRUITING",
            updated="2026-12-01",
        ),
    ]
    sync(registry, *after)

    assert run(subscriptions_digest_send) == 1
    sent = sorted(subscription.deliveries.values_list("trial__nct_id", flat=True))
    assert sent == ["NCT91000001", "NCT91000004", "NCT91000006"]
    [message] = mailoutbox
    assert message.to == [subscription.email]
    assert "3 new trials" in message.subject
    for body in (message.body, html_of(message)):
        assert "Lung study opening in Hangzhou" in body
        assert "Lung study adding Hangzhou" in body
        assert "New lung study in Hangzhou" in body
        assert f"{SITE_URL}/trials/NCT91000001/" in body
        for absent in ("opening in Boston", "Breast study", "adding Boston"):
            assert absent not in body

    # The job again, and the registry sending the same records again: nothing twice.
    assert run(subscriptions_digest_send) == 0
    again = copy.deepcopy(after)
    for r in again:
        r["protocolSection"]["statusModule"]["lastUpdatePostDateStruct"] = {"date": "2026-12-02"}
    sync(registry, *again)
    assert run(subscriptions_digest_send) == 0
    assert digests().count() == 1 and len(mailoutbox) == 1


def test_a_trial_that_closes_and_opens_again_is_not_sent_twice(run, mailoutbox):
    subscription = lung_subscriber(confirmed_at=timezone.now() - datetime.timedelta(days=1))
    opening = record(
        "NCT91000011",
        "Lung study in Hangzhou",
        "Lung Cancer",
        (HANGZHOU, "RECRUITING"),
        status="RECRUITING",
    )
    import_run(("a.jsonl", ndjson(opening)))
    assert run(subscriptions_digest_send) == 1

    suspended = record(
        "NCT91000011",
        "Lung study in Hangzhou",
        "Lung Cancer",
        (HANGZHOU, "SUSPENDED"),
        status="SUSPENDED",
        updated="2026-11-02",
    )
    reopened = record(
        "NCT91000011",
        "Lung study in Hangzhou",
        "Lung Cancer",
        (HANGZHOU, "RECRUITING"),
        status="RECRUITING",
        updated="2026-11-03",
    )
    import_run(("a.jsonl", ndjson(suspended)))
    import_run(("a.jsonl", ndjson(reopened)))

    assert run(subscriptions_digest_send) == 0
    assert subscription.deliveries.count() == 1 and len(mailoutbox) == 1


def test_the_importer_stamps_a_site_only_when_it_starts_recruiting():
    first = record(
        "NCT91000021",
        "Lung study",
        "Lung Cancer",
        (HANGZHOU, "RECRUITING"),
        (BOSTON, "NOT_YET_RECRUITING"),
        status="RECRUITING",
    )
    import_run(("a.jsonl", ndjson(first)))
    hangzhou_site = Site.objects.get(city="Hangzhou")
    assert hangzhou_site.recruiting_since is not None
    assert Site.objects.get(city="Boston").recruiting_since is None

    second = record(
        "NCT91000021",
        "Lung study",
        "Lung Cancer",
        (HANGZHOU, "RECRUITING"),
        (BOSTON, "RECRUITING"),
        status="RECRUITING",
        updated="2026-11-20",
    )
    import_run(("a.jsonl", ndjson(second)))

    assert Site.objects.get(city="Hangzhou").recruiting_since == hangzhou_site.recruiting_since
    boston = Site.objects.get(city="Boston")
    assert boston.recruiting_since > hangzhou_site.recruiting_since
    assert Trial.objects.get().listed_at < boston.recruiting_since  # still open: not new


# The first email: what already matches ----------------------------------------


def confirm_link(text: str) -> str:
    match = re.search(
        rf"{re.escape(SITE_URL)}((?:/zh-hans)?/notifications/confirm/[^\s\"<]+/)", text
    )
    assert match, text
    return match.group(1)


def sign_up_and_confirm(client, run, mailoutbox, **data):
    form = {
        "email": "ming@example.com",
        "interests": "lung cancer",
        "place": "杭州",
        "radius": "100",
        "language": "en",
        **data,
    }
    run(client.post, reverse("trials:notify_signup"), form, REMOTE_ADDR="10.0.0.9")
    path = confirm_link(mailoutbox[-1].body)
    page = page_text(run(client.post, path))
    assert "emailed you the trials that already match" in page or "已经符合条件的试验" in page
    return Subscription.objects.get()


def test_the_first_email_lists_the_trials_that_already_match(client, run, mailoutbox, hangzhou):
    import_run(
        (
            "a.jsonl",
            ndjson(
                record(
                    "NCT91000031",
                    "Lung study in Hangzhou",
                    "Lung Cancer",
                    (HANGZHOU, "RECRUITING"),
                    status="RECRUITING",
                ),
                record(
                    "NCT91000032",
                    "Lung study in Boston",
                    "Lung Cancer",
                    (BOSTON, "RECRUITING"),
                    status="RECRUITING",
                ),
                record(
                    "NCT91000033",
                    "Breast study in Hangzhou",
                    "Breast Cancer",
                    (HANGZHOU, "RECRUITING"),
                    status="RECRUITING",
                ),
            ),
        )
    )

    subscription = sign_up_and_confirm(client, run, mailoutbox)

    confirmation, welcome = mailoutbox
    assert "You are signed up: 1 trial that already matches" in welcome.subject
    for body in (welcome.body, html_of(welcome)):
        assert "Lung study in Hangzhou" in body
        assert f"{SITE_URL}/trials/NCT91000031/" in body
        assert "Boston" not in body and "Breast" not in body
        assert "within 100 km of 杭州" in body
        # The rest of the matches, on the search page with their place.
        assert f"{SITE_URL}/trials/?q=lung+cancer&amp;place=" in body or (
            f"{SITE_URL}/trials/?q=lung+cancer&place=" in body
        )
        assert "You get this email because this address was signed up" in body
    assert list(subscription.deliveries.values_list("trial__nct_id", flat=True)) == ["NCT91000031"]
    # Listed once: the daily alerts bring only what opens from now on.
    assert run(subscriptions_digest_send) == 0
    assert len(mailoutbox) == 2


def test_the_first_email_lists_at_most_ten_the_nearest_first(client, run, mailoutbox, hangzhou):
    far = {**HANGZHOU, "city": "Huzhou", "geoPoint": {"lat": 30.87, "lon": 120.09}}
    near = [
        record(
            f"NCT910001{n:02d}",
            f"Lung study number {n} in Hangzhou",
            "Lung Cancer",
            (HANGZHOU, "RECRUITING"),
            status="RECRUITING",
        )
        for n in range(WELCOME_MAX_TRIALS)
    ]
    farther = record(
        "NCT91000199",
        "Lung study in Huzhou",
        "Lung Cancer",
        (far, "RECRUITING"),
        status="RECRUITING",
    )
    import_run(("a.jsonl", ndjson(farther, *near)))

    sign_up_and_confirm(client, run, mailoutbox)

    welcome = mailoutbox[-1]
    assert f"{WELCOME_MAX_TRIALS} trials that already match" in welcome.subject
    assert len(re.findall(r"/trials/NCT\d+/", welcome.body)) == WELCOME_MAX_TRIALS
    assert "Huzhou" not in welcome.body
    assert "All the trials that match, on the search page" in welcome.body


def test_the_first_email_says_when_nothing_matches_yet_in_chinese(
    client, run, mailoutbox, hangzhou
):
    sign_up_and_confirm(client, run, mailoutbox, language="zh-hans")

    welcome = mailoutbox[-1]
    assert "订阅" in welcome.subject
    assert "目前还没有" in welcome.body
    assert "杭州" in welcome.body


# The confirmation's footer ------------------------------------------------------


def test_the_confirmation_footer_does_not_say_the_address_subscribed(client, run, mailoutbox):
    run(
        client.post,
        reverse("trials:notify_signup"),
        {"email": "ming@example.com", "interests": "lung cancer", "language": "en"},
        REMOTE_ADDR="10.0.0.9",
    )

    [confirmation] = mailoutbox
    for body in (confirmation.body, html_of(confirmation)):
        assert "Someone asked to subscribe this address" in body
        assert "If it was not you, ignore this email" in body
        assert "was signed up for Patient Notification Services" not in body


def test_the_confirmation_footer_in_chinese(client, run, mailoutbox):
    run(
        Client(HTTP_ACCEPT_LANGUAGE="zh-hans").post,
        reverse("trials:notify_signup"),
        {"email": "ming@example.com", "interests": "肺癌", "language": "zh-hans"},
        REMOTE_ADDR="10.0.0.9",
    )

    [confirmation] = mailoutbox
    assert "有人请求用这个地址订阅" in confirmation.body


# The study team's page ---------------------------------------------------------


def test_the_coordinator_page_shows_answers_language_and_place(client):
    inquiry = InquiryFactory(
        preferred_language="zh-hans",
        location_text="杭州",
        distance_km=3.2,
        prescreen_answers=[
            {
                "question": "How old are you?",
                "answer": "54",
                "verdict": "met",
                "criterion": "Aged 18 to 75",
            },
            {
                "question": "Are you pregnant?",
                "answer": "Yes",
                "verdict": "not_met",
                "criterion": "Pregnancy",
            },
        ],
    )

    response = client.get(reverse("trials:coordinator", args=[coordinator_token(inquiry)]))

    text = page_text(response)
    assert "Preferred language Chinese (Simplified)" in text
    assert "Where they are 杭州 (about 3 km from the site)" in text
    assert "Question Answer Against the criterion" in text
    assert "How old are you? Criterion: Aged 18 to 75 54 fits the criterion" in text
    assert "Are you pregnant? Criterion: Pregnancy Yes does not fit the criterion" in text
    assert "{&quot;question" not in response.content.decode()


def test_the_coordinator_page_says_what_was_not_given(client):
    inquiry = InquiryFactory(preferred_language="", location_text="", distance_km=None)

    text = page_text(client.get(reverse("trials:coordinator", args=[coordinator_token(inquiry)])))

    assert "Preferred language not given" in text
    assert "Where they are not given" in text
    assert "Pre-screening answers" not in text


def test_a_site_staff_open_in_the_admin_is_news_too(rf, admin_user):
    site = SiteFactory(status="NOT_YET_RECRUITING")
    site_admin = admin.site._registry[Site]
    request = rf.post("/")
    request.user = admin_user

    site.status = "COMPLETED"
    site_admin.save_model(request, site, SimpleNamespace(changed_data=["status"]), True)
    assert Site.objects.get(pk=site.pk).recruiting_since is None
    site.status = "RECRUITING"
    site_admin.save_model(request, site, SimpleNamespace(changed_data=["status"]), True)
    opened = Site.objects.get(pk=site.pk).recruiting_since
    assert opened is not None
    site.facility = "Renamed"
    site_admin.save_model(request, site, SimpleNamespace(changed_data=["facility"]), True)
    assert Site.objects.get(pk=site.pk).recruiting_since == opened
