"""Study-team accounts: who holds which site, claims, team settings, one-time
links, and the history of each inquiry's status (trials/teams.py reads these
for routing; trials/team_access.py changes them)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .inquiries import Inquiry
from .trials import Site


class SiteMembershipQuerySet(models.QuerySet):
    def confirmed(self) -> SiteMembershipQuerySet:
        return self.filter(status=SiteMembership.Status.CONFIRMED)


class SiteMembership(models.Model):
    """A study-team account holding one site: it sees the site's inquiries
    while confirmed, and nothing from the moment it is removed."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Invited, not yet accepted")
        CONFIRMED = "confirmed", _("Confirmed")
        REMOVED = "removed", _("Removed")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="site_memberships",
        verbose_name=_("account"),
    )
    site = models.ForeignKey(
        Site, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("study site")
    )
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.PENDING
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    removed_at = models.DateTimeField(_("removed at"), null=True, blank=True)

    objects = SiteMembershipQuerySet.as_manager()

    class Meta:
        verbose_name = _("study-team member")
        verbose_name_plural = _("study-team members")
        constraints = [
            models.UniqueConstraint(fields=["user", "site"], name="one_membership_per_site")
        ]
        indexes = [models.Index(fields=["site", "status"])]

    def __str__(self) -> str:
        return f"{self.user.email} – {self.site}"


class SiteClaim(models.Model):
    """A coordinator's word that they are the study team at a site.

    Confirmed by a link sent to an address the registry lists for the site or
    its trial, or else approved by staff; until then it grants nothing."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting")
        CONFIRMED = "confirmed", _("Confirmed by the registry's address")
        APPROVED = "approved", _("Approved by staff")
        REFUSED = "refused", _("Refused by staff")

    site = models.ForeignKey(
        Site, on_delete=models.CASCADE, related_name="claims", verbose_name=_("study site")
    )
    email = models.EmailField(_("coordinator's email"))
    name = models.CharField(_("coordinator's name"), max_length=200, blank=True)
    # True when the registry lists this address for the site or its trial: the
    # link confirms it; otherwise staff decide.
    registry_address = models.BooleanField(_("address listed by the registry"), default=False)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.PENDING, db_index=True
    )
    created_at = models.DateTimeField(_("received"), auto_now_add=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("site claim")
        verbose_name_plural = _("site claims")

    def __str__(self) -> str:
        return f"{self.email} – {self.site}"


class TeamSettings(models.Model):
    """What the study team holding a site says about itself."""

    site = models.OneToOneField(
        Site, on_delete=models.CASCADE, related_name="team_settings", verbose_name=_("study site")
    )
    # Where the site's messages go while a team holds it: they win over the registry's.
    contact_addresses = models.JSONField(_("contact addresses"), default=list, blank=True)
    # Language codes from Language, e.g. ["zh-hans", "en"].
    languages = models.JSONField(_("languages spoken"), default=list, blank=True)
    taking_messages = models.BooleanField(_("taking messages now"), default=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("study-team settings")
        verbose_name_plural = _("study-team settings")

    def __str__(self) -> str:
        return str(self.site)


class TeamLink(models.Model):
    """A one-time link emailed to a coordinator: sign in, confirm a claim or
    accept an invitation. Only a hash of its token is stored."""

    class Purpose(models.TextChoices):
        SIGN_IN = "sign_in", _("Sign in")
        CLAIM = "claim", _("Confirm a site claim")
        INVITE = "invite", _("Accept an invitation")

    purpose = models.CharField(_("purpose"), max_length=16, choices=Purpose.choices)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    email = models.EmailField(_("email"))
    site = models.ForeignKey(
        Site, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    claim = models.ForeignKey(
        SiteClaim, on_delete=models.CASCADE, null=True, blank=True, related_name="links"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires at"))
    used_at = models.DateTimeField(_("used at"), null=True, blank=True)

    class Meta:
        verbose_name = _("one-time link")
        verbose_name_plural = _("one-time links")

    def __str__(self) -> str:
        return f"{self.get_purpose_display()} #{self.pk}"

    @property
    def is_expired(self) -> bool:
        return self.expires_at <= timezone.now()


class InquiryStatusChange(models.Model):
    """One change of an inquiry's status, with the team's note."""

    inquiry = models.ForeignKey(
        Inquiry, on_delete=models.CASCADE, related_name="status_changes", verbose_name=_("inquiry")
    )
    status = models.CharField(_("status"), max_length=16, choices=Inquiry.Status.choices)
    note = models.TextField(_("note"), blank=True)
    # Empty when set through the signed link in the site's email.
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )
    at = models.DateTimeField(_("at"), default=timezone.now)

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name = _("status change")
        verbose_name_plural = _("status changes")
        indexes = [models.Index(fields=["inquiry", "-at"])]

    def __str__(self) -> str:
        return f"{self.get_status_display()} ({self.at:%Y-%m-%d %H:%M})"

    # A team's note is about the patient ("not eligible: eGFR 25", "called
    # 138 0013 8000 twice"): health data, hidden like the pre-screening
    # answers from staff without "Can see patients' contact details".
    HEALTH_FIELDS = ("note",)

    def contact_values(self) -> list[str]:
        """The patient's, as a note may quote them (trials/privacy.py)."""
        return self.inquiry.contact_values()
