"""Any text in any part of the address of every page a visitor can reach:
a page (400 or 404 for what cannot be read), never a server error."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.factories import SiteFactory, TrialFactory
from tests.fuzz import ANY_TEXT, NASTY, WITH_CONTROL, fuzz, no_server_error

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
