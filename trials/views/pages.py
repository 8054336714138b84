"""The public pages: home, a trial, the FAQ and the privacy notice."""

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.functional import SimpleLazyObject
from django.views.decorators.http import require_safe

from trials.forms import ContactForm
from trials.models import FaqEntry, Trial
from trials.pagecache import render_trial_page

# The raw registry record can be large and no page shows it.
NOT_SHOWN = ("source_record",)
# The home page shows the most recently updated recruiting trials; the list
# page ("See all trials") has the rest. Tens of thousands recruit at once.
HOME_TRIALS = 6


@require_safe
def home(request: HttpRequest) -> HttpResponse:
    trials = Trial.objects.published().recruiting().with_card_data().defer(*NOT_SHOWN)
    trials = trials.order_by("-last_updated", "nct_id")[:HOME_TRIALS]
    return render(request, "trials/home.html", {"trials": trials})


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

    # The sites and the form are read only when a cached part of the page is
    # rendered again (trials/pagecache.py): on most requests, never.
    context = {
        "trial": trial,
        "sites": SimpleLazyObject(sites),
        "primary_site": SimpleLazyObject(primary_site),
        "faq_entries": FaqEntry.objects.published(),
        "contact_form": SimpleLazyObject(lambda: ContactForm(trial=trial)),
    }
    return render_trial_page(request, "trials/detail.html", context)


@require_safe
def faq(request: HttpRequest) -> HttpResponse:
    return render(request, "trials/faq.html", {"faq_entries": FaqEntry.objects.published()})


@require_safe
def privacy(request: HttpRequest) -> HttpResponse:
    return render(request, "trials/privacy.html", {"contact_email": settings.CONTACT_EMAIL})
