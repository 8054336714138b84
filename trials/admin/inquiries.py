"""Admin for inquiries and the outbox.

Patients' contact details (names, email, phone, message) are shown only to
staff with the `trials.view_contact_details` permission; everyone else sees
them masked, in the list, the form, the emails inline, search and CSV alike.
"""

from __future__ import annotations

import csv
import statistics

from django.contrib import admin, messages
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from trials.models import Inquiry, OutgoingEmail
from trials.outbox import email_resend

CONTACT_FIELDS = ("first_name", "last_name", "email", "phone", "message", "location_text")
PERMISSION = "trials.view_contact_details"


def can_see_contacts(request: HttpRequest) -> bool:
    return request.user.has_perm(PERMISSION)


def mask(value: str) -> str:
    """Enough to tell two rows apart, not enough to contact anybody."""
    return f"{value[:1]}•••" if value else ""


class OutgoingEmailInline(admin.TabularInline):
    model = OutgoingEmail
    fk_name = "inquiry"
    extra = 0
    can_delete = False
    show_change_link = True
    fields = ("kind", "to", "status", "attempts", "last_error", "sent_at", "message_id")

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def get_fields(self, request, obj=None):
        if can_see_contacts(request):
            return self.fields
        return tuple("masked_recipient" if f == "to" else f for f in self.fields)

    def get_readonly_fields(self, request, obj=None):
        return self.get_fields(request, obj)

    @admin.display(description=_("recipient"))
    def masked_recipient(self, email: OutgoingEmail) -> str:
        return masked_recipient(email)


def masked_recipient(email: OutgoingEmail) -> str:
    """The site's address as is; a patient's address masked."""
    if email.kind in (
        OutgoingEmail.Kind.PATIENT_COPY,
        OutgoingEmail.Kind.SUBSCRIPTION_CONFIRM,
        OutgoingEmail.Kind.TRIAL_DIGEST,
    ):
        return mask(email.to)
    return email.to


def _masked(field: str):
    """An admin column or field showing an inquiry's contact detail masked."""

    def show(admin_view, inquiry: Inquiry) -> str:
        return mask(getattr(inquiry, field))

    return admin.display(description=Inquiry._meta.get_field(field).verbose_name)(show)


@admin.register(Inquiry)
class InquiryAdmin(admin.ModelAdmin):
    list_display_full = ("created_at", "trial", "site", "full_name", "email", "phone", "status")
    list_display_masked = ("created_at", "trial", "site", "masked_name", "status")
    list_filter = ("status", "created_at", "routing", "trial", "site")
    list_select_related = ("trial", "site")
    date_hierarchy = "created_at"
    search_fields_masked = ("trial__nct_id", "trial__brief_title", "site__facility", "site__city")
    search_fields_full = search_fields_masked + ("first_name", "last_name", "email", "phone")
    inlines = [OutgoingEmailInline]
    actions = ["export_csv", "resend_failed_emails"]
    change_list_template = "admin/trials/inquiry/change_list.html"
    raw_id_fields = ("trial", "site")
    readonly_fields_always = (
        "created_at",
        "consent_at",
        "routing",
        "distance_km",
        "prescreen_answers",
        "first_response_at",
        "status_changed_at",
        "reminder_sent_at",
        "anonymised_at",
    )
    masked_fields = (
        "masked_first_name",
        "masked_last_name",
        "masked_email",
        "masked_phone",
        "masked_message",
        "masked_location",
    )

    def get_list_display(self, request):
        return self.list_display_full if can_see_contacts(request) else self.list_display_masked

    def get_search_fields(self, request):
        # Searching by an email address would reveal that it wrote to us.
        return self.search_fields_full if can_see_contacts(request) else self.search_fields_masked

    def get_fields(self, request, obj=None):
        contact = CONTACT_FIELDS if can_see_contacts(request) else self.masked_fields
        return (
            ("trial", "site", "status"),
            *contact,
            "preferred_language",
            "notify_other_trials",
            *self.readonly_fields_always,
        )

    def get_readonly_fields(self, request, obj=None):
        fields = self.readonly_fields_always + ("trial", "site")
        if not can_see_contacts(request):
            fields += self.masked_fields
        return fields

    def has_add_permission(self, request) -> bool:
        return False  # inquiries come from patients only

    @admin.display(description=_("name"))
    def masked_name(self, inquiry: Inquiry) -> str:
        return f"{mask(inquiry.first_name)} {mask(inquiry.last_name)}".strip()

    @admin.display(description=_("name"), ordering="last_name")
    def full_name(self, inquiry: Inquiry) -> str:
        return inquiry.full_name

    masked_first_name = _masked("first_name")
    masked_last_name = _masked("last_name")
    masked_email = _masked("email")
    masked_phone = _masked("phone")
    masked_message = _masked("message")
    masked_location = _masked("location_text")

    @admin.action(description=_("Export selected inquiries as CSV"))
    def export_csv(self, request, queryset) -> HttpResponse:
        show = can_see_contacts(request)
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        stamp = timezone.now().strftime("%Y%m%d-%H%M")
        response["Content-Disposition"] = f'attachment; filename="inquiries-{stamp}.csv"'
        writer = csv.writer(response)
        writer.writerow(
            [
                "id",
                "received",
                "trial",
                "site",
                "status",
                "routing",
                "distance_km",
                "first_response_at",
                "first_name",
                "last_name",
                "email",
                "phone",
                "preferred_language",
                "message",
            ]
        )
        for inquiry in queryset.select_related("trial", "site").order_by("created_at"):
            contact = [
                inquiry.first_name,
                inquiry.last_name,
                inquiry.email,
                inquiry.phone,
                inquiry.preferred_language,
                inquiry.message,
            ]
            if not show:
                contact = [mask(v) if i != 4 else v for i, v in enumerate(contact)]
            writer.writerow(
                [
                    inquiry.pk,
                    inquiry.created_at.isoformat(),
                    inquiry.trial.nct_id,
                    inquiry.site.facility,
                    inquiry.status,
                    inquiry.routing,
                    "" if inquiry.distance_km is None else f"{inquiry.distance_km:.1f}",
                    inquiry.first_response_at.isoformat() if inquiry.first_response_at else "",
                    *[_csv_safe(v) for v in contact],
                ]
            )
        return response

    @admin.action(description=_("Resend the failed emails of selected inquiries"))
    def resend_failed_emails(self, request, queryset) -> None:
        ids = OutgoingEmail.objects.filter(
            inquiry__in=queryset, status=OutgoingEmail.Status.FAILED
        ).values_list("pk", flat=True)
        count = email_resend(email_ids=list(ids))
        self.message_user(
            request,
            ngettext("%d email queued again.", "%d emails queued again.", count) % count,
            messages.SUCCESS if count else messages.WARNING,
        )

    def get_urls(self):
        stats = path(
            "stats/",
            self.admin_site.admin_view(self.stats_view),
            name="trials_inquiry_stats",
        )
        return [stats, *super().get_urls()]

    def stats_view(self, request: HttpRequest) -> TemplateResponse:
        if not self.has_view_permission(request):
            from django.core.exceptions import PermissionDenied

            raise PermissionDenied
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("Inquiries per study site"),
            "rows": site_response_stats(),
            "changelist_url": reverse("admin:trials_inquiry_changelist"),
        }
        return TemplateResponse(request, "admin/trials/inquiry/stats.html", context)


def _csv_safe(value: str) -> str:
    # A cell starting with = + - @ is a formula in spreadsheet programs.
    # Phone numbers (+86...) and masked values (+•••) are not formulas.
    risky = value[:1] in ("=", "+", "-", "@") and not (value[1:2].isdigit() or value[1:2] == "•")
    return "'" + value if risky else value


def site_response_stats() -> list[dict]:
    """Per site: inquiries received, answered, and the median hours to first response."""
    counts = (
        Inquiry.objects.values("site", "site__facility", "site__city", "trial__nct_id")
        .annotate(inquiries=Count("pk"), answered=Count("first_response_at"))
        .order_by("-inquiries", "site__facility")
    )
    delays: dict[int, list[float]] = {}
    answered = Inquiry.objects.filter(first_response_at__isnull=False).values_list(
        "site", "created_at", "first_response_at"
    )
    for site_id, created, responded in answered:
        delays.setdefault(site_id, []).append((responded - created).total_seconds() / 3600)
    rows = []
    for row in counts:
        hours = delays.get(row["site"])
        rows.append(
            {
                "site_id": row["site"],
                "facility": row["site__facility"],
                "city": row["site__city"],
                "nct_id": row["trial__nct_id"],
                "inquiries": row["inquiries"],
                "answered": row["answered"],
                "median_hours": round(statistics.median(hours), 1) if hours else None,
            }
        )
    return rows


@admin.register(OutgoingEmail)
class OutgoingEmailAdmin(admin.ModelAdmin):
    list_display = ("created_at", "kind", "to", "status", "attempts", "sent_at", "error")
    list_filter = ("status", "kind", "created_at")
    search_fields = ("message_id", "inquiry__trial__nct_id")
    list_select_related = ("inquiry",)
    actions = ["resend_failed"]
    fields = (
        "kind",
        "inquiry",
        "subscription",
        "to",
        "subject",
        "status",
        "attempts",
        "last_error",
        "message_id",
        "created_at",
        "status_changed_at",
        "sent_at",
    )

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def get_list_display(self, request):
        if can_see_contacts(request):
            return self.list_display
        return tuple("masked_recipient" if f == "to" else f for f in self.list_display)

    def get_fields(self, request, obj=None):
        if can_see_contacts(request):
            return self.fields
        return tuple("masked_recipient" if f == "to" else f for f in self.fields)

    def get_readonly_fields(self, request, obj=None):
        return self.get_fields(request, obj)

    @admin.display(description=_("recipient"))
    def masked_recipient(self, email: OutgoingEmail) -> str:
        return masked_recipient(email)

    @admin.display(description=_("last error"))
    def error(self, email: OutgoingEmail) -> str:
        return email.last_error[:80]

    @admin.action(description=_("Resend selected failed emails"), permissions=["view"])
    def resend_failed(self, request, queryset) -> None:
        count = email_resend(email_ids=list(queryset.values_list("pk", flat=True)))
        self.message_user(
            request,
            ngettext("%d email queued again.", "%d emails queued again.", count) % count,
            messages.SUCCESS if count else messages.WARNING,
        )
