"""Staff-written content in the page's language: {{ entry|translated:"question" }}.

The result is a TranslatedText: `.fallback` is true when the English stands
in for a missing translation, and `.html_lang` is its lang attribute.
"""

from django import template
from django.conf import settings
from django.utils.html import format_html
from django.utils.translation import get_language

from trialfinder.context_processors import to_html_lang
from trials.translations import TranslatedText
from trials.translations import translated as translated_text

register = template.Library()


@register.filter
def translated(obj, field: str):
    # Templates fail silently on a missing object, as {{ site.facility }} would.
    return "" if obj is None or obj == "" else translated_text(obj, field)


@register.filter
def with_lang(value):
    """The text in a span saying its language, for use inside a translated sentence.

    Registry text is English ("en"); staff-written text says its own language.
    {% blocktranslate with title=trial.brief_title|with_lang %} keeps the span.
    """
    if value in (None, ""):
        return ""
    language = value.html_lang if isinstance(value, TranslatedText) else "en"
    if language == to_html_lang(get_language() or settings.LANGUAGE_CODE):
        return value  # the page's own language: nothing to say
    return format_html('<span lang="{}">{}</span>', language, value)
