"""The Jinja2 environment of the templates under templates/jinja2/.

Django's own template language renders every page; Jinja2, a faster engine
Django supports, only assembles the trial, home and trial list pages from
parts already rendered (trials/shell.py), where Django's engine spent more
time walking the page's nodes than the rest of the request took. Its output
is written as Django's templates write it, so that the two give the same
HTML: every {{ value }} localized and escaped by Django (`&quot;`, not
markupsafe's `&#34;`); `translate()` as {% translate %} (the translation
escaped); `_()` and `ngettext()` as {% blocktranslate %} (the words put in
escaped, the translation not); `join` as Django's filter. Its addresses come
from the view.
"""

from django.contrib.humanize.templatetags.humanize import intcomma
from django.utils import translation
from django.utils.formats import localize
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe
from jinja2 import Environment

from trials.templatetags.translated import place_label, with_lang


def _written(value) -> SafeString:
    """A value as Django's {{ value }} writes it: localized, escaped."""
    return conditional_escape(localize(value))


def _blocktranslate(message: str, **words) -> SafeString:
    text = translation.gettext(message)
    if not words:
        return mark_safe(text)
    return mark_safe(text % {name: _written(value) for name, value in words.items()})


def _blocktranslate_plural(singular: str, plural: str, count: int, **words) -> SafeString:
    text = translation.ngettext(singular, plural, count)
    return mark_safe(text % {name: _written(value) for name, value in words.items()})


def _join(values, separator: str) -> SafeString:
    return mark_safe(conditional_escape(separator).join(_written(value) for value in values))


def environment(**options) -> Environment:
    env = Environment(extensions=["jinja2.ext.i18n"], finalize=_written, **options)
    env.install_gettext_callables(translation.gettext, translation.ngettext, newstyle=True)
    env.globals.update(
        _=_blocktranslate,
        gettext=_blocktranslate,
        ngettext=_blocktranslate_plural,
        translate=translation.gettext,
    )
    env.filters.update(join=_join, intcomma=intcomma, place_label=place_label, with_lang=with_lang)
    return env
