"""The trial list: search box, filters and results, every state in the URL."""

from __future__ import annotations

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_safe

from trials.distance import place_resolve
from trials.models import Phase, Sex, StudyType
from trials.search import DEFAULT_RADIUS_KM, Criteria, Origin, nct_id_in, trials_search

STATUS_CHOICES = [
    ("recruiting", _("Recruiting now")),
    ("open", _("Recruiting, soon recruiting or by invitation")),
    ("all", _("Any status, including closed trials")),
]
SORT_CHOICES = [
    ("", _("Best match")),
    ("distance", _("Nearest first")),
    ("updated", _("Recently updated")),
]
RADIUS_CHOICES = [(km, _("%(km)d km") % {"km": km}) for km in (10, 25, 50, 100, 250, 500, 1000)]


SELECT = forms.Select(attrs={"class": "form-select"})


def _blank(choices) -> list:
    return [("", _("Any"))] + list(choices)


class SearchForm(forms.Form):
    q = forms.CharField(label=_("Condition, keyword or NCT number"), max_length=200, required=False)
    status = forms.ChoiceField(
        label=_("Status"), choices=STATUS_CHOICES, required=False, widget=SELECT
    )
    condition = forms.CharField(label=_("Condition"), max_length=300, required=False)
    phase = forms.ChoiceField(
        label=_("Phase"), choices=_blank(Phase.choices), required=False, widget=SELECT
    )
    study_type = forms.ChoiceField(
        label=_("Study type"), choices=_blank(StudyType.choices), required=False, widget=SELECT
    )
    age = forms.IntegerField(label=_("Your age"), min_value=0, max_value=120, required=False)
    sex = forms.ChoiceField(
        label=_("Sex"),
        choices=_blank([(Sex.FEMALE, Sex.FEMALE.label), (Sex.MALE, Sex.MALE.label)]),
        required=False,
        widget=SELECT,
    )
    healthy_volunteers = forms.BooleanField(
        label=_("Only trials that accept healthy volunteers"), required=False
    )
    country = forms.CharField(label=_("Country"), max_length=80, required=False)
    place = forms.CharField(label=_("Near (city)"), max_length=200, required=False)
    lat = forms.FloatField(min_value=-90, max_value=90, required=False, widget=forms.HiddenInput)
    lon = forms.FloatField(min_value=-180, max_value=180, required=False, widget=forms.HiddenInput)
    radius = forms.TypedChoiceField(
        label=_("Within"), choices=RADIUS_CHOICES, coerce=int, required=False
    )
    sort = forms.ChoiceField(
        label=_("Sort by"), choices=SORT_CHOICES, required=False, widget=SELECT
    )
    page = forms.IntegerField(min_value=1, required=False, widget=forms.HiddenInput)

    def clean(self):
        data = super().clean()
        data["origin"] = None
        if data.get("lat") is not None and data.get("lon") is not None:
            data["origin"] = Origin(data["lat"], data["lon"], str(_("your location")))
        elif data.get("place"):
            data["origin"] = place_resolve(data["place"])
            if data["origin"] is None:
                self.add_error("place", _("We do not know this place. Try a nearby city."))
        return data

    def criteria(self) -> Criteria:
        data = self.cleaned_data
        return Criteria(
            q=data.get("q") or "",
            status=data.get("status") or "recruiting",
            condition=data.get("condition") or "",
            phase=data.get("phase") or "",
            study_type=data.get("study_type") or "",
            age=data.get("age"),
            sex=data.get("sex") or "",
            healthy_volunteers=bool(data.get("healthy_volunteers")),
            country=data.get("country") or "",
            origin=data.get("origin"),
            radius_km=data.get("radius") or DEFAULT_RADIUS_KM,
            sort=data.get("sort") or "",
        )


def _query_without(request: HttpRequest, *names: str) -> str:
    params = request.GET.copy()
    for name in names:
        params.pop(name, None)
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


@require_safe
def trial_list(request: HttpRequest) -> HttpResponse:
    nct_id = nct_id_in(request.GET.get("q", ""))
    if nct_id:
        return redirect("trials:detail", nct_id=nct_id)
    form = SearchForm(request.GET)
    form.is_valid()
    # Invalid parts (an unknown place, an age of 300) are dropped, not fatal.
    for name in form.errors:
        form.cleaned_data.pop(name, None)
    criteria = form.criteria()
    results = trials_search(criteria=criteria, page=form.cleaned_data.get("page") or 1)
    context = {
        "form": form,
        "criteria": criteria,
        "results": results,
        "q": criteria.q,
        "page_query": _query_without(request, "page"),
        "active_filters": _active_filters(criteria),
    }
    template = "trials/list.html"
    if request.headers.get("HX-Request") and not request.headers.get("HX-Boosted"):
        template = "trials/includes/results.html"
    response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request"])
    return response
