"""The public pages: home, a trial, the FAQ and the privacy notice."""

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_safe

from trials.forms import ContactForm
from trials.models import FaqEntry, Trial
from trials.site_list import region_of, site_listing

# The raw registry record can be large and no page shows it.
NOT_SHOWN = ("source_record",)


@require_safe
def home(request: HttpRequest) -> HttpResponse:
    trials = Trial.objects.published().recruiting().with_card_data().defer(*NOT_SHOWN)
    return render(request, "trials/home.html", {"trials": trials})


@require_safe
def trial_detail(request: HttpRequest, nct_id: str, slug: str = "") -> HttpResponse:
    trial = get_object_or_404(
        Trial.objects.visible_to(request.user).with_card_data().defer(*NOT_SHOWN),
        nct_id=nct_id.upper(),
    )
    # One address per trial: lowercase NCT numbers and slugged links all land here.
    canonical = trial.get_absolute_url()
    if request.path != canonical:
        query = request.META.get("QUERY_STRING", "")
        return redirect(f"{canonical}?{query}" if query else canonical, permanent=True)
    context = {
        "trial": trial,
        "site_listing": site_listing(
            trial=trial,
            place=_printable(request.GET.get("site_near", ""))[:200],
            country=request.GET.get("site_country", "")[:80],
            page=request.GET.get("site_page"),
            region=region_of(request.headers.get("Accept-Language", "")),
        ),
        "primary_site": trial.primary_site,
        "faq_entries": FaqEntry.objects.published(),
        "contact_form": ContactForm(trial=trial),
    }
    return render(request, "trials/detail.html", context)


def _printable(text: str) -> str:
    # No place name has control characters, and PostgreSQL refuses NUL in a query.
    return "".join(c for c in text if c.isprintable())


@require_safe
def faq(request: HttpRequest) -> HttpResponse:
    return render(request, "trials/faq.html", {"faq_entries": FaqEntry.objects.published()})


@require_safe
def privacy(request: HttpRequest) -> HttpResponse:
    return render(request, "trials/privacy.html", {"contact_email": settings.CONTACT_EMAIL})
