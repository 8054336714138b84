"""Admin for study sites: a paged, searchable list and one site per page."""

from __future__ import annotations

from functools import partial

from django import forms
from django.contrib import admin, messages
from django.db.models import F, QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from trials.forms.contact import EmailAddressField
from trials.models import Language, Site, Trial
from trials.translations import side_by_side, translations_form

from .lists import (
    CountryFilter,
    RegistryScaleAdmin,
    TrialFilter,
    searched,
)


def trials_changed(*trial_ids: int | None) -> None:
    Trial.objects.filter(pk__in=[i for i in trial_ids if i]).update(updated_at=timezone.now())


class SiteCountryFilter(CountryFilter):
    def queryset(self, request, queryset):
        return queryset.filter(country=self.value()) if self.value() else queryset


SITE_TRANSLATED = ("facility", "address", "city", "state", "country")


class SiteForm(forms.ModelForm):
    languages = forms.MultipleChoiceField(
        label=_("languages supported"),
        choices=Language.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Shown to patients on the trial page and the contact card."),
    )

    class Meta:
        model = Site
        fields = [
            "facility", "status", "is_primary_contact", "address", "city", "state",
            "postal_code", "country", "latitude", "longitude", "contact_name",
            "contact_email", "contact_phone", "languages", "email_language",
        ]  # fmt: skip
        field_classes = {"contact_email": EmailAddressField}


@admin.register(Site)
class SiteAdmin(RegistryScaleAdmin):
    """The sites of the registry, edited one at a time.

    A trial's page links here filtered to that trial (`?trial=NCT…`): a trial
    with 715 sites is a paged list, not 715 forms on one page."""

    form = translations_form(Site, SITE_TRANSLATED, base=SiteForm)
    list_display = ["facility", "city", "country", "status", "is_primary_contact", "trial_number"]
    list_filter = [TrialFilter, "status", SiteCountryFilter]
    search_fields = ["facility", "city"]
    search_help_text = _(
        "A site's number, an NCT number; a facility or city within one trial (filter by "
        "its NCT number first)."
    )
    autocomplete_fields = ["trial"]
    list_per_page = 50
    sortable_by = ()
    fieldsets = [
        (
            None,
            {"fields": ["trial", ("status", "is_primary_contact"), *side_by_side("facility")]},
        ),
        (
            _("Address"),
            {
                "fields": [
                    *side_by_side("address", "city", "state", "country"),
                    "postal_code",
                ],
                "description": _(
                    "Name and address in each language, side by side: patients reading "
                    "another language see the English until one is written."
                ),
            },
        ),
        (
            _("Map position"),
            {
                "fields": [("latitude", "longitude")],
                "description": _("Decimal degrees; finds the nearest site for a patient."),
            },
        ),
        (
            _("Contact"),
            {
                "fields": [
                    ("contact_name", "contact_email", "contact_phone"),
                    "languages",
                    "email_language",
                ]
            },
        ),
    ]

    # A trial's page is stored per trial update (trials/trial_pages.py): a site
    # added, changed, moved or deleted is an update of its trial.
    def save_model(self, request, obj: Site, form, change: bool) -> None:
        before = Site.objects.filter(pk=obj.pk).values_list("trial_id", flat=True).first()
        # A site staff open reaches subscribers near it, as an imported one does.
        obj.note_opening(was_recruiting=change and "status" not in form.changed_data)
        super().save_model(request, obj, form, change)
        trials_changed(obj.trial_id, before)

    def delete_model(self, request, obj: Site) -> None:
        super().delete_model(request, obj)
        trials_changed(obj.trial_id)

    def delete_queryset(self, request, queryset) -> None:
        trial_ids = list(queryset.values_list("trial_id", flat=True).distinct())
        super().delete_queryset(request, queryset)
        trials_changed(*trial_ids)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Site]:
        # The trial's number only, not its row (registry records are large).
        return super().get_queryset(request).annotate(trial_nct_id=F("trial__nct_id"))

    @admin.display(description=_("trial"))
    def trial_number(self, site: Site) -> str:
        return site.trial_nct_id

    def get_search_results(self, request, queryset, search_term_):
        number = search_term_.strip()
        if number.isdigit() and len(number) < 10:
            return queryset.filter(pk=int(number)), False
        by_name = partial(self.by_name, request)
        return searched(request, queryset, search_term_, by_words=by_name)

    def by_name(self, request, queryset, term: str):
        if not request.GET.get(TrialFilter.parameter_name):
            # Names are searched within one trial: across 1.46 million sites
            # no index holds "contains".
            messages.info(
                request,
                gettext(
                    "To search sites by facility or city, first filter by the trial's NCT number."
                ),
            )
            return queryset.none(), False
        return super().get_search_results(request, queryset, term)
