"""The trial list: search box, filters and results, every state in the URL."""

from __future__ import annotations

from urllib.parse import urlencode

from django.db.models import prefetch_related_objects
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_safe

from trials import shell
from trials.forms import SearchForm
from trials.models import with_site_cities
from trials.pagecache import results_fragment
from trials.search import Criteria, Results, nct_id_in, trials_search
from trials.trial_pages import attach_cards, store_parts


def _query_with(request: HttpRequest, **changes: str | None) -> str:
    params = request.GET.copy()
    params.pop("page", None)
    for name, value in changes.items():
        params.pop(name, None)
        if value is not None:
            params[name] = value
    return params.urlencode()


def _active_filters(criteria: Criteria) -> int:
    """How many filters narrow the list (the search words and the order are not filters)."""
    return sum(
        [
            criteria.status != "recruiting",
            bool(criteria.condition),
            bool(criteria.phase),
            bool(criteria.study_type),
            criteria.age is not None,
            bool(criteria.sex),
            criteria.healthy_volunteers,
            bool(criteria.country),
            criteria.origin is not None,
        ]
    )


# What each criterion to loosen drops from the query string: one click wider.
LOOSEN_DROPS = {
    "radius": {"place": None, "lat": None, "lon": None, "radius": None},
    "status": {"status": "all"},
    "age": {"age": None},
    "sex": {"sex": None},
    "phase": {"phase": None},
    "study_type": {"study_type": None},
    "country": {"country": None},
    "condition": {"condition": None},
    "healthy_volunteers": {"healthy_volunteers": None},
}


def _wider(request: HttpRequest, results: Results | None) -> dict:
    """Links for an empty page: each criterion dropped, a broader concept,
    "Did you mean" and the alert for when a matching trial opens."""
    if results is None or results.count and not results.suggestion:
        return {}
    q = request.GET.get("q", "")
    return {
        "loosen_links": [
            (hint, _query_with(request, **LOOSEN_DROPS[hint]))
            for hint in results.loosen
            if hint in LOOSEN_DROPS
        ],
        "broader_query": results.broader and _query_with(request, q=results.broader, as_typed=None),
        "suggestion_query": results.suggestion
        and _query_with(request, q=results.suggestion, as_typed=None),
        "notify_query": urlencode({"interests": q[:300]}) if q else "",
    }


def _place_query(form: SearchForm) -> str:
    """The searched place for the links to each trial ("place=杭州", or the
    browser's coordinates to about a kilometre), so the trial page lists its
    sites nearest it first (trials/site_list.py)."""
    data = form.cleaned_data
    if data.get("origin") is None:
        return ""
    if data.get("lat") is not None and data.get("lon") is not None:
        return urlencode({"lat": f"{data['lat']:.2f}", "lon": f"{data['lon']:.2f}"})
    return urlencode({"place": data["place"]})


@require_safe
def trial_list(request: HttpRequest) -> HttpResponse:
    nct_id = nct_id_in(request.GET.get("q", ""))
    if nct_id:
        return redirect("trials:detail", nct_id=nct_id)
    form = SearchForm(request.GET)
    form.is_valid()
    # Invalid filters (an unknown place, an age of 300) are dropped, not
    # fatal; a query that is too long is not searched at all: the page says
    # why instead of showing a different search.
    for name in form.errors:
        form.cleaned_data.pop(name, None)
    criteria = form.criteria()
    # What the results part and the page around it both show.
    shared = {
        "form": form,
        "criteria": criteria,
        "page_query": _query_with(request),
        "active_filters": _active_filters(criteria),
        "place_query": _place_query(form),
    }

    def results_html() -> str:
        results = None
        if "q" not in form.errors:
            results = trials_search(
                criteria=criteria,
                page=form.cleaned_data.get("page") or 1,
                as_typed=bool(form.cleaned_data.get("as_typed")),
            )
        as_typed_query = _query_with(
            request, q=results.corrected_from if results else None, as_typed="1"
        )
        context = {
            **shared,
            **_wider(request, results),
            "results": results,
            "as_typed_query": as_typed_query,
            # The same words, an age group in them not narrowing the trials.
            "all_ages_query": _query_with(request, all_ages="1"),
        }
        # Each card is a stored part of its trial's page (trials/trial_pages.py);
        # the cities are read for the cards rendered now (templates/includes/trial_card.html).
        if results:
            attach_cards(results.trials)
            rendered = [
                trial
                for trial in results.trials
                if shared["place_query"] or "card" not in trial.page_parts.stored
            ]
            if rendered:
                with_site_cities(rendered)
                prefetch_related_objects(rendered, "conditions")
        # Assembled from the stored cards; rendered by Django's template, which
        # stores the cards, when one is missing (trials/shell.py).
        html = shell.results_part(context)
        if html is None:
            html = render_to_string("trials/includes/results.html", context, request)
        if results:
            store_parts(results.trials)
        return html

    # The results (the search and its cards) are kept for a popular query;
    # a query too long to search shows its message, never kept.
    if "q" in form.errors:
        results_part = results_html()
    else:
        results_part = results_fragment(request, results_html)
    if request.headers.get("HX-Request") and not request.headers.get("HX-Boosted"):
        response = HttpResponse(results_part)
    else:
        context = {**shared, "q": criteria.q, "results_part": results_part}
        # Assembled around the kept header and footer (trials/shell.py);
        # rendered by Django's templates, which keep them, when one is not.
        response = shell.list_page(request, context) or render(request, "trials/list.html", context)
    patch_vary_headers(response, ["HX-Request"])
    return response
