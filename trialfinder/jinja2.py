"""The Jinja2 environment of the templates under templates/jinja2/.

Django's own template language renders every page; Jinja2, a faster engine
Django supports, only assembles a trial's page from the parts stored for it
(trials/trial_pages.py), where Django's engine spent more time walking the
page's nodes than the rest of the request took. Translations are Django's
catalogues (`_()`), addresses Django's `url()` and `static()`.
"""

from django.templatetags.static import static
from django.urls import reverse
from django.utils.translation import gettext, ngettext
from jinja2 import Environment


def environment(**options) -> Environment:
    env = Environment(extensions=["jinja2.ext.i18n"], **options)
    env.install_gettext_callables(gettext, ngettext, newstyle=True)
    env.globals.update(static=static, url=reverse)
    return env
