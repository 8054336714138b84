"""The site's forms, one module per area; import them from here."""

from trials.forms.contact import ContactForm
from trials.forms.notifications import PreferencesForm, SignupForm

__all__ = ["ContactForm", "PreferencesForm", "SignupForm"]
