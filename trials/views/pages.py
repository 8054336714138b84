"""The public pages: home, a trial, the FAQ and the privacy notice."""

from django.conf import settings
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils.functional import SimpleLazyObject
from django.views.decorators.http import require_safe

from trials.forms import ContactForm
from trials.models import FaqEntry, Trial
from trials.pagecache import (
    NOTES_COOKIE,
    faq_kept,
    fixed_query_rows,
    kept_page,
    published_trial_version,
    render_shared_page,
    shared_page_key,
    trials_key,
)
from trials.registry_sync import last_sync_day, registry_data_as_of
from trials.site_list import region_of, site_listing

# The raw registry record can be large and no page shows it.
NOT_SHOWN = ("source_record",)
# The home page shows the most recently updated recruiting trials; the list
# page ("See all trials") has the rest. Tens of thousands recruit at once.
HOME_TRIALS = 6
# The trial page's own query parameters for its list of sites.
SITE_PARAMETERS = ("site_near", "site_country", "site_page")


@require_safe
def home(request: HttpRequest) -> HttpResponse:
    shown = fixed_query_rows(
        "home", lambda: _newest_recruiting().values_list("pk", "updated_at")[:HOME_TRIALS]
    )
    # The page's content (nothing in it is a visitor's own) is rendered again
    # only when other trials are shown or one changed; a visitor without a
    # session gets the whole page as kept (trials/pagecache.py).
    content_key = trials_key("home", shown)
    key = shared_page_key(request, "home", content_key)
    if (page := kept_page(request, key)) is not None:
        return page
    trials = _newest_recruiting().filter(pk__in=[pk for pk, _ in shown])
    context = {
        "trials": trials.with_card_data().defer(*NOT_SHOWN),
        "content_key": content_key,
    }
    return render_shared_page(request, key, "trials/home.html", context)


def _newest_recruiting() -> QuerySet:
    return Trial.objects.published().recruiting().order_by("-last_updated", "nct_id")


@require_safe
def trial_detail(request: HttpRequest, nct_id: str, slug: str = "") -> HttpResponse:
    # Two letters ("CN") or none: a bounded variant of the cached site list.
    region = region_of(request.headers.get("Accept-Language", ""))
    notes = "mine" if request.COOKIES.get(NOTES_COOKIE) else "none"
    # A visitor without a session (so not staff: published trials only) is
    # served the page kept whole while the trial and the FAQ are as it shows
    # them: the trial's id and update time are all this request reads.
    # The registry's freshness shows on the page: a sync that finishes
    # changes what a kept page says.
    synced = last_sync_day()
    shared = shared_page_key(request, "trial", notes, region, synced)
    faq = faq_kept() if shared else None
    key = None
    if shared and faq is not None:
        version = published_trial_version(nct_id.upper())
        key = f"{shared}:{version}" if version else None
        page = kept_page(request, key, depends_on=faq)
        if page is not None:
            return page

    trial = get_object_or_404(
        Trial.objects.visible_to(request.user).defer(*NOT_SHOWN), nct_id=nct_id.upper()
    )
    # One address per trial: lowercase NCT numbers and slugged links all land here.
    canonical = trial.get_absolute_url()
    if request.path != canonical:
        query = request.META.get("QUERY_STRING", "")
        return redirect(f"{canonical}?{query}" if query else canonical, permanent=True)

    def sites() -> list:
        trial.prefetch_sites()
        return list(trial.sites.all())

    def primary_site():
        trial.prefetch_sites()
        return trial.primary_site

    # The sites and the form are read only when a cached part of the page is
    # rendered again (trials/pagecache.py): on most requests, never.
    context = {
        "trial": trial,
        "sites": SimpleLazyObject(sites),
        # One page of the sites, nearest the patient first (trials/site_list.py):
        # cached per trial and browser country while no site filter is asked for.
        "site_listing": SimpleLazyObject(
            lambda: site_listing(
                trial=_with_sites(trial),
                place=_printable(request.GET.get("site_near", ""))[:200],
                country=request.GET.get("site_country", "")[:80],
                page=request.GET.get("site_page"),
                region=region,
            )
        ),
        "sites_cached": not any(request.GET.get(name) for name in SITE_PARAMETERS),
        "sites_variant": region,
        "primary_site": SimpleLazyObject(primary_site),
        "faq_entries": FaqEntry.objects.published().for_every_trial(),
        "trial_faq_entries": trial.faq_entries.published(),
        "contact_form": SimpleLazyObject(lambda: ContactForm(trial=trial)),
        "registry_as_of": registry_data_as_of(updated_at=trial.updated_at, synced=synced),
    }
    # Kept under the version read above: were the trial edited in between, the
    # next request reads the new version, and renders it again.
    return render_shared_page(request, key, "trials/detail.html", context, depends_on=faq)


def _with_sites(trial: Trial) -> Trial:
    trial.prefetch_sites()
    return trial


def _printable(text: str) -> str:
    # No place name has control characters, and PostgreSQL refuses NUL in a query.
    return "".join(c for c in text if c.isprintable())


@require_safe
def faq(request: HttpRequest) -> HttpResponse:
    # Kept whole while the FAQ the trial pages show is kept unchanged in the
    # shared cache: staff's edits in the admin clear it (trials/pagecache.py).
    key = shared_page_key(request, "faq")
    faq = faq_kept() if key else None
    if (page := kept_page(request, key, depends_on=faq)) is not None:
        return page
    context = {"faq_entries": FaqEntry.objects.published().for_every_trial()}
    return render_shared_page(request, key, "trials/faq.html", context, depends_on=faq)


@require_safe
def privacy(request: HttpRequest) -> HttpResponse:
    context = {
        "contact_email": settings.CONTACT_EMAIL,
        "retention_days": settings.INQUIRY_RETENTION_DAYS,
    }
    key = shared_page_key(request, "privacy")
    return kept_page(request, key) or render_shared_page(
        request, key, "trials/privacy.html", context
    )
