"""Forms of the study-team side: sign-in, claims, the inbox and team settings."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext_lazy as _

from trials.coordinator import COORDINATOR_STATUSES
from trials.emails import has_control_characters
from trials.forms.contact import EmailAddressField
from trials.models import Inquiry, Language

MAX_CONTACT_ADDRESSES = 10


class SignInForm(forms.Form):
    email = EmailAddressField(label=_("Your email address"))


class ClaimForm(forms.Form):
    email = EmailAddressField(
        label=_("Your email address at this study site"),
        help_text=_(
            "If the registry lists this address for the site or the trial, we email it a link to "
            "confirm. Otherwise our staff check the claim first."
        ),
    )
    name = forms.CharField(label=_("Your name"), max_length=200, required=False)

    def clean_name(self) -> str:
        name = self.cleaned_data["name"]
        if has_control_characters(name):
            raise ValidationError(_("Please type your name without line breaks."))
        return name.strip()


class InboxFilterForm(forms.Form):
    """The inbox's filters, from the query string; the site is checked by the view."""

    site = forms.IntegerField(label=_("Study site"), required=False, min_value=1)
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("Any status")), *Inquiry.Status.choices],
    )
    q = forms.CharField(label=_("Name, email or phone"), max_length=100, required=False)
    page = forms.IntegerField(label=_("Page"), required=False, min_value=1, max_value=400)


class StatusForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Where is this inquiry now?"),
        choices=[(status.value, status.label) for status in COORDINATOR_STATUSES],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label=_("Note (seen by your study team)"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class TeamSettingsForm(forms.Form):
    contact_addresses = forms.CharField(
        label=_("Where patients' messages go"),
        help_text=_(
            "One address a line. They replace the registry's address for this site. Leave empty "
            "to use your team members' own addresses."
        ),
        required=False,
        max_length=3000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    languages = forms.MultipleChoiceField(
        label=_("Languages your team speaks with patients"),
        choices=Language.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    not_taking_messages = forms.BooleanField(
        label=_("Not taking messages now"),
        help_text=_("Patients then see this, and their messages go to the next nearest site."),
        required=False,
    )

    def clean_contact_addresses(self) -> list[str]:
        lines = [line.strip() for line in self.cleaned_data["contact_addresses"].splitlines()]
        addresses = list(dict.fromkeys(line for line in lines if line))
        if len(addresses) > MAX_CONTACT_ADDRESSES:
            raise ValidationError(
                _("Please give at most %(count)d addresses."),
                params={"count": MAX_CONTACT_ADDRESSES},
            )
        for address in addresses:
            try:
                validate_email(address)
            except ValidationError as exc:
                raise ValidationError(
                    _("“%(address)s” is not an email address."), params={"address": address}
                ) from exc
            if has_control_characters(address) or "," in address:
                raise ValidationError(
                    _("“%(address)s” is not an email address."), params={"address": address}
                )
        return addresses
