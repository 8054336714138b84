"""Finding trials: words, filters, distance, sorting and paging.

On PostgreSQL the words are matched with full-text search on columns that
migration 0003 keeps up to date (search_vector for matching, the small
title/condition/keyword search_rank_vector for ranking; migration 0006
refreshes them when a condition is renamed or a trial's conditions change).
On SQLite they are matched with icontains, with the same interface.

Broad terms ("cancer" matches half the registry) are never ranked or sorted
whole. A search with words is ordered inside its rank window: the
RANK_WINDOW (1,001) most recently updated matches, chosen by
trials_search_window() (migration 0006) in one query. That function reads
the matches in date slices, newest first (the newest 1%, 5% and 25% of
trials by last update, from the planner's histogram, then the rest), each
with bitmap scans that AND the words' GIN index with the last_updated index,
and stops once the window is full. So a broad term reads about a thousand
rows and a rare one reads all of its few matches; no plan walks the date
index testing each row's out-of-line search vector, which costs about ten
times a bitmap read and is what the planner, not knowing, used to choose.
The window is exact (the same rows as sorting every match by date): slices
only decide how much is read. The window is also the count: past COUNT_CAP
matches the page says "1,000+", and paging stops there (50 pages).

For relevance the window also holds the 1,001 most recently updated
matches in title, conditions, keywords or sponsor (their own GIN indexes,
migration 0007; read only when the newest matches fill the window), so an
older title match is not crowded out by newer mentions in descriptions. It
is ordered by ts_rank on search_rank_vector, newest first among equals.
"Recently updated" is the window's own order.

Distance (trials/distance.py) is a bounding box on recruiting sites'
indexed coordinates (two longitude ranges across the ±180° meridian, every
longitude near a pole) and the great-circle distance to each trial's nearest
recruiting site; one query gives both the count and the order, and the
page's cards are read by id. Every results page costs the same queries at
any size of registry.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

from django.db import connection
from django.db.models import BooleanField, F, FloatField, Min, Q, QuerySet
from django.db.models.expressions import Expression, RawSQL

# The distance helpers live in trials.distance; the search view and the search
# tests and benchmark still import Origin and the rest from here.
from trials.distance import (  # noqa: F401
    Origin,
    bounding_box,
    haversine_km,
    haversine_km_sql,
    nearest_sites,
    normalise_place_name,
    place_find,
)
from trials.models import Condition, RecruitmentStatus, Site, Trial

NCT_RE = re.compile(r"^\s*(NCT\d{8})\s*$", re.IGNORECASE)
PER_PAGE = 20
# Past this many matches the page says "1,000+" instead of counting them all.
COUNT_CAP = 1000
# Relevance ranks this many of the most recently updated matches (one more
# than the count cap, so that "1,000+" is still known).
RANK_WINDOW = COUNT_CAP + 1
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


def is_postgresql() -> bool:
    return connection.vendor == "postgresql"


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
    narrowed = _narrowed(criteria)
    trials = _with_words(narrowed, criteria.q)
    window = _window_for(trials, narrowed, criteria) if _uses_window(criteria) else None
    return _ordered(trials, criteria, window)


def filtered_trials(criteria: Criteria) -> QuerySet:
    """Published trials meeting every criterion, unordered."""
    return _with_words(_narrowed(criteria), criteria.q)


def _with_words(trials: QuerySet, q: str) -> QuerySet:
    return _text_filter(trials, q) if q else trials


def _narrowed(criteria: Criteria) -> QuerySet:
    """Published trials meeting every criterion but the words."""
    trials = Trial.objects.published()
    statuses = STATUS_SCOPES.get(criteria.status, STATUS_SCOPES["recruiting"])
    if len(statuses) == 1:
        trials = trials.filter(overall_status=statuses[0])
    elif statuses:
        trials = trials.filter(overall_status__in=statuses)
    if criteria.condition:
        # The condition's ids first: with them as values, the planner knows how
        # many trials a common condition has and picks a plan that fits.
        names = Condition.objects.filter(name__iexact=criteria.condition)
        with_condition = Trial.conditions.through.objects.filter(
            condition_id__in=list(names.values_list("pk", flat=True))
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
    south, north, longitudes = bounding_box(origin, radius_km)
    in_box = Q()
    for west, east in longitudes:
        in_box |= Q(sites__longitude__range=(west, east))
    trials = trials.filter(
        in_box,
        sites__status=RecruitmentStatus.RECRUITING,
        sites__latitude__range=(south, north),
    )
    distance = Min(haversine_km_sql(origin, "sites__latitude", "sites__longitude"))
    return trials.annotate(distance_km=distance).filter(distance_km__lte=radius_km)


def _window_sql(trials: QuerySet) -> str:
    """The search as SQL text with its values inlined (psycopg quotes them)."""
    sql, params = trials.order_by().values_list("pk", "last_updated").query.sql_with_params()
    return connection.ops.compose_sql(sql, params)


def rank_window(trials: QuerySet, *, titled: QuerySet | None = None) -> list[int]:
    """The ids of the RANK_WINDOW most recently updated of these trials, on
    PostgreSQL, read by migration 0006's trials_search_window().

    With titled (for relevance: the same search, its words matched on the
    title, conditions, keywords and sponsor only), the window also holds the
    RANK_WINDOW most recently updated of those, so that an older title match
    is ranked, and outranks a newer mention in a description. Each part reads
    about RANK_WINDOW rows; the union is at most twice as long."""
    with connection.cursor() as cursor:
        if titled is None:
            cursor.execute(
                "SELECT id FROM trials_search_window(%s, %s)"
                " ORDER BY last_updated DESC NULLS LAST, id",
                [_window_sql(trials), RANK_WINDOW],
            )
        else:
            # When the newest matches do not fill the window they are all the
            # matches, title matches included: the second part reads nothing.
            cursor.execute(
                "WITH newest AS MATERIALIZED (SELECT id FROM trials_search_window(%s, %s))"
                " SELECT id FROM newest UNION SELECT id FROM trials_search_window(%s,"
                " CASE WHEN (SELECT count(*) FROM newest) >= %s THEN %s ELSE 0 END)",
                [_window_sql(trials), RANK_WINDOW, _window_sql(titled), RANK_WINDOW, RANK_WINDOW],
            )
        return [row[0] for row in cursor.fetchall()]


def _window_for(trials: QuerySet, narrowed: QuerySet, criteria: Criteria) -> list[int]:
    if criteria.effective_sort != "relevance":
        return rank_window(trials)
    # The title words on the other criteria, not also the full vector: the
    # planner would multiply two selectivities that are one, and misjudge how
    # many match.
    in_title = TextSearch("{table}.search_rank_vector @@ {tsquery}", criteria.q, BooleanField())
    return rank_window(trials, titled=narrowed.filter(in_title))


def _uses_window(criteria: Criteria) -> bool:
    return bool(criteria.q) and criteria.effective_sort != "distance" and is_postgresql()


def _ordered(trials: QuerySet, criteria: Criteria, window: list[int] | None = None) -> QuerySet:
    sort = criteria.effective_sort
    newest = (F("last_updated").desc(nulls_last=True), "pk")
    if sort == "distance":
        return trials.order_by("distance_km", "-last_updated", "pk")
    if _uses_window(criteria):
        # Ranking or date-sorting every match of a broad term ("cancer": half
        # the registry) is too slow: only the rank window is ordered.
        in_window = Trial.objects.filter(pk__in=window or [])
        if sort == "relevance":
            rank = TextSearch(
                "ts_rank({table}.search_rank_vector, {tsquery})", criteria.q, FloatField()
            )
            return in_window.order_by(rank.desc(), *newest)
        return in_window.order_by(*newest)
    return trials.order_by(*newest)


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


def _page_of(criteria: Criteria, page: int) -> tuple[list[Trial], int, bool, bool]:
    """One page of cards and the capped count, in the same queries at any size."""
    narrowed = _narrowed(criteria)
    filtered = _with_words(narrowed, criteria.q)
    start = (page - 1) * PER_PAGE
    if _uses_window(criteria):
        # The window is also the capped count: RANK_WINDOW is COUNT_CAP + 1.
        window = _window_for(filtered, narrowed, criteria)
        found = len(window)
        rows = list(_cards(_ordered(filtered, criteria, window))[start : start + PER_PAGE + 1])
    elif criteria.effective_sort == "distance":
        # One pass over the sites in the bounding box gives the count and the
        # order; the page's cards are then read by id.
        nearest = _ordered(filtered, criteria).values_list("pk", flat=True)
        window = list(nearest[:RANK_WINDOW])
        found, ids = len(window), window[start : start + PER_PAGE + 1]
        rows = sorted(_cards(Trial.objects.filter(pk__in=ids)), key=lambda t: ids.index(t.pk))
    else:
        found = filtered.order_by()[:RANK_WINDOW].count()
        rows = list(_cards(_ordered(filtered, criteria))[start : start + PER_PAGE + 1])
    return rows[:PER_PAGE], min(found, COUNT_CAP), found > COUNT_CAP, len(rows) > PER_PAGE


def _cards(trials: QuerySet) -> QuerySet:
    return trials.with_card_data().defer("source_record")


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
        nearest_sites(rows, criteria.origin)
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
