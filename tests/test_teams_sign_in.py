"""Sign-in by emailed one-time link: once, briefly, throttled, and silent about
whether an address has an account."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.factories import SiteMembershipFactory, UserFactory
from tests.page_text import page_text
from tests.teams import link_path, link_token
from trials.models import OutgoingEmail, SiteMembership, TeamLink

pytestmark = pytest.mark.django_db
SIGN_IN = "/team/sign-in/"


@pytest.fixture
def member():
    return SiteMembershipFactory(user__username="lin@hospital.example.org").user


def ask(client, email, **extra):
    return client.post(SIGN_IN, {"email": email}, **extra)


def the_link_email():
    return OutgoingEmail.objects.get(kind=OutgoingEmail.Kind.TEAM_SIGN_IN)


def test_a_link_signs_the_member_in_once(client, member):
    response = ask(client, "LIN@hospital.example.org", follow=True)
    assert "If this address belongs to a study-team account" in page_text(response)
    email = the_link_email()
    assert email.to == member.email
    assert "15 minutes" in email.body_text and "15 minutes" in email.body_html
    token = link_token(email)
    # Only its hash is stored.
    assert not TeamLink.objects.filter(token_hash__contains=token).exists()

    # Opening the link (as a mail scanner would) signs nobody in.
    opened = client.get(link_path(token))
    assert opened.status_code == 200 and "Sign in" in page_text(opened)
    assert client.get(reverse("trials:team_inbox")).status_code == 302

    signed_in = client.post(link_path(token), follow=True)
    assert signed_in.status_code == 200
    assert "Messages from patients" in page_text(signed_in)
    assert member.email in page_text(signed_in)

    client.post(reverse("trials:team_sign_out"))
    again = client.post(link_path(token))
    assert again.status_code == 400
    assert "This link has been used already" in page_text(again)
    assert client.get(reverse("trials:team_inbox")).status_code == 302


def test_an_expired_link_is_refused_with_a_clear_page(client, member):
    ask(client, member.email)
    token = link_token(the_link_email())
    TeamLink.objects.update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
    for response in (client.get(link_path(token)), client.post(link_path(token))):
        assert response.status_code == 400
        assert "This link has expired." in page_text(response)
    assert client.get(reverse("trials:team_inbox")).status_code == 302


@pytest.mark.parametrize("change", ["cut", "altered", "garbage"])
def test_a_tampered_link_is_refused(client, member, change):
    ask(client, member.email)
    token = link_token(the_link_email())
    bad = {"cut": token[:-3], "altered": token[:-1] + ("A" if token[-1] != "A" else "B")}
    bad["garbage"] = "x" * 300
    response = client.post(link_path(bad[change]))
    assert response.status_code == 400
    assert "This link is not valid" in page_text(response)
    assert client.get(reverse("trials:team_inbox")).status_code == 302


def test_the_answer_is_the_same_for_an_unknown_address(client, member):
    known = ask(client, member.email)
    unknown = ask(client, "nobody@example.org")
    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"]
    assert OutgoingEmail.objects.filter(kind=OutgoingEmail.Kind.TEAM_SIGN_IN).count() == 1


def test_staff_and_removed_members_get_no_link(client):
    UserFactory(username="staff@example.org", is_staff=True)
    SiteMembershipFactory(user__username="gone@example.org", status=SiteMembership.Status.REMOVED)
    for address in ("staff@example.org", "gone@example.org"):
        assert ask(client, address).status_code == 302
    assert not OutgoingEmail.objects.exists()


def test_it_throttles_per_address_and_per_connection(client, member, settings):
    settings.TEAM_SIGN_IN_PER_ADDRESS_PER_HOUR = 2
    settings.TEAM_SIGN_IN_PER_IP_PER_HOUR = 3
    assert [ask(client, member.email).status_code for _ in range(3)] == [302, 302, 429]
    assert OutgoingEmail.objects.count() == 2
    # Another address from the same connection: the per-connection limit.
    assert ask(client, "other@example.org").status_code == 429
    assert ask(client, "other@example.org", REMOTE_ADDR="192.0.2.9").status_code == 302


def test_a_bad_address_gets_a_message_and_sends_nothing(client):
    response = ask(client, "not an address")
    assert response.status_code == 400
    assert "Enter a valid email address" in page_text(response)
    assert not OutgoingEmail.objects.exists()


def test_the_session_is_renewed_on_sign_in(client, member):
    client.get(SIGN_IN)
    ask(client, member.email)
    client.session.save()
    before = client.session.session_key
    client.post(link_path(link_token(the_link_email())))
    assert client.session.session_key != before
    assert client.session["_auth_user_id"] == str(member.pk)
