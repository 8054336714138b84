"""A patient's message to a study site, and the outbox of emails we send."""

from __future__ import annotations

from django.apps import apps
from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from trials.translations import site_languages

from .trials import Site, Trial


def _is_cjk(text: str) -> bool:
    """True when every letter of the text is a CJK ideograph, kana or hangul."""
    letters = [ch for ch in text if ch.isalpha()]
    return bool(letters) and all(
        "\u3040" <= ch <= "\u30ff" or "\u3400" <= ch <= "\u9fff" or "\uac00" <= ch <= "\ud7af"
        for ch in letters
    )


class RecipientReason(models.TextChoices):
    """Why a message went where it went: the referral chain of trials/recipients.py."""

    STUDY_TEAM = "study_team", _("The study team's own address (study-team account)")
    SITE_CONTACT = "site_contact", _("The site's contact in the registry")
    CENTRAL_CONTACT = "central_contact", _("The trial's central contact in the registry")
    BACKUP_CONTACT = "backup_contact", _("The trial's backup contact in the registry")
    NO_ROUTE = "no_route", _("No electronic route: the patient was shown the phone numbers")


class ContactMethod(models.TextChoices):
    EITHER = "either", _("Phone or email")
    PHONE = "phone", _("Phone")
    EMAIL = "email", _("Email")


# A full name longer than this is not cut every way (full_name_matching).
FULL_NAME_SEARCH_MAX = 40


class InquiryQuerySet(models.QuerySet):
    def for_member(self, user) -> InquiryQuerySet:
        """The inquiries of the sites this study-team account holds now.

        Every study-team page, filter, search and export starts here: a site
        the account does not hold (or no longer holds) shows nothing."""
        if not getattr(user, "is_authenticated", False) or not user.is_active:
            return self.none()
        # The sites straight from the memberships, with no join through the
        # site row: the inbox counts and pages these rows on every request.
        memberships = apps.get_model("trials", "SiteMembership").objects
        held = memberships.filter(user=user, status="confirmed").values("site_id")
        return self.filter(site_id__in=held, anonymised_at__isnull=True)

    def full_name_matching(self, text: str) -> InquiryQuerySet:
        """Inquiries whose full name is `text` written without a space between
        family and given name, in either order ("王秀英", "SmithMary"): every
        way to cut it in two, each half matched by its name field (the
        fields' trigram indexes on PostgreSQL; SQLite reads the rows)."""
        joined = "".join(text.split())
        if not 2 <= len(joined) <= FULL_NAME_SEARCH_MAX:
            return self.none()
        either = models.Q()
        for cut in range(1, len(joined)):
            first, second = joined[:cut], joined[cut:]
            either |= models.Q(last_name__icontains=first, first_name__icontains=second)
            either |= models.Q(first_name__icontains=first, last_name__icontains=second)
        return self.filter(either)

    def matching(self, text: str) -> InquiryQuerySet:
        """Inquiries whose name, email or phone holds every word of the text."""
        for word in text.split()[:5]:
            self = self.filter(
                models.Q(first_name__icontains=word)
                | models.Q(last_name__icontains=word)
                | models.Q(email__icontains=word)
                | models.Q(phone__icontains=word)
            )
        return self


class Inquiry(models.Model):
    RecipientReason = RecipientReason
    ContactMethod = ContactMethod

    class Status(models.TextChoices):
        NEW = "new", _("New")
        CONTACTED = "contacted", _("Contacted")
        SCREENING = "screening", _("Screening")
        ENROLLED = "enrolled", _("Enrolled")
        NOT_ELIGIBLE = "not_eligible", _("Not eligible")
        COULD_NOT_REACH = "could_not_reach", _("Could not reach")

    class Routing(models.TextChoices):
        NEAREST = "nearest", _("Nearest recruiting site")
        CHOSEN = "chosen", _("Chosen by the patient")
        PRIMARY = "primary", _("Primary contact (no location given or found)")

    trial = models.ForeignKey(
        Trial, on_delete=models.PROTECT, related_name="inquiries", verbose_name=_("trial")
    )
    site = models.ForeignKey(
        Site, on_delete=models.PROTECT, related_name="inquiries", verbose_name=_("site")
    )
    first_name = models.CharField(_("first name"), max_length=100)
    last_name = models.CharField(_("last name"), max_length=100)
    # Blank when the patient gave a phone number only.
    email = models.EmailField(_("email"), blank=True)
    phone = models.CharField(_("phone number"), max_length=32, help_text=_("E.164"))
    contact_method = models.CharField(
        _("prefers to be contacted by"), max_length=8, choices=ContactMethod.choices, blank=True
    )
    contact_time = models.CharField(_("best time to contact"), max_length=100, blank=True)
    preferred_language = models.CharField(_("preferred language"), max_length=16, blank=True)
    # The language of the pages the patient wrote from: their copy is in it.
    language = models.CharField(
        _("language of the site used"),
        max_length=16,
        choices=site_languages,
        default=settings.LANGUAGE_CODE,
    )
    location_text = models.CharField(_("where the patient is"), max_length=200, blank=True)
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)
    distance_km = models.FloatField(_("distance (km)"), null=True, blank=True)
    routing = models.CharField(_("routed by"), max_length=16, choices=Routing.choices)
    # Where the message went and why, decided once when it was sent
    # (trials.recipients.site_recipients); escalation adds the central contact.
    recipient_addresses = models.JSONField(_("sent to"), default=list, blank=True)
    recipient_reason = models.CharField(
        _("why there"), max_length=16, choices=RecipientReason.choices, blank=True
    )
    message = models.TextField(_("message"), blank=True)
    consent_at = models.DateTimeField(_("consent given at"))
    # Separate, explicit consents (trials/forms/contact.py): to send health
    # information (a message, pre-screening answers), and to send it abroad.
    health_consent_at = models.DateTimeField(
        _("consent to send health information given at"), null=True, blank=True
    )
    abroad_consent_at = models.DateTimeField(
        _("consent to send it abroad given at"), null=True, blank=True
    )
    notify_other_trials = models.BooleanField(_("wants to hear about other trials"), default=False)
    # Answers to the trial's pre-screening questions, as shown to the site.
    prescreen_answers = models.JSONField(_("pre-screening answers"), default=list, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.NEW, db_index=True
    )
    first_response_at = models.DateTimeField(_("first response at"), null=True, blank=True)
    status_changed_at = models.DateTimeField(_("status changed at"), null=True, blank=True)
    reminder_sent_at = models.DateTimeField(_("reminder sent at"), null=True, blank=True)
    # When the unanswered message was passed to the trial's central contact
    # (trials/followup.py), and the patient told.
    escalated_at = models.DateTimeField(
        _("passed to the central contact at"), null=True, blank=True
    )
    # The same message sent again within a few minutes shares this key: one
    # inquiry, corrected if the details changed (trials.inquiries.inquiry_submit).
    dedupe_key = models.CharField(max_length=64, db_index=True, editable=False)
    anonymised_at = models.DateTimeField(_("anonymised at"), null=True, blank=True)
    created_at = models.DateTimeField(_("received"), auto_now_add=True, db_index=True)

    objects = InquiryQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("inquiry")
        verbose_name_plural = _("inquiries")
        permissions = [("view_contact_details", _("Can see patients' contact details"))]
        # A site's newest inquiries: the study-team inbox filtered by site and
        # the median time to first answer (Site.median_response_hours).
        indexes = [models.Index(fields=["site", "-created_at"], name="inquiry_site_newest")]

    def __str__(self) -> str:
        return f"{self.trial.nct_id} → {self.site.facility} ({self.created_at:%Y-%m-%d})"

    @property
    def full_name(self) -> str:
        """'Wang Xiaoming' order stays as typed, but Chinese, Japanese and
        Korean names read family name first and without a space: '王小明'."""
        if _is_cjk(self.first_name) and _is_cjk(self.last_name):
            return f"{self.last_name}{self.first_name}"
        return f"{self.first_name} {self.last_name}".strip()

    # Shown only to staff who may see patients' contact details (trials/privacy.py).
    CONTACT_FIELDS = (
        "first_name",
        "last_name",
        "email",
        "phone",
        "contact_time",
        "message",
        "location_text",
    )

    # Health data and where the patient is, masked the same way (no initial).
    HEALTH_FIELDS = ("prescreen_answers", "latitude", "longitude")

    def contact_values(self) -> list[str]:
        """Every string that identifies the patient, as other text may quote it."""
        return [self.full_name, *(getattr(self, name) for name in self.CONTACT_FIELDS)]

    @property
    def reached_the_site(self) -> bool:
        """Its site's own team received it (not the trial's central contact)."""
        return self.recipient_reason in (RecipientReason.STUDY_TEAM, RecipientReason.SITE_CONTACT)

    @property
    def central_contact(self) -> dict | None:
        """The registry's central (or backup) contact it went to, if it went to one."""
        if self.recipient_reason == RecipientReason.CENTRAL_CONTACT:
            return self.trial.central_contact
        if self.recipient_reason == RecipientReason.BACKUP_CONTACT:
            return self.trial.backup_contact
        return None

    @property
    def greeting_name(self) -> str:
        """Whom a letter greets: 'Xiaoming' for 'Xiaoming Wang', but the whole
        name for '王小明', as a Chinese letter would ("王小明，您好")."""
        if _is_cjk(self.first_name) and _is_cjk(self.last_name):
            return self.full_name
        return self.first_name


class OutgoingEmail(models.Model):
    """One email we owe somebody: a row first, sent by a worker later.

    The row is written in the same transaction as what caused it, so an email
    is never lost to a crashed worker or an unreachable broker: the sweeper
    re-queues whatever stays queued or sending for too long.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    class Kind(models.TextChoices):
        SITE_INQUIRY = "site_inquiry", _("Inquiry to the study site")
        PATIENT_COPY = "patient_copy", _("Copy to the patient")
        SITE_REMINDER = "site_reminder", _("Reminder to the study site")
        SITE_CORRECTION = "site_correction", _("Corrected details to the study site")
        CENTRAL_ESCALATION = "central_escalation", _("Unanswered message to the central contact")
        PATIENT_ESCALATION = "patient_escalation", _("Escalation notice to the patient")
        OPERATOR_ALERT = "operator_alert", _("Alert to the operators")
        SUBSCRIPTION_CONFIRM = "subscription_confirm", _("Confirm a subscription")
        TRIAL_DIGEST = "trial_digest", _("New trials digest")
        TEAM_SIGN_IN = "team_sign_in", _("Study team: sign-in link")
        TEAM_CLAIM = "team_claim", _("Study team: confirm a site claim")
        TEAM_INVITE = "team_invite", _("Study team: invitation")

    kind = models.CharField(_("kind"), max_length=32, choices=Kind.choices)
    inquiry = models.ForeignKey(
        Inquiry, on_delete=models.CASCADE, null=True, blank=True, related_name="emails"
    )
    subscription = models.ForeignKey(
        "trials.Subscription",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="emails",
    )
    to = models.EmailField(_("recipient"))
    reply_to = models.EmailField(_("reply to"), blank=True)
    subject = models.CharField(_("subject"), max_length=300)
    body_text = models.TextField(_("text body"))
    body_html = models.TextField(_("HTML body"), blank=True)
    # Extra headers such as List-Unsubscribe; never built from raw user input.
    headers = models.JSONField(_("headers"), default=dict, blank=True)
    message_id = models.CharField(_("Message-ID"), max_length=200, unique=True)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.QUEUED
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    # When the row last changed state; the sweeper's clock.
    status_changed_at = models.DateTimeField(_("status changed"), auto_now_add=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("outgoing email")
        verbose_name_plural = _("outgoing emails")
        indexes = [models.Index(fields=["status", "status_changed_at"])]

    def __str__(self) -> str:
        # No recipient here: this string lands in admin pages and logs, and
        # for a patient's copy the recipient is contact data.
        return f"{self.get_kind_display()} #{self.pk} ({self.get_status_display()})"

    def contact_values(self) -> list[str]:
        """The patient's or subscriber's details this email (its subject, its
        recipient, a server's error quoting it) may carry."""
        values = self.inquiry.contact_values() if self.inquiry_id else []
        if self.subscription_id:
            values += self.subscription.contact_values()
        if self.kind in (
            self.Kind.PATIENT_COPY,
            self.Kind.PATIENT_ESCALATION,
            self.Kind.SUBSCRIPTION_CONFIRM,
            self.Kind.TRIAL_DIGEST,
        ):
            values.append(self.to)
        return values
