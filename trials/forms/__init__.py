"""The site's forms, one module per area; import them from here."""

from trials.forms.contact import ContactForm
from trials.forms.notifications import PreferencesForm, SignupForm
from trials.forms.prescreen import PrescreenForm

__all__ = ["ContactForm", "PreferencesForm", "PrescreenForm", "SignupForm"]
