"""The Jinja2 environment of the templates under templates/jinja2/.

Django's own template language renders every page; Jinja2, a faster engine
Django supports, only assembles the trial and home pages from parts already
rendered (trials/shell.py), where Django's engine spent more time walking
the page's nodes than the rest of the request took. Its translations are
Django's catalogues (`_()`); its addresses come from the view.
"""

from django.utils.translation import gettext, ngettext
from jinja2 import Environment


def environment(**options) -> Environment:
    env = Environment(extensions=["jinja2.ext.i18n"], **options)
    env.install_gettext_callables(gettext, ngettext, newstyle=True)
    return env
