"""Bad input anywhere in a request: a clear page and a 4xx, never a 500.

PostgreSQL refuses text holding NUL (psycopg raises before sending the
query), so these run there too; each lookup would otherwise answer 500.
"""

import pytest
from django.test import Client
from django.urls import reverse

from tests.factories import ConditionFactory, SiteFactory, TrialFactory
from tests.page_text import page_text
from trials.models import ShareLink

pytestmark = pytest.mark.django_db

BAD_ADDRESSES = [
    "/shared/%00/",
    "/shared/abc%01def/",
    "/notifications/?trial=%00",
    "/notifications/?trial=NCT%0b06760221",
    "/notifications/confirm/%00/",
    "/notifications/manage/x%7f/",
    "/inquiry/%00/",
    "/trials/?q=%00",
    "/trials/?q=sarcoma&condition=%00",
    "/trials/?country=%1b",
    "/trials/?q=a&%00=1",
    "/places/suggest/?q=%00",
    "/trials/NCT06760221/contact/?location=%00&site=%00",
    "/admin/login/?next=%00",
]


@pytest.fixture
def trial():
    trial = TrialFactory(nct_id="NCT06760221")
    SiteFactory(trial=trial, is_primary_contact=True)
    return trial


@pytest.mark.parametrize("address", BAD_ADDRESSES)
def test_it_answers_a_control_character_in_the_address_with_a_400_page(trial, address):
    client = Client(raise_request_exception=False)

    response = client.get(address)

    assert response.status_code == 400
    text = page_text(response)
    assert "We could not read that request" in text
    assert "copy it again from where you found it" in text
    if not address.startswith("/admin/"):  # the admin runs its own inline scripts
        assert "Content-Security-Policy" in response.headers


def test_a_script_asking_for_json_gets_the_reason_as_json(trial):
    client = Client(raise_request_exception=False)

    response = client.get("/places/suggest/?q=Hang%00", headers={"Accept": "application/json"})

    assert response.status_code == 400
    assert response.json() == {
        "error": "The address holds characters we cannot read. Please reload the page."
    }


@pytest.mark.parametrize("address", ["/%00", "/trials/NCT06760221/%00/", "/trials/%00/"])
def test_an_address_that_leads_nowhere_is_not_found(trial, address):
    response = Client(raise_request_exception=False).get(address)
    assert response.status_code == 404
    assert "We could not find that page" in page_text(response)


def test_it_keeps_tabs_and_line_breaks_a_search_box_may_send(client, trial):
    response = client.get(reverse("trials:list"), {"q": "sarcoma\tradiotherapy\r\n"})
    assert response.status_code == 200
    # Searched, not refused: the results (none here) and the words kept in the box.
    assert "No trial matches your search." in page_text(response)
    assert 'value="sarcoma\tradiotherapy\r\n"' in response.content.decode()


def test_it_forgets_a_cookie_holding_a_control_character(trial):
    client = Client(raise_request_exception=False)
    client.cookies["sessionid"] = "abcdefgh\x00ijklmnop"

    response = client.get(reverse("trials:contact", args=[trial.nct_id]))

    assert response.status_code == 200
    assert "First name" in page_text(response)


def test_a_share_link_with_a_control_character_is_not_found_without_a_500(trial):
    # A real token with a NUL appended still must not reach the database.
    link = ShareLink.objects.create(
        owner_key="k" * 64,
        trial=trial,
        token="t" * 43,
        passcode_hash="x",
        expires_at="2099-01-01T00:00:00Z",
    )
    client = Client(raise_request_exception=False)
    refused = client.get(f"/shared/{link.token}%00/")
    assert refused.status_code == 400
    assert "We could not read that request" in page_text(refused)
    response = client.get(f"/shared/{link.token}/")
    assert response.status_code == 200
    assert "Notes shared with you" in page_text(response)


def test_it_shows_no_results_for_words_and_a_condition_no_trial_has(postgres, client):
    TrialFactory(
        brief_title="Radiotherapy for bone metastases",
        conditions=[ConditionFactory(name="Bone Metastases")],
    )

    response = client.get(reverse("trials:list"), {"q": "radiotherapy", "condition": "Sarcoma"})

    assert response.status_code == 200
    text = page_text(response)
    assert "No trials match" in text or "0 trials" in text
    assert "Radiotherapy for bone metastases" not in text


def test_words_and_a_known_condition_still_find_the_trial(postgres, client):
    TrialFactory(
        brief_title="Radiotherapy for bone metastases",
        conditions=[ConditionFactory(name="Bone Metastases")],
    )

    for sort in ("", "updated"):
        response = client.get(
            reverse("trials:list"),
            {"q": "radiotherapy", "condition": "bone metastases", "sort": sort},
        )
        assert "Radiotherapy for bone metastases" in page_text(response)


def test_a_form_post_too_big_to_read_gets_the_400_page(trial):
    client = Client(raise_request_exception=False)
    contact = reverse("trials:contact", args=[trial.nct_id])

    too_big = client.post(contact, {"message": "x" * 3_000_000})
    too_many = client.post(contact, {f"field{n}": "x" for n in range(1_500)})

    for response in (too_big, too_many):
        assert response.status_code == 400
        assert "We could not read that request" in page_text(response)
