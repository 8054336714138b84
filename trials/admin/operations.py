"""What staff see of the background work: each registry sync run."""

from __future__ import annotations

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from trials.importers.summary import RecordError
from trials.models import RegistrySync


@admin.register(RegistrySync)
class RegistrySyncAdmin(admin.ModelAdmin):
    list_display = (
        "started_at",
        "finished_at",
        "status",
        "since",
        "pages",
        "created",
        "updated",
        "unchanged",
        "failed",
    )
    list_filter = ("status",)
    date_hierarchy = None
    show_full_result_count = False
    readonly_fields = [field.name for field in RegistrySync._meta.fields] + ["error_list"]
    exclude = ("errors",)

    @admin.display(description=_("records skipped, and why"))
    def error_list(self, run: RegistrySync) -> str:
        return "\n".join(str(RecordError(**error)) for error in run.errors) or "—"

    def has_add_permission(self, request) -> bool:
        return False  # runs are started by beat or `manage.py sync_registry`

    def has_change_permission(self, request, obj=None) -> bool:
        return False
