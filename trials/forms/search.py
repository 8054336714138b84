"""The trial list's search box and filters, as a form: every state in the URL."""

from __future__ import annotations

from django import forms
from django.forms.renderers import Jinja2
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from trials.distance import Origin, place_resolve
from trials.models import Phase, Sex, StudyType
from trials.place_names import registry_country
from trials.search import DEFAULT_RADIUS_KM, MAX_QUERY_LENGTH, Criteria
from trials.translations import radius_choices
from trials.understanding import query_normalise

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
RADIUS_CHOICES = radius_choices(10, 25, 50, 100, 250, 500, 1000)
QUERY_TOO_LONG = _(
    "Your search is %(show_value)d characters long. Please shorten it to %(limit_value)d "
    "characters or fewer: a few words about the condition or treatment work best."
)

SELECT = forms.Select(attrs={"class": "form-select"})


class KeptWidget(forms.BoundField):
    """A filter's widget, rendered once per process for each choice and
    language: every results page shows five drop-downs and two hidden
    coordinates, and rendering them again each time cost more than the rest
    of the filters. A value of the visitor's own (coordinates) or with an
    error (no such choice) is rendered each time, as before."""

    rendered: dict[tuple, str] = {}

    def as_widget(self, widget=None, attrs=None, only_initial=False):
        value = self.value()
        if widget or attrs or only_initial or self.errors or not self._one_of_a_few(value):
            return super().as_widget(widget, attrs, only_initial)
        key = (self.html_name, self.auto_id, get_language(), value)
        html = self.rendered.get(key)
        if html is None:
            html = self.rendered[key] = super().as_widget()
        return html

    def _one_of_a_few(self, value) -> bool:
        if value is None:
            return True
        return isinstance(self.field, forms.ChoiceField) and isinstance(value, str)


def _blank(choices) -> list:
    return [("", _("Any"))] + list(choices)


class QueryField(forms.CharField):
    """The search words, with characters no search can use (NUL and other
    control characters) dropped instead of refused: any query gets a page."""

    def to_python(self, value):
        return query_normalise(super().to_python(value))


class SearchForm(forms.Form):
    # Django's own widget templates in Jinja2, the same HTML: the filters are
    # on every results page, and the Django template engine took as long to
    # render their seven plain widgets as the search took to read its page.
    default_renderer = Jinja2()

    q = QueryField(
        label=_("Condition, keyword or NCT number"),
        max_length=MAX_QUERY_LENGTH,
        required=False,
        error_messages={"max_length": QUERY_TOO_LONG},
    )
    # Set by the "search instead for" link: no word is corrected.
    as_typed = forms.BooleanField(required=False, widget=forms.HiddenInput)
    # Set by the "search all ages" link: an age group in the words ("kids")
    # does not narrow the trials.
    all_ages = forms.BooleanField(required=False, widget=forms.HiddenInput)
    status = forms.ChoiceField(
        label=_("Status"),
        choices=STATUS_CHOICES,
        required=False,
        widget=SELECT,
        bound_field_class=KeptWidget,
    )
    condition = forms.CharField(label=_("Condition"), max_length=300, required=False)
    phase = forms.ChoiceField(
        label=_("Phase"),
        choices=_blank(Phase.choices),
        required=False,
        widget=SELECT,
        bound_field_class=KeptWidget,
    )
    study_type = forms.ChoiceField(
        label=_("Study type"),
        choices=_blank(StudyType.choices),
        required=False,
        widget=SELECT,
        bound_field_class=KeptWidget,
    )
    age = forms.IntegerField(label=_("Your age"), min_value=0, max_value=120, required=False)
    sex = forms.ChoiceField(
        label=_("Sex"),
        choices=_blank([(Sex.FEMALE, Sex.FEMALE.label), (Sex.MALE, Sex.MALE.label)]),
        required=False,
        widget=SELECT,
        bound_field_class=KeptWidget,
    )
    healthy_volunteers = forms.BooleanField(
        label=_("Only trials that accept healthy volunteers"), required=False
    )
    country = forms.CharField(label=_("Country"), max_length=80, required=False)
    place = forms.CharField(label=_("Near (city)"), max_length=200, required=False)
    lat = forms.FloatField(
        min_value=-90,
        max_value=90,
        required=False,
        widget=forms.HiddenInput,
        bound_field_class=KeptWidget,
    )
    lon = forms.FloatField(
        min_value=-180,
        max_value=180,
        required=False,
        widget=forms.HiddenInput,
        bound_field_class=KeptWidget,
    )
    radius = forms.TypedChoiceField(
        label=_("Within"), choices=RADIUS_CHOICES, coerce=int, required=False
    )
    sort = forms.ChoiceField(
        label=_("Sort by"),
        choices=SORT_CHOICES,
        required=False,
        widget=SELECT,
        bound_field_class=KeptWidget,
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
            # A country typed in Chinese ("中国") is the registry's English one.
            country=registry_country(data.get("country") or ""),
            origin=data.get("origin"),
            radius_km=data.get("radius") or DEFAULT_RADIUS_KM,
            sort=data.get("sort") or "",
            ages_from_words=not data.get("all_ages"),
        )
