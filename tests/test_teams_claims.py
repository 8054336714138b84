"""Claiming a site: confirmed by the registry's address, or approved by staff;
a claim waiting for staff grants nothing. Staff invite coordinators too."""

import pytest
from django.contrib.auth.models import User
from django.urls import reverse

from tests.factories import InquiryFactory, SiteFactory, TrialFactory
from tests.page_text import page_text
from tests.teams import link_path, link_token
from trials.models import OutgoingEmail, SiteClaim, SiteMembership
from trials.team_access import registry_addresses, site_claim_decide, team_invite

pytestmark = pytest.mark.django_db


@pytest.fixture
def site():
    return SiteFactory(contact_email="Trials@Hospital.example.org", facility="Zhejiang Hospital")


def claim(client, site, email, **extra):
    return client.post(reverse("trials:team_claim", args=[site.pk]), {"email": email}, **extra)


def test_the_trial_page_offers_the_claim_for_each_site(client, site):
    response = client.get(site.trial.get_absolute_url())
    assert reverse("trials:team_claim", args=[site.pk]) in response.content.decode()
    assert "Are you the study team here?" in page_text(response)


def test_a_claim_by_the_registry_address_is_confirmed_by_its_link(client, site):
    inquiry = InquiryFactory(site=site, first_name="Ming", last_name="Wang")
    response = claim(client, site, "trials@hospital.example.org", follow=True)
    assert "we have emailed it a link" in page_text(response)
    email = OutgoingEmail.objects.get(kind=OutgoingEmail.Kind.TEAM_CLAIM)
    assert email.to == "trials@hospital.example.org"
    assert "Zhejiang Hospital" in email.body_text and "Zhejiang Hospital" in email.body_html
    # Nothing is granted before the link is used.
    assert not SiteMembership.objects.exists()
    assert not User.objects.exists()

    opened = client.post(link_path(link_token(email)), follow=True)
    assert "Ming Wang" in page_text(opened)
    assert SiteClaim.objects.get().status == SiteClaim.Status.CONFIRMED
    membership = SiteMembership.objects.get()
    assert membership.site == site and membership.status == SiteMembership.Status.CONFIRMED
    assert client.get(reverse("trials:team_inquiry", args=[inquiry.pk])).status_code == 200


def test_every_contact_the_registry_lists_is_a_registry_address(site):
    # As the importer keeps them: the trial's central and backup contacts,
    # and every contact of the site, not only the first with an address.
    site.trial.central_contacts = [
        {"role": "CENTRAL_CONTACT", "name": "Trial office", "email": "central@example.org"},
        {"role": "BACKUP_CONTACT", "name": "Backup", "email": "Backup@Example.org"},
    ]
    site.contacts = [
        {"role": "CONTACT", "name": "Coordinator", "email": "trials@hospital.example.org"},
        {"role": "BACKUP", "name": "Nurse", "email": "nurse@hospital.example.org"},
    ]
    assert registry_addresses(site) == {
        "trials@hospital.example.org",
        "nurse@hospital.example.org",
        "central@example.org",
        "backup@example.org",
    }


def test_another_address_waits_for_staff_and_grants_nothing(client, site, admin_client):
    inquiry = InquiryFactory(site=site)
    response = claim(client, site, "someone@elsewhere.example.org", follow=True)
    assert "our staff will check the claim" in page_text(response)
    assert not OutgoingEmail.objects.exists()
    assert not User.objects.filter(email="someone@elsewhere.example.org").exists()
    pending = SiteClaim.objects.get()
    assert (pending.status, pending.registry_address) == (SiteClaim.Status.PENDING, False)

    # The sign-in page sends nothing: there is no account yet.
    client.post(reverse("trials:team_sign_in"), {"email": "someone@elsewhere.example.org"})
    assert not OutgoingEmail.objects.exists()

    # Staff approve in the admin: an invitation is emailed.
    changelist = reverse("admin:trials_siteclaim_changelist")
    assert "someone@elsewhere.example.org" in page_text(admin_client.get(changelist))
    admin_client.post(changelist, {"action": "approve", "_selected_action": [pending.pk]})
    pending.refresh_from_db()
    assert pending.status == SiteClaim.Status.APPROVED
    invitation = OutgoingEmail.objects.get(kind=OutgoingEmail.Kind.TEAM_INVITE)
    assert invitation.to == "someone@elsewhere.example.org"
    assert "Accept the invitation" in invitation.body_html
    # Still nothing until the coordinator accepts.
    assert client.get(reverse("trials:team_inquiry", args=[inquiry.pk])).status_code == 302

    client.post(link_path(link_token(invitation)))
    assert client.get(reverse("trials:team_inquiry", args=[inquiry.pk])).status_code == 200


def test_a_refused_claim_grants_nothing(client, site, admin_user):
    claim(client, site, "someone@elsewhere.example.org")
    pending = SiteClaim.objects.get()
    assert site_claim_decide(claim=pending, approve=False, by=admin_user)
    assert not site_claim_decide(claim=pending, approve=True, by=admin_user)
    assert SiteClaim.objects.get().status == SiteClaim.Status.REFUSED
    assert not SiteMembership.objects.exists() and not OutgoingEmail.objects.exists()


def test_a_claim_for_an_unpublished_trial_or_bad_input_changes_nothing(client):
    hidden = SiteFactory(trial=TrialFactory(published=False))
    assert claim(client, hidden, "a@example.org").status_code == 404
    site = SiteFactory()
    response = claim(client, site, "not an address")
    assert response.status_code == 400 and "Enter a valid email address" in page_text(response)
    assert not SiteClaim.objects.exists()


def test_staff_invite_a_coordinator_from_the_admin(admin_client, client, site):
    response = admin_client.post(
        reverse("admin:trials_sitemembership_add"),
        {"site": site.pk, "email": "new.coordinator@hospital.example.org"},
        follow=True,
    )
    assert response.status_code == 200
    assert "The invitation has been emailed." in page_text(response)
    membership = SiteMembership.objects.get()
    assert membership.status == SiteMembership.Status.PENDING
    assert not membership.user.is_active
    invitation = OutgoingEmail.objects.get(kind=OutgoingEmail.Kind.TEAM_INVITE)
    client.post(link_path(link_token(invitation)))
    membership.refresh_from_db()
    assert membership.status == SiteMembership.Status.CONFIRMED and membership.user.is_active


def test_an_invitation_withdrawn_before_it_is_accepted_grants_nothing(client, site):
    membership = team_invite(site=site, email="late@example.org")
    membership.status = SiteMembership.Status.REMOVED
    membership.save()
    response = client.post(link_path(link_token(OutgoingEmail.objects.get())))
    assert response.status_code == 400 and "This link is not valid" in page_text(response)
    assert SiteMembership.objects.get().status == SiteMembership.Status.REMOVED


def test_no_link_signs_a_staff_account_in(client, site):
    User.objects.create_user("trials@hospital.example.org", "trials@hospital.example.org")
    User.objects.filter(email="trials@hospital.example.org").update(is_staff=True)
    claim(client, site, "trials@hospital.example.org")
    response = client.post(link_path(link_token(OutgoingEmail.objects.get())))
    assert response.status_code == 400 and "This link is not valid" in page_text(response)
    assert not SiteMembership.objects.exists()
    assert SiteClaim.objects.get().status == SiteClaim.Status.PENDING
    assert "_auth_user_id" not in client.session
