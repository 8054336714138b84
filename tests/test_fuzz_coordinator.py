"""Whatever reaches a study team's link (any token, any status posted):
a page, never a server error, and an inquiry status only from the list."""

import pytest
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from tests.factories import InquiryFactory
from tests.fuzz import ANY_VALUE, NASTY, fuzz, no_server_error
from trials.coordinator import coordinator_token
from trials.models import Inquiry

pytestmark = pytest.mark.django_db

STATUSES = ["contacted", "screening", "enrolled", "not_eligible", "new", "CONTACTED"]


def quoted(text: str) -> str:
    return "".join(f"%{byte:02X}" for byte in text.encode())


@fuzz(max_examples=60)
@given(
    token=st.one_of(st.none(), ANY_VALUE.filter(bool), NASTY.filter(bool)),
    status=st.one_of(ANY_VALUE, st.sampled_from(STATUSES)),
    saved=ANY_VALUE,
    method=st.sampled_from(["get", "post"]),
)
def test_a_coordinator_link_answers_any_token_and_any_status(client, token, status, saved, method):
    inquiry = InquiryFactory()
    # None: the inquiry's real link; otherwise made-up text, byte by byte.
    real = coordinator_token(inquiry)
    path = reverse("trials:coordinator", args=[real])
    if token is not None:
        path = path.replace(real, quoted(token))
    query = "" if saved is None else "?saved=" + quoted(saved)
    data = {} if status is None else {"status": status}

    response = client.get(path + query) if method == "get" else client.post(path + query, data)

    no_server_error(response)
    assert response.status_code in (200, 302, 400, 403, 404, 410), response.status_code
    inquiry.refresh_from_db()
    assert inquiry.status in Inquiry.Status.values
    if token is not None:
        assert inquiry.status == Inquiry.Status.NEW
