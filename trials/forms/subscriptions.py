"""Patient Notification Services' forms: what to hear about, and the sign-up."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from trials.distance import place_resolve
from trials.forms.contact import EmailAddressField, validate_one_line
from trials.search import DEFAULT_RADIUS_KM
from trials.subscription_matches import interest_terms
from trials.translations import radius_choices

RADIUS_CHOICES = radius_choices(25, 50, 100, 250, 500, 1000)


class PreferencesForm(forms.Form):
    interests = forms.CharField(
        label=_("Conditions or keywords"),
        max_length=300,
        validators=[validate_one_line],
        help_text=_("Separate several with commas, for example: sarcoma, bone metastases."),
    )
    place = forms.CharField(
        label=_("Near (city or town, optional)"),
        max_length=200,
        required=False,
        validators=[validate_one_line],
        widget=forms.TextInput(
            attrs={
                "list": "notify-place-suggestions",
                "autocomplete": "off",
                "data-place-input": "",
                "data-location-status": "notify-location-status",
            }
        ),
    )
    lat = forms.FloatField(min_value=-90, max_value=90, required=False, widget=forms.HiddenInput)
    lon = forms.FloatField(min_value=-180, max_value=180, required=False, widget=forms.HiddenInput)
    radius = forms.TypedChoiceField(
        label=_("Within"),
        choices=RADIUS_CHOICES,
        coerce=int,
        initial=DEFAULT_RADIUS_KM,
        required=False,
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    language = forms.ChoiceField(
        label=_("Emails in"),
        choices=settings.LANGUAGES,
        widget=forms.Select(attrs={"class": "form-select"}),
    )

    def clean_interests(self) -> str:
        interests = " ".join(self.cleaned_data["interests"].split())
        if not interest_terms(interests):
            raise forms.ValidationError(_("Tell us which conditions or keywords to look for."))
        return interests

    def clean(self):
        data = super().clean()
        has_coordinates = data.get("lat") is not None and data.get("lon") is not None
        if data.get("place") and not has_coordinates and place_resolve(data["place"]) is None:
            self.add_error("place", _("We do not know this place. Try a nearby city."))
        return data

    def preferences(self) -> dict:
        data = self.cleaned_data
        return {
            "interests": data["interests"],
            "place_text": data.get("place") or "",
            "lat": data.get("lat"),
            "lon": data.get("lon"),
            "radius_km": data.get("radius") or DEFAULT_RADIUS_KM,
            "language": data["language"],
        }


class SignupForm(PreferencesForm):
    email = EmailAddressField(label=_("Email"))
    trial = forms.CharField(max_length=11, required=False, widget=forms.HiddenInput)

    field_order = ["email", "interests", "place", "radius", "language"]
