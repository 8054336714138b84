"""Finding trials: words, filters, distance, sorting and paging.

On PostgreSQL the words are matched with full-text search on columns that
migration 0003 keeps up to date (search_vector, search_rank_vector; see its
docstring). Broad terms stay fast because the ranking reads only the small
title/condition/keyword vector (search_rank_vector), the default search is
served by a GIN index restricted to recruiting trials, and the count stops at
COUNT_CAP. On SQLite the words are matched with icontains, with the same
interface. A results page costs the same queries at any size of registry.
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass, field, replace

from django.db import connection
from django.db.models import BooleanField, F, FloatField, Min, Q, QuerySet, Value
from django.db.models.expressions import Expression, RawSQL
from django.db.models.functions import ASin, Cos, Power, Radians, Sin, Sqrt

from trials.models import Condition, PlaceName, RecruitmentStatus, Site, Trial

NCT_RE = re.compile(r"^\s*(NCT\d{8})\s*$", re.IGNORECASE)
PER_PAGE = 20
# Past this many matches the page says "1,000+" instead of counting them all.
COUNT_CAP = 1000
# Relevance ranks this many of the most recently updated matches (one more
# than the count cap, so that "1,000+" is still known).
RANK_WINDOW = COUNT_CAP + 1
EARTH_RADIUS_KM = 6371.0
DEFAULT_RADIUS_KM = 100
TSQUERY = "websearch_to_tsquery('english', %s)"
# How alike a condition name must be to a mistyped word to be suggested.
SUGGESTION_SIMILARITY = 0.5

STATUS_SCOPES = {
    "recruiting": (RecruitmentStatus.RECRUITING,),
    "open": (
        RecruitmentStatus.RECRUITING,
        RecruitmentStatus.NOT_YET_RECRUITING,
        RecruitmentStatus.ENROLLING_BY_INVITATION,
    ),
    "all": (),
}
SORTS = ("relevance", "distance", "updated")


@dataclass(frozen=True)
class Origin:
    """Where the patient is: a gazetteer place or browser coordinates."""

    latitude: float
    longitude: float
    label: str = ""


@dataclass(frozen=True)
class Criteria:
    q: str = ""
    status: str = "recruiting"
    condition: str = ""
    phase: str = ""
    study_type: str = ""
    age: int | None = None
    sex: str = ""
    healthy_volunteers: bool = False
    country: str = ""
    origin: Origin | None = None
    radius_km: int = DEFAULT_RADIUS_KM
    sort: str = ""

    @property
    def effective_sort(self) -> str:
        if self.sort == "distance" and self.origin is None:
            return "relevance" if self.q else "updated"
        if self.sort in SORTS:
            return self.sort
        if self.origin is not None:
            return "distance"
        return "relevance" if self.q else "updated"


@dataclass
class Results:
    trials: list[Trial]
    count: int
    count_capped: bool
    page: int
    has_next: bool
    suggestion: str = ""
    corrected_from: str = ""
    loosen: list[str] = field(default_factory=list)

    @property
    def has_previous(self) -> bool:
        return self.page > 1

    @property
    def start_index(self) -> int:
        return (self.page - 1) * PER_PAGE + 1 if self.trials else 0


def nct_id_in(text: str) -> str:
    """The NCT number when the whole query is one, else ''."""
    match = NCT_RE.match(text or "")
    return match.group(1).upper() if match else ""


def normalise_place_name(text: str) -> str:
    """Casefolded, accents removed: how PlaceName.key is stored."""
    decomposed = unicodedata.normalize("NFKD", text.strip().casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def place_find(*, name: str) -> Origin | None:
    """The most populous gazetteer place called `name`, as an origin."""
    key = normalise_place_name(name)
    if not key:
        return None
    found = (
        PlaceName.objects.filter(key=key)
        .select_related("place")
        .order_by("-place__population")
        .first()
    )
    if found is None:
        return None
    place = found.place
    return Origin(place.latitude, place.longitude, f"{place.name}, {place.country_code}")


def is_postgresql() -> bool:
    return connection.vendor == "postgresql"


def _haversine_km(origin: Origin, latitude: str, longitude: str):
    """Great-circle distance in SQL from origin to the fields named."""
    lat1, lon1 = math.radians(origin.latitude), math.radians(origin.longitude)
    lat2, lon2 = Radians(F(latitude)), Radians(F(longitude))
    half_dlat = Sin((lat2 - Value(lat1)) / 2)
    half_dlon = Sin((lon2 - Value(lon1)) / 2)
    inner = Power(half_dlat, 2) + Value(math.cos(lat1)) * Cos(lat2) * Power(half_dlon, 2)
    return Value(2 * EARTH_RADIUS_KM) * ASin(Sqrt(inner), output_field=FloatField())


def haversine_km(a_lat: float, a_lon: float, b_lat: float, b_lon: float) -> float:
    lat1, lat2 = math.radians(a_lat), math.radians(b_lat)
    dlat, dlon = lat2 - lat1, math.radians(b_lon - a_lon)
    inner = math.sin(dlat / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin(dlon / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(inner)))


def bounding_box(origin: Origin, radius_km: float) -> tuple[float, float, float, float]:
    """(south, north, west, east) around origin; longitudes clamp at ±180."""
    dlat = radius_km / 111.0
    cos_lat = max(math.cos(math.radians(origin.latitude)), 0.01)
    dlon = min(radius_km / (111.32 * cos_lat), 180.0)
    return (
        origin.latitude - dlat,
        origin.latitude + dlat,
        max(origin.longitude - dlon, -180.0),
        min(origin.longitude + dlon, 180.0),
    )


class TextSearch(Expression):
    """SQL on one of migration 0003's search columns of the query's Trial table.

    The columns are not model fields, so they are named through the query's
    own alias: the expression stays right inside subqueries, too."""

    def __init__(self, template: str, q: str, output_field) -> None:
        super().__init__(output_field=output_field)
        self.template, self.q = template, q

    def as_sql(self, compiler, connection):
        table = compiler.quote_name_unless_alias(compiler.query.get_initial_alias())
        return self.template.format(table=table, tsquery=TSQUERY), [self.q]


def _text_filter(trials: QuerySet, q: str) -> QuerySet:
    if is_postgresql():
        matches = TextSearch("{table}.search_vector @@ {tsquery}", q, BooleanField())
        return trials.filter(matches)
    # SQLite: every word must appear in the title, a condition, a keyword,
    # the sponsor or the summary.
    for word in q.split():
        word = word.strip('"')
        if not word or word.upper() == "OR":
            continue
        by_condition = Trial.conditions.through.objects.filter(condition__name__icontains=word)
        trials = trials.filter(
            Q(brief_title__icontains=word)
            | Q(official_title__icontains=word)
            | Q(lead_sponsor__icontains=word)
            | Q(keywords__icontains=word)
            | Q(overview__icontains=word)
            | Q(pk__in=by_condition.values("trial_id"))
        )
    return trials


def _phase_filter(trials: QuerySet, phase: str) -> QuerySet:
    if is_postgresql():
        return trials.filter(phases__contains=[phase])
    # SQLite stores the JSON text; quotes keep PHASE1 from matching EARLY_PHASE1.
    return trials.filter(phases__icontains=f'"{phase}"')


def matching_trials(criteria: Criteria) -> QuerySet:
    """Published trials meeting every criterion, in the order asked for."""
    return _ordered(filtered_trials(criteria), criteria)


def filtered_trials(criteria: Criteria) -> QuerySet:
    """Published trials meeting every criterion, unordered."""
    trials = Trial.objects.published()
    statuses = STATUS_SCOPES.get(criteria.status, STATUS_SCOPES["recruiting"])
    if len(statuses) == 1:
        trials = trials.filter(overall_status=statuses[0])
    elif statuses:
        trials = trials.filter(overall_status__in=statuses)
    if criteria.q:
        trials = _text_filter(trials, criteria.q)
    if criteria.condition:
        with_condition = Trial.conditions.through.objects.filter(
            condition__name__iexact=criteria.condition
        )
        trials = trials.filter(pk__in=with_condition.values("trial_id"))
    if criteria.phase:
        trials = _phase_filter(trials, criteria.phase)
    if criteria.study_type:
        trials = trials.filter(study_type=criteria.study_type)
    if criteria.age is not None:
        days = criteria.age * 365
        trials = trials.filter(
            Q(minimum_age_days__isnull=True) | Q(minimum_age_days__lte=days),
            Q(maximum_age_days__isnull=True) | Q(maximum_age_days__gte=days),
        )
    if criteria.sex:
        trials = trials.filter(sex__in=["ALL", criteria.sex])
    if criteria.healthy_volunteers:
        trials = trials.filter(healthy_volunteers=True)
    if criteria.country:
        in_country = Site.objects.filter(country__iexact=criteria.country)
        trials = trials.filter(pk__in=in_country.values("trial_id"))
    if criteria.origin is not None:
        trials = _near(trials, criteria.origin, criteria.radius_km)
    return trials


def _near(trials: QuerySet, origin: Origin, radius_km: float) -> QuerySet:
    """Trials with a recruiting site within radius, annotated distance_km.

    The site filter comes before the annotation, so Min() reads only the
    joined sites in the bounding box (indexed); a recruiting trial whose
    nearby sites are closed is not near."""
    south, north, west, east = bounding_box(origin, radius_km)
    trials = trials.filter(
        sites__status=RecruitmentStatus.RECRUITING,
        sites__latitude__range=(south, north),
        sites__longitude__range=(west, east),
    )
    distance = Min(_haversine_km(origin, "sites__latitude", "sites__longitude"))
    return trials.annotate(distance_km=distance).filter(distance_km__lte=radius_km)


def _ordered(trials: QuerySet, criteria: Criteria) -> QuerySet:
    sort = criteria.effective_sort
    if sort == "distance":
        return trials.order_by("distance_km", "-last_updated", "pk")
    if sort == "relevance" and criteria.q and is_postgresql():
        # Ranking every match of a broad term ("cancer": a third of the
        # registry) is too slow: rank the RANK_WINDOW most recently updated
        # matches, found by index, and nothing else.
        window = trials.order_by(F("last_updated").desc(nulls_last=True), "pk")
        rank = TextSearch(
            "ts_rank({table}.search_rank_vector, {tsquery})", criteria.q, FloatField()
        )
        return Trial.objects.filter(pk__in=window.values("pk")[:RANK_WINDOW]).order_by(
            rank.desc(), F("last_updated").desc(nulls_last=True), "pk"
        )
    return trials.order_by(F("last_updated").desc(nulls_last=True), "pk")


def condition_suggestion(q: str) -> str:
    """The condition name nearest a (mistyped) query, on PostgreSQL: one query."""
    if not is_postgresql() or not q or len(q) > 100:
        return ""
    found = (
        Condition.objects.annotate(
            closeness=RawSQL("word_similarity(%s, trials_condition.name)", [q], FloatField())
        )
        .filter(RawSQL("%s <%% trials_condition.name", [q], BooleanField()))
        .filter(closeness__gte=SUGGESTION_SIMILARITY)
        .order_by("-closeness", "name")
        .values_list("name", "closeness")
        .first()
    )
    # A query that is a word of some condition name ("cancer") is no typo.
    if not found or found[1] >= 1.0:
        return ""
    return found[0]


def _nearest_sites(trials: list[Trial], origin: Origin) -> None:
    """Each trial's nearest recruiting site, from its prefetched sites."""
    for trial in trials:
        best = None
        for site in trial.sites.all():
            if not site.is_recruiting or site.latitude is None or site.longitude is None:
                continue
            distance = haversine_km(
                origin.latitude, origin.longitude, site.latitude, site.longitude
            )
            if best is None or distance < best[0]:
                best = (distance, site)
        trial.nearest_site = best[1] if best else None
        trial.nearest_distance_km = round(best[0]) if best else None


def _page_of(criteria: Criteria, page: int) -> tuple[list[Trial], int, bool, bool]:
    filtered = filtered_trials(criteria)
    found = filtered.order_by()[: COUNT_CAP + 1].count()
    trials = _ordered(filtered, criteria)
    count = min(found, COUNT_CAP)
    start = (page - 1) * PER_PAGE
    shown = trials.with_card_data().defer("source_record")
    rows = list(shown[start : start + PER_PAGE + 1])
    return rows[:PER_PAGE], count, found > COUNT_CAP, len(rows) > PER_PAGE


def loosen_hints(criteria: Criteria) -> list[str]:
    """Names of the criteria that narrow the search, widest first to drop."""
    hints = []
    if criteria.origin is not None:
        hints.append("radius")
    if criteria.status == "recruiting":
        hints.append("status")
    for name in ("age", "sex", "phase", "study_type", "country", "condition"):
        if getattr(criteria, name):
            hints.append(name)
    if criteria.healthy_volunteers:
        hints.append("healthy_volunteers")
    if criteria.q:
        hints.append("q")
    return hints


def trials_search(*, criteria: Criteria, page: int = 1) -> Results:
    """One page of results with count, suggestion and what to loosen."""
    max_page = max(1, COUNT_CAP // PER_PAGE)
    page = min(max(page, 1), max_page)
    suggestion = condition_suggestion(criteria.q) if criteria.q else ""
    rows, count, capped, has_next = _page_of(criteria, page)
    corrected_from = ""
    if not count and suggestion:
        # "sarcomma" finds the sarcoma trials, and says so.
        corrected_from = criteria.q
        criteria = replace(criteria, q=suggestion)
        rows, count, capped, has_next = _page_of(criteria, page)
        suggestion = ""
    if criteria.origin is not None:
        _nearest_sites(rows, criteria.origin)
    return Results(
        trials=rows,
        count=count,
        count_capped=capped,
        page=page,
        has_next=has_next and page < max_page,
        suggestion=suggestion,
        corrected_from=corrected_from,
        loosen=[] if count else loosen_hints(criteria),
    )
