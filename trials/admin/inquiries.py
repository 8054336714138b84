"""Admin for inquiries and the outbox.

Patients' contact details (names, email, phone, message, place) are shown
only to staff with the `trials.view_contact_details` permission; everyone
else sees them masked, through trials/admin/masking.py like every admin page.
"""

from __future__ import annotations

import statistics
from functools import partial

from django.contrib import admin, messages
from django.db.models import Count
from django.http import HttpRequest, StreamingHttpResponse
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from trials.models import Inquiry, InquiryStatusChange, OutgoingEmail
from trials.models.trials import MEDIAN_ANSWERS_MIN
from trials.outbox import email_resend
from trials.spreadsheet import CHUNK_SIZE, csv_response

from .lists import (
    RegistryScaleAdmin,
    SiteFilter,
    TrialFilter,
    searched,
    without_large_trial_fields,
)
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


class InquiryStatusChangeInline(MaskedContactsAdmin, admin.TabularInline):
    """The study team's answers, newest first, with their notes: a note is
    health data (InquiryStatusChange.HEALTH_FIELDS), shown only to staff
    who may see patients' contact details."""

    model = InquiryStatusChange
    extra = 0
    can_delete = False
    fields = readonly_fields = ("at", "status", "by", "note")
    verbose_name_plural = _("status history (the study team's answers)")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("inquiry", "by")

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Inquiry)
class InquiryAdmin(MaskedContactsAdmin, RegistryScaleAdmin):
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
    # Trial and site are typed in: a link per trial or site is the registry.
    list_filter = ("status", "created_at", "routing", "recipient_reason", TrialFilter, SiteFilter)
    list_select_related = ("trial", "site")
    date_hierarchy = "created_at"
    # Sorted only by what an index holds; counted by the planner when large.
    sortable_by = ("created_at",)
    # An NCT number goes through the trials' unique index (get_search_results);
    # these only for staff who may see them, never across a join.
    search_fields = ("first_name", "last_name", "email", "phone")
    search_help_text = _(
        "An NCT number or its start; a patient's name, email or phone for staff who may see them."
    )
    inlines = [InquiryStatusChangeInline, OutgoingEmailInline]
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
        ("consent_at", "health_consent_at", "abroad_consent_at"),
        "routing",
        "distance_km",
        ("recipient_reason", "sent_to"),
        "prescreen_table",
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
        "health_consent_at",
        "abroad_consent_at",
        "routing",
        "distance_km",
        "recipient_reason",
        "sent_to",
        "escalated_at",
        "prescreen_table",
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

    def get_queryset(self, request):
        return without_large_trial_fields(super().get_queryset(request), "site")

    def get_search_results(self, request, queryset, search_term_):
        # Contact details only for staff who may see them (get_search_fields).
        by_contact = partial(super().get_search_results, request)

        def by_words(inquiries, term):
            # Each word in some field ("Mary Smith"), or the full name as
            # written without a space ("王秀英": 王 the family name, 秀英 the given).
            found, duplicates = by_contact(inquiries, term)
            return found | inquiries.full_name_matching(term), duplicates

        words = by_words if self.get_search_fields(request) else None
        return searched(request, queryset, search_term_, by_words=words)

    @admin.display(description=_("pre-screening answers"))
    def prescreen_table(self, inquiry: Inquiry) -> str:
        """Question, answer and whether it fits, as the site's email lists them."""
        return render_to_string(
            "admin/trials/inquiry/prescreen_answers.html",
            {"answers": inquiry.prescreen_answers or []},
        )

    prescreen_table.masks = "prescreen_answers"

    @admin.display(description=_("name"))
    def full_name(self, inquiry: Inquiry) -> str:
        return inquiry.full_name

    @admin.display(description=_("sent to"))
    def sent_to(self, inquiry: Inquiry) -> str:
        """The addresses the referral chain chose (study teams' and registry
        contacts' addresses, not patients' details)."""
        return ", ".join(inquiry.recipient_addresses) or "—"

    @admin.action(description=_("Export selected inquiries as CSV"))
    def export_csv(self, request, queryset) -> StreamingHttpResponse:
        header = [
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
        inquiries = queryset.select_related("trial", "site").order_by("created_at", "pk")
        # Only the columns written: a trial's registry record is large.
        inquiries = inquiries.only(
            *(f.name for f in Inquiry._meta.concrete_fields),
            "trial__nct_id",
            "site__facility",
        )

        def rows():
            for inquiry in inquiries.iterator(chunk_size=CHUNK_SIZE):
                yield [
                    inquiry.pk,
                    inquiry.created_at.isoformat(),
                    inquiry.trial.nct_id,
                    inquiry.site.facility,
                    inquiry.status,
                    inquiry.routing,
                    "" if inquiry.distance_km is None else f"{inquiry.distance_km:.1f}",
                    inquiry.first_response_at.isoformat() if inquiry.first_response_at else "",
                    *[self.cell(request, inquiry, name) for name in self.csv_columns],
                ]

        return csv_response(name="inquiries", header=header, rows=rows())

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


def by_message_id(emails, term: str) -> tuple:
    """The unique index answers the whole Message-ID, with or without <>."""
    return emails.filter(message_id__in=[term, f"<{term.strip('<>')}>"]), False


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
                # Like the patient's page: only when enough answers back it.
                "median_hours": (
                    round(statistics.median(hours), 1)
                    if hours and len(hours) >= MEDIAN_ANSWERS_MIN
                    else None
                ),
            }
        )
    return rows


@admin.register(OutgoingEmail)
class OutgoingEmailAdmin(MaskedContactsAdmin, RegistryScaleAdmin):
    list_display = ("created_at", "kind", "to", "status", "attempts", "sent_at", "error")
    list_filter = (
        "status",
        "kind",
        "created_at",
        TrialFilter.on("inquiry__trial"),
        SiteFilter.on("inquiry__site"),
    )
    search_fields = ("message_id",)
    search_help_text = _("The Message-ID, or the NCT number of the inquiry's trial.")
    list_select_related = ("inquiry", "subscription")
    # Newest first by the primary key: no index holds created_at.
    ordering = ("-pk",)
    sortable_by = ()
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

    def get_search_results(self, request, queryset, search_term_):
        return searched(
            request, queryset, search_term_, path="inquiry__trial", by_words=by_message_id
        )

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
