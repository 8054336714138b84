"""Private notes on a trial page, and passcode-protected links that share them."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from .trials import Trial


class Note(models.Model):
    """A patient's note on a quoted piece of a trial page.

    The owner is anonymous: `owner_key` is a hash of the long random token in
    their HttpOnly cookie, so the database never holds the token itself.
    """

    class Section(models.TextChoices):
        OVERVIEW = "overview", _("Overview")
        DESCRIPTION = "description", _("Description")
        ELIGIBILITY = "eligibility", _("Eligibility")
        DETAILS = "details", _("Study details")

    owner_key = models.CharField(max_length=64, db_index=True, editable=False)
    trial = models.ForeignKey(Trial, on_delete=models.CASCADE, related_name="+")
    section = models.CharField(_("section"), max_length=16, choices=Section.choices)
    quote = models.TextField(_("quoted text"))
    # Where the quote sits in the section's text, so it can be highlighted again.
    start_offset = models.PositiveIntegerField(default=0)
    end_offset = models.PositiveIntegerField(default=0)
    body = models.TextField(_("note"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["section", "start_offset", "pk"]
        indexes = [models.Index(fields=["owner_key", "trial"])]

    def __str__(self) -> str:
        return f"{self.get_section_display()}: {self.quote[:60]}"


class ShareLink(models.Model):
    """A link to one owner's notes on one trial, opened with a passcode."""

    owner_key = models.CharField(max_length=64, db_index=True, editable=False)
    trial = models.ForeignKey(Trial, on_delete=models.CASCADE, related_name="+")
    # The URL token is random and long; the passcode is kept only as a hash.
    token = models.CharField(max_length=64, unique=True, editable=False)
    passcode_hash = models.CharField(max_length=200, editable=False)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    failed_attempts = models.PositiveSmallIntegerField(default=0)
    locked_until = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Share link for {self.trial_id} until {self.expires_at:%Y-%m-%d}"
