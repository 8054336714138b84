"""Any text in any part of the address of every page a visitor can reach,
and any bytes posted to every form: a page (400 or 404 for what cannot be
read), never a server error."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.factories import InquiryFactory, SiteFactory, SubscriptionFactory, TrialFactory
from tests.fuzz import ANY_TEXT, NASTY, WITH_CONTROL, fuzz, no_server_error
from trials import notes
from trials.coordinator import coordinator_token
from trials.subscriptions import MANAGE, UNSUBSCRIBE, subscription_path

pytestmark = pytest.mark.django_db

# Every route of trials/urls.py and the health check, "{}" standing for the
# part of the path that is fuzzed.
ADDRESSES = [
    "/{}",
    "/trials/{}/",
    "/trials/NCT06760221/{}/",
    "/trials/NCT06760221/contact/{}",
    "/trials/NCT06760221/notes/{}/",
    "/trials/NCT06760221/notes/share/{}/revoke/",
    "/shared/{}/",
    "/inquiry/{}/",
    "/notifications/confirm/{}/",
    "/notifications/manage/{}/",
    "/notifications/unsubscribe/{}/",
    "/faq/{}",
    "/privacy/{}",
    "/places/suggest/{}",
    "/healthz{}",
]
QUERY_PAGES = [
    "/",
    "/trials/",
    "/trials/NCT06760221/",
    "/trials/NCT06760221/contact/",
    "/trials/NCT06760221/contact/sent/",
    "/notifications/",
    "/notifications/sent/",
    "/places/suggest/",
    "/faq/",
    "/privacy/",
]
PART = st.one_of(ANY_TEXT, NASTY, WITH_CONTROL)


def quoted(text: str) -> str:
    return "".join(f"%{byte:02X}" for byte in text.encode())


@pytest.fixture
def trial():
    trial = TrialFactory(nct_id="NCT06760221")
    SiteFactory(trial=trial, is_primary_contact=True)
    return trial


@pytest.mark.parametrize("address", ADDRESSES)
@fuzz(max_examples=25)
@given(part=PART)
def test_any_path_gets_a_page(client, trial, address, part):
    response = client.get(address.format(quoted(part)))

    no_server_error(response)


@pytest.mark.parametrize("page", QUERY_PAGES)
@fuzz(max_examples=25)
@given(
    query=st.dictionaries(st.one_of(PART, st.sampled_from(["q", "trial", "site"])), PART),
)
def test_any_query_string_gets_a_page(client, trial, page, query):
    response = client.get(page, query)

    no_server_error(response)
    assert response.status_code in (200, 301, 302, 400, 404), response.status_code


FORMS = [
    "contact",
    "prescreen",
    "signup",
    "manage",
    "unsubscribe",
    "one-click",
    "shared",
    "coordinator",
]
CONTENT_TYPES = [
    "application/x-www-form-urlencoded",
    "application/x-www-form-urlencoded; charset=latin-1",
    "multipart/form-data; boundary=xyz",
    "multipart/form-data",
    "text/plain",
]
FORM_BODIES = st.one_of(
    st.binary(max_size=300),
    st.dictionaries(PART, PART, max_size=4).map(
        lambda data: "&".join(f"{quoted(k)}={quoted(v)}" for k, v in data.items()).encode()
    ),
    st.just(b'--xyz\r\nContent-Disposition: form-data; name="a\x00"\r\n\r\nb\r\n--xyz--'),
)


def form_path(form: str, trial) -> str:
    subscription = SubscriptionFactory()
    link, _passcode = notes.share_create(owner_key="k" * 64, trial=trial)
    return {
        "contact": f"/trials/{trial.nct_id}/contact/",
        "prescreen": f"/trials/{trial.nct_id}/prescreen/",
        "signup": "/notifications/",
        "manage": subscription_path(subscription, MANAGE),
        "unsubscribe": subscription_path(subscription, UNSUBSCRIBE),
        "one-click": subscription_path(subscription, UNSUBSCRIBE) + "one-click/",
        "shared": f"/shared/{link.token}/",
        "coordinator": f"/inquiry/{coordinator_token(InquiryFactory())}/",
    }[form]


@pytest.mark.parametrize("form", FORMS)
@fuzz(max_examples=25)
@given(body=FORM_BODIES, content_type=st.sampled_from(CONTENT_TYPES))
def test_any_body_posted_to_a_form_gets_a_page(client, trial, form, body, content_type):
    response = client.generic("POST", form_path(form, trial), body, content_type=content_type)

    no_server_error(response)
