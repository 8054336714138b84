"""The study-team inbox: lists, filters, an inquiry's page, statuses with
notes, the CSV export, team settings, and what trials/teams.py answers."""

import csv
import datetime
import io

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tests.factories import InquiryFactory, SiteMembershipFactory
from tests.page_text import page_text
from tests.untranslated import english_on_page
from trials.coordinator import COORDINATOR_STATUSES, coordinator_token
from trials.models import Inquiry, SiteMembership, TeamSettings
from trials.teams import taking_messages, team_addresses
from trials.views.inbox import PAGE_SIZE

pytestmark = pytest.mark.django_db
INBOX = "/team/"


@pytest.fixture
def member(client):
    membership = SiteMembershipFactory(
        user__username="lin@hospital.example.org", site__facility="Zhejiang Hospital"
    )
    client.force_login(membership.user)
    return membership


def export_rows(client, query="") -> tuple[bytes, list[list[str]]]:
    response = client.get(reverse("trials:team_export") + query)
    assert response.status_code == 200 and response.streaming
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    raw = b"".join(response.streaming_content)
    return raw, list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))


def test_an_inquiry_page_shows_details_answers_and_history(client, member):
    inquiry = InquiryFactory(
        site=member.site,
        preferred_language="zh-hans",
        location_text="Hangzhou",
        prescreen_answers=[
            {"question": "Age", "answer": "54", "verdict": "met", "criterion": "18-75 years"},
            {"question": "Prior radiotherapy?", "answer": "Yes", "verdict": "not_met"},
        ],
    )
    page = reverse("trials:team_inquiry", args=[inquiry.pk])
    text = page_text(client.get(page))
    assert "王小明" in text and inquiry.email in text and inquiry.phone in text
    assert "Preferred language Chinese (Simplified)" in text
    assert "Where they are Hangzhou (about 3 km from the site)" in text
    assert "Age 54 fits the criterion 18-75 years" in text
    assert "Prior radiotherapy? Yes does not fit the criterion" in text
    assert "No change yet." in text

    response = client.post(
        page, {"status": "could_not_reach", "note": "Phoned twice, no answer."}, follow=True
    )
    text = page_text(response)
    assert "The status has been saved" in text
    assert "Current status Could not reach" in text
    assert "Could not reach" in text and "Phoned twice, no answer." in text
    assert "lin@hospital.example.org" in text
    inquiry.refresh_from_db()
    assert inquiry.status == "could_not_reach" and inquiry.first_response_at is not None


def test_a_teams_note_is_read_by_the_team_and_by_no_staff_without_the_permission(client, member):
    """Staff without "Can see patients' contact details" and no place in the
    team reach neither the inquiry nor its notes from the inbox's side; the
    admin shows them the answer with the note hidden (tests/test_admin_masking.py)."""
    from django.contrib.auth.models import Permission, User

    inquiry = InquiryFactory(site=member.site, phone="+8613912345678")
    note = "Called 139-1234-5678: eGFR 17 on Zoltraxin, not eligible"
    page = reverse("trials:team_inquiry", args=[inquiry.pk])
    client.post(page, {"status": "not_eligible", "note": note})
    assert note in page_text(client.get(page))

    staff = User.objects.create_user("staff", "staff@example.org", "pw", is_staff=True)
    staff.user_permissions.add(*Permission.objects.exclude(codename="view_contact_details"))
    client.force_login(staff)
    response = client.get(page)
    assert response.status_code == 404 and "Zoltraxin" not in response.content.decode()
    assert "Zoltraxin" not in page_text(client.get(INBOX))
    assert b"Zoltraxin" not in b"".join(client.get(reverse("trials:team_export")).streaming_content)

    admin_page = client.get(reverse("admin:trials_inquiry_change", args=[inquiry.pk]))
    text = page_text(admin_page)
    assert admin_page.status_code == 200 and "Not eligible" in text
    assert "Zoltraxin" not in text and "5678" not in text


def test_a_bad_status_gets_a_message_and_changes_nothing(client, member):
    inquiry = InquiryFactory(site=member.site)
    page = reverse("trials:team_inquiry", args=[inquiry.pk])
    for status in ("new", "deleted", ""):
        response = client.post(page, {"status": status})
        assert response.status_code == 400
        assert "Select a valid choice" in page_text(response) or "required" in page_text(response)
    inquiry.refresh_from_db()
    assert inquiry.status == "new" and not inquiry.status_changes.exists()


def test_the_signed_link_offers_the_same_statuses_and_keeps_history(client):
    inquiry = InquiryFactory()
    path = reverse("trials:coordinator", args=[coordinator_token(inquiry)])
    text = page_text(client.get(path))
    for status in COORDINATOR_STATUSES:
        assert str(status.label) in text
    assert [s.value for s in COORDINATOR_STATUSES] == [
        "contacted",
        "screening",
        "enrolled",
        "not_eligible",
        "could_not_reach",
    ]
    client.post(path, {"status": "could_not_reach", "note": "Voicemail"})
    change = inquiry.status_changes.get()
    assert (change.status, change.note, change.by) == ("could_not_reach", "Voicemail", None)


def test_filters_by_site_and_status_and_search(client, member):
    second = SiteMembershipFactory(user=member.user, site__facility="Ningbo Hospital").site
    InquiryFactory(site=member.site, first_name="Ming", last_name="Wang", status="new")
    InquiryFactory(site=second, first_name="Hua", last_name="Li", status="enrolled")
    InquiryFactory(site=second, first_name="Fang", last_name="Zhou", phone="+8613900000001")

    def names(query):
        return page_text(client.get(INBOX + query))

    assert all(name in names("") for name in ("Ming Wang", "Hua Li", "Fang Zhou"))
    text = names(f"?site={second.pk}")
    assert "Hua Li" in text and "Fang Zhou" in text and "Ming Wang" not in text
    text = names("?status=enrolled")
    assert "Hua Li" in text and "Ming Wang" not in text and "Fang Zhou" not in text
    text = names("?q=13900000001")
    assert "Fang Zhou" in text and "Hua Li" not in text
    text = names("?q=hua+li")
    assert "Hua Li" in text and "Fang Zhou" not in text
    bad = client.get(INBOX + "?status=deleted")
    assert bad.status_code == 400 and "Select a valid choice" in page_text(bad)


def test_the_inbox_shows_each_sites_median_time_to_first_answer(client, member):
    now = timezone.now()
    for hours in (2, 3, 4, 5, 30):
        inquiry = InquiryFactory(site=member.site)
        Inquiry.objects.filter(pk=inquiry.pk).update(
            created_at=now - datetime.timedelta(hours=hours),
            first_response_at=now,
            status="contacted",
        )
    text = page_text(client.get(INBOX))
    assert "usually answers within 4 hours (median)" in text


def test_pages_are_bounded_and_queries_do_not_grow_with_inquiries(client, member):
    def page_cost() -> tuple[int, int]:
        with CaptureQueriesContext(connection) as queries:
            response = client.get(INBOX)
        assert response.status_code == 200
        return len(queries), response.content.decode().count('href="/team/inquiries/')

    InquiryFactory.create_batch(3, site=member.site)
    cache.clear()  # the site's median is read once, then kept
    first_visit, _rows = page_cost()
    few_queries, few_rows = page_cost()
    assert first_visit == few_queries + 1
    InquiryFactory.create_batch(PAGE_SIZE + 10, site=member.site)
    many_queries, many_rows = page_cost()
    assert few_rows == 3 and many_rows == PAGE_SIZE
    assert many_queries == few_queries
    text = page_text(client.get(INBOX + "?page=2"))
    assert "Page 2, newest first" in text and "Older" not in text
    assert "Newer" in text


def test_the_export_has_a_bom_and_guards_formulas(client, member):
    InquiryFactory(
        site=member.site,
        first_name='=HYPERLINK("http://example.org")',
        last_name="@SUM(A1)",
        phone="+8613800138000",
        message="-2+3",
        location_text="\tTab",
    )
    InquiryFactory(site=member.site, first_name="小明", last_name="王")
    raw, rows = export_rows(client)
    assert raw.startswith("\ufeff".encode())
    header, *body = rows
    assert header[:4] == ["Received", "Trial", "Study site", "Status"]
    assert len(body) == 2
    guarded = next(row for row in body if "HYPERLINK" in row[4])
    assert guarded[4].startswith("'=") and guarded[5] == "'@SUM(A1)"
    assert guarded[7] == "'+8613800138000" and guarded[10] == "'-2+3" and guarded[9] == "'\tTab"
    assert any(row[4] == "小明" and row[5] == "王" for row in body)
    for row in body:
        assert all(cell[:1] not in ("=", "+", "-", "@", "\t", "\r") for cell in row)


def test_the_export_follows_the_filters(client, member):
    InquiryFactory(site=member.site, first_name="Hua", status="enrolled")
    InquiryFactory(site=member.site, first_name="Ming")
    _raw, rows = export_rows(client, "?status=enrolled")
    assert [row[4] for row in rows[1:]] == ["Hua"]


def test_team_settings_win_over_the_registry_and_can_pause_messages(client, member):
    site = member.site
    assert team_addresses(site) == ["lin@hospital.example.org"]
    assert taking_messages(site)
    page = reverse("trials:team_settings", args=[site.pk])
    response = client.post(
        page,
        {
            "contact_addresses": "team@hospital.example.org\nnurse@hospital.example.org\n",
            "languages": ["zh-hans", "en"],
            "not_taking_messages": "on",
        },
        follow=True,
    )
    assert "Your settings have been saved." in page_text(response)
    with CaptureQueriesContext(connection) as queries:
        assert team_addresses(site) == ["team@hospital.example.org", "nurse@hospital.example.org"]
        assert taking_messages(site) is False
    assert len(queries) == 2
    assert "Not taking messages now" in page_text(client.get(INBOX))

    # Once nobody holds the site, its team's settings no longer count.
    SiteMembership.objects.update(status=SiteMembership.Status.REMOVED)
    assert team_addresses(site) == [] and taking_messages(site)


def test_team_settings_refuse_bad_addresses_and_change_nothing(client, member):
    page = reverse("trials:team_settings", args=[member.site.pk])
    response = client.post(page, {"contact_addresses": "team@hospital.example.org\nnope"})
    assert response.status_code == 400
    assert "“nope” is not an email address." in page_text(response)
    assert not TeamSettings.objects.exists()


def test_a_site_no_team_holds_has_no_team_addresses(member):
    other = InquiryFactory().site
    assert team_addresses(other) == [] and taking_messages(other)


@pytest.mark.usefixtures("compiled_catalogues")
def test_the_members_pages_read_in_chinese(client, member):
    inquiry = InquiryFactory(
        site=member.site,
        message="我想了解这项研究。",
        location_text="杭州",
        prescreen_answers=[{"question": "年龄", "answer": "54", "verdict": "met"}],
    )
    client.post(
        f"/zh-hans/team/inquiries/{inquiry.pk}/", {"status": "contacted", "note": "已电话联系"}
    )
    pages = [
        "/zh-hans/team/",
        f"/zh-hans/team/inquiries/{inquiry.pk}/",
        f"/zh-hans/team/sites/{member.site.pk}/settings/",
        "/zh-hans/team/sign-in/sent/",
    ]
    for path in pages:
        response = client.get(path)
        assert response.status_code == 200, path
        html = response.content.decode()
        allowed = {*member.site.facility.split(), "CSV"}
        assert english_on_page(html, also_allowed=allowed) == [], path
    text = page_text(client.get(f"/zh-hans/team/inquiries/{inquiry.pk}/"))
    assert "当前状态 已联系" in text and "已电话联系" in text and "患者留言" not in text


def test_a_page_out_of_range_gets_a_message(client, member):
    InquiryFactory(site=member.site, first_name="Ming", last_name="Wang")
    for page in ("401", "0", "abc"):
        response = client.get(INBOX + f"?page={page}")
        assert response.status_code == 400
        assert "Page:" in page_text(response) and "Ming Wang" not in page_text(response)
    assert "Ming Wang" in page_text(client.get(INBOX + "?page=1"))
