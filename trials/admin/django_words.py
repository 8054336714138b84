"""Words of Django's own admin templates that its Chinese catalogue lacks
(Django 5.2's app list: the headers read out by screen readers). Listed here
so that makemessages puts them in our catalogue, which Django reads first
(LOCALE_PATHS), and the Chinese admin has no English left."""

from django.utils.translation import gettext_noop

DJANGO_ADMIN_WORDS = (
    gettext_noop("Model name"),
    gettext_noop("Add link"),
    gettext_noop("Change or view list link"),
)
