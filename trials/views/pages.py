"""The public pages: home, a trial, the FAQ and the privacy notice."""

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.functional import SimpleLazyObject
from django.views.decorators.http import require_safe

from trials.forms import ContactForm
from trials.models import FaqEntry, Trial
from trials.pagecache import render_trial_page, trials_key
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
    newest = Trial.objects.published().recruiting().order_by("-last_updated", "nct_id")
    shown = list(newest.values_list("pk", "updated_at")[:HOME_TRIALS])
    # The page's content (nothing in it is a visitor's own) is rendered again
    # only when other trials are shown or one changed.
    trials = newest.filter(pk__in=[pk for pk, _ in shown]).with_card_data().defer(*NOT_SHOWN)
    context = {"trials": trials, "content_key": trials_key("home", shown)}
    return render(request, "trials/home.html", context)


@require_safe
def trial_detail(request: HttpRequest, nct_id: str, slug: str = "") -> HttpResponse:
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

    # Two letters ("CN") or none: a bounded variant of the cached site list.
    region = region_of(request.headers.get("Accept-Language", ""))

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
        "faq_entries": FaqEntry.objects.published(),
        "contact_form": SimpleLazyObject(lambda: ContactForm(trial=trial)),
    }
    return render_trial_page(request, "trials/detail.html", context)


def _with_sites(trial: Trial) -> Trial:
    trial.prefetch_sites()
    return trial


def _printable(text: str) -> str:
    # No place name has control characters, and PostgreSQL refuses NUL in a query.
    return "".join(c for c in text if c.isprintable())


@require_safe
def faq(request: HttpRequest) -> HttpResponse:
    return render(request, "trials/faq.html", {"faq_entries": FaqEntry.objects.published()})


@require_safe
def privacy(request: HttpRequest) -> HttpResponse:
    return render(request, "trials/privacy.html", {"contact_email": settings.CONTACT_EMAIL})
