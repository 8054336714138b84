"""Patient Notification Services: who asked to hear about new trials, and what they got."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from .trials import Trial


class Subscription(models.Model):
    """One address asking to hear about new trials (double opt-in)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for confirmation")
        CONFIRMED = "confirmed", _("Confirmed")
        UNSUBSCRIBED = "unsubscribed", _("Unsubscribed")

    email = models.EmailField(_("email"), unique=True)
    # What they want to hear about, in search-box words ("sarcoma", "bone metastases").
    interests = models.CharField(_("conditions or keywords"), max_length=300)
    place_text = models.CharField(_("place"), max_length=200, blank=True)
    latitude = models.FloatField(_("latitude"), null=True, blank=True)
    longitude = models.FloatField(_("longitude"), null=True, blank=True)
    radius_km = models.PositiveIntegerField(_("radius (km)"), null=True, blank=True)
    language = models.CharField(_("preferred language"), max_length=16, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.PENDING, db_index=True
    )
    created_at = models.DateTimeField(_("signed up"), auto_now_add=True)
    confirmation_sent_at = models.DateTimeField(_("confirmation sent"), null=True, blank=True)
    confirmed_at = models.DateTimeField(_("confirmed"), null=True, blank=True)
    unsubscribed_at = models.DateTimeField(_("unsubscribed"), null=True, blank=True)
    last_digest_at = models.DateTimeField(_("last digest"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("subscription")
        verbose_name_plural = _("subscriptions")

    def __str__(self) -> str:
        # No address: admin titles, delete confirmations and history show this.
        return _("Subscription #%(number)s (%(status)s)") % {
            "number": self.pk,
            "status": self.get_status_display(),
        }

    # Shown only to staff who may see patients' contact details (trials/privacy.py).
    CONTACT_FIELDS = ("email",)
    # What they are ill with and where they are: masked the same way (no initial).
    HEALTH_FIELDS = ("interests", "place_text", "latitude", "longitude")

    def contact_values(self) -> list[str]:
        return [self.email]


class SubscriptionDelivery(models.Model):
    """A trial told to a subscriber: at most once each (the unique pair)."""

    subscription = models.ForeignKey(
        Subscription, on_delete=models.CASCADE, related_name="deliveries"
    )
    trial = models.ForeignKey(
        Trial, on_delete=models.CASCADE, related_name="+", verbose_name=_("trial")
    )
    email = models.ForeignKey(
        "trials.OutgoingEmail",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("email"),
    )
    created_at = models.DateTimeField(_("sent"), auto_now_add=True)

    class Meta:
        verbose_name = _("trial sent to a subscriber")
        verbose_name_plural = _("trials sent to subscribers")
        constraints = [
            models.UniqueConstraint(fields=["subscription", "trial"], name="one_delivery_per_trial")
        ]

    def __str__(self) -> str:
        return _("trial %(trial)s to subscription %(subscription)s") % {
            "trial": self.trial_id,
            "subscription": self.subscription_id,
        }

    def contact_values(self) -> list[str]:
        return self.subscription.contact_values()
