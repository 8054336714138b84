"""Rendered HTML kept in Django's caches, under keys naming what it shows.

- The header and footer every page shares, and the home page's content, in
  each process's own memory (the "pages" cache), keyed by the language and
  the trials shown with their update times (`page_fragment`, `trials_key`).
- A results page of the trial list, in the shared cache for
  SEARCH_RESULTS_CACHE_SECONDS under its query (`results_fragment`).
- The FAQ under every trial, in the shared cache until staff edit it
  (`faq_fragment`, `faq_forget`).

A trial's own page is assembled from parts stored in the database when the
trial is written (trials/trial_pages.py), not from a cache. Nothing here holds
a CSRF token or anything from a visitor's session: every page is rendered
for its visitor, with its own token, and sent `Cache-Control: private`.
"""

from __future__ import annotations

import datetime
import hashlib
from collections.abc import Callable
from functools import lru_cache

from django.conf import settings
from django.core.cache import cache, caches
from django.db import connection
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import get_script_prefix, reverse
from django.utils import translation
from django.utils.dateparse import parse_datetime

TIMEOUT = 24 * 3600


def stamp(updated_at: datetime.datetime | str) -> str:
    """An update time for a cache key, short (keys stay under memcached's 250
    characters), from a datetime or the text SQLite gives a plain cursor."""
    if isinstance(updated_at, str):
        updated_at = parse_datetime(updated_at)
    return f"{updated_at.timestamp():.6f}"


def page_fragment(key: str, render_fragment) -> str:
    """The cached HTML under `key`, rendered on a miss. The key must name
    everything the HTML shows: the trials and their update times."""
    pages = caches["pages"]
    html = pages.get(key)
    if html is None:
        html = render_fragment()
        pages.set(key, html, TIMEOUT)
    return html


def page_kept(key: str) -> str | None:
    """The HTML `page_fragment` keeps under `key`, or None: nothing rendered."""
    return caches["pages"].get(key)


def site_key(part: str, path: str, site_name: str) -> str:
    """The key of a part every page shares (the header, the footer) in the
    current language: the menu marks the page it links to, so those pages
    have their own copy; every other page shares one."""
    language, prefix = translation.get_language() or "", get_script_prefix()
    current = path if path in _menu_paths(language, prefix) else ""
    return f"site:{part}:{language}:{prefix}:{current}:{site_name}"


@lru_cache(maxsize=32)
def _menu_paths(language: str, prefix: str) -> frozenset[str]:
    """The pages the menu marks as current (includes/nav_links.html)."""
    return frozenset({reverse("trials:list"), reverse("trials:faq")})


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


# The FAQ under every trial (the same for all trials) and the FAQ page: kept
# in the shared cache (Redis in production) so that staff's edits in the
# admin clear it for every process at once (faq_forget). Edits made elsewhere (a data migration,
# the shell) show within FAQ_TIMEOUT.
FAQ_TIMEOUT = 600


# The FAQ as the trial pages show it, and the FAQ page.
FAQ_PARTS = ("trial", "page")


def _faq_key(part: str, language: str) -> str:
    return f"faq-html:{part}:{language}"


def faq_fragment(render_fragment, part: str = "trial") -> str:
    """The rendered FAQ (`part`: under a trial, or the FAQ page) in the
    current language, rendered on a miss."""
    key = _faq_key(part, translation.get_language() or "")
    html = cache.get(key)
    if html is None:
        html = render_fragment()
        cache.set(key, html, FAQ_TIMEOUT)
    return html


def faq_kept(part: str = "trial") -> str | None:
    """The FAQ `faq_fragment` keeps in the current language, or None."""
    return cache.get(_faq_key(part, translation.get_language() or ""))


def faq_forget() -> None:
    cache.delete_many(
        [_faq_key(part, code) for part in FAQ_PARTS for code, _name in settings.LANGUAGES]
    )
