"""A trial's page from parts rendered once per trial update and language.

What a trial's page shows that is the same for every visitor (the registry's
text and eligibility, the header, the first page of sites, the contact card
with its blank form, the pre-screen questions, the card in a results list)
is rendered once and stored in the database (`TrialPage`), one row per trial
and language. A page is then assembled from its row and the little that is
each visitor's own (the CSRF token, a patient's pre-screen answers, a place
asked for), at the cost of one small query rather than rendering the parts.

Parts are rendered when the record is written: after an import or a registry
sync a task renders the pages of the published, recruiting trials whose parts
are missing or out of date (`render_stale_pages`), a batch at a time. A trial
a visitor reaches first (any other trial, or one changed a moment ago) is
rendered by that request, and its parts are stored for the next visitor.

A row is shown only while it matches the trial's update time and this
release (`render_version`: a digest of the templates, the app's code, the
translations, the static files and the settings that change addresses): an
import, an admin edit, a new release or a changed translation renders the
page again. Nothing in a part belongs
to a visitor: the forms in parts carry no CSRF token, the page gives each
form its token outside the parts (`<input form="…">`, templates/trials/
detail.html).
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from importlib.metadata import version as package_version
from pathlib import Path

from celery import shared_task
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.contrib.sessions.backends.base import SessionBase
from django.db import DatabaseError, connection, transaction
from django.db.models import Count, F, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import translation
from django.utils.formats import date_format
from django.utils.functional import SimpleLazyObject
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext

from trials.compiled_queries import rows_for_ids
from trials.forms import ContactForm
from trials.forms.contact import TRIAL_PAGE_SITE_CHOICE_BYTES
from trials.models import FaqEntry, Trial, TrialPage
from trials.models.operations import last_sync_day, registry_data_as_of
from trials.pagecache import faq_kept
from trials.prescreen import saved_answers
from trials.routing import nearest_site_for
from trials.shell import assemble
from trials.site_list import AskedPlace, asked_place, region_of, site_listing

log = logging.getLogger(__name__)

# The raw registry record can be large and no page shows it.
NOT_SHOWN = ("source_record",)
# The trial page's own query parameters for its list of sites, and the place
# a search carries to it (trials/site_list.py): the stored list and contact
# card are for requests without any of them.
SITE_PARAMETERS = ("site_near", "site_country", "site_page", "place", "lat", "lon")
# Recruiting trials rendered by one task run, before it queues the next.
RENDER_BATCH = 100
_SOURCES = (
    ("templates", "*.html"),
    ("trials", "*.py"),
    ("trialfinder", "*.py"),  # date formats, context processors
    ("locale", "*.po"),
    ("static", "*.*"),
)


@lru_cache(maxsize=1)
def render_version() -> str:
    """A digest of everything a part's HTML comes from but the trial itself."""
    digest = hashlib.sha256()
    # Settings that change a page's HTML: static file addresses, full URLs.
    storage = settings.STORAGES["staticfiles"]["BACKEND"]
    digest.update(f"{settings.DEBUG};{storage};{settings.STATIC_URL};{settings.SITE_URL};".encode())
    for package in ("django", "django-crispy-forms", "crispy-bootstrap5"):
        digest.update(f"{package}={package_version(package)};".encode())
    root = Path(settings.BASE_DIR)
    for folder, pattern in _SOURCES:
        for path in sorted((root / folder).rglob(pattern)):
            if path.is_file() and "__pycache__" not in path.parts:
                digest.update(str(path.relative_to(root)).encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()[:32]


@dataclass
class PageParts:
    """The stored parts of one trial's page in the current language, and those
    rendered by this request that are not stored yet."""

    language: str
    stored: dict[str, str]
    added: dict[str, str] = field(default_factory=dict)

    def get(self, name: str, render: Callable[[], str]) -> str:
        html = self.stored.get(name)
        if html is None:
            html = self.added.get(name)
        if html is None:
            html = self.added[name] = render()
        return html


# What the trial's page reads of the trial row outside its stored parts.
PAGE_FIELDS = ("nct_id", "slug", "brief_title", "published", "overall_status", "updated_at")


def page_trial(nct_id: str) -> Trial | None:
    """The trial with this NCT number, published or not (the view decides who
    sees it), and the stored parts of its page in the current language
    (`stored_parts`, None when there are none for this state of the trial and
    this release), in one query; only the fields the page reads besides the
    parts, the rest on demand.

    Plain SQL, written once per process: building the same query through the
    ORM on every request costs more CPU than the database spends answering it."""
    rows = list(
        Trial.objects.raw(
            _page_sql(connection.vendor),
            [translation.get_language() or settings.LANGUAGE_CODE, render_version(), nct_id],
        )
    )
    if not rows:
        return None
    trial = rows[0]
    if isinstance(trial.stored_parts, str):
        trial.stored_parts = json.loads(trial.stored_parts)
    if trial.stored_parts is not None:
        trial.stored_parts = with_card(trial.stored_parts, trial.stored_card)
    return trial


# A page's card is stored in a column of its own (TrialPage.card), and is a
# part as any other to the code that renders and shows it.
CARD = "card"


def with_card(parts: dict[str, str], card: str) -> dict[str, str]:
    """A row's parts with its card among them, if it has one."""
    return {**parts, CARD: card} if card else parts


@lru_cache(maxsize=4)
def _page_sql(vendor: str) -> str:
    quote = connection.ops.quote_name
    trial, page = Trial._meta, TrialPage._meta

    def column(meta, name: str) -> str:
        return quote(meta.get_field(name).column)

    fields = ", ".join(f"t.{column(trial, name)}" for name in ("id", *PAGE_FIELDS))
    # At most one row joins: one page per trial and language.
    return (
        f"SELECT {fields}, p.{column(page, 'parts')} AS stored_parts,"
        f" p.{column(page, 'card')} AS stored_card"
        f" FROM {quote(trial.db_table)} t LEFT JOIN {quote(page.db_table)} p"
        f" ON p.{column(page, 'trial')} = t.{column(trial, 'id')}"
        f" AND p.{column(page, 'language')} = %s AND p.{column(page, 'version')} = %s"
        f" AND p.{column(page, 'trial_updated_at')} = t.{column(trial, 'updated_at')}"
        f" WHERE t.{column(trial, 'nct_id')} = %s"
    )


def use_stored_parts(trial: Trial) -> None:
    """Give a trial read by `page_trial` the parts stored for it (none for a
    trial read otherwise: every part is rendered and stored)."""
    language = translation.get_language() or settings.LANGUAGE_CODE
    trial.page_parts = PageParts(language, getattr(trial, "stored_parts", None) or {})


def attach_cards(trials: Iterable[Trial]) -> None:
    """Give each trial the card of the results lists stored for it in the
    current language: only that part, which is all a results page shows of
    a trial's page (the whole row of a page is tens of kilobytes). A trial
    without a current card gets its whole row, so that the card its results
    page renders is stored beside the other parts, not instead of them."""
    trials = list(trials)
    language = translation.get_language() or settings.LANGUAGE_CODE
    version = render_version()
    current = TrialPage.objects.current(version).filter(language=language)
    carded = current.exclude(card="")
    cards = dict(
        rows_for_ids(
            ("stored cards", language, version),
            lambda ids: carded.filter(trial__in=ids).values_list("trial_id", "card"),
            [trial.pk for trial in trials],
        )
    )
    without = [trial.pk for trial in trials if trial.pk not in cards]
    rows = (
        {
            pk: with_card(parts, card)
            for pk, parts, card in current.filter(trial__in=without).values_list(
                "trial_id", "parts", "card"
            )
        }
        if without
        else {}
    )
    for trial in trials:
        stored = {CARD: cards[trial.pk]} if trial.pk in cards else rows.get(trial.pk, {})
        trial.page_parts = PageParts(language, stored)


def trial_part(trial: Trial, name: str, render: Callable[[], str]) -> str:
    """One part of the trial's page: stored, or rendered now (and stored by
    `store_parts`). Without parts attached (a page for one visitor only, as a
    shared notes page), rendered."""
    parts: PageParts | None = getattr(trial, "page_parts", None)
    return render() if parts is None else parts.get(name, render)


def store_parts(trials: Iterable[Trial]) -> int:
    """Store the parts these trials' pages rendered this time; how many rows."""
    rows = []
    for trial in trials:
        parts = getattr(trial, "page_parts", None)
        if parts is None or not parts.added:
            continue
        every = {**parts.stored, **parts.added}
        card = every.pop(CARD, "")
        rows.append(
            TrialPage(
                trial=trial,
                language=parts.language,
                version=render_version(),
                trial_updated_at=trial.updated_at,
                parts=every,
                card=card,
            )
        )
    if not rows:
        return 0
    try:
        # In a savepoint: the page is rendered already, and a visitor gets it
        # even if it cannot be stored (the next visitor renders it again).
        with transaction.atomic():
            TrialPage.objects.bulk_create(
                rows,
                update_conflicts=True,
                unique_fields=["trial", "language"],
                update_fields=["version", "trial_updated_at", "parts", "card", "rendered_at"],
            )
    except DatabaseError:
        log.warning("trial page parts not stored", exc_info=True)
        return 0
    return len(rows)


# The parts the shell assembles a page from, besides the notes and sites
# variants: every part of templates/trials/detail.html.
SHELL_PARTS = (
    "title",
    "meta-description",
    "summary",
    "json-ld",
    "top",
    "registry-sections",
    "prescreen",
    "contact-card",
    "extras",
    "own-faq",
)


def shell_page(request: HttpRequest, trial: Trial) -> HttpResponse | None:
    """The page of a published trial as most visitors ask for it, assembled
    from its stored parts by a Jinja2 shell (trials/shell.py,
    templates/jinja2/trials/page.html): the same HTML as
    templates/trials/detail.html, without walking Django's template nodes
    around parts already rendered. None when a part it needs is not stored
    or kept, or the request asks for a variant of its own (a place, a
    country, the pre-screen answers): the full template then renders the
    page and stores what it rendered."""
    stored = trial.page_parts.stored
    if not trial.published or any(request.GET.get(name) for name in SITE_PARAMETERS):
        return None
    if saved_answers(request, trial):
        return None  # the pre-screen box shows this patient's answers
    notes = "notes:" + ("mine" if request.COOKIES.get("tf_notes") else "none")
    sites = "sites:" + region_of(request.headers.get("Accept-Language", ""))
    if any(name not in stored for name in (*SHELL_PARTS, notes, sites)):
        return None
    day = registry_data_as_of(updated_at=trial.updated_at, synced=last_sync_day())
    context = {
        "parts": {name: mark_safe(html) for name, html in stored.items()},
        "notes": notes,
        "sites": sites,
        "registry_as_of": mark_safe(
            gettext('Registry data as of <time datetime="%(iso)s">%(day)s</time>.')
            % {"iso": date_format(day, "Y-m-d"), "day": escape(date_format(day, "DATE_FORMAT"))}
        ),
    }
    return assemble(
        request,
        "trials/page.html",
        kept={"faq": faq_kept()},
        site_parts=("trial-scripts",),
        context=context,
    )


def render_trial_page(request: HttpRequest, trial: Trial) -> HttpResponse:
    """The trial's page from its stored parts (trials/trial_pages.py); the parts
    this request had to render are stored for the next visitor."""
    use_stored_parts(trial)
    page = shell_page(request, trial)
    if page is not None:
        return page

    def sites() -> list:
        trial.prefetch_sites()
        return list(trial.sites.all())

    # Where the patient searched from, and a country they narrowed the sites to.
    place = asked_place(request.GET)
    country = request.GET.get("site_country", "")[:80]
    # Two letters ("CN") or none: a bounded variant of the stored site list.
    region = region_of(request.headers.get("Accept-Language", ""))

    def primary_site():
        trial.prefetch_sites()
        # With a place, the recruiting site nearest to it is the one to contact.
        nearest = nearest_site_for(trial.sites.all(), place.origin) if place.origin else None
        return nearest[0] if nearest else trial.primary_site

    # The sites and the form are read only when a stored part of the page is
    # rendered again: on most requests, never. A place or a country asked for
    # gets its own list and form, never stored: at registry scale (60,000
    # trials, any place in the world) such variants would be parts nobody
    # asks for twice.
    context = {
        "trial": trial,
        "sites": SimpleLazyObject(sites),
        # One page of the sites, nearest the patient first (trials/site_list.py):
        # stored per trial and browser country while no site filter is asked for.
        "site_listing": SimpleLazyObject(
            lambda: site_listing(
                trial=_with_sites(trial),
                place=place,
                country=country,
                page=request.GET.get("site_page"),
                region=region,
            )
        ),
        "sites_cached": not any(request.GET.get(name) for name in SITE_PARAMETERS),
        "sites_variant": region,
        "asked_place": place,
        "primary_site": SimpleLazyObject(primary_site),
        # Read only when the FAQ or the trial's own questions are rendered
        # again: on most requests, never.
        "faq_entries": SimpleLazyObject(
            lambda: list(FaqEntry.objects.published().for_every_trial())
        ),
        "trial_faq_entries": SimpleLazyObject(lambda: list(trial.faq_entries.published())),
        "contact_form": SimpleLazyObject(
            lambda: ContactForm(
                trial=_with_sites(trial),
                origin=place.origin,
                country=country,
                initial=_contact_initial(place),
                choice_bytes=TRIAL_PAGE_SITE_CHOICE_BYTES,
            )
        ),
        "registry_as_of": registry_data_as_of(updated_at=trial.updated_at, synced=last_sync_day()),
    }
    response = render(request, "trials/detail.html", context)
    store_parts([trial])
    return response


def _contact_initial(place: AskedPlace) -> dict:
    """The form's "Where are you?" filled with the place the patient searched from."""
    if place.latitude is not None:
        return {"location": place.label, "lat": place.latitude, "lon": place.longitude}
    return {"location": place.text} if place.text else {}


def _with_sites(trial: Trial) -> Trial:
    trial.prefetch_sites()
    return trial


def stale_recruiting(after_pk: int = 0, limit: int | None = None) -> list[int]:
    """Published recruiting trials after `after_pk` whose page lacks a current
    row in some language, in primary key order; a batch (RENDER_BATCH) of
    them unless `limit` says otherwise."""
    current = Q(pages__version=render_version(), pages__trial_updated_at=F("updated_at"))
    return list(
        Trial.objects.published()
        .recruiting()
        .filter(pk__gt=after_pk)
        .annotate(current=Count("pages", filter=current))
        .filter(current__lt=len(settings.LANGUAGES))
        .order_by("pk")
        .values_list("pk", flat=True)[: limit or RENDER_BATCH]
    )


def render_pages(trial_ids: Iterable[int]) -> int:
    """Render and store the pages of these trials in every language; how many pages."""
    rendered = 0
    for pk in trial_ids:
        for language, _name in settings.LANGUAGES:
            with translation.override(language):
                trial = Trial.objects.published().defer(*NOT_SHOWN).filter(pk=pk).first()
                if trial is None:
                    break
                trial.stored_parts = None  # every part rendered again
                render_trial_page(_rendering_request(trial), trial)
                rendered += 1
    return rendered


def _rendering_request(trial: Trial) -> HttpRequest:
    """A first visit to the trial's page without cookies, as a crawler makes."""
    request = HttpRequest()
    request.method = "GET"
    request.path = request.path_info = trial.get_absolute_url()
    host = settings.SITE_URL.split("://", 1)[-1].split("/", 1)[0]
    request.META = {"SERVER_NAME": host, "SERVER_PORT": "443", "HTTP_HOST": host}
    request.user = AnonymousUser()
    request.session = SessionBase()
    return request


@shared_task(ignore_result=True)
def render_stale_pages(after_pk: int = 0) -> int:
    """Render the pages of a batch of published, recruiting trials whose parts
    are missing or out of date, then queue the next batch; how many trials.

    Idempotent: a trial rendered meanwhile (by a visitor, or a task queued
    twice) is no longer stale and is skipped."""
    trial_ids = stale_recruiting(after_pk)
    render_pages(trial_ids)
    # Without a worker (the embedded default runs tasks where they are
    # queued) one batch is enough: an import of the registry would otherwise
    # wait for 60,000 trials' pages. Visitors' requests render the rest, and
    # `manage.py render_trial_pages --wait` renders them all.
    if len(trial_ids) == RENDER_BATCH and not settings.CELERY_TASK_ALWAYS_EAGER:
        transaction.on_commit(lambda: render_stale_pages.delay(trial_ids[-1]))
    return len(trial_ids)


def queue_stale_pages() -> None:
    """Render what an import, a sync or a new release left stale, in the
    background, once the writes are committed."""
    transaction.on_commit(lambda: render_stale_pages.delay(0))
