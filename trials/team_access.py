"""How a study-team account comes to hold a site, signs in and leaves.

Every credential is a one-time link (`TeamLink`): a random token emailed to
the coordinator, of which only the SHA-256 is stored, used once (a
conditional update, so two clicks cannot both use it) and short-lived. The
accounts are Django's users, made only when a claim is confirmed or approved
or staff invite someone; they have no password. Staff accounts never sign in
through a link: they keep the admin's password and lockout.
"""

from __future__ import annotations

import datetime
import hashlib
import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation

from trials.emails import email_queue, site_language
from trials.links import LinkExpired, LinkInvalid
from trials.models import (
    OutgoingEmail,
    Site,
    SiteClaim,
    SiteMembership,
    TeamLink,
    TeamSettings,
    Trial,
)
from trials.outbox import outbox_enqueue
from trials.ratelimit import mailbox_key, rate_limited

User = get_user_model()
Purpose = TeamLink.Purpose


class LinkUsed(LinkInvalid):
    """A genuine link that has been used already."""


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def link_lifetime(purpose: str) -> datetime.timedelta:
    if purpose == Purpose.SIGN_IN:
        return datetime.timedelta(minutes=settings.TEAM_SIGN_IN_LINK_MINUTES)
    return datetime.timedelta(days=settings.TEAM_INVITE_LINK_DAYS)


def link_email(
    *, purpose: str, email: str, site: Site | None = None, claim: SiteClaim | None = None
) -> OutgoingEmail:
    """Store a new link and queue its email, in the language active now."""
    token = secrets.token_urlsafe(32)
    link = TeamLink.objects.create(
        purpose=purpose,
        email=email,
        site=site,
        claim=claim,
        token_hash=_hash(token),
        expires_at=timezone.now() + link_lifetime(purpose),
    )
    url = settings.SITE_URL + reverse("trials:team_link", args=[token])
    lifetime = link_lifetime(purpose)
    row = email_queue(
        kind={
            Purpose.SIGN_IN: OutgoingEmail.Kind.TEAM_SIGN_IN,
            Purpose.CLAIM: OutgoingEmail.Kind.TEAM_CLAIM,
            Purpose.INVITE: OutgoingEmail.Kind.TEAM_INVITE,
        }[purpose],
        to=email,
        template=f"team_{purpose}",
        context={
            "link_url": url,
            "link": link,
            "site": site,
            "trial": site.trial if site else None,
            "minutes": int(lifetime.total_seconds() // 60),
            "days": lifetime.days,
        },
    )
    outbox_enqueue(email_ids=[row.pk])
    return row


def link_find(token: str) -> TeamLink:
    """The link a token names; LinkInvalid, LinkUsed or LinkExpired otherwise."""
    if not token or len(token) > 100:
        raise LinkInvalid
    link = TeamLink.objects.select_related("site__trial", "claim").filter(token_hash=_hash(token))
    link = link.first()
    if link is None:
        raise LinkInvalid
    if link.used_at is not None:
        raise LinkUsed
    if link.is_expired:
        raise LinkExpired
    return link


def _link_use(link: TeamLink) -> None:
    """Mark the link used, once: a second click (or a race) gets LinkUsed."""
    used = TeamLink.objects.filter(
        pk=link.pk, used_at__isnull=True, expires_at__gt=timezone.now()
    ).update(used_at=timezone.now())
    if used != 1:
        raise LinkUsed


def _account_for(email: str, *, active: bool) -> User:
    """The account of this address, made if there is none (active or not yet)."""
    user = User.objects.filter(email__iexact=email).order_by("pk").first()
    if user is None:
        user = User(username=email.lower()[:150], email=email, is_active=active)
        user.set_unusable_password()
        user.save()
    elif active and not user.is_active:
        user.is_active = True
        user.save(update_fields=["is_active"])
    return user


def _member_confirm(*, user: User, site: Site) -> SiteMembership:
    membership, _created = SiteMembership.objects.get_or_create(user=user, site=site)
    membership.status = SiteMembership.Status.CONFIRMED
    membership.confirmed_at = timezone.now()
    membership.removed_at = None
    membership.save(update_fields=["status", "confirmed_at", "removed_at"])
    _trial_page_changed(site)
    return membership


def sign_in_account(email: str) -> User | None:
    """The account a sign-in link may be sent for: active, not staff, holding a site."""
    return (
        User.objects.filter(
            email__iexact=email,
            is_active=True,
            is_staff=False,
            is_superuser=False,
            site_memberships__status=SiteMembership.Status.CONFIRMED,
        )
        .order_by("pk")
        .first()
    )


def sign_in_throttled(*, email: str, ip: str) -> bool:
    """Count a request for a link; True when this address or connection asked too often."""
    window = 3600
    by_ip = rate_limited(
        scope="team-sign-in-ip",
        key=ip,
        limit=settings.TEAM_SIGN_IN_PER_IP_PER_HOUR,
        window_seconds=window,
    )
    by_address = rate_limited(
        scope="team-sign-in-address",
        key=mailbox_key(email),
        limit=settings.TEAM_SIGN_IN_PER_ADDRESS_PER_HOUR,
        window_seconds=window,
    )
    return by_ip or by_address


def sign_in_request(*, email: str) -> None:
    """Email a sign-in link if the address has an account; nothing otherwise.
    The caller answers the same either way."""
    user = sign_in_account(email)
    if user is not None:
        with transaction.atomic():
            link_email(purpose=Purpose.SIGN_IN, email=user.email)


def registry_addresses(site: Site) -> set[str]:
    """The addresses the registry lists for this site or its trial (lower case):
    every contact of the site, and the trial's central and backup contacts, as
    the importer keeps them (trials/contacts.py)."""
    addresses = {site.contact_email}
    listed = [*(site.contacts or []), *(site.trial.central_contacts or [])]
    for contact in listed:
        if isinstance(contact, dict) and isinstance(contact.get("email"), str):
            addresses.add(contact["email"])
    return {address.strip().lower() for address in addresses if address and address.strip()}


def site_claim_create(*, site: Site, email: str, name: str = "") -> SiteClaim:
    """Record a claim; if the registry lists the address, email it a link to confirm.

    Otherwise the claim waits for staff and grants nothing meanwhile."""
    listed = email.strip().lower() in registry_addresses(site)
    with transaction.atomic():
        claim = SiteClaim.objects.create(site=site, email=email, name=name, registry_address=listed)
        if listed:
            link_email(purpose=Purpose.CLAIM, email=email, site=site, claim=claim)
    return claim


def site_claim_decide(*, claim: SiteClaim, approve: bool, by: User) -> bool:
    """Staff's answer to a claim waiting for them; True when it was still waiting.
    Approval invites the coordinator (a link to accept); refusal grants nothing."""
    with transaction.atomic():
        changed = SiteClaim.objects.filter(pk=claim.pk, status=SiteClaim.Status.PENDING).update(
            status=SiteClaim.Status.APPROVED if approve else SiteClaim.Status.REFUSED,
            decided_at=timezone.now(),
            decided_by=by,
        )
        if changed and approve:
            team_invite(site=claim.site, email=claim.email)
    return bool(changed)


def team_invite(*, site: Site, email: str) -> SiteMembership:
    """Staff invite a coordinator to a site: a pending membership and a link to accept.

    A new address gets an account that cannot sign in until the invitation
    is accepted. A member already confirmed stays confirmed."""
    with transaction.atomic():
        user = _account_for(email, active=False)
        membership, _created = SiteMembership.objects.get_or_create(user=user, site=site)
        if membership.status != SiteMembership.Status.CONFIRMED:
            membership.status = SiteMembership.Status.PENDING
            membership.removed_at = None
            membership.save(update_fields=["status", "removed_at"])
        with translation.override(site_language(site)):
            link_email(purpose=Purpose.INVITE, email=user.email, site=site)
    return membership


def link_use(*, link: TeamLink) -> User:
    """Use a link: confirm its claim or invitation, and return the account to sign in.

    LinkUsed when it was used meanwhile; LinkInvalid when it no longer applies
    (a claim staff refused, an invitation withdrawn, an account made staff)."""
    with transaction.atomic():
        _link_use(link)
        user = _link_account(link)
        # Staff keep the admin's password and lockout: no link signs them in.
        if user.is_staff or user.is_superuser:
            raise LinkInvalid
        return user


def _link_account(link: TeamLink) -> User:
    """The account a link names, with its claim or invitation confirmed."""
    if link.purpose == Purpose.SIGN_IN:
        user = sign_in_account(link.email)
        if user is None:
            raise LinkInvalid
        return user
    if link.purpose == Purpose.CLAIM:
        changed = SiteClaim.objects.filter(
            pk=link.claim_id, status=SiteClaim.Status.PENDING, registry_address=True
        ).update(status=SiteClaim.Status.CONFIRMED, decided_at=timezone.now())
        if not changed:
            raise LinkInvalid
        user = _account_for(link.email, active=True)
        _member_confirm(user=user, site=link.site)
        return user
    membership = SiteMembership.objects.filter(
        user__email__iexact=link.email,
        site=link.site,
        status__in=[SiteMembership.Status.PENDING, SiteMembership.Status.CONFIRMED],
    ).first()
    if membership is None:
        raise LinkInvalid
    user = _account_for(link.email, active=True)
    _member_confirm(user=user, site=link.site)
    return user


def membership_remove(*, membership_ids: list[int]) -> int:
    """Take sites away from accounts: their inquiries vanish from the next request on."""
    memberships = SiteMembership.objects.filter(pk__in=membership_ids).exclude(
        status=SiteMembership.Status.REMOVED
    )
    trial_ids = list(memberships.values_list("site__trial_id", flat=True))
    removed = memberships.update(status=SiteMembership.Status.REMOVED, removed_at=timezone.now())
    Trial.objects.filter(pk__in=trial_ids).update(updated_at=timezone.now())
    return removed


def team_settings_save(
    *, site: Site, contact_addresses: list[str], languages: list[str], taking_messages: bool
) -> TeamSettings:
    settings_row, _created = TeamSettings.objects.update_or_create(
        site=site,
        defaults={
            "contact_addresses": contact_addresses,
            "languages": languages,
            "taking_messages": taking_messages,
        },
    )
    _trial_page_changed(site)
    return settings_row


def _trial_page_changed(site: Site) -> None:
    # Who receives a message, and whether a site takes them, show on the
    # trial's page, which is kept rendered per trial update time.
    Trial.objects.filter(pk=site.trial_id).update(updated_at=timezone.now())
