"""Admin for inquiries and the outbox.

Patients' contact details (names, email, phone, message, place) are shown
only to staff with the `trials.view_contact_details` permission; everyone
else sees them masked, through trials/admin/masking.py like every admin page.
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

from .masking import MaskedContactsAdmin


class OutgoingEmailInline(MaskedContactsAdmin, admin.TabularInline):
    model = OutgoingEmail
    fk_name = "inquiry"
    extra = 0
    can_delete = False
    show_change_link = True
    fields = readonly_fields = (
        "kind",
        "to",
        "status",
        "attempts",
        "last_error",
        "sent_at",
        "message_id",
    )

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("inquiry", "subscription")

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Inquiry)
class InquiryAdmin(MaskedContactsAdmin, admin.ModelAdmin):
    list_display = (
        "created_at",
        "trial",
        "site",
        "full_name",
        "email",
        "phone",
        "status",
        "recipient_reason",
    )
    list_filter = ("status", "created_at", "routing", "recipient_reason", "trial", "site")
    list_select_related = ("trial", "site")
    date_hierarchy = "created_at"
    search_fields = (
        "trial__nct_id",
        "trial__brief_title",
        "site__facility",
        "site__city",
        "first_name",
        "last_name",
        "email",
        "phone",
    )
    inlines = [OutgoingEmailInline]
    actions = ["export_csv", "resend_failed_emails"]
    change_list_template = "admin/trials/inquiry/change_list.html"
    raw_id_fields = ("trial", "site")
    fields = (
        ("trial", "site", "status"),
        *Inquiry.CONTACT_FIELDS,
        "contact_method",
        "preferred_language",
        "notify_other_trials",
        "created_at",
        "consent_at",
        "routing",
        "distance_km",
        ("recipient_reason", "sent_to"),
        "prescreen_answers",
        "first_response_at",
        "status_changed_at",
        "reminder_sent_at",
        "escalated_at",
        "anonymised_at",
    )
    readonly_fields = (
        "trial",
        "site",
        "created_at",
        "consent_at",
        "routing",
        "distance_km",
        "recipient_reason",
        "sent_to",
        "escalated_at",
        "prescreen_answers",
        "first_response_at",
        "status_changed_at",
        "reminder_sent_at",
        "anonymised_at",
    )
    csv_columns = (
        "first_name",
        "last_name",
        "email",
        "phone",
        "preferred_language",
        "message",
    )

    def has_add_permission(self, request) -> bool:
        return False  # inquiries come from patients only

    @admin.display(description=_("name"))
    def full_name(self, inquiry: Inquiry) -> str:
        return inquiry.full_name

    @admin.display(description=_("sent to"))
    def sent_to(self, inquiry: Inquiry) -> str:
        """The addresses the referral chain chose (study teams' and registry
        contacts' addresses, not patients' details)."""
        return ", ".join(inquiry.recipient_addresses) or "—"

    @admin.action(description=_("Export selected inquiries as CSV"))
    def export_csv(self, request, queryset) -> HttpResponse:
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
                *self.csv_columns,
            ]
        )
        for inquiry in queryset.select_related("trial", "site").order_by("created_at"):
            contact = [self.cell(request, inquiry, name) for name in self.csv_columns]
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
                    *[csv_safe(v) for v in contact],
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


def csv_safe(value: str) -> str:
    """A cell a spreadsheet will not run (OWASP's CSV injection advice).

    A leading = + - @, tab or carriage return starts a formula in Excel,
    LibreOffice or Sheets, so such a cell gets a leading apostrophe: phone
    numbers (+86...) included, since "-1+cmd|..." looks just as harmless.
    """
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


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
class OutgoingEmailAdmin(MaskedContactsAdmin, admin.ModelAdmin):
    list_display = ("created_at", "kind", "to", "status", "attempts", "sent_at", "error")
    list_filter = ("status", "kind", "created_at")
    search_fields = ("message_id", "inquiry__trial__nct_id")
    list_select_related = ("inquiry", "subscription")
    actions = ["resend_failed"]
    fields = readonly_fields = (
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
