"""Finding trials: words, filters, distance, sorting and paging.

A query is first understood (trials/understanding.py: Chinese segmented,
Traditional made Simplified, misspellings corrected against the lexicon,
patients' words recognised as registry concepts), then matched
(trials/text_match.py). On PostgreSQL that is full-text search on columns
that migration 0003 keeps up to date (search_vector for matching, the small
search_rank_vector of title and conditions (A), other registry fields (B)
and registry concepts (C, migration 0009) for ranking; migration 0006
refreshes them when a condition is renamed or a trial's conditions change).
On SQLite the same understanding is matched with icontains.

Broad terms ("cancer" matches half the registry) are never ranked or sorted
whole. A search with words is ordered inside its rank window: the
RANK_WINDOW (1,001) most recently updated matches, chosen by
trials_search_window() (migrations 0006 and 0010) in one query. It reads
every match through the words' GIN index (a bitmap of the matching rows,
then only their small heap rows: id and last_updated) and keeps the newest
by a top-N sort. No plan tests each row's out-of-line search vector, which
costs 30 to 120 µs a row to fetch and decompress against about 1 µs for a
row the index already chose: "cancer" reads its 10,000 recruiting matches
at 160,000 studies in about 25 ms. The window is exact (the same rows as
sorting every match by date). The window is also the count: past COUNT_CAP
matches the page says "1,000+", and paging stops there (50 pages).
Where a walk of the newest trials would be long (a concept's many names
at a few percent of the registry) or the match is a quoted phrase (the
index knows words, not their order, so each trial with every word is read
to check it), and many windows of matches are expected, the GIN index is
read among the newest trials only: its matches ANDed with the date index's
newest slice, so that only those rows are read (rank_window(), _sliced()).

For relevance the window also holds the 1,001 most recently updated
matches in title, conditions, keywords or sponsor (their own GIN indexes,
migration 0007; read only when the newest matches fill the window), so an
older title match is not crowded out by newer mentions in descriptions; and
the trials titled with the query's own words (any order, any age; an index
of migration 0009). It is ordered by those titles first, then ts_rank on
search_rank_vector, newest first among equals. Mentions only in a
description or the eligibility criteria never outrank a title, condition or
concept match. "Recently updated" is the window's own order.

A sentence that matches nothing as a whole is searched again by the
concepts in it, and the page says what was searched.

The country filter is a column of the trial row, its sites' countries
(migration 0015, kept by triggers on the sites): its GIN index ANDs with the
status index, or each trial read is tested in the row; no site is read.
The condition filter finds the condition's ids through an index of
UPPER(name).

Distance (trials/distance.py) starts from the recruiting sites in a
bounding box round the place (two longitude ranges across the ±180°
meridian, every longitude near a pole), read through a GiST index of their
points on PostgreSQL (migration 0016): each trial's nearest one within the
radius, then the trials among them that meet the other criteria, nearest
first, in one query that gives both the count and the order; the page's cards
and their nearest sites are read by id. Sorted another way, "near" is a
semi-join on those sites. Every results page costs the same queries at any
size of registry.
"""

from __future__ import annotations

import re
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from django.contrib.postgres.expressions import ArraySubquery
from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import BooleanField, Case, F, FloatField, OuterRef, Q, QuerySet, When
from django.db.models.expressions import Expression

from trials.distance import Origin, near_sites, nearest_sites, nearest_window
from trials.models import Condition, RecruitmentStatus, Site, Trial, with_condition_names
from trials.models.trials import CARD_FIELDS
from trials.terminology import broader
from trials.text_match import (
    TextSearch,
    in_full_vector,
    match_expression,
    phrase_match,
    quoted_phrase,
    text_filter,
)
from trials.understanding import (
    Understanding,
    anchored_correction,
    query_suggestion,
    query_understand,
)
from trials.why_matched import trials_why_matched

NCT_RE = re.compile(r"^\s*(NCT\d{8})\s*$", re.IGNORECASE)
PER_PAGE = 20
# Past this many matches the page says "1,000+" instead of counting them all.
COUNT_CAP = 1000
# Relevance ranks this many of the most recently updated matches (one more
# than the count cap, so that "1,000+" is still known).
RANK_WINDOW = COUNT_CAP + 1
# A broad term's window is read by walking the newest trials
# (trials_search_walk(), migration 0013), at most this many of them.
WALK_ROWS = 30 * RANK_WINDOW
# How many trials can be walked for the cost of reading one match through
# the GIN index (bench/README.md, "the window walked", 500,000 studies:
# about 2 µs a trial walked on the in-row search_rank_vector, 10 µs on the
# out-of-line search_vector, 3 µs a match read through the index).
WALK_RATIO = 1.5
WALK_RATIO_OUT_OF_LINE = 0.3
# The walk's first probe reads PROBE × size trials of the search's status; its
# share of matches is trusted from PROBE_HITS matches on.
PROBE = 2
PROBE_HITS = 20
# Nor is the walk probed where the planner expects it to cost more than this
# many times the index read.
PROBE_SLACK = 4
# Matches are read through the GIN index among the newest trials only (a
# slice: the index's matches ANDed with the date index's newest trials, so
# that only those are read from the table) when more than SLICE_RATIO
# windows of them are expected and either the match is a quoted phrase (the
# index knows the words, not their order: each trial with every word is
# read to check the phrase) or a walk would read more than SLICE_WALK_ROWS
# trials testing each (a concept's many names: "hypertension" at 4% of the
# registry). The slice holds SLICE_MARGIN times the trials expected to give
# a window, then four times more, then every trial (bench/README.md,
# "Search at 500,000 studies: the newest trials first").
SLICE_RATIO = 4
SLICE_MARGIN = 3
SLICE_WALK_ROWS = 10 * RANK_WINDOW
# Nor is the walk tried where the planner expects fewer trials to meet the
# other criteria than this share of a window: it could not fill it.
WALK_FILLS = 1.5
# Near a place, the trials meeting the criteria are read first through their
# indexes, and joined with the trials near it, when they are expected to be
# fewer than this many times those (bench/README.md, "Distance at 500,000
# studies": a near trial tested costs about 2 µs, 12 µs with its words in the
# out-of-line search_vector; a match read through an index about 3 µs).
NEAR_RATIO = 1.0
NEAR_RATIO_OUT_OF_LINE = 4.0
DEFAULT_RADIUS_KM = 100
# Longer queries get a message on the page, not a different search.
MAX_QUERY_LENGTH = 300

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
    # Whether an age group the words name ("kids") narrows the trials to
    # those that take it; the results page's link turns it off.
    ages_from_words: bool = True
    # The ages (in days; None: no bound) the trials must take, from the words.
    age_range: tuple[int, int | None] | None = None

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
    # What the concepts of the query were searched as: "transient ischemic
    # attack (mini stroke)".
    searched: str = ""
    # The query as typed and as corrected, when a word was mistyped.
    corrected_from: str = ""
    corrected_to: str = ""
    # Nothing matched every word: the concepts alone were searched.
    broadened: bool = False
    # The age group the words named ("children") and those words ("kids");
    # `any_age`: no trial for it matched, so trials of any age are shown.
    age_group: str = ""
    age_words: str = ""
    any_age: bool = False
    # Nothing matched the words as typed: "Did you mean" these words.
    suggestion: str = ""
    # A broader concept to search when nothing matched ("Skin Diseases").
    broader: str = ""
    loosen: list[str] = field(default_factory=list)

    @property
    def has_previous(self) -> bool:
        return self.page > 1


def nct_id_in(text: str) -> str:
    """The NCT number when the whole query is one, else ''."""
    match = NCT_RE.match(text or "")
    return match.group(1).upper() if match else ""


def is_postgresql() -> bool:
    return connection.vendor == "postgresql"


class SiteInCountry(Expression):
    """PostgreSQL: the trial has a site in the country, whatever its case.

    site_countries (migration 0015, not a model field) holds the trial's
    sites' countries upper-cased; it is named through the query's own alias,
    as TextSearch does, so the condition stays right inside subqueries."""

    def __init__(self, country: str) -> None:
        super().__init__(output_field=BooleanField())
        self.country = country

    def as_sql(self, compiler, connection):
        table = compiler.quote_name_unless_alias(compiler.query.get_initial_alias())
        return f"{table}.site_countries @> ARRAY[UPPER(%s)]", [self.country]


class IdInArray(Expression):
    """PostgreSQL: the row's id is one of `ids`, sent as one array literal
    ('{1,2,3}': psycopg quotes one string faster than it writes a list)."""

    def __init__(self, ids: list[int]) -> None:
        super().__init__(output_field=BooleanField())
        self.ids = ids

    def as_sql(self, compiler, connection):
        table = compiler.quote_name_unless_alias(compiler.query.get_initial_alias())
        column = connection.ops.quote_name(Trial._meta.pk.column)
        literal = "{" + ",".join(str(int(pk)) for pk in self.ids) + "}"
        return f"{table}.{column} = ANY(%s::bigint[])", [literal]


def _phase_filter(trials: QuerySet, phase: str) -> QuerySet:
    if is_postgresql():
        return trials.filter(phases__contains=[phase])
    # SQLite stores the JSON text; quotes keep PHASE1 from matching EARLY_PHASE1.
    return trials.filter(phases__icontains=f'"{phase}"')


def filtered_trials(criteria: Criteria, understanding: Understanding | None = None) -> QuerySet:
    """Published trials meeting every criterion, unordered."""
    if understanding is None:
        understanding = query_understand(criteria.q, correct=False, ages=criteria.ages_from_words)
    criteria = _for_age_group(criteria, understanding)
    return _with_words(_narrowed(criteria), criteria.q, understanding)


def _for_age_group(criteria: Criteria, understanding: Understanding) -> Criteria:
    """The criteria narrowed to the ages of the age group the words name
    ("kids": trials that take children); "kids" alone searches no words."""
    group = understanding.age_group
    if group is None:
        return criteria
    return replace(
        criteria,
        age_range=(group.minimum_days, group.maximum_days),
        q=criteria.q if understanding else "",
    )


def _with_words(trials: QuerySet, q: str, understanding: Understanding) -> QuerySet:
    return text_filter(trials, understanding) if q else trials


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
    if criteria.age_range is not None:
        trials = trials.taking_ages(*criteria.age_range)
    if criteria.sex:
        trials = trials.filter(sex__in=["ALL", criteria.sex])
    if criteria.healthy_volunteers:
        trials = trials.filter(healthy_volunteers=True)
    if criteria.country:
        if is_postgresql():
            # A column of the trial row (migration 0015): its GIN index ANDs
            # with the status index, or the row is tested as it is read.
            trials = trials.filter(SiteInCountry(criteria.country))
        else:
            in_country = Site.objects.filter(country__iexact=criteria.country)
            trials = trials.filter(pk__in=in_country.values("trial_id"))
    if criteria.origin is not None:
        trials = _near(trials, criteria.origin, criteria.radius_km)
    return trials


def _near(trials: QuerySet, origin: Origin, radius_km: float) -> QuerySet:
    """Trials with a recruiting site within radius: a trial whose nearby
    sites are closed is not near. A semi-join: the trials stay one row each,
    so the walk of the newest trials and the counts work as without a place."""
    return trials.filter(pk__in=near_sites(origin, radius_km).values("trial_id"))


NEWEST = (F("last_updated").desc(nulls_last=True), "pk")


def _sql(query: QuerySet) -> str:
    """A query as SQL text with its values inlined (psycopg quotes them)."""
    sql, params = query.query.sql_with_params()
    return connection.ops.compose_sql(sql, params)


# The SQL text of a search's reads each process keeps, by what they read
# (`SqlKey`): the same criteria and understanding always make the same text,
# and building it through the ORM cost more CPU than sending it.
SQL_TEXTS: dict[tuple, str] = {}
SQL_TEXTS_MAX = 1000
# What a search's SQL texts are kept under, or None (not kept).
SqlKey = tuple | None


def _sql_kept(key: SqlKey, query: Callable[[], QuerySet]) -> str:
    """`_sql(query())`, kept under `key`: a query that can match nothing
    (EmptyResultSet) is never kept."""
    if key is None:
        return _sql(query())
    sql = SQL_TEXTS.get(key)
    if sql is None:
        if len(SQL_TEXTS) >= SQL_TEXTS_MAX:
            SQL_TEXTS.clear()
        sql = SQL_TEXTS[key] = _sql(query())
    return sql


def _sql_key(criteria: Criteria, understanding: Understanding) -> SqlKey:
    """What a search's SQL texts are kept under: its criteria and what its
    words were understood as; none with a condition, whose ids the SQL holds
    as the database has them now."""
    return None if criteria.condition else (criteria, understanding)


def _kept_as(key: SqlKey, *what: object) -> SqlKey:
    return None if key is None else (*key, *what)


# The planner's estimates each process remembers, and for how long: they
# follow the tables' statistics, which ANALYZE moves slowly.
ESTIMATES: OrderedDict[str, tuple[float, float]] = OrderedDict()
ESTIMATES_MAX = 2000
ESTIMATE_SECONDS = 300


def _estimate(cursor, sql: str) -> float:
    """The planner's estimate of how many rows a query returns."""
    now = time.monotonic()
    known = ESTIMATES.get(sql)
    if known is not None and now - known[0] < ESTIMATE_SECONDS:
        ESTIMATES.move_to_end(sql)
        return known[1]
    cursor.execute("EXPLAIN (FORMAT JSON) " + sql)
    rows = float(cursor.fetchone()[0][0]["Plan"]["Plan Rows"])
    ESTIMATES[sql] = (now, rows)
    while len(ESTIMATES) > ESTIMATES_MAX:
        ESTIMATES.popitem(last=False)
    return rows


@dataclass(frozen=True)
class WalkScope:
    """What a walk of the newest trials reads, by the planner's estimates:
    `kept` trials meet the criteria but the words, and `spread` trials of
    the search's status are walked for each of them."""

    kept: float
    spread: float


def walk_scope(narrowed: QuerySet, walked: QuerySet, *, key: SqlKey = None) -> WalkScope | None:
    """The scope of a walk over `walked` (the published trials of the
    search's status, in date order through an index) for the trials of
    `narrowed`; None where a filter can match nothing (it has no SQL)."""
    try:
        narrowed_sql = _sql_kept(
            _kept_as(key, "narrowed"), lambda: narrowed.order_by().values_list("pk")
        )
    except EmptyResultSet:
        return None
    with connection.cursor() as cursor:
        kept = max(_estimate(cursor, narrowed_sql), 1.0)
        walked_sql = _sql_kept(_kept_as(key, "walked"), lambda: walked.order_by().values_list("pk"))
        every = _estimate(cursor, walked_sql)
    return WalkScope(kept=kept, spread=max(every / kept, 1.0))


# The bounds of last_updated's histogram (ANALYZE's statistics), per
# process, for as long as the planner's estimates.
UPDATED_BOUNDS: list[tuple[float, list]] = []


def _updated_bounds(cursor) -> list:
    """The trials' last_updated at ANALYZE's quantiles, oldest first ([]
    before the table is analysed)."""
    now = time.monotonic()
    if UPDATED_BOUNDS and now - UPDATED_BOUNDS[0][0] < ESTIMATE_SECONDS:
        return UPDATED_BOUNDS[0][1]
    cursor.execute(
        "SELECT histogram_bounds::text::date[] FROM pg_stats"
        " WHERE tablename = %s AND attname = 'last_updated'",
        [Trial._meta.db_table],
    )
    row = cursor.fetchone()
    bounds = list(row[0]) if row and row[0] else []
    UPDATED_BOUNDS[:] = [(now, bounds)]
    return bounds


def _updated_since(cursor, share: float):
    """About the date after which `share` of the trials were updated; None
    when the statistics cannot tell or the share is most of them."""
    bounds = _updated_bounds(cursor)
    if len(bounds) < 10 or share >= 0.5:
        return None
    return bounds[int((1 - share) * (len(bounds) - 1))]


def _sliced(cursor, narrowed: QuerySet, match: Expression, size: int, expected: float):
    """The window read through the index among the newest trials only, of
    `expected` matches in all: slices of the newest trials (dated by the
    table's statistics, matches taken as spread like the trials) expected to
    hold SLICE_MARGIN windows, then four times as many; None when neither
    holds a window (or the statistics cannot date a slice), so that every
    match is read."""
    newest = SLICE_MARGIN * size / max(expected, 1.0)
    for part in (newest, newest * 4):
        since = _updated_since(cursor, part)
        if since is None:
            return None
        sliced = narrowed.filter(match, last_updated__gte=since)
        ids = _index_read(cursor, sliced, size)
        if len(ids) >= size:
            return ids
    return None


def _index_read(cursor, matching: QuerySet, size: int) -> list[int]:
    return _window_read(cursor, _sql(matching.order_by().values_list("pk", "last_updated")), size)


def _window_read(cursor, matches: str, size: int) -> list[int]:
    """The window of `matches` (their SQL text) read through the index."""
    cursor.execute(
        "SELECT id FROM trials_search_window(%s, %s) ORDER BY last_updated DESC NULLS LAST, id",
        [matches, size],
    )
    return [row[0] for row in cursor.fetchall()]


def rank_window(
    narrowed: QuerySet,
    match: Expression,
    size: int | None = None,
    *,
    out_of_line: bool = False,
    scope: WalkScope | None = None,
    positional: bool = False,
    read_by: Expression | None = None,
    key: SqlKey = None,
) -> list[int]:
    """The ids of the `size` (RANK_WINDOW) most recently updated trials of
    `narrowed` that `match`, newest first, on PostgreSQL.

    Two reads give the same rows. Walking the newest trials and testing each
    against the other criteria and `match` (trials_search_walk(), migration
    0013) costs a row per trial walked: little for a broad term ("cancer"
    fills its window from the first few thousand, at any size of registry).
    Reading every match through the words' GIN index and keeping the newest
    (trials_search_window(), migration 0010) costs a row per match: little
    for a rare term. `scope` (walk_scope()) says what the walk would read;
    without it the index read is taken.

    The walk starts with a short probe (about 2 × size trials of `walked`).
    What share of the probe matched says how far the walk would have to go,
    better than the planner's estimate where words go together ("breast
    cancer" in quotes: the planner expects 10,000 matches, there are 24,000)
    or a filter thins them; the planner's estimate stands in when the probe
    found too few to tell. The walk goes on only if that is expected to cost
    less than reading every match through the index. A match on the full,
    out-of-line search_vector (`out_of_line`) costs a TOAST fetch for every
    trial walked.

    Where many windows of matches are expected and the match is
    `positional` (a quoted phrase) or the walk would be long, the index is
    read among the newest trials first (_sliced()). `read_by`: the same
    matches as `match`, written for the index reads (a quoted phrase's
    word pairs: text_match.phrase_match()); the walk and the planner's
    estimate take `match`. `key`: what its SQL texts are kept under
    (_sql_kept)."""
    size = RANK_WINDOW if size is None else size
    try:
        matches = _sql_kept(
            _kept_as(key, "matches", out_of_line),
            lambda: narrowed.filter(match).order_by().values_list("pk", "last_updated"),
        )
        reads = matches
        if read_by is not None:
            reads = _sql_kept(
                _kept_as(key, "reads", out_of_line),
                lambda: narrowed.filter(read_by).order_by().values_list("pk", "last_updated"),
            )
    except EmptyResultSet:
        # A filter that can match nothing (a condition name no trial has:
        # `__in=[]`) has no SQL text; Django raises instead of writing one.
        return []
    with connection.cursor() as cursor:
        # Fewer trials meet the other criteria than a window holds (with room
        # for the estimate to be low): the walk would read them all and still
        # fall back to the index read, which gives the same rows.
        if scope is not None and scope.kept * WALK_FILLS < size:
            scope = None
        if scope is not None:
            kept, spread = scope.kept, scope.spread
            ratio = WALK_RATIO_OUT_OF_LINE if out_of_line else WALK_RATIO
            share = min(_estimate(cursor, matches) / kept, 1.0)
            # Not even a probe where the planner expects the walk to cost
            # several times the index read (a rare term), unless it expects
            # more than a window (in the row): the probe's share then sizes
            # the slice, where the planner's estimate of a concept's many
            # names is often several times too low or too high.
            walkable = _walk_cost(size, share, spread) < PROBE_SLACK * share * kept * ratio
            probed = walkable or (share * kept > size and not out_of_line)
            if probed:
                walk = narrowed.annotate(search_hit=match).order_by(*NEWEST)
                walk = walk.values_list("pk", "last_updated", "search_hit")
                probe = max(int(PROBE * size / spread), 50)
                ids = _walk(cursor, walk[:probe], size)
                if len(ids) >= size:
                    return ids
                if len(ids) >= PROBE_HITS:
                    share = len(ids) / probe
            walked = _walk_cost(size, share, spread)
            if share * kept > SLICE_RATIO * size and (positional or walked > SLICE_WALK_ROWS):
                ids = _sliced(cursor, narrowed, read_by or match, size, share * kept)
                if ids is not None:
                    return ids
            needed = size / max(share, 1e-9)
            if probed and needed <= kept * 1.5 and walked < share * kept * ratio:
                ids = _walk(cursor, walk[: min(int(needed * 1.5), WALK_ROWS)], size)
                if len(ids) >= size:
                    return ids
        return _window_read(cursor, reads, size)


def _walk_cost(size: int, share: float, spread: float) -> float:
    """Trials walked to find `size` matches, when `share` of the trials
    meeting the other criteria match and `spread` trials are read for each
    of those."""
    return size / max(share, 1e-9) * spread


def _walk(cursor, walk: QuerySet, size: int) -> list[int]:
    """The first `size` matches of a walk of the newest trials, newest first."""
    cursor.execute(
        "SELECT id FROM trials_search_walk(%s, %s) ORDER BY last_updated DESC NULLS LAST, id",
        [_sql(walk), size],
    )
    return [row[0] for row in cursor.fetchall()]


# A title with the same words as the query ("Breast Cancer" for "breast
# cancer", in any order): read by migration 0009's index, however old.
SAME_TITLE = (
    "strip(to_tsvector('english', {table}.brief_title)) = strip(to_tsvector('english', {words}))"
)


def _window_for(
    narrowed: QuerySet, criteria: Criteria, understanding: Understanding
) -> tuple[list[int], list[int]]:
    """The ids to rank, and among them those titled with the query's words.

    Relevance is title and conditions, then keywords and sponsor, then
    registry concepts (search_rank_vector), then the summary and description.
    So the window is the newest matches in search_rank_vector; only when those
    are fewer than the window (then they are all of them) does it add the
    newest matches anywhere. A page shows at most COUNT_CAP trials: when
    RANK_WINDOW trials match in their title, conditions or concepts, a
    mention in a description would rank below every one of them and is never
    shown, so it is not read."""
    # A walk of the newest trials reads those of the search's status.
    key = _sql_key(criteria, understanding)
    scope = walk_scope(narrowed, _narrowed(Criteria(status=criteria.status)), key=key)
    everywhere = match_expression(understanding)
    if criteria.effective_sort != "relevance":
        out_of_line = in_full_vector(understanding)
        everywhere_key = _kept_as(key, "everywhere")
        window = rank_window(
            narrowed,
            everywhere,
            out_of_line=out_of_line,
            scope=scope,
            read_by=phrase_match(understanding),
            key=everywhere_key,
        )
        return window, []
    ranked = match_expression(understanding, ranked=True)

    def read_described() -> list[int]:
        everywhere_key = _kept_as(key, "everywhere")
        return rank_window(narrowed, everywhere, out_of_line=True, scope=scope, key=everywhere_key)

    described = None
    if in_full_vector(understanding) and _fits_window(scope) and _excludes_nothing(understanding):
        # Fewer trials meet the criteria than a window holds: the matches
        # anywhere are read first. When they fit the window they are every
        # match, the ranked ones among them, which need no read of their own.
        described = read_described()
    if described is not None and len(described) < RANK_WINDOW:
        window = described
    else:
        positional = quoted_phrase(understanding.words)
        window = rank_window(
            narrowed,
            ranked,
            scope=scope,
            positional=positional,
            read_by=phrase_match(understanding) if positional else None,
            key=_kept_as(key, "ranked"),
        )
        if len(window) < RANK_WINDOW and in_full_vector(understanding):
            known = set(window)
            described = read_described() if described is None else described
            window += [pk for pk in described if pk not in known]
    # Trials titled with the query's own words are the strongest matches;
    # the rank window holds only the newest of the others, so they join it
    # whatever their age.
    titled: list[int] = []
    if understanding.words.strip():
        same_title = TextSearch(SAME_TITLE, understanding, BooleanField())

        def titled_ids() -> QuerySet:
            return narrowed.filter(same_title).order_by().values_list("pk")[:PER_PAGE]

        try:
            sql = _sql_kept(_kept_as(key, "titled"), titled_ids)
        except EmptyResultSet:
            sql = None
        if sql is not None:
            with connection.cursor() as cursor:
                cursor.execute(sql)
                titled = [row[0] for row in cursor.fetchall()]
        known = set(window)
        window += [pk for pk in titled if pk not in known]
    return window, titled


def _fits_window(scope: WalkScope | None) -> bool:
    """Whether the planner expects fewer trials to meet the criteria than a
    window holds (with room for the estimate to be low)."""
    return scope is not None and scope.kept * WALK_FILLS < RANK_WINDOW


def _excludes_nothing(understanding: Understanding) -> bool:
    """Whether the words leave no word out ("-pediatric"): then every trial
    matching in search_rank_vector matches in search_vector, which is that
    vector and the summary and description
    (trials/sql/functions/trials_trial_search_vector.sql)."""
    return "-" not in understanding.words and "-" not in understanding.rest


def _uses_window(criteria: Criteria) -> bool:
    return bool(criteria.q) and criteria.effective_sort != "distance" and is_postgresql()


def _ordered(
    trials: QuerySet,
    criteria: Criteria,
    understanding: Understanding,
    window: list[int] | None = None,
    titled: list[int] | None = None,
) -> QuerySet:
    sort = criteria.effective_sort
    if _uses_window(criteria):
        # Ranking or date-sorting every match of a broad term ("cancer": half
        # the registry) is too slow: only the rank window is ordered.
        # One array parameter, not a thousand placeholders: psycopg parses
        # and quotes a query of 2,000 ids in about 17 ms of the page's CPU.
        # `= ANY` reads them through the primary key, where a semi-join on
        # unnest() hashed them and read the whole table.
        in_window = Trial.objects.filter(IdInArray(window or []))
        if sort == "relevance":
            # Title and conditions (weight A) before the other registry
            # fields (B), before registry concepts (C); a mention only in a
            # description or the eligibility criteria is not in this vector.
            rank = TextSearch(
                "ts_rank({table}.search_rank_vector, {tsquery})", understanding, FloatField()
            )
            order = [rank.desc(), *NEWEST]
            if titled:
                order.insert(0, Case(When(pk__in=titled, then=1), default=0).desc())
            return in_window.order_by(*order)
        return in_window.order_by(*NEWEST)
    return trials.order_by(*NEWEST)


def _page_of(
    criteria: Criteria, understanding: Understanding, page: int
) -> tuple[list[Trial], int, bool, bool]:
    """One page of cards and the capped count, in the same queries at any size."""
    if criteria.q and not understanding:
        # Only characters no search can use (punctuation, unknown Chinese).
        return [], 0, False, False
    start = (page - 1) * PER_PAGE
    if criteria.effective_sort == "distance":
        # One pass over the sites near the place gives the count and the
        # order; the page's cards are then read by id.
        anywhere = _narrowed(replace(criteria, origin=None))
        anywhere = _with_words(anywhere, criteria.q, understanding)
        # Testing a near trial's words in its out-of-line search vector costs
        # about four reads of a match through the words' index.
        out_of_line = bool(criteria.q) and in_full_vector(understanding)
        window = nearest_window(
            anywhere,
            criteria.origin,
            criteria.radius_km,
            RANK_WINDOW,
            ratio=NEAR_RATIO_OUT_OF_LINE if out_of_line else NEAR_RATIO,
        )
        found, ids = len(window), window[start : start + PER_PAGE + 1]
        cards = _cards(Trial.objects.filter(pk__in=ids), named=bool(criteria.q))
        rows = sorted(cards, key=lambda t: ids.index(t.pk))
    else:
        narrowed = _narrowed(criteria)
        filtered = _with_words(narrowed, criteria.q, understanding)
        if _uses_window(criteria):
            # The window is also the capped count: RANK_WINDOW is COUNT_CAP + 1.
            window, titled = _window_for(narrowed, criteria, understanding)
            found = len(window)
            ordered = _ordered(filtered, criteria, understanding, window, titled)
        else:
            found = filtered.order_by()[:RANK_WINDOW].count()
            ordered = _ordered(filtered, criteria, understanding)
        rows = list(_cards(ordered, named=bool(criteria.q))[start : start + PER_PAGE + 1])
    return rows[:PER_PAGE], min(found, COUNT_CAP), found > COUNT_CAP, len(rows) > PER_PAGE


def _cards(trials: QuerySet, *, named: bool = False) -> QuerySet:
    """What a card shows but its conditions and cities (read by the results
    view for the cards it renders, trials/views/search.py: most are stored
    parts) and nearest site (trials_search() reads those for the page's
    trials alone), and the registry concepts that say why it matched
    (trials/why_matched.py, with the condition names: `named`, read in the
    same query on PostgreSQL, as with_condition_names() reads them)."""
    cards = trials.only(*CARD_FIELDS, "concepts")
    if named and is_postgresql():
        through = Trial.conditions.through.objects.filter(trial=OuterRef("pk"))
        names = through.order_by("condition__name").values("condition__name")
        cards = cards.annotate(condition_names=ArraySubquery(names))
    return cards


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


def broader_concept(understanding: Understanding) -> str:
    """The MeSH term just above the query's first concept: one click wider
    when nothing matched."""
    for concept in understanding.concepts:
        if concept.descriptors:
            return broader(concept.descriptors[0])
    return ""


def _first_found(
    criteria: Criteria, understanding: Understanding, page: int
) -> tuple[list[Trial], int, bool, bool, Understanding, bool]:
    """The page for all the words; when none matches, for their concepts
    alone, then for any one concept (`broadened`: the words as typed found
    nothing, whatever these find)."""
    rows, count, capped, has_next = _page_of(criteria, understanding, page)
    broadened = not count
    if not count and understanding.concepts and understanding.rest:
        understanding = understanding.concepts_only()
        rows, count, capped, has_next = _page_of(criteria, understanding, page)
    if not count and len(understanding.concepts) > 1:
        understanding = understanding.any_concept()
        rows, count, capped, has_next = _page_of(criteria, understanding, page)
    return rows, count, capped, has_next, understanding, broadened


def trials_search(*, criteria: Criteria, page: int = 1, as_typed: bool = False) -> Results:
    """One page of results with count, what was searched and what to loosen.

    Mistyped words are corrected unless as_typed; a sentence that matches
    nothing as a whole is searched again by the concepts in it alone ("my
    father's hands shake" → Parkinson disease), and the page says so."""
    max_page = max(1, COUNT_CAP // PER_PAGE)
    page = min(max(page, 1), max_page)
    understanding = query_understand(
        criteria.q, correct=not as_typed, ages=criteria.ages_from_words
    )
    typed = criteria.q
    criteria = _for_age_group(criteria, understanding)
    words = understanding
    rows, count, capped, has_next, understanding, nothing_as_typed = _first_found(
        criteria, understanding, page
    )
    broadened = nothing_as_typed and understanding is not words
    suggestion = ""
    if nothing_as_typed and criteria.q and not as_typed and words.age_group is None:
        suggestion = query_suggestion(typed)
        corrected = anchored_correction(typed, suggestion) if suggestion else None
        if corrected is not None:
            found = _first_found(criteria, corrected, page)
            if found[1]:
                rows, count, capped, has_next, understanding, _none = found
                words, broadened, suggestion = corrected, understanding is not corrected, ""
    any_age = False
    if not count and criteria.age_range is not None and criteria.q:
        # No trial for that age matches the words ("kids with" a condition
        # studied in adults only): the trials of any age, and the page says so.
        criteria = replace(criteria, age_range=None)
        any_age = True
        rows, count, capped, has_next, understanding, nothing_as_typed = _first_found(
            criteria, words, page
        )
        broadened = nothing_as_typed and understanding is not words
    if criteria.q:
        with_condition_names([row for row in rows if not hasattr(row, "condition_names")])
        trials_why_matched(rows, understanding)
    if criteria.origin is not None:
        nearest_sites(rows, criteria.origin, criteria.radius_km)
    return Results(
        trials=rows,
        count=count,
        count_capped=capped,
        page=page,
        has_next=has_next and page < max_page,
        searched=understanding.shown if criteria.q else "",
        age_group=understanding.age_group.name if understanding.age_group else "",
        age_words=understanding.age_words,
        any_age=any_age,
        corrected_from=understanding.corrected_from,
        corrected_to=understanding.words if understanding.corrected_from else "",
        broadened=broadened,
        loosen=[] if count else loosen_hints(criteria),
        suggestion=suggestion,
        broader="" if count else broader_concept(understanding),
    )
