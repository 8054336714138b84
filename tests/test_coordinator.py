"""The coordinator's signed link: it works, and a changed or old one says so."""

import time

import pytest
from django.core import signing
from django.urls import reverse
from django.utils import timezone

from tests.factories import InquiryFactory
from tests.page_text import page_text
from trials.coordinator import SALT, coordinator_token, coordinator_url

pytestmark = pytest.mark.django_db


class SignedLongAgo(signing.TimestampSigner):
    def __init__(self, days: int):
        super().__init__(salt=SALT)
        self.days = days

    def timestamp(self):
        return signing.b62_encode(int(time.time()) - self.days * 86400)


def page(inquiry):
    return reverse("trials:coordinator", args=[coordinator_token(inquiry)])


def test_it_shows_the_inquiry_behind_a_valid_link(client):
    inquiry = InquiryFactory(first_name="小明", last_name="王", site__facility="Zhejiang Hospital")
    response = client.get(page(inquiry))
    assert response.status_code == 200
    text = page_text(response)
    assert "王" in text and "小明" in text
    assert inquiry.email in text and inquiry.trial.nct_id in text
    assert "Zhejiang Hospital" in text
    assert "Current status New" in text
    assert response["Cache-Control"].startswith("max-age=0")


def test_the_link_in_the_email_is_absolute(settings):
    settings.SITE_URL = "https://trials.example.org"
    inquiry = InquiryFactory()
    assert coordinator_url(inquiry).startswith("https://trials.example.org/inquiry/")


def test_it_records_the_first_response_once(client):
    inquiry = InquiryFactory()
    response = client.post(page(inquiry), {"status": "contacted"}, follow=True)
    assert "The status has been saved" in page_text(response)
    assert "Current status Contacted" in page_text(response)
    inquiry.refresh_from_db()
    first = inquiry.first_response_at
    assert inquiry.status == "contacted" and first is not None
    assert inquiry.status_changed_at == first

    client.post(page(inquiry), {"status": "enrolled"})
    inquiry.refresh_from_db()
    assert inquiry.status == "enrolled"
    assert inquiry.first_response_at == first
    assert inquiry.status_changed_at > first


def test_it_refuses_a_status_the_coordinator_cannot_set(client):
    inquiry = InquiryFactory()
    response = client.post(page(inquiry), {"status": "new"})
    assert response.status_code == 400
    assert "Please choose one of the statuses" in page_text(response)
    inquiry.refresh_from_db()
    assert inquiry.first_response_at is None


@pytest.mark.parametrize(
    "change",
    [
        lambda t: t[:-1] + ("A" if t[-1] != "A" else "B"),  # signature altered
        lambda t: str(int(t.split(":")[0]) + 1) + t[t.index(":") :],  # another inquiry's id
        lambda t: "garbage",
        lambda t: t.split(":")[0],  # signature missing
    ],
)
def test_it_refuses_a_tampered_link_with_a_clear_page(client, change):
    inquiry = InquiryFactory()
    InquiryFactory()
    url = reverse("trials:coordinator", args=[change(coordinator_token(inquiry))])
    response = client.get(url)
    assert response.status_code == 403
    assert "This link does not work" in page_text(response)
    assert client.post(url, {"status": "contacted"}).status_code == 403
    inquiry.refresh_from_db()
    assert inquiry.status == "new"


def test_it_refuses_a_link_signed_for_something_else(client):
    inquiry = InquiryFactory()
    token = signing.TimestampSigner(salt="another.purpose").sign(str(inquiry.pk))
    response = client.get(reverse("trials:coordinator", args=[token]))
    assert response.status_code == 403
    assert "This link does not work" in page_text(response)
    assert inquiry.email not in page_text(response)


def test_it_says_an_old_link_has_expired(client, settings):
    settings.INQUIRY_LINK_MAX_AGE_DAYS = 60
    inquiry = InquiryFactory()
    token = SignedLongAgo(days=61).sign(str(inquiry.pk))
    response = client.get(reverse("trials:coordinator", args=[token]))
    assert response.status_code == 410
    assert "This link has expired" in page_text(response)
    assert inquiry.email not in page_text(response)
    assert client.post(response.request["PATH_INFO"], {"status": "enrolled"}).status_code == 410

    recent = SignedLongAgo(days=59).sign(str(inquiry.pk))
    assert client.get(reverse("trials:coordinator", args=[recent])).status_code == 200


def test_it_treats_an_anonymised_inquiry_as_gone(client):
    inquiry = InquiryFactory(anonymised_at=timezone.now())
    response = client.get(page(inquiry))
    assert response.status_code == 410
    assert "This link has expired" in page_text(response)
