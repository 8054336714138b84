"""The Jinja2 environment of the templates under templates/jinja2/.

Django's own template language renders every page; Jinja2, a faster engine
Django supports, only assembles the trial, home and trial list pages from
parts already rendered (trials/shell.py), where Django's engine spent more
time walking the page's nodes than the rest of the request took. Its
translations are Django's catalogues: `translate()` as {% translate %} (the
translation escaped), `_()` and `ngettext()` as {% blocktranslate %} (the
words put in escaped, the translation not); its addresses come from the view.
"""

from django.contrib.humanize.templatetags.humanize import intcomma
from django.utils.translation import gettext, ngettext
from jinja2 import Environment

from trials.templatetags.translated import place_label, with_lang


def environment(**options) -> Environment:
    env = Environment(extensions=["jinja2.ext.i18n"], **options)
    env.install_gettext_callables(gettext, ngettext, newstyle=True)
    env.globals["translate"] = gettext
    env.filters.update(intcomma=intcomma, place_label=place_label, with_lang=with_lang)
    return env
