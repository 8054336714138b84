"""Whatever is sent to Patient Notification Services (sign up, preferences,
the signed links): a page, never a server error, and never a subscription
holding an address or preference that could not be used."""

import pytest
from django.core.validators import validate_email
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from tests.factories import SubscriptionFactory, TrialFactory
from tests.fuzz import (
    ANY_TEXT,
    ANY_VALUE,
    CONTROL,
    LINE_BREAK,
    NASTY,
    fields,
    fuzz,
    no_server_error,
)
from tests.page_text import page_text
from trials.models import OutgoingEmail, Place, PlaceName, Subscription
from trials.subscriptions import CONFIRM, MANAGE, UNSUBSCRIBE, subscription_path

pytestmark = pytest.mark.django_db

PREFERENCES = {
    "interests": ["sarcoma", "sarcoma, bone metastases; 肉瘤", ",,,"],
    "place": ["", "Hangzhou", "杭州", "Atlantis"],
    "lat": ["", "30.29", "91", "nan"],
    "lon": ["", "120.16", "-181", "inf"],
    "radius": ["", "100", "1000", "7"],
    "language": ["en", "zh-hans", "xx"],
}
SIGNUP = {
    **PREFERENCES,
    "email": ["ming@example.org", '"a\x0bb"@example.org', "a@b", "MING@Example.org"],
    "trial": ["", "NCT06760221", "nct06760221"],
}
# A signed token, a made-up one, or one percent-encoded byte by byte.
TOKENS = st.one_of(ANY_TEXT.filter(bool), NASTY.filter(bool))


@pytest.fixture
def setup(settings):
    settings.SUBSCRIPTION_SIGNUPS_PER_IP_PER_HOUR = 0
    settings.SUBSCRIPTION_EMAILS_PER_ADDRESS_PER_DAY = 0
    TrialFactory(nct_id="NCT06760221")
    place = Place.objects.create(
        geoname_id=1808926, name="Hangzhou", country_code="CN", latitude=30.29, longitude=120.16
    )
    PlaceName.objects.create(place=place, name="Hangzhou", key="hangzhou")
    PlaceName.objects.create(place=place, name="杭州", key="杭州")


def assert_every_subscription_is_sound() -> None:
    for subscription in Subscription.objects.all():
        validate_email(subscription.email)
        assert not LINE_BREAK.search(subscription.email)
        assert not CONTROL.search(subscription.interests + subscription.place_text)
        assert subscription.language in ("en", "zh-hans")
    for email in OutgoingEmail.objects.all():
        assert not LINE_BREAK.search(email.to + email.subject)


def quoted(token: str) -> str:
    return "".join(f"%{byte:02X}" for byte in token.encode())


@fuzz(max_examples=100)
@given(data=fields(SIGNUP))
def test_sign_up_answers_any_form_and_stores_only_usable_subscriptions(client, setup, data):
    response = client.post(reverse("trials:notify_signup"), data)

    no_server_error(response)
    assert response.status_code in (200, 302), response.status_code
    assert_every_subscription_is_sound()


@fuzz(max_examples=40)
@given(trial=ANY_VALUE)
def test_the_sign_up_page_answers_any_trial_in_its_address(client, setup, trial):
    response = client.get(
        reverse("trials:notify_signup"), {} if trial is None else {"trial": trial}
    )

    no_server_error(response)
    assert response.status_code in (200, 400)
    if response.status_code == 200:  # else the bad-input page (tests/test_bad_input.py)
        assert "Patient Notification Services" in page_text(response)


@fuzz(max_examples=80)
@given(data=fields(PREFERENCES))
def test_preferences_answer_any_form_and_keep_the_subscription_sound(client, setup, data):
    subscription = SubscriptionFactory()

    response = client.post(subscription_path(subscription, MANAGE), data)

    no_server_error(response)
    assert response.status_code == 200
    assert_every_subscription_is_sound()


@fuzz(max_examples=60)
@given(
    token=TOKENS,
    purpose=st.sampled_from(["confirm", "manage", "unsubscribe", "unsubscribe-one-click"]),
    method=st.sampled_from(["get", "post"]),
)
def test_a_signed_link_answers_any_token(client, setup, token, purpose, method):
    subscription = SubscriptionFactory(status="pending", confirmed_at=None)
    real = {
        "confirm": subscription_path(subscription, CONFIRM),
        "manage": subscription_path(subscription, MANAGE),
        "unsubscribe": subscription_path(subscription, UNSUBSCRIBE),
    }
    if purpose == "unsubscribe-one-click":
        path, method = f"/notifications/unsubscribe/{quoted(token)}/one-click/", "post"
    else:
        path = real[purpose].replace(real[purpose].split("/")[-2], quoted(token))

    response = getattr(client, method)(path)

    no_server_error(response)
    assert response.status_code in (400, 404, 405), response.status_code
    subscription.refresh_from_db()
    assert subscription.status == "pending"
