"""Admin for study teams: staff approve or refuse claims, invite a
coordinator to a site and take a site away from an account."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from trials.forms.contact import EmailAddressField
from trials.models import SiteClaim, SiteMembership, TeamSettings
from trials.team_access import membership_remove, site_claim_decide, team_invite


@admin.register(SiteClaim)
class SiteClaimAdmin(admin.ModelAdmin):
    list_display = ("created_at", "email", "name", "site", "registry_address", "status")
    list_filter = ("status", "registry_address")
    search_fields = ("email", "site__facility", "site__trial__nct_id")
    list_select_related = ("site__trial",)
    fields = readonly_fields = (
        "site",
        "email",
        "name",
        "registry_address",
        "status",
        "created_at",
        "decided_at",
        "decided_by",
    )
    actions = ["approve", "refuse"]

    def has_add_permission(self, request) -> bool:
        return False  # claims come from coordinators

    def _decide(self, request, queryset, *, approve: bool) -> None:
        decided = sum(
            site_claim_decide(claim=claim, approve=approve, by=request.user)
            for claim in queryset.filter(status=SiteClaim.Status.PENDING).select_related("site")
        )
        self.message_user(
            request,
            ngettext("%d claim decided.", "%d claims decided.", decided) % decided,
            messages.SUCCESS if decided else messages.WARNING,
        )

    @admin.action(description=_("Approve the selected claims and invite the coordinators"))
    def approve(self, request, queryset) -> None:
        self._decide(request, queryset, approve=True)

    @admin.action(description=_("Refuse the selected claims"))
    def refuse(self, request, queryset) -> None:
        self._decide(request, queryset, approve=False)


class InviteForm(forms.ModelForm):
    email = EmailAddressField(label=_("Coordinator's email"))

    class Meta:
        model = SiteMembership
        fields = ["site"]


@admin.register(SiteMembership)
class SiteMembershipAdmin(admin.ModelAdmin):
    """Adding a member is inviting one: the coordinator accepts through an emailed link."""

    list_display = ("user_email", "site", "status", "confirmed_at", "removed_at")
    list_filter = ("status",)
    search_fields = ("user__email", "site__facility", "site__trial__nct_id")
    list_select_related = ("user", "site__trial")
    raw_id_fields = ("site",)
    actions = ["remove"]

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            kwargs["form"] = InviteForm
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fields(self, request, obj=None):
        return ["site", "email"] if obj is None else self.get_readonly_fields(request, obj)

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        return ["user", "site", "status", "created_at", "confirmed_at", "removed_at"]

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def save_model(self, request, obj, form, change) -> None:
        membership = team_invite(site=form.cleaned_data["site"], email=form.cleaned_data["email"])
        obj.pk, obj.user, obj.status = membership.pk, membership.user, membership.status
        self.message_user(request, _("The invitation has been emailed."), messages.SUCCESS)

    @admin.display(description=_("account"), ordering="user__email")
    def user_email(self, membership: SiteMembership) -> str:
        return membership.user.email

    @admin.action(description=_("Remove from the site (its inquiries are hidden at once)"))
    def remove(self, request, queryset) -> None:
        removed = membership_remove(membership_ids=list(queryset.values_list("pk", flat=True)))
        self.message_user(
            request,
            ngettext("%d member removed.", "%d members removed.", removed) % removed,
            messages.SUCCESS if removed else messages.WARNING,
        )


@admin.register(TeamSettings)
class TeamSettingsAdmin(admin.ModelAdmin):
    list_display = ("site", "taking_messages", "updated_at")
    list_filter = ("taking_messages",)
    search_fields = ("site__facility", "site__trial__nct_id")
    list_select_related = ("site__trial",)
    fields = readonly_fields = (
        "site",
        "contact_addresses",
        "languages",
        "taking_messages",
        "updated_at",
    )

    def has_add_permission(self, request) -> bool:
        return False  # kept by the study team itself
