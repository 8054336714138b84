"""Admin for trials, their sites, conditions and the FAQ."""

from __future__ import annotations

import json

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.db.models import Count, IntegerField, OuterRef, Prefetch, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from trials.admin.imports import ImportForm
from trials.admin.lists import (
    CountryFilter,
    NameContains,
    RegistryScaleAdmin,
    published_or_not,
    search_term,
    searched,
)
from trials.admin.prescreen import PrescreenQuestionInline
from trials.import_jobs import import_job_create
from trials.models import Condition, FaqEntry, ImportJob, Phase, RecruitmentStatus, Site, Trial
from trials.pagecache import faq_forget
from trials.readability import (
    flesch_reading_ease,
    reading_ease_verdict,
    reading_ease_verdicts,
)
from trials.text_match import match_expression, text_filter
from trials.translations import side_by_side, translations_form
from trials.understanding import Understanding

# A trial's sites summarised by country and status, at most this many lines.
SUMMARY_ROWS = 60


class LinesField(forms.CharField):
    """A list of short texts edited as one per line."""

    widget = forms.Textarea(attrs={"rows": 3})

    def prepare_value(self, value):
        if isinstance(value, list):
            return "\n".join(str(item) for item in value)
        return value

    def to_python(self, value) -> list[str]:
        text = super().to_python(value) or ""
        return [line.strip() for line in text.splitlines() if line.strip()]


DAYS_PER_YEAR = 365


class AgeInYearsField(forms.DecimalField):
    """An age limit entered and shown in years, stored in days as the registry's
    ages are (Trial.minimum_age_days: 18 years is 6570)."""

    def __init__(self, **kwargs) -> None:
        super().__init__(min_value=0, max_value=150, decimal_places=2, required=False, **kwargs)

    def prepare_value(self, value):
        if isinstance(value, int):
            years = round(value / DAYS_PER_YEAR, 2)
            return int(years) if years == int(years) else years
        return value

    def clean(self, value):
        years = super().clean(value)
        return None if years is None else round(years * DAYS_PER_YEAR)


class TrialFields(forms.ModelForm):
    minimum_age_days = AgeInYearsField(
        label=_("minimum age (years)"),
        help_text=_("In years, e.g. 18 or 0.5 for six months. Empty: no limit."),
    )
    maximum_age_days = AgeInYearsField(
        label=_("maximum age (years)"),
        help_text=_("In years, e.g. 80. Empty: no upper limit."),
    )
    phases = forms.MultipleChoiceField(
        label=_("phases"),
        choices=Phase.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("The registry's phase field; leave empty or tick “Phase N/A” if none."),
    )
    keywords = LinesField(label=_("keywords"), required=False, help_text=_("One per line."))

    class Meta:
        model = Trial
        # The admin's fieldsets decide the fields shown; these are the ones this form shapes.
        fields = ["phases", "keywords", "minimum_age_days", "maximum_age_days"]

    def _age_days(self, name: str) -> int | None:
        # An age the registry gave in days or months ("6 Months", 182 days) is
        # shown rounded to years: left as shown, it stays as stored.
        days = self.cleaned_data.get(name)
        initial = self.initial.get(name)
        field = self.fields[name]
        if isinstance(initial, int) and days == field.clean(field.prepare_value(initial)):
            return initial
        return days

    def clean_minimum_age_days(self) -> int | None:
        return self._age_days("minimum_age_days")

    def clean_maximum_age_days(self) -> int | None:
        return self._age_days("maximum_age_days")


# A Chinese title beside the registry's English one: the page shows both.
TrialForm = translations_form(Trial, ("brief_title", "lay_summary"), base=TrialFields)


class PhaseFilter(admin.SimpleListFilter):
    title = _("phase")
    parameter_name = "phase"

    def lookups(self, request, model_admin):
        return Phase.choices

    def queryset(self, request, queryset):
        if self.value() in Phase.values:
            # phases is a JSON list: match the quoted code, so "PHASE1" does not
            # also match "EARLY_PHASE1". Works on SQLite and PostgreSQL alike.
            return queryset.filter(phases__icontains=f'"{self.value()}"')
        return queryset


class TrialFaqInline(admin.StackedInline):
    """A trial's own questions, shown on its page beside the shared ones."""

    model = FaqEntry
    form = translations_form(FaqEntry, ("question", "answer"))
    fields = [*side_by_side("question", "answer"), ("order", "published")]
    extra = 0
    ordering = ["order", "pk"]
    verbose_name = _("question for this trial's FAQ")
    verbose_name_plural = _("this trial's own FAQ")


@admin.register(Trial)
class TrialAdmin(RegistryScaleAdmin):
    form = TrialForm

    class Media:
        js = ("js/readability.js",)

    # Sites are edited in their own paged list (trials/admin/sites.py): a
    # trial with 715 sites inlined whole was a 14 MB page.
    inlines = [PrescreenQuestionInline, TrialFaqInline]
    change_list_template = "admin/trials/trial/change_list.html"
    list_display = [
        "nct_id",
        "brief_title",
        "overall_status",
        "phase_label",
        "site_countries",
        "published",
        "last_updated",
    ]
    list_display_links = ["nct_id", "brief_title"]
    list_filter = ["overall_status", PhaseFilter, CountryFilter, "published"]
    # Searched through indexes in get_search_results, not with these.
    search_fields = ["nct_id", "brief_title"]
    search_help_text = _("An NCT number or its start, or words of the title or conditions.")
    list_per_page = 50
    # Only what an index sorts: the unique NCT number and the date updated.
    sortable_by = ["nct_id", "last_updated"]
    autocomplete_fields = ["conditions"]
    prepopulated_fields = {"slug": ["brief_title"]}
    readonly_fields = [
        "listed_at",
        "eligibility_preview",
        "source_record_display",
        "lay_summary_readability",
        "sites_summary",
    ]
    actions = ["publish", "unpublish"]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "nct_id",
                    *side_by_side("brief_title"),
                    "slug",
                    "official_title",
                    "published",
                ]
            },
        ),
        (
            _("Recruitment and design"),
            {
                "fields": [
                    ("overall_status", "listed_at"),
                    "phases",
                    ("study_type", "allocation", "enrollment"),
                    ("start_date", "last_updated"),
                    "lead_sponsor",
                ]
            },
        ),
        (
            _("Plain-language summary"),
            {
                "fields": [
                    *side_by_side("lay_summary"),
                    "lay_summary_readability",
                    ("lay_summary_by", "lay_summary_reviewed_on"),
                ],
                "description": _(
                    "Only this text is called a plain-language summary on the trial page, "
                    "with who wrote it and when it was last reviewed. Without it the page "
                    "shows the registry's summary under that name."
                ),
            },
        ),
        (_("From the registry"), {"fields": ["overview", "description"]}),
        (
            _("Who can take part"),
            {
                "fields": [
                    ("minimum_age_days", "maximum_age_days"),
                    ("sex", "healthy_volunteers"),
                    "eligibility_criteria",
                    "eligibility_preview",
                ]
            },
        ),
        (_("Study details"), {"fields": ["conditions", "keywords"]}),
        (_("Study sites"), {"fields": ["sites_summary"]}),
        (
            _("Registry record"),
            {"fields": ["source_record_display"], "classes": ["collapse"]},
        ),
    ]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Trial]:
        queryset = super().get_queryset(request)
        if request.resolver_match and request.resolver_match.url_name.endswith("_changelist"):
            # The list shows each trial's site countries: one query for all of
            # them, and no large registry records loaded.
            queryset = queryset.defer("source_record", "description", "eligibility_criteria")
            queryset = queryset.prefetch_related(
                Prefetch("sites", queryset=Site.objects.only("trial_id", "country"))
            )
        return queryset

    def get_search_results(self, request, queryset, search_term_):
        return searched(request, queryset, search_term_, path="pk", by_words=by_title_words)

    @admin.display(description=_("study sites"))
    def sites_summary(self, trial: Trial) -> str:
        """Counts by country and status, and a link to the trial's sites."""
        if trial.pk is None:
            return _("Add the trial first, then its sites.")
        counts = (
            Site.objects.filter(trial=trial)
            .values("country", "status")
            .annotate(sites=Count("pk"))
            .order_by("country", "status")[:SUMMARY_ROWS]
        )
        statuses = dict(RecruitmentStatus.choices)
        rows = [
            {
                "country": row["country"],
                "status": statuses.get(row["status"], row["status"]),
                "sites": row["sites"],
            }
            for row in counts
        ]
        context = {
            "rows": rows,
            "more": len(rows) == SUMMARY_ROWS,
            "total": Site.objects.filter(trial=trial).count(),
            "sites_url": reverse("admin:trials_site_changelist") + f"?trial={trial.nct_id}",
            "add_url": reverse("admin:trials_site_add") + f"?trial={trial.pk}",
        }
        return render_to_string("admin/trials/trial/sites_summary.html", context)

    @admin.display(description=_("countries"))
    def site_countries(self, trial: Trial) -> str:
        return ", ".join(sorted({site.country for site in trial.sites.all() if site.country}))

    @admin.display(description=_("phase"))
    def phase_label(self, trial: Trial) -> str:
        return trial.phase_label

    @admin.display(description=_("readability of the English summary"))
    def lay_summary_readability(self, trial: Trial) -> str:
        # The saved summary's score; static/js/readability.js recomputes it
        # as staff type, with the same formula and these translated words.
        template = _("Flesch reading ease %(score)d: %(verdict)s")
        empty = _("Write the summary to see how easy it is to read.")
        score = flesch_reading_ease(trial.lay_summary)
        shown = (
            empty
            if score is None
            else template
            % {
                "score": score,
                "verdict": reading_ease_verdict(score),
            }
        )
        return format_html(
            '<span class="readability" data-readability-of="id_lay_summary" aria-live="polite"'
            ' data-template="{}" data-empty="{}" data-verdicts="{}">{}</span>'
            ' <span class="help">{}</span>',
            template,
            empty,
            json.dumps(reading_ease_verdicts()),
            shown,
            _("60 or more is plain English; aim for short sentences and everyday words."),
        )

    @admin.display(description=_("criteria as patients see them"))
    def eligibility_preview(self, trial: Trial) -> str:
        eligibility = trial.eligibility
        if not eligibility:
            return _("No criteria to show.")
        return render_to_string("admin/trials/trial/eligibility_preview.html", {"e": eligibility})

    @admin.display(description=_("record as imported"))
    def source_record_display(self, trial: Trial) -> str:
        # A link, not the record: a study with 715 locations is megabytes.
        if not trial.source_record:
            return "—"
        url = reverse("admin:trials_trial_record", args=[trial.pk])
        return format_html('<a href="{}">{}</a>', url, _("Open the registry record (JSON)"))

    def get_fieldsets(self, request: HttpRequest, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if self.has_change_permission(request, obj):
            return fieldsets  # the form's AgeInYearsField shows and takes years
        # Read-only, the stored days would show: years instead.
        ages = {"minimum_age_days": "minimum_age_years", "maximum_age_days": "maximum_age_years"}

        def swapped(names):
            return [
                tuple(ages.get(n, n) for n in name)
                if isinstance(name, tuple | list)
                else ages.get(name, name)
                for name in names
            ]

        return [
            (title, {**options, "fields": swapped(options["fields"])})
            for title, options in fieldsets
        ]

    @admin.display(description=_("minimum age (years)"))
    def minimum_age_years(self, trial: Trial):
        return AgeInYearsField().prepare_value(trial.minimum_age_days)

    @admin.display(description=_("maximum age (years)"))
    def maximum_age_years(self, trial: Trial):
        return AgeInYearsField().prepare_value(trial.maximum_age_days)

    def record_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        trial = self.get_object(request, object_id)
        if trial is None or not self.has_view_permission(request, trial):
            raise PermissionDenied
        record = json.dumps(trial.source_record, indent=2, ensure_ascii=False)
        return HttpResponse(record, content_type="application/json; charset=utf-8")

    def save_model(self, request, obj: Trial, form, change: bool) -> None:
        before = Trial.objects.filter(pk=obj.pk).values("published", "overall_status").first()
        was_open = bool(
            before
            and before["published"]
            and before["overall_status"] == RecruitmentStatus.RECRUITING
        )
        obj.note_listing(was_open=was_open)
        super().save_model(request, obj, form, change)

    @admin.action(description=_("Publish the selected trials"), permissions=["change"])
    def publish(self, request: HttpRequest, queryset: QuerySet[Trial]) -> None:
        count = 0
        for trial in queryset.filter(published=False).defer("source_record"):
            trial.published = True
            # Trials that open now reach Patient Notification Services.
            trial.note_listing(was_open=False)
            trial.save(update_fields=["published", "listed_at", "updated_at"])
            count += 1
        self.message_user(
            request,
            ngettext("%(count)d trial published.", "%(count)d trials published.", count)
            % {"count": count},
            messages.SUCCESS,
        )

    @admin.action(description=_("Unpublish the selected trials"), permissions=["change"])
    def unpublish(self, request: HttpRequest, queryset: QuerySet[Trial]) -> None:
        count = queryset.filter(published=True).update(published=False, updated_at=timezone.now())
        self.message_user(
            request,
            ngettext("%(count)d trial unpublished.", "%(count)d trials unpublished.", count)
            % {"count": count},
            messages.SUCCESS,
        )

    def get_urls(self):
        import_view = self.admin_site.admin_view(self.import_view)
        import_job_view = self.admin_site.admin_view(self.import_job_view)
        record_view = self.admin_site.admin_view(self.record_view)
        return [
            path("import/", import_view, name="trials_trial_import"),
            path("import/<int:job_id>/", import_job_view, name="trials_trial_import_job"),
            path("<path:object_id>/record/", record_view, name="trials_trial_record"),
            *super().get_urls(),
        ]

    def _may_import(self, request: HttpRequest) -> None:
        if not (self.has_add_permission(request) and self.has_change_permission(request)):
            raise PermissionDenied

    def import_view(self, request: HttpRequest) -> HttpResponse:
        """Upload study files: a worker imports them (trials/import_jobs.py)
        with the same importer as `manage.py import_trials`."""
        self._may_import(request)
        form = ImportForm(request.POST, request.FILES) if request.method == "POST" else ImportForm()
        if form.is_bound and form.is_valid():
            job = import_job_create(files=form.cleaned_data["files"], user=request.user)
            return redirect("admin:trials_trial_import_job", job_id=job.pk)
        return self._import_page(request, form=form, job=None)

    def import_job_view(self, request: HttpRequest, job_id: int) -> HttpResponse:
        """One upload's progress, then what it imported and what it could not."""
        self._may_import(request)
        job = get_object_or_404(ImportJob, pk=job_id)
        return self._import_page(request, form=ImportForm(), job=job)

    def _import_page(self, request: HttpRequest, *, form: ImportForm, job) -> HttpResponse:
        context = {
            **self.admin_site.each_context(request),
            "title": _("Import from ClinicalTrials.gov JSON"),
            "opts": self.opts,
            "form": form,
            "job": job,
            "summary": job if job is not None and job.done else None,
            "recent": ImportJob.objects.select_related("created_by")[:10],
            "changelist_url": reverse("admin:trials_trial_changelist"),
        }
        return TemplateResponse(request, "admin/trials/trial/import.html", context)


def by_title_words(trials: QuerySet[Trial], term: str) -> tuple[QuerySet[Trial], bool]:
    """The public search's full-text index on PostgreSQL (title, official
    title, conditions, keywords, sponsor); icontains on SQLite only."""
    words = Understanding(words=term)
    if connection.vendor == "postgresql":
        if not has_lexemes(term):
            # "a", "the": no word to look up; a scan of every trial to find none.
            return trials.none(), False
        return trials.filter(published_or_not(match_expression(words, ranked=True))), False
    return text_filter(trials, words), False


def has_lexemes(term: str) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT numnode(websearch_to_tsquery('english', %s)) > 0", [term])
        return cursor.fetchone()[0]


@admin.register(Condition)
class ConditionAdmin(RegistryScaleAdmin):
    # The Chinese name comes from the terminology or a Chinese search term
    # (Search terms), never typed here: trials/condition_names.py.
    list_display = ["name", "slug", "trial_count", "name_zh_hans"]
    search_fields = ["name"]
    readonly_fields = ["name_zh_hans"]
    prepopulated_fields = {"slug": ["name"]}
    ordering = ["name"]
    sortable_by = ["name"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Condition]:
        # Counted for the page's conditions only, not grouped over 200,000 names.
        links = Trial.conditions.through.objects.filter(condition=OuterRef("pk"))
        count = links.order_by().values("condition").annotate(n=Count("pk")).values("n")
        trial_count = Coalesce(Subquery(count, output_field=IntegerField()), 0)
        return super().get_queryset(request).annotate(trial_count=trial_count)

    def get_search_results(self, request, queryset, search_term_):
        term = search_term(request, search_term_)
        if not term:
            return queryset, False
        if connection.vendor == "postgresql":
            # ILIKE, which the trigram index on the name answers (migration 0003).
            return queryset.filter(NameContains(term)), False
        return queryset.filter(name__icontains=term), False

    def save_model(self, request, obj, form, change) -> None:
        super().save_model(request, obj, form, change)
        if change and "name" in form.changed_data:
            # Trial pages are cached per trial update: a renamed condition is one.
            Trial.objects.filter(conditions=obj).update(updated_at=timezone.now())

    @admin.display(description=_("trials"))
    def trial_count(self, condition: Condition) -> int:
        return condition.trial_count


class TrialFaqFilter(admin.SimpleListFilter):
    title = _("shown on")
    parameter_name = "for_trial"

    def lookups(self, request, model_admin):
        return [("no", _("every trial's page")), ("yes", _("one trial's page"))]

    def queryset(self, request, queryset):
        if self.value() in ("yes", "no"):
            return queryset.filter(trial__isnull=self.value() == "no")
        return queryset


def _faq_changed(trial_ids) -> None:
    """Trial pages keep the FAQ rendered (trials/pagecache.py) until it
    changes: the shared one by its key, a trial's own with the trial's page
    (its update time is in every key of that page)."""
    faq_forget()
    trial_ids = [pk for pk in trial_ids if pk]
    if trial_ids:
        Trial.objects.filter(pk__in=trial_ids).update(updated_at=timezone.now())


@admin.register(FaqEntry)
class FaqEntryAdmin(admin.ModelAdmin):
    form = translations_form(FaqEntry, ("question", "answer"))
    fields = [*side_by_side("question", "answer"), ("order", "published"), "trial"]
    raw_id_fields = ["trial"]
    list_display = ["question", "trial", "order", "published"]
    list_display_links = ["question"]
    list_editable = ["order", "published"]
    list_filter = ["published", TrialFaqFilter]
    list_select_related = ["trial"]
    search_fields = ["question", "answer"]
    ordering = ["order", "pk"]

    def save_model(self, request, obj, form, change) -> None:
        before = FaqEntry.objects.filter(pk=obj.pk).values_list("trial_id", flat=True).first()
        super().save_model(request, obj, form, change)
        _faq_changed([before, obj.trial_id])

    def delete_model(self, request, obj) -> None:
        super().delete_model(request, obj)
        _faq_changed([obj.trial_id])

    def delete_queryset(self, request, queryset) -> None:
        trial_ids = list(queryset.values_list("trial_id", flat=True))
        super().delete_queryset(request, queryset)
        _faq_changed(trial_ids)
