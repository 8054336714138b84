"""Row-level isolation: an account sees only the inquiries of the sites it holds.

The URLs come from the URLconf, so a new study-team page cannot be forgotten:
every "team_" URL is either public (sign-in, links, claims) or answers 404
to another site's member, for GET and POST, and the export leaves the other
site's rows out.
"""

import pytest
from django.urls import URLPattern, reverse

from tests.factories import InquiryFactory, SiteMembershipFactory
from tests.page_text import page_text
from trials import urls
from trials.models import Inquiry, SiteMembership, TeamSettings

pytestmark = pytest.mark.django_db

# Pages anybody may open: they show no inquiry.
PUBLIC = {
    "team_sign_in",
    "team_sign_in_sent",
    "team_sign_out",
    "team_link",
    "team_claim",
    "team_claim_sent",
}


def team_patterns() -> list[URLPattern]:
    return [
        pattern
        for pattern in urls.urlpatterns
        if isinstance(pattern, URLPattern) and pattern.name.startswith("team_")
    ]


@pytest.fixture
def two_teams():
    ours = SiteMembershipFactory(user__username="ours@example.org")
    theirs = SiteMembershipFactory(user__username="theirs@example.org")
    our_inquiry = InquiryFactory(site=ours.site, first_name="Ours", last_name="Patient")
    their_inquiry = InquiryFactory(
        site=theirs.site, first_name="Their", last_name="Patient", email="their@example.com"
    )
    return ours, theirs, our_inquiry, their_inquiry


def urls_for(inquiry: Inquiry) -> dict[str, str]:
    """Every member URL naming this inquiry's site or the inquiry itself."""
    ids = {"pk": inquiry.pk, "site_id": inquiry.site_id}
    found = {}
    for pattern in team_patterns():
        if pattern.name in PUBLIC:
            continue
        names = set(pattern.pattern.converters)
        assert names <= set(ids), f"{pattern.name}: teach this test its {names - set(ids)}"
        kwargs = {name: ids[name] for name in names}
        path = reverse(f"trials:{pattern.name}", kwargs=kwargs)
        # A list (the inbox, the export) names the site in its filter.
        found[pattern.name] = path if kwargs else f"{path}?site={inquiry.site_id}"
    return found


def test_there_are_member_pages_to_walk():
    assert {p.name for p in team_patterns()} - PUBLIC >= {
        "team_inbox",
        "team_inquiry",
        "team_export",
        "team_settings",
    }


def test_every_member_url_of_another_site_is_a_404(client, two_teams):
    ours, _theirs, our_inquiry, their_inquiry = two_teams
    client.force_login(ours.user)
    for name, path in urls_for(our_inquiry).items():
        assert client.get(path).status_code == 200, name
    for name, path in urls_for(their_inquiry).items():
        assert client.get(path).status_code == 404, name
        assert client.post(path, {"status": "enrolled", "note": "x"}).status_code in (404, 405)
    their_inquiry.refresh_from_db()
    assert their_inquiry.status == Inquiry.Status.NEW
    assert not their_inquiry.status_changes.exists()
    assert not TeamSettings.objects.exists()


def test_lists_search_and_export_show_only_the_accounts_sites(client, two_teams):
    ours, _theirs, _our_inquiry, _their_inquiry = two_teams
    client.force_login(ours.user)
    for query in ("", "?q=Patient", "?q=their@example.com", "?status=new"):
        text = page_text(client.get(reverse("trials:team_inbox") + query))
        assert "Their Patient" not in text and "their@example.com" not in text
    assert "Ours Patient" in page_text(client.get(reverse("trials:team_inbox") + "?q=Patient"))
    export = b"".join(client.get(reverse("trials:team_export")).streaming_content).decode()
    assert "Ours" in export and "Their" not in export and "their@example.com" not in export


def test_a_removed_member_loses_the_inquiries_at_once(client, two_teams, admin_client):
    ours, _theirs, our_inquiry, _their_inquiry = two_teams
    client.force_login(ours.user)
    inquiry_page = reverse("trials:team_inquiry", args=[our_inquiry.pk])
    assert client.get(inquiry_page).status_code == 200

    admin_client.post(
        reverse("admin:trials_sitemembership_changelist"),
        {"action": "remove", "_selected_action": [ours.pk]},
    )
    assert SiteMembership.objects.get(pk=ours.pk).status == SiteMembership.Status.REMOVED
    # The same session, the next request.
    assert client.get(inquiry_page).status_code == 404
    assert "Ours Patient" not in page_text(client.get(reverse("trials:team_inbox")))
    export = b"".join(client.get(reverse("trials:team_export")).streaming_content).decode()
    assert "Ours" not in export
    for path in urls_for(our_inquiry).values():
        assert client.get(path).status_code == 404, path


def test_signed_out_visitors_are_sent_to_sign_in(client, two_teams):
    _ours, _theirs, our_inquiry, _their_inquiry = two_teams
    for path in urls_for(our_inquiry).values():
        response = client.get(path)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("trials:team_sign_in"))
