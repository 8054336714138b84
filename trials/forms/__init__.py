"""The site's forms, one module per area; import them from here."""

from trials.forms.contact import ContactForm
from trials.forms.prescreen import PrescreenForm
from trials.forms.search import SearchForm
from trials.forms.subscriptions import PreferencesForm, SignupForm
from trials.forms.teams import (
    ClaimForm,
    InboxFilterForm,
    SignInForm,
    StatusForm,
    TeamSettingsForm,
)

__all__ = [
    "ClaimForm",
    "ContactForm",
    "InboxFilterForm",
    "PreferencesForm",
    "PrescreenForm",
    "SearchForm",
    "SignInForm",
    "SignupForm",
    "StatusForm",
    "TeamSettingsForm",
]
