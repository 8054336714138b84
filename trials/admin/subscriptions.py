"""Admin for Patient Notification Services: subscribers and what they were sent.

Staff cannot add subscribers or confirm them (that would bypass the double
opt-in); they can read, unsubscribe and delete. Addresses are masked for
staff without `trials.view_contact_details`, through trials/admin/masking.py.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import Count, IntegerField, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.http import HttpRequest, StreamingHttpResponse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from trials.models import OutgoingEmail, Subscription, SubscriptionDelivery
from trials.spreadsheet import CHUNK_SIZE, csv_response
from trials.subscriptions import subscription_unsubscribe

from .lists import (
    RegistryScaleAdmin,
    TrialFilter,
    search_term,
    searched,
    without_large_trial_fields,
)
from .masking import MaskedContactsAdmin

# What the list and the CSV export both show of a subscriber.
SUBSCRIBER_COLUMNS = (
    "email",
    "status",
    "interests",
    "place_text",
    "radius_km",
    "language",
    "created_at",
    "confirmed_at",
)


class ReadOnlyInline(MaskedContactsAdmin, admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = False
    # A subscriber of some years has had hundreds of digests: the newest only.
    newest = 50

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        match = request.resolver_match
        object_id = match.kwargs.get("object_id") if match else None
        if not object_id:
            return queryset
        rows = queryset.filter(subscription_id=object_id).order_by("-pk")
        return queryset.filter(pk__in=list(rows.values_list("pk", flat=True)[: self.newest]))

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


class DeliveryInline(ReadOnlyInline):
    model = SubscriptionDelivery
    fields = readonly_fields = ("trial", "created_at", "email_status")
    verbose_name_plural = _("trials sent")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("trial", "email", "subscription")

    @admin.display(description=_("email status"))
    def email_status(self, delivery: SubscriptionDelivery) -> str:
        return delivery.email.get_status_display() if delivery.email else "–"


class SubscriptionEmailInline(ReadOnlyInline):
    model = OutgoingEmail
    fk_name = "subscription"
    fields = readonly_fields = (
        "created_at",
        "kind",
        "subject",
        "status",
        "attempts",
        "sent_at",
        "last_error",
    )
    verbose_name_plural = _("emails")
    ordering = ["-created_at"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("inquiry", "subscription")


@admin.register(Subscription)
class SubscriptionAdmin(MaskedContactsAdmin, RegistryScaleAdmin):
    list_display = (*SUBSCRIBER_COLUMNS, "last_digest_at", "trials_sent")
    list_filter = (
        "status",
        "language",
        "created_at",
        "confirmed_at",
        TrialFilter.on("deliveries__trial"),
    )
    search_fields = ("email", "interests", "place_text")
    date_hierarchy = "created_at"
    # Newest first by the primary key; no other column has an index to sort by.
    ordering = ("-pk",)
    sortable_by = ()
    inlines = [DeliveryInline, SubscriptionEmailInline]
    actions = ["unsubscribe", "export_csv"]
    csv_columns = (*SUBSCRIBER_COLUMNS, "unsubscribed_at", "last_digest_at")
    fields = (
        "email",
        "status",
        "interests",
        ("place_text", "latitude", "longitude", "radius_km"),
        "language",
        ("created_at", "confirmation_sent_at", "confirmed_at"),
        ("unsubscribed_at", "last_digest_at"),
    )
    readonly_fields = (
        "email",
        "status",
        "interests",
        "place_text",
        "latitude",
        "longitude",
        "radius_km",
        "language",
        "created_at",
        "confirmation_sent_at",
        "confirmed_at",
        "unsubscribed_at",
        "last_digest_at",
    )

    def get_queryset(self, request):
        # Counted for the rows of the page only, not grouped over every subscriber.
        sent = (
            SubscriptionDelivery.objects.filter(subscription=OuterRef("pk"))
            .order_by()
            .values("subscription")
            .annotate(count=Count("pk"))
            .values("count")
        )
        count = Coalesce(Subquery(sent, output_field=IntegerField()), 0)
        return super().get_queryset(request).annotate(trials_sent_count=count)

    def get_search_results(self, request, queryset, search_term_):
        term = search_term(request, search_term_)
        if not term:
            return queryset, False
        return super().get_search_results(request, queryset, term)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.display(description=_("trials sent"))
    def trials_sent(self, subscription: Subscription) -> int:
        return getattr(subscription, "trials_sent_count", 0)

    @admin.action(description=_("Export selected subscribers as CSV"))
    def export_csv(self, request: HttpRequest, queryset) -> StreamingHttpResponse:
        subscriptions = queryset.order_by("pk").iterator(chunk_size=CHUNK_SIZE)
        rows = (
            [subscription.pk, *[self.cell(request, subscription, n) for n in self.csv_columns]]
            for subscription in subscriptions
        )
        return csv_response(name="subscribers", header=["id", *self.csv_columns], rows=rows)

    @admin.action(description=_("Unsubscribe the selected subscribers"))
    def unsubscribe(self, request: HttpRequest, queryset) -> None:
        count = 0
        for subscription in queryset.exclude(status=Subscription.Status.UNSUBSCRIBED):
            subscription_unsubscribe(subscription=subscription)
            count += 1
        message = ngettext(
            "%(count)d subscriber unsubscribed.", "%(count)d subscribers unsubscribed.", count
        )
        self.message_user(request, message % {"count": count}, messages.SUCCESS)


@admin.register(SubscriptionDelivery)
class SubscriptionDeliveryAdmin(MaskedContactsAdmin, RegistryScaleAdmin):
    """Which trial went to which subscriber, in which email."""

    list_display = ("created_at", "trial", "subscriber", "email_status")
    list_select_related = ("trial", "subscription", "email")
    list_filter = (TrialFilter,)
    search_fields = ("trial__nct_id",)
    search_help_text = _("An NCT number or its start.")
    date_hierarchy = "created_at"
    sortable_by = ()
    fields = readonly_fields = ("created_at", "trial", "subscriber", "email_status")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def get_queryset(self, request):
        return without_large_trial_fields(super().get_queryset(request), "subscription", "email")

    def get_search_results(self, request, queryset, search_term_):
        return searched(request, queryset, search_term_)

    @admin.display(description=_("subscriber"))
    def subscriber(self, delivery: SubscriptionDelivery) -> str:
        return delivery.subscription.email

    subscriber.masks = "subscription__email"

    @admin.display(description=_("email status"))
    def email_status(self, delivery: SubscriptionDelivery) -> str:
        return delivery.email.get_status_display() if delivery.email else "–"
