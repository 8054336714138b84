"""Admin for what search knows beyond the registry: patients' words and
Chinese names (editable), and the lexicon misspellings are corrected
against (read only: rebuilt from the trials)."""

from __future__ import annotations

from django.contrib import admin

from trials.condition_names import condition_names_refresh_for_meaning
from trials.models import SearchTerm, SearchWord


@admin.register(SearchTerm)
class SearchTermAdmin(admin.ModelAdmin):
    list_display = ["phrase", "meaning", "language", "updated_at"]
    list_filter = ["language"]
    search_fields = ["phrase", "meaning"]
    list_per_page = 100

    # A Chinese term names the conditions of its meaning on Chinese pages.
    def save_model(self, request, obj, form, change) -> None:
        before = form.initial.get("meaning") if change else None
        super().save_model(request, obj, form, change)
        for meaning in {before, obj.meaning} - {None, ""}:
            condition_names_refresh_for_meaning(meaning)

    def delete_model(self, request, obj) -> None:
        super().delete_model(request, obj)
        condition_names_refresh_for_meaning(obj.meaning)


@admin.register(SearchWord)
class SearchWordAdmin(admin.ModelAdmin):
    list_display = ["word", "trials"]
    search_fields = ["word"]
    ordering = ["-trials", "word"]
    list_per_page = 100
    # A full count of a registry-sized lexicon on every page is not needed.
    show_full_result_count = False

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
