"""Parts of the trial page rendered once per trial update and language.

What changes only when the trial changes (the registry's text, the blank
contact form, the pre-screen questions before a patient answers, the
notification offer) is kept rendered in the "pages" cache (each process's own
memory, see settings), keyed by the trial's id, its update time and the
language. An import or an admin edit changes the update time, so the next
request renders afresh, in every process.

Nothing that belongs to one visitor is cached. The page is rendered with a
placeholder wherever a form's CSRF token goes, and `render_trial_page` puts
the visitor's own token in afterwards; the placeholder is also part of every
cache key of a fragment with a form, so a page rendered without
`render_trial_page` (a real token in its context) never reads or fills those
entries.

A visitor without a session (no login, no pre-screen answers, no messages:
no cookie but those `shared_page_key` allows) asking for an address without
a query string sees the same page as every other such visitor, but for the
CSRF token. That page is kept whole (`render_shared_page`, `kept_page`),
under a key naming the page, the language, the address and what the page
shows (a trial and its update time); each request puts its own token in, and
the middleware (cookies, Vary, security headers) runs as for any page.
"""

from __future__ import annotations

import datetime
import hashlib
import secrets
from collections.abc import Callable
from functools import lru_cache

from django.conf import settings
from django.core.cache import cache, caches
from django.db import connection
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import render
from django.utils import translation
from django.utils.dateparse import parse_datetime

from trials.models import Trial

# Random per process, like the cache it goes into: it cannot appear in a
# trial's text by chance.
CSRF_PLACEHOLDER = f"csrf-placeholder-{secrets.token_hex(16)}"
TIMEOUT = 24 * 3600


@lru_cache(maxsize=1)
def _trial_version_sql() -> str:
    meta, quote = Trial._meta, connection.ops.quote_name
    column = {name: quote(meta.get_field(name).column) for name in ("updated_at", "nct_id")}
    published = quote(meta.get_field("published").column)
    return (
        f"SELECT {quote(meta.pk.column)}, {column['updated_at']} FROM {quote(meta.db_table)}"
        f" WHERE {column['nct_id']} = %s AND {published}"
    )


def published_trial_version(nct_id: str) -> str | None:
    """ "<id>@<update time>" of the published trial with this NCT number, or None.

    All a request reads when the trial page is kept whole. Plain SQL (the same
    as Trial.objects.published().filter(nct_id=...).values_list("pk",
    "updated_at")): building that query through the ORM costs three times the
    CPU of sending it.
    """
    with connection.cursor() as cursor:
        cursor.execute(_trial_version_sql(), [nct_id])
        row = cursor.fetchone()
    return None if row is None else f"{row[0]}@{stamp(row[1])}"


def stamp(updated_at: datetime.datetime | str) -> str:
    """An update time for a cache key, short (keys stay under memcached's 250
    characters), from a datetime or the text SQLite gives a plain cursor."""
    if isinstance(updated_at, str):
        updated_at = parse_datetime(updated_at)
    return f"{updated_at.timestamp():.6f}"


def trial_fragment_key(trial: Trial, part: str) -> str:
    language = translation.get_language() or ""
    return f"trial:{part}:{trial.pk}:{trial.updated_at.isoformat()}:{language}"


def trial_fragment(trial: Trial, part: str, render_fragment) -> str:
    """The cached HTML of one part of a trial's page, rendered on a miss."""
    return page_fragment(trial_fragment_key(trial, part), render_fragment)


def page_fragment(key: str, render_fragment) -> str:
    """The cached HTML under `key`, rendered on a miss. The key must name
    everything the HTML shows: the trials and their update times."""
    pages = caches["pages"]
    html = pages.get(key)
    if html is None:
        html = render_fragment()
        pages.set(key, html, TIMEOUT)
    return html


def results_fragment(request: HttpRequest, render_fragment) -> str:
    """The results part of a trial list page, kept in the shared cache for
    SEARCH_RESULTS_CACHE_SECONDS under the page's query and language.

    The part shows the trials found for the query, its count and what was
    searched, all from the query string: nothing of the visitor's own
    (search pages carry no form with a CSRF token, no session). A trial
    changed meanwhile shows its new page when opened; its card here may be
    that many seconds old."""
    seconds = settings.SEARCH_RESULTS_CACHE_SECONDS
    if seconds <= 0:
        return render_fragment()
    # Each parameter with its values in the order given: the form reads the
    # last of a repeated one, so ?q=a&q=b and ?q=b&q=a are different pages.
    query = sorted((name, tuple(request.GET.getlist(name))) for name in request.GET)
    digest = hashlib.sha256(repr(query).encode("utf-8", "surrogatepass")).hexdigest()[:32]
    key = f"results:{translation.get_language() or ''}:{digest}"
    html = cache.get(key)
    if html is None:
        html = render_fragment()
        cache.set(key, html, seconds)
    return html


_COMPILED: dict[str, tuple[str, tuple]] = {}


def fixed_query_rows(name: str, query: Callable[[], QuerySet]) -> list[tuple]:
    """The rows of a query that is the same on every request, built and
    compiled by the ORM once per process under `name`.

    Building a query through the ORM costs several times the CPU of sending
    it; the home page asks the same one on every request. Values come as the
    database returns them (an update time may be text on SQLite).
    """
    if name not in _COMPILED:
        _COMPILED[name] = query().query.sql_with_params()
    sql, params = _COMPILED[name]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def trials_key(part: str, trials: list[tuple[int, datetime.datetime | str]]) -> str:
    """A key for a part showing these (id, update time) trials, in this order."""
    shown = ",".join(f"{pk}@{stamp(updated_at)}" for pk, updated_at in trials)
    return f"{part}:{translation.get_language() or ''}:{shown}"


# The FAQ under every trial is the same for all trials: kept in the shared
# cache (Redis in production) so that staff's edits in the admin clear it for
# every process at once (faq_forget). Edits made elsewhere (a data migration,
# the shell) show within FAQ_TIMEOUT.
FAQ_TIMEOUT = 600


def _faq_key(language: str) -> str:
    return f"faq-html:{language}"


def faq_fragment(render_fragment) -> str:
    """The rendered FAQ in the current language, rendered on a miss."""
    key = _faq_key(translation.get_language() or "")
    html = cache.get(key)
    if html is None:
        html = render_fragment()
        cache.set(key, html, FAQ_TIMEOUT)
    return html


def faq_kept() -> str | None:
    """The FAQ as kept in the shared cache for the current language, if it is."""
    return cache.get(_faq_key(translation.get_language() or ""))


def faq_forget() -> None:
    cache.delete_many([_faq_key(code) for code, _name in settings.LANGUAGES])


NOTES_COOKIE = "tf_notes"


def _shared_page_cookies() -> frozenset[str]:
    # The CSRF token is put in per visitor; the language is in the address
    # (the cookie only steers a first visit's redirect, before the view); the
    # notes flag is part of the trial page's key. A session cookie (a staff
    # login, pre-screen answers, a message), or any cookie we do not know,
    # gets the page rendered for that visitor.
    return frozenset({settings.CSRF_COOKIE_NAME, settings.LANGUAGE_COOKIE_NAME, NOTES_COOKIE})


def shared_page_key(request: HttpRequest, page: str, *variants: object) -> str | None:
    """The key of this page kept whole, or None when it is rendered for this visitor.

    `variants` name everything else the page shows: a trial's id and update
    time, the trials listed, a variant of a part."""
    if request.method not in ("GET", "HEAD") or request.META.get("QUERY_STRING"):
        return None
    allowed = _shared_page_cookies()
    if any(name not in allowed for name in request.COOKIES):
        return None
    language = translation.get_language() or ""
    return ":".join(["page", page, language, request.path, *(str(v) for v in variants)])


def kept_page(
    request: HttpRequest, key: str | None, *, depends_on: str | None = ""
) -> HttpResponse | None:
    """The page kept whole under `key`, with this visitor's CSRF token, or None.

    `depends_on` is what the page holds from outside its key (the FAQ, which
    staff edit in the shared cache): a page kept with another is not served,
    and None (not known right now) serves nothing."""
    if key is None or depends_on is None:
        return None
    kept = caches["pages"].get(key)
    if kept is None or kept[0] != depends_on:
        return None
    return HttpResponse(_with_token(kept[1], request))


def render_shared_page(
    request: HttpRequest,
    key: str | None,
    template_name: str,
    context: dict,
    *,
    depends_on: str | None = "",
) -> HttpResponse:
    """`render_trial_page`, and the page kept whole under `key` for the next
    visitor (see shared_page_key and kept_page)."""
    if key is None or depends_on is None:
        return render_trial_page(request, template_name, context)
    content = render(request, template_name, {**context, "csrf_token": CSRF_PLACEHOLDER}).content
    caches["pages"].set(key, (depends_on, content), TIMEOUT)
    return HttpResponse(_with_token(content, request))


def _with_token(content: bytes, request: HttpRequest) -> bytes:
    return content.replace(CSRF_PLACEHOLDER.encode(), get_token(request).encode())


def render_trial_page(
    request: HttpRequest, template_name: str, context: dict, *, status: int = 200
) -> HttpResponse:
    """Render with the CSRF placeholder, then put this visitor's token in."""
    response = render(
        request, template_name, {**context, "csrf_token": CSRF_PLACEHOLDER}, status=status
    )
    response.content = _with_token(response.content, request)
    return response
