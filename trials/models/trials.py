"""Trials, their conditions and study sites, and the FAQ."""

from __future__ import annotations

import statistics
from collections.abc import Iterable

from django.conf import settings
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVectorField
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Case, F, Min, Q, When
from django.db.models.fields.json import KeyTextTransform, KeyTransform
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.text import slugify
from django.utils.translation import get_language, ngettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from trials.compiled_queries import rows_for_ids
from trials.contacts import BACKUP_CONTACT, CENTRAL_CONTACT, is_placeholder
from trials.place_names import chinese_place_name
from trials.translations import (
    TranslatedText,
    site_languages,
    text_in,
    translated,
    translated_value,
)

NCT_ID_RE = r"^NCT\d{8}$"
nct_id_validator = RegexValidator(
    NCT_ID_RE, _("An NCT number is “NCT” followed by eight digits, e.g. NCT06760221.")
)

DAYS_PER_UNIT = {"year": 365, "month": 30, "week": 7, "day": 1, "hour": 0, "minute": 0}


class RecruitmentStatus(models.TextChoices):
    """The registry's overall status values, in words a patient understands."""

    RECRUITING = "RECRUITING", _("Recruiting")
    NOT_YET_RECRUITING = "NOT_YET_RECRUITING", _("Not yet recruiting")
    ENROLLING_BY_INVITATION = "ENROLLING_BY_INVITATION", _("Enrolling by invitation only")
    ACTIVE_NOT_RECRUITING = "ACTIVE_NOT_RECRUITING", _("Ongoing, no longer recruiting")
    SUSPENDED = "SUSPENDED", _("Paused (suspended)")
    TERMINATED = "TERMINATED", _("Stopped early (terminated)")
    COMPLETED = "COMPLETED", _("Completed")
    WITHDRAWN = "WITHDRAWN", _("Withdrawn before enrolling")
    AVAILABLE = "AVAILABLE", _("Available (expanded access)")
    NO_LONGER_AVAILABLE = "NO_LONGER_AVAILABLE", _("No longer available")
    TEMPORARILY_NOT_AVAILABLE = "TEMPORARILY_NOT_AVAILABLE", _("Temporarily not available")
    APPROVED_FOR_MARKETING = "APPROVED_FOR_MARKETING", _("Approved for marketing")
    WITHHELD = "WITHHELD", _("Withheld")
    UNKNOWN = "UNKNOWN", _("Status unknown")


OPEN_STATUSES = (RecruitmentStatus.RECRUITING,)


class Phase(models.TextChoices):
    NA = "NA", _("Phase N/A")
    EARLY_PHASE1 = "EARLY_PHASE1", _("Early phase 1")
    PHASE1 = "PHASE1", _("Phase 1")
    PHASE2 = "PHASE2", _("Phase 2")
    PHASE3 = "PHASE3", _("Phase 3")
    PHASE4 = "PHASE4", _("Phase 4")


COMBINED_PHASES = {
    ("PHASE1", "PHASE2"): _("Phase 1/2"),
    ("PHASE2", "PHASE3"): _("Phase 2/3"),
}

# What follows "Phase:" on a badge: phrases of their own, since a language
# may not put its word for "phase" where English does.
PHASE_BADGE_LABELS = {
    ("EARLY_PHASE1",): pgettext_lazy("after 'Phase:' on a badge", "early 1"),
    ("PHASE1",): pgettext_lazy("after 'Phase:' on a badge", "1"),
    ("PHASE2",): pgettext_lazy("after 'Phase:' on a badge", "2"),
    ("PHASE3",): pgettext_lazy("after 'Phase:' on a badge", "3"),
    ("PHASE4",): pgettext_lazy("after 'Phase:' on a badge", "4"),
    ("PHASE1", "PHASE2"): pgettext_lazy("after 'Phase:' on a badge", "1/2"),
    ("PHASE2", "PHASE3"): pgettext_lazy("after 'Phase:' on a badge", "2/3"),
}


class StudyType(models.TextChoices):
    INTERVENTIONAL = "INTERVENTIONAL", _("Interventional (tests a treatment)")
    OBSERVATIONAL = "OBSERVATIONAL", _("Observational (watches, does not treat)")
    EXPANDED_ACCESS = "EXPANDED_ACCESS", _("Expanded access")


class Sex(models.TextChoices):
    ALL = "ALL", _("All")
    FEMALE = "FEMALE", _("Female")
    MALE = "MALE", _("Male")


SEX_BADGE_LABELS = {
    Sex.ALL: _("all"),
    Sex.FEMALE: _("female only"),
    Sex.MALE: _("male only"),
}


class Allocation(models.TextChoices):
    RANDOMIZED = "RANDOMIZED", _("Randomized")
    NON_RANDOMIZED = "NON_RANDOMIZED", _("Non-randomized")
    NA = "NA", _("Not applicable")


class Condition(models.Model):
    name = models.CharField(_("name"), max_length=300, unique=True)
    slug = models.SlugField(_("slug"), max_length=300, unique=True, allow_unicode=True)
    # From the terminology and staff's Chinese search terms, never translated
    # here (trials/condition_names.py); blank where no source names it.
    name_zh_hans = models.CharField(
        _("Chinese name (from the terminology)"),
        max_length=200,
        blank=True,
        default="",
        db_default="",
        editable=False,
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("condition")
        verbose_name_plural = _("conditions")

    def __str__(self) -> str:
        return self.name

    @staticmethod
    def slug_for(name: str) -> str:
        return slugify(name, allow_unicode=True)[:300] or "condition"


def sees_unpublished(user) -> bool:
    """Staff see unpublished trials too; the public sees published ones."""
    return user is not None and user.is_active and user.is_staff


class TrialQuerySet(models.QuerySet):
    def published(self) -> TrialQuerySet:
        return self.filter(published=True)

    def visible_to(self, user) -> TrialQuerySet:
        return self.all() if sees_unpublished(user) else self.published()

    def recruiting(self) -> TrialQuerySet:
        return self.filter(overall_status=RecruitmentStatus.RECRUITING)

    def taking_ages(self, youngest: int, oldest: int | None) -> TrialQuerySet:
        """Trials whose ages (in days; no bound when unset) overlap these:
        trials that take some children when the ages are a child's."""
        trials = self.all()
        if oldest is not None:
            trials = trials.filter(
                Q(minimum_age_days__isnull=True) | Q(minimum_age_days__lte=oldest)
            )
        return trials.filter(Q(maximum_age_days__isnull=True) | Q(maximum_age_days__gte=youngest))

    def with_sites(self) -> TrialQuerySet:
        """The sites, primary contact first, in one more query."""
        return self.prefetch_related(sites_in_order())

    def with_card_data(self) -> TrialQuerySet:
        """What a trial card shows, in a fixed number of queries."""
        return self.with_sites().prefetch_related("conditions")


# What a trial card (templates/includes/trial_card_body.html) reads of the
# trial row, with its update time for the cached fragment.
CARD_FIELDS = (
    "nct_id",
    "slug",
    "brief_title",
    "overall_status",
    "phases",
    "minimum_age_days",
    "maximum_age_days",
    "sex",
    "lead_sponsor",
    "published",
    "last_updated",
    "updated_at",
    # Staff's title in other languages (trials/translations.py).
    "translations",
)


class Trial(models.Model):
    nct_id = models.CharField(
        _("NCT number"), max_length=11, unique=True, validators=[nct_id_validator]
    )
    slug = models.SlugField(_("slug"), max_length=120, blank=True)
    brief_title = models.CharField(_("title"), max_length=500)
    official_title = models.TextField(_("official title"), blank=True)
    overall_status = models.CharField(
        _("recruitment status"),
        max_length=32,
        choices=RecruitmentStatus.choices,
        default=RecruitmentStatus.UNKNOWN,
        db_index=True,
    )
    # Registry codes, e.g. ["NA"] or ["PHASE1", "PHASE2"].
    phases = models.JSONField(_("phases"), default=list, blank=True)
    study_type = models.CharField(
        _("study type"), max_length=20, choices=StudyType.choices, blank=True
    )
    # Ages in days so that "6 Months" and "18 Years" compare; None is open-ended.
    minimum_age_days = models.PositiveIntegerField(_("minimum age (days)"), null=True, blank=True)
    maximum_age_days = models.PositiveIntegerField(_("maximum age (days)"), null=True, blank=True)
    sex = models.CharField(_("sex"), max_length=6, choices=Sex.choices, default=Sex.ALL)
    healthy_volunteers = models.BooleanField(_("accepts healthy volunteers"), default=False)
    # The registry's brief summary, word for word: not a plain-language text.
    overview = models.TextField(_("registry summary"), blank=True)
    # A summary in everyday words that staff write and review; only this one
    # is ever called a "plain-language summary" on the page.
    lay_summary = models.TextField(
        _("plain-language summary"),
        blank=True,
        help_text=_(
            "Written by staff in everyday words. Leave blank to show the registry's summary."
        ),
    )
    lay_summary_by = models.CharField(
        _("summary written by"),
        max_length=200,
        blank=True,
        help_text=_(
            "Who wrote the summary, as shown to patients, e.g. “The patient information team”."
        ),
    )
    lay_summary_reviewed_on = models.DateField(_("summary last reviewed"), null=True, blank=True)
    description = models.TextField(_("description"), blank=True)
    eligibility_criteria = models.TextField(_("eligibility criteria (registry text)"), blank=True)
    conditions = models.ManyToManyField(
        Condition, related_name="trials", blank=True, verbose_name=_("conditions")
    )
    keywords = models.JSONField(_("keywords"), default=list, blank=True)
    # The registry's MeSH terms for the conditions and interventions, with
    # their ancestors (derivedSection), one per line: "cancer" finds a
    # sarcoma trial through "Neoplasms".
    concepts = models.TextField(_("registry concepts (MeSH)"), blank=True, editable=False)
    lead_sponsor = models.CharField(_("lead sponsor"), max_length=300, blank=True)
    enrollment = models.PositiveIntegerField(_("participants"), null=True, blank=True)
    allocation = models.CharField(
        _("allocation"), max_length=16, choices=Allocation.choices, blank=True
    )
    start_date = models.DateField(_("start date"), null=True, blank=True)
    last_updated = models.DateField(_("last updated"), null=True, blank=True, db_index=True)
    published = models.BooleanField(_("published"), default=True, db_index=True)
    # When the trial last became published and recruiting: what makes it "new"
    # for Patient Notification Services.
    listed_at = models.DateTimeField(_("listed"), null=True, blank=True, db_index=True)
    source_record = models.JSONField(_("registry record"), default=dict, blank=True, editable=False)
    # The registry's contacts, kept word for word by every import (trials/contacts.py):
    # [{"name", "role", "phone", "phone_ext", "email"}], central contact first.
    central_contacts = models.JSONField(
        _("central contacts"), default=list, db_default=[], blank=True, editable=False
    )
    # [{"name", "affiliation", "role"}]: named on the page, never written to.
    overall_officials = models.JSONField(
        _("overall officials"), default=list, db_default=[], blank=True, editable=False
    )
    # Other languages of the staff-written text above: see trials/translations.py.
    translations = models.JSONField(_("translations"), default=dict, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # The words the search matches, written by the database on PostgreSQL
    # (trigger trials_trial_search_vector, trials/sql/): title and conditions
    # (A), official title, keywords, sponsor (B), registry concepts (C), and
    # in search_vector the summary and description too (D). Whatever Django
    # writes here is replaced: the trigger runs on every insert and on every
    # save that writes the title. Empty on SQLite, which searches otherwise.
    # search_conditions and site_countries stay database columns only
    # (trials/sql/README.md says why).
    search_vector = SearchVectorField(null=True, editable=False)
    search_rank_vector = SearchVectorField(null=True, editable=False)

    objects = TrialQuerySet.as_manager()

    class Meta:
        ordering = ["-last_updated", "nct_id"]
        verbose_name = _("trial")
        verbose_name_plural = _("trials")
        indexes = [
            models.Index(fields=["published", "overall_status"]),
            # Unquoted words anywhere; the default search (recruiting).
            GinIndex(
                fields=["search_vector"], name="trials_trial_search", condition=Q(published=True)
            ),
            GinIndex(
                fields=["search_vector"],
                name="trials_trial_search_recruiting",
                condition=Q(published=True, overall_status="RECRUITING"),
            ),
            # The ranked tier: words in the title, conditions, keywords, concepts.
            GinIndex(
                fields=["search_rank_vector"],
                name="trials_trial_search_title",
                condition=Q(published=True),
            ),
            GinIndex(
                fields=["search_rank_vector"],
                name="trials_trial_title_recruiting",
                condition=Q(published=True, overall_status="RECRUITING"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.nct_id}: {self.brief_title}"

    def get_absolute_url(self) -> str:
        return reverse("trials:detail", args=[self.nct_id])

    @property
    def registry_url(self) -> str:
        return f"https://clinicaltrials.gov/study/{self.nct_id}"

    @property
    def is_recruiting(self) -> bool:
        return self.overall_status == RecruitmentStatus.RECRUITING

    @property
    def is_open(self) -> bool:
        """Published and recruiting: what patients can act on."""
        return self.published and self.is_recruiting

    def note_listing(self, *, was_open: bool) -> None:
        """Stamp listed_at when the trial has just opened (call before saving)."""
        if self.is_open and not was_open:
            self.listed_at = timezone.now()

    @property
    def phase_label(self) -> str:
        codes = tuple(self.phases or [])
        if not codes:
            return str(Phase.NA.label)
        # The registry's combined phases are labels of their own: "Phase 1/2"
        # is a phrase to translate, not string surgery on "Phase 2".
        if codes in COMBINED_PHASES:
            return str(COMBINED_PHASES[codes])
        labels = dict(Phase.choices)
        return " / ".join(str(labels.get(code, code)) for code in codes)

    @property
    def phase_badge_label(self) -> str:
        """After "Phase:" on a badge: "2", "1/2" or "not applicable"."""
        codes = tuple(code for code in self.phases or [] if code != Phase.NA)
        if not codes:
            return str(_("not applicable"))
        if codes in PHASE_BADGE_LABELS:
            return str(PHASE_BADGE_LABELS[codes])
        return " / ".join(str(PHASE_BADGE_LABELS.get((code,), code)) for code in codes)

    @property
    def sex_badge_label(self) -> str:
        """After "Sex:" on a badge: "all", "female only" or "male only"."""
        return str(SEX_BADGE_LABELS.get(self.sex, self.get_sex_display()))

    @property
    def age_range_label(self) -> str:
        return age_range_label(self.minimum_age_days, self.maximum_age_days)

    @cached_property
    def eligibility(self):
        """The criteria as nested lists: see trials.eligibility.parse_criteria."""
        from trials.eligibility import parse_criteria

        return parse_criteria(self.eligibility_criteria)

    def prefetch_sites(self) -> None:
        """Read the sites, primary contact first, unless they have been read."""
        models.prefetch_related_objects([self], sites_in_order())

    @property
    def primary_site(self) -> Site | None:
        """The site marked primary contact, else the first; uses prefetched sites."""
        sites = list(self.sites.all())
        for site in sites:
            if site.is_primary_contact:
                return site
        return sites[0] if sites else None

    @property
    def central_contact(self) -> dict | None:
        """The registry's central contact (role CONTACT, else the first listed)."""
        return _contact_with_role(self.central_contacts, CENTRAL_CONTACT, index=0)

    @property
    def backup_contact(self) -> dict | None:
        """The registry's backup contact (role BACKUP, else the second listed)."""
        return _contact_with_role(self.central_contacts, BACKUP_CONTACT, index=1)

    @property
    def officials(self) -> list[dict]:
        """The registry's overall officials as listed, each marked whether its
        name is a person's (trials/contacts.py)."""
        return [
            {**official, "name_is_person": not is_placeholder(official.get("name", ""))}
            for official in self.overall_officials or []
            if isinstance(official, dict)
        ]

    @cached_property
    def site_cities(self) -> list[str]:
        """The sites' cities, in the page's language where staff have named
        them (with_site_cities() reads them for many trials in one query)."""
        language = get_language() or settings.LANGUAGE_CODE
        named = (
            (site.city, translated_value(site, "city", language), site.country)
            for site in self.sites.all()
        )
        return city_names(named, language)


def _contact_with_role(contacts: list[dict], role: str, *, index: int) -> dict | None:
    contacts = [c for c in contacts or [] if isinstance(c, dict)]
    for contact in contacts:
        if contact.get("role") == role:
            return contact
    if any(contact.get("role") for contact in contacts):
        return None
    return contacts[index] if len(contacts) > index else None


def sites_in_order() -> models.Prefetch:
    # Without every registry contact of every site (700 on some records):
    # pages read them for one site, the phone route's (one more query).
    sites = Site.objects.defer("contacts").order_by("-is_primary_contact", "pk")
    return models.Prefetch("sites", queryset=sites)


def with_site_cities(trials: list[Trial]) -> None:
    """Fill each trial's site_cities in one query of its distinct cities, as
    a card lists them, without reading every site: a registry record may
    list 700 sites in 300 cities, and a page of cards would otherwise make
    thousands of site objects for five city names each."""
    language = get_language() or settings.LANGUAGE_CODE
    sites = Site.objects.filter(trial__in=trials).order_by()
    if language != settings.LANGUAGE_CODE:
        written = KeyTextTransform("city", KeyTransform(language, "translations"))
        sites = sites.annotate(written=written)
    else:
        sites = sites.annotate(written=models.Value("", output_field=models.TextField()))
    rows = (
        sites.values("trial_id", "city", "written", "country")
        .annotate(
            # Where its first site is, primary contacts first (sites_in_order).
            first_primary=Min(Case(When(is_primary_contact=True, then="pk"))),
            first=Min("pk"),
        )
        .order_by(F("first_primary").asc(nulls_last=True), "first")
        .values_list("trial_id", "city", "written", "country")
    )
    named: dict[int, list[tuple[str, str | None, str]]] = {trial.pk: [] for trial in trials}
    for trial_id, city, written, country in rows:
        named[trial_id].append((city, written, country))
    for trial in trials:
        trial.site_cities = city_names(named[trial.pk], language)


def with_condition_names(trials: list[Trial]) -> None:
    """Fill each trial's condition_names (the registry's names, in order) in
    one query of names, without making a Condition object for each."""
    through = Trial.conditions.through.objects.order_by("condition__name")
    rows = rows_for_ids(
        ("condition names",),
        lambda ids: through.filter(trial__in=ids).values_list("trial_id", "condition__name"),
        [trial.pk for trial in trials],
    )
    named: dict[int, list[str]] = {trial.pk: [] for trial in trials}
    for trial_id, name in rows:
        named[trial_id].append(name)
    for trial in trials:
        trial.condition_names = named[trial.pk]


def city_names(named: Iterable[tuple[str, str | None, str]], language: str) -> list[str]:
    """The distinct cities of (English city, as staff wrote it in `language`,
    English country) triples, in order: staff's name where there is one, else
    the gazetteer's Chinese on a Chinese page, else the English."""
    english = language == settings.LANGUAGE_CODE
    names: dict[str, str] = {}
    for city, written, country in named:
        if not english and not written and language == "zh-hans":
            written = chinese_place_name("city", city, country=country) or None
        key = (None if english else written) or city
        if key and key not in names:
            # The registry's own English needs no mark on an English page.
            names[key] = city if english else text_in(language, city, written)
    return list(names.values())


def age_in_days(quantity: int, unit: str) -> int:
    return quantity * DAYS_PER_UNIT[unit.lower().rstrip("s")]


def _age_text(days: int) -> tuple[int, str]:
    for unit in ("year", "month", "week"):
        size = DAYS_PER_UNIT[unit]
        if days % size == 0 and days >= size:
            return days // size, unit
    return days, "day"


def _age_with_unit(days: int) -> str:
    amount, unit = _age_text(days)
    words = {
        "year": ngettext("%(n)d year", "%(n)d years", amount),
        "month": ngettext("%(n)d month", "%(n)d months", amount),
        "week": ngettext("%(n)d week", "%(n)d weeks", amount),
        "day": ngettext("%(n)d day", "%(n)d days", amount),
    }
    return words[unit] % {"n": amount}


def age_range_label(minimum: int | None, maximum: int | None) -> str:
    """'18-80 years', '18 years and older', 'Up to 17 years' or 'All ages'."""
    if minimum is None and maximum is None:
        return str(_("All ages"))
    if minimum is None:
        return str(_("Up to %(age)s") % {"age": _age_with_unit(maximum)})
    if maximum is None:
        return str(_("%(age)s and older") % {"age": _age_with_unit(minimum)})
    low, low_unit = _age_text(minimum)
    high, high_unit = _age_text(maximum)
    if low_unit == high_unit:
        # "18-80 years", as the source pages show it.
        amount_range = f"{low}-{high}"
        words = {
            "year": _("%(range)s years"),
            "month": _("%(range)s months"),
            "week": _("%(range)s weeks"),
            "day": _("%(range)s days"),
        }
        return str(words[high_unit] % {"range": amount_range})
    return f"{_age_with_unit(minimum)} – {_age_with_unit(maximum)}"


class Language(models.TextChoices):
    """Languages a study site can speak with patients in."""

    ZH_HANS = "zh-hans", _("Chinese (Simplified)")
    ZH_HANT = "zh-hant", _("Chinese (Traditional)")
    EN = "en", _("English")
    YUE = "yue", _("Cantonese")
    JA = "ja", _("Japanese")
    KO = "ko", _("Korean")
    ES = "es", _("Spanish")
    FR = "fr", _("French")
    DE = "de", _("German")
    AR = "ar", _("Arabic")
    RU = "ru", _("Russian")


class SiteQuerySet(models.QuerySet):
    def recruiting(self) -> SiteQuerySet:
        return self.filter(status=RecruitmentStatus.RECRUITING)

    def located(self) -> SiteQuerySet:
        return self.filter(latitude__isnull=False, longitude__isnull=False)


class Site(models.Model):
    trial = models.ForeignKey(
        Trial, on_delete=models.CASCADE, related_name="sites", verbose_name=_("trial")
    )
    facility = models.CharField(_("facility"), max_length=300)
    address = models.CharField(_("street address"), max_length=300, blank=True)
    city = models.CharField(_("city"), max_length=120, blank=True)
    state = models.CharField(_("state or province"), max_length=120, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=20, blank=True)
    country = models.CharField(_("country"), max_length=80, blank=True, db_index=True)
    latitude = models.FloatField(_("latitude"), null=True, blank=True)
    longitude = models.FloatField(_("longitude"), null=True, blank=True)
    status = models.CharField(
        _("site recruitment status"),
        max_length=32,
        choices=RecruitmentStatus.choices,
        default=RecruitmentStatus.UNKNOWN,
    )
    contact_name = models.CharField(_("contact name"), max_length=200, blank=True)
    contact_email = models.EmailField(_("contact email"), blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=40, blank=True)
    # Every contact the registry lists for this location, word for word:
    # [{"name", "role", "phone", "phone_ext", "email"}]. The three fields
    # above are the one patients' messages go to (the first with an email).
    contacts = models.JSONField(
        _("registry contacts"), default=list, db_default=[], blank=True, editable=False
    )
    # Language codes from Language, e.g. ["zh-hans", "en"].
    languages = models.JSONField(_("languages supported"), default=list, blank=True)
    # When the site was last seen to start recruiting (the importer stamps it):
    # subscribers near it hear of the trial (trials/subscriptions.py).
    recruiting_since = models.DateTimeField(
        _("recruiting since"), null=True, blank=True, editable=False, db_index=True
    )
    is_primary_contact = models.BooleanField(_("primary contact"), default=False)
    # The language the study team reads its inquiry emails in; the patient's
    # own words go into them untouched.
    # Defaults in the database too: the importer COPYs sites without these columns.
    email_language = models.CharField(
        _("language of emails to this site"),
        max_length=16,
        choices=site_languages,
        default=settings.LANGUAGE_CODE,
        db_default=settings.LANGUAGE_CODE,
        blank=True,
        help_text=_("Blank: the site's default language."),
    )
    # Other languages of the staff-written text above: see trials/translations.py.
    translations = models.JSONField(
        _("translations"), default=dict, db_default={}, blank=True, editable=False
    )

    objects = SiteQuerySet.as_manager()

    class Meta:
        ordering = ["trial", "-is_primary_contact", "facility"]
        verbose_name = _("study site")
        verbose_name_plural = _("study sites")
        indexes = [models.Index(fields=["latitude", "longitude"])]

    def __str__(self) -> str:
        return ", ".join(part for part in (self.facility, self.city, self.country) if part)

    @property
    def is_recruiting(self) -> bool:
        return self.status == RecruitmentStatus.RECRUITING

    def note_opening(self, *, was_recruiting: bool) -> None:
        """Stamp recruiting_since when the site has just started recruiting."""
        if self.is_recruiting and not was_recruiting:
            self.recruiting_since = timezone.now()

    @property
    def language_labels(self) -> list[str]:
        labels = dict(Language.choices)
        return [str(labels.get(code, code)) for code in self.languages or []]

    def median_response_hours(self, *, recent: int = 50) -> float | None:
        """Hours from a patient's message to the study team's first answer, the median
        of the site's `recent` latest answered messages; None until at least
        MEDIAN_ANSWERS_MIN answers back it (one quick answer is no usual time)."""
        answered = (
            self.inquiries.filter(first_response_at__isnull=False)
            .order_by("-created_at")
            .values_list("created_at", "first_response_at")[:recent]
        )
        hours = [(answer - sent).total_seconds() / 3600 for sent, answer in answered]
        return statistics.median(hours) if len(hours) >= MEDIAN_ANSWERS_MIN else None

    @property
    def place(self) -> TranslatedText:
        """Where the site is, as pages and emails show it: "Hangzhou, Zhejiang,
        China" (the street address is for staff); see place_of."""
        return self.place_of("city", "state", "country")

    def place_of(self, *names: str) -> TranslatedText:
        """These parts of the address in the page's language where staff have
        named them; in Chinese largest first and unspaced: '中国浙江省杭州'."""
        parts = [part for part in (self.place_part(name) for name in names) if part]
        if not parts:
            return TranslatedText("", language=settings.LANGUAGE_CODE, fallback=False)
        fallback = any(part.fallback for part in parts)
        if not fallback and parts[0].language.startswith("zh"):
            chinese = "".join(reversed(parts))
            return TranslatedText(chinese, language=parts[0].language, fallback=False)
        return TranslatedText(", ".join(parts), language=parts[0].language, fallback=fallback)

    def place_part(self, name: str) -> TranslatedText:
        """The city, state or country as staff named it in the page's
        language, else from the gazetteer's Chinese names, else the English."""
        part = translated(self, name)
        if part.fallback and (get_language() or "") == "zh-hans":
            chinese = chinese_place_name(name, part, country=self.country)
            if chinese:
                return TranslatedText(chinese, language="zh-hans", fallback=False)
        return part

    @property
    def label(self) -> TranslatedText:
        """'Facility, City, Country' in the page's language where staff have named them."""
        facility, place = translated(self, "facility"), self.place_of("city", "country")
        separator = "，" if facility.language.startswith("zh") and not place.fallback else ", "
        return TranslatedText(
            separator.join(part for part in (facility, place) if part),
            language=facility.language,
            fallback=facility.fallback,
        )

    @property
    def contact_is_person(self) -> bool:
        """False for the registry's placeholders ("Site Public Contact")."""
        return not is_placeholder(self.contact_name)

    @property
    def contact_initials(self) -> str:
        """For the avatar on the contact card: 'WE' for 'Wei Example'; a
        placeholder's site instead ('EH' for 'Example Hospital'), or its
        city where the site is a placeholder too ('Site 007-556-A')."""
        # A placeholder ("Site Public Contact") is no person to draw.
        name = self.contact_name if self.contact_is_person else self.facility
        if not self.contact_is_person and is_placeholder(self.facility):
            name = self.city
        words = [w for w in name.split() if w[:1].isalpha()]
        return "".join(w[0] for w in words[:2]).upper() or "?"


# A site's usual answer time is shown only when this many answers back it.
MEDIAN_ANSWERS_MIN = 5


class FaqEntryQuerySet(models.QuerySet):
    def published(self) -> FaqEntryQuerySet:
        return self.filter(published=True)

    def for_every_trial(self) -> FaqEntryQuerySet:
        return self.filter(trial__isnull=True)


class FaqEntry(models.Model):
    # Blank: a question for every trial; else one of this trial's own, shown
    # on its page beside the others.
    trial = models.ForeignKey(
        "trials.Trial",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="faq_entries",
        verbose_name=_("trial"),
        help_text=_("Leave empty for a question shown on every trial's page."),
    )
    question = models.CharField(_("question"), max_length=300)
    answer = models.TextField(_("answer"))
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    published = models.BooleanField(_("published"), default=True)
    # Other languages of the staff-written text above: see trials/translations.py.
    translations = models.JSONField(_("translations"), default=dict, blank=True, editable=False)

    objects = FaqEntryQuerySet.as_manager()

    class Meta:
        ordering = ["order", "pk"]
        verbose_name = _("FAQ entry")
        verbose_name_plural = _("FAQ entries")

    def __str__(self) -> str:
        return self.question
