"""What search engines and link previews read: the canonical address of a page,
its language alternates, a trial's schema.org MedicalTrial data and the sitemap.

One helper builds every public address (`page_url`), so canonical links,
hreflang alternates, Open Graph and the sitemap always agree, and
language-prefixed URLs (i18n_patterns) only change `page_alternates`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache

from celery import shared_task
from django.conf import settings
from django.db import transaction
from django.db.models import Count, F, Max
from django.http import HttpRequest
from django.urls import LocalePrefixPattern, URLResolver, get_resolver, get_urlconf
from django.utils.functional import Promise
from django.utils.html import escape, format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext

from trialfinder.context_processors import language_paths
from trials.models import RecruitmentStatus, Site, SitemapBlock, Trial
from trials.registry_text import registry_plain

# URLs in one sitemap page: far below the protocol's 50,000 and 50 MB, and
# cheap to build (the page is one range scan on the primary key).
TRIALS_PER_SITEMAP = 10_000
# Locations in a trial's structured data, nearest to its primary contact first.
STRUCTURED_DATA_SITES = 50

SCHEMA_STATUS = {
    RecruitmentStatus.RECRUITING: "Recruiting",
    RecruitmentStatus.NOT_YET_RECRUITING: "NotYetRecruiting",
    RecruitmentStatus.ENROLLING_BY_INVITATION: "EnrollingByInvitation",
    RecruitmentStatus.ACTIVE_NOT_RECRUITING: "ActiveNotRecruiting",
    RecruitmentStatus.SUSPENDED: "Suspended",
    RecruitmentStatus.TERMINATED: "Terminated",
    RecruitmentStatus.COMPLETED: "Completed",
    RecruitmentStatus.WITHDRAWN: "Withdrawn",
}
SCHEMA_PHASE = {
    "EARLY_PHASE1": "Early Phase 1",
    "PHASE1": "Phase 1",
    "PHASE2": "Phase 2",
    "PHASE3": "Phase 3",
    "PHASE4": "Phase 4",
    "NA": "Not Applicable",
}


def page_url(path: str) -> str:
    """The public address of a path: SITE_URL, never the Host header a client sent."""
    return settings.SITE_URL + path


def canonical_url(request: HttpRequest) -> str:
    """This page's one address: no query string (filters, tracking, paging)."""
    return page_url(request.path)


def page_alternates(request: HttpRequest) -> list[tuple[str, str]]:
    """(hreflang, address) for each language the page exists in, and x-default.

    Empty while every language shares one address; with i18n_patterns,
    translate_url gives each language its own prefix and this fills in.
    """
    if not _addresses_differ_by_language(get_urlconf() or settings.ROOT_URLCONF):
        return []
    paths = language_paths(request)
    addresses = [(code, page_url(path)) for code, path in paths.items()]
    if len({address for _, address in addresses}) < 2:
        return []
    return [*addresses, ("x-default", page_url(paths[settings.LANGUAGE_CODE]))]


@lru_cache(maxsize=8)
def _addresses_differ_by_language(urlconf: str) -> bool:
    """Whether any URL pattern has a language prefix or a translated route.

    Asked once per process, not per request: without either, translate_url
    gives every language the same address, after resolving it once per language.
    """

    def differs(patterns) -> bool:
        for pattern in patterns:
            route = pattern.pattern
            if isinstance(route, LocalePrefixPattern):
                return True
            text = getattr(route, "_route", None) or getattr(route, "_regex", None)
            if isinstance(text, Promise):
                return True
            if isinstance(pattern, URLResolver) and differs(pattern.url_patterns):
                return True
        return False

    return differs(get_resolver(urlconf).url_patterns)


def _place(site: Site) -> dict:
    address = {
        "@type": "PostalAddress",
        "addressLocality": site.city,
        "addressRegion": site.state,
        "postalCode": site.postal_code,
        "addressCountry": site.country,
    }
    return {
        "@type": "MedicalOrganization",
        "name": site.facility,
        "address": {key: value for key, value in address.items() if value},
    }


def trial_structured_data(trial: Trial) -> dict:
    """schema.org MedicalTrial for a trial page (https://schema.org/MedicalTrial)."""
    data: dict = {
        "@context": "https://schema.org",
        "@type": "MedicalTrial",
        "name": registry_plain(trial.brief_title),
        "url": page_url(trial.get_absolute_url()),
        "identifier": trial.nct_id,
        "sameAs": trial.registry_url,
        "description": registry_plain(trial.overview or trial.description)[:5000],
        "healthCondition": [
            {"@type": "MedicalCondition", "name": condition.name}
            for condition in trial.conditions.all()
        ],
        "population": ", ".join(
            [
                gettext("Ages: %(ages)s") % {"ages": trial.age_range_label},
                gettext("Sex: %(sex)s") % {"sex": trial.get_sex_display()},
                gettext("Accepts healthy volunteers")
                if trial.healthy_volunteers
                else gettext("Patients only, no healthy volunteers"),
            ]
        ),
        "location": [_place(site) for site in list(trial.sites.all())[:STRUCTURED_DATA_SITES]],
    }
    if trial.official_title:
        data["alternateName"] = registry_plain(trial.official_title)
    if trial.overall_status in SCHEMA_STATUS:
        data["status"] = f"https://schema.org/{SCHEMA_STATUS[trial.overall_status]}"
    phases = [SCHEMA_PHASE[code] for code in trial.phases or [] if code in SCHEMA_PHASE]
    if phases:
        data["phase"] = " / ".join(phases)
    if trial.lead_sponsor:
        data["sponsor"] = {"@type": "Organization", "name": trial.lead_sponsor}
    if trial.last_updated:
        data["dateModified"] = trial.last_updated.isoformat()
    if trial.start_date:
        data["startDate"] = trial.start_date.isoformat()
    return data


# The characters that could end a <script> element or open a comment inside it.
JSON_SCRIPT_ESCAPES = {ord(">"): "\\u003E", ord("<"): "\\u003C", ord("&"): "\\u0026"}


def json_ld(data: dict) -> SafeString:
    """A <script type="application/ld+json"> element: data, never run, so the CSP allows it."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return format_html(
        '<script type="application/ld+json">{}</script>',
        SafeString(text.translate(JSON_SCRIPT_ESCAPES)),
    )


@dataclass(frozen=True)
class SitemapPage:
    number: int
    lastmod: object  # a date, or None when no trial of the page has one


def sitemap_pages() -> list[SitemapPage]:
    """The sitemap's trial pages, as last refreshed: one query of a few rows.

    A page is a block of primary keys, not an OFFSET page: it is one index
    range scan however far into the table it is. Which blocks hold published
    trials, and their newest update, is kept in SitemapBlock: at 500,000
    studies, grouping every trial took 166 ms a request (8 requests/s). Kept
    current by each import and hourly by beat (`sitemap_blocks_refresh`); a
    database never refreshed is refreshed on the first request.
    """
    blocks = list(SitemapBlock.objects.filter(trials__gt=0).values_list("number", "lastmod"))
    if not blocks and not SitemapBlock.objects.exists():
        sitemap_blocks_refresh()
        blocks = list(SitemapBlock.objects.filter(trials__gt=0).values_list("number", "lastmod"))
    return [SitemapPage(number, lastmod) for number, lastmod in blocks]


def sitemap_blocks_refresh() -> int:
    """Count the published trials of every block again; return how many blocks hold some.

    One grouped scan of the published trials, written in one transaction: a
    request reads either the old rows or the new ones. An empty table gets
    one row of no trials, so a registry with none is not counted again on
    every request.
    """
    rows = (
        Trial.objects.published()
        .annotate(block=F("pk") / TRIALS_PER_SITEMAP)
        .values("block")
        .annotate(count=Count("pk"), lastmod=Max("last_updated"))
        .order_by("block")
    )
    blocks = [SitemapBlock(row["block"], row["count"], row["lastmod"]) for row in rows]
    with transaction.atomic():
        SitemapBlock.objects.all().delete()
        SitemapBlock.objects.bulk_create(blocks or [SitemapBlock(0, 0, None)])
    return len(blocks)


@shared_task(ignore_result=True)
def sitemap_blocks_refresh_task() -> int:
    """Hourly: trials published, unpublished or changed by staff reach the index."""
    return sitemap_blocks_refresh()


def sitemap_trials(number: int) -> list[tuple[str, object]]:
    """(address, registry update date) of the published trials in one sitemap page."""
    start = number * TRIALS_PER_SITEMAP
    rows = (
        Trial.objects.published()
        .filter(pk__gte=start, pk__lt=start + TRIALS_PER_SITEMAP)
        .order_by("pk")
        .values_list("nct_id", "last_updated")
    )
    return trial_entries(rows)


def trial_entries(rows) -> list[tuple[str, object]]:
    """(address, date) for (NCT number, date) rows: one reverse() for all of them,
    not 10,000 (an NCT number is the only part of a trial's address that varies)."""
    sample = "NCT00000000"
    before, after = page_url(Trial(nct_id=sample).get_absolute_url()).split(sample)
    return [(f"{before}{nct_id}{after}", day) for nct_id, day in rows]


def sitemap_xml(entries: list[tuple[str, object]], *, kind: str) -> str:
    """A <urlset> (kind "url") or <sitemapindex> (kind "sitemap") document."""
    root = "urlset" if kind == "url" else "sitemapindex"
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        f'<{root} xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">',
    ]
    for location, lastmod in entries:
        when = f"<lastmod>{lastmod.isoformat()}</lastmod>" if lastmod else ""
        lines.append(f"<{kind}><loc>{escape(location)}</loc>{when}</{kind}>")
    lines.append(f"</{root}>")
    return "\n".join(lines) + "\n"
