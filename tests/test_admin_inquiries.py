"""Staff admin for inquiries: masked contact details, CSV, resend and per-site stats."""

import csv
import datetime
import io

import pytest
from django.contrib.auth.models import Permission, User
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from tests.factories import InquiryFactory, SiteFactory
from tests.page_text import page_text
from trials.emails import inquiry_emails_create
from trials.models import Inquiry, OutgoingEmail

pytestmark = pytest.mark.django_db
VIEW_ONLY = ["view_inquiry", "view_outgoingemail"]


def staff(client, *codenames: str) -> User:
    user = User.objects.create_user("staff", "staff@example.org", "pw", is_staff=True)
    user.user_permissions.add(*Permission.objects.filter(codename__in=codenames))
    client.force_login(user)
    return user


@pytest.fixture
def inquiry():
    inquiry = InquiryFactory(
        first_name="Mei",
        last_name="Lin",
        email="mei.lin@example.com",
        phone="+8613900000000",
        message="Is parking available?",
        site__facility="Zhejiang Hospital",
    )
    inquiry_emails_create(inquiry=inquiry)
    return inquiry


def export(client, *ids) -> list[dict]:
    response = client.post(
        reverse("admin:trials_inquiry_changelist"),
        {"action": "export_csv", "_selected_action": [str(i) for i in ids]},
    )
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    # Streamed, with a byte order mark so that spreadsheets read it as UTF-8.
    body = b"".join(response.streaming_content)
    assert body.startswith("\ufeff".encode())
    return list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))


def test_it_masks_contact_details_without_the_permission(client, inquiry):
    staff(client, *VIEW_ONLY)
    listing = page_text(client.get(reverse("admin:trials_inquiry_changelist")))
    assert "Zhejiang Hospital" in listing and "M•••" in listing
    detail = client.get(reverse("admin:trials_inquiry_change", args=[inquiry.pk]))
    html = detail.content.decode()
    for secret in ("Mei", "Lin", "mei.lin@example.com", "13900000000", "Is parking"):
        assert secret not in html
    assert "m•••" in html  # the patient copy's recipient, masked in the emails inline
    [row] = export(client, inquiry.pk)
    assert (row["first_name"], row["email"], row["phone"], row["message"]) == (
        "M•••",
        "m•••",
        "'+•••",
        "I•••",
    )
    emails = client.get(reverse("admin:trials_outgoingemail_changelist")).content.decode()
    assert "mei.lin@example.com" not in emails


def test_it_does_not_search_by_contact_details_without_the_permission(client, inquiry):
    staff(client, *VIEW_ONLY)
    url = reverse("admin:trials_inquiry_changelist")
    assert "0 inquiries" in page_text(client.get(url, {"q": "mei.lin@example.com"}))
    assert "1 inquiry" in page_text(client.get(url, {"q": inquiry.trial.nct_id}))


def test_it_shows_contact_details_with_the_permission(client, inquiry):
    staff(client, *VIEW_ONLY, "view_contact_details")
    listing = page_text(client.get(reverse("admin:trials_inquiry_changelist")))
    assert "Mei Lin" in listing and "mei.lin@example.com" in listing
    search = client.get(reverse("admin:trials_inquiry_changelist"), {"q": "mei.lin"})
    assert "1 inquiry" in page_text(search)
    html = client.get(reverse("admin:trials_inquiry_change", args=[inquiry.pk])).content.decode()
    assert "mei.lin@example.com" in html and "Is parking available?" in html
    [row] = export(client, inquiry.pk)
    assert row["first_name"] == "Mei" and row["email"] == "mei.lin@example.com"
    # A leading + is a formula to a spreadsheet: the apostrophe keeps it text.
    assert row["phone"] == "'+8613900000000" and row["message"] == "Is parking available?"
    assert row["trial"] == inquiry.trial.nct_id and row["site"] == "Zhejiang Hospital"
    assert row["status"] == "new"


def test_the_csv_does_not_carry_spreadsheet_formulas(client):
    inquiry = InquiryFactory(first_name="=HYPERLINK(1)", message="@SUM(A1)")
    staff(client, *VIEW_ONLY, "view_contact_details")
    [row] = export(client, inquiry.pk)
    assert row["first_name"] == "'=HYPERLINK(1)" and row["message"] == "'@SUM(A1)"


@pytest.mark.parametrize(
    "value",
    [
        "-1+cmd|' /C calc'!A0",
        "+1+cmd|' /C calc'!A0",
        "=1+2",
        "@SUM(1+1)*cmd|' /C calc'!A0",
        "\t=1+2",
        "\r=1+2",
        "-2",
        "+86 cmd|' /C calc'!A0",
    ],
)
def test_the_csv_guards_every_cell_a_spreadsheet_would_run(client, value):
    inquiry = InquiryFactory(last_name=value, message=value, preferred_language=value[:16])
    staff(client, *VIEW_ONLY, "view_contact_details")
    [row] = export(client, inquiry.pk)
    assert row["last_name"] == "'" + value and row["message"] == "'" + value
    assert row["preferred_language"] == "'" + value[:16]


def test_it_resends_failed_emails(client, inquiry, django_capture_on_commit_callbacks):
    staff(client, *VIEW_ONLY)
    inquiry.emails.filter(kind=OutgoingEmail.Kind.SITE_INQUIRY).update(
        status=OutgoingEmail.Status.FAILED, attempts=6, last_error="550 5.1.1 No such user"
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("admin:trials_inquiry_changelist"),
            {"action": "resend_failed_emails", "_selected_action": [str(inquiry.pk)]},
            follow=True,
        )
    assert "1 email queued again." in page_text(response)
    site_email = inquiry.emails.get(kind=OutgoingEmail.Kind.SITE_INQUIRY)
    assert site_email.status == OutgoingEmail.Status.SENT
    assert [m.to for m in mail.outbox] == [[site_email.to]]
    patient_copy = inquiry.emails.get(kind=OutgoingEmail.Kind.PATIENT_COPY)
    assert patient_copy.status == OutgoingEmail.Status.QUEUED  # not failed: left alone


def test_it_shows_the_delivery_status_of_an_inquirys_emails(client, inquiry):
    staff(client, *VIEW_ONLY, "view_contact_details")
    inquiry.emails.filter(kind=OutgoingEmail.Kind.PATIENT_COPY).update(
        status=OutgoingEmail.Status.FAILED, last_error="550 5.1.1 No such user"
    )
    text = page_text(client.get(reverse("admin:trials_inquiry_change", args=[inquiry.pk])))
    assert "Inquiry to the study site" in text and "Queued" in text
    assert "Copy to the patient" in text and "Failed" in text
    assert "550 5.1.1 No such user" in text


def test_it_shows_per_site_counts_and_median_time_to_first_response(client):
    staff(client, *VIEW_ONLY)
    fast = SiteFactory(facility="Fast Hospital")
    slow = SiteFactory(facility="Slow Hospital")
    now = timezone.now()
    answers = [(fast, 2), (fast, 3), (fast, 4), (fast, 5), (fast, 30), (slow, 50), (slow, None)]
    for site, hours in answers:
        inquiry = InquiryFactory(site=site)
        created = now - datetime.timedelta(days=3)
        Inquiry.objects.filter(pk=inquiry.pk).update(
            created_at=created,
            first_response_at=created + datetime.timedelta(hours=hours) if hours else None,
        )
    changelist = client.get(reverse("admin:trials_inquiry_changelist")).content.decode()
    assert reverse("admin:trials_inquiry_stats") in changelist
    text = page_text(client.get(reverse("admin:trials_inquiry_stats")))
    assert "Fast Hospital" in text and "Slow Hospital" in text
    assert f"Fast Hospital , Hangzhou {fast.trial.nct_id} 5 5 4.0" in text
    # One answer is no usual time: shown only when five answers back it.
    assert f"Slow Hospital , Hangzhou {slow.trial.nct_id} 2 1 –" in text


def test_the_stats_page_is_for_staff_only(client):
    response = client.get(reverse("admin:trials_inquiry_stats"))
    assert response.status_code == 302 and "login" in response["Location"]


def test_the_outbox_list_is_read_only(client, inquiry):
    staff(client, *VIEW_ONLY, "add_outgoingemail", "change_outgoingemail")
    listing = client.get(reverse("admin:trials_outgoingemail_changelist"))
    assert listing.status_code == 200
    assert "Inquiry to the study site" in page_text(listing)
    assert client.get(reverse("admin:trials_outgoingemail_add")).status_code == 403
