"""What keeps the admin's lists small and fast at registry scale.

At 500,000 trials and 1.46 million sites a filter that lists every trial or
site as a link, a count of every row on every page, a sort on a column no
index holds, or `icontains` across a join turns a list of 100 rows into
seconds and megabytes. The admin classes share these instead:

- `TrialFilter` and `SiteFilter`: typed filters (an NCT number, a site's
  number) that never enumerate the registry;
- `EstimatedCountPaginator`: the planner's estimate of a large list's size
  on PostgreSQL, an exact count when the list is small or on SQLite;
- `nct_number_q`: an NCT number, whole or its start, found through the
  unique index on `nct_id`;
- `search_term`: a search shortened to what an index can use, with a word
  to staff when it was cut;
- `published_or_not`: a condition on trials written so that the public
  pages' indexes, which hold published trials only, still answer it.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from django.contrib import admin, messages
from django.contrib.admin.views.main import SEARCH_VAR, ChangeList
from django.core.paginator import Paginator
from django.db import connection
from django.db.models import BooleanField, Q, QuerySet
from django.db.models.expressions import Expression
from django.http import HttpRequest, HttpResponseRedirect
from django.utils.functional import cached_property
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from trials.models import Site, Trial

# Below this many rows (as the planner guesses) the list is counted exactly:
# counting 15,000 trials recruiting in China takes half a second at 500,000.
EXACT_COUNT_BELOW = 1_000
# Longer searches are cut: no title or NCT number needs more.
SEARCH_MAX_CHARS = 200
# "NCT0676", "nct06760221", "06760221": the start of an NCT number.
NCT_START_RE = re.compile(r"^(?:NCT)?(\d{1,8})$", re.IGNORECASE)
NCT_WHOLE_RE = re.compile(r"^NCT\d{8}$", re.IGNORECASE)


def planner_estimate(queryset: QuerySet) -> int:
    """PostgreSQL's guess at how many rows `queryset` has, without counting them."""
    compiler = queryset.query.get_compiler(queryset.db)
    sql, params = compiler.as_sql()
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}", params)
        plan = cursor.fetchone()[0]
    if isinstance(plan, str):  # psycopg returns JSON decoded, older drivers text
        import json

        plan = json.loads(plan)
    return int(plan[0]["Plan"]["Plan Rows"])


class EstimatedCountPaginator(Paginator):
    """A large list's size as the planner estimates it (one EXPLAIN, no scan).

    Counting 1.46 million sites or 500,000 trials for the "N results" line
    takes longer than the page itself. A list the planner thinks small is
    counted exactly, as is every list on SQLite."""

    @cached_property
    def count(self) -> int:
        queryset = self.object_list
        if connection.vendor != "postgresql" or not isinstance(queryset, QuerySet):
            return super().count
        try:
            estimate = planner_estimate(queryset.order_by())
        except Exception:  # an empty IN () and the like: the planner is not asked
            return super().count
        return estimate if estimate >= EXACT_COUNT_BELOW else super().count


# A trial's columns a list never shows and which can be large (a registry
# record with 715 locations is megabytes).
TRIAL_LARGE_FIELDS = ("source_record", "description", "eligibility_criteria", "overview")


def without_large_trial_fields(queryset: QuerySet, *related: str) -> QuerySet:
    """`queryset` with its trials read without their large columns, and the
    `related` rows as well (the admin's list_select_related is not applied
    to a queryset that already selects some)."""
    queryset = queryset.select_related("trial", *related)
    return queryset.defer(*(f"trial__{name}" for name in TRIAL_LARGE_FIELDS))


def shorten_search(request: HttpRequest) -> HttpResponseRedirect | None:
    """A list asked for with a search longer than SEARCH_MAX_CHARS: the same
    list with the search cut, so that the page (whose every link repeats the
    search) stays small. None when the search is short enough."""
    term = request.GET.get(SEARCH_VAR, "")
    if len(term) <= SEARCH_MAX_CHARS:
        return None
    search_term(request, term)  # says it was cut
    params = request.GET.copy()
    params[SEARCH_VAR] = term[:SEARCH_MAX_CHARS]
    return HttpResponseRedirect(f"{request.path}?{params.urlencode()}")


def published_or_not(condition: Expression) -> Q:
    """Trials meeting `condition`, published or not, in a form the indexes
    built for the public pages answer.

    The full-text and site-country GIN indexes are partial (WHERE published):
    the admin, which also lists unpublished trials, could not use them, and a
    word or country that few trials have was a scan of all 500,000 (0.25 to
    0.5 s, twice: the page's rows and their count). Split in two, PostgreSQL
    answers the published half from the partial index and the unpublished
    half (staff's drafts, few) from the index on `published`, in one BitmapOr."""
    return (Q(published=True) & Q(condition)) | (Q(published=False) & Q(condition))


def search_term(request: HttpRequest, term: str) -> str:
    """The search as the indexes take it: stripped, each word once (a word
    repeated finds nothing more, and a long repetition looks rare to the
    planner, which then counts every match), at most SEARCH_MAX_CHARS."""
    words: dict[str, str] = {}
    for word in (term or "").split():
        words.setdefault(word.casefold(), word)
    if len(" ".join((term or "").split())) > SEARCH_MAX_CHARS:
        messages.warning(
            request,
            gettext("Only the first %(count)d characters of the search were used.")
            % {"count": SEARCH_MAX_CHARS},
        )
    return " ".join(words.values())[:SEARCH_MAX_CHARS]


def nct_number_q(term: str, path: str = "nct_id") -> Q | None:
    """The trials whose NCT number is `term` or starts with it, or None when
    `term` is not (the start of) an NCT number.

    A range on the unique index, not `istartswith`: UPPER(nct_id) LIKE
    'NCT06%' cannot use that index, and under a non-C collation neither can
    LIKE itself. NCT numbers are upper-case ASCII, ordered the same in every
    collation."""
    match = NCT_START_RE.match(term.strip())
    if not match:
        return None
    start = "NCT" + match.group(1)
    if len(start) == 11:
        return Q(**{path: start})
    after = start[:-1] + chr(ord(start[-1]) + 1)
    return Q(**{f"{path}__gte": start, f"{path}__lt": after})


def searched(
    request: HttpRequest,
    queryset: QuerySet,
    typed: str,
    *,
    path: str = "trial",
    by_words: Callable[[QuerySet, str], tuple[QuerySet, bool]] | None = None,
) -> tuple[QuerySet, bool]:
    """What an admin's get_search_results answers: an NCT number (or its
    start) through `path`'s unique index, other words by `by_words`, or
    nothing found when the list has no other index to search."""
    term = search_term(request, typed)
    if not term:
        return queryset, False
    found = by_nct_number(queryset, term, path)
    if found is not None:
        return found, False
    return by_words(queryset, term) if by_words else (queryset.none(), False)


DELETED_LISTED = 20


def bounded_list(items: list, limit: int = DELETED_LISTED) -> list:
    """The delete page's nested list, each level cut to `limit` items and a
    line saying how many more (the totals per kind are shown above it)."""
    kept, shown = [], 0
    for item in items:
        if isinstance(item, list):  # what the item before it takes with it
            kept.append(bounded_list(item, limit))
            continue
        if shown == limit:
            more = sum(1 for other in items if not isinstance(other, list)) - limit
            kept.append(
                ngettext("… and %(count)d more", "… and %(count)d more", more) % {"count": more}
            )
            break
        kept.append(item)
        shown += 1
    return kept


class RegistryScaleChangeList(ChangeList):
    """A list whose date drill-down is left out over a search.

    The drill-down starts with the first and last date of the rows listed
    (MIN and MAX). Over a search of patients' contact details the planner
    takes the trigram match for a hundred rows and reads the date index from
    one end, testing every row against the search: 1.1 s for an email
    address among 100,000 inquiries, where the rows themselves took 12 ms.
    A search lists a few rows; their dates are in the list."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if self.query.strip():
            self.date_hierarchy = None


class RegistryScaleAdmin(admin.ModelAdmin):
    """What every admin over a registry-sized table shares: no full count,
    the planner's estimate for a large list, a long search cut short, no
    date drill-down over a search, and a delete page that names a few of
    what goes with a row and counts the rest (a trial with 2,000 sites)."""

    show_full_result_count = False
    paginator = EstimatedCountPaginator

    def get_changelist(self, request: HttpRequest, **kwargs) -> type[ChangeList]:
        return RegistryScaleChangeList

    def changelist_view(self, request: HttpRequest, extra_context=None):
        return shorten_search(request) or super().changelist_view(request, extra_context)

    def get_deleted_objects(self, objs, request: HttpRequest):
        deleted, counts, perms_needed, protected = super().get_deleted_objects(objs, request)
        return bounded_list(deleted), counts, perms_needed, bounded_list(protected)


class TypedFilter(admin.SimpleListFilter):
    """A filter staff type a value into, instead of a link for every row of a
    large table. The chosen value is shown as the one selected choice."""

    template = "admin/trials/typed_filter.html"
    placeholder = ""
    # The lookup from the listed model to the filtered one ("trial", "inquiry__trial").
    path = ""

    @classmethod
    def on(cls, path: str) -> type[TypedFilter]:
        """The same filter reached through another relation."""
        return type(cls.__name__, (cls,), {"path": path})

    def lookups(self, request, model_admin):
        value = self.value()
        return [(value, self.describe(value))] if value else []

    def has_output(self) -> bool:
        return True

    def describe(self, value: str) -> str:
        return value

    def choices(self, changelist):
        self.other_params = [
            (name, value)
            for name, value in changelist.params.items()
            if name != self.parameter_name
        ]
        yield from super().choices(changelist)


class TrialFilter(TypedFilter):
    title = _("trial (NCT number)")
    parameter_name = "trial"
    placeholder = "NCT01234567"
    path = "trial"

    def describe(self, value: str) -> str:
        return value.strip().upper()

    def queryset(self, request, queryset):
        value = (self.value() or "").strip()
        if not value:
            return queryset
        if not NCT_WHOLE_RE.match(value):
            messages.warning(
                request,
                gettext("“%(value)s” is not an NCT number: type NCT and eight digits.")
                % {"value": value[:40]},
            )
            return queryset.none()
        trials = Trial.objects.filter(nct_id=value.upper()).values("pk")
        return queryset.filter(**{f"{self.path}__in": trials})


class SiteFilter(TypedFilter):
    title = _("study site (its number)")
    parameter_name = "site"
    placeholder = "12345"
    path = "site"

    def describe(self, value: str) -> str:
        site = Site.objects.filter(pk=value).first() if value.strip().isdigit() else None
        return str(site) if site else value

    def queryset(self, request, queryset):
        value = (self.value() or "").strip()
        if not value:
            return queryset
        if not value.isdigit() or len(value) > 18:
            messages.warning(
                request,
                gettext("“%(value)s” is not a study site's number.") % {"value": value[:40]},
            )
            return queryset.none()
        return queryset.filter(**{f"{self.path}_id": int(value)})


class CountryFilter(admin.SimpleListFilter):
    """Trials with a site in a country; the countries read by `distinct_countries`."""

    title = _("country (of a site)")
    parameter_name = "country"

    def lookups(self, request, model_admin):
        return [(country, country) for country in distinct_countries()]

    def queryset(self, request, queryset):
        if not self.value():
            return queryset
        if connection.vendor == "postgresql":
            # The trial's own list of site countries and its GIN index (migration
            # 0015), as the public search filters: not 200,000 sites joined.
            from trials.search import SiteInCountry

            return queryset.filter(published_or_not(SiteInCountry(self.value())))
        # A subquery, not a join: a trial with two sites there is listed once.
        in_country = Site.objects.filter(country=self.value()).values("trial_id")
        return queryset.filter(pk__in=in_country)


def distinct_countries() -> list[str]:
    """The countries of all sites, without reading 1.46 million rows.

    PostgreSQL has no skip scan: a loose index scan written as a recursive
    query reads one index entry per country (about 200) instead."""
    if connection.vendor != "postgresql":
        countries = Site.objects.exclude(country="").values_list("country", flat=True)
        return list(countries.distinct().order_by("country"))
    with connection.cursor() as cursor:
        cursor.execute(
            """
            WITH RECURSIVE countries(country) AS (
                (SELECT country FROM trials_site WHERE country > '' ORDER BY country LIMIT 1)
                UNION ALL
                SELECT (SELECT s.country FROM trials_site s WHERE s.country > c.country
                        ORDER BY s.country LIMIT 1)
                FROM countries c WHERE c.country IS NOT NULL
            )
            SELECT country FROM countries WHERE country IS NOT NULL
            """
        )
        return [row[0] for row in cursor.fetchall()]


def by_nct_number(queryset: QuerySet, term: str, path: str = "trial") -> QuerySet | None:
    """`queryset` narrowed to the trials whose NCT number is or starts with
    `term` (through `path`), or None when `term` is no NCT number."""
    q = nct_number_q(term)
    if q is None:
        return None
    if path == "pk":
        return queryset.filter(q)
    return queryset.filter(**{f"{path}__in": Trial.objects.filter(q).values("pk")})


class NameContains(Expression):
    """PostgreSQL: the row's name contains `text`, as ILIKE, which a trigram
    index answers (Django's icontains compares UPPER(name), which it cannot)."""

    def __init__(self, text: str) -> None:
        super().__init__(output_field=BooleanField())
        self.text = text

    def as_sql(self, compiler, connection):
        table = compiler.quote_name_unless_alias(compiler.query.get_initial_alias())
        escaped = self.text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        return f"{table}.name ILIKE %s", [f"%{escaped}%"]
